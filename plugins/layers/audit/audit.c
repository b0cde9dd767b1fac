/*
 * audit.c -- the `audit` layer: performance audit of CRM automations
 * (AUD001-AUD007), per automation metrics and the governance report.
 *
 * Life cycle: init() reads the options and offers the `metrics` and `report`
 * commands; it loads nothing, because CLI commands init every plugin and
 * must stay fast. start() (only `crmgov run`) rebuilds the layer's memory
 * from the store and the last snapshot; stop() saves the snapshot. Events
 * dispatched while the layer is not started (those published by other
 * plugins' commands) are left alone: the next run sees their effect in the
 * store.
 */
#include <math.h>
#include <string.h>

#include "audit.h"

static const struct crmgov_option audit_options[] = {
    { .name = "window", .type = CRMGOV_OPT_DURATION, .default_value = "7d", .min = "1d",
      .max = "366d", .doc = "latest window the rules judge (whole UTC days)" },
    { .name = "max_failure_rate", .type = CRMGOV_OPT_DOUBLE, .default_value = "0.05",
      .min = "0", .max = "1", .doc = "AUD001: failed share of runs in the window above which it raises" },
    { .name = "min_executions", .type = CRMGOV_OPT_INT, .default_value = "20", .min = "1",
      .doc = "AUD001/AUD003/AUD007: least volume before a rate or a spike is judged" },
    { .name = "sla", .type = CRMGOV_OPT_DURATION, .default_value = "15m", .min = "1s",
      .max = "7d", .doc = "AUD002: time an automation has to run after a matching change" },
    { .name = "lookback", .type = CRMGOV_OPT_DURATION, .default_value = "1h", .min = "1s",
      .max = "7d", .doc = "AUD003: how far before a run its triggering change may lie" },
    { .name = "baseline", .type = CRMGOV_OPT_DURATION, .default_value = "28d", .min = "1d",
      .max = "366d", .doc = "AUD003/AUD004/AUD007: span before the window that sets what is normal" },
    { .name = "spike_factor", .type = CRMGOV_OPT_DOUBLE, .default_value = "5", .min = "1",
      .doc = "AUD003: a day above this many times the baseline daily mean is a spike" },
    { .name = "conversion_object", .type = CRMGOV_OPT_STRING, .default_value = "deal",
      .doc = "AUD004: object whose records convert" },
    { .name = "conversion_field", .type = CRMGOV_OPT_STRING, .default_value = "stage",
      .doc = "AUD004: field that says a record converted" },
    { .name = "conversion_values", .type = CRMGOV_OPT_LIST, .default_value = "won",
      .doc = "AUD004: values of conversion_field that count as converted" },
    { .name = "horizon", .type = CRMGOV_OPT_DURATION, .default_value = "30d", .min = "1d",
      .max = "366d", .doc = "AUD004: time a touched record has to convert" },
    { .name = "min_sample", .type = CRMGOV_OPT_INT, .default_value = "30", .min = "1",
      .doc = "AUD004: least touched records in the window and in the baseline" },
    { .name = "significance", .type = CRMGOV_OPT_DOUBLE, .default_value = "0.05",
      .min = "0.000001", .max = "0.5", .doc = "AUD004: two-sided p-value below which a drop is significant" },
    { .name = "dormant_after", .type = CRMGOV_OPT_DURATION, .default_value = "30d", .min = "1h",
      .doc = "AUD005: an active automation idle this long is dormant" },
    { .name = "max_notifications_per_day", .type = CRMGOV_OPT_INT, .default_value = "50",
      .min = "1", .doc = "AUD006: notifications one principal may get from automations in a UTC day" },
    { .name = "silent_ratio", .type = CRMGOV_OPT_DOUBLE, .default_value = "0.1", .min = "0",
      .max = "1", .doc = "AUD007: window volume below this share of the baseline's is a silent stop" },
    CRMGOV_OPTIONS_END
};

static int whole_days(int64_t ms)
{
    int64_t days = (ms + AUD_DAY_MS - 1) / AUD_DAY_MS;
    return days < 1 ? 1 : (int)days;
}

static void read_options(struct aud_layer *L, const struct crmgov_config *c)
{
    const struct crmgov_host *h = L->host;
    struct aud_options *o = &L->opts;
    o->window_ms = h->config_duration_ms(c, "window");
    o->max_failure_rate = h->config_double(c, "max_failure_rate");
    o->min_executions = h->config_int(c, "min_executions");
    o->sla_ms = h->config_duration_ms(c, "sla");
    o->lookback_ms = h->config_duration_ms(c, "lookback");
    o->baseline_ms = h->config_duration_ms(c, "baseline");
    o->spike_factor = h->config_double(c, "spike_factor");
    o->conversion_object = h->config_string(c, "conversion_object");
    o->conversion_field = h->config_string(c, "conversion_field");
    o->n_conversion_values = h->config_list(c, "conversion_values", &o->conversion_values);
    o->horizon_ms = h->config_duration_ms(c, "horizon");
    o->min_sample = h->config_int(c, "min_sample");
    o->significance = h->config_double(c, "significance");
    o->dormant_after_ms = h->config_duration_ms(c, "dormant_after");
    o->max_notifications = h->config_int(c, "max_notifications_per_day");
    o->silent_ratio = h->config_double(c, "silent_ratio");
    o->window_days = whole_days(o->window_ms);
    o->baseline_days = whole_days(o->baseline_ms);
    o->horizon_days = whole_days(o->horizon_ms);
    o->ring_days = o->horizon_days + o->window_days + o->baseline_days + 2;
    o->lateness_ms = o->sla_ms;
}

static void intern_conversion(struct aud_layer *L)
{
    const struct aud_options *o = &L->opts;
    const char *object = o->conversion_object ? o->conversion_object : "";
    const char *field = o->conversion_field ? o->conversion_field : "";
    L->conversion_object = aud_names_add(&L->names, object, strlen(object));
    L->conversion_field = aud_names_add(&L->names, field, strlen(field));
    L->n_conversion_hashes = o->n_conversion_values;
    L->conversion_hashes =
        aud_realloc(NULL, (o->n_conversion_values ? o->n_conversion_values : 1) * sizeof(uint64_t));
    for (size_t i = 0; i < o->n_conversion_values; i++)
        L->conversion_hashes[i] =
            aud_hash(o->conversion_values[i], strlen(o->conversion_values[i]), 1);
}

/* ------------------------------------------------------------------------ */
/* subscribers                                                               */

/* The first batch after start writes what the snapshot carried and drops
 * it (see aud_snapshot.c). */
static int live(struct aud_layer *L)
{
    if (!L->started)
        return 0;
    if (L->tail_loaded)
        aud_persist_flush(L);
    return 1;
}

static int on_automation(void *state, const struct crmgov_event *ev)
{
    struct aud_layer *L = state;
    return live(L) ? aud_on_automation(L, ev) : CRMGOV_OK;
}

static int on_record(void *state, const struct crmgov_event *ev)
{
    struct aud_layer *L = state;
    return live(L) ? aud_on_record(L, ev) : CRMGOV_OK;
}

static int on_execution(void *state, const struct crmgov_event *ev)
{
    struct aud_layer *L = state;
    return live(L) ? aud_on_execution(L, ev) : CRMGOV_OK;
}

static int on_tick(void *state, const struct crmgov_event *ev)
{
    struct aud_layer *L = state;
    return live(L) ? aud_on_tick(L, ev->at) : CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

static void audit_fini(void *state)
{
    struct aud_layer *L = state;
    if (!L)
        return;
    aud_layer_free_state(L);
    free(L);
}

static int audit_init(const struct crmgov_host *host, const struct crmgov_config *config,
                      void **state)
{
    struct aud_layer *L = calloc(1, sizeof(*L));
    if (!L) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    L->host = host;
    L->today = INT32_MIN;
    L->clock = CRMGOV_TIME_NONE;
    read_options(L, config);
    intern_conversion(L);
    if (host->subscribe(host, CRMGOV_TOPIC_AUTOMATION, on_automation, L) ||
        host->subscribe(host, CRMGOV_TOPIC_RECORD, on_record, L) ||
        host->subscribe(host, CRMGOV_TOPIC_EXECUTION, on_execution, L) ||
        host->subscribe(host, CRMGOV_TOPIC_TICK, on_tick, L) || aud_register_commands(L)) {
        host->set_error(host, "cannot subscribe or register the audit commands");
        audit_fini(L);
        return CRMGOV_ERROR;
    }
    *state = L;
    return CRMGOV_OK;
}

static int audit_start(void *state)
{
    struct aud_layer *L = state;
    if (L->started)
        return CRMGOV_OK;
    if (aud_persist_load(L) != CRMGOV_OK) {
        L->host->set_error(L->host, "cannot read the audit state from the store");
        return CRMGOV_ERROR;
    }
    L->started = 1;
    return CRMGOV_OK;
}

static int audit_stop(void *state)
{
    struct aud_layer *L = state;
    if (!L || !L->started)
        return CRMGOV_OK;
    L->started = 0;
    L->host->log(L->host, CRMGOV_LOG_DEBUG,
                 "in memory: %zu automations, %zu records, %zu deadlines, %zu recipients",
                 L->n_autos, L->records.n, L->heap.n, L->n_recipients);
    /* the dispatcher has drained: what is still only in memory goes into one value */
    if (aud_snapshot_save(L) != CRMGOV_OK)
        L->host->log(L->host, CRMGOV_LOG_WARN,
                     "could not save the audit snapshot; the next run starts from the store");
    return CRMGOV_OK;
}

static const struct crmgov_plugin audit_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "audit",
    .version = "1.0.0",
    .description = "performance audit: failures, missed actions, unintended triggers, "
                   "conversion, dormancy, notification load, silent stops; metrics and report",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_LAYER,
    CRMGOV_PLUGIN_OPTIONS(audit_options),
    .init = audit_init,
    .fini = audit_fini,
    .start = audit_start,
    .stop = audit_stop,
    /* its rules read events and its own state only: it may run beside the store */
    .flags = CRMGOV_PLUGIN_EVENTS_ONLY,
};

CRMGOV_PLUGIN_EXPORT(audit_plugin)
