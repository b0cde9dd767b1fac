/*
 * dispatch.h -- the dispatcher: applies queued items to the store and hands
 * events to subscribers, in batches, one transaction per batch.
 *
 * One thread does all of it, so layer and sink callbacks never run at the
 * same time and need no locks. For each event: advance the event-time clock
 * (dispatching a tick when it crosses a tick boundary), apply the event to the
 * store, write audit-log entries for governance actions, call subscribers,
 * then deliver the findings those callbacks raised -- all before the batch
 * commits, so sinks' effects (an outbox row) commit with their cause.
 *
 * When every subscriber declares CRMGOV_PLUGIN_EVENTS_ONLY (and [core]
 * layer_thread allows it), what follows the store for each event -- audit
 * entries, subscribers, their findings -- and finding events and ticks run on
 * the layer lane (lane.h) instead, in the same order, while this thread
 * stores the next events; the batch commits once the lane has caught up.
 *
 * Commands (`crmgov owners assign ...`) run without the thread: what they
 * publish is dispatched at once, inside the command's own transaction.
 */
#ifndef CRMGOV_DISPATCH_H
#define CRMGOV_DISPATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "bus.h"
#include "crmgov/host.h"
#include "hashmap.h"
#include "lane.h"
#include "wal_checkpointer.h"

struct runtime;
struct instance;
struct event_box;

struct subscription {
    crmgov_event_fn fn;
    void *state;
    struct instance *owner;
};

struct dispatch_stats {
    uint64_t events[CRMGOV_TOPIC_COUNT_V1];
    uint64_t dead_letters;
    uint64_t batches;
    uint64_t findings_raised, findings_cleared;
    uint64_t callback_errors;
};

struct dispatcher {
    struct runtime *rt;
    struct bus bus;
    pthread_t thread;
    int running;
    size_t batch_size;              /* most events in one transaction */
    int64_t batch_time_ms;          /* longest a transaction keeps collecting */
    int64_t tick_ms;
    crmgov_time next_tick;
    struct subscription *subs[CRMGOV_TOPIC_COUNT_V1];
    size_t n_subs[CRMGOV_TOPIC_COUNT_V1];
    struct event_box **pending;     /* findings raised while dispatching */
    size_t n_pending, cap_pending;
    int synchronous;                /* commands: dispatch on publish */
    /* Sees every event and dead letter before it is applied (the SDK harness
     * records what plugins publish with it). Runs on the dispatcher thread. */
    void (*observe)(void *ctx, const struct bus_item *item);
    void *observe_ctx;
    struct hashmap checkpoints;     /* "label\0key" -> latest value in this batch */
    struct dispatch_stats stats;
    int layer_thread;               /* [core] layer_thread: the lane may be used */
    int wal_thread;                 /* [core] wal_thread: checkpoints off the commit path */
    struct wal_checkpointer checkpointer;
    int use_lane;                   /* decided at start, see dispatcher_start() */
    struct lane lane;
    _Atomic int lane_failed;        /* a store write on the lane failed this batch */
    crmgov_time lane_clock;         /* host->now for callbacks on the lane */
};

void dispatcher_init(struct dispatcher *d, struct runtime *rt, size_t queue, size_t batch,
                     int64_t tick_ms);
void dispatcher_free(struct dispatcher *d);
int dispatcher_subscribe(struct dispatcher *d, enum crmgov_topic topic, crmgov_event_fn fn,
                         void *state, struct instance *owner);
void dispatcher_unsubscribe_owner(struct dispatcher *d, struct instance *owner);

int dispatcher_start(struct dispatcher *d);
/* The event-time clock as a callback on this thread should see it. */
crmgov_time dispatcher_now(const struct dispatcher *d);
/* Closes the queue, lets the thread drain and commit it, joins it. */
void dispatcher_drain_and_join(struct dispatcher *d);

/* Queues an item (blocking while full), or, in synchronous mode, processes
 * it at once. Takes the item's contents. */
int dispatcher_submit(struct dispatcher *d, struct bus_item *item);

/* A finding raised or resolved by a plugin: store it, and queue a "finding"
 * event when an admin would want to hear about it. */
int dispatcher_raise(struct dispatcher *d, struct instance *from, const struct crmgov_finding *f,
                     crmgov_time at);
int dispatcher_resolve(struct dispatcher *d, struct instance *from, const char *rule,
                       const char *system, const char *automation, const char *subject,
                       crmgov_time at);

#endif
