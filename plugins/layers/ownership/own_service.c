/*
 * own_service.c -- the "ownership" service (include/crmgov/services/
 * ownership.h): other plugins ask the layer who owns an automation and what
 * a principal owns, and get the same judgement the findings use (standing,
 * grace, service accounts), straight from the in-memory index.
 *
 * The interface struct lives inside the layer (struct own_layer.service) and
 * carries the layer in `impl`, so the functions need no global state.
 */
#include <stdlib.h>
#include <string.h>

#include "own.h"

static struct own_layer *layer_of(const struct crmgov_ownership_service *svc)
{
    return svc->impl;
}

static crmgov_time now_of(const struct own_layer *l)
{
    crmgov_time t = l->host->now(l->host);
    return t == CRMGOV_TIME_NONE ? 0 : t;
}

static void describe(const struct own_layer *l, const struct own_holding *h, crmgov_time t,
                     struct crmgov_owner_info *out)
{
    crmgov_time ends;
    const struct own_automation *a = h->automation;
    *out = (struct crmgov_owner_info){
        .struct_size = sizeof(*out), .system = a->system, .automation = a->id,
        .role = h->role, .principal = h->principal->id, .since = h->since,
        .standing = own_standing(l, h, t, &ends), .service = h->principal->service,
        .automation_active = a->in_inventory && a->status == CRMGOV_STATUS_ACTIVE,
    };
    out->counts = own_holder_eligible(h) && (out->standing == CRMGOV_OWNER_ACTIVE ||
                                             out->standing == CRMGOV_OWNER_GRACE);
}

static int svc_owners_of(const struct crmgov_ownership_service *svc, const char *system,
                         const char *automation, int role, crmgov_owner_info_fn fn, void *ctx)
{
    const struct own_layer *l = layer_of(svc);
    const struct own_automation *a =
        system && automation ? own_automation_find(l, system, automation) : NULL;
    if (!a || !fn)
        return 0;
    crmgov_time t = now_of(l);
    for (size_t i = 0; i < a->holdings.n; i++) {
        const struct own_holding *h = a->holdings.items[i];
        if (role >= 0 && (int)h->role != role)
            continue;
        struct crmgov_owner_info info;
        describe(l, h, t, &info);
        int rc = fn(ctx, &info);
        if (rc)
            return rc;
    }
    return 0;
}

/* Calls fn for one principal's holdings in (system, automation, role) order. */
static int visit_principal(const struct own_layer *l, const struct own_principal *p, int role,
                           crmgov_owner_info_fn fn, void *ctx)
{
    size_t n = p->holdings.n;
    if (!n)
        return 0;
    const struct own_holding **sorted = own_alloc(n * sizeof(*sorted));
    memcpy(sorted, p->holdings.items, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), own_holding_cmp);
    crmgov_time t = now_of(l);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (role >= 0 && (int)sorted[i]->role != role)
            continue;
        struct crmgov_owner_info info;
        describe(l, sorted[i], t, &info);
        rc = fn(ctx, &info);
    }
    free(sorted);
    return rc;
}

static int by_system(const void *x, const void *y)
{
    const struct own_principal *a = *(const struct own_principal *const *)x;
    const struct own_principal *b = *(const struct own_principal *const *)y;
    return strcmp(a->system, b->system);
}

static int svc_owned_by(const struct crmgov_ownership_service *svc, const char *system,
                        const char *principal, int role, crmgov_owner_info_fn fn, void *ctx)
{
    const struct own_layer *l = layer_of(svc);
    if (!principal || !fn)
        return 0;
    if (system) {
        const struct own_principal *p = own_principal_find(l, system, principal);
        return p ? visit_principal(l, p, role, fn, ctx) : 0;
    }
    struct own_vec found = { 0 };
    for (size_t i = 0; i < l->principals.cap; i++) {
        const struct own_principal *p =
            l->principals.slots[i].key ? l->principals.slots[i].value : NULL;
        if (p && strcmp(p->id, principal) == 0)
            own_vec_push(&found, (void *)p);
    }
    qsort(found.items, found.n, sizeof(void *), by_system);
    int rc = 0;
    for (size_t i = 0; i < found.n && !rc; i++)
        rc = visit_principal(l, found.items[i], role, fn, ctx);
    own_vec_free(&found);
    return rc;
}

static int svc_is_owner(const struct crmgov_ownership_service *svc, const char *system,
                        const char *automation, const char *principal, int role)
{
    const struct own_layer *l = layer_of(svc);
    const struct own_automation *a =
        system && automation ? own_automation_find(l, system, automation) : NULL;
    if (!a || !principal)
        return 0;
    for (size_t i = 0; i < a->holdings.n; i++) {
        const struct own_holding *h = a->holdings.items[i];
        if ((role < 0 || (int)h->role == role) && strcmp(h->principal->id, principal) == 0 &&
            h->principal->known && h->principal->active && !h->principal->service)
            return 1; /* approvals are by people: a service account never passes */
    }
    return 0;
}

/* Whether holding i of a names someone who counts for role and is active. */
static int names_active(const struct own_automation *a, size_t i, int role)
{
    const struct own_holding *h = a->holdings.items[i];
    return (role < 0 || (int)h->role == role) && own_holder_eligible(h) &&
           h->principal->known && h->principal->active;
}

static int svc_accountable(const struct crmgov_ownership_service *svc, const char *system,
                           const char *automation, int role, crmgov_principal_id_fn fn,
                           void *ctx)
{
    const struct own_layer *l = layer_of(svc);
    const struct own_automation *a =
        system && automation ? own_automation_find(l, system, automation) : NULL;
    int named = 0;
    for (size_t i = 0; a && i < a->holdings.n; i++) {
        if (!names_active(a, i, role))
            continue;
        const struct own_principal *p = ((const struct own_holding *)a->holdings.items[i])
                                            ->principal;
        int repeated = 0; /* one person may hold several roles */
        for (size_t j = 0; j < i && !repeated; j++)
            repeated = names_active(a, j, role) &&
                       ((const struct own_holding *)a->holdings.items[j])->principal == p;
        if (repeated)
            continue;
        named++;
        if (fn && fn(ctx, p->id))
            return -1;
    }
    const char *fallback = system ? own_fallback_for(l, system) : NULL;
    if (!named && fallback) {
        named = 1;
        if (fn && fn(ctx, fallback))
            return -1;
    }
    return named;
}

static const char *svc_fallback_owner(const struct crmgov_ownership_service *svc,
                                      const char *system)
{
    return system ? own_fallback_for(layer_of(svc), system) : NULL;
}

void own_service_init(struct own_layer *l)
{
    l->service = (struct crmgov_ownership_service){
        .struct_size = sizeof(l->service), .impl = l, .owners_of = svc_owners_of,
        .owned_by = svc_owned_by, .is_owner = svc_is_owner, .accountable = svc_accountable,
        .fallback_owner = svc_fallback_owner,
    };
}
