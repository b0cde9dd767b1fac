/*
 * chg_service.c -- the "change" service (include/crmgov/services/change.h):
 * for each version of an automation, the approval that made it legitimate.
 *
 * It reads the store, not the layer's memory, so it answers the same in a
 * command process as in the daemon: the versions come from the core's
 * history, the approvals from this layer's append-only approvals log (which
 * holds baselines, external change records and crmgov's own requests alike).
 * A version is matched with the latest approval made at or before it was
 * observed; when that one approves something else, the first approval of
 * exactly its hash and status made while it was still current is taken, as
 * a retroactive approval.
 */
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

struct version_row {
    uint32_t seq;
    char *hash;
    int status;
    crmgov_time at;
};

struct approval_row {
    cJSON *rec;
    crmgov_time at;
};

struct gathered {
    struct version_row *versions;
    size_t n_versions, cap_versions;
    struct approval_row *approvals;
    size_t n_approvals, cap_approvals;
};

static int take_version(void *ctx, const struct crmgov_version *v)
{
    struct gathered *g = ctx;
    if (g->n_versions == g->cap_versions) {
        g->cap_versions = g->cap_versions ? g->cap_versions * 2 : 8;
        g->versions = chg_xrealloc(g->versions, g->cap_versions * sizeof(*g->versions));
    }
    struct version_row *r = &g->versions[g->n_versions++];
    r->seq = v->seq;
    r->hash = chg_xstrdup(v->definition_hash);
    r->status = (int)v->status;
    r->at = v->at;
    return 0;
}

static int take_approval(void *ctx, const char *key, const void *value, size_t len)
{
    struct gathered *g = ctx;
    (void)key;
    cJSON *rec = cJSON_ParseWithLength(value, len);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(rec, "at");
    if (!cJSON_IsNumber(at)) {
        cJSON_Delete(rec);
        return 0;
    }
    if (g->n_approvals == g->cap_approvals) {
        g->cap_approvals = g->cap_approvals ? g->cap_approvals * 2 : 8;
        g->approvals = chg_xrealloc(g->approvals, g->cap_approvals * sizeof(*g->approvals));
    }
    g->approvals[g->n_approvals].rec = rec;
    g->approvals[g->n_approvals++].at = (crmgov_time)at->valuedouble;
    return 0;
}

static int approves(const struct approval_row *a, const struct version_row *v)
{
    const char *hash = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->rec, "hash"));
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->rec, "status"));
    return hash && status && strcmp(hash, v->hash) == 0 &&
           strcmp(status, chg_status_name(v->status)) == 0;
}

/* The approval behind version i, or NULL; *retro set when it came later. */
static const struct approval_row *approval_for(const struct gathered *g, size_t i, int *retro)
{
    const struct version_row *v = &g->versions[i];
    crmgov_time until = i + 1 < g->n_versions ? g->versions[i + 1].at : INT64_MAX;
    const struct approval_row *latest = NULL;
    for (size_t k = 0; k < g->n_approvals; k++)
        if (g->approvals[k].at <= v->at)
            latest = &g->approvals[k];
    *retro = 0;
    if (latest && approves(latest, v))
        return latest;
    *retro = 1;
    for (size_t k = 0; k < g->n_approvals; k++)
        if (g->approvals[k].at > v->at && g->approvals[k].at < until &&
            approves(&g->approvals[k], v))
            return &g->approvals[k];
    return NULL;
}

static int tell(const struct approval_row *a, int retro, uint32_t seq,
                crmgov_version_approval_fn fn, void *ctx)
{
    if (!a)
        return fn(ctx, seq, NULL);
    const cJSON *approvers = cJSON_GetObjectItemCaseSensitive(a->rec, "approvers");
    size_t n = 0;
    const char **names = chg_xcalloc((size_t)cJSON_GetArraySize(approvers) + 1, sizeof(char *));
    for (const cJSON *x = approvers ? approvers->child : NULL; x; x = x->next)
        if (cJSON_IsString(x))
            names[n++] = x->valuestring;
    struct crmgov_change_approval out = {
        .struct_size = sizeof(out),
        .source = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->rec, "source")),
        .id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->rec, "id")),
        .at = a->at,
        .author = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->rec, "author")),
        .approvers = names,
        .n_approvers = n,
        .retroactive = retro,
    };
    int rc = fn(ctx, seq, &out);
    free(names);
    return rc;
}

static int version_approvals(const struct crmgov_change_service *svc, const char *system,
                             const char *automation, crmgov_version_approval_fn fn, void *ctx)
{
    const struct chg_layer *l = svc->impl;
    const struct crmgov_host *h = l->host;
    struct gathered g = { 0 };
    h->versions_scan(h, system, automation, take_version, &g);
    char *prefix = chg_xasprintf("appr" CHG_SEP "%s" CHG_SEP "%s" CHG_SEP, system, automation);
    h->state_scan(h, prefix, take_approval, &g);
    free(prefix);
    int rc = g.n_versions ? 0 : 1;
    for (size_t i = 0; i < g.n_versions && !rc; i++) {
        int retro;
        const struct approval_row *a = approval_for(&g, i, &retro);
        rc = tell(a, retro, g.versions[i].seq, fn, ctx);
    }
    for (size_t i = 0; i < g.n_versions; i++)
        free(g.versions[i].hash);
    for (size_t i = 0; i < g.n_approvals; i++)
        cJSON_Delete(g.approvals[i].rec);
    free(g.versions);
    free(g.approvals);
    return rc;
}

void chg_service_init(struct chg_layer *l)
{
    l->service.struct_size = sizeof(l->service);
    l->service.impl = l;
    l->service.version_approvals = version_approvals;
}
