/*
 * aud_rules.c -- what the audit layer does with each event: keep the record
 * fields conditions need, count per automation and day, and leave a deadline
 * for every judgement that must wait.
 *
 * Nothing that depends on another event is judged when the first one
 * arrives: a missed action (AUD002) is judged `sla` + lateness after the
 * change, an execution without a trigger (AUD003) lateness after it, both on
 * a tick, by looking back at the record's marks. So an execution delivered
 * before its record change (two connectors, one batch) is fine as long as
 * the change arrives within the lateness (= `sla`) of event time.
 */
#include <string.h>

#include "audit.h"

static uint32_t intern(struct aud_layer *L, const char *s)
{
    return aud_names_add(&L->names, s, strlen(s));
}

void aud_watch_from(struct aud_layer *L, uint32_t system, crmgov_time at)
{
    if (system >= L->cap_watch) {
        size_t cap = L->cap_watch ? L->cap_watch : 16;
        while (cap <= system)
            cap *= 2;
        L->watch_since = aud_realloc(L->watch_since, cap * sizeof(*L->watch_since));
        for (size_t i = L->cap_watch; i < cap; i++)
            L->watch_since[i] = CRMGOV_TIME_NONE;
        L->cap_watch = cap;
    }
    if (L->watch_since[system] == CRMGOV_TIME_NONE || at < L->watch_since[system])
        L->watch_since[system] = at;
}

static crmgov_time watched_since(const struct aud_layer *L, uint32_t system)
{
    return system < L->cap_watch ? L->watch_since[system] : CRMGOV_TIME_NONE;
}

void aud_advance(struct aud_layer *L, crmgov_time t)
{
    if (t == CRMGOV_TIME_NONE)
        return;
    if (L->clock == CRMGOV_TIME_NONE || t > L->clock)
        L->clock = t;
    int32_t day = aud_day_of(L->clock);
    if (L->today == INT32_MIN)
        L->today = day;
    else if (day > L->today)
        aud_day_roll(L, day);
}

/* ------------------------------------------------------------------------ */
/* automations                                                               */

int aud_on_automation(struct aud_layer *L, const struct crmgov_event *ev)
{
    const struct crmgov_automation *def = ev->u.automation;
    uint32_t autom;
    struct aud_auto *a = aud_auto_of_event(L, ev, def->id, &autom);
    if (a->first_seen == CRMGOV_TIME_NONE || ev->at < a->first_seen)
        a->first_seen = ev->at;
    int was_active = a->status == CRMGOV_STATUS_ACTIVE;
    aud_objinfo_detach(L, autom);
    aud_def_free(&a->def);
    aud_def_compile(L, &a->def, def);
    a->defined = 1;
    a->status = (int)def->status;
    aud_objinfo_attach(L, autom);
    int active = a->status == CRMGOV_STATUS_ACTIVE;
    if (active && !was_active) {
        /* a reactivation starts afresh: nothing of the inactive time counts */
        a->active_since = ev->at;
        a->spike_day = INT32_MIN;
        aud_queue_dormant(L, autom);
    } else if (!active && was_active) {
        a->active_since = CRMGOV_TIME_NONE;
        aud_resolve_auto(L, autom, AUD_F_DORMANT | AUD_F_SILENT | AUD_F_CONVERSION, ev->at);
    }
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* record changes                                                            */

static int value_slot(const struct aud_objinfo *o, uint32_t field)
{
    for (size_t i = 0; i < o->n_fields; i++)
        if (o->fields[i] == field)
            return (int)i;
    return -1;
}

static void set_value(struct aud_record *r, const struct aud_objinfo *o, int slot,
                      const struct aud_value *v)
{
    if ((size_t)slot >= r->n_values) {
        size_t n = o->n_fields;
        r->values = aud_realloc(r->values, n * sizeof(*r->values));
        for (size_t i = r->n_values; i < n; i++)
            memset(&r->values[i], 0, sizeof(r->values[i])); /* unknown */
        r->n_values = (uint16_t)n;
    }
    r->values[slot] = *v;
}

static int is_conversion_value(const struct aud_layer *L, const struct aud_value *v)
{
    if (v->type != AUD_V_STRING)
        return 0;
    for (size_t i = 0; i < L->n_conversion_hashes; i++)
        if (L->conversion_hashes[i] == v->hash)
            return 1;
    return 0;
}

static void record_converted(struct aud_layer *L, struct aud_record *r, crmgov_time at)
{
    int32_t day = aud_day_of(at);
    for (uint32_t i = 0; i < r->n_touches; i++) {
        struct aud_touch *t = &r->touches[i];
        if (!t->pending)
            continue;
        t->pending = 0;
        if (at > t->first + L->opts.horizon_ms)
            continue; /* converted too late to count */
        struct aud_auto *a = L->autos[t->autom];
        struct aud_day *cohort = aud_day_slot(L, a, aud_day_of(t->first), 1);
        if (cohort) {
            cohort->cohort_converted++;
            aud_mark_dirty(L, t->autom, cohort);
        }
        struct aud_day *slot = aud_day_slot(L, a, day, 1);
        if (slot) {
            slot->conversions++;
            aud_mark_dirty(L, t->autom, slot);
        }
    }
}

static void apply_changes(struct aud_layer *L, struct aud_record *r, const struct aud_objinfo *o,
                          const struct crmgov_record *rec, uint32_t *changed, crmgov_time at)
{
    if (rec->op == CRMGOV_RECORD_CREATE) {
        struct aud_value absent = { .type = AUD_V_ABSENT };
        for (size_t i = 0; i < o->n_fields; i++)
            set_value(r, o, (int)i, &absent);
        r->converted = 0;
        r->converted_known = 1;
    }
    for (size_t i = 0; i < rec->n_changes; i++) {
        const char *field = rec->changes[i].field ? rec->changes[i].field : "";
        changed[i] = intern(L, field);
        int slot = value_slot(o, changed[i]);
        if (slot < 0)
            continue;
        struct aud_value v;
        aud_value_from(&v, &rec->changes[i].new_value);
        set_value(r, o, slot, &v);
        if (slot == o->conversion_slot) {
            int converts = is_conversion_value(L, &v);
            if (converts && (!r->converted || !r->converted_known))
                record_converted(L, r, at);
            r->converted = (uint8_t)converts;
            r->converted_known = 1;
        }
    }
    if (rec->op == CRMGOV_RECORD_DELETE)
        r->deleted = 1;
}

static void add_mark(struct aud_record *r, crmgov_time at, uint32_t autom, uint32_t kind)
{
    AUD_GROW(r->marks, r->n_marks, r->cap_marks);
    r->marks[r->n_marks++] = (struct aud_mark){ .at = at, .autom = autom, .kind = kind };
}

/* 1 when every condition holds, -1 when none fails but one cannot be told. */
static int conditions_hold(const struct aud_candidate *cand, const struct aud_record *r,
                           const uint32_t *changed, size_t n_changed)
{
    int result = 1;
    for (size_t i = 0; i < cand->n_conds; i++) {
        const struct aud_cond *c = &cand->conds[i];
        int was_changed = 0;
        for (size_t k = 0; k < n_changed && !was_changed; k++)
            was_changed = changed[k] == c->field;
        const struct aud_value *v =
            c->slot >= 0 && (size_t)c->slot < r->n_values ? &r->values[c->slot] : NULL;
        int holds = aud_cond_eval(c, v, was_changed);
        if (holds == 0)
            return 0;
        if (holds < 0)
            result = -1;
    }
    return result;
}

/* Can the candidate fire on this op at all? (the bloom only rules out) */
static int may_fire(const struct aud_candidate *c, int op, uint64_t changed_bits)
{
    if (!c->active)
        return 0;
    switch (op) {
    case CRMGOV_RECORD_CREATE:
        return c->on == CRMGOV_ON_CREATE || c->on == CRMGOV_ON_CREATE_OR_UPDATE;
    case CRMGOV_RECORD_DELETE:
        return c->on == CRMGOV_ON_DELETE;
    default:
        return (c->on == CRMGOV_ON_UPDATE || c->on == CRMGOV_ON_CREATE_OR_UPDATE) &&
               (!c->fields || (c->fields & changed_bits));
    }
}

/* Does a candidate that may fire really fire (op and fields)? may_fire is
 * exact but for the bloom; with the trigger's fields inline, and the
 * conditions' array in the candidate, the automation itself is read only
 * when its conditions hold -- it is a cold read per candidate. */
static int trigger_fires(struct aud_layer *L, const struct aud_candidate *c, int op,
                         const uint32_t *changed, size_t n_changed)
{
    if (op != CRMGOV_RECORD_UPDATE || !c->fields)
        return 1;
    if (!c->n_inline)
        return aud_trigger_fires(&L->autos[c->autom]->def, op, changed, n_changed);
    for (size_t i = 0; i < c->n_inline; i++)
        for (size_t k = 0; k < n_changed; k++)
            if (c->field[i] == changed[k])
                return 1;
    return 0;
}

static void match_automations(struct aud_layer *L, struct aud_record *r,
                              const struct aud_objinfo *o, int op, const uint32_t *changed,
                              size_t n_changed, crmgov_time at)
{
    uint64_t changed_bits = 0;
    for (size_t i = 0; i < n_changed; i++)
        changed_bits |= aud_field_bit(changed[i]);
    /* first the candidates that fire, their conditions asked for at once
     * (each is a cold read), then the conditions judged */
    uint32_t stack[64];
    uint32_t *firing = o->n_autos <= 64 ? stack : aud_realloc(NULL, o->n_autos * sizeof(*firing));
    size_t n_firing = 0;
    for (size_t i = 0; i < o->n_autos; i++) {
        if (!may_fire(&o->autos[i], op, changed_bits) ||
            !trigger_fires(L, &o->autos[i], op, changed, n_changed))
            continue;
        if (o->autos[i].n_conds)
            __builtin_prefetch(o->autos[i].conds);
        firing[n_firing++] = (uint32_t)i;
    }
    for (size_t f = 0; f < n_firing; f++) {
        const struct aud_candidate *cand = &o->autos[firing[f]];
        int holds = conditions_hold(cand, r, changed, n_changed);
        if (holds == 0)
            continue;
        uint32_t autom = cand->autom;
        struct aud_auto *a = L->autos[autom];
        add_mark(r, at, autom, holds > 0 ? AUD_MARK_MATCH : AUD_MARK_MAYBE);
        if (holds < 0)
            continue;
        struct aud_day *slot = aud_day_slot(L, a, aud_day_of(at), 1);
        if (slot) {
            slot->matches++;
            aud_mark_dirty(L, autom, slot);
        }
        struct aud_due due = { .due = at + L->opts.sla_ms + L->opts.lateness_ms, .at = at,
                               .rec = r, .autom = autom, .kind = AUD_DUE_SLA };
        aud_heap_push(&L->heap, &due);
        r->queued++;
    }
    if (firing != stack)
        free(firing);
}

int aud_on_record(struct aud_layer *L, const struct crmgov_event *ev)
{
    const struct crmgov_record *rec = ev->u.record;
    aud_advance(L, ev->at);
    uint32_t system = intern(L, ev->system);
    aud_watch_from(L, system, ev->at);
    uint32_t oi = aud_objinfo_get(L, system, intern(L, rec->object));
    struct aud_record *r = aud_record_get(L, oi, rec->id, 1);
    if (r->last_active == CRMGOV_TIME_NONE || ev->at > r->last_active)
        r->last_active = ev->at;
    uint32_t stack[32];
    uint32_t *changed = rec->n_changes <= 32 ? stack
                                             : aud_realloc(NULL, rec->n_changes * sizeof(*changed));
    apply_changes(L, r, &L->objs[oi], rec, changed, ev->at);
    match_automations(L, r, &L->objs[oi], (int)rec->op, changed, rec->n_changes, ev->at);
    if (changed != stack)
        free(changed);
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* executions                                                                */

static struct aud_touch *touch_of(struct aud_record *r, uint32_t autom)
{
    for (uint32_t i = 0; i < r->n_touches; i++)
        if (r->touches[i].autom == autom)
            return &r->touches[i];
    AUD_GROW(r->touches, r->n_touches, r->cap_touches);
    struct aud_touch *t = &r->touches[r->n_touches++];
    *t = (struct aud_touch){ .first = CRMGOV_TIME_NONE, .autom = autom, .last_day = INT32_MIN };
    return t;
}

/* Records touched per day, and the conversion cohort of first touches. */
static void count_touch(struct aud_layer *L, uint32_t autom, struct aud_record *r,
                        const struct crmgov_execution *x, crmgov_time at, int conversion)
{
    struct aud_auto *a = L->autos[autom];
    int32_t day = aud_day_of(at);
    struct aud_touch *t = touch_of(r, autom);
    struct aud_day *slot = aud_day_slot(L, a, day, 1);
    if (t->last_day != day && slot) {
        slot->touched++;
        aud_mark_dirty(L, autom, slot);
    }
    if (day > t->last_day)
        t->last_day = day;
    if (!conversion || x->status != CRMGOV_EXEC_OK)
        return;
    if (t->first != CRMGOV_TIME_NONE && at <= t->first + L->opts.horizon_ms && at >= t->first)
        return; /* the same cohort touch */
    struct aud_day *cohort = slot;
    if (!cohort)
        return;
    t->first = at;
    cohort->cohort_touched++;
    if (r->converted_known && r->converted) {
        cohort->cohort_converted++;
        cohort->conversions++;
        t->pending = 0;
    } else {
        t->pending = 1;
    }
    aud_mark_dirty(L, autom, cohort);
}

static void count_notifications(struct aud_layer *L, uint32_t autom, uint32_t system,
                                const struct crmgov_execution *x, crmgov_time at)
{
    int32_t day = aud_day_of(at);
    for (size_t i = 0; i < x->n_notified; i++) {
        if (!x->notified[i])
            continue;
        uint32_t index;
        struct aud_recipient *p = aud_recipient_get(L, system, intern(L, x->notified[i]), &index);
        if (day < p->day)
            continue; /* a late event of a day already judged */
        if (day > p->day) {
            p->day = day;
            p->count = 0;
            p->n_by_auto = 0;
        }
        p->count++;
        p->dirty = 1;
        size_t k = 0;
        while (k < p->n_by_auto && p->by_auto[k].autom != autom)
            k++;
        if (k == p->n_by_auto) {
            AUD_GROW(p->by_auto, p->n_by_auto, p->cap_by_auto);
            p->by_auto[p->n_by_auto++] = (struct aud_notify_count){ autom, 0 };
        }
        p->by_auto[k].count++;
        if (p->count > (uint64_t)L->opts.max_notifications) {
            if (!p->open)
                aud_raise_recipient(L, index, at);
            else if (!p->refresh_listed) {
                p->refresh_listed = 1;
                AUD_GROW(L->refresh_recipients, L->n_refresh_recipients,
                         L->cap_refresh_recipients);
                L->refresh_recipients[L->n_refresh_recipients++] = index;
            }
        }
    }
}

static void count_execution(struct aud_layer *L, uint32_t autom,
                            const struct crmgov_execution *x, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    int32_t day = aud_day_of(at);
    struct aud_day *slot = aud_day_slot(L, a, day, 1);
    if (slot) {
        slot->executions++;
        slot->failed += x->status == CRMGOV_EXEC_FAILED;
        if (x->status == CRMGOV_EXEC_FAILED && day > a->last_failure_day)
            a->last_failure_day = day;
        slot->notifications += (uint32_t)x->n_notified;
        uint32_t ms = (uint32_t)(at - aud_day_start(day));
        if (slot->last_exec_ms == UINT32_MAX || ms > slot->last_exec_ms) {
            slot->last_exec_ms = ms;
            aud_mark_dirty(L, autom, slot);
        }
    }
    if (a->last_exec == CRMGOV_TIME_NONE || at > a->last_exec)
        a->last_exec = at;
}

static int record_triggered(const struct aud_auto *a)
{
    return a->defined && a->def.on != CRMGOV_ON_SCHEDULE && a->def.on != CRMGOV_ON_MANUAL;
}

static void wrong_object(struct aud_layer *L, uint32_t autom, uint32_t object,
                         const struct crmgov_execution *x, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    struct aud_day *slot = aud_day_slot(L, a, aud_day_of(at), 1);
    if (slot) {
        slot->wrong_object++;
        aud_mark_dirty(L, autom, slot);
    }
    a->wrong_object_name = object;
    aud_example_add(a->wrong_object, x->record, at);
    if (a->open & AUD_F_WRONG_OBJECT)
        aud_refresh_later(L, autom, AUD_F_WRONG_OBJECT);
    else
        aud_raise_auto(L, autom, AUD_F_WRONG_OBJECT, at);
}

int aud_on_execution(struct aud_layer *L, const struct crmgov_event *ev)
{
    const struct crmgov_execution *x = ev->u.execution;
    aud_advance(L, ev->at);
    uint32_t autom;
    struct aud_auto *a = aud_auto_of_event(L, ev, x->automation, &autom);
    if (a->first_seen == CRMGOV_TIME_NONE || ev->at < a->first_seen)
        a->first_seen = ev->at;
    count_execution(L, autom, x, ev->at);
    if (a->open & AUD_F_DORMANT)
        aud_resolve_auto(L, autom, AUD_F_DORMANT, ev->at);
    aud_queue_dormant(L, autom);
    aud_check_failures(L, autom, ev->at);
    aud_check_spike(L, autom, ev->at);
    count_notifications(L, autom, a->system, x, ev->at);

    uint32_t object = x->object ? intern(L, x->object)
                      : a->defined ? a->def.object
                                   : UINT32_MAX;
    if (object == UINT32_MAX || !x->record)
        return CRMGOV_OK; /* nothing to say about which record it ran on */
    int misplaced = a->defined && object != a->def.object;
    if (misplaced)
        wrong_object(L, autom, object, x, ev->at);
    uint32_t oi = aud_objinfo_get(L, a->system, object);
    struct aud_record *r = aud_record_get(L, oi, x->record, 1);
    if (r->last_active == CRMGOV_TIME_NONE || ev->at > r->last_active)
        r->last_active = ev->at;
    add_mark(r, ev->at, autom, AUD_MARK_EXEC);
    count_touch(L, autom, r, x, ev->at,
                !misplaced && a->defined && object == L->conversion_object);
    if (record_triggered(a) && !misplaced) {
        struct aud_due due = { .due = ev->at + L->opts.lateness_ms, .at = ev->at, .rec = r,
                               .autom = autom, .kind = AUD_DUE_TRIGGER };
        aud_heap_push(&L->heap, &due);
        r->queued++;
    }
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* deadlines                                                                 */

static int has_mark(const struct aud_record *r, uint32_t autom, crmgov_time from,
                    crmgov_time to, int execution)
{
    for (uint32_t i = 0; i < r->n_marks; i++) {
        const struct aud_mark *m = &r->marks[i];
        if (m->autom != autom || m->at < from || m->at > to)
            continue;
        if (execution ? m->kind == AUD_MARK_EXEC : m->kind != AUD_MARK_EXEC)
            return 1;
    }
    return 0;
}

static void judge_sla(struct aud_layer *L, const struct aud_due *d)
{
    struct aud_auto *a = L->autos[d->autom];
    if (a->status != CRMGOV_STATUS_ACTIVE)
        return; /* switched off since: not a missed action */
    if (has_mark(d->rec, d->autom, d->at, d->at + L->opts.sla_ms, 1))
        return;
    struct aud_day *slot = aud_day_slot(L, a, aud_day_of(d->at), 1);
    if (slot) {
        slot->misses++;
        aud_mark_dirty(L, d->autom, slot);
    }
    aud_example_add(a->missed, d->rec->id, d->at);
    if (a->open & AUD_F_MISSED)
        aud_refresh_later(L, d->autom, AUD_F_MISSED);
    else
        aud_raise_auto(L, d->autom, AUD_F_MISSED, L->clock);
}

static void judge_trigger(struct aud_layer *L, const struct aud_due *d)
{
    struct aud_auto *a = L->autos[d->autom];
    crmgov_time since = watched_since(L, a->system);
    if (since == CRMGOV_TIME_NONE || since > d->at - L->opts.lookback_ms)
        return; /* the look-back reaches before the layer saw this system's records */
    if (has_mark(d->rec, d->autom, d->at - L->opts.lookback_ms, d->at, 0))
        return;
    struct aud_day *slot = aud_day_slot(L, a, aud_day_of(d->at), 1);
    if (slot) {
        slot->no_trigger++;
        aud_mark_dirty(L, d->autom, slot);
    }
    aud_example_add(a->no_trigger, d->rec->id, d->at);
    if (a->open & AUD_F_NO_TRIGGER)
        aud_refresh_later(L, d->autom, AUD_F_NO_TRIGGER);
    else
        aud_raise_auto(L, d->autom, AUD_F_NO_TRIGGER, L->clock);
}

int aud_on_tick(struct aud_layer *L, crmgov_time t)
{
    /* judge what fell due before the day can roll: the roll trims marks */
    if (L->clock == CRMGOV_TIME_NONE || t > L->clock)
        L->clock = t;
    struct aud_due d;
    while (aud_heap_pop_before(&L->heap, t, &d)) {
        if (d.rec)
            d.rec->queued--;
        if (d.kind == AUD_DUE_SLA)
            judge_sla(L, &d);
        else if (d.kind == AUD_DUE_TRIGGER)
            judge_trigger(L, &d);
        else
            aud_judge_dormant(L, &d, t);
    }
    aud_advance(L, t);
    aud_refresh_pending(L, t);
    return CRMGOV_OK;
}
