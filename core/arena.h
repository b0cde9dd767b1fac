/*
 * arena.h -- a bump allocator whose memory is released all at once.
 *
 * Events are trees of small strings and arrays that always die together. An
 * arena gives each event one owner and, for the common small event, a single
 * malloc: the first chunk is sized for a typical CRM event.
 */
#ifndef CRMGOV_ARENA_H
#define CRMGOV_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *chunks;
    char *cur;
    size_t left;
    size_t next_size;
};

void arena_init(struct arena *a, size_t first_size);
void *arena_alloc(struct arena *a, size_t n);       /* 8-byte aligned, zeroed */
char *arena_strdup(struct arena *a, const char *s);  /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Like arena_alloc, without zeroing. Inline: cJSON asks the parse scratch
 * arena for every node and string, dozens of times per event line. */
void *arena_alloc_from_new_chunk(struct arena *a, size_t n);
static inline void *arena_alloc_uninit(struct arena *a, size_t n)
{
    n = n ? (n + 7) & ~(size_t)7 : 8;
    if (__builtin_expect(n > a->left, 0))
        return arena_alloc_from_new_chunk(a, n);
    void *p = a->cur;
    a->cur += n;
    a->left -= n;
    return p;
}
/* Forgets every allocation but keeps the newest (largest) chunk for reuse. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
/* Bytes handed out plus overhead, for memory accounting. */
size_t arena_footprint(const struct arena *a);

#endif
