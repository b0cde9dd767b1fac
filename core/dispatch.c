/*
 * dispatch.c -- the dispatcher thread and what it does to each item; see
 * dispatch.h.
 *
 * Failure policy: a subscriber that returns an error is logged and the batch
 * goes on (one bad rule must not stop ingestion). A store error is different:
 * the batch is rolled back, the run stops, and because the connectors'
 * checkpoints were in that batch, the next start reads the same input again.
 */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "event.h"
#include "loader.h"
#include "log.h"
#include "names.h"
#include "runtime.h"
#include "timeutil.h"

#define FINDING_CASCADE_LIMIT 100000

void dispatcher_init(struct dispatcher *d, struct runtime *rt, size_t queue, size_t batch,
                     int64_t tick_ms)
{
    memset(d, 0, sizeof(*d));
    d->rt = rt;
    d->batch_size = batch ? batch : 1;
    d->batch_time_ms = 250;
    d->tick_ms = tick_ms > 0 ? tick_ms : MS_PER_MINUTE;
    d->next_tick = CRMGOV_TIME_NONE;
    d->layer_thread = 1;
    d->wal_thread = 1;
    hashmap_init(&d->checkpoints);
    bus_init(&d->bus, queue);
}

struct pending_checkpoint {
    struct instance *owner;
    char *key;
    unsigned char *value;
    size_t len, cap;
};

static void free_checkpoint(void *p)
{
    struct pending_checkpoint *c = p;
    free(c->key);
    free(c->value);
    free(c);
}

void dispatcher_free(struct dispatcher *d)
{
    hashmap_clear(&d->checkpoints, free_checkpoint);
    bus_destroy(&d->bus);
    for (int t = 0; t < CRMGOV_TOPIC_COUNT_V1; t++)
        free(d->subs[t]);
    for (size_t i = 0; i < d->n_pending; i++)
        event_box_free(d->pending[i]);
    free(d->pending);
    memset(d, 0, sizeof(*d));
}

int dispatcher_subscribe(struct dispatcher *d, enum crmgov_topic topic, crmgov_event_fn fn,
                         void *state, struct instance *owner)
{
    if ((unsigned)topic >= CRMGOV_TOPIC_COUNT_V1 || !fn)
        return CRMGOV_ERROR;
    size_t n = d->n_subs[topic];
    d->subs[topic] = xrealloc(d->subs[topic], (n + 1) * sizeof(struct subscription));
    d->subs[topic][n] = (struct subscription){ fn, state, owner };
    d->n_subs[topic] = n + 1;
    return CRMGOV_OK;
}

void dispatcher_unsubscribe_owner(struct dispatcher *d, struct instance *owner)
{
    for (int t = 0; t < CRMGOV_TOPIC_COUNT_V1; t++) {
        size_t j = 0;
        for (size_t i = 0; i < d->n_subs[t]; i++)
            if (d->subs[t][i].owner != owner)
                d->subs[t][j++] = d->subs[t][i];
        d->n_subs[t] = j;
    }
}

/* ------------------------------------------------------------------------ */
/* delivering events to subscribers                                          */

static void deliver(struct dispatcher *d, const struct crmgov_event *ev)
{
    size_t n = d->n_subs[ev->topic];
    for (size_t i = 0; i < n; i++) {
        struct subscription *s = &d->subs[ev->topic][i];
        instance_clear_error(s->owner);
        if (s->fn(s->state, ev) != CRMGOV_OK) {
            d->stats.callback_errors++;
            log_msg(CRMGOV_LOG_ERROR, s->owner->label, "failed on %s event (%s:%llu): %s",
                    name_of(&names_topic, (int)ev->topic), ev->source ? ev->source : "-",
                    (unsigned long long)ev->source_line, instance_error(s->owner));
        }
    }
}

/* Findings raised by callbacks are delivered after the callback that raised
 * them, breadth first, so a sink sees them in the order they happened. */
static void deliver_pending(struct dispatcher *d)
{
    size_t done = 0;
    while (done < d->n_pending) {
        if (done >= FINDING_CASCADE_LIMIT) {
            log_error("more than %d findings raised by one event; the rest are stored but "
                      "not delivered to sinks",
                      FINDING_CASCADE_LIMIT);
            break;
        }
        deliver(d, &d->pending[done]->ev);
        done++;
    }
    for (size_t i = 0; i < d->n_pending; i++)
        event_box_free(d->pending[i]);
    d->n_pending = 0;
}

static void queue_finding(struct dispatcher *d, const struct crmgov_finding *now,
                          int transition, crmgov_time at)
{
    if (transition == CRMGOV_FINDING_CLEARED)
        d->stats.findings_cleared++;
    else
        d->stats.findings_raised++;
    if (!d->n_subs[CRMGOV_TOPIC_FINDING])
        return;
    struct crmgov_finding copy = *now;
    copy.transition = (enum crmgov_finding_transition)transition;
    if (!copy.name)
        copy.name = "";
    if (!copy.message)
        copy.message = "";
    struct crmgov_event ev = { .struct_size = sizeof(ev), .topic = CRMGOV_TOPIC_FINDING,
                               .system = now->system, .at = at };
    ev.u.finding = &copy;
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_copy(&ev, &why);
    sb_free(&why);
    if (!box)
        return;
    d->pending = grow_array(d->pending, &d->cap_pending, d->n_pending + 1, sizeof(*d->pending));
    d->pending[d->n_pending++] = box;
}

int dispatcher_raise(struct dispatcher *d, struct instance *from, const struct crmgov_finding *f,
                     crmgov_time at)
{
    struct crmgov_finding now;
    int transition;
    const char *layer = from->plugin->desc->name;
    int rc = store_finding_raise(&d->rt->store, f, layer, at, &now, &transition);
    if (rc == CRMGOV_OK && transition >= 0)
        queue_finding(d, &now, transition, at);
    return rc;
}

struct cleared {
    struct dispatcher *d;
    const char *subject;
    crmgov_time at;
};

/* Sinks hear about a cleared finding with its stored name and message. */
static int queue_cleared(void *ctx, const struct crmgov_finding *f)
{
    struct cleared *c = ctx;
    if (!str_eq(f->subject, c->subject))
        return 0;
    queue_finding(c->d, f, CRMGOV_FINDING_CLEARED, c->at);
    return 1;
}

int dispatcher_resolve(struct dispatcher *d, struct instance *from, const char *rule,
                       const char *system, const char *automation, const char *subject,
                       crmgov_time at)
{
    struct crmgov_finding now;
    int transition;
    (void)from;
    int rc = store_finding_resolve(&d->rt->store, rule, system, automation, subject, at, &now,
                                   &transition);
    if (rc != CRMGOV_OK || transition < 0)
        return rc;
    struct crmgov_finding_filter filter = { .struct_size = sizeof(filter), .rule = rule,
                                            .system = system ? system : "",
                                            .automation = automation ? automation : "",
                                            .state = CRMGOV_FINDING_RESOLVED,
                                            .min_severity = -1 };
    struct cleared c = { d, subject, at };
    if (store_findings_scan(&d->rt->store, &filter, queue_cleared, &c) == 0)
        queue_finding(d, &now, transition, at); /* not found again: send what we know */
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* the event-time clock                                                      */

/* What runs on the lane, when there is one. */
enum lane_kind { LANE_EVENT, LANE_FINDING, LANE_TICK };

static void run_tick(struct dispatcher *d, crmgov_time tick)
{
    struct crmgov_event ev = { .struct_size = sizeof(ev), .topic = CRMGOV_TOPIC_TICK,
                               .system = "", .at = tick };
    deliver(d, &ev);
    deliver_pending(d);
}

static void deliver_tick(struct dispatcher *d, crmgov_time tick)
{
    d->stats.events[CRMGOV_TOPIC_TICK]++;
    if (!d->use_lane) {
        run_tick(d, tick);
        return;
    }
    struct lane_item it = { .kind = LANE_TICK, .at = tick, .clock = d->rt->store.watermark };
    lane_push(&d->lane, &it);
}

static void advance_clock(struct dispatcher *d, crmgov_time at)
{
    struct store *s = &d->rt->store;
    if (d->next_tick == CRMGOV_TIME_NONE) {
        int resumed = s->watermark != CRMGOV_TIME_NONE;
        crmgov_time base = resumed && s->watermark > at ? s->watermark : at;
        d->next_tick = (base / d->tick_ms + 1) * d->tick_ms;
        /* A restart resumes at a known time: one tick at once lets layers
         * re-judge what a changed configuration changes. */
        if (resumed)
            deliver_tick(d, s->watermark / d->tick_ms * d->tick_ms);
    }
    if (at > s->watermark || s->watermark == CRMGOV_TIME_NONE)
        s->watermark = at;
    if (s->watermark < d->next_tick)
        return;
    crmgov_time tick = s->watermark / d->tick_ms * d->tick_ms;
    d->next_tick = tick + d->tick_ms;
    deliver_tick(d, tick);
}

/* ------------------------------------------------------------------------ */
/* governance actions into the audit log                                     */

static void audit_ownership(struct dispatcher *d, const struct crmgov_event *ev,
                            struct instance *from)
{
    const struct crmgov_ownership *w = ev->u.ownership;
    const char *actor = w->actor ? w->actor : from ? from->label : "unknown";
    char *subject = xasprintf("%s/%s", ev->system, w->automation);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "role", name_of(&names_role, (int)w->role));
    const char *who = w->principal ? w->principal : w->remove_only;
    if (who)
        cJSON_AddStringToObject(details, "principal", who);
    if (ev->source)
        cJSON_AddStringToObject(details, "source", ev->source);
    char *text = cJSON_PrintUnformatted(details);
    auditlog_append(&d->rt->store, actor,
                    w->principal ? "ownership.assign" : "ownership.unassign", subject, text,
                    ev->at);
    cJSON_free(text);
    cJSON_Delete(details);
    free(subject);
}

static void audit_change(struct dispatcher *d, const struct crmgov_event *ev,
                         struct instance *from)
{
    const struct crmgov_change *c = ev->u.change;
    char *subject = xasprintf("%s/%s", ev->system, c->automation);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "change", c->id);
    cJSON_AddStringToObject(details, "state", name_of(&names_change_state, (int)c->state));
    if (c->definition_hash)
        cJSON_AddStringToObject(details, "definition_hash", c->definition_hash);
    cJSON *approvers = cJSON_AddArrayToObject(details, "approvers");
    for (size_t i = 0; i < c->n_approvers; i++)
        cJSON_AddItemToArray(approvers, cJSON_CreateString(c->approvers[i]));
    char *text = cJSON_PrintUnformatted(details);
    auditlog_append(&d->rt->store, c->author ? c->author : from ? from->label : "unknown",
                    "change.recorded", subject, text, ev->at);
    cJSON_free(text);
    cJSON_Delete(details);
    free(subject);
}

/* ------------------------------------------------------------------------ */
/* processing one item                                                       */

/* A finding published as an event: stored, then delivered with whatever it
 * caused, like a finding a layer raised. */
static int process_finding_event(struct dispatcher *d, const struct crmgov_event *ev,
                                 struct instance *from)
{
    const struct crmgov_finding *f = ev->u.finding;
    int rc = f->transition == CRMGOV_FINDING_CLEARED
                 ? dispatcher_resolve(d, from, f->rule, f->system, f->automation, f->subject,
                                      ev->at)
                 : dispatcher_raise(d, from, f, ev->at);
    deliver_pending(d);
    return rc;
}

/* Audit entries for governance actions: on this thread in both modes, since
 * plugins on the lane cannot write the audit log (host.c refuses it). */
static void audit_governance(struct dispatcher *d, const struct crmgov_event *ev,
                             struct instance *from, int ownership_changed)
{
    if (ev->topic == CRMGOV_TOPIC_OWNERSHIP && ownership_changed)
        audit_ownership(d, ev, from);
    if (ev->topic == CRMGOV_TOPIC_CHANGE)
        audit_change(d, ev, from);
}

/* What follows the store for an event: subscribers, then the findings they
 * raised. */
static void after_store(struct dispatcher *d, const struct crmgov_event *ev)
{
    deliver(d, ev);
    deliver_pending(d);
}

/* Runs on the lane thread, in push order. After a failed store write the
 * batch will roll back, so the rest of it is only freed. */
static void lane_run(void *ctx, struct lane_item *it)
{
    struct dispatcher *d = ctx;
    if (!atomic_load(&d->lane_failed)) {
        d->lane_clock = it->clock;
        if (it->kind == LANE_TICK) {
            run_tick(d, it->at);
        } else if (it->kind == LANE_FINDING) {
            if (process_finding_event(d, &it->box->ev, it->from) != CRMGOV_OK)
                atomic_store(&d->lane_failed, 1);
        } else {
            after_store(d, &it->box->ev);
        }
    }
    event_box_free(it->box);
}

/* Hands the item's event to the lane, which frees it. */
static void to_lane(struct dispatcher *d, struct bus_item *item, int kind)
{
    struct lane_item it = { .kind = kind, .box = item->event,
                            .from = item->from, .at = item->event->ev.at,
                            .clock = d->rt->store.watermark };
    item->event = NULL;
    lane_push(&d->lane, &it);
}

static int process_event(struct dispatcher *d, struct bus_item *item)
{
    struct crmgov_event *ev = &item->event->ev;
    struct store *s = &d->rt->store;
    d->stats.events[ev->topic]++;
    advance_clock(d, ev->at);
    if (ev->topic == CRMGOV_TOPIC_FINDING) {
        if (d->use_lane)
            return to_lane(d, item, LANE_FINDING), CRMGOV_OK;
        return process_finding_event(d, ev, item->from);
    }
    struct apply_result applied;
    store_lock(s);
    int rc = store_apply(s, ev, &applied);
    store_unlock(s);
    if (rc != CRMGOV_OK)
        return CRMGOV_ERROR;
    ev->automation_key = applied.automation_key;
    audit_governance(d, ev, item->from, applied.ownership_changed);
    if (d->use_lane)
        to_lane(d, item, LANE_EVENT);
    else
        after_store(d, ev);
    return CRMGOV_OK;
}

/* Connectors may checkpoint after every event: only the latest position per
 * key in a batch is written, once, just before the commit. */
static void stash_checkpoint(struct dispatcher *d, struct instance *owner, const char *key,
                             size_t key_len, const void *value, size_t len)
{
    char stack[BUS_CP_KEY_MAX + sizeof(owner) + 1];
    char *hkey = key_len + sizeof(owner) <= sizeof(stack) ? stack
                                                          : xmalloc(key_len + sizeof(owner));
    memcpy(hkey, &owner, sizeof(owner));
    memcpy(hkey + sizeof(owner), key, key_len);
    size_t hlen = key_len + sizeof(owner);
    struct pending_checkpoint *c = hashmap_get(&d->checkpoints, hkey, hlen);
    if (!c) {
        c = xcalloc(1, sizeof(*c));
        c->owner = owner;
        c->key = xstrndup(key, key_len);
        hashmap_put(&d->checkpoints, hkey, hlen, c);
    }
    if (len > c->cap) {
        c->value = xrealloc(c->value, len);
        c->cap = len;
    }
    if (len)
        memcpy(c->value, value, len);
    c->len = len;
    if (hkey != stack)
        free(hkey);
}

static int take_checkpoint(struct dispatcher *d, struct bus_item *item)
{
    const struct bus_checkpoint *cp = &item->cp;
    if (!item->has_checkpoint && !item->key)
        return CRMGOV_OK;
    const char *key = item->has_checkpoint ? cp->key : item->key;
    size_t key_len = item->has_checkpoint ? cp->key_len : strlen(item->key);
    const void *value = item->has_checkpoint ? (const void *)cp->value : item->value;
    size_t len = item->has_checkpoint ? cp->value_len : item->value_len;
    if (d->synchronous) {
        char *k = xstrndup(key, key_len);
        int rc = store_state_put(&d->rt->store, item->from->label, k, value, len);
        free(k);
        return rc;
    }
    stash_checkpoint(d, item->from, key, key_len, value, len);
    return CRMGOV_OK;
}

static int write_checkpoints(struct dispatcher *d)
{
    int rc = CRMGOV_OK;
    for (size_t i = 0; i < d->checkpoints.cap && rc == CRMGOV_OK; i++) {
        struct pending_checkpoint *c =
            d->checkpoints.slots[i].key ? d->checkpoints.slots[i].value : NULL;
        if (c)
            rc = store_state_put(&d->rt->store, c->owner->label, c->key, c->value, c->len);
    }
    hashmap_clear(&d->checkpoints, free_checkpoint);
    return rc;
}

static int process_item_itself(struct dispatcher *d, struct bus_item *item);

static int process_item(struct dispatcher *d, struct bus_item *item)
{
    int rc = process_item_itself(d, item);
    if (rc == CRMGOV_OK && item->has_checkpoint && item->kind != BUS_CHECKPOINT)
        rc = take_checkpoint(d, item);
    return rc;
}

static int process_item_itself(struct dispatcher *d, struct bus_item *item)
{
    struct store *s = &d->rt->store;
    if (d->observe && (item->kind == BUS_EVENT || item->kind == BUS_DEADLETTER))
        d->observe(d->observe_ctx, item);
    switch (item->kind) {
    case BUS_EVENT:
        return process_event(d, item);
    case BUS_DEADLETTER:
        d->stats.dead_letters++;
        return store_deadletter_add(s, item->source, item->line, item->reason, item->raw,
                                    item->raw_len); /* locks itself */
    case BUS_CHECKPOINT:
        return take_checkpoint(d, item);
    case BUS_FLUSH:
        return CRMGOV_OK; /* answered after the commit */
    case BUS_CLOCK:
        advance_clock(d, item->at);
        return CRMGOV_OK;
    }
    return CRMGOV_OK;
}

static void answer_flushes(struct bus_item *items, size_t n, int failed)
{
    for (size_t i = 0; i < n; i++) {
        struct bus_flush *f = items[i].flush;
        if (items[i].kind != BUS_FLUSH || !f)
            continue;
        pthread_mutex_lock(&f->lock);
        f->done = 1;
        f->failed = failed;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
    }
}

/* The flush requests of a batch, answered once it committed. */
struct flush_list {
    struct bus_flush **items;
    size_t n, cap;
};

static void flush_list_add(struct flush_list *l, struct bus_flush *f)
{
    l->items = grow_array(l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = f;
}

static void flush_list_answer(struct flush_list *l, int failed)
{
    for (size_t i = 0; i < l->n; i++) {
        struct bus_flush *f = l->items[i];
        pthread_mutex_lock(&f->lock);
        f->done = 1;
        f->failed = failed;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
    }
    l->n = 0;
}

/* Processes popped items; event memory is released at once, flush requests
 * wait for the commit. */
static int process_popped(struct dispatcher *d, struct bus_item *items, size_t n,
                          struct flush_list *flushes, int rc)
{
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n)
            prefetch_span(items[i + PREFETCH_AHEAD].event, EVENT_PREFETCH_BYTES);
        if (rc == CRMGOV_OK)
            rc = process_item(d, &items[i]);
        if (items[i].kind == BUS_FLUSH && items[i].flush)
            flush_list_add(flushes, items[i].flush);
        bus_item_free(&items[i]);
    }
    return rc;
}

/* The batch's own closing writes: positions, retention, daily aggregates
 * (after a failure only the positions are dropped). */
static int write_batch_end(struct dispatcher *d, int rc)
{
    struct store *s = &d->rt->store;
    if (rc != CRMGOV_OK) {
        hashmap_clear(&d->checkpoints, free_checkpoint);
        return rc;
    }
    store_lock(s);
    rc = write_checkpoints(d);
    if (rc == CRMGOV_OK)
        rc = store_prune(s);
    if (rc == CRMGOV_OK)
        rc = store_flush_aggregates(s);
    store_unlock(s);
    return rc;
}

/* With a lane they go out while it catches up; then the lane's writes are
 * all in, and the transaction can commit. */
static int settle_with_lane(struct dispatcher *d, int rc)
{
    rc = write_batch_end(d, rc);
    lane_wait_idle(&d->lane);
    if (atomic_exchange(&d->lane_failed, 0) && rc == CRMGOV_OK)
        rc = CRMGOV_ERROR;
    return rc;
}

/* One transaction: the first popped items plus whatever arrives at once,
 * up to batch_size events or batch_time -- fewer, larger commits write each
 * hot page and each day's aggregate once instead of once per pop. */
static int run_batch(struct dispatcher *d, struct bus_item *items, size_t n, size_t cap,
                     struct flush_list *flushes)
{
    struct store *s = &d->rt->store;
    int64_t deadline = monotonic_ms() + d->batch_time_ms;
    int rc = store_begin(s);
    size_t total = n;
    rc = process_popped(d, items, n, flushes, rc);
    while (rc == CRMGOV_OK && total < d->batch_size && monotonic_ms() < deadline) {
        size_t want = d->batch_size - total < cap ? d->batch_size - total : cap;
        n = bus_pop(&d->bus, items, want, 0);
        if (!n)
            break;
        total += n;
        rc = process_popped(d, items, n, flushes, rc);
    }
    rc = d->use_lane ? settle_with_lane(d, rc) : write_batch_end(d, rc);
    if (rc == CRMGOV_OK)
        rc = store_commit(s);
    else if (s->in_tx)
        store_rollback(s);
    if (rc == CRMGOV_OK)
        wal_checkpointer_poke(&d->checkpointer);
    d->stats.batches++;
    flush_list_answer(flushes, rc != CRMGOV_OK);
    return rc;
}

static void *dispatcher_main(void *arg)
{
    struct dispatcher *d = arg;
    size_t cap = d->batch_size < 4096 ? d->batch_size : 4096;
    struct bus_item *items = xcalloc(cap, sizeof(*items));
    struct flush_list flushes = { 0 };
    for (;;) {
        size_t n = bus_pop(&d->bus, items, cap, 100);
        if (n == 0) {
            if (bus_closed_and_empty(&d->bus))
                break;
            continue;
        }
        if (run_batch(d, items, n, cap, &flushes) != CRMGOV_OK) {
            log_error("a batch could not be stored; stopping (nothing of it was kept, and "
                      "connectors resume from their last committed position)");
            d->rt->failed = 1;
            runtime_request_stop(d->rt);
            /* keep draining so producers blocked on a full queue can finish */
            bus_close(&d->bus);
            while ((n = bus_pop(&d->bus, items, cap, 10)) > 0) {
                answer_flushes(items, n, 1);
                for (size_t i = 0; i < n; i++)
                    bus_item_free(&items[i]);
            }
            break;
        }
    }
    free(flushes.items);
    free(items);
    return NULL;
}

/* The lane is worth it, and safe, when there are subscribers and every one
 * of them needs nothing but events (CRMGOV_PLUGIN_EVENTS_ONLY). */
static int lane_allowed(const struct dispatcher *d)
{
    size_t subscribers = 0;
    if (!d->layer_thread || d->synchronous)
        return 0;
    for (int t = 0; t < CRMGOV_TOPIC_COUNT_V1; t++) {
        for (size_t i = 0; i < d->n_subs[t]; i++) {
            const struct instance *owner = d->subs[t][i].owner;
            if (!(loader_plugin_flags(owner->plugin->desc) & CRMGOV_PLUGIN_EVENTS_ONLY))
                return 0;
            subscribers++;
        }
    }
    return subscribers > 0;
}

static void start_lane(struct dispatcher *d)
{
    d->use_lane = 0;
    /* as much room as the queue: the store and the layers each run ahead of
     * the other in turn (a day roll on the lane, a commit here) */
    if (!lane_allowed(d) || lane_start(&d->lane, d->bus.cap, lane_run, d) != 0)
        return;
    store_set_guest(&d->rt->store, 1, d->lane.thread);
    d->use_lane = 1;
    log_debug("layers run on their own thread beside the store");
}

static void stop_lane(struct dispatcher *d)
{
    if (!d->use_lane)
        return;
    lane_stop(&d->lane);
    store_set_guest(&d->rt->store, 0, pthread_self());
    d->use_lane = 0;
}

static void start_checkpointer(struct dispatcher *d)
{
    struct store *s = &d->rt->store;
    if (d->wal_thread && wal_checkpointer_start(&d->checkpointer, s->db, s->path) == 0)
        log_debug("WAL checkpoints run on a separate thread");
}

int dispatcher_start(struct dispatcher *d)
{
    start_lane(d);
    start_checkpointer(d);
    if (pthread_create(&d->thread, NULL, dispatcher_main, d) != 0) {
        wal_checkpointer_stop(&d->checkpointer);
        stop_lane(d);
        return CRMGOV_ERROR;
    }
    d->running = 1;
    return CRMGOV_OK;
}

void dispatcher_drain_and_join(struct dispatcher *d)
{
    bus_close(&d->bus);
    if (d->running) {
        pthread_join(d->thread, NULL);
        d->running = 0;
    }
    wal_checkpointer_stop(&d->checkpointer);
    stop_lane(d);
}

crmgov_time dispatcher_now(const struct dispatcher *d)
{
    if (d->use_lane && lane_is_current(&d->lane))
        return d->lane_clock;
    return d->rt->store.watermark;
}

int dispatcher_submit(struct dispatcher *d, struct bus_item *item)
{
    if (!d->synchronous)
        return bus_push(&d->bus, item) == 0 ? CRMGOV_OK : CRMGOV_ERROR;
    /* commands: the caller holds the command's transaction */
    int rc = process_item(d, item);
    answer_flushes(item, 1, rc != CRMGOV_OK);
    bus_item_free(item);
    return rc;
}
