/*
 * chg_events.c -- what the change layer does with each event: drift
 * (CHG001, CHG005) and the analysis (CHG002/003/006) on `automation`,
 * approvals and policy checks (CHG007) on `change`, review due dates
 * (CHG004) on `tick`.
 *
 * Drift is judged when the CRM shows a NEW version (a definition hash or a
 * status it did not show before), against the latest approved version at
 * that moment. An approval that the CRM has not caught up with yet is a
 * change waiting to be rolled out, not drift -- so a later approval never
 * raises CHG001, it can only resolve it (when it approves exactly what is
 * observed); and going back to a definition approved once but replaced since
 * is drift, because only the latest approval counts (EVENTS.md).
 *
 * CHG007 needs the risk of the change, which needs its definition: a change
 * record approving a hash the CRM does not show yet is kept pending and
 * judged when that version appears -- with the conflicts and cycles it
 * created at that moment. Approval by the author, or by nobody, is judged at
 * once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chg_layer.h"

static int severity_at_least(int floor, int level)
{
    int from_level = level == CHG_LEVEL_CRITICAL ? CRMGOV_SEVERITY_CRITICAL
                     : level == CHG_LEVEL_HIGH   ? CRMGOV_SEVERITY_HIGH
                     : level == CHG_LEVEL_MEDIUM ? CRMGOV_SEVERITY_MEDIUM
                                                 : CRMGOV_SEVERITY_LOW;
    return from_level > floor ? from_level : floor;
}

static void raise_finding(struct chg_layer *l, const char *rule, const char *name,
                          const struct chg_auto *a, const char *subject, int severity,
                          const char *message, cJSON *evidence, crmgov_time at)
{
    char *ev = cJSON_PrintUnformatted(evidence);
    struct crmgov_finding f = {
        .struct_size = sizeof(f), .rule = rule, .name = name,
        .severity = (enum crmgov_severity)severity, .system = chg_str(&l->st, a->sys),
        .automation = chg_str(&l->st, a->id), .subject = subject, .message = message,
        .evidence_json = ev,
    };
    l->host->finding_raise(l->host, &f, at);
    cJSON_free(ev);
}

static void resolve(struct chg_layer *l, const char *rule, const struct chg_auto *a,
                    const char *subject, crmgov_time at)
{
    l->host->finding_resolve(l->host, rule, chg_str(&l->st, a->sys), chg_str(&l->st, a->id),
                             subject, at);
}

static void add_time(const struct chg_layer *l, cJSON *obj, const char *name, crmgov_time t)
{
    if (t == CRMGOV_TIME_NONE) {
        cJSON_AddNullToObject(obj, name);
        return;
    }
    char buf[32];
    cJSON_AddStringToObject(obj, name, l->host->time_format(t, buf));
}

static int ensure_ready(struct chg_layer *l, crmgov_time at)
{
    if (chg_load(l) != CRMGOV_OK)
        return CRMGOV_ERROR;
    return chg_reconcile(l, at);
}

/* ---- drift ---------------------------------------------------------------------- */

static int matches_approval(const struct chg_auto *a)
{
    return a->observed && a->approved && a->approved_hash == a->hash &&
           a->approved_status == a->status;
}

void chg_drift_recheck(struct chg_layer *l, struct chg_auto *a, crmgov_time at)
{
    if (!a->drift || !matches_approval(a))
        return;
    resolve(l, a->drift == 5 ? "CHG005" : "CHG001", a, NULL, at);
    a->drift = 0;
}

static char *short_hash(const struct chg_layer *l, uint32_t hash)
{
    return chg_xasprintf("%.12s", hash ? chg_str(&l->st, hash) : "(none)");
}

static cJSON *drift_evidence(const struct chg_layer *l, const struct chg_auto *a, int level)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "observed_hash", chg_str(&l->st, a->hash));
    cJSON_AddStringToObject(ev, "observed_status", chg_status_name(a->status));
    if (a->approved && a->approved_hash)
        cJSON_AddStringToObject(ev, "approved_hash", chg_str(&l->st, a->approved_hash));
    else
        cJSON_AddNullToObject(ev, "approved_hash");
    if (a->approved)
        cJSON_AddStringToObject(ev, "approved_status", chg_status_name(a->approved_status));
    else
        cJSON_AddNullToObject(ev, "approved_status");
    add_time(l, ev, "approved_at", a->approved ? a->approved_at : CRMGOV_TIME_NONE);
    cJSON_AddStringToObject(ev, "risk", chg_level_name(level));
    return ev;
}

static char *drift_message(const struct chg_layer *l, const struct chg_auto *a, int prev_status,
                           int was_observed)
{
    const char *id = chg_str(&l->st, a->id);
    if (!a->approved)
        return was_observed
                   ? chg_xasprintf("%s changed and has never been approved", id)
                   : chg_xasprintf("%s appeared (status %s) without an approved change", id,
                                   chg_status_name(a->status));
    if (a->approved_hash != a->hash) {
        char *seen = short_hash(l, a->hash), *ok = short_hash(l, a->approved_hash);
        char *m = chg_xasprintf("%s shows definition %s, not the approved %s: changed without "
                                "an approved change",
                                id, seen, ok);
        free(seen);
        free(ok);
        return m;
    }
    return chg_xasprintf("%s went from %s to %s without an approved change (approved: %s)", id,
                         chg_status_name(prev_status), chg_status_name(a->status),
                         chg_status_name(a->approved_status));
}

static int writes_critical(const struct chg_layer *l, const struct chg_def *d)
{
    for (uint32_t i = 0; d && i < d->n_writes; i++)
        if (chg_field_is_critical(l, d->writes[i].obj, d->writes[i].field))
            return 1;
    return 0;
}

static void judge_drift(struct chg_layer *l, struct chg_auto *a, int prev_status,
                        int was_observed, int level, const struct chg_def *def, crmgov_time at)
{
    if (matches_approval(a)) {
        chg_drift_recheck(l, a, at);
        return;
    }
    cJSON *ev = drift_evidence(l, a, level);
    if (a->status == CRMGOV_STATUS_ACTIVE && a->approved &&
        a->approved_status != CRMGOV_STATUS_ACTIVE) {
        if (a->drift == 1)
            resolve(l, "CHG001", a, NULL, at);
        int critical = writes_critical(l, def);
        cJSON_AddBoolToObject(ev, "writes_critical_field", critical);
        char *m = chg_xasprintf("%s was switched back on (%s -> active) without an approved "
                                "change",
                                chg_str(&l->st, a->id), chg_status_name(a->approved_status));
        int severity = critical ? CRMGOV_SEVERITY_CRITICAL
                                : severity_at_least(CRMGOV_SEVERITY_HIGH, level);
        raise_finding(l, "CHG005", "unapproved-reactivation", a, NULL, severity, m, ev, at);
        free(m);
        a->drift = 5;
    } else {
        if (a->drift == 5)
            resolve(l, "CHG005", a, NULL, at);
        char *m = drift_message(l, a, prev_status, was_observed);
        raise_finding(l, "CHG001", "unreviewed-change", a, NULL,
                      severity_at_least(CRMGOV_SEVERITY_MEDIUM, level), m, ev, at);
        free(m);
        a->drift = 1;
    }
    cJSON_Delete(ev);
}

/* ---- CHG007 ----------------------------------------------------------------------- */

struct policy_case {
    const char *change_id;
    const char *author;
    const cJSON *approvers;
    int level;
    int judged;                 /* the level is known (else only self/none count) */
    const cJSON *reasons;
};

static int count_approvers(const cJSON *approvers, const char *author, int *self)
{
    int n = 0;
    *self = 0;
    for (const cJSON *x = approvers ? approvers->child : NULL; x; x = x->next) {
        if (!cJSON_IsString(x))
            continue;
        if (author && strcmp(x->valuestring, author) == 0) {
            *self = 1;
            continue;
        }
        int seen = 0;
        for (const cJSON *y = approvers->child; y != x; y = y->next)
            seen |= cJSON_IsString(y) && strcmp(y->valuestring, x->valuestring) == 0;
        n += !seen;
    }
    return n;
}

/* Raises CHG007 when the case breaks the policy; returns 1 then. */
static int judge_policy(struct chg_layer *l, const struct chg_auto *a, const struct policy_case *p,
                        crmgov_time at)
{
    int self;
    int n = count_approvers(p->approvers, p->author, &self);
    int64_t required = p->judged ? l->opt.approvals[p->level] : 1;
    if (!self && n >= required)
        return 0;
    const char *id = chg_str(&l->st, a->id);
    char *m = self ? chg_xasprintf("change %s for %s was approved by its own author %s",
                                   p->change_id, id, p->author)
                   : chg_xasprintf("change %s for %s had %d approver%s; a %s-risk change needs "
                                   "%lld",
                                   p->change_id, id, n, n == 1 ? "" : "s",
                                   chg_level_name(p->judged ? p->level : CHG_LEVEL_LOW),
                                   (long long)required);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "change", p->change_id);
    if (p->author)
        cJSON_AddStringToObject(ev, "author", p->author);
    else
        cJSON_AddNullToObject(ev, "author");
    cJSON_AddItemToObject(ev, "approvers",
                          p->approvers ? cJSON_Duplicate(p->approvers, 1) : cJSON_CreateArray());
    cJSON_AddNumberToObject(ev, "approvals", n);
    cJSON_AddBoolToObject(ev, "self_approved", self);
    if (p->judged) {
        cJSON_AddStringToObject(ev, "risk", chg_level_name(p->level));
        cJSON_AddNumberToObject(ev, "required", (double)required);
        if (p->reasons)
            cJSON_AddItemToObject(ev, "reasons", cJSON_Duplicate(p->reasons, 1));
    } else {
        cJSON_AddNullToObject(ev, "risk");
    }
    int severity = p->judged && p->level == CHG_LEVEL_CRITICAL ? CRMGOV_SEVERITY_CRITICAL
                                                                : CRMGOV_SEVERITY_HIGH;
    raise_finding(l, "CHG007", "approval-policy-violation", a, p->change_id, severity, m, ev, at);
    cJSON_Delete(ev);
    free(m);
    return 1;
}

/* The pending checks for this hash are judged now that the CRM shows it. */
static void judge_pending(struct chg_layer *l, struct chg_auto *a, int level, const cJSON *reasons,
                          crmgov_time at)
{
    struct chg_pending **link = &a->pending;
    while (*link) {
        struct chg_pending *p = *link;
        if (p->hash != a->hash) {
            link = &p->next;
            continue;
        }
        struct policy_case c = { p->change_id, p->author, p->approvers, level, 1, reasons };
        judge_policy(l, a, &c, at);
        chg_pending_delete(l, a, p->change_id);
        *link = p->next;
        p->next = NULL;
        chg_pending_free(p);
    }
}

/* ---- automation ----------------------------------------------------------------------- */

/* What the history says about the event being handled, when the loaded
 * inventory already includes it (the first event after loading). */
struct version_probe {
    crmgov_time at;
    uint32_t n;
    int last_at_event;          /* the latest version was made at the event's time */
    int last_status, prev_status;
    char last_hash[65], prev_hash[65];
};

static int probe_version(void *ctx, const struct crmgov_version *v)
{
    struct version_probe *p = ctx;
    p->prev_status = p->last_status;
    memcpy(p->prev_hash, p->last_hash, sizeof(p->prev_hash));
    p->last_status = (int)v->status;
    snprintf(p->last_hash, sizeof(p->last_hash), "%s", v->definition_hash);
    p->last_at_event = v->at == p->at;
    p->n++;
    return 0;
}

static void probe_history(struct chg_layer *l, const struct crmgov_event *ev,
                          struct version_probe *p)
{
    memset(p, 0, sizeof(*p));
    p->at = ev->at;
    p->last_status = p->prev_status = -1;
    l->host->versions_scan(l->host, ev->system, ev->u.automation->id, probe_version, p);
}

static int apply_to_analysis(struct chg_layer *l, struct chg_auto *a,
                             const struct crmgov_automation *def, struct chg_collect *c)
{
    struct chg_node *node = chg_engine_node(&l->engine, a->sys, a->id);
    l->collect = c;
    if (def->status == CRMGOV_STATUS_ACTIVE && (!node || node->def->hash != a->hash))
        chg_def_free(chg_engine_put(&l->engine, a->sys, a->id, chg_def_compile(&l->st, def)));
    else if (def->status != CRMGOV_STATUS_ACTIVE && node)
        chg_def_free(chg_engine_put(&l->engine, a->sys, a->id, NULL));
    l->collect = NULL;
    if (l->engine.truncated) {
        l->host->log(l->host, CRMGOV_LOG_WARN,
                     "cycle search hit its bound; some cycles are not reported");
        l->engine.truncated = 0;
    }
    return 0;
}

int chg_on_automation(void *state, const struct crmgov_event *ev)
{
    struct chg_layer *l = state;
    const struct crmgov_automation *def = ev->u.automation;
    int fresh = !l->loaded;
    if (ensure_ready(l, ev->at) != CRMGOV_OK)
        return CRMGOV_ERROR;
    uint32_t sys = chg_intern(&l->st, ev->system), id = chg_intern(&l->st, def->id);
    uint32_t hash = chg_intern(&l->st, def->definition_hash);
    struct chg_auto *a = chg_auto_get(l, sys, id, 1);
    int was_observed = a->observed, prev_status = a->status;
    uint32_t prev_hash = a->hash;
    int new_version = !a->observed || a->hash != hash || a->status != (int)def->status;
    if (fresh && a->observed) {
        struct version_probe p;
        probe_history(l, ev, &p);
        new_version = p.last_at_event;
        was_observed = p.n > 1;
        prev_status = p.prev_status;
        prev_hash = chg_intern(&l->st, p.prev_hash);
    }
    int was_active = was_observed && prev_status == CRMGOV_STATUS_ACTIVE;
    a->observed = 1;
    a->hash = hash;
    a->status = (int)def->status;
    if (a->first_seen == CRMGOV_TIME_NONE)
        a->first_seen = ev->at;

    struct chg_system *s = chg_system_get(l, sys, 1);
    if (l->opt.baseline_first_sync && !s->has_base)
        chg_baseline_open(l, sys, ev->at);
    else if (l->opt.baseline_first_sync && new_version &&
             ev->at <= s->base_at + l->opt.baseline_window_ms)
        chg_approve(l, a, hash, a->status, ev->at, CHG_SOURCE_BASELINE, NULL, NULL, NULL);

    if (new_version && !fresh)
        chg_refresh_auto(l, a);
    struct chg_collect c;
    chg_collect_init(&c);
    apply_to_analysis(l, a, def, &c);
    chg_collect_apply(l, &c, ev->at);
    if (new_version) {
        int kind = !was_observed ? CHG_KIND_NEW
                   : prev_hash != hash ? CHG_KIND_MODIFY
                                                 : CHG_KIND_STATUS;
        struct chg_node *node = chg_engine_node(&l->engine, sys, id);
        int level = CHG_LEVEL_LOW;
        cJSON *risk = chg_risk_assess(l, sys, id, node ? node->def : NULL, kind, a->status,
                                      was_active, &c, &level);
        judge_pending(l, a, level, cJSON_GetObjectItemCaseSensitive(risk, "reasons"), ev->at);
        /* first seen already deleted: nothing runs, nothing to approve */
        if (was_observed || a->status != CRMGOV_STATUS_DELETED)
            judge_drift(l, a, prev_status, was_observed, level, node ? node->def : NULL, ev->at);
        cJSON_Delete(risk);
    }
    chg_collect_free(&c);
    if (was_active != (a->status == CRMGOV_STATUS_ACTIVE)) {
        chg_reviews_touch(l, s);
        if (a->status != CRMGOV_STATUS_ACTIVE && a->overdue) {
            resolve(l, "CHG004", a, NULL, ev->at);
            a->overdue = 0;
        }
    }
    return CRMGOV_OK;
}

/* ---- change ---------------------------------------------------------------------------- */

static int ignore_value(void *ctx, const char *key, const void *value, size_t len)
{
    (void)ctx;
    (void)key;
    (void)value;
    (void)len;
    return 0;
}

static int is_own_request(struct chg_layer *l, const struct crmgov_change *c)
{
    if (strncmp(c->id, "REQ-", 4) != 0)
        return 0;
    char *key = chg_key2("req", c->id, NULL);
    int missing = l->host->state_get(l->host, key, ignore_value, NULL);
    free(key);
    return missing == 0;
}

/* Risk of approving what the CRM shows now (a review, or approval after the
 * fact): the definition as it is, nothing newly created. */
static int current_level(struct chg_layer *l, const struct chg_auto *a, int status, cJSON **risk)
{
    struct chg_node *node = chg_engine_node(&l->engine, a->sys, a->id);
    struct chg_collect none;
    chg_collect_init(&none);
    int level = CHG_LEVEL_LOW;
    int kind = a->status == status ? CHG_KIND_CONFIRM : CHG_KIND_STATUS;
    *risk = chg_risk_assess(l, a->sys, a->id,
                            status == CRMGOV_STATUS_ACTIVE && node ? node->def : NULL, kind, status,
                            a->status == CRMGOV_STATUS_ACTIVE, &none, &level);
    chg_collect_free(&none);
    return level;
}

static void check_external_change(struct chg_layer *l, struct chg_auto *a,
                                  const struct crmgov_change *c, uint32_t hash, int status,
                                  const cJSON *approvers, crmgov_time at)
{
    struct policy_case p = { c->id, c->author, approvers, CHG_LEVEL_LOW, 0, NULL };
    if (a->observed && hash == a->hash) {
        cJSON *risk;
        p.level = current_level(l, a, status, &risk);
        p.judged = 1;
        p.reasons = cJSON_GetObjectItemCaseSensitive(risk, "reasons");
        judge_policy(l, a, &p, at);
        cJSON_Delete(risk);
        return;
    }
    judge_policy(l, a, &p, at); /* self-approval and "nobody" need no definition */
    struct chg_pending *pend = chg_xcalloc(1, sizeof(*pend));
    pend->change_id = chg_xstrdup(c->id);
    pend->hash = hash;
    pend->at = at;
    pend->author = c->author ? chg_xstrdup(c->author) : NULL;
    pend->approvers = cJSON_Duplicate(approvers, 1);
    chg_pending_save(l, a, pend);
    pend->next = a->pending;
    a->pending = pend;
}

int chg_on_change(void *state, const struct crmgov_event *ev)
{
    struct chg_layer *l = state;
    const struct crmgov_change *c = ev->u.change;
    if (ensure_ready(l, ev->at) != CRMGOV_OK)
        return CRMGOV_ERROR;
    if (c->state != CRMGOV_CHANGE_APPROVED)
        return CRMGOV_OK;
    uint32_t sys = chg_intern(&l->st, ev->system), id = chg_intern(&l->st, c->automation);
    struct chg_auto *a = chg_auto_get(l, sys, id, 1);
    uint32_t hash = c->definition_hash ? chg_intern(&l->st, c->definition_hash)
                    : a->approved          ? a->approved_hash
                    : a->observed          ? a->hash
                                           : 0;
    int status = c->has_status ? (int)c->status
                 : a->approved ? a->approved_status
                               : CRMGOV_STATUS_ACTIVE;
    cJSON *approvers = cJSON_CreateArray();
    for (size_t i = 0; i < c->n_approvers; i++)
        cJSON_AddItemToArray(approvers, cJSON_CreateString(c->approvers[i]));
    int own = is_own_request(l, c);
    chg_approve(l, a, hash, status, ev->at, own ? CHG_SOURCE_REQUEST : CHG_SOURCE_CHANGE, c->id,
                c->author, approvers);
    chg_review_done(l, a, ev->at);
    chg_drift_recheck(l, a, ev->at);
    if (!own && hash)
        check_external_change(l, a, c, hash, status, approvers, ev->at);
    cJSON_Delete(approvers);
    return CRMGOV_OK;
}

/* ---- reviews (CHG004) ---------------------------------------------------------------------- */

int64_t chg_review_interval(const struct chg_layer *l, uint32_t sys)
{
    uint32_t active = chg_engine_active(&l->engine, sys);
    __int128 interval = l->opt.review_base_ms;
    if (active > (uint64_t)l->opt.review_reference)
        interval = interval * l->opt.review_reference / active;
    return interval < l->opt.review_min_ms ? l->opt.review_min_ms : (int64_t)interval;
}

void chg_reviews_touch(struct chg_layer *l, struct chg_system *s)
{
    s->next_due = CRMGOV_TIME_NONE;
    l->next_due = CRMGOV_TIME_NONE;
}

static crmgov_time last_review_of(const struct chg_auto *a)
{
    return a->last_review != CRMGOV_TIME_NONE ? a->last_review : a->first_seen;
}

static void raise_overdue(struct chg_layer *l, struct chg_auto *a, int64_t interval,
                          crmgov_time due, crmgov_time now)
{
    char last[32], due_text[32];
    l->host->time_format(last_review_of(a), last);
    l->host->time_format(due, due_text);
    uint32_t active = chg_engine_active(&l->engine, a->sys);
    char *m = chg_xasprintf("%s was last reviewed %s; with %u active automations in %s its "
                            "review interval is %.4g days, so it was due %s",
                            chg_str(&l->st, a->id), last, active, chg_str(&l->st, a->sys),
                            (double)interval / 86400000.0, due_text);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "last_review", last);
    cJSON_AddNumberToObject(ev, "interval_days", (double)interval / 86400000.0);
    cJSON_AddNumberToObject(ev, "active_automations", active);
    cJSON_AddStringToObject(ev, "due", due_text);
    raise_finding(l, "CHG004", "review-overdue", a, NULL, CRMGOV_SEVERITY_LOW, m, ev, now);
    cJSON_Delete(ev);
    free(m);
}

void chg_reviews_scan(struct chg_layer *l, struct chg_system *s, crmgov_time now)
{
    int64_t interval = chg_review_interval(l, s->sys);
    crmgov_time next = INT64_MAX;
    for (uint32_t i = 0; i < s->autos.n; i++) {
        struct chg_auto *a = s->autos.v[i];
        if (!a->observed || a->status != CRMGOV_STATUS_ACTIVE ||
            last_review_of(a) == CRMGOV_TIME_NONE) {
            if (a->overdue)
                resolve(l, "CHG004", a, NULL, now);
            a->overdue = 0;
            continue;
        }
        crmgov_time due = last_review_of(a) + interval;
        if (now > due && !a->overdue) {
            chg_refresh_auto(l, a); /* a review recorded by a command since */
            due = last_review_of(a) + interval;
        }
        if (now > due) {
            if (!a->overdue)
                raise_overdue(l, a, interval, due, now);
            a->overdue = 1;
            continue;
        }
        if (a->overdue)
            resolve(l, "CHG004", a, NULL, now);
        a->overdue = 0;
        if (due < next)
            next = due;
    }
    s->next_due = next;
}

void chg_review_done(struct chg_layer *l, struct chg_auto *a, crmgov_time at)
{
    struct chg_system *s = chg_system_get(l, a->sys, 1);
    if (a->overdue && at - last_review_of(a) <= chg_review_interval(l, a->sys)) {
        resolve(l, "CHG004", a, NULL, at);
        a->overdue = 0;
    }
    chg_reviews_touch(l, s);
}

int chg_on_tick(void *state, const struct crmgov_event *ev)
{
    struct chg_layer *l = state;
    if (ensure_ready(l, ev->at) != CRMGOV_OK)
        return CRMGOV_ERROR;
    if (l->next_due != CRMGOV_TIME_NONE && ev->at <= l->next_due)
        return CRMGOV_OK;
    crmgov_time next = INT64_MAX;
    for (uint32_t i = 0; i < l->system_list.n; i++) {
        struct chg_system *s = l->system_list.v[i];
        if (s->next_due == CRMGOV_TIME_NONE || s->next_due < ev->at)
            chg_reviews_scan(l, s, ev->at);
        if (s->next_due < next)
            next = s->next_due;
    }
    l->next_due = next;
    return CRMGOV_OK;
}
