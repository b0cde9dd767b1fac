/*
 * own_rules.c -- the judgement of OWN001-OWN005 and the bookkeeping of the
 * layer's open findings.
 *
 * Judging is a pure function of the mirrored model and an event time t. The
 * layer judges one object at a time (an automation for OWN001/002/003/005, a
 * principal for OWN004): it computes the findings that should be open for
 * it, raises the ones that are new or whose message changed, and resolves
 * the ones it had open that are no longer wanted. Which of its findings are
 * open is kept in memory (loaded from the store at init), so re-judging an
 * unchanged object writes nothing, and sinks hear only of real transitions.
 *
 * Time enters in two places -- `settle` after an automation is first seen,
 * and `grace` after an owner is deactivated (or named while unknown) -- and
 * both become a deadline on the automation: the earliest time at which its
 * verdict can change without any event. The deadline heap re-judges it on
 * the first tick at or after that time, stamping a new finding with the
 * deadline itself, so replays give the same first_seen whatever the tick.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "own.h"

#define MS_PER_DAY 86400000LL

static const struct {
    const char *code;
    const char *name;
    enum crmgov_severity severity;
} rule_table[OWN_RULE_COUNT] = {
    [OWN001] = { "OWN001", "unowned", CRMGOV_SEVERITY_MEDIUM },
    [OWN002] = { "OWN002", "orphaned", CRMGOV_SEVERITY_HIGH },
    [OWN003] = { "OWN003", "dead-end-recipient", CRMGOV_SEVERITY_HIGH },
    [OWN004] = { "OWN004", "owner-overload", CRMGOV_SEVERITY_MEDIUM },
    [OWN005] = { "OWN005", "owner-without-access", CRMGOV_SEVERITY_MEDIUM },
};

static const char *const role_names[OWN_ROLES] = { "system", "decision", "outcome" };

const char *own_rule_code(enum own_rule r)
{
    return rule_table[r].code;
}

const char *own_rule_name(enum own_rule r)
{
    return rule_table[r].name;
}

const char *own_role_name(enum crmgov_owner_role role)
{
    return (unsigned)role < OWN_ROLES ? role_names[role] : "?";
}

int own_role_parse(const char *text)
{
    for (int i = 0; i < OWN_ROLES; i++)
        if (text && strcmp(text, role_names[i]) == 0)
            return i;
    return -1;
}

static int rule_parse(const char *code)
{
    for (int i = 0; i < OWN_RULE_COUNT; i++)
        if (code && strcmp(code, rule_table[i].code) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* standing of owners and verdict of roles                                   */

int own_holder_eligible(const struct own_holding *h)
{
    return h->role == CRMGOV_ROLE_SYSTEM || !h->principal->service;
}

enum crmgov_owner_standing own_standing(const struct own_layer *l, const struct own_holding *h,
                                        crmgov_time t, crmgov_time *ends)
{
    const struct own_principal *p = h->principal;
    *ends = CRMGOV_TIME_NONE;
    if (p->known && p->active)
        return CRMGOV_OWNER_ACTIVE;
    crmgov_time end;
    if (p->known) {
        end = p->active_since + l->grace_ms;
    } else {
        int64_t wait = l->grace_ms > l->settle_ms ? l->grace_ms : l->settle_ms;
        end = h->since + wait;
    }
    if (t < end) {
        *ends = end;
        return CRMGOV_OWNER_GRACE;
    }
    return p->known ? CRMGOV_OWNER_DEACTIVATED : CRMGOV_OWNER_UNKNOWN;
}

enum own_role_verdict own_role_verdict(const struct own_layer *l, const struct own_automation *a,
                                       enum crmgov_owner_role role, crmgov_time t,
                                       crmgov_time *pending)
{
    size_t eligible = 0;
    crmgov_time last_grace = CRMGOV_TIME_NONE;
    *pending = CRMGOV_TIME_NONE;
    for (size_t i = 0; i < a->holdings.n; i++) {
        const struct own_holding *h = a->holdings.items[i];
        if (h->role != role || !own_holder_eligible(h))
            continue;
        eligible++;
        crmgov_time ends;
        enum crmgov_owner_standing s = own_standing(l, h, t, &ends);
        if (s == CRMGOV_OWNER_ACTIVE)
            return OWN_ROLE_OK;
        if (s == CRMGOV_OWNER_GRACE && ends > last_grace)
            last_grace = ends;
    }
    if (!eligible)
        return OWN_ROLE_UNOWNED;
    if (last_grace != CRMGOV_TIME_NONE) {
        *pending = last_grace; /* orphaned then, unless someone acts */
        return OWN_ROLE_OK;
    }
    return OWN_ROLE_ORPHANED;
}

const char *own_fallback_for(const struct own_layer *l, const char *system)
{
    if (!l->fallback)
        return NULL;
    const struct own_principal *p = own_principal_find(l, system, l->fallback);
    return p && p->known && !p->active ? NULL : l->fallback;
}

/* ------------------------------------------------------------------------ */
/* open findings                                                             */

static void finding_key_of(struct own_key *k, enum own_rule rule, const char *system,
                           const char *automation, const char *subject)
{
    const char *parts[4] = { own_rule_code(rule), system, automation, subject };
    own_key_parts(k, parts, 4);
}

static void finding_key(struct own_finding *f)
{
    struct own_key k;
    finding_key_of(&k, f->rule, f->system, f->automation, f->subject);
    f->key = own_alloc(k.len + 1);
    memcpy(f->key, k.buf, k.len + 1);
    f->key_len = k.len;
    own_key_free(&k);
}

void own_finding_free(struct own_finding *f)
{
    if (!f)
        return;
    free(f->key);
    free(f->system);
    free(f->automation);
    free(f->subject);
    free(f->message);
    free(f->evidence);
    free(f);
}

static struct own_finding *finding_new(enum own_rule rule, const char *system,
                                       const char *automation, const char *subject)
{
    struct own_finding *f = own_alloc(sizeof(*f));
    f->rule = rule;
    f->system = own_strdup(system);
    f->automation = own_strdup_opt(automation);
    f->subject = own_strdup_opt(subject);
    f->severity = rule_table[rule].severity;
    finding_key(f);
    return f;
}

static int finding_raise(struct own_layer *l, const struct own_finding *f, crmgov_time at)
{
    struct crmgov_finding cf = {
        .struct_size = sizeof(cf), .rule = own_rule_code(f->rule),
        .name = own_rule_name(f->rule), .severity = f->severity, .system = f->system,
        .automation = f->automation, .subject = f->subject, .message = f->message,
        .evidence_json = f->evidence,
    };
    return l->host->finding_raise(l->host, &cf, at);
}

/* What one judgement wants open: the finding's key, message and evidence
 * (both owned by the request). */
struct want {
    enum own_rule rule;
    const char *system;
    const char *automation;
    const char *subject;
    char *message;
    char *evidence;
};

/* Keeps the wanted finding open: raises it when new or changed, marks it as
 * confirmed by this pass. Returns it, or NULL when the store refused. */
static struct own_finding *want(struct own_layer *l, struct want *w, crmgov_time at, int *is_new)
{
    struct own_key k;
    finding_key_of(&k, w->rule, w->system, w->automation, w->subject);
    struct own_finding *f = own_map_get(&l->findings, k.buf, k.len);
    own_key_free(&k);
    *is_new = !f;
    if (f && f->message && strcmp(f->message, w->message) == 0 && f->evidence &&
        strcmp(f->evidence, w->evidence) == 0) {
        free(w->message);
        free(w->evidence);
        f->pass = l->pass;
        return f;
    }
    if (!f)
        f = finding_new(w->rule, w->system, w->automation, w->subject);
    free(f->message);
    free(f->evidence);
    f->message = w->message;
    f->evidence = w->evidence;
    f->pass = l->pass;
    if (*is_new)
        own_map_put(&l->findings, f->key, f->key_len, f);
    return finding_raise(l, f, at) == CRMGOV_OK ? f : NULL;
}

static int resolve(struct own_layer *l, struct own_finding *f, crmgov_time at)
{
    int rc = l->host->finding_resolve(l->host, own_rule_code(f->rule), f->system, f->automation,
                                      f->subject, at);
    own_map_remove(&l->findings, f->key, f->key_len);
    own_finding_free(f);
    return rc;
}

static int want_for_automation(struct own_layer *l, struct own_automation *a, struct want *w,
                               crmgov_time at)
{
    int is_new;
    struct own_finding *f = want(l, w, at, &is_new);
    if (f && is_new)
        own_vec_push(&a->findings, f);
    return f ? CRMGOV_OK : CRMGOV_ERROR;
}

static int resolve_unconfirmed(struct own_layer *l, struct own_automation *a, crmgov_time at)
{
    int rc = CRMGOV_OK;
    for (size_t i = a->findings.n; i-- > 0;) {
        struct own_finding *f = a->findings.items[i];
        if (f->pass == l->pass)
            continue;
        own_vec_remove(&a->findings, f);
        if (resolve(l, f, at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    }
    return rc;
}

void own_finding_adopt(struct own_layer *l, const struct crmgov_finding *cf)
{
    int rule = rule_parse(cf->rule);
    int usable = rule >= 0 && cf->system && cf->subject &&
                 (rule == OWN004 ? !cf->automation : cf->automation != NULL);
    struct own_finding *f =
        finding_new(rule >= 0 ? (enum own_rule)rule : OWN001, cf->system ? cf->system : "",
                    cf->automation, cf->subject);
    f->severity = cf->severity;
    f->message = own_strdup(cf->message ? cf->message : "");
    f->evidence = own_strdup(cf->evidence_json ? cf->evidence_json : "{}");
    if (!usable) {
        free(f->key); /* keep the real rule code for the resolution */
        f->key = own_strdup(cf->rule ? cf->rule : "");
        own_vec_push(&l->stray, f);
        return;
    }
    own_map_put(&l->findings, f->key, f->key_len, f);
    if (rule == OWN004)
        own_principal_get(l, f->system, f->subject)->overload = f;
    else
        own_vec_push(&own_automation_get(l, f->system, f->automation)->findings, f);
}

/* ------------------------------------------------------------------------ */
/* text helpers for messages and evidence                                    */

/* The date of t (messages are read by people; evidence keeps the time). */
static const char *when(const struct own_layer *l, crmgov_time t, char buf[32])
{
    if (t == CRMGOV_TIME_NONE)
        return "an unknown date";
    l->host->time_format(t, buf);
    buf[10] = '\0';
    return buf;
}

static char *who(const struct own_principal *p)
{
    return p->name ? own_printf("%s (%s)", p->id, p->name) : own_strdup(p->id);
}

static char *json_text(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        abort();
    char *copy = own_strdup(text);
    cJSON_free(text);
    return copy;
}

static void add_time(const struct own_layer *l, cJSON *o, const char *key, crmgov_time t)
{
    if (t == CRMGOV_TIME_NONE) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    char buf[32];
    cJSON_AddStringToObject(o, key, l->host->time_format(t, buf));
}

static void add_fallback(const struct own_layer *l, cJSON *o, const char *system)
{
    const char *fallback = own_fallback_for(l, system);
    if (fallback)
        cJSON_AddStringToObject(o, "fallback_owner", fallback);
    else
        cJSON_AddNullToObject(o, "fallback_owner");
    if (l->fallback && !fallback)
        cJSON_AddStringToObject(o, "fallback_owner_unavailable", l->fallback);
}

/* "; fallback owner u-1 should act" and its variants. */
static char *fallback_clause(const struct own_layer *l, const char *system, const char *act)
{
    const char *fallback = own_fallback_for(l, system);
    if (fallback)
        return own_printf("; fallback owner %s should %s", fallback, act);
    if (l->fallback)
        return own_printf("; the fallback owner %s is deactivated in %s", l->fallback, system);
    return own_strdup("; no fallback owner is configured");
}

/* Appends "a, b and c" style joins. */
static char *join_words(const char *const *words, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(words[i]) + 5;
    char *out = own_alloc(len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, i + 1 == n ? " and " : ", ");
        strcat(out, words[i]);
    }
    return out;
}

/* ------------------------------------------------------------------------ */
/* OWN001 / OWN002                                                           */

static int want_unowned(struct own_layer *l, struct own_automation *a,
                        enum crmgov_owner_role role, crmgov_time at)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "role", own_role_name(role));
    cJSON *service = NULL;
    for (size_t i = 0; i < a->holdings.n; i++) {
        const struct own_holding *h = a->holdings.items[i];
        if (h->role != role)
            continue;
        if (!service)
            service = cJSON_AddArrayToObject(ev, "service_holders");
        cJSON_AddItemToArray(service, cJSON_CreateString(h->principal->id));
    }
    add_fallback(l, ev, a->system);
    char *tail = fallback_clause(l, a->system, "assign one");
    char *message = own_printf("%s has no %s owner%s%s", a->id, own_role_name(role),
                               service ? " (service accounts cannot hold this role)" : "",
                               tail);
    free(tail);
    struct want w = { OWN001, a->system, a->id, own_role_name(role), message, json_text(ev) };
    return want_for_automation(l, a, &w, at);
}

/* One holder of an orphaned role, for message and evidence. */
static char *orphan_reason(const struct own_layer *l, const struct own_holding *h,
                           enum crmgov_owner_standing s, cJSON *list)
{
    const struct own_principal *p = h->principal;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "principal", p->id);
    char *name = who(p), *text;
    if (s == CRMGOV_OWNER_DEACTIVATED) {
        char buf[32];
        cJSON_AddStringToObject(o, "state", "deactivated");
        add_time(l, o, "deactivated_at", p->active_since);
        text = own_printf("%s was deactivated on %s", name, when(l, p->active_since, buf));
    } else {
        cJSON_AddStringToObject(o, "state", "unknown");
        add_time(l, o, "assigned_at", h->since);
        text = own_printf("%s is unknown in %s", name, p->system);
    }
    cJSON_AddItemToArray(list, o);
    free(name);
    return text;
}

static int want_orphaned(struct own_layer *l, struct own_automation *a,
                         enum crmgov_owner_role role, crmgov_time t, crmgov_time at)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "role", own_role_name(role));
    cJSON *owners = cJSON_AddArrayToObject(ev, "owners");
    char *reasons[64] = { 0 };
    size_t n = 0;
    for (size_t i = 0; i < a->holdings.n; i++) {
        const struct own_holding *h = a->holdings.items[i];
        if (h->role != role || !own_holder_eligible(h))
            continue;
        crmgov_time ends;
        enum crmgov_owner_standing s = own_standing(l, h, t, &ends);
        char *reason = orphan_reason(l, h, s, owners);
        if (n < 64)
            reasons[n++] = reason;
        else
            free(reason);
    }
    add_fallback(l, ev, a->system);
    char *list = join_words((const char *const *)reasons, n);
    char *tail = fallback_clause(l, a->system, "act");
    char *message = own_printf("%s has no active %s owner: %s%s", a->id, own_role_name(role),
                               list, tail);
    for (size_t i = 0; i < n; i++)
        free(reasons[i]);
    free(list);
    free(tail);
    struct want w = { OWN002, a->system, a->id, own_role_name(role), message, json_text(ev) };
    return want_for_automation(l, a, &w, at);
}

static crmgov_time earliest(crmgov_time a, crmgov_time b)
{
    if (a == CRMGOV_TIME_NONE)
        return b;
    if (b == CRMGOV_TIME_NONE)
        return a;
    return a < b ? a : b;
}

static int judge_roles(struct own_layer *l, struct own_automation *a, crmgov_time t,
                       crmgov_time at, crmgov_time *next)
{
    if (a->first_seen != CRMGOV_TIME_NONE && t < a->first_seen + l->settle_ms) {
        *next = earliest(*next, a->first_seen + l->settle_ms);
        return CRMGOV_OK; /* connectors may still be delivering its owners */
    }
    int rc = CRMGOV_OK;
    for (int role = 0; role < OWN_ROLES; role++) {
        if (!(l->required_roles & (1u << role)))
            continue;
        crmgov_time pending;
        enum own_role_verdict v = own_role_verdict(l, a, (enum crmgov_owner_role)role, t,
                                                   &pending);
        *next = earliest(*next, pending);
        if (v == OWN_ROLE_UNOWNED)
            rc |= want_unowned(l, a, (enum crmgov_owner_role)role, at);
        else if (v == OWN_ROLE_ORPHANED)
            rc |= want_orphaned(l, a, (enum crmgov_owner_role)role, t, at);
    }
    return rc ? CRMGOV_ERROR : CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* OWN003                                                                    */

static const struct {
    unsigned bit;
    const char *type;
    const char *verb;
} action_words[] = {
    { OWN_ACT_NOTIFY, "notify", "notifies" },
    { OWN_ACT_ASSIGN, "assign", "assigns records to" },
    { OWN_ACT_TASK, "create_task", "creates tasks for" },
    { OWN_ACT_EMAIL, "email", "emails" },
};

static int want_dead_end(struct own_layer *l, struct own_automation *a,
                         const struct own_principal *p, unsigned actions, const char *to,
                         crmgov_time at)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "principal", p->id);
    cJSON *types = cJSON_AddArrayToObject(ev, "actions");
    const char *verbs[4];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(action_words) / sizeof(action_words[0]); i++) {
        if (!(actions & action_words[i].bit))
            continue;
        cJSON_AddItemToArray(types, cJSON_CreateString(action_words[i].type));
        verbs[n++] = action_words[i].verb;
    }
    add_time(l, ev, "deactivated_at", p->active_since);
    if (strcmp(to, p->id) != 0)
        cJSON_AddStringToObject(ev, "to", to);
    if (p->service)
        cJSON_AddBoolToObject(ev, "service", 1);
    char *verb = join_words(verbs, n), *name = who(p), buf[32];
    char *message = own_printf("%s %s %s%s, who was deactivated on %s", a->id, verb,
                               p->service ? "service account " : "", name,
                               when(l, p->active_since, buf));
    free(verb);
    free(name);
    struct want w = { OWN003, a->system, a->id, p->id, message, json_text(ev) };
    return want_for_automation(l, a, &w, at);
}

static int judge_recipients(struct own_layer *l, struct own_automation *a, crmgov_time at)
{
    int rc = CRMGOV_OK;
    l->visit++;
    for (size_t i = 0; i < a->n_recipients; i++) {
        struct own_principal *p = own_recipient_resolve(l, &a->recipients[i]);
        if (!p->known || p->active || p->mark == l->visit)
            continue;
        p->mark = l->visit;
        unsigned actions = 0;
        for (size_t j = i; j < a->n_recipients; j++)
            if (own_recipient_resolve(l, &a->recipients[j]) == p)
                actions |= a->recipients[j].actions;
        rc |= want_dead_end(l, a, p, actions, a->recipients[i].target->id, at);
    }
    return rc ? CRMGOV_ERROR : CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* OWN005                                                                    */

static int has_owner_role(const struct own_layer *l, const struct own_principal *p)
{
    for (size_t i = 0; i < p->n_roles; i++)
        for (size_t j = 0; j < l->n_owner_roles; j++)
            if (strcmp(p->roles[i], l->owner_roles[j]) == 0)
                return 1;
    return 0;
}

static cJSON *string_array(const char *const *items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

static int want_without_access(struct own_layer *l, struct own_automation *a,
                               const struct own_principal *p, crmgov_time at)
{
    const char *held[OWN_ROLES];
    size_t n = 0;
    for (size_t i = 0; i < a->holdings.n; i++) {
        const struct own_holding *h = a->holdings.items[i];
        if (h->principal == p && n < OWN_ROLES)
            held[n++] = own_role_name(h->role);
    }
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "principal", p->id);
    cJSON_AddItemToObject(ev, "ownership_roles", string_array(held, n));
    cJSON_AddItemToObject(ev, "principal_roles",
                          string_array((const char *const *)p->roles, p->n_roles));
    cJSON_AddItemToObject(ev, "owner_roles", string_array(l->owner_roles, l->n_owner_roles));
    char *held_text = join_words(held, n);
    char *wanted = join_words(l->owner_roles, l->n_owner_roles);
    char *name = who(p);
    char *message = own_printf("%s owns %s (%s) but %s %s", name, a->id, held_text,
                               l->n_owner_roles == 1 ? "lacks the role" : "has none of the roles",
                               wanted);
    free(held_text);
    free(wanted);
    free(name);
    struct want w = { OWN005, a->system, a->id, p->id, message, json_text(ev) };
    return want_for_automation(l, a, &w, at);
}

static int judge_access(struct own_layer *l, struct own_automation *a, crmgov_time at)
{
    if (!l->n_owner_roles)
        return CRMGOV_OK;
    int rc = CRMGOV_OK;
    l->visit++;
    for (size_t i = 0; i < a->holdings.n; i++) {
        struct own_principal *p = ((struct own_holding *)a->holdings.items[i])->principal;
        if (p->mark == l->visit)
            continue;
        p->mark = l->visit;
        if (p->known && p->active && !p->service && !has_owner_role(l, p))
            rc |= want_without_access(l, a, p, at);
    }
    return rc ? CRMGOV_ERROR : CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* judging objects                                                           */

static void schedule(struct own_layer *l, struct own_automation *a, crmgov_time next)
{
    if (next == a->deadline)
        return;
    a->deadline = next; /* older heap entries for a are now stale */
    if (next != CRMGOV_TIME_NONE)
        own_heap_push(&l->deadlines, next, a);
}

int own_judge_automation(struct own_layer *l, struct own_automation *a, crmgov_time t,
                         crmgov_time at)
{
    l->pass++;
    int rc = CRMGOV_OK;
    crmgov_time next = CRMGOV_TIME_NONE;
    if (a->in_inventory && a->status == CRMGOV_STATUS_ACTIVE) {
        rc |= judge_roles(l, a, t, at, &next);
        rc |= judge_recipients(l, a, at);
        rc |= judge_access(l, a, at);
    }
    schedule(l, a, next);
    rc |= resolve_unconfirmed(l, a, t);
    return rc ? CRMGOV_ERROR : CRMGOV_OK;
}

int own_judge_principal(struct own_layer *l, struct own_principal *p, crmgov_time at)
{
    int overloaded = !p->service && !(p->known && !p->active) &&
                     (int64_t)p->active_owned > l->max_owned;
    if (!overloaded) {
        struct own_finding *f = p->overload;
        p->overload = NULL;
        return f ? resolve(l, f, at) : CRMGOV_OK;
    }
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "principal", p->id);
    cJSON_AddNumberToObject(ev, "owned", (double)p->active_owned);
    cJSON_AddNumberToObject(ev, "max_owned", (double)l->max_owned);
    char *name = who(p);
    char *message = own_printf("%s owns %zu active automations in %s, more than max_owned %lld "
                               "(crmgov owners list --principal %s)", name, p->active_owned,
                               p->system, (long long)l->max_owned, p->id);
    free(name);
    struct want w = { OWN004, p->system, NULL, p->id, message, json_text(ev) };
    l->pass++;
    int is_new;
    struct own_finding *f = want(l, &w, at, &is_new);
    if (f)
        p->overload = f;
    return f ? CRMGOV_OK : CRMGOV_ERROR;
}

int own_reconcile(struct own_layer *l, crmgov_time at)
{
    int rc = CRMGOV_OK;
    for (size_t i = 0; i < l->stray.n; i++) {
        struct own_finding *f = l->stray.items[i];
        /* a finding this version no longer judges: it cannot stay open */
        if (l->host->finding_resolve(l->host, f->key, f->system, f->automation, f->subject,
                                     at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
        own_finding_free(f);
    }
    own_vec_free(&l->stray);
    for (size_t i = 0; i < l->automations.cap; i++)
        if (l->automations.slots[i].key &&
            own_judge_automation(l, l->automations.slots[i].value, at, at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    for (size_t i = 0; i < l->principals.cap; i++)
        if (l->principals.slots[i].key &&
            own_judge_principal(l, l->principals.slots[i].value, at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    return rc;
}

int own_run_deadlines(struct own_layer *l, crmgov_time t)
{
    int rc = CRMGOV_OK;
    struct own_deadline d;
    while (own_heap_pop_due(&l->deadlines, t, &d)) {
        if (d.automation->deadline != d.at)
            continue; /* superseded by a later judgement */
        d.automation->deadline = CRMGOV_TIME_NONE;
        if (own_judge_automation(l, d.automation, t, d.at) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    }
    return rc;
}

static crmgov_time day_of(crmgov_time t)
{
    return t - ((t % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

int own_refresh_daily(struct own_layer *l, crmgov_time t)
{
    crmgov_time day = day_of(t);
    if (l->refreshed_day != CRMGOV_TIME_NONE && day <= l->refreshed_day)
        return CRMGOV_OK;
    int first = l->refreshed_day == CRMGOV_TIME_NONE;
    l->refreshed_day = day;
    if (first)
        return CRMGOV_OK; /* the reconcile pass has just confirmed them */
    int rc = CRMGOV_OK;
    for (size_t i = 0; i < l->findings.cap; i++)
        if (l->findings.slots[i].key && finding_raise(l, l->findings.slots[i].value, t))
            rc = CRMGOV_ERROR;
    return rc;
}
