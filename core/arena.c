/*
 * arena.c -- chunked bump allocation; see arena.h.
 *
 * Chunks double in size so a large event costs O(log n) mallocs. Allocations
 * larger than half the next chunk get a chunk of their own, so one huge
 * string does not waste the rest of a chunk.
 */
#include "arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    max_align_t data[];
};

void arena_init(struct arena *a, size_t first_size)
{
    memset(a, 0, sizeof(*a));
    a->next_size = first_size < 256 ? 256 : first_size;
}

/* Events are built on connector threads and freed on the dispatcher (or
 * layer lane) thread; handing first chunks back through a shared pool spares
 * the malloc arenas that cross-thread traffic. The pool holds as many as the
 * default queue and lane can have in flight (16384 each), so in a steady
 * stream every event's first chunk is recycled. (A core singleton, guarded
 * by a mutex; at most 36 MiB when full.) */
#define POOL_CHUNK 1024
#define POOL_MAX 36864
static struct {
    pthread_mutex_t lock;
    struct arena_chunk *free;
    size_t count;
} pool = { PTHREAD_MUTEX_INITIALIZER, NULL, 0 };

static struct arena_chunk *pool_take(void)
{
    pthread_mutex_lock(&pool.lock);
    struct arena_chunk *c = pool.free;
    if (c) {
        pool.free = c->next;
        pool.count--;
    }
    pthread_mutex_unlock(&pool.lock);
    return c;
}

static int pool_give(struct arena_chunk *c)
{
    if (c->size != POOL_CHUNK)
        return 0;
    pthread_mutex_lock(&pool.lock);
    int kept = pool.count < POOL_MAX;
    if (kept) {
        c->next = pool.free;
        pool.free = c;
        pool.count++;
    }
    pthread_mutex_unlock(&pool.lock);
    return kept;
}

static void add_chunk(struct arena *a, size_t min)
{
    size_t size = a->next_size;
    if (size < min)
        size = min;
    struct arena_chunk *c = size == POOL_CHUNK ? pool_take() : NULL;
    if (!c)
        c = xmalloc(sizeof(*c) + size);
    c->next = a->chunks;
    c->size = size;
    a->chunks = c;
    a->cur = (char *)c->data;
    a->left = size;
    if (a->next_size < (1u << 20))
        a->next_size *= 2;
}

/* n is already rounded up; the inline fast path found no room for it. */
void *arena_alloc_from_new_chunk(struct arena *a, size_t n)
{
    add_chunk(a, n);
    void *p = a->cur;
    a->cur += n;
    a->left -= n;
    return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
    void *p = arena_alloc_uninit(a, n);
    memset(p, 0, (n + 7) & ~(size_t)7);
    return p;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *keep = a->chunks;
    if (!keep)
        return;
    struct arena_chunk *c = keep->next;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    keep->next = NULL;
    a->cur = (char *)keep->data;
    a->left = keep->size;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->chunks;
    while (c) {
        struct arena_chunk *next = c->next;
        if (!pool_give(c))
            free(c);
        c = next;
    }
    a->chunks = NULL;
    a->cur = NULL;
    a->left = 0;
}

size_t arena_footprint(const struct arena *a)
{
    size_t total = 0;
    for (const struct arena_chunk *c = a->chunks; c; c = c->next)
        total += sizeof(*c) + c->size;
    return total;
}
