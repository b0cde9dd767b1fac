/*
 * hashmap.h -- an open-addressing map from byte-string keys to pointers.
 *
 * The hot paths of ingestion (automation id -> integer key, today's
 * aggregates) need a lookup per event; SQLite round trips there would halve
 * throughput. Keys are copied; values are borrowed (the caller owns them).
 */
#ifndef CRMGOV_HASHMAP_H
#define CRMGOV_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct hashmap_slot {
    char *key;
    size_t key_len;
    uint64_t hash;
    void *value;
};

struct hashmap {
    struct hashmap_slot *slots;
    size_t cap;     /* power of two */
    size_t count;
};

void hashmap_init(struct hashmap *m);
/* Frees keys; calls free_value on every value when not NULL. */
void hashmap_clear(struct hashmap *m, void (*free_value)(void *));
void *hashmap_get(const struct hashmap *m, const void *key, size_t len);
/* Inserts or replaces; returns the previous value or NULL. */
void *hashmap_put(struct hashmap *m, const void *key, size_t len, void *value);
/* Removes; returns the value or NULL. */
void *hashmap_remove(struct hashmap *m, const void *key, size_t len);
/* Iteration: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key) ... */

uint64_t hash_bytes(const void *data, size_t len);

#endif
