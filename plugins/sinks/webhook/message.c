/*
 * message.c -- see message.h. cJSON writes every body (so escaping is never
 * hand-made); the Slack text is built in a small growable buffer and then
 * handed to cJSON as a string. Slack limits a section to 3000 characters
 * and a message to 50 blocks: long digests are cut into sections and end
 * with a pointer to `crmgov findings` when they would exceed that.
 */
#include "message.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../common/finding_json.h"

#define SLACK_SECTION_MAX 2900
#define SLACK_BLOCKS_MAX 48

/* ------------------------------------------------------------------------ */
/* a growable string                                                         */

struct text {
    char *buf;
    size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->buf = realloc(t->buf, t->cap);
        if (!t->buf)
            abort();
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void text_adds(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static void text_addf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_addf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    text_add(t, s, (size_t)n);
    free(s);
}

static char *text_take(struct text *t)
{
    if (!t->buf)
        text_add(t, "", 0);
    char *s = t->buf;
    memset(t, 0, sizeof(*t));
    return s;
}

/* ------------------------------------------------------------------------ */
/* ids, commands, summaries                                                  */

void message_id(const char *sink, const char *material, char out[33])
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)sink, strlen(sink) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)material, strlen(material));
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, 33, digest, 16);
}

/* A shell word: as is when it is plain, else in single quotes. */
static void add_word(struct text *t, const char *word)
{
    int plain = *word != '\0';
    for (const char *p = word; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                       "._/:@%+=,-",
                       *p) != NULL;
    text_adds(t, " ");
    if (plain) {
        text_adds(t, word);
        return;
    }
    text_adds(t, "'");
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            text_adds(t, "'\\''");
        else
            text_add(t, p, 1);
    }
    text_adds(t, "'");
}

cJSON *message_commands(const struct crmgov_finding *f)
{
    cJSON *list = cJSON_CreateArray();
    struct text t = { 0 };
    text_adds(&t, "crmgov findings --rule");
    add_word(&t, f->rule ? f->rule : "");
    text_adds(&t, " --system");
    add_word(&t, f->system ? f->system : "");
    if (f->automation) {
        text_adds(&t, " --automation");
        add_word(&t, f->automation);
    }
    text_adds(&t, " --state all");
    char *s = text_take(&t);
    cJSON_AddItemToArray(list, cJSON_CreateString(s));
    free(s);
    if (f->automation) {
        char *ref = NULL;
        if (asprintf(&ref, "%s/%s", f->system ? f->system : "", f->automation) < 0)
            abort();
        text_adds(&t, "crmgov history");
        add_word(&t, ref);
        free(ref);
        s = text_take(&t);
        cJSON_AddItemToArray(list, cJSON_CreateString(s));
        free(s);
    }
    return list;
}

char *message_summary(const struct crmgov_finding *f)
{
    struct text t = { 0 };
    text_addf(&t, "%s %s", f->rule ? f->rule : "?", f->system ? f->system : "?");
    if (f->automation)
        text_addf(&t, "/%s", f->automation);
    if (f->subject)
        text_addf(&t, " [%s]", f->subject);
    text_addf(&t, " %s (%s)", sink_transition_name((int)f->transition),
              sink_severity_name((int)f->severity));
    return text_take(&t);
}

/* ------------------------------------------------------------------------ */
/* JSON bodies                                                               */

static cJSON *recipients_json(const struct recipients *list)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; list && i < list->n; i++)
        cJSON_AddItemToArray(a, recipient_json(&list->items[i]));
    return a;
}

static char *print_and_free(cJSON *o)
{
    char *printed = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!printed)
        abort();
    char *copy = strdup(printed); /* callers free() it, whatever cJSON's allocator is */
    cJSON_free(printed);
    if (!copy)
        abort();
    return copy;
}

static cJSON *finding_message_json(const struct message_ctx *m, const char *id,
                                   const struct crmgov_finding *f, crmgov_time at,
                                   const struct recipients *to,
                                   const struct recipients *accountable)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "finding");
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "sink", m->sink);
    sink_add_time(m->host, o, "at", at);
    cJSON_AddStringToObject(o, "transition", sink_transition_name((int)f->transition));
    cJSON_AddItemToObject(o, "finding", sink_finding_json(m->host, f));
    cJSON_AddItemToObject(o, "recipients", recipients_json(to));
    cJSON_AddItemToObject(o, "accountable", recipients_json(accountable));
    cJSON_AddItemToObject(o, "commands", message_commands(f));
    return o;
}

cJSON *message_digest_item(const struct crmgov_host *host, const struct crmgov_finding *f,
                           crmgov_time at, int folded)
{
    cJSON *o = cJSON_CreateObject();
    sink_add_time(host, o, "at", at);
    cJSON_AddStringToObject(o, "transition", sink_transition_name((int)f->transition));
    cJSON_AddBoolToObject(o, "folded", folded);
    cJSON_AddItemToObject(o, "finding", sink_finding_json(host, f));
    cJSON_AddItemToObject(o, "commands", message_commands(f));
    return o;
}

static cJSON *digest_json(const struct message_ctx *m, const char *id,
                          const struct recipient *r, const cJSON *items, crmgov_time at)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "digest");
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "sink", m->sink);
    sink_add_time(m->host, o, "at", at);
    cJSON *to = cJSON_AddArrayToObject(o, "recipients");
    cJSON_AddItemToArray(to, recipient_json(r));
    cJSON_AddItemToObject(o, "items", cJSON_Duplicate(items, 1));
    cJSON *commands = cJSON_AddArrayToObject(o, "commands");
    cJSON_AddItemToArray(commands, cJSON_CreateString("crmgov findings --state open"));
    return o;
}

/* ------------------------------------------------------------------------ */
/* Slack bodies                                                              */

char *message_slack_escape(const char *text)
{
    struct text t = { 0 };
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&': text_adds(&t, "&amp;"); break;
        case '<': text_adds(&t, "&lt;"); break;
        case '>': text_adds(&t, "&gt;"); break;
        default: text_add(&t, p, 1);
        }
    }
    return text_take(&t);
}

static void add_escaped(struct text *t, const char *s)
{
    char *e = message_slack_escape(s);
    text_adds(t, e);
    free(e);
}

static const char *slack_icon(int severity, int transition)
{
    static const char *const icons[] = { ":white_circle:", ":large_yellow_circle:",
                                         ":large_orange_circle:", ":red_circle:",
                                         ":rotating_light:" };
    if (transition == CRMGOV_FINDING_CLEARED)
        return ":white_check_mark:";
    return severity >= 0 && severity <= 4 ? icons[severity] : ":grey_question:";
}

/* "Jon Park <jon@x>": a Slack mention (<@U...>) in the address is kept as is. */
static void add_person(struct text *t, const cJSON *r)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
    const cJSON *address = cJSON_GetObjectItemCaseSensitive(r, "address");
    const char *a = cJSON_IsString(address) ? address->valuestring : NULL;
    if (a && (strncmp(a, "<@", 2) == 0 || strncmp(a, "<!", 2) == 0)) {
        text_adds(t, a);
        return;
    }
    add_escaped(t, cJSON_IsString(name) ? name->valuestring
                                        : cJSON_IsString(id) ? id->valuestring : "?");
    if (a) {
        text_adds(t, " (");
        add_escaped(t, a);
        text_adds(t, ")");
    }
}

static const char *member(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static const char *member_text(const cJSON *o, const char *name)
{
    const char *s = member(o, name);
    return s ? s : "";
}

/* The longest prefix of s (len bytes) that fits max bytes without cutting a
 * UTF-8 sequence in two. */
static size_t utf8_fit(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* One finding in mrkdwn, from its message or digest item JSON. */
static void slack_finding_lines(struct text *t, const cJSON *finding, const char *transition,
                                int brief)
{
    int severity = sink_severity_parse(member(finding, "severity"));
    int cleared = transition && strcmp(transition, "cleared") == 0;
    const char *automation = member(finding, "automation");
    const char *subject = member(finding, "subject");
    text_addf(t, "%s *", slack_icon(severity, cleared ? CRMGOV_FINDING_CLEARED : 0));
    add_escaped(t, member_text(finding, "rule"));
    text_adds(t, " ");
    add_escaped(t, member_text(finding, "name"));
    text_addf(t, "* %s, %s in ", member_text(finding, "severity"), transition ? transition : "");
    add_escaped(t, member_text(finding, "system"));
    if (automation) {
        text_adds(t, " / ");
        add_escaped(t, automation);
    }
    if (subject) {
        text_adds(t, " (");
        add_escaped(t, subject);
        text_adds(t, ")");
    }
    text_adds(t, brief ? ": " : "\n>");
    add_escaped(t, member_text(finding, "message"));
    text_adds(t, "\n");
}

static void slack_add_commands(struct text *t, const cJSON *commands)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, commands)
    {
        if (cJSON_IsString(c))
            text_addf(t, "`%s`\n", c->valuestring);
    }
}

static cJSON *slack_section(const char *mrkdwn)
{
    cJSON *block = cJSON_CreateObject();
    cJSON_AddStringToObject(block, "type", "section");
    cJSON *text = cJSON_AddObjectToObject(block, "text");
    cJSON_AddStringToObject(text, "type", "mrkdwn");
    cJSON_AddStringToObject(text, "text", mrkdwn);
    return block;
}

static char *slack_body(const char *summary, struct text *sections, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", summary);
    cJSON *blocks = cJSON_AddArrayToObject(o, "blocks");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(blocks, slack_section(sections[i].buf ? sections[i].buf : ""));
    return print_and_free(o);
}

static char *slack_finding(const cJSON *message)
{
    const cJSON *finding = cJSON_GetObjectItemCaseSensitive(message, "finding");
    const char *transition = member(message, "transition");
    struct text t = { 0 };
    slack_finding_lines(&t, finding, transition, 0);
    const cJSON *accountable = cJSON_GetObjectItemCaseSensitive(message, "accountable");
    if (cJSON_GetArraySize(accountable) > 0) {
        text_adds(&t, "For: ");
        for (int i = 0; i < cJSON_GetArraySize(accountable); i++) {
            text_adds(&t, i ? ", " : "");
            add_person(&t, cJSON_GetArrayItem(accountable, i));
        }
        text_adds(&t, "\n");
    }
    slack_add_commands(&t, cJSON_GetObjectItemCaseSensitive(message, "commands"));
    t.buf[utf8_fit(t.buf, t.len, SLACK_SECTION_MAX)] = '\0';
    struct text summary = { 0 };
    text_addf(&summary, "crmgov: %s %s %s (%s)", member_text(finding, "rule"),
              transition ? transition : "", member_text(finding, "system"),
              member_text(finding, "severity"));
    char *body = slack_body(summary.buf, &t, 1);
    free(t.buf);
    free(summary.buf);
    return body;
}

static char *slack_digest(const cJSON *message)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(message, "items");
    const cJSON *to = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(message, "recipients"), 0);
    int total = cJSON_GetArraySize(items);
    struct text sections[SLACK_BLOCKS_MAX + 1];
    memset(sections, 0, sizeof(sections));
    size_t n = 1;
    text_addf(&sections[0], "*crmgov digest* for ");
    add_person(&sections[0], to);
    text_addf(&sections[0], ": %d finding change%s\n", total, total == 1 ? "" : "s");
    int shown = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        struct text line = { 0 };
        text_adds(&line, "• ");
        slack_finding_lines(&line, cJSON_GetObjectItemCaseSensitive(item, "finding"),
                            member(item, "transition"), 1);
        if (sections[n - 1].len + line.len > SLACK_SECTION_MAX) {
            if (n == SLACK_BLOCKS_MAX) {
                free(line.buf);
                break;
            }
            n++;
        }
        text_add(&sections[n - 1], line.buf, utf8_fit(line.buf, line.len, SLACK_SECTION_MAX));
        free(line.buf);
        shown++;
    }
    if (shown < total)
        text_addf(&sections[n++], "…and %d more: `crmgov findings --state open`",
                  total - shown);
    struct text summary = { 0 };
    text_addf(&summary, "crmgov digest: %d finding change%s", total, total == 1 ? "" : "s");
    char *body = slack_body(summary.buf, sections, n);
    for (size_t i = 0; i < n; i++)
        free(sections[i].buf);
    free(summary.buf);
    return body;
}

/* ------------------------------------------------------------------------ */
/* entry points                                                              */

char *message_finding(const struct message_ctx *m, const char *id,
                      const struct crmgov_finding *f, crmgov_time at,
                      const struct recipients *to, const struct recipients *accountable)
{
    cJSON *o = finding_message_json(m, id, f, at, to, accountable);
    if (m->format == FORMAT_JSON)
        return print_and_free(o);
    char *body = slack_finding(o);
    cJSON_Delete(o);
    return body;
}

char *message_digest(const struct message_ctx *m, const char *id, const struct recipient *r,
                     const cJSON *items, crmgov_time at)
{
    cJSON *o = digest_json(m, id, r, items, at);
    if (m->format == FORMAT_JSON)
        return print_and_free(o);
    char *body = slack_digest(o);
    cJSON_Delete(o);
    return body;
}
