/*
 * aud_findings.c -- turning the audit layer's counters into findings: keys
 * (docs/rules.md), severities, messages and evidence objects.
 *
 * The layer remembers which of its findings are open (a bit per automation
 * and rule/subject, a flag per principal), loaded from the store at start,
 * so resolving costs nothing when there is nothing to resolve and a busy
 * broken automation refreshes its finding at most once per tick.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

struct rule_info {
    uint32_t flag;
    const char *rule, *name, *subject;
    enum crmgov_severity severity;
};

static const struct rule_info rules[] = {
    { AUD_F_FAILURE, "AUD001", "failure-rate", NULL, CRMGOV_SEVERITY_MEDIUM },
    { AUD_F_MISSED, "AUD002", "missed-action", NULL, CRMGOV_SEVERITY_HIGH },
    { AUD_F_NO_TRIGGER, "AUD003", "unintended-trigger", "no-trigger", CRMGOV_SEVERITY_MEDIUM },
    { AUD_F_WRONG_OBJECT, "AUD003", "unintended-trigger", "wrong-object",
      CRMGOV_SEVERITY_MEDIUM },
    { AUD_F_SPIKE, "AUD003", "unintended-trigger", "spike", CRMGOV_SEVERITY_MEDIUM },
    { AUD_F_CONVERSION, "AUD004", "conversion-decline", NULL, CRMGOV_SEVERITY_MEDIUM },
    { AUD_F_DORMANT, "AUD005", "dormant", NULL, CRMGOV_SEVERITY_LOW },
    { AUD_F_SILENT, "AUD007", "silent-stop", NULL, CRMGOV_SEVERITY_HIGH },
};

static const struct rule_info *rule_of(uint32_t flag)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].flag == flag)
            return &rules[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* evidence helpers                                                          */

static void add_day(cJSON *o, const char *key, int32_t day)
{
    char text[11];
    aud_day_text(day, text);
    cJSON_AddStringToObject(o, key, text);
}

static void add_time(const struct aud_layer *L, cJSON *o, const char *key, crmgov_time t)
{
    if (t == CRMGOV_TIME_NONE) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    char buf[32];
    cJSON_AddStringToObject(o, key, L->host->time_format(t, buf));
}

static double round_to(double v, double unit)
{
    return round(v / unit) * unit;
}

static void add_examples(const struct aud_layer *L, cJSON *o, const char *time_key,
                         const struct aud_example *ex, int32_t from)
{
    cJSON *list = cJSON_AddArrayToObject(o, "examples");
    for (int i = 0; i < AUD_EXAMPLES; i++) {
        if (!ex[i].record || aud_day_of(ex[i].at) < from)
            continue;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "record", ex[i].record);
        add_time(L, item, time_key, ex[i].at);
        cJSON_AddItemToArray(list, item);
    }
}

#define SUM(L, a, from, to, field) aud_day_sum((L), (a), (from), (to), offsetof(struct aud_day, field))

/* ------------------------------------------------------------------------ */
/* per rule: evidence and message                                            */

struct built {
    cJSON *evidence;
    char message[512];
    enum crmgov_severity severity;
};

static void build_failure(struct aud_layer *L, struct aud_auto *a, struct built *b)
{
    int32_t from = L->today - L->opts.window_days + 1;
    uint32_t runs = SUM(L, a, from, L->today, executions);
    uint32_t failed = SUM(L, a, from, L->today, failed);
    double ratio = runs ? (double)failed / runs : 0.0;
    add_day(b->evidence, "window_from", from);
    add_day(b->evidence, "window_to", L->today);
    cJSON_AddNumberToObject(b->evidence, "executions", runs);
    cJSON_AddNumberToObject(b->evidence, "failures", failed);
    cJSON_AddNumberToObject(b->evidence, "failure_rate", round_to(ratio, 1e-4));
    cJSON_AddNumberToObject(b->evidence, "max_failure_rate", L->opts.max_failure_rate);
    cJSON_AddNumberToObject(b->evidence, "min_executions", (double)L->opts.min_executions);
    if (ratio >= 5 * L->opts.max_failure_rate)
        b->severity = CRMGOV_SEVERITY_HIGH;
    snprintf(b->message, sizeof(b->message),
             "%s failed %u of %u runs (%.1f%%) in the %d days to %s; the limit is %.1f%%",
             a->name, failed, runs, 100 * ratio, L->opts.window_days,
             cJSON_GetObjectItem(b->evidence, "window_to")->valuestring,
             100 * L->opts.max_failure_rate);
}

static void build_counted(struct aud_layer *L, struct aud_auto *a, uint32_t flag,
                          struct built *b)
{
    int32_t from = L->today - L->opts.window_days + 1;
    add_day(b->evidence, "window_from", from);
    add_day(b->evidence, "window_to", L->today);
    uint32_t count;
    if (flag == AUD_F_MISSED) {
        count = SUM(L, a, from, L->today, misses);
        cJSON_AddNumberToObject(b->evidence, "count", count);
        cJSON_AddNumberToObject(b->evidence, "sla_seconds", (double)(L->opts.sla_ms / 1000));
        add_examples(L, b->evidence, "changed_at", a->missed, from);
        snprintf(b->message, sizeof(b->message),
                 "%s did not run within %llds of %u matching record change%s in the last %d "
                 "days",
                 a->name, (long long)(L->opts.sla_ms / 1000), count, count == 1 ? "" : "s",
                 L->opts.window_days);
    } else if (flag == AUD_F_NO_TRIGGER) {
        count = SUM(L, a, from, L->today, no_trigger);
        cJSON_AddNumberToObject(b->evidence, "count", count);
        cJSON_AddNumberToObject(b->evidence, "lookback_seconds",
                                (double)(L->opts.lookback_ms / 1000));
        add_examples(L, b->evidence, "executed_at", a->no_trigger, from);
        snprintf(b->message, sizeof(b->message),
                 "%s ran %u time%s in the last %d days with no matching trigger change on the "
                 "record in the %llds before",
                 a->name, count, count == 1 ? "" : "s", L->opts.window_days,
                 (long long)(L->opts.lookback_ms / 1000));
    } else {
        count = SUM(L, a, from, L->today, wrong_object);
        const char *seen = aud_name(&L->names, a->wrong_object_name);
        const char *own = a->defined ? aud_name(&L->names, a->def.object) : "";
        cJSON_AddNumberToObject(b->evidence, "count", count);
        cJSON_AddStringToObject(b->evidence, "object", own);
        cJSON_AddStringToObject(b->evidence, "ran_on", seen);
        add_examples(L, b->evidence, "executed_at", a->wrong_object, from);
        snprintf(b->message, sizeof(b->message),
                 "%s (on %s) ran %u time%s on %s records in the last %d days", a->name, own,
                 count, count == 1 ? "" : "s", seen, L->opts.window_days);
    }
}

static void build_spike(struct aud_layer *L, struct aud_auto *a, struct built *b)
{
    int32_t day = L->today;
    for (int32_t d = L->today; d > L->today - L->opts.window_days; d--) {
        struct aud_day *slot = aud_day_slot(L, a, d, 0);
        if (slot && slot->spike) {
            day = d;
            break;
        }
    }
    struct aud_day *slot = aud_day_slot(L, a, day, 0);
    uint32_t runs = slot ? slot->executions : 0;
    double mean = (double)SUM(L, a, day - L->opts.baseline_days, day - 1, executions) /
                  L->opts.baseline_days;
    add_day(b->evidence, "day", day);
    cJSON_AddNumberToObject(b->evidence, "executions", runs);
    cJSON_AddNumberToObject(b->evidence, "baseline_daily_mean", round_to(mean, 1e-3));
    cJSON_AddNumberToObject(b->evidence, "baseline_days", L->opts.baseline_days);
    cJSON_AddNumberToObject(b->evidence, "spike_factor", L->opts.spike_factor);
    cJSON_AddNumberToObject(b->evidence, "min_executions", (double)L->opts.min_executions);
    snprintf(b->message, sizeof(b->message),
             "%s ran %u times on %s, over %g x its %d-day daily mean of %.1f", a->name, runs,
             cJSON_GetObjectItem(b->evidence, "day")->valuestring, L->opts.spike_factor,
             L->opts.baseline_days, mean);
}

static void add_sample(cJSON *o, const char *key, int32_t from, int32_t to, uint64_t n,
                       uint64_t x, double rate)
{
    cJSON *s = cJSON_AddObjectToObject(o, key);
    add_day(s, "from", from);
    add_day(s, "to", to);
    cJSON_AddNumberToObject(s, "touched", (double)n);
    cJSON_AddNumberToObject(s, "converted", (double)x);
    cJSON_AddNumberToObject(s, "rate", round_to(rate, 1e-4));
}

static void build_conversion(struct aud_layer *L, struct aud_auto *a, struct built *b)
{
    struct aud_conversion_test t;
    aud_conversion_test(L, a, L->today, &t);
    add_sample(b->evidence, "baseline", t.baseline_from, t.baseline_to, t.baseline_n,
               t.baseline_x, t.baseline_rate);
    add_sample(b->evidence, "window", t.window_from, t.window_to, t.window_n, t.window_x,
               t.window_rate);
    cJSON_AddNumberToObject(b->evidence, "z", round_to(t.z, 1e-4));
    cJSON_AddNumberToObject(b->evidence, "p", t.p < 1e-6 ? t.p : round_to(t.p, 1e-6));
    cJSON_AddNumberToObject(b->evidence, "significance", L->opts.significance);
    cJSON_AddNumberToObject(b->evidence, "horizon_days", L->opts.horizon_days);
    cJSON_AddStringToObject(b->evidence, "conversion",
                            L->opts.conversion_field ? L->opts.conversion_field : "");
    snprintf(b->message, sizeof(b->message),
             "%s: %.1f%% of the %s records it touched converted within %d days, down from "
             "%.1f%% (z = %.2f, p = %.4f)",
             a->name, 100 * t.window_rate, L->opts.conversion_object, L->opts.horizon_days,
             100 * t.baseline_rate, t.z, t.p);
}

static void build_dormant(struct aud_layer *L, struct aud_auto *a, struct built *b,
                          crmgov_time at)
{
    crmgov_time since = a->last_exec != CRMGOV_TIME_NONE && a->last_exec > a->active_since
                            ? a->last_exec
                            : a->active_since;
    add_time(L, b->evidence, "last_execution", a->last_exec);
    add_time(L, b->evidence, "active_since", a->active_since);
    double idle_days = since == CRMGOV_TIME_NONE ? 0 : (double)(at - since) / AUD_DAY_MS;
    cJSON_AddNumberToObject(b->evidence, "idle_days", round_to(idle_days, 0.01));
    cJSON_AddNumberToObject(b->evidence, "dormant_after_days",
                            round_to((double)L->opts.dormant_after_ms / AUD_DAY_MS, 0.01));
    char buf[32];
    if (a->last_exec == CRMGOV_TIME_NONE)
        snprintf(b->message, sizeof(b->message), "%s is active but has never run (active since %s)",
                 a->name, L->host->time_format(a->active_since, buf));
    else
        snprintf(b->message, sizeof(b->message), "%s is active but has not run since %s",
                 a->name, L->host->time_format(since, buf));
}

static void build_silent(struct aud_layer *L, struct aud_auto *a, struct built *b)
{
    int32_t w_to = L->today - 1, w_from = L->today - L->opts.window_days;
    int32_t b_to = w_from - 1, b_from = w_from - L->opts.baseline_days;
    uint32_t e_w = SUM(L, a, w_from, w_to, executions);
    uint32_t m_w = SUM(L, a, w_from, w_to, matches);
    uint32_t e_b = SUM(L, a, b_from, b_to, executions);
    double expected = (double)e_b * L->opts.window_days / L->opts.baseline_days;
    add_day(b->evidence, "window_from", w_from);
    add_day(b->evidence, "window_to", w_to);
    add_day(b->evidence, "baseline_from", b_from);
    add_day(b->evidence, "baseline_to", b_to);
    cJSON_AddNumberToObject(b->evidence, "executions", e_w);
    cJSON_AddNumberToObject(b->evidence, "expected_executions", round_to(expected, 0.01));
    cJSON_AddNumberToObject(b->evidence, "baseline_executions", e_b);
    cJSON_AddNumberToObject(b->evidence, "matching_changes", m_w);
    cJSON_AddNumberToObject(b->evidence, "silent_ratio", L->opts.silent_ratio);
    snprintf(b->message, sizeof(b->message),
             "%s ran %u times in the %d days to %s (about %.0f expected) while %u record "
             "changes matched its trigger",
             a->name, e_w, L->opts.window_days,
             cJSON_GetObjectItem(b->evidence, "window_to")->valuestring, expected, m_w);
}

static void build(struct aud_layer *L, struct aud_auto *a, uint32_t flag, crmgov_time at,
                  struct built *b)
{
    b->evidence = cJSON_CreateObject();
    b->message[0] = '\0';
    switch (flag) {
    case AUD_F_FAILURE:
        build_failure(L, a, b);
        break;
    case AUD_F_MISSED:
    case AUD_F_NO_TRIGGER:
    case AUD_F_WRONG_OBJECT:
        build_counted(L, a, flag, b);
        break;
    case AUD_F_SPIKE:
        build_spike(L, a, b);
        break;
    case AUD_F_CONVERSION:
        build_conversion(L, a, b);
        break;
    case AUD_F_DORMANT:
        build_dormant(L, a, b, at);
        break;
    case AUD_F_SILENT:
        build_silent(L, a, b);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* raise, refresh, resolve                                                   */

void aud_raise_auto(struct aud_layer *L, uint32_t autom, uint32_t flag, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    const struct rule_info *info = rule_of(flag);
    if (!info)
        return;
    struct built b = { .severity = info->severity };
    build(L, a, flag, at, &b);
    char *evidence = cJSON_PrintUnformatted(b.evidence);
    struct crmgov_finding f = {
        .struct_size = sizeof(f), .rule = info->rule, .name = info->name,
        .severity = b.severity, .system = aud_name(&L->names, a->system),
        .automation = a->name, .subject = info->subject, .message = b.message,
        .evidence_json = evidence,
    };
    L->host->finding_raise(L->host, &f, at);
    cJSON_free(evidence);
    cJSON_Delete(b.evidence);
    a->open |= flag;
    a->refresh &= ~flag;
}

void aud_resolve_auto(struct aud_layer *L, uint32_t autom, uint32_t flags, crmgov_time at)
{
    struct aud_auto *a = L->autos[autom];
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        uint32_t flag = rules[i].flag;
        if (!(flags & flag & a->open))
            continue;
        L->host->finding_resolve(L->host, rules[i].rule, aud_name(&L->names, a->system),
                                 a->name, rules[i].subject, at);
        a->open &= ~flag;
        a->refresh &= ~flag;
        if (flag == AUD_F_MISSED)
            aud_examples_clear(a->missed);
        else if (flag == AUD_F_NO_TRIGGER)
            aud_examples_clear(a->no_trigger);
        else if (flag == AUD_F_WRONG_OBJECT)
            aud_examples_clear(a->wrong_object);
    }
}

void aud_refresh_later(struct aud_layer *L, uint32_t autom, uint32_t flag)
{
    struct aud_auto *a = L->autos[autom];
    a->refresh |= flag;
    if (!a->refresh_listed) {
        a->refresh_listed = 1;
        AUD_GROW(L->refresh_list, L->n_refresh, L->cap_refresh);
        L->refresh_list[L->n_refresh++] = autom;
    }
}

static int by_count_desc(const void *pa, const void *pb)
{
    const struct aud_notify_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->autom < b->autom ? -1 : a->autom > b->autom;
}

void aud_raise_recipient(struct aud_layer *L, uint32_t index, crmgov_time at)
{
    struct aud_recipient *p = &L->recipients[index];
    if (p->n_by_auto > 1)
        qsort(p->by_auto, p->n_by_auto, sizeof(*p->by_auto), by_count_desc);
    cJSON *evidence = cJSON_CreateObject();
    add_day(evidence, "day", p->day);
    cJSON_AddNumberToObject(evidence, "notifications", p->count);
    cJSON_AddNumberToObject(evidence, "limit", (double)L->opts.max_notifications);
    cJSON *top = cJSON_AddArrayToObject(evidence, "top_automations");
    for (size_t i = 0; i < p->n_by_auto && i < 5; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "automation", L->autos[p->by_auto[i].autom]->name);
        cJSON_AddNumberToObject(item, "notifications", p->by_auto[i].count);
        cJSON_AddItemToArray(top, item);
    }
    const char *who = aud_name(&L->names, p->principal);
    char message[512];
    snprintf(message, sizeof(message),
             "%s received %u notifications from %zu automation%s on %s (limit %lld); most from "
             "%s",
             who, p->count, p->n_by_auto, p->n_by_auto == 1 ? "" : "s",
             cJSON_GetObjectItem(evidence, "day")->valuestring,
             (long long)L->opts.max_notifications,
             p->n_by_auto ? L->autos[p->by_auto[0].autom]->name : "-");
    char *text = cJSON_PrintUnformatted(evidence);
    struct crmgov_finding f = {
        .struct_size = sizeof(f), .rule = "AUD006", .name = "notification-overload",
        .severity = CRMGOV_SEVERITY_MEDIUM, .system = aud_name(&L->names, p->system),
        .automation = NULL, .subject = who, .message = message, .evidence_json = text,
    };
    L->host->finding_raise(L->host, &f, at);
    cJSON_free(text);
    cJSON_Delete(evidence);
    p->open = 1;
}

void aud_resolve_recipient(struct aud_layer *L, uint32_t index, crmgov_time at)
{
    struct aud_recipient *p = &L->recipients[index];
    if (!p->open)
        return;
    L->host->finding_resolve(L->host, "AUD006", aud_name(&L->names, p->system), NULL,
                             aud_name(&L->names, p->principal), at);
    p->open = 0;
}

void aud_refresh_pending(struct aud_layer *L, crmgov_time at)
{
    for (size_t i = 0; i < L->n_refresh; i++) {
        uint32_t autom = L->refresh_list[i];
        struct aud_auto *a = L->autos[autom];
        uint32_t due = a->refresh & a->open;
        a->refresh = 0;
        a->refresh_listed = 0;
        for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++)
            if (due & rules[k].flag)
                aud_raise_auto(L, autom, rules[k].flag, at);
    }
    L->n_refresh = 0;
    for (size_t i = 0; i < L->n_refresh_recipients; i++) {
        uint32_t index = L->refresh_recipients[i];
        struct aud_recipient *p = &L->recipients[index];
        p->refresh_listed = 0;
        if (p->open)
            aud_raise_recipient(L, index, at);
    }
    L->n_refresh_recipients = 0;
}

/* ------------------------------------------------------------------------ */
/* open findings at start                                                    */

static void restore_examples(struct aud_layer *L, struct aud_example *ex, const char *evidence,
                             const char *time_key)
{
    cJSON *root = cJSON_Parse(evidence ? evidence : "{}");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "examples");
    const cJSON *item;
    int n = 0;
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *record = cJSON_GetObjectItemCaseSensitive(item, "record");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(item, time_key);
        if (n >= AUD_EXAMPLES || !cJSON_IsString(record) || !cJSON_IsString(at))
            continue;
        crmgov_time t = L->host->time_parse(at->valuestring);
        if (t == CRMGOV_TIME_NONE)
            continue;
        size_t len = strlen(record->valuestring);
        ex[n].record = aud_realloc(NULL, len + 1);
        memcpy(ex[n].record, record->valuestring, len + 1);
        ex[n].at = t;
        n++;
    }
    cJSON_Delete(root);
}

static int open_finding(void *ctx, const struct crmgov_finding *f)
{
    struct aud_layer *L = ctx;
    if (f->state == CRMGOV_FINDING_RESOLVED || !f->system)
        return 0;
    if (strcmp(f->rule, "AUD006") == 0) {
        if (!f->subject)
            return 0;
        uint32_t system = aud_names_add(&L->names, f->system, strlen(f->system));
        uint32_t who = aud_names_add(&L->names, f->subject, strlen(f->subject));
        aud_recipient_get(L, system, who, NULL)->open = 1;
        return 0;
    }
    if (!f->automation)
        return 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const struct rule_info *r = &rules[i];
        if (strcmp(r->rule, f->rule) != 0 ||
            (r->subject ? !f->subject || strcmp(r->subject, f->subject) != 0 : f->subject != NULL))
            continue;
        struct aud_auto *a = aud_auto_get(L, f->system, f->automation, 1, NULL);
        a->open |= r->flag;
        if (r->flag == AUD_F_MISSED)
            restore_examples(L, a->missed, f->evidence_json, "changed_at");
        else if (r->flag == AUD_F_NO_TRIGGER)
            restore_examples(L, a->no_trigger, f->evidence_json, "executed_at");
        else if (r->flag == AUD_F_WRONG_OBJECT)
            restore_examples(L, a->wrong_object, f->evidence_json, "executed_at");
    }
    return 0;
}

int aud_load_open_findings(struct aud_layer *L)
{
    struct crmgov_finding_filter filter = { .struct_size = sizeof(filter), .layer = "audit",
                                            .state = -1, .min_severity = -1 };
    return L->host->findings_scan(L->host, &filter, open_finding, L) < 0 ? CRMGOV_ERROR
                                                                      : CRMGOV_OK;
}
