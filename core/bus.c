/*
 * bus.c -- a ring buffer guarded by one mutex and two condition variables;
 * see bus.h. Items are copied in and out by value, so the ring owns no
 * pointers between a push and the matching pop.
 */
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "util.h"

void bus_init(struct bus *b, size_t capacity)
{
    memset(b, 0, sizeof(*b));
    b->cap = capacity ? capacity : 1;
    b->ring = xcalloc(b->cap, sizeof(*b->ring));
    pthread_mutex_init(&b->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&b->not_full, &attr);
    pthread_cond_init(&b->not_empty, &attr);
    pthread_condattr_destroy(&attr);
}

/* Everything of an item but the checkpoint buffers. */
#define ITEM_HEAD (offsetof(struct bus_item, cp) + offsetof(struct bus_checkpoint, key))

void bus_checkpoint_copy(struct bus_checkpoint *dst, const struct bus_checkpoint *src)
{
    dst->key_len = src->key_len;
    dst->value_len = src->value_len;
    memcpy(dst->key, src->key, src->key_len);
    memcpy(dst->value, src->value, src->value_len);
}

void bus_item_move(struct bus_item *dst, struct bus_item *src)
{
    memcpy(dst, src, ITEM_HEAD);
    if (src->has_checkpoint)
        bus_checkpoint_copy(&dst->cp, &src->cp);
    memset(src, 0, ITEM_HEAD);
}

void bus_item_free(struct bus_item *item)
{
    event_box_free(item->event);
    free(item->source);
    free(item->reason);
    free(item->raw);
    free(item->key);
    free(item->value);
    memset(item, 0, ITEM_HEAD);
}

void bus_destroy(struct bus *b)
{
    for (size_t i = 0; i < b->count; i++)
        bus_item_free(&b->ring[(b->head + i) % b->cap]);
    free(b->ring);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->not_full);
    pthread_cond_destroy(&b->not_empty);
    memset(b, 0, sizeof(*b));
}

int bus_push(struct bus *b, struct bus_item *item)
{
    pthread_mutex_lock(&b->lock);
    if (b->count == b->cap && !b->closed)
        b->blocked++;
    while (b->count == b->cap && !b->closed) {
        b->waiting_producers++;
        pthread_cond_wait(&b->not_full, &b->lock);
        b->waiting_producers--;
    }
    if (b->closed) {
        pthread_mutex_unlock(&b->lock);
        return -1;
    }
    bus_item_move(&b->ring[(b->head + b->count) % b->cap], item);
    b->count++;
    b->pushed++;
    if (b->count == 1) /* the consumer only ever waits on an empty queue */
        pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static void fill_checkpoint(struct bus_checkpoint *cp, const char *key, const void *value,
                            size_t len)
{
    cp->key_len = (uint16_t)strlen(key);
    memcpy(cp->key, key, cp->key_len);
    cp->value_len = (uint16_t)len;
    if (len)
        memcpy(cp->value, value, len);
}

int bus_push_checkpoint(struct bus *b, struct instance *from, const char *key,
                        const void *value, size_t len)
{
    pthread_mutex_lock(&b->lock);
    if (!b->closed && b->count > 0) {
        struct bus_item *tail = &b->ring[(b->head + b->count - 1) % b->cap];
        /* A tail that already carries another key keeps it: replacing it
         * would lose that checkpoint (connectors may keep several keys).
         * Neither may a large checkpoint (key/value) carry an inline one:
         * only one of the two would be taken. */
        size_t key_len = strlen(key);
        int other_key = tail->key != NULL ||
                        (tail->has_checkpoint && (tail->cp.key_len != key_len ||
                                                  memcmp(tail->cp.key, key, key_len) != 0));
        if (tail->from == from && tail->kind != BUS_FLUSH && !other_key) {
            fill_checkpoint(&tail->cp, key, value, len);
            tail->has_checkpoint = 1;
            pthread_mutex_unlock(&b->lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&b->lock);
    struct bus_item item = { .kind = BUS_CHECKPOINT, .from = from, .has_checkpoint = 1 };
    fill_checkpoint(&item.cp, key, value, len);
    return bus_push(b, &item);
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

size_t bus_pop(struct bus *b, struct bus_item *out, size_t max, int wait_ms)
{
    struct timespec deadline;
    deadline_after(&deadline, wait_ms);
    pthread_mutex_lock(&b->lock);
    while (b->count == 0 && !b->closed) {
        if (pthread_cond_timedwait(&b->not_empty, &b->lock, &deadline) == ETIMEDOUT)
            break;
    }
    size_t n = 0;
    while (n < max && b->count > 0) {
        bus_item_move(&out[n++], &b->ring[b->head]);
        b->head = (b->head + 1) % b->cap;
        b->count--;
    }
    if (n && b->waiting_producers)
        pthread_cond_broadcast(&b->not_full);
    pthread_mutex_unlock(&b->lock);
    return n;
}

void bus_close(struct bus *b)
{
    pthread_mutex_lock(&b->lock);
    b->closed = 1;
    pthread_cond_broadcast(&b->not_full);
    pthread_cond_broadcast(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
}

int bus_closed_and_empty(struct bus *b)
{
    pthread_mutex_lock(&b->lock);
    int r = b->closed && b->count == 0;
    pthread_mutex_unlock(&b->lock);
    return r;
}
