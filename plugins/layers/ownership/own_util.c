/*
 * own_util.c -- the small containers the ownership layer indexes with: a
 * pointer vector, a byte-string hash map (open addressing, linear probing,
 * tombstone-free deletion by re-inserting the rest of the cluster) and a
 * deadline min-heap. Plugins see only include/crmgov, so the core's own
 * containers are not available here; these are kept minimal on purpose.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "own.h"

void *own_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

char *own_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = own_alloc(n);
    memcpy(copy, s, n);
    return copy;
}

char *own_strdup_opt(const char *s)
{
    return s ? own_strdup(s) : NULL;
}

char *own_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *out = own_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

/* ------------------------------------------------------------------------ */
/* vector                                                                    */

void own_vec_push(struct own_vec *v, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        void **items = realloc(v->items, cap * sizeof(*items));
        if (!items)
            abort();
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
}

int own_vec_remove(struct own_vec *v, const void *item)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i] == item) {
            memmove(&v->items[i], &v->items[i + 1], (v->n - i - 1) * sizeof(*v->items));
            v->n--;
            return 1;
        }
    }
    return 0;
}

void own_vec_free(struct own_vec *v)
{
    free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* map                                                                       */

static uint64_t hash_bytes(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static struct own_map_slot *find_slot(const struct own_map *m, const char *key, size_t len,
                                      uint64_t hash)
{
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct own_map_slot *s = &m->slots[i];
        if (!s->key || (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

static void grow(struct own_map *m)
{
    struct own_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->slots = own_alloc(m->cap * sizeof(*m->slots));
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key)
            *find_slot(m, old.slots[i].key, old.slots[i].len, old.slots[i].hash) = old.slots[i];
    }
    free(old.slots);
}

void *own_map_get(const struct own_map *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    struct own_map_slot *s = find_slot(m, key, len, hash_bytes(key, len));
    return s->key ? s->value : NULL;
}

void own_map_put(struct own_map *m, const char *key, size_t len, void *value)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t hash = hash_bytes(key, len);
    struct own_map_slot *s = find_slot(m, key, len, hash);
    if (!s->key) {
        s->key = own_alloc(len ? len : 1);
        memcpy(s->key, key, len);
        s->len = len;
        s->hash = hash;
        m->n++;
    }
    s->value = value;
}

void *own_map_remove(struct own_map *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    struct own_map_slot *s = find_slot(m, key, len, hash_bytes(key, len));
    if (!s->key)
        return NULL;
    void *value = s->value;
    free(s->key);
    memset(s, 0, sizeof(*s));
    m->n--;
    /* re-insert the rest of the cluster so lookups never stop at the hole */
    size_t mask = m->cap - 1;
    for (size_t i = ((size_t)(s - m->slots) + 1) & mask; m->slots[i].key; i = (i + 1) & mask) {
        struct own_map_slot moved = m->slots[i];
        memset(&m->slots[i], 0, sizeof(moved));
        *find_slot(m, moved.key, moved.len, moved.hash) = moved;
    }
    return value;
}

void own_map_free(struct own_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

void own_key_parts(struct own_key *k, const char *const *parts, size_t n)
{
    size_t len = n ? n - 1 : 0;
    for (size_t i = 0; i < n; i++)
        len += parts[i] ? strlen(parts[i]) : 0;
    k->len = len;
    k->buf = len < sizeof(k->inline_buf) ? k->inline_buf : own_alloc(len + 1);
    char *w = k->buf;
    for (size_t i = 0; i < n; i++) {
        size_t l = parts[i] ? strlen(parts[i]) : 0;
        memcpy(w, parts[i] ? parts[i] : "", l);
        w += l;
        if (i + 1 < n)
            *w++ = '\0';
    }
    *w = '\0';
}

void own_key_make(struct own_key *k, const char *system, const char *id)
{
    const char *parts[2] = { system, id };
    own_key_parts(k, parts, 2);
}

void own_key_free(struct own_key *k)
{
    if (k->buf != k->inline_buf)
        free(k->buf);
    k->buf = NULL;
    k->len = 0;
}

/* ------------------------------------------------------------------------ */
/* deadline heap                                                             */

static void swap(struct own_deadline *a, struct own_deadline *b)
{
    struct own_deadline t = *a;
    *a = *b;
    *b = t;
}

void own_heap_push(struct own_heap *h, crmgov_time at, struct own_automation *a)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct own_deadline *items = realloc(h->items, cap * sizeof(*items));
        if (!items)
            abort();
        h->items = items;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->items[i] = (struct own_deadline){ .at = at, .automation = a };
    while (i > 0 && h->items[(i - 1) / 2].at > h->items[i].at) {
        swap(&h->items[(i - 1) / 2], &h->items[i]);
        i = (i - 1) / 2;
    }
}

int own_heap_pop_due(struct own_heap *h, crmgov_time now, struct own_deadline *out)
{
    if (!h->n || h->items[0].at > now)
        return 0;
    *out = h->items[0];
    h->items[0] = h->items[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->items[l].at < h->items[m].at)
            m = l;
        if (r < h->n && h->items[r].at < h->items[m].at)
            m = r;
        if (m == i)
            break;
        swap(&h->items[m], &h->items[i]);
        i = m;
    }
    return 1;
}

void own_heap_free(struct own_heap *h)
{
    free(h->items);
    memset(h, 0, sizeof(*h));
}
