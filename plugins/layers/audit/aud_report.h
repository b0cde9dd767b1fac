/*
 * aud_report.h -- the metrics and report commands' model: day series read
 * from the store, and the governance report built from them (one model,
 * three renderings: text, JSON, HTML with inline SVG).
 */
#ifndef CRMGOV_AUD_REPORT_H
#define CRMGOV_AUD_REPORT_H

#include <stdio.h>

#include "audit.h"

/* ------------------------------------------------------------------------ */
/* day series                                                               */

struct aud_metric_day {
    int32_t day;
    uint64_t executions, failed, notifications, timed;
    int64_t median_ms, p95_ms;      /* -1 when no run reported a duration */
    uint32_t touched, conversions, cohort_touched, cohort_converted, matches, misses;
};

struct aud_series {
    const char *system, *automation;    /* point into the set's keys */
    struct aud_metric_day *days;        /* set->from .. set->to */
    int present;                        /* some data was found */
    uint32_t *hist;                     /* duration histogram of the whole period */
    uint64_t timed;
    int64_t duration_max_ms;
};

struct aud_series_set {
    int32_t from, to;
    struct aud_names keys;
    struct aud_series *items;
    size_t n, cap;
};

void aud_series_init(struct aud_series_set *s, int32_t from, int32_t to);
void aud_series_free(struct aud_series_set *s);
size_t aud_series_days(const struct aud_series_set *s);
struct aud_series *aud_series_get(struct aud_series_set *s, const char *system,
                                  const char *automation, int create);
/* Core aggregates, the layer's rows and the snapshot's rows for one
 * automation (both names given) or a system (automation NULL) or all. */
int aud_series_fill(struct aud_layer *L, struct aud_series_set *s, const char *system,
                    const char *automation, int create);
int aud_series_prepare(struct aud_layer *L);

struct aud_recipient_days {
    char *system, *principal;
    uint32_t *counts;       /* one per day of the period */
    size_t n_days;
};

struct aud_recipient_series {
    struct aud_recipient_days *items;
    size_t n, cap;
};

int aud_recipients_fill(struct aud_layer *L, struct aud_recipient_series *out,
                        const char *system, int32_t from, int32_t to);
void aud_recipients_free(struct aud_recipient_series *r);

/* ------------------------------------------------------------------------ */
/* the report                                                               */

#define AUD_SEVERITIES 5

struct aud_share {
    int known;              /* 0: not tracked (the layer that knows is not configured) */
    size_t count, total;
};

struct aud_layer_findings {
    char *layer;
    size_t by_severity[AUD_SEVERITIES];
};

struct aud_health_row {
    char *automation, *name, *object, *trigger, *status, *owners;   /* owners: "a, b" */
    uint64_t executions, failed, notifications, touched, conversions;
    int64_t p95_ms;                 /* -1 none */
    int32_t last_day;               /* last day with a run in the period; INT32_MIN none */
    char *open_rules;               /* "AUD002, CHG001"; "" none */
    int worst;                      /* enum crmgov_severity, -1 none */
    int active;
};

struct aud_chart_exec {
    char *automation;
    uint64_t *executions, *failed;  /* per day */
};

struct aud_chart_conversion {
    char *automation;
    size_t n_weeks;
    int32_t *week_from;             /* first day of each 7-day bucket */
    uint64_t *touched, *converted;  /* cohort: first touched in that week */
    int *mature;                    /* every touch of the week had `horizon` to convert */
};

struct aud_report_system {
    char *system;
    size_t active;
    struct aud_share owned, reviewed, approved, free_of_high;
    struct aud_layer_findings *findings;
    size_t n_findings_layers;
    size_t open_total;
    struct aud_health_row *rows;
    size_t n_rows;
    uint64_t *total_executions, *total_failed;  /* per day, whole system */
    struct aud_chart_exec *exec_charts;
    size_t n_exec_charts;
    struct aud_chart_conversion *conversion_charts;
    size_t n_conversion_charts;
    char **recipients;              /* top recipients by total */
    uint64_t *recipient_totals, *recipient_peaks;
    int32_t *recipient_peak_days;
    size_t n_recipients;
};

struct aud_report {
    crmgov_time generated_at;       /* the store's event time */
    char events_until[32];          /* it as RFC 3339; "" before any event */
    int32_t from, to;               /* the period, inclusive days */
    int ownership_layer, change_layer;
    int64_t notification_limit;
    int horizon_days;
    const char *conversion_object;
    struct aud_report_system *systems;
    size_t n_systems;
};

int aud_report_build(struct aud_layer *L, const char *system, int32_t from, int32_t to,
                     struct aud_report *out);
void aud_report_free(struct aud_report *r);
void aud_report_text(const struct aud_report *r, FILE *out);
char *aud_report_json(const struct aud_report *r);     /* caller frees */
void aud_report_html(const struct aud_report *r, FILE *out);

/* helpers shared by the renderings */
double aud_share_value(const struct aud_share *s);
const char *aud_severity_name(int severity);

#endif
