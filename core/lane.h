/*
 * lane.h -- the layer lane: an ordered hand-off from the dispatcher thread to
 * a second thread, so layers judge one event while the store applies the
 * next ones.
 *
 * Why: with one thread, the store's work and every layer's work add up on
 * the critical path; on a machine with two cores a layer as busy as the
 * store halves throughput. The lane keeps the one-thread guarantees that
 * matter: items run in exactly the order they were pushed, on one thread, so
 * layers still need no locks and see the same sequence they would see
 * without it. `lane_wait_idle` is the barrier the dispatcher passes before it
 * commits a batch, so what layers wrote commits with the events that caused
 * it, exactly as before.
 *
 * The lane knows nothing of events: the dispatcher pushes items and gives
 * the function that runs them (dispatch.c decides what runs where).
 */
#ifndef CRMGOV_LANE_H
#define CRMGOV_LANE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct event_box;
struct instance;

struct lane_item {
    int kind;                   /* the runner's own numbering */
    struct event_box *box;      /* the lane owns it once pushed; the runner frees it */
    struct instance *from;
    int64_t at;                 /* event time of the item (a tick's time for ticks) */
    int64_t clock;              /* the event-time clock when it was pushed */
};

typedef void (*lane_run_fn)(void *ctx, struct lane_item *item);

#define LANE_STAGE 256          /* items pushed under one lock */

struct lane {
    pthread_t thread;
    int running;
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* the lane: items arrived, or closing */
    pthread_cond_t space;       /* the dispatcher: room, or idle */
    struct lane_item *ring;
    size_t cap, head, count;
    size_t in_flight;           /* taken from the ring, not yet run */
    int closing;
    lane_run_fn run;
    void *ctx;
    struct lane_item stage[LANE_STAGE]; /* dispatcher side, not yet in the ring */
    size_t n_stage;
};

/* Starts the thread; `capacity` items may wait (rounded up to LANE_STAGE).
 * -1 when the thread cannot be created (the caller runs items itself). */
int lane_start(struct lane *l, size_t capacity, lane_run_fn run, void *ctx);
/* Queues an item behind the ones before it; blocks while the lane is full. */
void lane_push(struct lane *l, const struct lane_item *item);
/* Returns once every item pushed so far has run. */
void lane_wait_idle(struct lane *l);
/* Runs what is left, stops and joins the thread. */
void lane_stop(struct lane *l);
/* Nonzero on the lane's own thread. */
int lane_is_current(const struct lane *l);

#endif
