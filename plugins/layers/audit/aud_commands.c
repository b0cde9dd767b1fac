/*
 * aud_commands.c -- the audit layer's CLI: `crmgov metrics SYSTEM/ID` and
 * `crmgov report`. Both read the store (see aud_series.c), run inside the
 * command's transaction and publish nothing.
 *
 * Only one audit instance offers the commands: the first registers a
 * service named "audit" and the commands; a second instance finds the
 * service and stays quiet, rather than have the registry refuse a duplicate.
 */
#include <stdio.h>
#include <string.h>

#include "aud_report.h"

struct args {
    const char *positional;
    const char *since, *format, *system, *output;
};

static int usage(const char *command, const char *what, const char *arg)
{
    fprintf(stderr, "crmgov %s: %s%s%s (see 'crmgov help %s')\n", command, what,
            arg ? ": " : "", arg ? arg : "", command);
    return 2;
}

/* --name value, --name=value, -o value; `allowed` lists the accepted names. */
static int parse_args(int argc, char **argv, const char *const *allowed, struct args *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || !arg[1]) {
            if (out->positional)
                return usage(argv[0], "unexpected argument", arg);
            out->positional = arg;
            continue;
        }
        const char *name = strcmp(arg, "-o") == 0 ? "output" : arg + 2;
        if (arg[1] != '-' && strcmp(arg, "-o") != 0)
            return usage(argv[0], "unknown option", arg);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char **slot = NULL;
        for (size_t k = 0; allowed[k]; k++) {
            if (strlen(allowed[k]) != len || strncmp(allowed[k], name, len) != 0)
                continue;
            slot = strcmp(allowed[k], "since") == 0    ? &out->since
                   : strcmp(allowed[k], "format") == 0 ? &out->format
                   : strcmp(allowed[k], "system") == 0 ? &out->system
                                                       : &out->output;
        }
        if (!slot)
            return usage(argv[0], "unknown option", arg);
        if (eq)
            *slot = eq + 1;
        else if (i + 1 < argc)
            *slot = argv[++i];
        else
            return usage(argv[0], "option needs a value", arg);
    }
    return 0;
}

/* DATE as YYYY-MM-DD or an RFC 3339 time; INT32_MIN when neither. */
static int32_t parse_day(const struct crmgov_host *h, const char *text)
{
    int32_t day = aud_day_parse(text);
    if (day != INT32_MIN)
        return day;
    crmgov_time t = h->time_parse(text);
    return t == CRMGOV_TIME_NONE ? INT32_MIN : aud_day_of(t);
}

static int32_t last_day(const struct crmgov_host *h)
{
    crmgov_time now = h->now(h);
    return now == CRMGOV_TIME_NONE ? INT32_MIN : aud_day_of(now);
}

/* ------------------------------------------------------------------------ */
/* crmgov metrics SYSTEM/ID                                                  */

struct first_seen {
    crmgov_time at;
};

static int take_first_seen(void *ctx, const struct crmgov_inventory_item *item)
{
    ((struct first_seen *)ctx)->at = item->first_seen;
    return 0;
}

static void cell_u64(char *buf, size_t size, uint64_t v)
{
    snprintf(buf, size, "%llu", (unsigned long long)v);
}

static int print_metrics(struct aud_layer *L, const struct aud_series *e, size_t n_days,
                         const char *format)
{
    static const char *const columns[] = {
        "day", "executions:n", "failures:n", "duration_median_ms:n", "duration_p95_ms:n",
        "notifications:n", "records_touched:n", "conversions:n",
    };
    struct crmgov_table *t = L->host->table_new(L->host, columns, 8);
    for (size_t i = 0; e && i < n_days; i++) {
        const struct aud_metric_day *m = &e->days[i];
        if (!m->executions && !m->touched && !m->conversions && !m->notifications)
            continue;
        char day[11], c[7][24];
        aud_day_text(m->day, day);
        cell_u64(c[0], sizeof(c[0]), m->executions);
        cell_u64(c[1], sizeof(c[1]), m->failed);
        snprintf(c[2], sizeof(c[2]), "%lld", (long long)m->median_ms);
        snprintf(c[3], sizeof(c[3]), "%lld", (long long)m->p95_ms);
        cell_u64(c[4], sizeof(c[4]), m->notifications);
        cell_u64(c[5], sizeof(c[5]), m->touched);
        cell_u64(c[6], sizeof(c[6]), m->conversions);
        const char *cells[8] = { day, c[0], c[1], m->median_ms < 0 ? NULL : c[2],
                                 m->p95_ms < 0 ? NULL : c[3], c[4], c[5], c[6] };
        L->host->table_row(t, cells);
    }
    return L->host->table_print(t, format) == 0 ? 0 : 2;
}

static int metrics_run(void *state, int argc, char **argv)
{
    struct aud_layer *L = state;
    const struct crmgov_host *h = L->host;
    static const char *const allowed[] = { "since", "format", NULL };
    struct args a;
    int rc = parse_args(argc, argv, allowed, &a);
    if (rc)
        return rc;
    const char *format = a.format ? a.format : "table";
    if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv"))
        return usage(argv[0], "--format must be table, json or csv", NULL);
    const char *slash = a.positional ? strchr(a.positional, '/') : NULL;
    if (!slash || slash == a.positional || !slash[1])
        return usage(argv[0], "give the automation as SYSTEM/ID", a.positional);
    char *system = aud_realloc(NULL, (size_t)(slash - a.positional) + 1);
    memcpy(system, a.positional, (size_t)(slash - a.positional));
    system[slash - a.positional] = '\0';
    const char *id = slash + 1;
    int32_t to = last_day(h);
    int32_t from = a.since ? parse_day(h, a.since) : INT32_MIN;
    if (a.since && from == INT32_MIN) {
        free(system);
        return usage(argv[0], "--since must be a date (YYYY-MM-DD) or an RFC 3339 time",
                     a.since);
    }
    struct first_seen fs = { CRMGOV_TIME_NONE };
    h->inventory_get(h, system, id, take_first_seen, &fs);
    if (from == INT32_MIN)
        from = fs.at != CRMGOV_TIME_NONE ? aud_day_of(fs.at) : to;
    if (to == INT32_MIN || to < from)
        to = from == INT32_MIN ? 0 : from;
    if (from == INT32_MIN)
        from = to;
    struct aud_series_set s;
    aud_series_init(&s, from, to);
    rc = aud_series_fill(L, &s, system, id, 1) == CRMGOV_OK ? 0 : 2;
    struct aud_series *e = aud_series_get(&s, system, id, 0);
    if (rc == 0 && fs.at == CRMGOV_TIME_NONE && (!e || !e->present)) {
        fprintf(stderr, "crmgov metrics: no automation %s/%s is known\n", system, id);
        rc = 2;
    }
    if (rc == 0)
        rc = print_metrics(L, e, aud_series_days(&s), format);
    aud_series_free(&s);
    free(system);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* crmgov report                                                             */

static int write_report(const struct aud_report *r, const char *format, FILE *out)
{
    if (strcmp(format, "json") == 0) {
        char *json = aud_report_json(r);
        fputs(json, out);
        fputc('\n', out);
        free(json);
    } else if (strcmp(format, "html") == 0) {
        aud_report_html(r, out);
    } else {
        aud_report_text(r, out);
    }
    return ferror(out) ? 2 : 0;
}

static int report_run(void *state, int argc, char **argv)
{
    struct aud_layer *L = state;
    const struct crmgov_host *h = L->host;
    static const char *const allowed[] = { "since", "format", "system", "output", NULL };
    struct args a;
    int rc = parse_args(argc, argv, allowed, &a);
    if (rc)
        return rc;
    if (a.positional)
        return usage(argv[0], "unexpected argument", a.positional);
    const char *format = a.format ? a.format : "text";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html"))
        return usage(argv[0], "--format must be text, json or html", NULL);
    int32_t to = last_day(h);
    if (to == INT32_MIN)
        to = aud_day_of(0);
    int32_t from = a.since ? parse_day(h, a.since) : to - 89;
    if (from == INT32_MIN)
        return usage(argv[0], "--since must be a date (YYYY-MM-DD) or an RFC 3339 time",
                     a.since);
    if (from > to)
        return usage(argv[0], "--since is after the last event", a.since);
    if (to - from > 366 * 3)
        return usage(argv[0], "the period may span at most three years", a.since);
    struct aud_report r;
    if (aud_report_build(L, a.system, from, to, &r) != CRMGOV_OK) {
        fprintf(stderr, "crmgov report: could not read the store\n");
        return 2;
    }
    FILE *out = stdout;
    if (a.output && !(out = fopen(a.output, "w"))) {
        fprintf(stderr, "crmgov report: cannot write %s\n", a.output);
        aud_report_free(&r);
        return 2;
    }
    rc = write_report(&r, format, out);
    if (out != stdout && fclose(out) != 0)
        rc = 2;
    if (a.output && rc == 0)
        fprintf(stderr, "crmgov report: wrote %s\n", a.output);
    aud_report_free(&r);
    return rc;
}

/* ------------------------------------------------------------------------ */

static const struct crmgov_command metrics_command = {
    .struct_size = sizeof(struct crmgov_command),
    .name = "metrics",
    .summary = "per day metrics of one automation (audit layer)",
    .usage = "crmgov metrics SYSTEM/ID [--since DATE] [--format table|json|csv]\n"
             "\n"
             "One row per day with activity: executions, failures, duration median and\n"
             "95th percentile (ms, estimated from the duration histogram to within 12.5%),\n"
             "notifications sent, records touched (distinct records it ran on) and\n"
             "conversions (touched records of the conversion object that converted that\n"
             "day within the horizon). DATE is YYYY-MM-DD or an RFC 3339 time; without\n"
             "--since, from the day the automation was first seen.\n",
    .run = metrics_run,
};

static const struct crmgov_command report_command = {
    .struct_size = sizeof(struct crmgov_command),
    .name = "report",
    .summary = "governance report: scorecard, open findings, health, charts (audit layer)",
    .usage = "crmgov report [--system S] [--since DATE] [--format text|json|html] [-o FILE]\n"
             "\n"
             "Per system: a scorecard (share of active automations owned, reviewed in\n"
             "time, approved, free of high findings), open findings by layer and\n"
             "severity, a health table per automation, and charts (daily executions and\n"
             "failures, conversion trend, notifications per recipient). HTML is one\n"
             "self-contained file (inline CSS and SVG, no script, no network). The period\n"
             "runs from DATE (default: 89 days before the last event) to the last event,\n"
             "so a quarter: the conversion trend needs weeks older than the horizon.\n"
             "Reviewed in time and approved come from the change layer's findings (CHG004;\n"
             "CHG001/CHG005) and show n/a when the change layer is not configured.\n",
    .run = report_run,
};

struct aud_service {
    uint32_t struct_size;
    struct aud_layer *layer;
};

int aud_register_commands(struct aud_layer *L)
{
    const struct crmgov_host *h = L->host;
    if (h->service_lookup(h, "audit", 1))
        return CRMGOV_OK; /* another audit instance offers them */
    static const struct aud_service marker = { sizeof(struct aud_service), NULL };
    if (h->service_register(h, "audit", 1, &marker) != CRMGOV_OK)
        return CRMGOV_OK;
    L->service_owner = 1;
    if (h->command_register(h, &metrics_command, L) != CRMGOV_OK ||
        h->command_register(h, &report_command, L) != CRMGOV_OK)
        return CRMGOV_ERROR;
    return CRMGOV_OK;
}
