/*
 * aud_series.c -- per automation per day metrics read back from the store:
 * the core's daily aggregates (executions, failures, notifications, the
 * duration histogram) joined with the layer's own day rows (records
 * touched, conversions, the conversion cohort), for the metrics and report
 * commands.
 *
 * Commands read the store, never the rules' memory: when the layer is live
 * (the SDK harness) it first writes its pending rows inside the command's
 * transaction; otherwise the rows the last stop left in the snapshot are
 * laid over the stored ones. Either way both commands show what a later
 * run would find in the store.
 */
#include <stdio.h>
#include <string.h>

#include "aud_report.h"

void aud_series_init(struct aud_series_set *s, int32_t from, int32_t to)
{
    memset(s, 0, sizeof(*s));
    s->from = from;
    s->to = to < from ? from : to;
}

void aud_series_free(struct aud_series_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].days);
        free(s->items[i].hist);
    }
    free(s->items);
    aud_names_free(&s->keys);
    memset(s, 0, sizeof(*s));
}

size_t aud_series_days(const struct aud_series_set *s)
{
    return (size_t)(s->to - s->from + 1);
}

struct aud_series *aud_series_get(struct aud_series_set *s, const char *system,
                                  const char *automation, int create)
{
    size_t ls = strlen(system), la = strlen(automation);
    char *key = aud_realloc(NULL, ls + la + 2);
    memcpy(key, system, ls + 1);
    memcpy(key + ls + 1, automation, la + 1);
    uint32_t id = create ? aud_names_add(&s->keys, key, ls + la + 1)
                         : aud_names_find(&s->keys, key, ls + la + 1);
    free(key);
    if (id == UINT32_MAX)
        return NULL;
    if (id >= s->n) {
        AUD_GROW(s->items, s->n, s->cap);
        struct aud_series *e = &s->items[s->n++];
        memset(e, 0, sizeof(*e));
        e->system = s->keys.keys[id];
        e->automation = s->keys.keys[id] + ls + 1;
        size_t n = aud_series_days(s);
        e->days = aud_realloc(NULL, n * sizeof(*e->days));
        memset(e->days, 0, n * sizeof(*e->days));
        for (size_t i = 0; i < n; i++) {
            e->days[i].day = s->from + (int32_t)i;
            e->days[i].median_ms = e->days[i].p95_ms = -1;
        }
    }
    return &s->items[id];
}

static struct aud_metric_day *day_of_series(struct aud_series_set *s, struct aud_series *e,
                                            int32_t day)
{
    if (!e || day < s->from || day > s->to)
        return NULL;
    return &e->days[day - s->from];
}

/* ------------------------------------------------------------------------ */
/* the core's daily aggregates                                               */

struct daily_ctx {
    struct aud_series_set *s;
    int create;
};

static int take_daily(void *ctx, const struct crmgov_daily *d)
{
    struct daily_ctx *c = ctx;
    struct aud_series *e = aud_series_get(c->s, d->system, d->automation, c->create);
    struct aud_metric_day *m = day_of_series(c->s, e, aud_day_of(d->day));
    if (!m)
        return 0;
    m->executions = d->executions;
    m->failed = d->failed;
    m->notifications = d->notifications;
    m->timed = d->timed;
    m->median_ms = aud_hist_quantile(d->hist, d->timed, 0.5, d->duration_max_ms);
    m->p95_ms = aud_hist_quantile(d->hist, d->timed, 0.95, d->duration_max_ms);
    e->present = 1;
    if (d->timed && d->hist) {
        if (!e->hist) {
            e->hist = aud_realloc(NULL, CRMGOV_DURATION_BUCKETS * sizeof(*e->hist));
            memset(e->hist, 0, CRMGOV_DURATION_BUCKETS * sizeof(*e->hist));
        }
        for (unsigned b = 0; b < CRMGOV_DURATION_BUCKETS; b++)
            e->hist[b] += d->hist[b];
        e->timed += d->timed;
        if (d->duration_max_ms > e->duration_max_ms)
            e->duration_max_ms = d->duration_max_ms;
    }
    return 0;
}

static int fill_daily(const struct crmgov_host *h, struct aud_series_set *s,
                      const char *system, const char *automation, int create)
{
    struct daily_ctx c = { s, create };
    return h->daily_scan(h, system, automation, aud_day_start(s->from), take_daily, &c) < 0
               ? CRMGOV_ERROR
               : CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* the layer's rows                                                          */

struct row_ctx {
    struct aud_series_set *s;
    const char *system;     /* only this system's rows; NULL = all */
    int create;
};

static int take_row(void *ctx, const char *key, const void *value, size_t len)
{
    struct row_ctx *c = ctx;
    char kind, *system, *name;
    int32_t day;
    if (aud_row_key_parse(key, &kind, &day, &system, &name) != 0)
        return 0;
    struct aud_day row;
    if (kind == 'd' && (!c->system || strcmp(c->system, system) == 0) &&
        aud_row_decode(value, len, &row) == 0) {
        struct aud_series *e = aud_series_get(c->s, system, name, c->create);
        struct aud_metric_day *m = day_of_series(c->s, e, day);
        if (m) {
            m->touched = row.touched;
            m->conversions = row.conversions;
            m->cohort_touched = row.cohort_touched;
            m->cohort_converted = row.cohort_converted;
            m->matches = row.matches;
            m->misses = row.misses;
            e->present = 1;
        }
    }
    free(system);
    free(name);
    return 0;
}

struct overlay_ctx {
    struct row_ctx rows;
    const char *automation;
};

static int take_overlay(void *ctx, const char *key, const void *value, size_t len);

/* One day's rows: single "d/" rows of earlier versions first, then the
 * packed "D/" rows, which are newer and win (aud_packed.c). */
static int fill_day(const struct crmgov_host *h, struct row_ctx *c, int32_t day,
                    const char *system, const char *automation)
{
    int rc;
    if (system && automation) {
        char *key = aud_row_key('d', day, system, automation);
        rc = h->state_get(h, key, take_row, c);
        free(key);
        char *packed = aud_row_key('D', day, system, "");
        struct overlay_ctx only = { *c, automation };
        if (rc >= 0)
            rc = aud_packed_each(h, packed, 1, take_overlay, &only);
        free(packed);
        return rc;
    }
    char *prefix = aud_row_key('d', day, system ? system : "", "");
    if (!system)
        prefix[13] = '\0'; /* "d/DAY/" */
    rc = h->state_scan(h, prefix, take_row, c);
    prefix[0] = 'D';
    if (rc >= 0)
        rc = aud_packed_each(h, prefix, 0, take_row, c);
    free(prefix);
    return rc;
}

static int fill_rows(const struct crmgov_host *h, struct aud_series_set *s,
                         const char *system, const char *automation, int create)
{
    struct row_ctx c = { s, system, create };
    for (int32_t day = s->from; day <= s->to; day++)
        if (fill_day(h, &c, day, system, automation) < 0)
            return CRMGOV_ERROR;
    return CRMGOV_OK;
}

static int take_overlay(void *ctx, const char *key, const void *value, size_t len)
{
    struct overlay_ctx *o = ctx;
    char kind, *system, *name;
    int32_t day;
    if (aud_row_key_parse(key, &kind, &day, &system, &name) != 0)
        return 0;
    int wanted = !o->automation || strcmp(o->automation, name) == 0;
    free(system);
    free(name);
    return wanted ? take_row(&o->rows, key, value, len) : 0;
}

static int fill_overlay(const struct crmgov_host *h, struct aud_series_set *s,
                            const char *system, const char *automation, int create)
{
    struct overlay_ctx o = { { s, system, create }, automation };
    return aud_snapshot_rows(h, take_overlay, &o);
}

int aud_series_prepare(struct aud_layer *L)
{
    /* live: write what only memory holds, inside the command's transaction */
    return L->started ? aud_persist_flush(L) : CRMGOV_OK;
}

int aud_series_fill(struct aud_layer *L, struct aud_series_set *s, const char *system,
                    const char *automation, int create)
{
    const struct crmgov_host *h = L->host;
    if (aud_series_prepare(L) != CRMGOV_OK ||
        fill_daily(h, s, system, automation, create) != CRMGOV_OK ||
        fill_rows(h, s, system, automation, create) != CRMGOV_OK)
        return CRMGOV_ERROR;
    return L->started ? CRMGOV_OK : fill_overlay(h, s, system, automation, create);
}

/* ------------------------------------------------------------------------ */
/* notifications per principal per day                                       */

struct notify_ctx {
    struct aud_recipient_series *out;
    const char *system;
    int32_t from, to;
};

static struct aud_recipient_days *recipient_of(struct aud_recipient_series *r,
                                               const char *system, const char *principal,
                                               int32_t from, int32_t to)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].system, system) == 0 &&
            strcmp(r->items[i].principal, principal) == 0)
            return &r->items[i];
    AUD_GROW(r->items, r->n, r->cap);
    struct aud_recipient_days *p = &r->items[r->n++];
    memset(p, 0, sizeof(*p));
    p->system = aud_realloc(NULL, strlen(system) + 1);
    strcpy(p->system, system);
    p->principal = aud_realloc(NULL, strlen(principal) + 1);
    strcpy(p->principal, principal);
    p->n_days = (size_t)(to - from + 1);
    p->counts = aud_realloc(NULL, p->n_days * sizeof(*p->counts));
    memset(p->counts, 0, p->n_days * sizeof(*p->counts));
    return p;
}

static int take_notify(void *ctx, const char *key, const void *value, size_t len)
{
    struct notify_ctx *c = ctx;
    char kind, *system, *name;
    int32_t day;
    if (aud_row_key_parse(key, &kind, &day, &system, &name) != 0)
        return 0;
    if (kind == 'n' && len >= 4 && day >= c->from && day <= c->to &&
        (!c->system || strcmp(c->system, system) == 0)) {
        const unsigned char *p = value;
        uint32_t count = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24;
        struct aud_recipient_days *r = recipient_of(c->out, system, name, c->from, c->to);
        r->counts[day - c->from] = count;
    }
    free(system);
    free(name);
    return 0;
}

int aud_recipients_fill(struct aud_layer *L, struct aud_recipient_series *out,
                        const char *system, int32_t from, int32_t to)
{
    const struct crmgov_host *h = L->host;
    struct notify_ctx c = { out, system, from, to };
    if (aud_series_prepare(L) != CRMGOV_OK)
        return CRMGOV_ERROR;
    for (int32_t day = from; day <= to; day++) {
        char *prefix = aud_row_key('n', day, system ? system : "", "");
        if (!system)
            prefix[13] = '\0';
        int rc = h->state_scan(h, prefix, take_notify, &c);
        prefix[0] = 'N'; /* packed after single: they win */
        if (rc >= 0)
            rc = aud_packed_each(h, prefix, system != NULL, take_notify, &c);
        free(prefix);
        if (rc < 0)
            return CRMGOV_ERROR;
    }
    return L->started ? CRMGOV_OK : aud_snapshot_rows(h, take_notify, &c);
}

void aud_recipients_free(struct aud_recipient_series *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].system);
        free(r->items[i].principal);
        free(r->items[i].counts);
    }
    free(r->items);
    memset(r, 0, sizeof(*r));
}
