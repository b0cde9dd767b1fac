/*
 * keymap.c -- open addressing with linear probing, FNV-1a hashes, grown at
 * half load; entries are never removed (a connector overwrites a value with
 * a tombstone of its own, such as "deleted", instead).
 */
#include "keymap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static char *copy_text(const char *s)
{
    char *c = strdup(s);
    if (!c)
        abort();
    return c;
}

void keymap_init(struct keymap *m)
{
    memset(m, 0, sizeof(*m));
}

void keymap_free(struct keymap *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].key);
        free(m->slots[i].value);
    }
    free(m->slots);
    keymap_init(m);
}

static struct keymap_entry *find_slot(struct keymap_entry *slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash_text(key) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void grow(struct keymap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct keymap_entry *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        abort();
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find_slot(slots, cap, m->slots[i].key) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

const char *keymap_get(const struct keymap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    const struct keymap_entry *e = find_slot(m->slots, m->cap, key);
    return e->key ? e->value : NULL;
}

void keymap_put(struct keymap *m, const char *key, const char *value)
{
    if ((m->used + 1) * 2 > m->cap)
        grow(m);
    struct keymap_entry *e = find_slot(m->slots, m->cap, key);
    if (e->key) {
        free(e->value);
    } else {
        e->key = copy_text(key);
        m->used++;
    }
    e->value = copy_text(value);
}

void keymap_each(const struct keymap *m, const char *prefix,
                 void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && strncmp(m->slots[i].key, prefix, n) == 0)
            fn(ctx, m->slots[i].key, m->slots[i].value);
}
