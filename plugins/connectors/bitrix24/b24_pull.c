/*
 * b24_pull.c -- one pull of a Bitrix24 portal through its inbound-webhook
 * URL: users (user.get) as principals, then business-process templates
 * (bizproc.workflow.template.list) and stage robots.
 *
 * Bitrix24 answers {result, next?, total?, time} and pages with start =
 * the previous answer's next; errors come as {error, error_description},
 * QUERY_LIMIT_EXCEEDED (too many requests per second) among them, which the
 * REST client waits out on its bounded schedule. The webhook URL holds the
 * portal's secret, so no URL is ever logged: requests are named by method.
 *
 * A definition is reported when its mapped content changes (the ledger
 * keeps a SHA-256 of it per automation id), a definition the complete
 * listings no longer show is reported deleted, and a user neither listing
 * shows any more inactive -- only after listings that finished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "b24_map.h"
#include "bitrix24.h"

#define B24_MAX_PAGES 100000

/* The template fields bizproc.workflow.template.list documents. */
static const char *const TEMPLATE_FIELDS[] = {
    "ID",          "MODULE_ID",  "ENTITY",     "DOCUMENT_TYPE", "AUTO_EXECUTE",
    "NAME",        "TEMPLATE",   "PARAMETERS", "VARIABLES",     "CONSTANTS",
    "MODIFIED",    "IS_MODIFIED", "USER_ID",   "SYSTEM_CODE",
};

/* ------------------------------------------------------------------------ */
/* requests                                                                  */

static const char *error_code(const cJSON *doc)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    return cJSON_IsString(e) ? e->valuestring : NULL;
}

static int is_auth_error(const char *code)
{
    static const char *const codes[] = { "expired_token", "invalid_token", "NO_AUTH_FOUND",
                                         "INVALID_CREDENTIALS", "WRONG_AUTH_TYPE",
                                         "insufficient_scope" };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

static enum rest_verdict b24_judge(const struct rest_response *r, int64_t *wait_ms)
{
    (void)wait_ms;
    cJSON *doc = cJSON_ParseWithLength(r->body, r->len);
    const char *code = error_code(doc);
    enum rest_verdict v;
    if (code && strcmp(code, "QUERY_LIMIT_EXCEEDED") == 0)
        v = REST_RETRY;
    else if (code && is_auth_error(code))
        v = REST_AUTH;
    else if (r->status == 429 || r->status == 408 || r->status >= 500)
        v = REST_RETRY;
    else if (r->status == 401)
        v = REST_AUTH;
    else if (r->status >= 200 && r->status < 300 && !code)
        v = REST_OK;
    else
        v = REST_FAIL;
    cJSON_Delete(doc);
    return v;
}

struct rest_client *b24_client(struct bitrix24 *b)
{
    /* The credential is the URL itself: nothing to refresh. */
    return rest_client_new(b->host, &b->policy, NULL);
}

enum { GOT = 0, FAILED = -1, STOPPED = -2, MALFORMED = -3 };

/* The time the portal says it answered (time.date_start), else the Date
 * header, else the local clock. */
static crmgov_time answer_time(const struct crmgov_host *host, const cJSON *doc,
                               crmgov_time date)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "time"),
                                                      "date_start");
    crmgov_time at = cJSON_IsString(t) ? host->time_parse(t->valuestring) : CRMGOV_TIME_NONE;
    if (at != CRMGOV_TIME_NONE)
        return at;
    return date != CRMGOV_TIME_NONE ? date : wall_clock_ms();
}

/* GET webhook_url + method.json?query -> parsed answer. */
static int call(struct bitrix24 *b, struct rest_client *client, const char *method,
                const char *query, cJSON **out, crmgov_time *when)
{
    const struct crmgov_host *host = b->host;
    size_t len = strlen(b->webhook_url) + strlen(method) + strlen(query) + 8;
    char *url = malloc(len), what[200];
    if (!url)
        return FAILED;
    snprintf(url, len, "%s%s.json%s%s", b->webhook_url, method, query[0] ? "?" : "", query);
    snprintf(what, sizeof(what), "bitrix24 %.150s", method);
    struct rest_request req = { .method = "GET", .url = url, .what = what };
    struct rest_response resp;
    enum rest_result rc = rest_call(client, &req, b24_judge, &resp);
    explicit_bzero(url, len);
    free(url);
    *out = NULL;
    if (rc != REST_DONE) {
        cJSON *doc = cJSON_ParseWithLength(resp.body ? resp.body : "", resp.len);
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(doc, "error_description");
        if (error_code(doc))
            host->log(host, CRMGOV_LOG_ERROR, "%s: %s%s%s", what, error_code(doc),
                      cJSON_IsString(desc) ? ": " : "", cJSON_IsString(desc) ? desc->valuestring
                                                                            : "");
        cJSON_Delete(doc);
        rest_response_free(&resp);
        return rc == REST_STOPPED ? STOPPED : FAILED;
    }
    char source[220];
    snprintf(source, sizeof(source), "bitrix24:%s", method);
    *out = rest_response_json(host, &resp, source, what);
    if (!*out) {
        rest_response_free(&resp);
        return MALFORMED;
    }
    *when = answer_time(host, *out, resp.date);
    rest_response_free(&resp);
    return GOT;
}

typedef void (*item_fn)(struct bitrix24 *b, void *ctx, const cJSON *item, crmgov_time when);

/* Every item of a paged list method (a `result` object counts as one
 * item); GOT only when the last page came. */
static int list_all(struct bitrix24 *b, struct rest_client *client, const char *method,
                    const char *query, item_fn fn, void *ctx)
{
    long start = 0;
    int rc = FAILED;
    for (int page = 0; page < B24_MAX_PAGES; page++) {
        size_t len = strlen(query) + 32;
        char *full = malloc(len);
        if (!full)
            return FAILED;
        snprintf(full, len, "%s%sstart=%ld", query, query[0] ? "&" : "", start);
        cJSON *doc;
        crmgov_time when = CRMGOV_TIME_NONE;
        rc = call(b, client, method, full, &doc, &when);
        free(full);
        if (rc != GOT)
            return rc;
        const cJSON *result = cJSON_GetObjectItemCaseSensitive(doc, "result"), *item;
        if (cJSON_IsArray(result)) {
            cJSON_ArrayForEach(item, result) fn(b, ctx, item, when);
        } else if (cJSON_IsObject(result)) {
            fn(b, ctx, result, when);
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(doc, "next");
        long next_start = cJSON_IsNumber(next) ? (long)next->valuedouble : -1;
        cJSON_Delete(doc);
        if (next_start < 0)
            return GOT;
        if (next_start <= start) {
            b->host->log(b->host, CRMGOV_LOG_ERROR, "bitrix24 %s: the paging does not "
                         "advance; stopping this listing", method);
            return FAILED;
        }
        start = next_start;
        rc = FAILED;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* reporting                                                                 */

/* The members of an event but type, system and at, as compact JSON. */
static char *content_of(const cJSON *event)
{
    cJSON *copy = cJSON_Duplicate(event, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "type");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "system");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "at");
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

static void digest_hex(const char *text, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* Reports a definition under "auto:<id>" when its content changed. */
static void report_definition(struct bitrix24 *b, cJSON *event, const char *source,
                              cJSON *seen)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "id");
    char key[400], hex[65];
    char *content = content_of(event);
    if (!content || !cJSON_IsString(id)) {
        cJSON_free(content);
        cJSON_Delete(event);
        return;
    }
    snprintf(key, sizeof(key), "auto:%s", id->valuestring);
    if (seen && !cJSON_GetObjectItemCaseSensitive(seen, id->valuestring))
        cJSON_AddTrueToObject(seen, id->valuestring);
    digest_hex(content, hex);
    cJSON_free(content);
    ledger_report(&b->ledger, key, hex, event, source);
}

/* Something the mapping cannot read: a dead letter, once per content. */
static void dead_letter(struct bitrix24 *b, const char *source, const char *why,
                        const cJSON *raw)
{
    char *text = cJSON_PrintUnformatted(raw);
    char hex[65], key[80];
    digest_hex(text ? text : "", hex);
    snprintf(key, sizeof(key), "bad:%s", hex);
    ledger_dead_letter(&b->ledger, key, "1", source, why, text ? text : "",
                       text ? strlen(text) : 0);
    cJSON_free(text);
}

/* ------------------------------------------------------------------------ */
/* users                                                                     */

struct users {
    cJSON *present;         /* id -> true */
    crmgov_time when;       /* the latest answer's time */
};

static void report_principal(struct bitrix24 *b, cJSON *event)
{
    char key[128];
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "id");
    snprintf(key, sizeof(key), "user:%s", id->valuestring);
    char *fp = content_of(event);
    if (fp)
        ledger_report(&b->ledger, key, fp, event, "bitrix24:user.get");
    else
        cJSON_Delete(event);
    cJSON_free(fp);
}

static void user_item(struct bitrix24 *b, void *ctx, const cJSON *item, crmgov_time when)
{
    struct users *u = ctx;
    u->when = when;
    cJSON *ev = event_new(b->host, "principal", b->system, when);
    if (b24_map_user(item, ev) != 0) {
        cJSON_Delete(ev);
        dead_letter(b, "bitrix24:user.get", "user without an ID", item);
        return;
    }
    const char *id = cJSON_GetObjectItemCaseSensitive(ev, "id")->valuestring;
    if (!cJSON_GetObjectItemCaseSensitive(u->present, id))
        cJSON_AddTrueToObject(u->present, id);
    report_principal(b, ev);
}

struct gone {
    const cJSON *present;
    const char *prefix;
    cJSON *keys;
};

static void collect_gone(void *ctx, const char *key, const char *value)
{
    struct gone *g = ctx;
    if (strcmp(value, "deleted") != 0 &&
        !cJSON_GetObjectItemCaseSensitive(g->present, key + strlen(g->prefix)))
        cJSON_AddItemToArray(g->keys, cJSON_CreateString(key));
}

static cJSON *gone_keys(struct bitrix24 *b, const char *prefix, const cJSON *present)
{
    struct gone g = { .present = present, .prefix = prefix, .keys = cJSON_CreateArray() };
    ledger_each(&b->ledger, prefix, collect_gone, &g);
    return g.keys;
}

/* Users known before that user.get no longer lists: inactive. */
static void report_vanished_users(struct bitrix24 *b, const cJSON *present, crmgov_time at)
{
    cJSON *keys = gone_keys(b, "user:", present);
    const cJSON *k;
    cJSON_ArrayForEach(k, keys) {
        char *fp = ledger_lookup(&b->ledger, k->valuestring);
        cJSON *known = fp ? cJSON_Parse(fp) : NULL;
        free(fp);
        if (cJSON_IsObject(known) && cJSON_IsTrue(cJSON_GetObjectItem(known, "active"))) {
            cJSON *ev = event_new(b->host, "principal", b->system, at);
            cJSON_ReplaceItemInObjectCaseSensitive(known, "active", cJSON_CreateFalse());
            for (cJSON *m = known->child; m;) {
                cJSON *next = m->next;
                cJSON_AddItemToObject(ev, m->string, cJSON_DetachItemViaPointer(known, m));
                m = next;
            }
            report_principal(b, ev);
        }
        cJSON_Delete(known);
    }
    cJSON_Delete(keys);
}

static int pull_users(struct bitrix24 *b, struct rest_client *client)
{
    struct users u = { .present = cJSON_CreateObject(), .when = CRMGOV_TIME_NONE };
    int rc = list_all(b, client, "user.get", "", user_item, &u);
    if (rc == GOT)
        report_vanished_users(b, u.present,
                              u.when != CRMGOV_TIME_NONE ? u.when : wall_clock_ms());
    cJSON_Delete(u.present);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* templates and robots                                                      */

struct definitions {
    cJSON *seen;            /* automation ids reported or unchanged */
    crmgov_time when;       /* the latest answer's time */
};

static crmgov_time modified_at(struct bitrix24 *b, const cJSON *tpl, crmgov_time when)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(tpl, "MODIFIED");
    crmgov_time at = cJSON_IsString(m) ? b->host->time_parse(m->valuestring) : CRMGOV_TIME_NONE;
    return at != CRMGOV_TIME_NONE ? at : when;
}

static void report_robot(struct bitrix24 *b, const cJSON *robot, const cJSON *document_type,
                         const char *stage, const cJSON *owner, crmgov_time at,
                         const char *source, struct definitions *d)
{
    char why[160];
    cJSON *ev = event_new(b->host, "automation", b->system, at);
    if (b24_map_robot(robot, document_type, stage, owner, ev, why, sizeof(why)) != 0) {
        cJSON_Delete(ev);
        dead_letter(b, source, why, robot);
        return;
    }
    report_definition(b, ev, source, d->seen);
}

static void template_item(struct bitrix24 *b, void *ctx, const cJSON *tpl, crmgov_time when)
{
    struct definitions *d = ctx;
    const char *source = "bitrix24:bizproc.workflow.template.list";
    crmgov_time at = modified_at(b, tpl, when);
    d->when = when;
    const char *stage;
    if (b24_is_robot_template(tpl, &stage)) {
        const cJSON *robot;
        cJSON_ArrayForEach(robot, b24_template_robots(tpl))
            report_robot(b, robot, cJSON_GetObjectItemCaseSensitive(tpl, "DOCUMENT_TYPE"), stage,
                         tpl, at, source, d);
        return;
    }
    char why[160];
    cJSON *ev = event_new(b->host, "automation", b->system, at);
    if (b24_map_template(tpl, ev, why, sizeof(why)) != 0) {
        cJSON_Delete(ev);
        dead_letter(b, source, why, tpl);
        return;
    }
    report_definition(b, ev, source, d->seen);
}

static char *template_query(void)
{
    size_t len = 1;
    for (size_t i = 0; i < sizeof(TEMPLATE_FIELDS) / sizeof(TEMPLATE_FIELDS[0]); i++)
        len += strlen(TEMPLATE_FIELDS[i]) + 16;
    char *q = malloc(len);
    if (!q)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < sizeof(TEMPLATE_FIELDS) / sizeof(TEMPLATE_FIELDS[0]); i++)
        o += (size_t)snprintf(q + o, len - o, "%sselect%%5B%%5D=%s", i ? "&" : "",
                              TEMPLATE_FIELDS[i]);
    return q;
}

/* The robots method answers {"STAGE": [robot...]} for one document type. */
struct robot_listing {
    struct definitions *d;
    cJSON *document_type;
};

static void stage_robots(struct bitrix24 *b, void *ctx, const cJSON *by_stage, crmgov_time when)
{
    struct robot_listing *l = ctx;
    const cJSON *stage, *robot;
    char source[200];
    snprintf(source, sizeof(source), "bitrix24:%s", b->robots_method);
    l->d->when = when;
    cJSON_ArrayForEach(stage, by_stage) {
        cJSON_ArrayForEach(robot, stage)
            report_robot(b, robot, l->document_type, stage->string, NULL, when, source, l->d);
    }
}

/* "crm:CCrmDocumentDeal:DEAL" -> ["crm","CCrmDocumentDeal","DEAL"]. */
static cJSON *split_document_type(const char *text)
{
    cJSON *dt = cJSON_CreateArray();
    char *copy = strdup(text), *save = NULL;
    for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p; p = strtok_r(NULL, ":", &save))
        cJSON_AddItemToArray(dt, cJSON_CreateString(p));
    free(copy);
    return dt;
}

static int pull_robots(struct bitrix24 *b, struct rest_client *client, struct definitions *d)
{
    int rc = GOT;
    for (size_t i = 0; i < b->n_robot_types && rc == GOT; i++) {
        struct robot_listing l = { .d = d, .document_type = split_document_type(b->robot_types[i]) };
        char query[400] = "";
        size_t o = 0;
        const cJSON *part;
        cJSON_ArrayForEach(part, l.document_type) {
            char *esc = rest_escape(part->valuestring);
            o += (size_t)snprintf(query + o, sizeof(query) - o, "%sDOCUMENT_TYPE%%5B%%5D=%s",
                                  o ? "&" : "", esc ? esc : "");
            free(esc);
            if (o >= sizeof(query))
                break;
        }
        if (cJSON_GetArraySize(l.document_type) != 3) {
            b->host->log(b->host, CRMGOV_LOG_ERROR, "robot_document_types: '%s' is no "
                         "module:class:type", b->robot_types[i]);
            rc = FAILED;
        } else {
            rc = list_all(b, client, b->robots_method, query, stage_robots, &l);
        }
        cJSON_Delete(l.document_type);
    }
    return rc;
}

static void report_deleted(struct bitrix24 *b, const char *key, crmgov_time at)
{
    const char *id = key + strlen("auto:");
    cJSON *ev = event_deleted_automation(b->host, b->system, id, at);
    if (!ev)
        return; /* never stored: nothing to report as deleted */
    ledger_report(&b->ledger, key, "deleted", ev, "bitrix24:bizproc.workflow.template.list");
}

int b24_pull_definitions(struct bitrix24 *b, struct rest_client *client)
{
    struct definitions d = { .seen = cJSON_CreateObject(), .when = CRMGOV_TIME_NONE };
    char *query = template_query();
    pthread_mutex_lock(&b->pull_lock);
    int rc = query ? list_all(b, client, "bizproc.workflow.template.list", query, template_item,
                              &d)
                   : FAILED;
    if (rc == GOT && b->robots_method)
        rc = pull_robots(b, client, &d);
    if (rc == GOT && !b->host->stopping(b->host)) {
        cJSON *keys = gone_keys(b, "auto:", d.seen);
        const cJSON *k;
        cJSON_ArrayForEach(k, keys)
            report_deleted(b, k->valuestring, d.when != CRMGOV_TIME_NONE ? d.when
                                                                          : wall_clock_ms());
        cJSON_Delete(keys);
    }
    pthread_mutex_unlock(&b->pull_lock);
    free(query);
    cJSON_Delete(d.seen);
    return rc == GOT ? 0 : -1;
}

int b24_pull(void *ctx)
{
    struct bitrix24 *b = ctx;
    struct rest_client *client = b24_client(b);
    if (!client)
        return -1;
    /* Users first: a definition's recipients are then known. */
    int users = pull_users(b, client);
    int definitions = users == STOPPED ? -1 : b24_pull_definitions(b, client);
    rest_client_free(client);
    return users == GOT && definitions == 0 ? 0 : -1;
}
