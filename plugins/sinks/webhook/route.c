/*
 * route.c -- see route.h. Owners are collected into a scratch list, sorted
 * by (system, id) so the same history always yields the same recipients in
 * the same order (message bodies and idempotency keys depend on it), then
 * merged into the caller's list, which de-duplicates by key.
 */
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmgov/services/ownership.h"

#include "../common/finding_json.h"

static const char *const role_names[] = { "system", "decision", "outcome" };

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

static char *join3(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (!s)
        abort();
    snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

static int role_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(role_names[i], name) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* configuration                                                             */

/* Splits "left:right" into two fresh strings; -1 without a colon. */
static int split_pair(const char *item, char **left, char **right)
{
    const char *colon = strrchr(item, ':');
    if (!colon || colon == item || !colon[1])
        return -1;
    *left = strndup(item, (size_t)(colon - item));
    *right = strdup(colon + 1);
    if (!*left || !*right)
        abort();
    return 0;
}

static int parse_roles(struct route_config *rc, const char *const *items, size_t n, char *err,
                       size_t err_size)
{
    rc->roles = calloc(n ? n : 1, sizeof(*rc->roles));
    if (!rc->roles)
        abort();
    for (size_t i = 0; i < n; i++) {
        char *layer, *role;
        if (split_pair(items[i], &layer, &role) != 0) {
            snprintf(err, err_size, "roles: '%s' is not LAYER:ROLE", items[i]);
            return -1;
        }
        int r = role_parse(role);
        free(role);
        rc->roles[rc->n_roles++] = (struct route_layer_role){ layer, r };
        if (r < 0) {
            snprintf(err, err_size, "roles: '%s' names no role (system, decision or outcome)",
                     items[i]);
            return -1;
        }
    }
    return 0;
}

static int parse_teams(struct route_config *rc, const char *const *items, size_t n, char *err,
                       size_t err_size)
{
    rc->teams = calloc(n ? n : 1, sizeof(*rc->teams));
    if (!rc->teams)
        abort();
    for (size_t i = 0; i < n; i++) {
        char *team, *severity;
        if (split_pair(items[i], &team, &severity) != 0) {
            snprintf(err, err_size, "teams: '%s' is not TEAM:SEVERITY", items[i]);
            return -1;
        }
        int s = sink_severity_parse(severity);
        free(severity);
        rc->teams[rc->n_teams++] = (struct route_team){ team, s };
        if (s < 0) {
            snprintf(err, err_size,
                     "teams: '%s' names no severity (info, low, medium, high or critical)",
                     items[i]);
            return -1;
        }
    }
    return 0;
}

int route_config_init(struct route_config *rc, const char *const *roles, size_t n_roles,
                      int default_role, const char *fallback_owner,
                      const char *const *teams, size_t n_teams, char *err, size_t err_size)
{
    memset(rc, 0, sizeof(*rc));
    rc->default_role = default_role;
    rc->fallback_owner = fallback_owner && *fallback_owner ? fallback_owner : NULL;
    if (parse_roles(rc, roles, n_roles, err, err_size) != 0 ||
        parse_teams(rc, teams, n_teams, err, err_size) != 0) {
        route_config_free(rc);
        return -1;
    }
    return 0;
}

void route_config_free(struct route_config *rc)
{
    for (size_t i = 0; i < rc->n_roles; i++)
        free(rc->roles[i].layer);
    for (size_t i = 0; i < rc->n_teams; i++)
        free(rc->teams[i].name);
    free(rc->roles);
    free(rc->teams);
    memset(rc, 0, sizeof(*rc));
}

/* ------------------------------------------------------------------------ */
/* recipient lists                                                           */

void recipient_clear(struct recipient *r)
{
    free(r->key);
    free(r->id);
    free(r->system);
    free(r->name);
    free(r->address);
    free(r->as);
    memset(r, 0, sizeof(*r));
}

void recipients_free(struct recipients *list)
{
    for (size_t i = 0; i < list->n; i++)
        recipient_clear(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

static void recipients_push(struct recipients *list, struct recipient *taken)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 4;
        list->items = realloc(list->items, list->cap * sizeof(*list->items));
        if (!list->items)
            abort();
    }
    list->items[list->n++] = *taken;
    memset(taken, 0, sizeof(*taken));
}

int recipients_add(struct recipients *list, const struct recipient *r)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i].key, r->key) == 0)
            return 0;
    struct recipient copy = { dup_or_null(r->key),  dup_or_null(r->id),
                              dup_or_null(r->system), dup_or_null(r->name),
                              dup_or_null(r->address), dup_or_null(r->as) };
    recipients_push(list, &copy);
    return 1;
}

static int compare_recipients(const void *a, const void *b)
{
    const struct recipient *x = a, *y = b;
    int c = strcmp(x->system ? x->system : "", y->system ? y->system : "");
    if (c == 0)
        c = strcmp(x->id, y->id);
    return c != 0 ? c : strcmp(x->as, y->as);
}

/* ------------------------------------------------------------------------ */
/* principals                                                                */

struct principal_facts {
    int known;
    int active;
    int service;
    char *name;
    char *email;
};

static int has_service_role(const struct crmgov_principal *p)
{
    for (size_t i = 0; i < p->n_roles; i++)
        if (p->roles[i] && strcmp(p->roles[i], "service") == 0)
            return 1;
    return 0;
}

static int take_principal(void *ctx, const struct crmgov_principal_item *item)
{
    struct principal_facts *pf = ctx;
    const struct crmgov_principal *p = item->principal;
    pf->known = 1;
    pf->active = p->active;
    pf->service = has_service_role(p);
    pf->name = dup_or_null(p->name);
    pf->email = dup_or_null(p->email);
    return 0;
}

static void principal_facts(const struct crmgov_host *host, const char *system, const char *id,
                            struct principal_facts *out)
{
    memset(out, 0, sizeof(*out));
    host->principal_get(host, system, id, take_principal, out);
}

static const char *contact_of(const struct crmgov_host *host, const char *system,
                              const char *id)
{
    const char *address = NULL;
    if (system) {
        char *scoped = join3(system, "/", id);
        address = host->config_global(host, "contacts", scoped);
        free(scoped);
    }
    if (!address)
        address = host->config_global(host, "contacts", id);
    return address && *address ? address : NULL;
}

/* A recipient for principal `id` of `system`, with its address and key.
 * The caller has decided that it is reachable. */
static void make_person(const struct crmgov_host *host, const char *system, const char *id,
                        const char *as, const struct principal_facts *pf,
                        struct recipient *out)
{
    const char *address = contact_of(host, system, id);
    out->id = dup_or_null(id);
    out->system = dup_or_null(system);
    out->name = dup_or_null(pf->name);
    out->address = dup_or_null(address ? address : pf->email);
    out->as = dup_or_null(as);
    out->key = out->address ? dup_or_null(out->address) : join3(system, "/", id);
}

/* ------------------------------------------------------------------------ */
/* owners                                                                    */

struct owner_scan {
    const struct crmgov_host *host;
    const char *system;
    int role;                   /* -1: any */
    struct recipients found;
};

static void add_owner(struct owner_scan *scan, const char *principal, int role)
{
    struct principal_facts pf;
    principal_facts(scan->host, scan->system, principal, &pf);
    char *as = join3("owner:", "", role_names[role]);
    struct recipient r = { 0 };
    make_person(scan->host, scan->system, principal, as, &pf, &r);
    recipients_push(&scan->found, &r);
    free(as);
    free(pf.name);
    free(pf.email);
}

/* From the ownership layer: it has judged who is active already. */
static int owner_from_service(void *ctx, const struct crmgov_owner_info *o)
{
    struct owner_scan *scan = ctx;
    if (o->standing == CRMGOV_OWNER_ACTIVE && !o->service && (int)o->role >= 0 &&
        (int)o->role < 3)
        add_owner(scan, o->principal, (int)o->role);
    return 0;
}

/* From the store: an owner counts when it is a known, active, human principal. */
static int owner_from_store(void *ctx, const struct crmgov_owner_item *item)
{
    struct owner_scan *scan = ctx;
    if ((scan->role >= 0 && (int)item->role != scan->role) || (int)item->role < 0 ||
        (int)item->role > 2)
        return 0;
    struct principal_facts pf;
    principal_facts(scan->host, scan->system, item->principal, &pf);
    int reachable = pf.known && pf.active && !pf.service;
    free(pf.name);
    free(pf.email);
    if (reachable)
        add_owner(scan, item->principal, (int)item->role);
    return 0;
}

static const struct crmgov_ownership_service *ownership(const struct crmgov_host *host)
{
    return host->service_lookup(host, CRMGOV_OWNERSHIP_SERVICE,
                                CRMGOV_OWNERSHIP_SERVICE_VERSION);
}

static size_t add_owners(const struct crmgov_host *host, const struct crmgov_finding *f,
                         int role, struct recipients *out)
{
    struct owner_scan scan = { host, f->system, role, { 0 } };
    const struct crmgov_ownership_service *svc = ownership(host);
    if (svc)
        svc->owners_of(svc, f->system, f->automation, role, owner_from_service, &scan);
    else
        host->owners_scan(host, f->system, f->automation, owner_from_store, &scan);
    if (scan.found.n > 1)
        qsort(scan.found.items, scan.found.n, sizeof(*scan.found.items), compare_recipients);
    size_t added = 0;
    for (size_t i = 0; i < scan.found.n; i++)
        added += (size_t)recipients_add(out, &scan.found.items[i]);
    recipients_free(&scan.found);
    return added;
}

static size_t add_layer_owners(const struct crmgov_host *host, const struct route_config *rc,
                               const struct crmgov_finding *f, struct recipients *out)
{
    size_t added = 0;
    int configured = 0;
    for (size_t i = 0; i < rc->n_roles; i++) {
        if (strcmp(rc->roles[i].layer, f->layer ? f->layer : "") != 0)
            continue;
        configured = 1;
        added += add_owners(host, f, rc->roles[i].role, out);
    }
    if (!configured)
        added += add_owners(host, f, rc->default_role, out);
    return added;
}

/* ------------------------------------------------------------------------ */
/* fallback owner and teams                                                  */

static const char *fallback_for(const struct crmgov_host *host, const struct route_config *rc,
                                const char *system)
{
    if (rc->fallback_owner)
        return rc->fallback_owner;
    const struct crmgov_ownership_service *svc = ownership(host);
    if (svc)
        return svc->fallback_owner(svc, system);
    const char *configured = host->config_global(host, "layer:ownership", "fallback_owner");
    return configured && *configured ? configured : NULL;
}

static size_t add_fallback(const struct crmgov_host *host, const struct route_config *rc,
                           const struct crmgov_finding *f, struct recipients *out)
{
    const char *id = fallback_for(host, rc, f->system);
    if (!id)
        return 0;
    struct principal_facts pf;
    principal_facts(host, f->system, id, &pf);
    size_t added = 0;
    if (!pf.known || pf.active) {
        struct recipient r = { 0 };
        make_person(host, f->system, id, "fallback", &pf, &r);
        added = (size_t)recipients_add(out, &r);
        recipient_clear(&r);
    } else {
        host->log(host, CRMGOV_LOG_WARN, "fallback owner %s is deactivated in %s; %s %s "
                  "reaches nobody", id, f->system, f->rule, f->automation ? f->automation : "");
    }
    free(pf.name);
    free(pf.email);
    return added;
}

static size_t add_teams(const struct crmgov_host *host, const struct route_config *rc,
                        const struct crmgov_finding *f, struct recipients *out)
{
    size_t added = 0;
    for (size_t i = 0; i < rc->n_teams; i++) {
        if ((int)f->severity < rc->teams[i].min_severity)
            continue;
        const char *address = contact_of(host, NULL, rc->teams[i].name);
        struct recipient r = { .id = rc->teams[i].name, .address = (char *)address,
                               .as = "team" };
        char *key = address ? NULL : join3("team:", "", rc->teams[i].name);
        r.key = key ? key : (char *)address;
        added += (size_t)recipients_add(out, &r);
        free(key);
    }
    return added;
}

size_t route_finding(const struct crmgov_host *host, const struct route_config *rc,
                     const struct crmgov_finding *f, struct recipients *out)
{
    size_t before = out->n;
    if (f->automation)
        add_layer_owners(host, rc, f, out);
    if (out->n == before)
        add_fallback(host, rc, f, out);
    add_teams(host, rc, f, out);
    return out->n - before;
}

void route_channel(const char *channel, struct recipients *out)
{
    char *key = join3("channel:", "", channel);
    struct recipient r = { .key = key, .id = (char *)channel, .as = "channel" };
    recipients_add(out, &r);
    free(key);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

cJSON *recipient_json(const struct recipient *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id);
    sink_add_string_or_null(o, "system", r->system);
    sink_add_string_or_null(o, "name", r->name);
    sink_add_string_or_null(o, "address", r->address);
    cJSON_AddStringToObject(o, "as", r->as);
    return o;
}

static const char *member_string(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

int recipient_from_json(const cJSON *o, const char *key, struct recipient *out)
{
    memset(out, 0, sizeof(*out));
    const char *id = member_string(o, "id");
    if (!id || !key)
        return -1;
    const char *as = member_string(o, "as");
    out->key = dup_or_null(key);
    out->id = dup_or_null(id);
    out->system = dup_or_null(member_string(o, "system"));
    out->name = dup_or_null(member_string(o, "name"));
    out->address = dup_or_null(member_string(o, "address"));
    out->as = dup_or_null(as ? as : "owner");
    return 0;
}
