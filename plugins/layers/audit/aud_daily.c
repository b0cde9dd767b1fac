/*
 * aud_daily.c -- the judgements that look at days: failure rate (AUD001),
 * window counts that clear (AUD002/AUD003), spikes (AUD003), conversion
 * (AUD004), dormancy (AUD005) and silent stops (AUD007).
 *
 * Windows are whole UTC days. Rules that raise on an event (AUD001, the
 * AUD002/AUD003 counts, spikes) use the current day and the days before it;
 * rules judged when a day closes (AUD004, AUD007) use complete days only.
 * A day closes when an event or tick of a later day arrives, so replaying
 * the same events always closes the same days at the same event times.
 *
 * Baselines never reach into time the automation was inactive or unknown:
 * a spike or a silent stop needs the automation active for the whole span,
 * so a reactivated automation starts with a clean slate.
 */
#include <math.h>

#include "audit.h"

#define SUM(L, a, from, to, field) aud_day_sum((L), (a), (from), (to), offsetof(struct aud_day, field))

static int is_active(const struct aud_auto *a)
{
    return a->status == CRMGOV_STATUS_ACTIVE;
}

/* Active without a break since the start of `day` (and known since then). */
static int active_through(const struct aud_auto *a, int32_t day)
{
    return is_active(a) && a->active_since != CRMGOV_TIME_NONE &&
           a->active_since <= aud_day_start(day) && a->first_seen != CRMGOV_TIME_NONE &&
           a->first_seen <= aud_day_start(day);
}

static void settle(struct aud_layer *L, uint32_t autom, uint32_t flag, int holds,
                   crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    if (holds && !(a->open & flag))
        aud_raise_auto(L, autom, flag, at);
    else if (holds)
        aud_refresh_later(L, autom, flag);
    else if (a->open & flag)
        aud_resolve_auto(L, autom, flag, at);
}

/* ------------------------------------------------------------------------ */
/* AUD001                                                                    */

static int failure_rate_exceeded(struct aud_layer *L, const struct aud_auto *a)
{
    int32_t from = L->today - L->opts.window_days + 1;
    uint32_t runs = SUM(L, a, from, L->today, executions);
    uint32_t failed = SUM(L, a, from, L->today, failed);
    return runs >= (uint64_t)L->opts.min_executions &&
           (double)failed > L->opts.max_failure_rate * (double)runs;
}

void aud_check_failures(struct aud_layer *L, uint32_t autom, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    if (a->last_failure_day <= L->today - L->opts.window_days)
        return; /* no failure in the window: nothing to raise (the day roll clears) */
    int holds = failure_rate_exceeded(L, a);
    if (holds && !(a->open & AUD_F_FAILURE))
        aud_raise_auto(L, autom, AUD_F_FAILURE, at);
    else if (holds)
        aud_refresh_later(L, autom, AUD_F_FAILURE);
}

/* ------------------------------------------------------------------------ */
/* AUD003 spike                                                              */

static void spike_baseline(struct aud_layer *L, struct aud_auto *a)
{
    if (a->spike_day == L->today)
        return;
    a->spike_day = L->today;
    int32_t from = L->today - L->opts.baseline_days;
    a->spike_judged = active_through(a, from);
    a->spike_mean = a->spike_judged
                        ? (double)SUM(L, a, from, L->today - 1, executions) / L->opts.baseline_days
                        : 0.0;
}

void aud_check_spike(struct aud_layer *L, uint32_t autom, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    if (aud_day_of(at) != L->today)
        return; /* a late event of a closed day */
    spike_baseline(L, a);
    struct aud_day *slot = aud_day_slot(L, a, L->today, 0);
    if (!a->spike_judged || !slot || slot->executions < (uint64_t)L->opts.min_executions ||
        !((double)slot->executions > L->opts.spike_factor * a->spike_mean))
        return;
    if (!slot->spike) {
        slot->spike = 1;
        aud_mark_dirty(L, autom, slot);
    }
    if (a->open & AUD_F_SPIKE)
        aud_refresh_later(L, autom, AUD_F_SPIKE);
    else
        aud_raise_auto(L, autom, AUD_F_SPIKE, at);
}

static int spike_in_window(struct aud_layer *L, struct aud_auto *a)
{
    for (int32_t d = L->today; d > L->today - L->opts.window_days; d--) {
        struct aud_day *slot = aud_day_slot(L, a, d, 0);
        if (slot && slot->spike)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* AUD004                                                                    */

static void cohort_sum(struct aud_layer *L, const struct aud_auto *a, int32_t from,
                       int32_t to, uint64_t *n, uint64_t *x)
{
    *n = *x = 0;
    int ring = L->opts.ring_days, i = aud_ring_index(from, ring);
    for (int32_t d = from; d <= to; d++, i = i + 1 == ring ? 0 : i + 1) {
        const struct aud_day *slot = &a->ring[i];
        if (slot->day != d)
            continue;
        *n += slot->cohort_touched;
        *x += slot->cohort_converted;
    }
}

void aud_conversion_test(struct aud_layer *L, const struct aud_auto *a, int32_t today,
                         struct aud_conversion_test *t)
{
    /* the newest cohort whose every touch has had `horizon` to convert */
    int32_t matured = today - 1 - L->opts.horizon_days;
    t->window_to = matured;
    t->window_from = matured - L->opts.window_days + 1;
    t->baseline_to = t->window_from - 1;
    t->baseline_from = t->baseline_to - L->opts.baseline_days + 1;
    cohort_sum(L, a, t->window_from, t->window_to, &t->window_n, &t->window_x);
    cohort_sum(L, a, t->baseline_from, t->baseline_to, &t->baseline_n, &t->baseline_x);
    t->window_rate = t->window_n ? (double)t->window_x / (double)t->window_n : 0.0;
    t->baseline_rate = t->baseline_n ? (double)t->baseline_x / (double)t->baseline_n : 0.0;
    t->judged = t->window_n >= (uint64_t)L->opts.min_sample &&
                t->baseline_n >= (uint64_t)L->opts.min_sample &&
                aud_two_proportion(t->baseline_x, t->baseline_n, t->window_x, t->window_n,
                                   &t->z, &t->p);
}

static void judge_conversion(struct aud_layer *L, uint32_t autom, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    if (!a->defined || a->def.object != L->conversion_object)
        return;
    if (!is_active(a)) {
        settle(L, autom, AUD_F_CONVERSION, 0, at);
        return;
    }
    struct aud_conversion_test t;
    aud_conversion_test(L, a, L->today, &t);
    if (!t.judged || !active_through(a, t.baseline_from))
        return; /* too small a sample or a partial baseline: neither raise nor clear */
    settle(L, autom, AUD_F_CONVERSION,
           t.window_rate < t.baseline_rate && t.p < L->opts.significance, at);
}

/* ------------------------------------------------------------------------ */
/* AUD007                                                                    */

static void judge_silence(struct aud_layer *L, uint32_t autom, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    int32_t w_from = L->today - L->opts.window_days;
    if (!active_through(a, w_from)) {
        if (!is_active(a))
            settle(L, autom, AUD_F_SILENT, 0, at);
        return;
    }
    uint32_t e_w = SUM(L, a, w_from, L->today - 1, executions);
    uint32_t m_w = SUM(L, a, w_from, L->today - 1, matches);
    uint32_t e_b = SUM(L, a, w_from - L->opts.baseline_days, w_from - 1, executions);
    double expected = (double)e_b * L->opts.window_days / L->opts.baseline_days;
    int holds = e_b >= (uint64_t)L->opts.min_executions &&
                (double)e_w < L->opts.silent_ratio * expected &&
                (double)e_w < L->opts.silent_ratio * (double)m_w;
    settle(L, autom, AUD_F_SILENT, holds, at);
}

/* ------------------------------------------------------------------------ */
/* AUD005                                                                    */

static crmgov_time idle_since(const struct aud_auto *a)
{
    if (a->last_exec != CRMGOV_TIME_NONE && a->last_exec > a->active_since)
        return a->last_exec;
    return a->active_since;
}

void aud_queue_dormant(struct aud_layer *L, uint32_t autom)
{
    struct aud_auto *a = L->autos[autom];
    if (a->dormant_queued || !is_active(a) || a->active_since == CRMGOV_TIME_NONE)
        return;
    struct aud_due d = { .due = idle_since(a) + L->opts.dormant_after_ms, .autom = autom,
                         .kind = AUD_DUE_DORMANT, .at = idle_since(a) };
    aud_heap_push(&L->heap, &d);
    a->dormant_queued = 1;
}

void aud_judge_dormant(struct aud_layer *L, const struct aud_due *d, crmgov_time now)
{
    struct aud_auto *a = L->autos[d->autom];
    a->dormant_queued = 0;
    if (!is_active(a) || a->active_since == CRMGOV_TIME_NONE)
        return;
    if (idle_since(a) + L->opts.dormant_after_ms >= now) {
        aud_queue_dormant(L, d->autom); /* it ran since: look again later */
        return;
    }
    if (!(a->open & AUD_F_DORMANT))
        aud_raise_auto(L, d->autom, AUD_F_DORMANT, now);
}

/* ------------------------------------------------------------------------ */
/* the day roll                                                              */

static void close_day_for(struct aud_layer *L, uint32_t autom, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    int32_t from = L->today - L->opts.window_days + 1;
    if (a->open & AUD_F_FAILURE)
        settle(L, autom, AUD_F_FAILURE, failure_rate_exceeded(L, a), at);
    if (a->open & AUD_F_MISSED)
        settle(L, autom, AUD_F_MISSED, SUM(L, a, from, L->today, misses) > 0, at);
    if (a->open & AUD_F_NO_TRIGGER)
        settle(L, autom, AUD_F_NO_TRIGGER, SUM(L, a, from, L->today, no_trigger) > 0, at);
    if (a->open & AUD_F_WRONG_OBJECT)
        settle(L, autom, AUD_F_WRONG_OBJECT, SUM(L, a, from, L->today, wrong_object) > 0, at);
    if (a->open & AUD_F_SPIKE)
        settle(L, autom, AUD_F_SPIKE, spike_in_window(L, a), at);
    judge_conversion(L, autom, at);
    judge_silence(L, autom, at);
}

void aud_day_roll(struct aud_layer *L, int32_t new_day)
{
    int32_t closed = L->today;
    L->today = new_day;
    crmgov_time at = aud_day_start(new_day);
    for (uint32_t i = 0; i < L->n_autos; i++)
        close_day_for(L, i, at);
    for (uint32_t i = 0; i < L->n_recipients; i++) {
        struct aud_recipient *p = &L->recipients[i];
        if (p->open && (p->day != closed || p->count <= (uint64_t)L->opts.max_notifications))
            aud_resolve_recipient(L, i, at);
    }
    aud_persist_flush(L);
    aud_records_sweep(L, at);
}
