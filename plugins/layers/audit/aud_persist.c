/*
 * aud_persist.c -- what the audit layer keeps in the store, and how it
 * rebuilds its memory from the store when it starts.
 *
 * Per automation per day, the counters the core does not keep (records
 * touched, conversions, matching changes, missed actions, unintended runs,
 * the conversion cohort) are one row "d/DAY/SYSTEM/AUTOMATION", stored packed
 * with the rest of its system's day in "D/DAY/SYSTEM/" (aud_packed.c); per
 * notified principal per day, "n/DAY/SYSTEM/PRINCIPAL" holds the count. Rows
 * are written when a day closes (one write per system and day), and rows
 * changed since are written by the metrics and report commands and, at stop,
 * into the snapshot (aud_snapshot.c).
 *
 * At start the day ring of every automation is rebuilt from the core's daily
 * aggregates plus these rows; the open findings, the inventory and the
 * snapshot give the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------------------ */
/* writing                                                                   */

/* Which packed rows can be in the store already. Day rows are read at start
 * for every day that can still be written (the ring) and count rows for
 * today, and only this process writes them while it runs; so a group newer
 * than the newest row known for its system -- each closing day, in a run
 * that keeps up -- has nothing to merge with, and its flush skips reading
 * (a lookup per system and day, a quarter of a day roll's store work). Rows
 * the snapshot carries count as known too. */
static int32_t *newest_known(struct aud_layer *L, char kind, uint32_t system)
{
    if (system >= L->cap_newest) {
        size_t cap = L->cap_newest ? L->cap_newest : 256;
        while (cap <= system)
            cap *= 2;
        L->newest_day_row = aud_realloc(L->newest_day_row, cap * sizeof(int32_t));
        L->newest_count_row = aud_realloc(L->newest_count_row, cap * sizeof(int32_t));
        for (size_t i = L->cap_newest; i < cap; i++)
            L->newest_day_row[i] = L->newest_count_row[i] = INT32_MIN;
        L->cap_newest = cap;
    }
    return kind == 'n' || kind == 'N' ? &L->newest_count_row[system]
                                      : &L->newest_day_row[system];
}

static void note_row(struct aud_layer *L, char kind, uint32_t system, int32_t day)
{
    int32_t *newest = newest_known(L, kind, system);
    if (day > *newest)
        *newest = day;
}

static int row_may_exist(struct aud_layer *L, char kind, uint32_t system, int32_t day)
{
    int32_t unread_until = L->load_today == INT32_MIN ? INT32_MIN
                           : kind == 'N'               ? L->load_today - 1
                                                       : L->load_today - L->opts.ring_days;
    return day <= unread_until || day <= *newest_known(L, kind, system);
}

/* Rows to write, of one kind: a closed day's automation rows ('D', whose
 * escaped name stays on the automation -- formatting and string-sorting a
 * key per row was most of a day roll's cost with ten thousand automations)
 * or a day's notification counts ('N', one write per system and day instead
 * of one per person notified). Sorted by day, system and escaped name, each
 * system's rows of a day sit together in name order: one packed row each
 * (aud_packed.c). */
struct pending_row {
    int32_t day;
    uint32_t system;
    const char *name;               /* escaped as in keys */
    size_t name_len;
    size_t value;                   /* index into the values */
};

struct pending {
    char kind;                      /* 'D' or 'N' */
    size_t vsize;                   /* bytes per value */
    struct pending_row *rows;       /* small, so sorting moves little */
    unsigned char *values;
    size_t n, cap;
};

/* A new row; returns where its value goes (valid until the next add). */
static unsigned char *pending_add(struct pending *p, int32_t day, uint32_t system,
                                  const char *name, size_t name_len)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1024;
        p->rows = aud_realloc(p->rows, p->cap * sizeof(*p->rows));
        p->values = aud_realloc(p->values, p->cap * p->vsize);
    }
    p->rows[p->n] = (struct pending_row){ day, system, name, name_len, p->n };
    return p->values + p->vsize * p->n++;
}

static int by_day_system_name(const void *pa, const void *pb)
{
    const struct pending_row *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    if (a->system != b->system)
        return a->system < b->system ? -1 : 1;
    return aud_name_cmp(a->name, a->name_len, b->name, b->name_len);
}

static void collect_rows(struct aud_layer *L, struct pending *p)
{
    for (size_t i = 0; i < L->n_flush; i++) {
        struct aud_auto *a = L->autos[L->flush_list[i]];
        a->dirty_listed = 0;
        for (int32_t day = a->dirty_from; day <= a->dirty_to; day++) {
            struct aud_day *d = aud_day_slot(L, a, day, 0);
            if (!d || !d->dirty)
                continue;
            d->dirty = 0;
            if (!a->row_name)
                a->row_name = aud_row_escape(a->name, &a->row_name_len);
            aud_row_encode(d, pending_add(p, d->day, a->system, a->row_name, a->row_name_len));
        }
    }
    L->n_flush = 0;
}

static void collect_counts(struct aud_layer *L, struct pending *p)
{
    for (size_t i = 0; i < L->n_recipients; i++) {
        struct aud_recipient *r = &L->recipients[i];
        if (!r->dirty || r->day == INT32_MIN)
            continue;
        r->dirty = 0;
        if (!r->row_name)
            r->row_name = aud_row_escape(aud_name(&L->names, r->principal), &r->row_name_len);
        put32(pending_add(p, r->day, r->system, r->row_name, r->row_name_len), r->count);
    }
}

/* Rows [from, to) share a day and a system: one packed row ("D/DAY/SYSTEM/"
 * or "N/..."). A name too long to pack keeps a row of its own ("d/DAY/SYSTEM/
 * NAME" or "n/..."), which readers take as well. */
static int put_group(struct aud_layer *L, const struct pending *p, size_t from, size_t to)
{
    int32_t day = p->rows[from].day;
    uint32_t system = p->rows[from].system;
    char *key = aud_row_key(p->kind, day, aud_name(&L->names, system), "");
    size_t prefix_len = strlen(key);
    struct aud_packed_row *packed = aud_realloc(NULL, (to - from) * sizeof(*packed));
    size_t n = 0;
    int rc = CRMGOV_OK;
    for (size_t i = from; i < to; i++) {
        const struct pending_row *row = &p->rows[i];
        const unsigned char *value = p->values + p->vsize * row->value;
        if (row->name_len <= AUD_PACKED_NAME_MAX) {
            packed[n++] = (struct aud_packed_row){ row->name, row->name_len, value };
            continue;
        }
        char *single = aud_realloc(NULL, prefix_len + row->name_len + 1);
        memcpy(single, key, prefix_len);
        single[0] = p->kind == 'N' ? 'n' : 'd';
        memcpy(single + prefix_len, row->name, row->name_len + 1);
        if (L->host->state_put(L->host, single, value, p->vsize) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
        free(single);
    }
    if (n) {
        int fresh = !row_may_exist(L, p->kind, system, day);
        if (aud_packed_put(L, key, packed, n, fresh) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
        note_row(L, p->kind, system, day);
    }
    free(key);
    free(packed);
    return rc;
}

/* Writes the collected rows and frees them. */
static int put_pending(struct aud_layer *L, struct pending *p)
{
    if (p->n > 1)
        qsort(p->rows, p->n, sizeof(*p->rows), by_day_system_name);
    int rc = CRMGOV_OK;
    for (size_t from = 0, to; from < p->n; from = to) {
        for (to = from + 1; to < p->n; to++)
            if (p->rows[to].day != p->rows[from].day || p->rows[to].system != p->rows[from].system)
                break;
        if (put_group(L, p, from, to) != CRMGOV_OK)
            rc = CRMGOV_ERROR;
    }
    free(p->rows);
    free(p->values);
    return rc;
}

int aud_persist_flush(struct aud_layer *L)
{
    if (L->tail_loaded) {
        aud_snapshot_drop(L);
        L->tail_loaded = 0;
    }
    struct pending days = { .kind = 'D', .vsize = AUD_ROW_SIZE };
    struct pending counts = { .kind = 'N', .vsize = 4 };
    collect_rows(L, &days);
    collect_counts(L, &counts);
    int rc = put_pending(L, &days);
    if (put_pending(L, &counts) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* loading at start                                                          */

static int load_inventory_item(void *ctx, const struct crmgov_inventory_item *item)
{
    struct aud_layer *L = ctx;
    const struct crmgov_automation *def = item->automation;
    uint32_t autom;
    struct aud_auto *a = aud_auto_get(L, item->system, def->id, 1, &autom);
    a->first_seen = item->first_seen;
    aud_objinfo_detach(L, autom);
    aud_def_free(&a->def);
    aud_def_compile(L, &a->def, def);
    a->defined = 1;
    a->status = (int)def->status;
    a->active_since = a->status == CRMGOV_STATUS_ACTIVE ? item->status_since : CRMGOV_TIME_NONE;
    aud_objinfo_attach(L, autom);
    return 0;
}

static int load_daily(void *ctx, const struct crmgov_daily *daily)
{
    struct aud_layer *L = ctx;
    struct aud_auto *a = aud_auto_get(L, daily->system, daily->automation, 1, NULL);
    struct aud_day *d = aud_day_slot(L, a, aud_day_of(daily->day), 1);
    if (!d)
        return 0;
    d->executions = daily->executions > UINT32_MAX ? UINT32_MAX : (uint32_t)daily->executions;
    d->failed = daily->failed > UINT32_MAX ? UINT32_MAX : (uint32_t)daily->failed;
    if (d->failed && d->day > a->last_failure_day)
        a->last_failure_day = d->day;
    d->notifications =
        daily->notifications > UINT32_MAX ? UINT32_MAX : (uint32_t)daily->notifications;
    return 0;
}

/* A row of ours into the ring (rows of automations the store never saw an
 * execution or definition of are kept too: conversions can outlive both). */
int aud_apply_row(struct aud_layer *L, const char *key, const void *value, size_t len,
                  int dirty)
{
    char kind, *system, *name;
    int32_t day;
    if (aud_row_key_parse(key, &kind, &day, &system, &name) != 0)
        return 0;
    uint32_t s = aud_names_add(&L->names, system, strlen(system));
    note_row(L, kind, s, day);
    if (kind == 'd') {
        uint32_t autom;
        struct aud_auto *a = aud_auto_get(L, system, name, 1, &autom);
        struct aud_day row;
        struct aud_day *d = aud_day_slot(L, a, day, 1);
        if (d && aud_row_decode(value, len, &row) == 0) {
            d->touched = row.touched;
            d->conversions = row.conversions;
            d->matches = row.matches;
            d->misses = row.misses;
            d->no_trigger = row.no_trigger;
            d->wrong_object = row.wrong_object;
            d->cohort_touched = row.cohort_touched;
            d->cohort_converted = row.cohort_converted;
            d->last_exec_ms = row.last_exec_ms;
            d->spike = row.spike;
            if (dirty)
                aud_mark_dirty(L, autom, d);
        }
    } else if (kind == 'n' && len >= 4 && day == L->today) {
        uint32_t who = aud_names_add(&L->names, name, strlen(name));
        struct aud_recipient *p = aud_recipient_get(L, s, who, NULL);
        p->day = day;
        p->count = get32(value);
        p->dirty = dirty;
    }
    free(system);
    free(name);
    return 0;
}

static int load_row(void *ctx, const char *key, const void *value, size_t len)
{
    return aud_apply_row(ctx, key, value, len, 0);
}

/* The last execution: from the newest day in the ring that has one. */
static void settle_last_exec(struct aud_layer *L, struct aud_auto *a)
{
    for (int32_t d = L->today; d > L->today - L->opts.ring_days; d--) {
        struct aud_day *slot = aud_day_slot(L, a, d, 0);
        if (!slot || !slot->executions)
            continue;
        /* unknown time of day: assume its end, so dormancy is never early */
        uint32_t ms = slot->last_exec_ms != UINT32_MAX ? slot->last_exec_ms
                                                       : (uint32_t)(AUD_DAY_MS - 1);
        crmgov_time t = aud_day_start(d) + ms;
        if (a->last_exec == CRMGOV_TIME_NONE || t > a->last_exec)
            a->last_exec = t;
        return;
    }
}

struct older {
    struct aud_auto *a;
};

static int older_daily(void *ctx, const struct crmgov_daily *daily)
{
    struct older *o = ctx;
    if (!daily->executions)
        return 0;
    crmgov_time t = daily->day + AUD_DAY_MS - 1;
    if (o->a->last_exec == CRMGOV_TIME_NONE || t > o->a->last_exec)
        o->a->last_exec = t;
    return 0;
}

int aud_persist_load(struct aud_layer *L)
{
    const struct crmgov_host *h = L->host;
    crmgov_time now = h->now(h);
    L->clock = now;
    L->today = now == CRMGOV_TIME_NONE ? INT32_MIN : aud_day_of(now);
    L->load_today = L->today;
    if (h->inventory_scan(h, NULL, load_inventory_item, L) < 0)
        return CRMGOV_ERROR;
    if (L->today != INT32_MIN) {
        int32_t first = L->today - L->opts.ring_days + 1;
        if (h->daily_scan(h, NULL, NULL, aud_day_start(first), load_daily, L) < 0)
            return CRMGOV_ERROR;
        for (int32_t d = first; d <= L->today; d++) {
            char prefix[16];
            char text[11];
            aud_day_text(d, text);
            snprintf(prefix, sizeof(prefix), "d/%s/", text);
            if (h->state_scan(h, prefix, load_row, L) < 0)
                return CRMGOV_ERROR;
            prefix[0] = 'D'; /* packed rows after the older single ones: they win */
            if (aud_packed_each(h, prefix, 0, load_row, L) < 0)
                return CRMGOV_ERROR;
        }
        char prefix[16], text[11];
        aud_day_text(L->today, text);
        snprintf(prefix, sizeof(prefix), "n/%s/", text);
        if (h->state_scan(h, prefix, load_row, L) < 0)
            return CRMGOV_ERROR;
        prefix[0] = 'N'; /* packed after single: they win */
        if (aud_packed_each(h, prefix, 0, load_row, L) < 0)
            return CRMGOV_ERROR;
    }
    if (aud_snapshot_load(L) != CRMGOV_OK)
        return CRMGOV_ERROR;
    for (uint32_t i = 0; i < L->n_autos; i++) {
        struct aud_auto *a = L->autos[i];
        if (L->today != INT32_MIN)
            settle_last_exec(L, a);
        int64_t ring_span = (int64_t)(L->opts.ring_days - 1) * AUD_DAY_MS;
        if (a->last_exec == CRMGOV_TIME_NONE && a->status == CRMGOV_STATUS_ACTIVE &&
            L->opts.dormant_after_ms > ring_span && now != CRMGOV_TIME_NONE) {
            struct older o = { a };
            h->daily_scan(h, aud_name(&L->names, a->system), a->name,
                          aud_day_start(aud_day_of(now - L->opts.dormant_after_ms) - 1),
                          older_daily, &o);
        }
        aud_queue_dormant(L, i);
    }
    return aud_load_open_findings(L);
}
