/*
 * host.c -- the function table each plugin instance receives; see
 * include/crmgov/host.h for the contract of every entry.
 *
 * Each instance owns a struct crmgov_host embedded in its struct instance, so
 * every entry finds its caller with CONTAINER_OF and nothing needs a global.
 * These functions are thin: they check arguments a plugin could get wrong,
 * attach the instance's identity (log prefix, state namespace, finding layer)
 * and forward to the store, the dispatcher or the registry.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "event.h"
#include "loader.h"
#include "log.h"
#include "output.h"
#include "runtime.h"
#include "timeutil.h"

static struct instance *self(const struct crmgov_host *h)
{
    return CONTAINER_OF(h, struct instance, host);
}

/* ------------------------------------------------------------------------ */
/* logging and errors                                                        */

static void host_log(const struct crmgov_host *h, enum crmgov_log_level level,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, self(h)->label, fmt, ap);
    va_end(ap);
}

static void host_set_error(const struct crmgov_host *h, const char *fmt, ...)
{
    struct instance *in = self(h);
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&in->error_lock);
    vsnprintf(in->error, sizeof(in->error), fmt, ap);
    pthread_mutex_unlock(&in->error_lock);
    va_end(ap);
}

const char *instance_error(struct instance *in)
{
    return in->error[0] ? in->error : "no details given";
}

void instance_clear_error(struct instance *in)
{
    pthread_mutex_lock(&in->error_lock);
    in->error[0] = '\0';
    pthread_mutex_unlock(&in->error_lock);
}

/* ------------------------------------------------------------------------ */
/* configuration                                                             */

static const struct option_value *value_of(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = config_value(c, name);
    if (!v)
        log_warn("a plugin asked for option '%s', which its table does not declare", name);
    return v;
}

static const char *cfg_string(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = value_of(c, name);
    return v ? v->text : NULL;
}

static int64_t cfg_int(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = value_of(c, name);
    return v ? v->i : 0;
}

static int cfg_bool(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = value_of(c, name);
    return v ? (int)v->i : 0;
}

static double cfg_double(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = value_of(c, name);
    return v ? v->d : 0;
}

static uint64_t cfg_size(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = value_of(c, name);
    return v ? (uint64_t)v->i : 0;
}

static size_t cfg_list(const struct crmgov_config *c, const char *name,
                       const char *const **items)
{
    const struct option_value *v = value_of(c, name);
    *items = v ? (const char *const *)v->items : NULL;
    return v ? v->n_items : 0;
}

static int cfg_is_set(const struct crmgov_config *c, const char *name)
{
    const struct option_value *v = config_value(c, name);
    return v ? v->is_set : 0;
}

static const char *cfg_dir(const struct crmgov_config *c)
{
    return c->dir ? c->dir : ".";
}

static const char *cfg_global(const struct crmgov_host *h, const char *section, const char *key)
{
    const struct config_section *s = config_section(&self(h)->rt->config, section);
    const struct config_entry *e = config_entry(s, key);
    if (!e && strcmp(section, "core") == 0)
        return runtime_core_string(self(h)->rt, key);
    return e ? e->value : NULL;
}

/* ------------------------------------------------------------------------ */
/* the bus                                                                   */

static int host_subscribe(const struct crmgov_host *h, enum crmgov_topic topic,
                          crmgov_event_fn fn, void *state)
{
    struct instance *in = self(h);
    return dispatcher_subscribe(&in->rt->dispatcher, topic, fn, state, in);
}

/* The position announced by position() for the next item this thread
 * publishes for an instance (one slot per thread: readers are threads). */
static __thread struct {
    struct instance *owner;
    struct bus_checkpoint cp;
} next_position;

static void take_position(struct instance *in, struct bus_item *item)
{
    if (next_position.owner != in)
        return;
    item->has_checkpoint = 1;
    bus_checkpoint_copy(&item->cp, &next_position.cp);
    next_position.owner = NULL;
}

static int host_position(const struct crmgov_host *h, const char *key, const void *value,
                         size_t len)
{
    size_t key_len = key ? strlen(key) : 0;
    if (!key_len || key_len > BUS_CP_KEY_MAX || len > BUS_CP_VALUE_MAX) {
        host_set_error(h, "position(): key of 1..%d bytes and value of at most %d bytes",
                       BUS_CP_KEY_MAX, BUS_CP_VALUE_MAX);
        return CRMGOV_ERROR;
    }
    next_position.owner = self(h);
    next_position.cp.key_len = (uint16_t)key_len;
    memcpy(next_position.cp.key, key, key_len);
    next_position.cp.value_len = (uint16_t)len;
    if (len)
        memcpy(next_position.cp.value, value, len);
    return CRMGOV_OK;
}

static int submit_deadletter(struct instance *in, const char *source, uint64_t line,
                             const char *reason, const char *raw, size_t raw_len)
{
    size_t keep = raw_len > DEADLETTER_RAW_MAX ? DEADLETTER_RAW_MAX : raw_len;
    struct bus_item item = {
        .kind = BUS_DEADLETTER, .from = in, .source = xstrdup(source ? source : in->label),
        .line = line, .reason = xstrdup(reason), .raw = xstrndup(raw ? raw : "", keep),
        .raw_len = keep,
    };
    take_position(in, &item);
    in->dead_letters++;
    if (dispatcher_submit(&in->rt->dispatcher, &item) != CRMGOV_OK) {
        bus_item_free(&item);
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

static int submit_event(struct instance *in, struct event_box *box)
{
    struct bus_item item = { .kind = BUS_EVENT, .from = in, .event = box };
    take_position(in, &item);
    in->published++;
    if (dispatcher_submit(&in->rt->dispatcher, &item) != CRMGOV_OK) {
        bus_item_free(&item);
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

static int host_publish(const struct crmgov_host *h, const struct crmgov_event *ev)
{
    struct instance *in = self(h);
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = ev ? event_copy(ev, &why) : NULL;
    if (!box) {
        log_msg(CRMGOV_LOG_WARN, in->label, "published an invalid event: %s",
                ev ? sb_str(&why) : "NULL");
        struct strbuf raw = STRBUF_INIT;
        if (ev && ev->topic != CRMGOV_TOPIC_FINDING && ev->u.none)
            event_to_json(ev, &raw);
        submit_deadletter(in, ev ? ev->source : NULL, ev ? ev->source_line : 0,
                          ev ? sb_str(&why) : "NULL event", sb_str(&raw), raw.len);
        sb_free(&raw);
        sb_free(&why);
        return CRMGOV_ERROR;
    }
    sb_free(&why);
    return submit_event(in, box);
}

static int host_publish_json(const struct crmgov_host *h, const char *line, size_t len,
                             const char *source, uint64_t line_no)
{
    struct instance *in = self(h);
    if (atomic_load(&in->rt->stopping) && !in->rt->dispatcher.synchronous &&
        bus_closed_and_empty(&in->rt->dispatcher.bus))
        return CRMGOV_ERROR;
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_json(line, len, source, line_no, &why);
    int rc;
    if (box)
        rc = submit_event(in, box);
    else
        rc = submit_deadletter(in, source, line_no, sb_str(&why), line, len) == CRMGOV_OK
                 ? 1
                 : CRMGOV_ERROR;
    sb_free(&why);
    return rc;
}

static int host_deadletter(const struct crmgov_host *h, const char *source, uint64_t line_no,
                           const char *reason, const char *raw, size_t raw_len)
{
    return submit_deadletter(self(h), source, line_no, reason ? reason : "rejected", raw,
                             raw_len);
}

static int host_checkpoint(const struct crmgov_host *h, const char *key, const void *value,
                           size_t len)
{
    struct instance *in = self(h);
    if (!key)
        return CRMGOV_ERROR;
    struct dispatcher *d = &in->rt->dispatcher;
    if (!d->synchronous && strlen(key) <= BUS_CP_KEY_MAX && len <= BUS_CP_VALUE_MAX)
        return bus_push_checkpoint(&d->bus, in, key, value, len) == 0 ? CRMGOV_OK
                                                                      : CRMGOV_ERROR;
    void *copy = xmalloc(len ? len : 1);
    if (len)
        memcpy(copy, value, len);
    struct bus_item item = { .kind = BUS_CHECKPOINT, .from = in, .key = xstrdup(key),
                             .value = copy, .value_len = len };
    if (dispatcher_submit(d, &item) != CRMGOV_OK) {
        bus_item_free(&item);
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

static int host_flush(const struct crmgov_host *h)
{
    struct instance *in = self(h);
    if (in->rt->dispatcher.synchronous)
        return CRMGOV_OK;
    struct bus_flush f = { .done = 0 };
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.cond, NULL);
    struct bus_item item = { .kind = BUS_FLUSH, .from = in, .flush = &f };
    int rc = dispatcher_submit(&in->rt->dispatcher, &item);
    if (rc == CRMGOV_OK) {
        pthread_mutex_lock(&f.lock);
        while (!f.done)
            pthread_cond_wait(&f.cond, &f.lock);
        rc = f.failed ? CRMGOV_ERROR : CRMGOV_OK;
        pthread_mutex_unlock(&f.lock);
    }
    pthread_mutex_destroy(&f.lock);
    pthread_cond_destroy(&f.cond);
    return rc;
}

static void host_connector_done(const struct crmgov_host *h)
{
    struct instance *in = self(h);
    pthread_mutex_lock(&in->rt->lock);
    in->done = 1;
    pthread_cond_broadcast(&in->rt->changed);
    pthread_mutex_unlock(&in->rt->lock);
}

static int host_batch_mode(const struct crmgov_host *h)
{
    return self(h)->rt->batch_mode;
}

static int host_stopping(const struct crmgov_host *h)
{
    return atomic_load(&self(h)->rt->stopping);
}

static int host_sleep(const struct crmgov_host *h, int64_t ms)
{
    struct runtime *rt = self(h)->rt;
    int64_t end = monotonic_ms() + ms;
    while (!atomic_load(&rt->stopping)) {
        int64_t left = end - monotonic_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { .fd = rt->stop_pipe[0], .events = POLLIN };
        poll(&p, 1, left > 1000 ? 1000 : (int)left);
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* clock, registry, metrics                                                  */

static crmgov_time host_now(const struct crmgov_host *h)
{
    return dispatcher_now(&self(h)->rt->dispatcher);
}

static int host_service_register(const struct crmgov_host *h, const char *name,
                                 uint32_t version, const void *iface)
{
    struct instance *in = self(h);
    struct strbuf why = STRBUF_INIT;
    int rc = registry_add_service(&in->rt->registry, name, version, iface, in, &why);
    if (rc)
        log_msg(CRMGOV_LOG_ERROR, in->label, "%s", sb_str(&why));
    sb_free(&why);
    return rc ? CRMGOV_ERROR : CRMGOV_OK;
}

static const void *host_service_lookup(const struct crmgov_host *h, const char *name,
                                       uint32_t min_version)
{
    const struct service *s = registry_service(&self(h)->rt->registry, name);
    return s && s->version >= min_version ? s->iface : NULL;
}

static int host_command_register(const struct crmgov_host *h,
                                 const struct crmgov_command *command, void *state)
{
    struct instance *in = self(h);
    const struct command_entry *taken =
        command && command->name ? registry_command(&in->rt->registry, command->name) : NULL;
    if (taken && taken->owner->plugin == in->plugin)
        return CRMGOV_OK; /* a second instance: the command stays with the first */
    struct strbuf why = STRBUF_INIT;
    int rc = registry_add_command(&in->rt->registry, command, state, in, &why);
    if (rc)
        log_msg(CRMGOV_LOG_ERROR, in->label, "%s", sb_str(&why));
    sb_free(&why);
    return rc ? CRMGOV_ERROR : CRMGOV_OK;
}

static void host_metric_add(const struct crmgov_host *h, const char *name, double delta)
{
    /* Metrics are logged at debug level until an exporter exists. */
    log_msg(CRMGOV_LOG_DEBUG, self(h)->label, "metric %s += %g", name, delta);
}

/* ------------------------------------------------------------------------ */
/* store                                                                     */

static struct store *store_of(const struct crmgov_host *h)
{
    return &self(h)->rt->store;
}

static int host_state_put(const struct crmgov_host *h, const char *key, const void *value,
                          size_t len)
{
    return store_state_put(store_of(h), self(h)->label, key, value, len);
}

static int host_state_get(const struct crmgov_host *h, const char *key, crmgov_state_fn fn,
                          void *ctx)
{
    return store_state_get(store_of(h), self(h)->label, key, fn, ctx);
}

static int host_state_delete(const struct crmgov_host *h, const char *key)
{
    return store_state_delete(store_of(h), self(h)->label, key);
}

static int host_state_scan(const struct crmgov_host *h, const char *prefix, crmgov_state_fn fn,
                           void *ctx)
{
    return store_state_scan(store_of(h), self(h)->label, prefix, fn, ctx);
}

static int host_inventory_get(const struct crmgov_host *h, const char *system, const char *id,
                              crmgov_inventory_fn fn, void *ctx)
{
    return store_inventory_get(store_of(h), system, id, fn, ctx);
}

static int host_inventory_scan(const struct crmgov_host *h, const char *system,
                               crmgov_inventory_fn fn, void *ctx)
{
    return store_inventory_scan(store_of(h), system, fn, ctx);
}

static int host_versions_scan(const struct crmgov_host *h, const char *system, const char *id,
                              crmgov_version_fn fn, void *ctx)
{
    return store_versions_scan(store_of(h), system, id, fn, ctx);
}

static int host_principal_get(const struct crmgov_host *h, const char *system, const char *id,
                              crmgov_principal_fn fn, void *ctx)
{
    return store_principal_get(store_of(h), system, id, fn, ctx);
}

static int host_principals_scan(const struct crmgov_host *h, const char *system,
                                crmgov_principal_fn fn, void *ctx)
{
    return store_principals_scan(store_of(h), system, fn, ctx);
}

static int host_owners_scan(const struct crmgov_host *h, const char *system,
                            const char *automation, crmgov_owner_fn fn, void *ctx)
{
    return store_owners_scan(store_of(h), system, automation, fn, ctx);
}

static int host_changes_scan(const struct crmgov_host *h, const char *system,
                             const char *automation, crmgov_change_fn fn, void *ctx)
{
    return store_changes_scan(store_of(h), system, automation, fn, ctx);
}

static int host_executions_scan(const struct crmgov_host *h, const char *system,
                                const char *automation, crmgov_time since, crmgov_time until,
                                crmgov_execution_fn fn, void *ctx)
{
    return store_executions_scan(store_of(h), system, automation, since, until, fn, ctx);
}

static int host_daily_scan(const struct crmgov_host *h, const char *system,
                           const char *automation, crmgov_time since, crmgov_daily_fn fn,
                           void *ctx)
{
    return store_daily_scan(store_of(h), system, automation, since, fn, ctx);
}

static int host_object_daily_scan(const struct crmgov_host *h, const char *system,
                                  const char *object, crmgov_time since,
                                  crmgov_object_daily_fn fn, void *ctx)
{
    return store_object_daily_scan(store_of(h), system, object, since, fn, ctx);
}

static int host_finding_raise(const struct crmgov_host *h, const struct crmgov_finding *f,
                              crmgov_time at)
{
    struct instance *in = self(h);
    if (!f || !f->rule || !f->name || !f->message || !f->system) {
        host_set_error(h, "finding_raise needs rule, name, system and message");
        return CRMGOV_ERROR;
    }
    return dispatcher_raise(&in->rt->dispatcher, in, f, at);
}

static int host_finding_resolve(const struct crmgov_host *h, const char *rule,
                                const char *system, const char *automation,
                                const char *subject, crmgov_time at)
{
    struct instance *in = self(h);
    if (!rule || !system)
        return CRMGOV_ERROR;
    return dispatcher_resolve(&in->rt->dispatcher, in, rule, system, automation, subject, at);
}

static int host_findings_scan(const struct crmgov_host *h,
                              const struct crmgov_finding_filter *filter, crmgov_finding_fn fn,
                              void *ctx)
{
    return store_findings_scan(store_of(h), filter, fn, ctx);
}

static int host_audit_append(const struct crmgov_host *h, const char *actor, const char *action,
                             const char *subject, const char *details_json, crmgov_time at)
{
    if (!action)
        return CRMGOV_ERROR;
    if (loader_plugin_flags(self(h)->plugin->desc) & CRMGOV_PLUGIN_EVENTS_ONLY) {
        /* it may run on the layer lane, where its entries would interleave
         * with the core's in an order that depends on timing */
        host_set_error(h, "audit_append is not available to a plugin that declares "
                          "CRMGOV_PLUGIN_EVENTS_ONLY");
        return CRMGOV_ERROR;
    }
    return auditlog_append(store_of(h), actor ? actor : self(h)->label, action, subject,
                           details_json, at);
}

static int host_audit_scan(const struct crmgov_host *h, uint64_t after_seq, crmgov_audit_fn fn,
                           void *ctx)
{
    return fn ? auditlog_scan(store_of(h), after_seq + 1, fn, ctx) : CRMGOV_ERROR;
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

static struct crmgov_table *host_table_new(const struct crmgov_host *h,
                                           const char *const *columns, size_t n_columns)
{
    (void)h;
    return table_new(columns, n_columns);
}

static crmgov_time host_time_parse(const char *text)
{
    return time_parse_rfc3339(text);
}

static const char *host_time_format(crmgov_time t, char buf[32])
{
    return time_format_rfc3339(t, buf);
}

static int host_definition_hash(const char *json, size_t len, char hex[65])
{
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_definition(json, len, "", &why);
    sb_free(&why);
    if (!box)
        return CRMGOV_ERROR;
    memcpy(hex, box->ev.u.automation->definition_hash, 65);
    event_box_free(box);
    return CRMGOV_OK;
}

/* A parsed automation handed to a plugin: a copy of the struct in front of
 * the event box that owns everything it points to. */
struct owned_automation {
    struct crmgov_automation a;
    struct event_box *box;
};

static const struct crmgov_automation *host_automation_parse(const struct crmgov_host *h,
                                                             const char *json, size_t len,
                                                             char *why, size_t why_size)
{
    (void)h;
    struct strbuf reason = STRBUF_INIT;
    struct event_box *box = json ? event_parse_definition(json, len, "", &reason) : NULL;
    if (!box) {
        if (why && why_size)
            snprintf(why, why_size, "%s", json ? sb_str(&reason) : "no definition");
        sb_free(&reason);
        return NULL;
    }
    sb_free(&reason);
    struct owned_automation *o = xcalloc(1, sizeof(*o));
    o->a = *box->ev.u.automation;
    o->box = box;
    return &o->a;
}

static void host_automation_free(const struct crmgov_host *h, const struct crmgov_automation *a)
{
    (void)h;
    if (!a)
        return;
    struct owned_automation *o = CONTAINER_OF(a, struct owned_automation, a);
    event_box_free(o->box);
    free(o);
}

void host_setup(struct instance *in)
{
    struct crmgov_host *h = &in->host;
    memset(h, 0, sizeof(*h));
    h->struct_size = sizeof(*h);
    h->abi_major = CRMGOV_ABI_MAJOR;
    h->abi_minor = CRMGOV_ABI_MINOR;
    h->instance = in->section ? in->section->instance : in->label;
    h->core_version = CRMGOV_VERSION_STRING;
    h->log = host_log;
    h->set_error = host_set_error;
    h->config_string = cfg_string;
    h->config_int = cfg_int;
    h->config_bool = cfg_bool;
    h->config_double = cfg_double;
    h->config_duration_ms = cfg_int;
    h->config_size = cfg_size;
    h->config_list = cfg_list;
    h->config_is_set = cfg_is_set;
    h->config_dir = cfg_dir;
    h->config_global = cfg_global;
    h->subscribe = host_subscribe;
    h->publish = host_publish;
    h->publish_json = host_publish_json;
    h->deadletter = host_deadletter;
    h->checkpoint = host_checkpoint;
    h->flush = host_flush;
    h->connector_done = host_connector_done;
    h->batch_mode = host_batch_mode;
    h->stopping = host_stopping;
    h->sleep = host_sleep;
    h->now = host_now;
    h->service_register = host_service_register;
    h->service_lookup = host_service_lookup;
    h->command_register = host_command_register;
    h->metric_add = host_metric_add;
    h->state_put = host_state_put;
    h->state_get = host_state_get;
    h->state_delete = host_state_delete;
    h->state_scan = host_state_scan;
    h->inventory_get = host_inventory_get;
    h->inventory_scan = host_inventory_scan;
    h->versions_scan = host_versions_scan;
    h->principal_get = host_principal_get;
    h->principals_scan = host_principals_scan;
    h->owners_scan = host_owners_scan;
    h->changes_scan = host_changes_scan;
    h->executions_scan = host_executions_scan;
    h->daily_scan = host_daily_scan;
    h->object_daily_scan = host_object_daily_scan;
    h->finding_raise = host_finding_raise;
    h->finding_resolve = host_finding_resolve;
    h->findings_scan = host_findings_scan;
    h->audit_append = host_audit_append;
    h->table_new = host_table_new;
    h->table_row = table_row;
    h->table_print = table_print;
    h->time_parse = host_time_parse;
    h->time_format = host_time_format;
    h->duration_parse = duration_parse;
    h->definition_hash = host_definition_hash;
    h->position = host_position;
    h->audit_scan = host_audit_scan;
    h->automation_parse = host_automation_parse;
    h->automation_free = host_automation_free;
}
