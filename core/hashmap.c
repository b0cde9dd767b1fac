/*
 * hashmap.c -- linear probing with backward-shift deletion; see hashmap.h.
 *
 * Load factor stays under 0.7. Deletion shifts following entries back instead
 * of leaving tombstones, so long-running processes that insert and evict
 * (daily aggregates) never degrade.
 */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t fold_word(uint64_t h, uint64_t word)
{
    h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

uint64_t hash_bytes(const void *data, size_t len)
{
    /* Eight bytes per multiply (keys are system + id, often 30 bytes and
     * more, hashed for every event), then a final avalanche so low bits
     * are usable as an index. */
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)len * 0xff51afd7ed558ccdULL);
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        h = fold_word(h, word);
    }
    if (len) {
        uint64_t word = 0;
        memcpy(&word, p, len);
        h = fold_word(h, word);
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

void hashmap_init(struct hashmap *m)
{
    memset(m, 0, sizeof(*m));
}

void hashmap_clear(struct hashmap *m, void (*free_value)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        free(m->slots[i].key);
        if (free_value)
            free_value(m->slots[i].value);
    }
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static size_t find_slot(const struct hashmap *m, const void *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1, i = h & mask;
    while (m->slots[i].key) {
        const struct hashmap_slot *s = &m->slots[i];
        if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static void grow(struct hashmap *m)
{
    size_t old_cap = m->cap;
    struct hashmap_slot *old = m->slots;
    m->cap = old_cap ? old_cap * 2 : 64;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key)
            continue;
        size_t j = old[i].hash & (m->cap - 1);
        while (m->slots[j].key)
            j = (j + 1) & (m->cap - 1);
        m->slots[j] = old[i];
    }
    free(old);
}

void *hashmap_get(const struct hashmap *m, const void *key, size_t len)
{
    if (!m->count)
        return NULL;
    size_t i = find_slot(m, key, len, hash_bytes(key, len));
    return m->slots[i].key ? m->slots[i].value : NULL;
}

void *hashmap_put(struct hashmap *m, const void *key, size_t len, void *value)
{
    if ((m->count + 1) * 10 >= m->cap * 7)
        grow(m);
    uint64_t h = hash_bytes(key, len);
    size_t i = find_slot(m, key, len, h);
    struct hashmap_slot *s = &m->slots[i];
    if (s->key) {
        void *old = s->value;
        s->value = value;
        return old;
    }
    s->key = xmalloc(len + 1);
    memcpy(s->key, key, len);
    s->key[len] = '\0';
    s->key_len = len;
    s->hash = h;
    s->value = value;
    m->count++;
    return NULL;
}

void *hashmap_remove(struct hashmap *m, const void *key, size_t len)
{
    if (!m->count)
        return NULL;
    size_t mask = m->cap - 1;
    size_t i = find_slot(m, key, len, hash_bytes(key, len));
    if (!m->slots[i].key)
        return NULL;
    void *value = m->slots[i].value;
    free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->count--;
    /* shift back the entries that probed past the hole */
    size_t hole = i, j = (i + 1) & mask;
    while (m->slots[j].key) {
        size_t home = m->slots[j].hash & mask;
        int movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            m->slots[hole] = m->slots[j];
            m->slots[j].key = NULL;
            hole = j;
        }
        j = (j + 1) & mask;
    }
    return value;
}
