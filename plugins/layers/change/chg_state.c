/*
 * chg_state.c -- what the change layer remembers, and where it comes from.
 *
 * Memory is rebuilt from the store on first use: the inventory (observed
 * definitions, into the analysis engine), then this layer's own append-only
 * records -- approvals, reviews, baselines, pending change checks -- and the
 * open findings it owns (so a restart does not forget what it reported).
 *
 * The approvals log is the layer's source of truth for "latest approved
 * version": every approval, whatever its source (baseline, an external change
 * record, a crmgov change request), is one record keyed by system,
 * automation, time and source id, so scanning one automation's prefix gives
 * its approvals in time order -- which is also what `crmgov history` needs to
 * say which approval made each version legitimate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

enum { TAG_AUTO = 1, TAG_SYSTEM = 2 };

static const char *const status_names[] = { "active", "inactive", "deleted" };
static const char *const level_names[] = { "low", "medium", "high", "critical" };

const char *chg_status_name(int status)
{
    return status >= 0 && status <= 2 ? status_names[status] : "active";
}

static int status_parse(const char *text)
{
    for (int i = 0; i < 3; i++)
        if (text && strcmp(text, status_names[i]) == 0)
            return i;
    return -1;
}

const char *chg_level_name(int level)
{
    return level >= 0 && level <= 3 ? level_names[level] : "low";
}

int chg_level_parse(const char *text)
{
    for (int i = 0; i < 4; i++)
        if (text && strcmp(text, level_names[i]) == 0)
            return i;
    return -1;
}

char *chg_key2(const char *prefix, const char *a, const char *b)
{
    return b ? chg_xasprintf("%s" CHG_SEP "%s" CHG_SEP "%s", prefix, a, b)
             : chg_xasprintf("%s" CHG_SEP "%s", prefix, a);
}

struct chg_system *chg_system_get(struct chg_layer *l, uint32_t sys, int create)
{
    struct chg_key k = { TAG_SYSTEM, sys, 0, 0 };
    struct chg_system *s = chg_map_get(&l->systems, k);
    if (s || !create)
        return s;
    s = chg_xcalloc(1, sizeof(*s));
    s->sys = sys;
    s->next_due = CRMGOV_TIME_NONE;
    s->base_at = CRMGOV_TIME_NONE;
    chg_map_put(&l->systems, k, s);
    chg_ptrs_push(&l->system_list, s);
    l->next_due = CRMGOV_TIME_NONE;
    return s;
}

struct chg_auto *chg_auto_get(struct chg_layer *l, uint32_t sys, uint32_t id, int create)
{
    struct chg_key k = { TAG_AUTO, sys, id, 0 };
    struct chg_auto *a = chg_map_get(&l->autos, k);
    if (a || !create)
        return a;
    a = chg_xcalloc(1, sizeof(*a));
    a->sys = sys;
    a->id = id;
    a->first_seen = a->approved_at = a->last_review = CRMGOV_TIME_NONE;
    chg_map_put(&l->autos, k, a);
    chg_ptrs_push(&chg_system_get(l, sys, 1)->autos, a);
    return a;
}

/* ---- approvals ------------------------------------------------------------------- */

static char *approval_key(struct chg_layer *l, const struct chg_auto *a, crmgov_time at,
                          const char *source_id)
{
    return chg_xasprintf("appr" CHG_SEP "%s" CHG_SEP "%s" CHG_SEP "%016lld" CHG_SEP "%s",
                         chg_str(&l->st, a->sys), chg_str(&l->st, a->id), (long long)at,
                         source_id);
}

static const char *const source_names[] = { "baseline", "change", "request" };

static void remember_approval(struct chg_auto *a, uint32_t hash, int status, crmgov_time at)
{
    if (!a->approved || at >= a->approved_at) {
        a->approved = 1;
        a->approved_hash = hash;
        a->approved_status = status;
        a->approved_at = at;
    }
    if (a->last_review == CRMGOV_TIME_NONE || at > a->last_review)
        a->last_review = at;
}

int chg_approve(struct chg_layer *l, struct chg_auto *a, uint32_t hash, int status,
                crmgov_time at, enum chg_source source, const char *source_id,
                const char *author, const cJSON *approvers)
{
    if (source == CHG_SOURCE_BASELINE && a->approved && a->approved_hash == hash &&
        a->approved_status == status)
        return 0;
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "system", chg_str(&l->st, a->sys));
    cJSON_AddStringToObject(rec, "automation", chg_str(&l->st, a->id));
    if (hash)
        cJSON_AddStringToObject(rec, "hash", chg_str(&l->st, hash));
    else
        cJSON_AddNullToObject(rec, "hash");
    cJSON_AddStringToObject(rec, "status", chg_status_name(status));
    cJSON_AddNumberToObject(rec, "at", (double)at);
    cJSON_AddStringToObject(rec, "source", source_names[source]);
    if (source_id)
        cJSON_AddStringToObject(rec, "id", source_id);
    else
        cJSON_AddNullToObject(rec, "id");
    if (author)
        cJSON_AddStringToObject(rec, "author", author);
    else
        cJSON_AddNullToObject(rec, "author");
    cJSON_AddItemToObject(rec, "approvers",
                          approvers ? cJSON_Duplicate(approvers, 1) : cJSON_CreateArray());
    char *text = cJSON_PrintUnformatted(rec);
    char *key = approval_key(l, a, at, source_id ? source_id : "baseline");
    l->host->state_put(l->host, key, text, strlen(text));
    free(key);
    cJSON_free(text);
    cJSON_Delete(rec);
    remember_approval(a, hash, status, at);
    return 1;
}

static int load_approval(void *ctx, const char *key, const void *value, size_t len)
{
    struct chg_layer *l = ctx;
    (void)key;
    cJSON *rec = cJSON_ParseWithLength(value, len);
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(rec, "system");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "automation");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(rec, "hash");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(rec, "at");
    if (cJSON_IsString(sys) && cJSON_IsString(id) && cJSON_IsNumber(at) &&
        status_parse(cJSON_GetStringValue(status)) >= 0) {
        struct chg_auto *a = chg_auto_get(l, chg_intern(&l->st, sys->valuestring),
                                          chg_intern(&l->st, id->valuestring), 1);
        uint32_t h = cJSON_IsString(hash) ? chg_intern(&l->st, hash->valuestring) : 0;
        remember_approval(a, h, status_parse(status->valuestring), (crmgov_time)at->valuedouble);
    }
    cJSON_Delete(rec);
    return 0;
}

static int load_review(void *ctx, const char *key, const void *value, size_t len)
{
    struct chg_layer *l = ctx;
    (void)key;
    cJSON *rec = cJSON_ParseWithLength(value, len);
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(rec, "system");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "automation");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(rec, "at");
    if (cJSON_IsString(sys) && cJSON_IsString(id) && cJSON_IsNumber(at)) {
        struct chg_auto *a = chg_auto_get(l, chg_intern(&l->st, sys->valuestring),
                                          chg_intern(&l->st, id->valuestring), 1);
        crmgov_time t = (crmgov_time)at->valuedouble;
        if (a->last_review == CRMGOV_TIME_NONE || t > a->last_review)
            a->last_review = t;
    }
    cJSON_Delete(rec);
    return 0;
}

/* Approvals and reviews of one automation as the store has them now: a CLI
 * command (`change approve`, `review`) run while the daemon is up writes them
 * from another process, and the daemon must judge by them at once. */
void chg_refresh_auto(struct chg_layer *l, const struct chg_auto *a)
{
    const char *sys = chg_str(&l->st, a->sys), *id = chg_str(&l->st, a->id);
    char *prefix = chg_xasprintf("appr" CHG_SEP "%s" CHG_SEP "%s" CHG_SEP, sys, id);
    l->host->state_scan(l->host, prefix, load_approval, l);
    free(prefix);
    prefix = chg_xasprintf("rev" CHG_SEP "%s" CHG_SEP "%s" CHG_SEP, sys, id);
    l->host->state_scan(l->host, prefix, load_review, l);
    free(prefix);
}

static int load_base(void *ctx, const char *key, const void *value, size_t len)
{
    struct chg_layer *l = ctx;
    cJSON *rec = cJSON_ParseWithLength(value, len);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(rec, "at");
    const char *sep = strchr(key, CHG_SEP[0]);
    if (sep && cJSON_IsNumber(at)) {
        struct chg_system *s = chg_system_get(l, chg_intern(&l->st, sep + 1), 1);
        s->has_base = 1;
        s->base_at = (crmgov_time)at->valuedouble;
    }
    cJSON_Delete(rec);
    return 0;
}

/* ---- pending change checks (CHG007 judged when the definition shows) ---------------- */

void chg_pending_free(struct chg_pending *p)
{
    while (p) {
        struct chg_pending *next = p->next;
        free(p->change_id);
        free(p->author);
        cJSON_Delete(p->approvers);
        free(p);
        p = next;
    }
}

static char *pending_key(struct chg_layer *l, const struct chg_auto *a, const char *change_id)
{
    return chg_xasprintf("pend" CHG_SEP "%s" CHG_SEP "%s" CHG_SEP "%s", chg_str(&l->st, a->sys),
                         chg_str(&l->st, a->id), change_id);
}

int chg_pending_save(struct chg_layer *l, const struct chg_auto *a, const struct chg_pending *p)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "system", chg_str(&l->st, a->sys));
    cJSON_AddStringToObject(rec, "automation", chg_str(&l->st, a->id));
    cJSON_AddStringToObject(rec, "change", p->change_id);
    cJSON_AddStringToObject(rec, "hash", chg_str(&l->st, p->hash));
    cJSON_AddNumberToObject(rec, "at", (double)p->at);
    if (p->author)
        cJSON_AddStringToObject(rec, "author", p->author);
    cJSON_AddItemToObject(rec, "approvers", cJSON_Duplicate(p->approvers, 1));
    char *text = cJSON_PrintUnformatted(rec);
    char *key = pending_key(l, a, p->change_id);
    int rc = l->host->state_put(l->host, key, text, strlen(text));
    free(key);
    cJSON_free(text);
    cJSON_Delete(rec);
    return rc;
}

int chg_pending_delete(struct chg_layer *l, const struct chg_auto *a, const char *change_id)
{
    char *key = pending_key(l, a, change_id);
    int rc = l->host->state_delete(l->host, key);
    free(key);
    return rc;
}

static int load_pending(void *ctx, const char *key, const void *value, size_t len)
{
    struct chg_layer *l = ctx;
    (void)key;
    cJSON *rec = cJSON_ParseWithLength(value, len);
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(rec, "system");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "automation");
    const cJSON *change = cJSON_GetObjectItemCaseSensitive(rec, "change");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(rec, "hash");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(rec, "at");
    const cJSON *author = cJSON_GetObjectItemCaseSensitive(rec, "author");
    const cJSON *approvers = cJSON_GetObjectItemCaseSensitive(rec, "approvers");
    if (cJSON_IsString(sys) && cJSON_IsString(id) && cJSON_IsString(change) &&
        cJSON_IsString(hash) && cJSON_IsNumber(at) && cJSON_IsArray(approvers)) {
        struct chg_auto *a = chg_auto_get(l, chg_intern(&l->st, sys->valuestring),
                                          chg_intern(&l->st, id->valuestring), 1);
        struct chg_pending *p = chg_xcalloc(1, sizeof(*p));
        p->change_id = chg_xstrdup(change->valuestring);
        p->hash = chg_intern(&l->st, hash->valuestring);
        p->at = (crmgov_time)at->valuedouble;
        p->author = cJSON_IsString(author) ? chg_xstrdup(author->valuestring) : NULL;
        p->approvers = cJSON_Duplicate(approvers, 1);
        p->next = a->pending;
        a->pending = p;
    }
    cJSON_Delete(rec);
    return 0;
}

/* ---- loading ---------------------------------------------------------------------- */

static int load_item(void *ctx, const struct crmgov_inventory_item *item)
{
    struct chg_layer *l = ctx;
    const struct crmgov_automation *def = item->automation;
    struct chg_auto *a = chg_auto_get(l, chg_intern(&l->st, item->system),
                                      chg_intern(&l->st, def->id), 1);
    a->observed = 1;
    a->hash = chg_intern(&l->st, def->definition_hash);
    a->status = (int)def->status;
    a->first_seen = item->first_seen;
    if (def->status == CRMGOV_STATUS_ACTIVE)
        chg_def_free(chg_engine_put(&l->engine, a->sys, a->id, chg_def_compile(&l->st, def)));
    return 0;
}

static int load_open_finding(void *ctx, const struct crmgov_finding *f)
{
    struct chg_layer *l = ctx;
    if (!f->automation)
        return 0;
    struct chg_auto *a = chg_auto_get(l, chg_intern(&l->st, f->system),
                                      chg_intern(&l->st, f->automation), 0);
    if (!a)
        return 0;
    if (strcmp(f->rule, "CHG001") == 0)
        a->drift = 1;
    else if (strcmp(f->rule, "CHG005") == 0)
        a->drift = 5;
    else if (strcmp(f->rule, "CHG004") == 0)
        a->overdue = 1;
    return 0;
}

int chg_load(struct chg_layer *l)
{
    if (l->loaded)
        return CRMGOV_OK;
    l->loaded = 1;
    const struct crmgov_host *h = l->host;
    struct chg_collect *saved = l->collect;
    l->collect = NULL; /* the full analysis is not news */
    int rc = h->inventory_scan(h, NULL, load_item, l);
    l->collect = saved;
    if (rc == CRMGOV_OK)
        rc = h->state_scan(h, "appr" CHG_SEP, load_approval, l);
    if (rc == CRMGOV_OK)
        rc = h->state_scan(h, "rev" CHG_SEP, load_review, l);
    if (rc == CRMGOV_OK)
        rc = h->state_scan(h, "base" CHG_SEP, load_base, l);
    if (rc == CRMGOV_OK)
        rc = h->state_scan(h, "pend" CHG_SEP, load_pending, l);
    struct crmgov_finding_filter filter = { sizeof(filter), CHG_LAYER_NAME, NULL, NULL, NULL,
                                            CRMGOV_FINDING_OPEN, -1 };
    if (rc == CRMGOV_OK)
        rc = h->findings_scan(h, &filter, load_open_finding, l);
    if (l->engine.truncated)
        h->log(h, CRMGOV_LOG_WARN, "cycle search hit its bound; some cycles are not reported");
    return rc == CRMGOV_OK ? CRMGOV_OK : CRMGOV_ERROR;
}

/* ---- baseline --------------------------------------------------------------------- */

struct latest_version {
    crmgov_time until;
    int found;
    char hash[65];
    int status;
    crmgov_time at;
};

static int pick_version(void *ctx, const struct crmgov_version *v)
{
    struct latest_version *lv = ctx;
    if (v->at > lv->until)
        return 0;
    lv->found = 1;
    snprintf(lv->hash, sizeof(lv->hash), "%s", v->definition_hash);
    lv->status = (int)v->status;
    lv->at = v->at;
    return 0;
}

/* Approves, for each automation of the system seen within the window, the
 * last version it showed before the window closed. */
static int catch_up(struct chg_layer *l, struct chg_system *s, crmgov_time until)
{
    int approved = 0;
    for (uint32_t i = 0; i < s->autos.n; i++) {
        struct chg_auto *a = s->autos.v[i];
        if (!a->observed || a->first_seen == CRMGOV_TIME_NONE || a->first_seen > until)
            continue;
        struct latest_version lv = { .until = until };
        l->host->versions_scan(l->host, chg_str(&l->st, s->sys), chg_str(&l->st, a->id),
                               pick_version, &lv);
        if (lv.found)
            approved += chg_approve(l, a, chg_intern(&l->st, lv.hash), lv.status, lv.at,
                                    CHG_SOURCE_BASELINE, NULL, NULL, NULL);
    }
    return approved;
}

int chg_baseline_open(struct chg_layer *l, uint32_t sys, crmgov_time first_at)
{
    struct chg_system *s = chg_system_get(l, sys, 1);
    if (s->has_base || !l->opt.baseline_first_sync)
        return 0;
    s->has_base = 1;
    s->base_at = first_at;
    const struct crmgov_host *h = l->host;
    crmgov_time until = first_at + l->opt.baseline_window_ms;
    char from_text[32], until_text[32];
    h->time_format(first_at, from_text);
    h->time_format(until, until_text);
    char *value = chg_xasprintf("{\"at\":%lld,\"window_ms\":%lld}", (long long)first_at,
                                (long long)l->opt.baseline_window_ms);
    char *key = chg_key2("base", chg_str(&l->st, sys), NULL);
    h->state_put(h, key, value, strlen(value));
    free(key);
    free(value);
    int approved = catch_up(l, s, until);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "baseline", "first-sync");
    cJSON_AddStringToObject(details, "from", from_text);
    cJSON_AddStringToObject(details, "until", until_text);
    cJSON_AddNumberToObject(details, "approved_at_opening", approved);
    char *text = cJSON_PrintUnformatted(details);
    h->audit_append(h, "crmgov", "change.baseline", chg_str(&l->st, sys), text, first_at);
    cJSON_free(text);
    cJSON_Delete(details);
    return 1;
}

/* ---- reconciliation ----------------------------------------------------------------- */

static void open_missing_baselines(struct chg_layer *l)
{
    for (uint32_t i = 0; i < l->system_list.n; i++) {
        struct chg_system *s = l->system_list.v[i];
        crmgov_time first = CRMGOV_TIME_NONE;
        for (uint32_t k = 0; k < s->autos.n; k++) {
            const struct chg_auto *a = s->autos.v[k];
            if (a->observed && a->first_seen != CRMGOV_TIME_NONE &&
                (first == CRMGOV_TIME_NONE || a->first_seen < first))
                first = a->first_seen;
        }
        if (!s->has_base && first != CRMGOV_TIME_NONE)
            chg_baseline_open(l, s->sys, first);
    }
}

/* What reconciliation passes around: the layer and the findings the
 * analysis holds now. */
struct reconcile {
    struct chg_layer *l;
    struct chg_collect *now;
    struct crmgov_finding *stale;
    size_t n_stale, cap_stale;
};

static int collect_node(void *ctx, struct chg_node *n)
{
    struct reconcile *r = ctx;
    chg_collect_node(r->l, r->now, n);
    return 0;
}

static int still_found(const struct reconcile *r, const struct crmgov_finding *f)
{
    const struct chg_collect *c = r->now;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].rule, f->rule) == 0 &&
            strcmp(chg_str(&r->l->st, c->items[i].sys), f->system) == 0 &&
            strcmp(c->items[i].automation, f->automation ? f->automation : "") == 0 &&
            strcmp(c->items[i].subject, f->subject ? f->subject : "") == 0)
            return 1;
    return 0;
}

static int gather_stale(void *ctx, const struct crmgov_finding *f)
{
    struct reconcile *r = ctx;
    if (still_found(r, f))
        return 0;
    if (r->n_stale == r->cap_stale) {
        r->cap_stale = r->cap_stale ? r->cap_stale * 2 : 8;
        r->stale = chg_xrealloc(r->stale, r->cap_stale * sizeof(*r->stale));
    }
    struct crmgov_finding *copy = &r->stale[r->n_stale++];
    memset(copy, 0, sizeof(*copy));
    copy->rule = chg_xstrdup(f->rule);
    copy->system = chg_xstrdup(f->system);
    copy->automation = f->automation ? chg_xstrdup(f->automation) : NULL;
    copy->subject = f->subject ? chg_xstrdup(f->subject) : NULL;
    return 0;
}

/* Stored CHG002/003/006 findings in line with the analysis as loaded. */
static void reconcile_pairs(struct chg_layer *l, crmgov_time at)
{
    struct chg_collect now;
    chg_collect_init(&now);
    struct reconcile r = { l, &now, NULL, 0, 0 };
    chg_engine_each(&l->engine, collect_node, &r);
    static const char *const rules[] = { "CHG002", "CHG003", "CHG006" };
    for (int i = 0; i < 3; i++) {
        struct crmgov_finding_filter filter = { sizeof(filter), CHG_LAYER_NAME, rules[i], NULL,
                                                NULL, CRMGOV_FINDING_OPEN, -1 };
        l->host->findings_scan(l->host, &filter, gather_stale, &r);
    }
    for (size_t i = 0; i < r.n_stale; i++) {
        struct crmgov_finding *f = &r.stale[i];
        l->host->finding_resolve(l->host, f->rule, f->system, f->automation, f->subject, at);
        free((char *)f->rule);
        free((char *)f->system);
        free((char *)f->automation);
        free((char *)f->subject);
    }
    free(r.stale);
    chg_collect_apply(l, &now, at);
    chg_collect_free(&now);
}

int chg_reconcile(struct chg_layer *l, crmgov_time at)
{
    if (l->reconciled)
        return CRMGOV_OK;
    l->reconciled = 1;
    open_missing_baselines(l);
    for (uint32_t i = 0; i < l->system_list.n; i++) {
        struct chg_system *s = l->system_list.v[i];
        s->next_due = CRMGOV_TIME_NONE;
        for (uint32_t k = 0; k < s->autos.n; k++)
            chg_drift_recheck(l, s->autos.v[k], at);
    }
    l->next_due = CRMGOV_TIME_NONE;
    reconcile_pairs(l, at);
    return CRMGOV_OK;
}
