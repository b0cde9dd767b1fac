/*
 * hs_pull.c -- one pull of a HubSpot account: the action-type catalogue,
 * the owners (as principals), then the workflows.
 *
 * Workflows are listed page by page (paging.next.after); only a flow whose
 * revisionId differs from the ledger's is fetched in full and reported, so a
 * steady account costs one listing per poll. A flow the complete listing no
 * longer shows is reported deleted, and an owner neither listing shows any
 * more is reported inactive -- but only after a listing that finished: a
 * pull cut short by errors never concludes that something is gone.
 *
 * Every request goes through the REST client's bounded retries; the
 * credentials are re-read from token_file when HubSpot refuses them (an
 * expired OAuth token replaced by whatever refreshes that file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_map.h"
#include "hubspot.h"

#define HS_MAX_PAGES 100000

/* ------------------------------------------------------------------------ */
/* credentials                                                               */

static int token_header(void *ctx, char *buf, size_t size)
{
    struct hubspot *hs = ctx;
    pthread_mutex_lock(&hs->token_lock);
    int n = hs->token ? snprintf(buf, size, "Bearer %s", hs->token) : 0;
    pthread_mutex_unlock(&hs->token_lock);
    return n > 0 && (size_t)n < size ? n : 0;
}

static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *start = buf;
    while (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
        start++;
    size_t len = strlen(start);
    while (len && (start[len - 1] == ' ' || start[len - 1] == '\t' || start[len - 1] == '\r' ||
                   start[len - 1] == '\n'))
        len--;
    start[len] = '\0';
    char *token = len ? strdup(start) : NULL;
    explicit_bzero(buf, sizeof(buf));
    return token;
}

int hs_load_token_file(struct hubspot *hs)
{
    if (!hs->token_file)
        return 0;
    char *fresh = read_token(hs->token_file);
    if (!fresh)
        return -1;
    pthread_mutex_lock(&hs->token_lock);
    int changed = !hs->token || strcmp(hs->token, fresh) != 0;
    if (changed) {
        if (hs->token)
            explicit_bzero(hs->token, strlen(hs->token));
        free(hs->token);
        hs->token = fresh;
    } else {
        explicit_bzero(fresh, strlen(fresh));
        free(fresh);
    }
    pthread_mutex_unlock(&hs->token_lock);
    return changed;
}

static int token_refresh(void *ctx)
{
    return hs_load_token_file(ctx) == 1;
}

/* ------------------------------------------------------------------------ */
/* requests                                                                  */

static enum rest_verdict hs_judge(const struct rest_response *r, int64_t *wait_ms)
{
    (void)wait_ms;
    if (r->status >= 200 && r->status < 300)
        return REST_OK;
    if (r->status == 401)
        return REST_AUTH;
    if (r->status == 429 || r->status == 408 || r->status >= 500)
        return REST_RETRY;
    return REST_FAIL;
}

struct rest_client *hs_client(struct hubspot *hs)
{
    struct rest_auth auth = { .header = token_header, .refresh = token_refresh, .ctx = hs };
    return rest_client_new(hs->host, &hs->policy, &auth);
}

enum { GOT = 0, FAILED = -1, STOPPED = -2, MALFORMED = -3, NOT_FOUND = -4 };

/* GET base_url + path; the parsed answer in *out. */
static int get_json(struct hubspot *hs, struct rest_client *client, const char *path,
                    cJSON **out, crmgov_time *date)
{
    const struct crmgov_host *host = hs->host;
    size_t len = strlen(hs->base_url) + strlen(path) + 1;
    char *url = malloc(len), what[512];
    if (!url)
        return FAILED;
    snprintf(url, len, "%s%s", hs->base_url, path);
    snprintf(what, sizeof(what), "GET %.500s", path);
    struct rest_request req = { .method = "GET", .url = url, .what = what };
    struct rest_response resp;
    enum rest_result rc = rest_call(client, &req, hs_judge, &resp);
    free(url);
    *out = NULL;
    if (rc == REST_STOPPED) {
        rest_response_free(&resp);
        return STOPPED;
    }
    if (rc != REST_DONE) {
        int status = resp.status == 404 ? NOT_FOUND : FAILED;
        rest_response_free(&resp);
        return status;
    }
    if (date)
        *date = resp.date;
    char source[600];
    snprintf(source, sizeof(source), "hubspot:%s", what);
    *out = rest_response_json(host, &resp, source, what);
    if (!*out) {
        rest_response_free(&resp);
        return MALFORMED;
    }
    rest_response_free(&resp);
    return GOT;
}

typedef void (*item_fn)(struct hubspot *hs, void *ctx, const cJSON *item, crmgov_time date);

/* The URL path of one page: path?limit=N&QUERY&after=CURSOR. */
static char *page_path(const struct hubspot *hs, const char *path, const char *query,
                       const char *after)
{
    char *escaped = after ? rest_escape(after) : NULL;
    size_t len = strlen(path) + strlen(query) + (escaped ? strlen(escaped) : 0) + 64;
    char *full = malloc(len);
    if (full)
        snprintf(full, len, "%s?limit=%d%s%s%s", path, hs->page_size, query,
                 escaped ? "&after=" : "", escaped ? escaped : "");
    free(escaped);
    return full;
}

/* The cursor of the next page (caller frees), or NULL on the last one. */
static char *next_cursor(const cJSON *doc)
{
    const cJSON *paging = cJSON_GetObjectItemCaseSensitive(doc, "paging");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(paging, "next"), "after");
    return cJSON_IsString(next) && next->valuestring[0] ? strdup(next->valuestring) : NULL;
}

/* Every `results` item of a paged listing; GOT only when the last page came. */
static int list_all(struct hubspot *hs, struct rest_client *client, const char *path,
                    const char *query, item_fn fn, void *ctx)
{
    char *after = NULL;
    int rc = FAILED;
    for (int page = 0; page < HS_MAX_PAGES; page++) {
        char *full = page_path(hs, path, query, after);
        cJSON *doc = NULL;
        crmgov_time date = CRMGOV_TIME_NONE;
        rc = full ? get_json(hs, client, full, &doc, &date) : FAILED;
        free(full);
        if (rc != GOT)
            break;
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "results"))
            fn(hs, ctx, item, date);
        char *next = next_cursor(doc);
        cJSON_Delete(doc);
        if (!next)
            break;
        if (after && strcmp(after, next) == 0) {
            hs->host->log(hs->host, CRMGOV_LOG_ERROR, "GET %s: the paging cursor does not "
                          "advance; stopping this listing", path);
            free(next);
            rc = FAILED;
            break;
        }
        free(after);
        after = next;
        rc = FAILED; /* a next page is due */
    }
    free(after);
    return rc;
}

static crmgov_time pick_time(const struct crmgov_host *host, const char *text,
                             crmgov_time fallback)
{
    crmgov_time t = text ? host->time_parse(text) : CRMGOV_TIME_NONE;
    if (t != CRMGOV_TIME_NONE)
        return t;
    return fallback != CRMGOV_TIME_NONE ? fallback : wall_clock_ms();
}

static const char *text_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ------------------------------------------------------------------------ */
/* the action-type catalogue                                                 */

static void catalog_item(struct hubspot *hs, void *ctx, const cJSON *item, crmgov_time date)
{
    (void)hs;
    (void)date;
    hs_catalog_add(ctx, item);
}

static int pull_catalog(struct hubspot *hs, struct rest_client *client)
{
    cJSON *catalog = cJSON_CreateObject();
    int rc = list_all(hs, client, "/automation/v4/action-types", "", catalog_item, catalog);
    if (rc != GOT) {
        cJSON_Delete(catalog);
        return rc;
    }
    pthread_mutex_lock(&hs->catalog_lock);
    cJSON_Delete(hs->catalog);
    hs->catalog = catalog;
    pthread_mutex_unlock(&hs->catalog_lock);
    return GOT;
}

/* A copy of the latest catalogue, fetched first when there is none. */
static cJSON *catalog_copy(struct hubspot *hs, struct rest_client *client)
{
    pthread_mutex_lock(&hs->catalog_lock);
    cJSON *copy = hs->catalog ? cJSON_Duplicate(hs->catalog, 1) : NULL;
    pthread_mutex_unlock(&hs->catalog_lock);
    if (copy || pull_catalog(hs, client) != GOT)
        return copy;
    return catalog_copy(hs, client);
}

/* ------------------------------------------------------------------------ */
/* owners -> principals                                                      */

struct owners {
    cJSON *by_principal;    /* pid -> {"owner":..,"archived":..,"date":..} */
};

static void owner_item(struct hubspot *hs, void *ctx, const cJSON *item, crmgov_time date,
                       int archived)
{
    struct owners *o = ctx;
    (void)hs;
    cJSON *probe = cJSON_CreateObject();
    if (hs_map_owner(item, archived, probe) == 0) {
        const char *pid = text_member(probe, "id");
        cJSON *known = cJSON_GetObjectItemCaseSensitive(o->by_principal, pid);
        /* An active owner wins over an archived one of the same user. */
        if (!known || (!archived && cJSON_IsTrue(cJSON_GetObjectItem(known, "archived")))) {
            cJSON *entry = cJSON_CreateObject();
            cJSON_AddItemToObject(entry, "owner", cJSON_Duplicate(item, 1));
            cJSON_AddBoolToObject(entry, "archived", archived);
            cJSON_AddNumberToObject(entry, "date", (double)date);
            if (known)
                cJSON_ReplaceItemInObjectCaseSensitive(o->by_principal, pid, entry);
            else
                cJSON_AddItemToObject(o->by_principal, pid, entry);
        }
    }
    cJSON_Delete(probe);
}

static void active_owner(struct hubspot *hs, void *ctx, const cJSON *item, crmgov_time date)
{
    owner_item(hs, ctx, item, date, 0);
}

static void archived_owner(struct hubspot *hs, void *ctx, const cJSON *item, crmgov_time date)
{
    owner_item(hs, ctx, item, date, 1);
}

/* The fingerprint of a principal: its members but `at`, as compact JSON. */
static char *principal_fingerprint(const cJSON *event)
{
    cJSON *copy = cJSON_Duplicate(event, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "type");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "system");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "at");
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

static void report_principal(struct hubspot *hs, cJSON *event, const char *source)
{
    char key[128];
    snprintf(key, sizeof(key), "owner:%s", text_member(event, "id"));
    char *fp = principal_fingerprint(event);
    if (fp)
        ledger_report(&hs->ledger, key, fp, event, source);
    else
        cJSON_Delete(event);
    cJSON_free(fp);
}

struct gone {
    const cJSON *present;   /* object whose keys are what the listing showed */
    cJSON *keys;            /* collected: ledger keys no longer present */
    const char *prefix;
};

static void collect_gone(void *ctx, const char *key, const char *value)
{
    struct gone *g = ctx;
    const char *id = key + strlen(g->prefix);
    if (strcmp(value, "deleted") != 0 && !cJSON_GetObjectItemCaseSensitive(g->present, id))
        cJSON_AddItemToArray(g->keys, cJSON_CreateString(key));
}

/* Owners known before that neither listing shows any more: inactive. */
static void report_vanished_owners(struct hubspot *hs, const cJSON *present, crmgov_time at)
{
    struct gone g = { .present = present, .keys = cJSON_CreateArray(), .prefix = "owner:" };
    ledger_each(&hs->ledger, g.prefix, collect_gone, &g);
    const cJSON *k;
    cJSON_ArrayForEach(k, g.keys) {
        char *fp = ledger_lookup(&hs->ledger, k->valuestring);
        cJSON *known = fp ? cJSON_Parse(fp) : NULL;
        free(fp);
        if (!cJSON_IsObject(known) || cJSON_IsFalse(cJSON_GetObjectItem(known, "active"))) {
            cJSON_Delete(known);
            continue;
        }
        cJSON *ev = event_new(hs->host, "principal", hs->system, at);
        cJSON_ReplaceItemInObjectCaseSensitive(known, "active", cJSON_CreateFalse());
        for (cJSON *m = known->child; m;) {
            cJSON *next = m->next;
            cJSON_AddItemToObject(ev, m->string, cJSON_DetachItemViaPointer(known, m));
            m = next;
        }
        cJSON_Delete(known);
        report_principal(hs, ev, "hubspot:GET /crm/v3/owners");
    }
    cJSON_Delete(g.keys);
}

static int pull_owners(struct hubspot *hs, struct rest_client *client)
{
    struct owners o = { .by_principal = cJSON_CreateObject() };
    int rc = list_all(hs, client, "/crm/v3/owners", "&archived=false", active_owner, &o);
    if (rc == GOT)
        rc = list_all(hs, client, "/crm/v3/owners", "&archived=true", archived_owner, &o);
    crmgov_time latest = CRMGOV_TIME_NONE;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, o.by_principal) {
        const cJSON *owner = cJSON_GetObjectItemCaseSensitive(entry, "owner");
        int archived = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "archived"));
        crmgov_time date =
            (crmgov_time)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(entry, "date"));
        if (date > latest)
            latest = date;
        crmgov_time at = pick_time(hs->host, text_member(owner, "updatedAt"), date);
        cJSON *ev = event_new(hs->host, "principal", hs->system, at);
        hs_map_owner(owner, archived, ev);
        report_principal(hs, ev, "hubspot:GET /crm/v3/owners");
    }
    if (rc == GOT)
        report_vanished_owners(hs, o.by_principal, latest);
    cJSON_Delete(o.by_principal);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* flows                                                                     */

static void flow_key(const char *id, char *key, size_t size)
{
    snprintf(key, size, "flow:%s", id);
}

/* Reports a flow HubSpot no longer has, with its last known definition. */
static int report_deleted(struct hubspot *hs, const char *id, crmgov_time at)
{
    char key[160];
    flow_key(id, key, sizeof(key));
    cJSON *ev = event_deleted_automation(hs->host, hs->system, id, at);
    if (!ev)
        return 0; /* never stored: nothing to report as deleted */
    return ledger_report(&hs->ledger, key, "deleted", ev, "hubspot:GET /automation/v4/flows");
}

static int report_flow(struct hubspot *hs, const cJSON *flow, const cJSON *catalog,
                       crmgov_time date, const char *source)
{
    char why[160], ibuf[32], rbuf[32], key[160];
    const char *id = hs_id_text(flow, "id", ibuf, sizeof(ibuf));
    const char *revision = hs_id_text(flow, "revisionId", rbuf, sizeof(rbuf));
    crmgov_time at = pick_time(hs->host, text_member(flow, "updatedAt"), date);
    cJSON *ev = event_new(hs->host, "automation", hs->system, at);
    if (!id || hs_map_flow(flow, catalog, ev, why, sizeof(why)) != 0) {
        cJSON_Delete(ev);
        char *raw = cJSON_PrintUnformatted(flow);
        if (!id)
            snprintf(why, sizeof(why), "flow without an id");
        /* Once per revision: the next poll must not report it again. */
        flow_key(id ? id : "?", key, sizeof(key));
        ledger_dead_letter(&hs->ledger, key, revision ? revision : "unversioned", source, why,
                           raw ? raw : "", raw ? strlen(raw) : 0);
        cJSON_free(raw);
        return -1;
    }
    flow_key(id, key, sizeof(key));
    /* A new revision is a new observation, even when the canonical
     * definition it maps to happens to be the same. */
    return ledger_report(&hs->ledger, key, revision ? revision : "unversioned", ev, source);
}

static int fetch_and_report(struct hubspot *hs, struct rest_client *client, const char *id,
                            const cJSON *catalog)
{
    char *escaped = rest_escape(id);
    char path[300], source[340];
    snprintf(path, sizeof(path), "/automation/v4/flows/%s", escaped ? escaped : "");
    free(escaped);
    snprintf(source, sizeof(source), "hubspot:GET %s", path);
    cJSON *flow;
    crmgov_time date = CRMGOV_TIME_NONE;
    int rc = get_json(hs, client, path, &flow, &date);
    if (rc == NOT_FOUND)
        return report_deleted(hs, id, date != CRMGOV_TIME_NONE ? date : wall_clock_ms());
    if (rc != GOT)
        return -1;
    rc = report_flow(hs, flow, catalog, date, source);
    cJSON_Delete(flow);
    return rc;
}

int hs_refresh_flow(struct hubspot *hs, struct rest_client *client, const char *id)
{
    cJSON *catalog = catalog_copy(hs, client);
    if (!catalog)
        return -1;
    int rc = fetch_and_report(hs, client, id, catalog);
    cJSON_Delete(catalog);
    return rc;
}

struct listing {
    cJSON *present;         /* id -> revisionId */
    crmgov_time date;
};

static void flow_item(struct hubspot *hs, void *ctx, const cJSON *item, crmgov_time date)
{
    (void)hs;
    struct listing *l = ctx;
    char ibuf[32], rbuf[32];
    const char *id = hs_id_text(item, "id", ibuf, sizeof(ibuf));
    const char *revision = hs_id_text(item, "revisionId", rbuf, sizeof(rbuf));
    if (id && !cJSON_GetObjectItemCaseSensitive(l->present, id))
        cJSON_AddStringToObject(l->present, id, revision ? revision : "");
    if (date != CRMGOV_TIME_NONE)
        l->date = date;
}

static int pull_flows(struct hubspot *hs, struct rest_client *client, const cJSON *catalog)
{
    struct listing l = { .present = cJSON_CreateObject(), .date = CRMGOV_TIME_NONE };
    int rc = list_all(hs, client, "/automation/v4/flows", "", flow_item, &l);
    int failures = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, l.present) {
        char key[160];
        flow_key(f->string, key, sizeof(key));
        char *known = ledger_lookup(&hs->ledger, key);
        int same = known && f->valuestring[0] && strcmp(known, f->valuestring) == 0;
        free(known);
        if (same)
            continue;
        int r = fetch_and_report(hs, client, f->string, catalog);
        if (hs->host->stopping(hs->host))
            break;
        failures += r < 0;
    }
    if (rc == GOT && !hs->host->stopping(hs->host)) {
        struct gone g = { .present = l.present, .keys = cJSON_CreateArray(), .prefix = "flow:" };
        ledger_each(&hs->ledger, g.prefix, collect_gone, &g);
        const cJSON *k;
        cJSON_ArrayForEach(k, g.keys) report_deleted(hs, k->valuestring + strlen(g.prefix),
                                                     l.date != CRMGOV_TIME_NONE
                                                         ? l.date
                                                         : wall_clock_ms());
        cJSON_Delete(g.keys);
    }
    cJSON_Delete(l.present);
    return rc == GOT && !failures ? GOT : FAILED;
}

/* ------------------------------------------------------------------------ */

int hs_pull(void *ctx)
{
    struct hubspot *hs = ctx;
    struct rest_client *client = hs_client(hs);
    if (!client)
        return -1;
    int rc = pull_catalog(hs, client);
    if (rc == GOT || rc == MALFORMED) {
        /* Owners before flows: a flow's recipients are then known. */
        int owners = pull_owners(hs, client);
        cJSON *catalog = catalog_copy(hs, client);
        int flows = catalog ? pull_flows(hs, client, catalog) : FAILED;
        cJSON_Delete(catalog);
        if (rc == GOT)
            rc = owners != GOT ? owners : flows;
    }
    rest_client_free(client);
    return rc == GOT ? 0 : -1;
}
