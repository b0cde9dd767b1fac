/*
 * aud_report_out.c -- the report as text (for a terminal) and as JSON (for
 * programs, and the reference the HTML page is tested against: every
 * number the page shows is in the JSON).
 */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aud_report.h"

static void day_text(int32_t day, char out[11])
{
    aud_day_text(day, out);
}

static double ratio4(uint64_t part, uint64_t whole)
{
    return whole ? round(10000.0 * (double)part / (double)whole) / 10000.0 : 0.0;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

static void add_share(cJSON *o, const char *key, const struct aud_share *s)
{
    if (!s->known) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    cJSON *v = cJSON_AddObjectToObject(o, key);
    cJSON_AddNumberToObject(v, "count", (double)s->count);
    cJSON_AddNumberToObject(v, "total", (double)s->total);
    cJSON_AddNumberToObject(v, "share", round(10000.0 * aud_share_value(s)) / 10000.0);
}

static void add_day(cJSON *o, const char *key, int32_t day)
{
    char text[11];
    day_text(day, text);
    cJSON_AddStringToObject(o, key, text);
}

static cJSON *string_list(const char *joined)
{
    cJSON *list = cJSON_CreateArray();
    const char *p = joined;
    while (p && *p) {
        const char *comma = strstr(p, ", ");
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *item = aud_realloc(NULL, len + 1);
        memcpy(item, p, len);
        item[len] = '\0';
        cJSON_AddItemToArray(list, cJSON_CreateString(item));
        free(item);
        p = comma ? comma + 2 : NULL;
    }
    return list;
}

static cJSON *u64_array(const uint64_t *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}

static void json_rows(cJSON *sys, const struct aud_report_system *rs)
{
    cJSON *rows = cJSON_AddArrayToObject(sys, "automations");
    for (size_t i = 0; i < rs->n_rows; i++) {
        const struct aud_health_row *row = &rs->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "automation", row->automation);
        cJSON_AddStringToObject(o, "name", row->name);
        cJSON_AddStringToObject(o, "status", row->status);
        cJSON_AddStringToObject(o, "object", row->object);
        cJSON_AddStringToObject(o, "trigger", row->trigger);
        cJSON_AddItemToObject(o, "owners", string_list(row->owners));
        cJSON_AddNumberToObject(o, "executions", (double)row->executions);
        cJSON_AddNumberToObject(o, "failures", (double)row->failed);
        cJSON_AddNumberToObject(o, "failure_rate", ratio4(row->failed, row->executions));
        if (row->p95_ms < 0)
            cJSON_AddNullToObject(o, "duration_p95_ms");
        else
            cJSON_AddNumberToObject(o, "duration_p95_ms", (double)row->p95_ms);
        cJSON_AddNumberToObject(o, "notifications", (double)row->notifications);
        cJSON_AddNumberToObject(o, "records_touched", (double)row->touched);
        cJSON_AddNumberToObject(o, "conversions", (double)row->conversions);
        if (row->last_day == INT32_MIN)
            cJSON_AddNullToObject(o, "last_run_day");
        else
            add_day(o, "last_run_day", row->last_day);
        cJSON_AddItemToObject(o, "open_findings", string_list(row->open_rules));
        if (row->worst < 0)
            cJSON_AddNullToObject(o, "worst_severity");
        else
            cJSON_AddStringToObject(o, "worst_severity", aud_severity_name(row->worst));
        cJSON_AddItemToArray(rows, o);
    }
}

static void json_charts(cJSON *sys, const struct aud_report *r,
                        const struct aud_report_system *rs)
{
    size_t n_days = (size_t)(r->to - r->from + 1);
    cJSON *charts = cJSON_AddObjectToObject(sys, "charts");
    cJSON *days = cJSON_AddArrayToObject(charts, "days");
    for (int32_t d = r->from; d <= r->to; d++) {
        char text[11];
        day_text(d, text);
        cJSON_AddItemToArray(days, cJSON_CreateString(text));
    }
    cJSON_AddItemToObject(charts, "executions_total", u64_array(rs->total_executions, n_days));
    cJSON_AddItemToObject(charts, "failures_total", u64_array(rs->total_failed, n_days));
    cJSON *exec = cJSON_AddArrayToObject(charts, "executions");
    for (size_t i = 0; i < rs->n_exec_charts; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "automation", rs->exec_charts[i].automation);
        cJSON_AddItemToObject(o, "executions", u64_array(rs->exec_charts[i].executions, n_days));
        cJSON_AddItemToObject(o, "failures", u64_array(rs->exec_charts[i].failed, n_days));
        cJSON_AddItemToArray(exec, o);
    }
    cJSON *conv = cJSON_AddArrayToObject(charts, "conversion");
    for (size_t i = 0; i < rs->n_conversion_charts; i++) {
        const struct aud_chart_conversion *c = &rs->conversion_charts[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "automation", c->automation);
        cJSON *weeks = cJSON_AddArrayToObject(o, "weeks");
        for (size_t w = 0; w < c->n_weeks; w++) {
            cJSON *wk = cJSON_CreateObject();
            add_day(wk, "from", c->week_from[w]);
            cJSON_AddNumberToObject(wk, "touched", (double)c->touched[w]);
            cJSON_AddNumberToObject(wk, "converted", (double)c->converted[w]);
            if (c->touched[w])
                cJSON_AddNumberToObject(wk, "rate", ratio4(c->converted[w], c->touched[w]));
            else
                cJSON_AddNullToObject(wk, "rate");
            cJSON_AddBoolToObject(wk, "mature", c->mature[w]);
            cJSON_AddItemToArray(weeks, wk);
        }
        cJSON_AddItemToArray(conv, o);
    }
    cJSON *notify = cJSON_AddArrayToObject(charts, "notifications");
    for (size_t i = 0; i < rs->n_recipients; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "principal", rs->recipients[i]);
        cJSON_AddNumberToObject(o, "total", (double)rs->recipient_totals[i]);
        cJSON_AddNumberToObject(o, "peak", (double)rs->recipient_peaks[i]);
        add_day(o, "peak_day", rs->recipient_peak_days[i]);
        cJSON_AddItemToArray(notify, o);
    }
}

char *aud_report_json(const struct aud_report *r)
{
    cJSON *root = cJSON_CreateObject();
    if (!r->events_until[0])
        cJSON_AddNullToObject(root, "events_until");
    else
        cJSON_AddStringToObject(root, "events_until", r->events_until);
    cJSON *period = cJSON_AddObjectToObject(root, "period");
    add_day(period, "from", r->from);
    add_day(period, "to", r->to);
    cJSON *layers = cJSON_AddObjectToObject(root, "layers");
    cJSON_AddBoolToObject(layers, "ownership", r->ownership_layer);
    cJSON_AddBoolToObject(layers, "change", r->change_layer);
    cJSON_AddBoolToObject(layers, "audit", 1);
    cJSON_AddNumberToObject(root, "notification_limit", (double)r->notification_limit);
    cJSON *systems = cJSON_AddArrayToObject(root, "systems");
    for (size_t i = 0; i < r->n_systems; i++) {
        const struct aud_report_system *rs = &r->systems[i];
        cJSON *sys = cJSON_CreateObject();
        cJSON_AddStringToObject(sys, "system", rs->system);
        cJSON *score = cJSON_AddObjectToObject(sys, "scorecard");
        cJSON_AddNumberToObject(score, "active_automations", (double)rs->active);
        add_share(score, "owned", &rs->owned);
        add_share(score, "reviewed_in_time", &rs->reviewed);
        add_share(score, "approved", &rs->approved);
        add_share(score, "free_of_high_findings", &rs->free_of_high);
        cJSON *open = cJSON_AddObjectToObject(sys, "open_findings");
        cJSON_AddNumberToObject(open, "total", (double)rs->open_total);
        cJSON *by_layer = cJSON_AddArrayToObject(open, "by_layer");
        for (size_t k = 0; k < rs->n_findings_layers; k++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "layer", rs->findings[k].layer);
            for (int s = AUD_SEVERITIES - 1; s >= 0; s--)
                cJSON_AddNumberToObject(o, aud_severity_name(s),
                                        (double)rs->findings[k].by_severity[s]);
            cJSON_AddItemToArray(by_layer, o);
        }
        json_rows(sys, rs);
        json_charts(sys, r, rs);
        cJSON_AddItemToArray(systems, sys);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* ------------------------------------------------------------------------ */
/* text                                                                      */

static void share_line(FILE *out, const char *label, const struct aud_share *s,
                       const char *why_unknown)
{
    if (!s->known)
        fprintf(out, "  %-22s n/a (%s)\n", label, why_unknown);
    else
        fprintf(out, "  %-22s %zu/%zu  %.1f%%\n", label, s->count, s->total,
                100.0 * aud_share_value(s));
}

static void text_findings(FILE *out, const struct aud_report_system *rs)
{
    fprintf(out, "\nOpen findings: %zu\n", rs->open_total);
    if (!rs->n_findings_layers)
        return;
    fprintf(out, "  %-12s %8s %6s %6s %6s %6s\n", "layer", "critical", "high", "medium", "low",
            "info");
    for (size_t k = 0; k < rs->n_findings_layers; k++) {
        const size_t *s = rs->findings[k].by_severity;
        fprintf(out, "  %-12s %8zu %6zu %6zu %6zu %6zu\n", rs->findings[k].layer,
                s[CRMGOV_SEVERITY_CRITICAL], s[CRMGOV_SEVERITY_HIGH], s[CRMGOV_SEVERITY_MEDIUM],
                s[CRMGOV_SEVERITY_LOW], s[CRMGOV_SEVERITY_INFO]);
    }
}

static void text_health(FILE *out, const struct aud_report_system *rs)
{
    size_t width = 10;
    for (size_t i = 0; i < rs->n_rows; i++)
        if (strlen(rs->rows[i].automation) > width)
            width = strlen(rs->rows[i].automation);
    if (width > 40)
        width = 40;
    fprintf(out, "\nHealth (%zu automations)\n", rs->n_rows);
    fprintf(out, "  %-*s %-8s %-8s %10s %8s %6s %8s %8s %7s  %s\n", (int)width, "automation",
            "status", "health", "executions", "failures", "fail%", "p95 ms", "touched", "conv",
            "open findings");
    for (size_t i = 0; i < rs->n_rows; i++) {
        const struct aud_health_row *row = &rs->rows[i];
        char p95[24];
        if (row->p95_ms < 0)
            snprintf(p95, sizeof(p95), "-");
        else
            snprintf(p95, sizeof(p95), "%lld", (long long)row->p95_ms);
        fprintf(out, "  %-*.*s %-8s %-8s %10llu %8llu %5.1f%% %8s %8llu %7llu  %s\n",
                (int)width, (int)width, row->automation, row->status,
                row->worst < 0 ? "ok" : aud_severity_name(row->worst),
                (unsigned long long)row->executions, (unsigned long long)row->failed,
                row->executions ? 100.0 * (double)row->failed / (double)row->executions : 0.0,
                p95, (unsigned long long)row->touched, (unsigned long long)row->conversions,
                *row->open_rules ? row->open_rules : "-");
    }
}

void aud_report_text(const struct aud_report *r, FILE *out)
{
    char from[11], to[11];
    day_text(r->from, from);
    day_text(r->to, to);
    fprintf(out, "crmgov governance report, %s to %s\n", from, to);
    fprintf(out, "layers: ownership %s, change %s, audit configured\n",
            r->ownership_layer ? "configured" : "not configured",
            r->change_layer ? "configured" : "not configured");
    if (!r->n_systems)
        fprintf(out, "\nNo system has been seen yet.\n");
    for (size_t i = 0; i < r->n_systems; i++) {
        const struct aud_report_system *rs = &r->systems[i];
        fprintf(out, "\n== %s ==\nScorecard (%zu active automations)\n", rs->system, rs->active);
        share_line(out, "owned", &rs->owned, "");
        share_line(out, "reviewed in time", &rs->reviewed, "change layer not configured");
        share_line(out, "approved", &rs->approved, "change layer not configured");
        share_line(out, "free of high findings", &rs->free_of_high, "");
        text_findings(out, rs);
        text_health(out, rs);
        if (rs->n_recipients) {
            fprintf(out, "\nNotifications per recipient (limit %lld a day)\n",
                    (long long)r->notification_limit);
            for (size_t k = 0; k < rs->n_recipients; k++) {
                char peak[11];
                day_text(rs->recipient_peak_days[k], peak);
                fprintf(out, "  %-24s %8llu  peak %llu on %s\n", rs->recipients[k],
                        (unsigned long long)rs->recipient_totals[k],
                        (unsigned long long)rs->recipient_peaks[k], peak);
            }
        }
    }
}
