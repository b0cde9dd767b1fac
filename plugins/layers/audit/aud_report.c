/*
 * aud_report.c -- builds the governance report's model from the store:
 * inventory, owners and principals, open findings of every layer, the day
 * series of aud_series.c and the notification counts.
 *
 * The scorecard uses only what is there. Ownership is read from the core's
 * owner table, which holds assignments whether or not the ownership layer
 * runs. Reviews and approvals are what the change layer concluded: an
 * automation counts as reviewed in time without an open CHG004 and as
 * approved without an open CHG001 or CHG005, and both show "not tracked"
 * when the change layer is not configured (no [layer:change] section and no
 * change finding ever), rather than a reassuring 100%.
 */
#include <string.h>

#include "aud_report.h"

#define MAX_EXEC_CHARTS 6
#define MAX_CONVERSION_CHARTS 4
#define MAX_RECIPIENTS 8

static char *dup_str(const char *s)
{
    s = s ? s : "";
    size_t n = strlen(s) + 1;
    char *d = aud_realloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

/* ------------------------------------------------------------------------ */
/* what the builder gathers before it shapes the model                      */

struct auto_info {
    char *system, *id, *name, *object, *trigger;
    int status;
    char owners[256];
    int owned;              /* an active principal holds role system */
    uint32_t open_flags;    /* OPEN_* below */
    int worst;
    char rules[256];
};

enum { OPEN_REVIEW = 1, OPEN_UNAPPROVED = 2, OPEN_HIGH = 4 };

struct gather {
    const char *system;
    struct aud_names keys;          /* "system\0id" -> infos index */
    struct auto_info *infos;
    size_t n, cap;
    struct aud_names systems;       /* system name -> index */
    struct aud_names active_principals;  /* "system\0principal" */
    struct aud_layer_findings **findings;   /* per system */
    size_t *n_findings, *open_total;
    size_t cap_systems;
};

static uint32_t pair(struct aud_names *t, const char *a, const char *b, int create)
{
    size_t la = strlen(a), lb = strlen(b);
    char *key = aud_realloc(NULL, la + lb + 2);
    memcpy(key, a, la + 1);
    memcpy(key + la + 1, b, lb + 1);
    uint32_t id = create ? aud_names_add(t, key, la + lb + 1) : aud_names_find(t, key, la + lb + 1);
    free(key);
    return id;
}

static uint32_t system_index(struct gather *g, const char *system)
{
    uint32_t id = aud_names_add(&g->systems, system, strlen(system));
    if (id >= g->cap_systems) {
        size_t cap = g->cap_systems ? g->cap_systems * 2 : 8;
        while (cap <= id)
            cap *= 2;
        g->findings = aud_realloc(g->findings, cap * sizeof(*g->findings));
        g->n_findings = aud_realloc(g->n_findings, cap * sizeof(*g->n_findings));
        g->open_total = aud_realloc(g->open_total, cap * sizeof(*g->open_total));
        for (size_t i = g->cap_systems; i < cap; i++) {
            g->findings[i] = NULL;
            g->n_findings[i] = g->open_total[i] = 0;
        }
        g->cap_systems = cap;
    }
    return id;
}

static const char *trigger_name(int on)
{
    static const char *const names[] = { "create", "update", "delete", "create_or_update",
                                         "schedule", "manual" };
    return on >= 0 && on < 6 ? names[on] : "other";
}

static const char *status_name(int status)
{
    return status == CRMGOV_STATUS_ACTIVE     ? "active"
           : status == CRMGOV_STATUS_INACTIVE ? "inactive"
                                              : "deleted";
}

static int take_inventory(void *ctx, const struct crmgov_inventory_item *item)
{
    struct gather *g = ctx;
    const struct crmgov_automation *a = item->automation;
    uint32_t id = pair(&g->keys, item->system, a->id, 1);
    if (id < g->n)
        return 0;
    system_index(g, item->system);
    AUD_GROW(g->infos, g->n, g->cap);
    struct auto_info *info = &g->infos[g->n++];
    memset(info, 0, sizeof(*info));
    info->system = dup_str(item->system);
    info->id = dup_str(a->id);
    info->name = dup_str(a->name ? a->name : a->id);
    info->object = dup_str(a->object);
    info->trigger = dup_str(trigger_name((int)a->trigger.on));
    info->status = (int)a->status;
    info->worst = -1;
    return 0;
}

static int take_principal(void *ctx, const struct crmgov_principal_item *item)
{
    struct gather *g = ctx;
    if (item->principal->active)
        pair(&g->active_principals, item->system, item->principal->id, 1);
    return 0;
}

static void append(char *buf, size_t size, const char *text)
{
    size_t len = strlen(buf);
    if (len + strlen(text) + 3 >= size)
        return;
    if (len)
        strcat(buf, ", ");
    strcat(buf, text);
}

static int take_owner(void *ctx, const struct crmgov_owner_item *item)
{
    struct gather *g = ctx;
    if (item->role != CRMGOV_ROLE_SYSTEM)
        return 0;
    uint32_t id = pair(&g->keys, item->system, item->automation, 0);
    if (id == UINT32_MAX || id >= g->n)
        return 0;
    struct auto_info *info = &g->infos[id];
    append(info->owners, sizeof(info->owners), item->principal);
    if (pair(&g->active_principals, item->system, item->principal, 0) != UINT32_MAX)
        info->owned = 1;
    return 0;
}

static void count_layer(struct gather *g, uint32_t sys, const char *layer, int severity)
{
    struct aud_layer_findings *list = g->findings[sys];
    size_t n = g->n_findings[sys], i = 0;
    while (i < n && strcmp(list[i].layer, layer) != 0)
        i++;
    if (i == n) {
        list = aud_realloc(list, (n + 1) * sizeof(*list));
        memset(&list[n], 0, sizeof(list[n]));
        list[n].layer = dup_str(layer);
        g->findings[sys] = list;
        g->n_findings[sys] = n + 1;
    }
    if (severity >= 0 && severity < AUD_SEVERITIES)
        list[i].by_severity[severity]++;
    g->open_total[sys]++;
}

static int take_finding(void *ctx, const struct crmgov_finding *f)
{
    struct gather *g = ctx;
    if (f->state == CRMGOV_FINDING_RESOLVED || !f->system)
        return 0;
    if (g->system && strcmp(g->system, f->system) != 0)
        return 0;
    count_layer(g, system_index(g, f->system), f->layer ? f->layer : "", (int)f->severity);
    if (!f->automation)
        return 0;
    uint32_t id = pair(&g->keys, f->system, f->automation, 0);
    if (id == UINT32_MAX || id >= g->n)
        return 0;
    struct auto_info *info = &g->infos[id];
    if (strcmp(f->rule, "CHG004") == 0)
        info->open_flags |= OPEN_REVIEW;
    if (strcmp(f->rule, "CHG001") == 0 || strcmp(f->rule, "CHG005") == 0)
        info->open_flags |= OPEN_UNAPPROVED;
    if ((int)f->severity >= CRMGOV_SEVERITY_HIGH)
        info->open_flags |= OPEN_HIGH;
    if ((int)f->severity > info->worst)
        info->worst = (int)f->severity;
    if (!strstr(info->rules, f->rule))
        append(info->rules, sizeof(info->rules), f->rule);
    return 0;
}

static int stop_at_first(void *ctx, const struct crmgov_finding *f)
{
    (void)f;
    *(int *)ctx = 1;
    return 1;
}

/* A layer counts as configured when its conventional section exists or it
 * ever raised a finding (an instance under another name). */
static int layer_configured(const struct crmgov_host *h, const char *layer)
{
    char section[64];
    snprintf(section, sizeof(section), "layer:%s", layer);
    if (h->config_global(h, section, "plugin"))
        return 1;
    int seen = 0;
    struct crmgov_finding_filter filter = { .struct_size = sizeof(filter), .layer = layer,
                                            .state = -1, .min_severity = -1 };
    h->findings_scan(h, &filter, stop_at_first, &seen);
    return seen;
}

static void gather_free(struct gather *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->infos[i].system);
        free(g->infos[i].id);
        free(g->infos[i].name);
        free(g->infos[i].object);
        free(g->infos[i].trigger);
    }
    free(g->infos);
    for (size_t i = 0; i < g->systems.n; i++) {
        for (size_t k = 0; k < g->n_findings[i]; k++)
            free(g->findings[i][k].layer);
        free(g->findings[i]);
    }
    free(g->findings);
    free(g->n_findings);
    free(g->open_total);
    aud_names_free(&g->keys);
    aud_names_free(&g->systems);
    aud_names_free(&g->active_principals);
}

/* ------------------------------------------------------------------------ */
/* shaping one system                                                        */

struct period_totals {
    uint64_t executions, failed, notifications, touched, conversions;
    int32_t last_day;
};

static void sum_series(const struct aud_series *e, size_t n_days, struct period_totals *t)
{
    memset(t, 0, sizeof(*t));
    t->last_day = INT32_MIN;
    for (size_t i = 0; e && i < n_days; i++) {
        const struct aud_metric_day *m = &e->days[i];
        t->executions += m->executions;
        t->failed += m->failed;
        t->notifications += m->notifications;
        t->touched += m->touched;
        t->conversions += m->conversions;
        if (m->executions)
            t->last_day = m->day;
    }
}

static void fill_row(struct aud_health_row *row, const struct auto_info *info,
                     const struct aud_series *e, size_t n_days)
{
    struct period_totals t;
    sum_series(e, n_days, &t);
    row->automation = dup_str(info->id);
    row->name = dup_str(info->name);
    row->object = dup_str(info->object);
    row->trigger = dup_str(info->trigger);
    row->status = dup_str(status_name(info->status));
    row->owners = dup_str(info->owners);
    row->open_rules = dup_str(info->rules);
    row->worst = info->worst;
    row->active = info->status == CRMGOV_STATUS_ACTIVE;
    row->executions = t.executions;
    row->failed = t.failed;
    row->notifications = t.notifications;
    row->touched = t.touched;
    row->conversions = t.conversions;
    row->last_day = t.last_day;
    row->p95_ms = e && e->hist ? aud_hist_quantile(e->hist, e->timed, 0.95, e->duration_max_ms)
                               : -1;
}

static int row_order(const void *pa, const void *pb)
{
    const struct aud_health_row *a = pa, *b = pb;
    if (a->worst != b->worst)
        return a->worst > b->worst ? -1 : 1;
    if (a->active != b->active)
        return a->active ? -1 : 1;
    if (a->executions != b->executions)
        return a->executions > b->executions ? -1 : 1;
    return strcmp(a->automation, b->automation);
}

static void exec_charts(struct aud_report_system *rs, struct aud_series_set *s)
{
    size_t n_days = aud_series_days(s);
    rs->total_executions = aud_realloc(NULL, n_days * sizeof(uint64_t));
    rs->total_failed = aud_realloc(NULL, n_days * sizeof(uint64_t));
    memset(rs->total_executions, 0, n_days * sizeof(uint64_t));
    memset(rs->total_failed, 0, n_days * sizeof(uint64_t));
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->items[i].system, rs->system) != 0)
            continue;
        for (size_t d = 0; d < n_days; d++) {
            rs->total_executions[d] += s->items[i].days[d].executions;
            rs->total_failed[d] += s->items[i].days[d].failed;
        }
    }
    /* rows are sorted: findings first, then the busiest */
    rs->exec_charts = aud_realloc(NULL, MAX_EXEC_CHARTS * sizeof(*rs->exec_charts));
    for (size_t i = 0; i < rs->n_rows && rs->n_exec_charts < MAX_EXEC_CHARTS; i++) {
        const struct aud_health_row *row = &rs->rows[i];
        struct aud_series *e = aud_series_get(s, rs->system, row->automation, 0);
        if (!e || !row->executions)
            continue;
        struct aud_chart_exec *c = &rs->exec_charts[rs->n_exec_charts++];
        c->automation = dup_str(row->automation);
        c->executions = aud_realloc(NULL, n_days * sizeof(uint64_t));
        c->failed = aud_realloc(NULL, n_days * sizeof(uint64_t));
        for (size_t d = 0; d < n_days; d++) {
            c->executions[d] = e->days[d].executions;
            c->failed[d] = e->days[d].failed;
        }
    }
}

static void conversion_charts(struct aud_layer *L, struct aud_report_system *rs,
                              struct aud_series_set *s, struct gather *g, int32_t now_day)
{
    size_t n_days = aud_series_days(s);
    size_t n_weeks = (n_days + 6) / 7;
    rs->conversion_charts = aud_realloc(NULL, MAX_CONVERSION_CHARTS * sizeof(*rs->conversion_charts));
    for (size_t i = 0; i < rs->n_rows && rs->n_conversion_charts < MAX_CONVERSION_CHARTS; i++) {
        const struct aud_health_row *row = &rs->rows[i];
        uint32_t id = pair(&g->keys, rs->system, row->automation, 0);
        if (id == UINT32_MAX || strcmp(g->infos[id].object, L->opts.conversion_object) != 0)
            continue;
        struct aud_series *e = aud_series_get(s, rs->system, row->automation, 0);
        uint64_t any = 0;
        for (size_t d = 0; e && d < n_days; d++)
            any += e->days[d].cohort_touched;
        if (!any)
            continue;
        struct aud_chart_conversion *c = &rs->conversion_charts[rs->n_conversion_charts++];
        c->automation = dup_str(row->automation);
        c->n_weeks = n_weeks;
        c->week_from = aud_realloc(NULL, n_weeks * sizeof(int32_t));
        c->touched = aud_realloc(NULL, n_weeks * sizeof(uint64_t));
        c->converted = aud_realloc(NULL, n_weeks * sizeof(uint64_t));
        c->mature = aud_realloc(NULL, n_weeks * sizeof(int));
        /* weeks end on the last day of the period; the first may be shorter */
        for (size_t w = 0; w < n_weeks; w++) {
            int32_t last = s->to - (int32_t)(7 * (n_weeks - 1 - w));
            int32_t first = last - 6 < s->from ? s->from : last - 6;
            c->week_from[w] = first;
            c->touched[w] = c->converted[w] = 0;
            for (int32_t d = first; d <= last; d++) {
                c->touched[w] += e->days[d - s->from].cohort_touched;
                c->converted[w] += e->days[d - s->from].cohort_converted;
            }
            c->mature[w] = last + 1 + L->opts.horizon_days <= now_day;
        }
    }
}

static int recipient_order(const void *pa, const void *pb)
{
    const struct aud_recipient_days *a = pa, *b = pb;
    uint64_t ta = 0, tb = 0;
    for (size_t i = 0; i < a->n_days; i++)
        ta += a->counts[i];
    for (size_t i = 0; i < b->n_days; i++)
        tb += b->counts[i];
    if (ta != tb)
        return ta > tb ? -1 : 1;
    return strcmp(a->principal, b->principal);
}

static void recipient_chart(struct aud_report_system *rs, struct aud_recipient_series *rcp,
                            int32_t from)
{
    if (rcp->n > 1)
        qsort(rcp->items, rcp->n, sizeof(*rcp->items), recipient_order);
    rs->recipients = aud_realloc(NULL, MAX_RECIPIENTS * sizeof(char *));
    rs->recipient_totals = aud_realloc(NULL, MAX_RECIPIENTS * sizeof(uint64_t));
    rs->recipient_peaks = aud_realloc(NULL, MAX_RECIPIENTS * sizeof(uint64_t));
    rs->recipient_peak_days = aud_realloc(NULL, MAX_RECIPIENTS * sizeof(int32_t));
    for (size_t i = 0; i < rcp->n && rs->n_recipients < MAX_RECIPIENTS; i++) {
        const struct aud_recipient_days *p = &rcp->items[i];
        if (strcmp(p->system, rs->system) != 0)
            continue;
        size_t k = rs->n_recipients++;
        rs->recipients[k] = dup_str(p->principal);
        rs->recipient_totals[k] = rs->recipient_peaks[k] = 0;
        rs->recipient_peak_days[k] = from;
        for (size_t d = 0; d < p->n_days; d++) {
            rs->recipient_totals[k] += p->counts[d];
            if (p->counts[d] > rs->recipient_peaks[k]) {
                rs->recipient_peaks[k] = p->counts[d];
                rs->recipient_peak_days[k] = from + (int32_t)d;
            }
        }
    }
}

static void build_system(struct aud_layer *L, struct aud_report *r, struct gather *g,
                         uint32_t sys, struct aud_series_set *s,
                         struct aud_recipient_series *rcp, int32_t now_day)
{
    struct aud_report_system *rs = &r->systems[r->n_systems++];
    memset(rs, 0, sizeof(*rs));
    rs->system = dup_str(aud_name(&g->systems, sys));
    rs->owned.known = rs->free_of_high.known = 1;
    rs->reviewed.known = rs->approved.known = r->change_layer;
    rs->findings = g->findings[sys];
    rs->n_findings_layers = g->n_findings[sys];
    g->findings[sys] = NULL;
    g->n_findings[sys] = 0;
    rs->open_total = g->open_total[sys];
    size_t n_days = aud_series_days(s);
    rs->rows = aud_realloc(NULL, (g->n ? g->n : 1) * sizeof(*rs->rows));
    for (size_t i = 0; i < g->n; i++) {
        const struct auto_info *info = &g->infos[i];
        if (strcmp(info->system, rs->system) != 0)
            continue;
        struct aud_series *e = aud_series_get(s, info->system, info->id, 0);
        int active = info->status == CRMGOV_STATUS_ACTIVE;
        if (active) {
            rs->active++;
            rs->owned.count += info->owned != 0;
            rs->reviewed.count += !(info->open_flags & OPEN_REVIEW);
            rs->approved.count += !(info->open_flags & OPEN_UNAPPROVED);
            rs->free_of_high.count += !(info->open_flags & OPEN_HIGH);
        }
        struct period_totals t;
        sum_series(e, n_days, &t);
        if (active || info->worst >= 0 || t.executions)
            fill_row(&rs->rows[rs->n_rows++], info, e, n_days);
    }
    rs->owned.total = rs->reviewed.total = rs->approved.total = rs->free_of_high.total =
        rs->active;
    if (rs->n_rows > 1)
        qsort(rs->rows, rs->n_rows, sizeof(*rs->rows), row_order);
    exec_charts(rs, s);
    conversion_charts(L, rs, s, g, now_day);
    recipient_chart(rs, rcp, s->from);
}

/* ------------------------------------------------------------------------ */

int aud_report_build(struct aud_layer *L, const char *system, int32_t from, int32_t to,
                     struct aud_report *r)
{
    const struct crmgov_host *h = L->host;
    memset(r, 0, sizeof(*r));
    r->generated_at = h->now(h);
    if (r->generated_at != CRMGOV_TIME_NONE)
        h->time_format(r->generated_at, r->events_until);
    r->from = from;
    r->to = to;
    r->notification_limit = L->opts.max_notifications;
    r->horizon_days = L->opts.horizon_days;
    r->conversion_object = L->opts.conversion_object;
    r->ownership_layer = layer_configured(h, "ownership");
    r->change_layer = layer_configured(h, "change");
    struct gather g = { .system = system };
    struct crmgov_finding_filter open = { .struct_size = sizeof(open), .system = system,
                                          .state = -1, .min_severity = -1 };
    struct aud_series_set s;
    struct aud_recipient_series rcp = { 0 };
    aud_series_init(&s, from, to);
    int rc = CRMGOV_OK;
    if (h->inventory_scan(h, system, take_inventory, &g) < 0 ||
        h->principals_scan(h, system, take_principal, &g) < 0 ||
        h->owners_scan(h, system, NULL, take_owner, &g) < 0 ||
        h->findings_scan(h, &open, take_finding, &g) < 0 ||
        aud_series_fill(L, &s, system, NULL, 1) != CRMGOV_OK ||
        aud_recipients_fill(L, &rcp, system, from, to) != CRMGOV_OK)
        rc = CRMGOV_ERROR;
    if (system)
        system_index(&g, system);
    int32_t now_day = r->generated_at == CRMGOV_TIME_NONE ? to : aud_day_of(r->generated_at);
    r->systems = aud_realloc(NULL, (g.systems.n ? g.systems.n : 1) * sizeof(*r->systems));
    /* systems in name order, so the report reads the same every time */
    uint32_t *order = aud_realloc(NULL, (g.systems.n ? g.systems.n : 1) * sizeof(*order));
    for (uint32_t i = 0; i < g.systems.n; i++)
        order[i] = i;
    for (size_t i = 1; i < g.systems.n; i++)
        for (size_t k = i; k > 0 && strcmp(aud_name(&g.systems, order[k - 1]),
                                           aud_name(&g.systems, order[k])) > 0;
             k--) {
            uint32_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (size_t i = 0; rc == CRMGOV_OK && i < g.systems.n; i++)
        build_system(L, r, &g, order[i], &s, &rcp, now_day);
    free(order);
    aud_series_free(&s);
    aud_recipients_free(&rcp);
    gather_free(&g);
    if (rc != CRMGOV_OK)
        aud_report_free(r);
    return rc;
}

static void free_system(struct aud_report_system *rs)
{
    free(rs->system);
    for (size_t i = 0; i < rs->n_findings_layers; i++)
        free(rs->findings[i].layer);
    free(rs->findings);
    for (size_t i = 0; i < rs->n_rows; i++) {
        struct aud_health_row *row = &rs->rows[i];
        free(row->automation);
        free(row->name);
        free(row->object);
        free(row->trigger);
        free(row->status);
        free(row->owners);
        free(row->open_rules);
    }
    free(rs->rows);
    free(rs->total_executions);
    free(rs->total_failed);
    for (size_t i = 0; i < rs->n_exec_charts; i++) {
        free(rs->exec_charts[i].automation);
        free(rs->exec_charts[i].executions);
        free(rs->exec_charts[i].failed);
    }
    free(rs->exec_charts);
    for (size_t i = 0; i < rs->n_conversion_charts; i++) {
        struct aud_chart_conversion *c = &rs->conversion_charts[i];
        free(c->automation);
        free(c->week_from);
        free(c->touched);
        free(c->converted);
        free(c->mature);
    }
    free(rs->conversion_charts);
    for (size_t i = 0; i < rs->n_recipients; i++)
        free(rs->recipients[i]);
    free(rs->recipients);
    free(rs->recipient_totals);
    free(rs->recipient_peaks);
    free(rs->recipient_peak_days);
}

void aud_report_free(struct aud_report *r)
{
    for (size_t i = 0; i < r->n_systems; i++)
        free_system(&r->systems[i]);
    free(r->systems);
    memset(r, 0, sizeof(*r));
}

double aud_share_value(const struct aud_share *s)
{
    return s->total ? (double)s->count / (double)s->total : 1.0;
}

const char *aud_severity_name(int severity)
{
    static const char *const names[] = { "info", "low", "medium", "high", "critical" };
    return severity >= 0 && severity < AUD_SEVERITIES ? names[severity] : "none";
}
