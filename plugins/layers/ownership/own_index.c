/*
 * own_index.c -- the ownership layer's model of the store: principals,
 * automations, holdings and recipients, loaded once at init and then kept in
 * step with every automation, principal and ownership event.
 *
 * The core applies an event to the store before any layer sees it, so the
 * store is the truth and this index mirrors it (the same "insert or ignore"
 * and "active_since changes only with `active`" semantics). Each callback
 * first updates the mirror, then re-judges exactly the objects the event can
 * have changed: one automation for an ownership event, the automations a
 * principal owns or receives work from for a principal event. An event that
 * changes nothing the rules read costs a hash lookup and a comparison.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "own.h"

/* ------------------------------------------------------------------------ */
/* objects                                                                   */

struct own_principal *own_principal_find(const struct own_layer *l, const char *system,
                                         const char *id)
{
    struct own_key k;
    own_key_make(&k, system, id);
    struct own_principal *p = own_map_get(&l->principals, k.buf, k.len);
    own_key_free(&k);
    return p;
}

struct own_principal *own_principal_get(struct own_layer *l, const char *system, const char *id)
{
    struct own_principal *p = own_principal_find(l, system, id);
    if (p)
        return p;
    p = own_alloc(sizeof(*p));
    p->system = own_strdup(system);
    p->id = own_strdup(id);
    p->active_since = CRMGOV_TIME_NONE;
    struct own_key k;
    own_key_make(&k, system, id);
    own_map_put(&l->principals, k.buf, k.len, p);
    own_key_free(&k);
    return p;
}

struct own_automation *own_automation_find(const struct own_layer *l, const char *system,
                                           const char *id)
{
    struct own_key k;
    own_key_make(&k, system, id);
    struct own_automation *a = own_map_get(&l->automations, k.buf, k.len);
    own_key_free(&k);
    return a;
}

struct own_automation *own_automation_get(struct own_layer *l, const char *system,
                                          const char *id)
{
    struct own_automation *a = own_automation_find(l, system, id);
    if (a)
        return a;
    a = own_alloc(sizeof(*a));
    a->system = own_strdup(system);
    a->id = own_strdup(id);
    a->first_seen = CRMGOV_TIME_NONE;
    a->deadline = CRMGOV_TIME_NONE;
    struct own_key k;
    own_key_make(&k, system, id);
    own_map_put(&l->automations, k.buf, k.len, a);
    own_key_free(&k);
    return a;
}

static int automation_active(const struct own_automation *a)
{
    return a->in_inventory && a->status == CRMGOV_STATUS_ACTIVE;
}

struct own_holding *own_holding_find(const struct own_automation *a, enum crmgov_owner_role role,
                                     const char *principal)
{
    for (size_t i = 0; i < a->holdings.n; i++) {
        struct own_holding *h = a->holdings.items[i];
        if (h->role == role && strcmp(h->principal->id, principal) == 0)
            return h;
    }
    return NULL;
}

static size_t holdings_of(const struct own_automation *a, const struct own_principal *p)
{
    size_t n = 0;
    for (size_t i = 0; i < a->holdings.n; i++)
        n += ((struct own_holding *)a->holdings.items[i])->principal == p;
    return n;
}

/* ------------------------------------------------------------------------ */
/* emails: an email action may name its recipient by address                 */

static void email_key(struct own_key *k, const char *system, const char *email)
{
    char *lower = own_strdup(email);
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    own_key_make(k, system, lower);
    free(lower);
}

static void email_unlink(struct own_layer *l, struct own_principal *p)
{
    if (!p->email)
        return;
    struct own_key k;
    email_key(&k, p->system, p->email);
    if (own_map_get(&l->emails, k.buf, k.len) == p)
        own_map_remove(&l->emails, k.buf, k.len);
    own_key_free(&k);
}

static void email_link(struct own_layer *l, struct own_principal *p)
{
    if (!p->email || !*p->email)
        return;
    struct own_key k;
    email_key(&k, p->system, p->email);
    own_map_put(&l->emails, k.buf, k.len, p);
    own_key_free(&k);
}

struct own_principal *own_recipient_resolve(const struct own_layer *l,
                                            const struct own_recipient *r)
{
    struct own_principal *t = r->target;
    if (t->known || !strchr(t->id, '@'))
        return t;
    struct own_key k;
    email_key(&k, t->system, t->id);
    struct own_principal *by_email = own_map_get(&l->emails, k.buf, k.len);
    own_key_free(&k);
    return by_email ? by_email : t;
}

/* ------------------------------------------------------------------------ */
/* principals                                                                */

static int roles_equal(const struct own_principal *p, const char *const *roles, size_t n)
{
    if (p->n_roles != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(p->roles[i], roles[i]) != 0)
            return 0;
    return 1;
}

static int string_changed(const char *old, const char *new_value)
{
    return new_value && (!old || strcmp(old, new_value) != 0);
}

static void set_roles(struct own_principal *p, const char *const *roles, size_t n)
{
    for (size_t i = 0; i < p->n_roles; i++)
        free(p->roles[i]);
    free(p->roles);
    p->roles = n ? own_alloc(n * sizeof(char *)) : NULL;
    p->n_roles = n;
    p->service = 0;
    for (size_t i = 0; i < n; i++) {
        p->roles[i] = own_strdup(roles[i]);
        p->service |= strcmp(roles[i], "service") == 0;
    }
}

/* Mirrors the principals upsert of the store. Returns 1 when anything the
 * rules or their messages read changed; *old_email gets the address the
 * principal had before when it changed (caller frees). */
static int principal_apply(struct own_layer *l, struct own_principal *p,
                           const struct crmgov_principal *u, crmgov_time at, char **old_email)
{
    int active = u->active ? 1 : 0;
    int changed = !p->known || p->active != active || !roles_equal(p, u->roles, u->n_roles) ||
                  string_changed(p->name, u->name) || string_changed(p->email, u->email);
    if (!changed)
        return 0;
    if (!p->known || p->active != active)
        p->active_since = at;
    p->known = 1;
    p->active = active;
    set_roles(p, u->roles, u->n_roles);
    if (string_changed(p->name, u->name)) {
        free(p->name);
        p->name = own_strdup(u->name);
    }
    if (string_changed(p->email, u->email)) {
        email_unlink(l, p);
        *old_email = p->email;
        p->email = own_strdup(u->email);
        email_link(l, p);
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* automations and their recipients                                         */

static unsigned action_bit(enum crmgov_action_type type)
{
    switch (type) {
    case CRMGOV_ACTION_NOTIFY: return OWN_ACT_NOTIFY;
    case CRMGOV_ACTION_ASSIGN: return OWN_ACT_ASSIGN;
    case CRMGOV_ACTION_CREATE_TASK: return OWN_ACT_TASK;
    case CRMGOV_ACTION_EMAIL: return OWN_ACT_EMAIL;
    default: return 0;
    }
}

/* The people an automation directs work at, one entry per `to` text, in
 * the order of its actions. */
static size_t collect_recipients(struct own_layer *l, const char *system,
                                 const struct crmgov_automation *def,
                                 struct own_recipient **out)
{
    struct own_recipient *r = def->n_actions ? own_alloc(def->n_actions * sizeof(*r)) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < def->n_actions; i++) {
        const struct crmgov_action *act = &def->actions[i];
        unsigned bit = action_bit(act->type);
        if (!bit || !act->to || !*act->to)
            continue;
        struct own_principal *t = own_principal_get(l, system, act->to);
        size_t j = 0;
        while (j < n && r[j].target != t)
            j++;
        if (j == n)
            r[n++] = (struct own_recipient){ .target = t };
        r[j].actions |= bit;
    }
    *out = r;
    return n;
}

static int recipients_equal(const struct own_automation *a, const struct own_recipient *r,
                            size_t n)
{
    if (a->n_recipients != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (a->recipients[i].target != r[i].target || a->recipients[i].actions != r[i].actions)
            return 0;
    return 1;
}

static void set_recipients(struct own_automation *a, struct own_recipient *r, size_t n)
{
    for (size_t i = 0; i < a->n_recipients; i++)
        own_vec_remove(&a->recipients[i].target->targeted_by, a);
    free(a->recipients);
    a->recipients = r;
    a->n_recipients = n;
    for (size_t i = 0; i < n; i++)
        own_vec_push(&r[i].target->targeted_by, a);
}

/* Adds delta to the active-owned count of each distinct holder of a and
 * re-judges their load (OWN004). */
static int recount_holders(struct own_layer *l, struct own_automation *a, int delta,
                           crmgov_time at)
{
    int rc = CRMGOV_OK;
    l->visit++;
    for (size_t i = 0; i < a->holdings.n; i++) {
        struct own_principal *p = ((struct own_holding *)a->holdings.items[i])->principal;
        if (p->mark == l->visit)
            continue;
        p->mark = l->visit;
        p->active_owned = (size_t)((long long)p->active_owned + delta);
        if (own_judge_principal(l, p, at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    }
    return rc;
}

/* Mirrors an automation definition; 1 when status, name or recipients
 * changed (or it is new to the inventory). */
static int automation_apply(struct own_layer *l, struct own_automation *a, const char *system,
                            const struct crmgov_automation *def, crmgov_time first_seen,
                            int *was_active)
{
    struct own_recipient *r;
    size_t n = collect_recipients(l, system, def, &r);
    *was_active = automation_active(a);
    int changed = !a->in_inventory || a->status != def->status ||
                  string_changed(a->name, def->name) || !recipients_equal(a, r, n);
    if (!changed) {
        free(r);
        return 0;
    }
    if (!a->in_inventory)
        a->first_seen = first_seen;
    a->in_inventory = 1;
    a->status = def->status;
    if (string_changed(a->name, def->name)) {
        free(a->name);
        a->name = own_strdup(def->name);
    }
    if (recipients_equal(a, r, n))
        free(r);
    else
        set_recipients(a, r, n);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* holdings                                                                  */

static void holding_insert_sorted(struct own_automation *a, struct own_holding *h)
{
    own_vec_push(&a->holdings, h);
    size_t i = a->holdings.n - 1;
    while (i > 0) {
        struct own_holding *prev = a->holdings.items[i - 1];
        if (prev->role < h->role ||
            (prev->role == h->role && strcmp(prev->principal->id, h->principal->id) < 0))
            break;
        a->holdings.items[i] = prev;
        i--;
    }
    a->holdings.items[i] = h;
}

static struct own_holding *holding_add(struct own_layer *l, struct own_automation *a,
                                       enum crmgov_owner_role role, const char *principal,
                                       crmgov_time since, const char *assigned_by)
{
    if (own_holding_find(a, role, principal))
        return NULL;
    struct own_holding *h = own_alloc(sizeof(*h));
    h->automation = a;
    h->principal = own_principal_get(l, a->system, principal);
    h->role = role;
    h->since = since;
    h->assigned_by = own_strdup(assigned_by ? assigned_by : "event");
    holding_insert_sorted(a, h);
    own_vec_push(&h->principal->holdings, h);
    if (automation_active(a) && holdings_of(a, h->principal) == 1)
        h->principal->active_owned++;
    return h;
}

static void holding_remove(struct own_automation *a, struct own_holding *h)
{
    own_vec_remove(&a->holdings, h);
    own_vec_remove(&h->principal->holdings, h);
    if (automation_active(a) && holdings_of(a, h->principal) == 0)
        h->principal->active_owned--;
    free(h->assigned_by);
    free(h);
}

/* ------------------------------------------------------------------------ */
/* event callbacks                                                           */

static int ensure_reconciled(struct own_layer *l, crmgov_time at)
{
    if (l->reconciled)
        return CRMGOV_OK;
    l->reconciled = 1;
    return own_reconcile(l, at);
}

int own_on_automation(void *state, const struct crmgov_event *ev)
{
    struct own_layer *l = state;
    int rc = ensure_reconciled(l, ev->at);
    const struct crmgov_automation *def = ev->u.automation;
    struct own_automation *a = own_automation_get(l, ev->system, def->id);
    int was_active;
    if (!automation_apply(l, a, ev->system, def, ev->at, &was_active))
        return rc;
    int is_active = automation_active(a);
    if (was_active != is_active && recount_holders(l, a, is_active ? 1 : -1, ev->at))
        rc = CRMGOV_ERROR;
    if (own_judge_automation(l, a, ev->at, ev->at) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    return rc;
}

/* Re-judges every automation with an open OWN001/OWN002 in a system: their
 * messages name the fallback owner, whose standing just changed. */
static int rejudge_orphans(struct own_layer *l, const char *system, crmgov_time at)
{
    struct own_vec todo = { 0 };
    l->visit++;
    for (size_t i = 0; i < l->findings.cap; i++) {
        struct own_finding *f = l->findings.slots[i].key ? l->findings.slots[i].value : NULL;
        if (!f || (f->rule != OWN001 && f->rule != OWN002) || strcmp(f->system, system) != 0)
            continue;
        struct own_automation *a = own_automation_find(l, system, f->automation);
        if (a && a->mark != l->visit) {
            a->mark = l->visit;
            own_vec_push(&todo, a);
        }
    }
    int rc = CRMGOV_OK;
    for (size_t i = 0; i < todo.n; i++)
        if (own_judge_automation(l, todo.items[i], at, at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    own_vec_free(&todo);
    return rc;
}

static void collect_targeting(struct own_layer *l, const char *system, const char *text,
                              struct own_vec *todo)
{
    struct own_principal *placeholder = text ? own_principal_find(l, system, text) : NULL;
    if (!placeholder)
        return;
    for (size_t i = 0; i < placeholder->targeted_by.n; i++) {
        struct own_automation *a = placeholder->targeted_by.items[i];
        if (a->mark != l->visit) {
            a->mark = l->visit;
            own_vec_push(todo, a);
        }
    }
}

/* The automations a change of principal p can affect: what it owns, what
 * targets it by id, and what targets it by (old or new) email address. */
static void collect_affected(struct own_layer *l, struct own_principal *p,
                             const char *old_email, struct own_vec *todo)
{
    l->visit++;
    for (size_t i = 0; i < p->holdings.n; i++) {
        struct own_automation *a = ((struct own_holding *)p->holdings.items[i])->automation;
        if (a->mark != l->visit) {
            a->mark = l->visit;
            own_vec_push(todo, a);
        }
    }
    collect_targeting(l, p->system, p->id, todo);
    collect_targeting(l, p->system, p->email, todo);
    collect_targeting(l, p->system, old_email, todo);
}

int own_on_principal(void *state, const struct crmgov_event *ev)
{
    struct own_layer *l = state;
    int rc = ensure_reconciled(l, ev->at);
    const struct crmgov_principal *u = ev->u.principal;
    struct own_principal *p = own_principal_get(l, ev->system, u->id);
    int was_active = p->known && p->active;
    char *old_email = NULL;
    if (!principal_apply(l, p, u, ev->at, &old_email))
        return rc;
    struct own_vec todo = { 0 };
    collect_affected(l, p, old_email, &todo);
    for (size_t i = 0; i < todo.n; i++)
        if (own_judge_automation(l, todo.items[i], ev->at, ev->at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    own_vec_free(&todo);
    free(old_email);
    if (own_judge_principal(l, p, ev->at) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    if (l->fallback && strcmp(l->fallback, p->id) == 0 && was_active != p->active &&
        rejudge_orphans(l, ev->system, ev->at) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    return rc;
}

static const char *assigned_by(const struct crmgov_event *ev)
{
    const struct crmgov_ownership *w = ev->u.ownership;
    return w->actor ? w->actor : ev->source ? ev->source : "event";
}

int own_on_ownership(void *state, const struct crmgov_event *ev)
{
    struct own_layer *l = state;
    int rc = ensure_reconciled(l, ev->at);
    const struct crmgov_ownership *w = ev->u.ownership;
    if ((unsigned)w->role >= OWN_ROLES)
        return rc;
    struct own_automation *a = own_automation_get(l, ev->system, w->automation);
    struct own_vec touched = { 0 };
    if (w->principal) {
        struct own_holding *h =
            holding_add(l, a, w->role, w->principal, ev->at, assigned_by(ev));
        if (!h)
            return rc; /* already held: nothing changed */
        own_vec_push(&touched, h->principal);
    } else {
        for (size_t i = a->holdings.n; i-- > 0;) {
            struct own_holding *h = a->holdings.items[i];
            if (h->role != w->role || (w->remove_only && strcmp(h->principal->id,
                                                                w->remove_only) != 0))
                continue;
            own_vec_push(&touched, h->principal);
            holding_remove(a, h);
        }
    }
    for (size_t i = 0; i < touched.n; i++)
        if (own_judge_principal(l, touched.items[i], ev->at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    own_vec_free(&touched);
    if (own_judge_automation(l, a, ev->at, ev->at) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    return rc;
}

int own_on_tick(void *state, const struct crmgov_event *ev)
{
    struct own_layer *l = state;
    int rc = ensure_reconciled(l, ev->at);
    if (own_run_deadlines(l, ev->at) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    if (own_refresh_daily(l, ev->at) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* loading from the store                                                    */

static int load_principal(void *ctx, const struct crmgov_principal_item *item)
{
    struct own_layer *l = ctx;
    struct own_principal *p = own_principal_get(l, item->system, item->principal->id);
    char *old_email = NULL;
    principal_apply(l, p, item->principal, item->active_since, &old_email);
    free(old_email);
    p->active_since = item->active_since;
    return 0;
}

static int load_automation(void *ctx, const struct crmgov_inventory_item *item)
{
    struct own_layer *l = ctx;
    struct own_automation *a = own_automation_get(l, item->system, item->automation->id);
    int was_active;
    automation_apply(l, a, item->system, item->automation, item->first_seen, &was_active);
    return 0;
}

static int load_owner(void *ctx, const struct crmgov_owner_item *item)
{
    struct own_layer *l = ctx;
    if ((unsigned)item->role >= OWN_ROLES)
        return 0;
    struct own_automation *a = own_automation_get(l, item->system, item->automation);
    holding_add(l, a, item->role, item->principal, item->since, item->assigned_by);
    return 0;
}

static int load_finding(void *ctx, const struct crmgov_finding *f)
{
    if (f->state != CRMGOV_FINDING_RESOLVED)
        own_finding_adopt(ctx, f);
    return 0;
}

int own_index_load(struct own_layer *l)
{
    const struct crmgov_host *h = l->host;
    struct crmgov_finding_filter filter = { .struct_size = sizeof(filter),
                                            .layer = "ownership", .state = -1,
                                            .min_severity = -1 };
    if (h->principals_scan(h, NULL, load_principal, l) < 0 ||
        h->inventory_scan(h, NULL, load_automation, l) < 0 ||
        h->owners_scan(h, NULL, NULL, load_owner, l) < 0 ||
        h->findings_scan(h, &filter, load_finding, l) < 0) {
        h->set_error(h, "cannot load principals, inventory, owners or findings from the store");
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* freeing                                                                   */

static void principal_free(struct own_principal *p)
{
    free(p->system);
    free(p->id);
    free(p->name);
    free(p->email);
    for (size_t i = 0; i < p->n_roles; i++)
        free(p->roles[i]);
    free(p->roles);
    own_vec_free(&p->holdings);
    own_vec_free(&p->targeted_by);
    free(p);
}

static void automation_free(struct own_automation *a)
{
    for (size_t i = 0; i < a->holdings.n; i++) {
        struct own_holding *h = a->holdings.items[i];
        free(h->assigned_by);
        free(h);
    }
    own_vec_free(&a->holdings);
    own_vec_free(&a->findings);
    free(a->recipients);
    free(a->system);
    free(a->id);
    free(a->name);
    free(a);
}

void own_index_free(struct own_layer *l)
{
    for (size_t i = 0; i < l->findings.cap; i++)
        if (l->findings.slots[i].key)
            own_finding_free(l->findings.slots[i].value);
    for (size_t i = 0; i < l->stray.n; i++)
        own_finding_free(l->stray.items[i]);
    own_vec_free(&l->stray);
    for (size_t i = 0; i < l->automations.cap; i++)
        if (l->automations.slots[i].key)
            automation_free(l->automations.slots[i].value);
    for (size_t i = 0; i < l->principals.cap; i++)
        if (l->principals.slots[i].key)
            principal_free(l->principals.slots[i].value);
    own_map_free(&l->findings);
    own_map_free(&l->automations);
    own_map_free(&l->principals);
    own_map_free(&l->emails);
    own_heap_free(&l->deadlines);
}

int own_holding_cmp(const void *x, const void *y)
{
    const struct own_holding *a = *(const struct own_holding *const *)x;
    const struct own_holding *b = *(const struct own_holding *const *)y;
    int c = strcmp(a->automation->system, b->automation->system);
    if (!c)
        c = strcmp(a->automation->id, b->automation->id);
    return c ? c : (int)a->role - (int)b->role;
}
