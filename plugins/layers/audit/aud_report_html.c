/*
 * aud_report_html.c -- the report as one self-contained HTML page: inline
 * CSS, charts drawn as inline SVG, no script and no network (a Content
 * Security Policy forbids both), so it opens offline and can be mailed.
 *
 * Every number the page shows also sits in a data- attribute next to it,
 * and the same numbers are in `--format json`: the e2e test renders the
 * page in headless Chromium and compares the two.
 */
#include <string.h>

#include "aud_report.h"

#define CHART_W 520
#define CHART_H 150
#define PAD_L 44
#define PAD_R 12
#define PAD_T 12
#define PAD_B 24

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static void day_text(int32_t day, char out[11])
{
    aud_day_text(day, out);
}

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "background:#f5f6f8;color:#1f2430}"
    "header{background:#1f2a44;color:#fff;padding:18px 28px}"
    "header h1{margin:0 0 4px;font-size:22px}header p{margin:0;opacity:.85;font-size:13px}"
    "nav{padding:8px 28px;background:#e8ebf1;font-size:13px}nav a{margin-right:14px;color:#1f2a44}"
    "section.system{background:#fff;margin:18px 28px;padding:16px 22px;border-radius:8px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.08)}"
    "h2{margin:4px 0 12px;font-size:20px}h3{font-size:15px;margin:22px 0 8px;color:#39415a}"
    ".cards{display:flex;gap:12px;flex-wrap:wrap}"
    ".card{border:1px solid #dde1ea;border-radius:8px;padding:10px 14px;min-width:150px}"
    ".card .big{font-size:26px;font-weight:600}.card .label{font-size:13px;color:#39415a}"
    ".card .sub{font-size:12px;color:#6b7389}.good .big{color:#1e7d45}"
    ".fair .big{color:#b7791f}.poor .big{color:#c53030}.na .big{color:#8a90a2}"
    "table{border-collapse:collapse;font-size:13px}"
    "th,td{padding:4px 8px;border-bottom:1px solid #e6e9ef;text-align:left}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".sev-critical{color:#fff;background:#9b2c2c}.sev-high{color:#fff;background:#c53030}"
    ".sev-medium{background:#f6c453}.sev-low{background:#bee3f8}.sev-info{background:#e2e8f0}"
    ".sev-none{color:#1e7d45}span.sev{padding:1px 6px;border-radius:4px;font-size:12px}"
    ".charts{display:flex;flex-wrap:wrap;gap:10px}"
    "figure{margin:0;border:1px solid #e6e9ef;border-radius:6px;padding:6px 8px}"
    "figcaption{font-size:12px;color:#39415a;margin-bottom:2px}"
    "svg text{font-size:10px;fill:#6b7389}"
    ".note{font-size:12px;color:#6b7389}";

/* ------------------------------------------------------------------------ */
/* charts                                                                    */

static uint64_t max_of(const uint64_t *v, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

static uint64_t sum_of(const uint64_t *v, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

static void axis(FILE *out, int w, int h, const char *top_label, const char *left_label,
                 const char *right_label)
{
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c9ced9\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c9ced9\"/>",
            PAD_L, h - PAD_B, w - PAD_R, h - PAD_B, PAD_L, PAD_T, PAD_L, h - PAD_B);
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", PAD_L - 4, PAD_T + 8);
    esc(out, top_label);
    fprintf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", PAD_L - 4,
            h - PAD_B);
    fprintf(out, "<text x=\"%d\" y=\"%d\">", PAD_L, h - 8);
    esc(out, left_label);
    fprintf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", w - PAD_R, h - 8);
    esc(out, right_label);
    fputs("</text>", out);
}

/* Daily bars: executions (blue) with failures (red) over them. */
static void exec_chart(FILE *out, const struct aud_report *r, const char *title,
                       const char *key, const uint64_t *runs, const uint64_t *failed)
{
    size_t n = (size_t)(r->to - r->from + 1);
    uint64_t top = max_of(runs, n);
    char first[11], last[11], top_text[24];
    day_text(r->from, first);
    day_text(r->to, last);
    snprintf(top_text, sizeof(top_text), "%llu", (unsigned long long)top);
    fputs("<figure><figcaption>", out);
    esc(out, title);
    fprintf(out, "</figcaption><svg class=\"chart chart-exec\" data-automation=\"");
    esc(out, key);
    fprintf(out,
            "\" data-executions=\"%llu\" data-failures=\"%llu\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\"><title>",
            (unsigned long long)sum_of(runs, n), (unsigned long long)sum_of(failed, n),
            CHART_W, CHART_H, CHART_W, CHART_H);
    esc(out, title);
    fputs("</title>", out);
    axis(out, CHART_W, CHART_H, top_text, first, last);
    double slot = (double)(CHART_W - PAD_L - PAD_R) / (double)n;
    double plot_h = CHART_H - PAD_T - PAD_B;
    for (size_t i = 0; i < n && top; i++) {
        double x = PAD_L + slot * (double)i + slot * 0.1;
        double bw = slot * 0.8 > 0.5 ? slot * 0.8 : 0.5;
        double h = plot_h * (double)runs[i] / (double)top;
        double hf = plot_h * (double)failed[i] / (double)top;
        char day[11];
        day_text(r->from + (int32_t)i, day);
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4c78c8\">"
                "<title>%s: %llu runs, %llu failed</title></rect>",
                x, CHART_H - PAD_B - h, bw, h, day, (unsigned long long)runs[i],
                (unsigned long long)failed[i]);
        if (failed[i])
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"#d64545\"/>",
                    x, CHART_H - PAD_B - hf, bw, hf > 1 ? hf : 1);
    }
    fputs("</svg></figure>\n", out);
}

static void conversion_chart(FILE *out, const struct aud_chart_conversion *c)
{
    fputs("<figure><figcaption>", out);
    esc(out, c->automation);
    fputs(": share of touched records converted, by week first touched</figcaption>", out);
    uint64_t touched = sum_of(c->touched, c->n_weeks);
    uint64_t converted = sum_of(c->converted, c->n_weeks);
    fprintf(out, "<svg class=\"chart chart-conversion\" data-automation=\"");
    esc(out, c->automation);
    fprintf(out,
            "\" data-touched=\"%llu\" data-converted=\"%llu\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\"><title>conversion trend</title>",
            (unsigned long long)touched, (unsigned long long)converted, CHART_W, CHART_H,
            CHART_W, CHART_H);
    char first[11], last[11];
    day_text(c->n_weeks ? c->week_from[0] : 0, first);
    day_text(c->n_weeks ? c->week_from[c->n_weeks - 1] : 0, last);
    axis(out, CHART_W, CHART_H, "100%", first, last);
    double plot_w = CHART_W - PAD_L - PAD_R, plot_h = CHART_H - PAD_T - PAD_B;
    double step = c->n_weeks > 1 ? plot_w / (double)(c->n_weeks - 1) : 0;
    double px = -1, py = -1;
    for (size_t w = 0; w < c->n_weeks; w++) {
        if (!c->touched[w])
            continue;
        double rate = (double)c->converted[w] / (double)c->touched[w];
        double x = PAD_L + (c->n_weeks > 1 ? step * (double)w : plot_w / 2);
        double y = CHART_H - PAD_B - plot_h * rate;
        if (px >= 0)
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#2f855a\" "
                    "stroke-width=\"2\"%s/>",
                    px, py, x, y, c->mature[w] ? "" : " stroke-dasharray=\"4 3\"");
        char day[11];
        day_text(c->week_from[w], day);
        fprintf(out,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>week of %s: "
                "%llu of %llu converted (%.1f%%)%s</title></circle>",
                x, y, c->mature[w] ? "#2f855a" : "#a0aec0", day,
                (unsigned long long)c->converted[w], (unsigned long long)c->touched[w],
                100 * rate, c->mature[w] ? "" : ", still maturing");
        px = x;
        py = y;
    }
    fputs("</svg></figure>\n", out);
}

static void recipients_chart(FILE *out, const struct aud_report *r,
                             const struct aud_report_system *rs)
{
    int row_h = 20, h = PAD_T + row_h * (int)rs->n_recipients + 8;
    uint64_t top = max_of(rs->recipient_totals, rs->n_recipients);
    fprintf(out,
            "<figure><figcaption>notifications per recipient in the period (red: a day over "
            "the limit of %lld)</figcaption>",
            (long long)r->notification_limit);
    fprintf(out,
            "<svg class=\"chart chart-notify\" data-recipients=\"%zu\" data-total=\"%llu\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
            "<title>notifications per recipient</title>",
            rs->n_recipients, (unsigned long long)sum_of(rs->recipient_totals, rs->n_recipients),
            CHART_W, h, CHART_W, h);
    int label_w = 140;
    for (size_t i = 0; i < rs->n_recipients; i++) {
        int y = PAD_T + row_h * (int)i;
        double w = top ? (double)(CHART_W - label_w - 70) * (double)rs->recipient_totals[i] /
                             (double)top
                       : 0;
        int over = rs->recipient_peaks[i] > (uint64_t)r->notification_limit;
        char peak[11];
        day_text(rs->recipient_peak_days[i], peak);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 13);
        esc(out, rs->recipients[i]);
        fprintf(out,
                "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\">"
                "<title>%llu notifications, at most %llu on %s</title></rect>"
                "<text x=\"%.1f\" y=\"%d\">%llu</text>",
                label_w, y + 2, w > 1 ? w : 1, over ? "#d64545" : "#805ad5",
                (unsigned long long)rs->recipient_totals[i],
                (unsigned long long)rs->recipient_peaks[i], peak, label_w + w + 4, y + 13,
                (unsigned long long)rs->recipient_totals[i]);
    }
    fputs("</svg></figure>\n", out);
}

/* ------------------------------------------------------------------------ */
/* tables and cards                                                          */

static void card(FILE *out, const char *key, const char *label, const struct aud_share *s,
                 const char *why)
{
    if (!s->known) {
        fprintf(out,
                "<div class=\"card na\" data-metric=\"%s\" data-known=\"false\"><div "
                "class=\"big\">n/a</div><div class=\"label\">%s</div><div class=\"sub\">%s"
                "</div></div>\n",
                key, label, why);
        return;
    }
    double v = aud_share_value(s);
    const char *grade = v >= 0.9 ? "good" : v >= 0.7 ? "fair" : "poor";
    fprintf(out,
            "<div class=\"card %s\" data-metric=\"%s\" data-known=\"true\" data-count=\"%zu\" "
            "data-total=\"%zu\"><div class=\"big\">%.1f%%</div><div class=\"label\">%s</div>"
            "<div class=\"sub\">%zu of %zu active automations</div></div>\n",
            grade, key, s->count, s->total, 100 * v, label, s->count, s->total);
}

static void findings_table(FILE *out, const struct aud_report_system *rs)
{
    fprintf(out, "<h3>Open findings: <span data-open-total=\"%zu\">%zu</span></h3>\n",
            rs->open_total, rs->open_total);
    if (!rs->n_findings_layers) {
        fputs("<p class=\"note\">None.</p>\n", out);
        return;
    }
    fputs("<table class=\"findings\"><tr><th>layer</th>", out);
    for (int s = AUD_SEVERITIES - 1; s >= 0; s--)
        fprintf(out, "<th class=\"n\">%s</th>", aud_severity_name(s));
    fputs("</tr>\n", out);
    for (size_t k = 0; k < rs->n_findings_layers; k++) {
        fputs("<tr data-layer=\"", out);
        esc(out, rs->findings[k].layer);
        fputs("\"><td>", out);
        esc(out, rs->findings[k].layer);
        fputs("</td>", out);
        for (int s = AUD_SEVERITIES - 1; s >= 0; s--)
            fprintf(out, "<td class=\"n\" data-severity=\"%s\" data-count=\"%zu\">%zu</td>",
                    aud_severity_name(s), rs->findings[k].by_severity[s],
                    rs->findings[k].by_severity[s]);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void health_table(FILE *out, const struct aud_report_system *rs)
{
    fprintf(out, "<h3>Health per automation</h3>\n<table class=\"health\" data-rows=\"%zu\">"
                 "<tr><th>automation</th><th>status</th><th>health</th><th>system owner</th>"
                 "<th class=\"n\">runs</th><th class=\"n\">failed</th><th class=\"n\">p95 ms"
                 "</th><th class=\"n\">notified</th><th class=\"n\">touched</th>"
                 "<th class=\"n\">conversions</th><th>last run</th><th>open findings</th></tr>\n",
            rs->n_rows);
    for (size_t i = 0; i < rs->n_rows; i++) {
        const struct aud_health_row *row = &rs->rows[i];
        const char *sev = row->worst < 0 ? "none" : aud_severity_name(row->worst);
        fputs("<tr data-automation=\"", out);
        esc(out, row->automation);
        fputs("\"><td title=\"", out);
        esc(out, row->name);
        fputs("\">", out);
        esc(out, row->automation);
        fprintf(out, "</td><td>%s</td><td><span class=\"sev sev-%s\">%s</span></td><td>",
                row->status, sev, row->worst < 0 ? "ok" : sev);
        esc(out, *row->owners ? row->owners : "none");
        char p95[24], last[11];
        snprintf(p95, sizeof(p95), "%lld", (long long)row->p95_ms);
        if (row->last_day == INT32_MIN)
            snprintf(last, sizeof(last), "-");
        else
            day_text(row->last_day, last);
        fprintf(out,
                "</td><td class=\"n\" data-col=\"executions\">%llu</td>"
                "<td class=\"n\" data-col=\"failures\">%llu</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%llu</td>"
                "<td class=\"n\" data-col=\"records_touched\">%llu</td>"
                "<td class=\"n\" data-col=\"conversions\">%llu</td><td>%s</td><td>",
                (unsigned long long)row->executions, (unsigned long long)row->failed,
                row->p95_ms < 0 ? "-" : p95, (unsigned long long)row->notifications,
                (unsigned long long)row->touched, (unsigned long long)row->conversions, last);
        esc(out, *row->open_rules ? row->open_rules : "-");
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void system_section(FILE *out, const struct aud_report *r,
                           const struct aud_report_system *rs)
{
    fputs("<section class=\"system\" id=\"sys-", out);
    esc(out, rs->system);
    fputs("\" data-system=\"", out);
    esc(out, rs->system);
    fputs("\"><h2>", out);
    esc(out, rs->system);
    fprintf(out, "</h2>\n<div class=\"cards\" data-active=\"%zu\">\n", rs->active);
    card(out, "owned", "owned", &rs->owned, "");
    card(out, "reviewed_in_time", "reviewed in time", &rs->reviewed,
         "change layer not configured");
    card(out, "approved", "approved", &rs->approved, "change layer not configured");
    card(out, "free_of_high_findings", "free of high findings", &rs->free_of_high, "");
    fputs("</div>\n", out);
    findings_table(out, rs);
    fputs("<h3>Daily executions and failures</h3>\n<div class=\"charts\">\n", out);
    exec_chart(out, r, "all automations", "", rs->total_executions, rs->total_failed);
    for (size_t i = 0; i < rs->n_exec_charts; i++)
        exec_chart(out, r, rs->exec_charts[i].automation, rs->exec_charts[i].automation,
                   rs->exec_charts[i].executions, rs->exec_charts[i].failed);
    fputs("</div>\n<h3>Conversion trend</h3>\n", out);
    if (!rs->n_conversion_charts) {
        fputs("<p class=\"note\">No automation touched ", out);
        esc(out, r->conversion_object ? r->conversion_object : "");
        fputs(" records in the period.</p>\n", out);
    }
    fputs("<div class=\"charts\">\n", out);
    for (size_t i = 0; i < rs->n_conversion_charts; i++)
        conversion_chart(out, &rs->conversion_charts[i]);
    fputs("</div>\n<h3>Notifications per recipient</h3>\n", out);
    if (rs->n_recipients)
        recipients_chart(out, r, rs);
    else
        fputs("<p class=\"note\">No automation notified anyone in the period.</p>\n", out);
    health_table(out, rs);
    fputs("</section>\n", out);
}

void aud_report_html(const struct aud_report *r, FILE *out)
{
    char from[11], to[11];
    day_text(r->from, from);
    day_text(r->to, to);
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            "<title>crmgov governance report %s to %s</title><style>%s</style></head>\n<body>\n",
            from, to, style);
    fprintf(out,
            "<header><h1>Governance report</h1><p data-from=\"%s\" data-to=\"%s\">%s to %s"
            " &middot; events up to %s &middot; ownership layer %s &middot; change layer %s"
            "</p></header>\n",
            from, to, from, to, r->events_until[0] ? r->events_until : "none",
            r->ownership_layer ? "configured" : "not configured",
            r->change_layer ? "configured" : "not configured");
    fputs("<nav>", out);
    for (size_t i = 0; i < r->n_systems; i++) {
        fputs("<a href=\"#sys-", out);
        esc(out, r->systems[i].system);
        fputs("\">", out);
        esc(out, r->systems[i].system);
        fputs("</a>", out);
    }
    fputs("</nav>\n", out);
    if (!r->change_layer)
        fputs("<p class=\"note\" style=\"margin:10px 28px\">The change layer is not configured: "
              "reviews and approvals are not tracked, so they show n/a.</p>\n",
              out);
    for (size_t i = 0; i < r->n_systems; i++)
        system_section(out, r, &r->systems[i]);
    fputs("</body></html>\n", out);
}
