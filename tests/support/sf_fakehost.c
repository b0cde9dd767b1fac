/*
 * sf_fakehost.c -- the fake host of sf_fakehost.h.
 *
 * The struct crmgov_host is the first member of struct sf_fakehost, so every
 * callback finds its fake from the table pointer it is given; nothing is
 * global. Only the members the Salesforce sources call are filled.
 */
#include "sf_fakehost.h"

#include "connectors/salesforce/flow_map.h"
#include "connectors/salesforce/sf_arena.h"
#include "connectors/salesforce/sf_json.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct stored_finding {
    struct crmgov_finding finding;  /* strings owned by the arena below */
    int open;
};

struct stored_automation {
    char *id;
    struct crmgov_automation automation;
    struct sf_arena *arena;
};

struct sf_fakehost {
    struct crmgov_host host;        /* first: callbacks cast back to the fake */
    char *root;
    char *transcript;
    size_t transcript_len;
    char **keys;
    char **values;
    size_t n_checkpoints;
    struct stored_finding *findings;
    size_t n_findings;
    struct stored_automation *inventory;
    size_t n_inventory;
    struct sf_arena *arena;         /* finding strings */
    unsigned stop_after;
    unsigned stop_calls;
};

static struct sf_fakehost *fake_of(const struct crmgov_host *host)
{
    return (struct sf_fakehost *)(uintptr_t)host;
}

/* ------------------------------------------------------------------------ */
/* Transcript.                                                               */

/* Appends the line, every occurrence of the root folder replaced by @ROOT@. */
static void append_line(struct sf_fakehost *fake, const char *line)
{
    size_t root_len = fake->root != NULL ? strlen(fake->root) : 0;
    size_t occurrences = 0;
    for (const char *p = line; root_len != 0 && (p = strstr(p, fake->root)) != NULL;
         p += root_len)
        occurrences++;
    size_t size = strlen(line) + occurrences * 6 + 2;
    char *out = malloc(size), *end = out;
    for (const char *p = line; *p != '\0';) {
        if (root_len != 0 && strncmp(p, fake->root, root_len) == 0) {
            memcpy(end, "@ROOT@", 6);
            end += 6;
            p += root_len;
        } else {
            *end++ = *p++;
        }
    }
    *end++ = '\n';
    *end = '\0';
    size_t n = (size_t)(end - out);
    fake->transcript = realloc(fake->transcript, fake->transcript_len + n + 1);
    memcpy(fake->transcript + fake->transcript_len, out, n + 1);
    fake->transcript_len += n;
    free(out);
}

static void append_json(struct sf_fakehost *fake, cJSON *object)
{
    char *text = sf_json_canonical(object);
    append_line(fake, text != NULL ? text : "null");
    free(text);
    cJSON_Delete(object);
}

static void add_time(cJSON *object, const char *key, crmgov_time at)
{
    char text[32];
    time_t seconds = (time_t)(at / 1000);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (at % 1000 != 0)
        snprintf(text + strlen(text), sizeof text - strlen(text), ".%03d", (int)(at % 1000));
    strcat(text, "Z");
    cJSON_AddStringToObject(object, key, text);
}

/* ------------------------------------------------------------------------ */
/* Store: inventory.                                                         */

static const char *arena_copy(struct sf_arena *arena, const char *text)
{
    return text != NULL ? sf_arena_strdup(arena, text) : NULL;
}

static void copy_value(struct sf_arena *arena, struct crmgov_value *to,
                       const struct crmgov_value *from)
{
    *to = *from;
    to->string = arena_copy(arena, from->string);
    if (from->n_items != 0) {
        struct crmgov_value *items = sf_arena_array(arena, from->n_items, sizeof *items);
        for (size_t i = 0; i < from->n_items; i++)
            copy_value(arena, &items[i], &from->items[i]);
        to->items = items;
    }
}

static void keep_automation(struct sf_fakehost *fake, const struct crmgov_automation *a)
{
    struct stored_automation *slot = NULL;
    for (size_t i = 0; i < fake->n_inventory; i++)
        if (strcmp(fake->inventory[i].id, a->id) == 0)
            slot = &fake->inventory[i];
    if (slot == NULL) {
        fake->inventory = realloc(fake->inventory, (fake->n_inventory + 1) * sizeof *slot);
        slot = &fake->inventory[fake->n_inventory++];
        slot->id = strdup(a->id);
        slot->arena = NULL;
    }
    /* `a` may point into the old copy (a deletion republishes it): free last */
    struct sf_arena *old = slot->arena;
    struct sf_arena *arena = sf_arena_new();
    slot->arena = arena;
    struct crmgov_automation *c = &slot->automation;
    *c = *a;
    c->struct_size = sizeof *c;
    c->id = arena_copy(arena, a->id);
    c->name = arena_copy(arena, a->name);
    c->object = arena_copy(arena, a->object);
    c->modified_by = arena_copy(arena, a->modified_by);
    c->attributes_json = arena_copy(arena, a->attributes_json);
    const char **fields = sf_arena_array(arena, a->trigger.n_fields + 1, sizeof *fields);
    for (size_t i = 0; i < a->trigger.n_fields; i++)
        fields[i] = arena_copy(arena, a->trigger.fields[i]);
    c->trigger.fields = fields;
    struct crmgov_condition *conditions =
        sf_arena_array(arena, a->n_conditions + 1, sizeof *conditions);
    for (size_t i = 0; i < a->n_conditions; i++) {
        conditions[i] = a->conditions[i];
        conditions[i].field = arena_copy(arena, a->conditions[i].field);
        copy_value(arena, &conditions[i].value, &a->conditions[i].value);
    }
    c->conditions = conditions;
    struct crmgov_action *actions = sf_arena_array(arena, a->n_actions + 1, sizeof *actions);
    for (size_t i = 0; i < a->n_actions; i++) {
        const struct crmgov_action *from = &a->actions[i];
        actions[i] = *from;
        actions[i].type_name = arena_copy(arena, from->type_name);
        actions[i].field = arena_copy(arena, from->field);
        actions[i].to = arena_copy(arena, from->to);
        actions[i].url = arena_copy(arena, from->url);
        actions[i].target = arena_copy(arena, from->target);
        actions[i].object = arena_copy(arena, from->object);
        copy_value(arena, &actions[i].value, &from->value);
    }
    c->actions = actions;
    sf_arena_free(old);
}

static int fake_inventory_get(const struct crmgov_host *h, const char *system, const char *id,
                              crmgov_inventory_fn fn, void *ctx)
{
    struct sf_fakehost *fake = fake_of(h);
    for (size_t i = 0; i < fake->n_inventory; i++) {
        if (strcmp(fake->inventory[i].id, id) != 0)
            continue;
        struct crmgov_inventory_item item = {.struct_size = sizeof item, .system = system,
                                             .automation = &fake->inventory[i].automation};
        return fn(ctx, &item);
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Store: findings.                                                          */

static int same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static struct stored_finding *find_finding(struct sf_fakehost *fake,
                                           const struct crmgov_finding *f)
{
    for (size_t i = 0; i < fake->n_findings; i++) {
        struct crmgov_finding *k = &fake->findings[i].finding;
        if (strcmp(k->rule, f->rule) == 0 && same_text(k->automation, f->automation) &&
            same_text(k->subject, f->subject))
            return &fake->findings[i];
    }
    return NULL;
}

static void keep_finding(struct sf_fakehost *fake, const struct crmgov_finding *f, int open)
{
    struct stored_finding *slot = find_finding(fake, f);
    if (slot == NULL) {
        fake->findings = realloc(fake->findings, (fake->n_findings + 1) * sizeof *slot);
        slot = &fake->findings[fake->n_findings++];
        memset(slot, 0, sizeof *slot);
        slot->finding.struct_size = sizeof slot->finding;
        slot->finding.rule = arena_copy(fake->arena, f->rule);
        slot->finding.automation = arena_copy(fake->arena, f->automation);
        slot->finding.subject = arena_copy(fake->arena, f->subject);
        slot->finding.system = arena_copy(fake->arena, f->system);
        slot->finding.layer = "salesforce";
    }
    slot->open = open;
    if (open) {
        slot->finding.name = arena_copy(fake->arena, f->name);
        slot->finding.message = arena_copy(fake->arena, f->message);
        slot->finding.evidence_json = arena_copy(fake->arena, f->evidence_json);
        slot->finding.severity = f->severity;
    }
}

static int fake_findings_scan(const struct crmgov_host *h,
                              const struct crmgov_finding_filter *filter, crmgov_finding_fn fn,
                              void *ctx)
{
    struct sf_fakehost *fake = fake_of(h);
    for (size_t i = 0; i < fake->n_findings; i++) {
        struct stored_finding *s = &fake->findings[i];
        int state = s->open ? CRMGOV_FINDING_OPEN : CRMGOV_FINDING_RESOLVED;
        if ((filter->state >= 0 && filter->state != state) ||
            (filter->system != NULL && !same_text(filter->system, s->finding.system)) ||
            (filter->layer != NULL && strcmp(filter->layer, "salesforce") != 0))
            continue;
        s->finding.state = (enum crmgov_finding_state)state;
        int rc = fn(ctx, &s->finding);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The bus.                                                                  */

static void publish_automation(struct sf_fakehost *fake, const struct crmgov_event *event)
{
    char *text = sf_automation_event_json(event->u.automation, event->system, event->at, NULL);
    append_line(fake, text != NULL ? text : "invalid automation");
    free(text);
    keep_automation(fake, event->u.automation);
}

static void publish_finding(struct sf_fakehost *fake, const struct crmgov_event *event)
{
    const struct crmgov_finding *f = event->u.finding;
    int cleared = f->transition == CRMGOV_FINDING_CLEARED;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "finding");
    cJSON_AddStringToObject(o, "transition", cleared ? "cleared" : "raised");
    add_time(o, "at", event->at);
    cJSON_AddStringToObject(o, "rule", f->rule);
    cJSON_AddStringToObject(o, "automation", f->automation != NULL ? f->automation : "");
    if (f->subject != NULL)
        cJSON_AddStringToObject(o, "subject", f->subject);
    if (!cleared) {
        cJSON_AddStringToObject(o, "message", f->message);
        cJSON *evidence = cJSON_Parse(f->evidence_json != NULL ? f->evidence_json : "{}");
        cJSON_AddItemToObject(o, "evidence", evidence != NULL ? evidence : cJSON_CreateNull());
    }
    append_json(fake, o);
    struct crmgov_finding copy = *f;
    if (copy.system == NULL)
        copy.system = event->system;
    keep_finding(fake, &copy, !cleared);
}

static void publish_principal(struct sf_fakehost *fake, const struct crmgov_event *event)
{
    const struct crmgov_principal *p = event->u.principal;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "principal");
    add_time(o, "at", event->at);
    cJSON_AddStringToObject(o, "system", event->system);
    cJSON_AddStringToObject(o, "id", p->id);
    if (p->name != NULL)
        cJSON_AddStringToObject(o, "name", p->name);
    if (p->email != NULL)
        cJSON_AddStringToObject(o, "email", p->email);
    cJSON_AddBoolToObject(o, "active", p->active);
    cJSON *roles = cJSON_AddArrayToObject(o, "roles");
    for (size_t i = 0; i < p->n_roles; i++)
        cJSON_AddItemToArray(roles, cJSON_CreateString(p->roles[i]));
    append_json(fake, o);
}

static int fake_publish(const struct crmgov_host *h, const struct crmgov_event *event)
{
    struct sf_fakehost *fake = fake_of(h);
    switch (event->topic) {
    case CRMGOV_TOPIC_AUTOMATION:
        publish_automation(fake, event);
        return CRMGOV_OK;
    case CRMGOV_TOPIC_FINDING:
        publish_finding(fake, event);
        return CRMGOV_OK;
    case CRMGOV_TOPIC_PRINCIPAL:
        publish_principal(fake, event);
        return CRMGOV_OK;
    default:
        append_line(fake, "unexpected topic");
        return CRMGOV_ERROR;
    }
}

static int fake_deadletter(const struct crmgov_host *h, const char *source, uint64_t line,
                           const char *reason, const char *raw, size_t raw_len)
{
    (void)raw;
    (void)raw_len;
    cJSON *o = cJSON_CreateObject();
    cJSON *d = cJSON_AddObjectToObject(o, "deadletter");
    cJSON_AddStringToObject(d, "source", source != NULL ? source : "");
    cJSON_AddNumberToObject(d, "line", (double)line);
    cJSON_AddStringToObject(d, "reason", reason != NULL ? reason : "");
    append_json(fake_of(h), o);
    return CRMGOV_OK;
}

static int fake_checkpoint(const struct crmgov_host *h, const char *key, const void *value,
                           size_t len)
{
    struct sf_fakehost *fake = fake_of(h);
    char *copy = strndup(value, len);
    for (size_t i = 0; i < fake->n_checkpoints; i++) {
        if (strcmp(fake->keys[i], key) == 0) {
            free(fake->values[i]);
            fake->values[i] = copy;
            return CRMGOV_OK;
        }
    }
    fake->keys = realloc(fake->keys, (fake->n_checkpoints + 1) * sizeof *fake->keys);
    fake->values = realloc(fake->values, (fake->n_checkpoints + 1) * sizeof *fake->values);
    fake->keys[fake->n_checkpoints] = strdup(key);
    fake->values[fake->n_checkpoints++] = copy;
    return CRMGOV_OK;
}

static int fake_state_get(const struct crmgov_host *h, const char *key, crmgov_state_fn fn,
                          void *ctx)
{
    const char *value = sf_fakehost_checkpoint(fake_of(h), key);
    if (value == NULL)
        return 1;
    fn(ctx, key, value, strlen(value));
    return 0;
}

static int fake_state_scan(const struct crmgov_host *h, const char *prefix, crmgov_state_fn fn,
                           void *ctx)
{
    struct sf_fakehost *fake = fake_of(h);
    for (size_t i = 0; i < fake->n_checkpoints; i++) {
        if (strncmp(fake->keys[i], prefix, strlen(prefix)) != 0)
            continue;
        int rc = fn(ctx, fake->keys[i], fake->values[i], strlen(fake->values[i]));
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Helpers.                                                                  */

static void fake_log(const struct crmgov_host *h, enum crmgov_log_level level, const char *fmt,
                     ...)
{
    (void)h;
    if (level > CRMGOV_LOG_WARN || getenv("SF_FAKEHOST_LOG") == NULL)
        return;
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
}

static int fake_flush(const struct crmgov_host *h)
{
    (void)h;
    return CRMGOV_OK;
}

static int fake_stopping(const struct crmgov_host *h)
{
    struct sf_fakehost *fake = fake_of(h);
    if (fake->stop_after == 0)
        return 0;
    return ++fake->stop_calls >= fake->stop_after;
}

static int fake_sleep(const struct crmgov_host *h, int64_t ms)
{
    (void)h;
    struct timespec wait = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&wait, NULL);
    return 0;
}

static crmgov_time fake_time_parse(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = 0, consumed = 0;
    if (text == NULL || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                               &consumed) != 6)
        return CRMGOV_TIME_NONE;
    const char *p = text + consumed;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                ms = ms * 10 + (*p - '0');
        for (; digits < 3; digits++)
            ms *= 10;
    }
    int offset = 0;
    if (*p == '+' || *p == '-') {
        int hours = 0, minutes = 0;
        if (sscanf(p + 1, "%2d:%2d", &hours, &minutes) != 2)
            return CRMGOV_TIME_NONE;
        offset = (*p == '-' ? -1 : 1) * (hours * 60 + minutes);
    } else if (*p != 'Z') {
        return CRMGOV_TIME_NONE;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return ((crmgov_time)timegm(&tm) - offset * 60) * 1000 + ms;
}

static const char *fake_time_format(crmgov_time t, char buf[32])
{
    cJSON *o = cJSON_CreateObject();
    add_time(o, "t", t);
    snprintf(buf, 32, "%s", cJSON_GetObjectItem(o, "t")->valuestring);
    cJSON_Delete(o);
    return buf;
}

/* FNV-1a over the canonical definition object (see the header). */
static int fake_definition_hash(const char *json, size_t len, char hex[65])
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (root == NULL)
        return CRMGOV_ERROR;
    cJSON *definition = cJSON_CreateObject();
    static const char *const keys[] = {"actions", "conditions", "kind", "object", "trigger"};
    for (size_t i = 0; i < 5; i++) {
        cJSON *item = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (item != NULL)
            cJSON_AddItemToObject(definition, keys[i], cJSON_Duplicate(item, 1));
    }
    char *text = sf_json_canonical(definition);
    uint64_t hash = 14695981039346656037ull;
    for (const char *p = text; p != NULL && *p != '\0'; p++) {
        hash ^= (unsigned char)*p;
        hash *= 1099511628211ull;
    }
    snprintf(hex, 65, "%016llx%048d", (unsigned long long)hash, 0);
    free(text);
    cJSON_Delete(definition);
    cJSON_Delete(root);
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* Life cycle.                                                               */

struct sf_fakehost *sf_fakehost_new(const char *root)
{
    struct sf_fakehost *fake = calloc(1, sizeof *fake);
    struct crmgov_host *h = &fake->host;
    h->struct_size = sizeof *h;
    h->abi_major = CRMGOV_ABI_MAJOR;
    h->abi_minor = CRMGOV_ABI_MINOR;
    h->instance = "connector:fake";
    h->log = fake_log;
    h->publish = fake_publish;
    h->deadletter = fake_deadletter;
    h->checkpoint = fake_checkpoint;
    h->flush = fake_flush;
    h->stopping = fake_stopping;
    h->sleep = fake_sleep;
    h->state_get = fake_state_get;
    h->state_scan = fake_state_scan;
    h->findings_scan = fake_findings_scan;
    h->inventory_get = fake_inventory_get;
    h->time_parse = fake_time_parse;
    h->time_format = fake_time_format;
    h->definition_hash = fake_definition_hash;
    fake->root = root != NULL ? strdup(root) : NULL;
    fake->transcript = strdup("");
    fake->arena = sf_arena_new();
    return fake;
}

void sf_fakehost_free(struct sf_fakehost *fake)
{
    if (fake == NULL)
        return;
    for (size_t i = 0; i < fake->n_checkpoints; i++) {
        free(fake->keys[i]);
        free(fake->values[i]);
    }
    free(fake->keys);
    free(fake->values);
    for (size_t i = 0; i < fake->n_inventory; i++) {
        free(fake->inventory[i].id);
        sf_arena_free(fake->inventory[i].arena);
    }
    free(fake->inventory);
    free(fake->findings);
    sf_arena_free(fake->arena);
    free(fake->transcript);
    free(fake->root);
    free(fake);
}

const struct crmgov_host *sf_fakehost_host(struct sf_fakehost *fake)
{
    return &fake->host;
}

char *sf_fakehost_take(struct sf_fakehost *fake)
{
    char *out = fake->transcript;
    fake->transcript = strdup("");
    fake->transcript_len = 0;
    return out;
}

const char *sf_fakehost_checkpoint(const struct sf_fakehost *fake, const char *key)
{
    for (size_t i = 0; i < fake->n_checkpoints; i++)
        if (strcmp(fake->keys[i], key) == 0)
            return fake->values[i];
    return NULL;
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *sf_fakehost_open_findings(const struct sf_fakehost *fake)
{
    char **lines = calloc(fake->n_findings + 1, sizeof *lines);
    size_t n = 0, total = 1;
    for (size_t i = 0; i < fake->n_findings; i++) {
        const struct crmgov_finding *f = &fake->findings[i].finding;
        if (!fake->findings[i].open)
            continue;
        size_t size = strlen(f->rule) + strlen(f->automation != NULL ? f->automation : "") +
                      strlen(f->subject != NULL ? f->subject : "-") + 4;
        lines[n] = malloc(size);
        snprintf(lines[n], size, "%s %s %s", f->rule, f->automation != NULL ? f->automation : "",
                 f->subject != NULL ? f->subject : "-");
        total += size;
        n++;
    }
    qsort(lines, n, sizeof *lines, compare_lines);
    char *out = calloc(1, total);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
        free(lines[i]);
    }
    free(lines);
    return out;
}

void sf_fakehost_stop_after(struct sf_fakehost *fake, unsigned n)
{
    fake->stop_after = n;
    fake->stop_calls = 0;
}
