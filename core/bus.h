/*
 * bus.h -- the bounded queue between producers (connector threads) and the
 * single dispatcher thread.
 *
 * Bounded so memory stays flat however fast a connector reads: a producer
 * blocks while the queue is full (backpressure) instead of buffering without
 * limit. One FIFO for everything keeps each producer's items in the order it
 * published them, which is what makes a connector's checkpoint -- an item
 * queued after its events -- commit only with those events.
 */
#ifndef CRMGOV_BUS_H
#define CRMGOV_BUS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct event_box;
struct instance;

enum bus_item_kind {
    BUS_EVENT,          /* a validated event */
    BUS_DEADLETTER,     /* input that could not become an event */
    BUS_CHECKPOINT,     /* connector state to commit with what came before */
    BUS_FLUSH,          /* wake the producer once everything before is committed */
    BUS_CLOCK           /* advance event time to `at` (harness, tests) */
};

struct bus_flush {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    int failed;
};

/* A connector's read position, carried inline so that checkpointing after
 * every event costs no allocation. Larger ones travel in key/value. */
#define BUS_CP_KEY_MAX 96
#define BUS_CP_VALUE_MAX 256
struct bus_checkpoint {
    uint16_t key_len;
    uint16_t value_len;
    char key[BUS_CP_KEY_MAX];
    unsigned char value[BUS_CP_VALUE_MAX];
};

/* Items move through the queue with bus_item_move(), which copies only the
 * bytes of cp in use: the checkpoint buffers are most of an item's size and
 * a read position fills a few dozen of them. cp stays the last member. */
struct bus_item {
    enum bus_item_kind kind;
    int has_checkpoint;             /* cp applies after this item */
    struct instance *from;
    struct event_box *event;        /* BUS_EVENT */
    char *source;                   /* BUS_DEADLETTER */
    uint64_t line;
    char *reason;
    char *raw;
    size_t raw_len;
    char *key;                      /* BUS_CHECKPOINT */
    void *value;
    size_t value_len;
    struct bus_flush *flush;        /* BUS_FLUSH */
    int64_t at;                     /* BUS_CLOCK */
    struct bus_checkpoint cp;
};

struct bus {
    struct bus_item *ring;
    size_t cap, head, count;
    int closed;
    pthread_mutex_t lock;
    pthread_cond_t not_full;
    pthread_cond_t not_empty;
    size_t waiting_producers;       /* blocked in bus_push */
    uint64_t pushed, blocked;       /* statistics */
};

void bus_init(struct bus *b, size_t capacity);
void bus_destroy(struct bus *b);        /* frees items still queued */
/* Blocks while full; -1 once the bus is closed (the item is not taken). */
int bus_push(struct bus *b, struct bus_item *item);
/* A checkpoint of `from`: attached to from's last item when that item is
 * still queued (the common case: one queue slot per event), else queued as
 * an item of its own. -1 once closed. The key and value must fit the inline
 * buffer. */
int bus_push_checkpoint(struct bus *b, struct instance *from, const char *key,
                        const void *value, size_t len);
/* Waits up to wait_ms for the first item, then takes up to max without
 * waiting. Returns the count; 0 on timeout or when closed and empty. */
size_t bus_pop(struct bus *b, struct bus_item *out, size_t max, int wait_ms);
/* No more pushes; pops still drain what is queued. */
void bus_close(struct bus *b);
int bus_closed_and_empty(struct bus *b);
void bus_item_free(struct bus_item *item);
/* Moves *src into *dst and leaves *src empty. */
void bus_item_move(struct bus_item *dst, struct bus_item *src);
/* Copies the used part of a checkpoint. */
void bus_checkpoint_copy(struct bus_checkpoint *dst, const struct bus_checkpoint *src);

#endif
