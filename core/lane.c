/*
 * lane.c -- the layer lane's ring and thread; see lane.h.
 *
 * Both sides move items in chunks (up to LANE_STAGE under one lock), so the
 * lock is taken a few hundred times per second rather than per event.
 */
#include "lane.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    struct lane_item chunk[LANE_STAGE];
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (!l->count && !l->closing)
            pthread_cond_wait(&l->wake, &l->lock);
        if (!l->count)
            break;
        size_t n = l->count < LANE_STAGE ? l->count : LANE_STAGE;
        for (size_t i = 0; i < n; i++)
            chunk[i] = l->ring[(l->head + i) % l->cap];
        l->head = (l->head + n) % l->cap;
        l->count -= n;
        l->in_flight = n;
        pthread_mutex_unlock(&l->lock);
        for (size_t i = 0; i < n; i++) {
            if (i + PREFETCH_AHEAD < n)
                prefetch_span(chunk[i + PREFETCH_AHEAD].box, EVENT_PREFETCH_BYTES);
            l->run(l->ctx, &chunk[i]);
        }
        pthread_mutex_lock(&l->lock);
        l->in_flight = 0;
        pthread_cond_broadcast(&l->space);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

int lane_start(struct lane *l, size_t capacity, lane_run_fn run, void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->cap = (capacity / LANE_STAGE + 1) * LANE_STAGE;
    l->ring = xcalloc(l->cap, sizeof(*l->ring));
    l->run = run;
    l->ctx = ctx;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_cond_init(&l->space, NULL);
    if (pthread_create(&l->thread, NULL, lane_main, l) != 0) {
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->wake);
        pthread_cond_destroy(&l->space);
        free(l->ring);
        memset(l, 0, sizeof(*l));
        return -1;
    }
    l->running = 1;
    return 0;
}

/* Moves the staged items into the ring, waiting for room. */
static void flush_stage(struct lane *l)
{
    if (!l->n_stage)
        return;
    pthread_mutex_lock(&l->lock);
    while (l->cap - l->count < l->n_stage)
        pthread_cond_wait(&l->space, &l->lock);
    for (size_t i = 0; i < l->n_stage; i++)
        l->ring[(l->head + l->count + i) % l->cap] = l->stage[i];
    l->count += l->n_stage;
    l->n_stage = 0;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

void lane_push(struct lane *l, const struct lane_item *item)
{
    l->stage[l->n_stage++] = *item;
    if (l->n_stage == LANE_STAGE)
        flush_stage(l);
}

void lane_wait_idle(struct lane *l)
{
    if (!l->running)
        return;
    flush_stage(l);
    pthread_mutex_lock(&l->lock);
    while (l->count || l->in_flight)
        pthread_cond_wait(&l->space, &l->lock);
    pthread_mutex_unlock(&l->lock);
}

void lane_stop(struct lane *l)
{
    if (!l->running)
        return;
    flush_stage(l);
    pthread_mutex_lock(&l->lock);
    l->closing = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->space);
    free(l->ring);
    memset(l, 0, sizeof(*l));
}

int lane_is_current(const struct lane *l)
{
    return l->running && pthread_equal(pthread_self(), l->thread);
}
