/*
 * chg_util.c -- string table, id-keyed map, pointer vector and text buffer
 * of the change layer (see chg_util.h for why the layer works on ids).
 *
 * Both hash tables use open addressing with linear probing; the map deletes
 * by shifting the following entries back (no tombstones), so a long-running
 * daemon that adds and removes index entries for years never degrades.
 */
#include "chg_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *chg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *chg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *chg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

char *chg_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = chg_xmalloc(n);
    memcpy(copy, s, n);
    return copy;
}

char *chg_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0)
        abort();
    va_end(ap);
    return out;
}

/* FNV-1a, then a final mix so that the low bits used for the slot index
 * depend on every byte. */
static uint32_t hash_text(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    return h;
}

/* ---- string table ------------------------------------------------------ */

#define CHUNK_SIZE 65536

struct chg_chunk {
    struct chg_chunk *next;
    size_t used, size;
    char data[];
};

static char *chunk_copy(struct chg_strtab *t, const char *s)
{
    size_t n = strlen(s) + 1;
    struct chg_chunk *c = t->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        c = chg_xmalloc(sizeof(*c) + size);
        c->size = size;
        c->used = 0;
        c->next = t->chunks;
        t->chunks = c;
    }
    char *copy = c->data + c->used;
    memcpy(copy, s, n);
    c->used += n;
    return copy;
}

void chg_strtab_init(struct chg_strtab *t)
{
    memset(t, 0, sizeof(*t));
    t->cap = 64;
    t->strs = chg_xcalloc(t->cap, sizeof(char *));
    t->strs[0] = chunk_copy(t, "");
    t->n = 1;
    t->n_slots = 128;
    t->slots = chg_xcalloc(t->n_slots, sizeof(uint32_t));
}

void chg_strtab_free(struct chg_strtab *t)
{
    while (t->chunks) {
        struct chg_chunk *next = t->chunks->next;
        free(t->chunks);
        t->chunks = next;
    }
    free(t->strs);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

static uint32_t *find_slot(const struct chg_strtab *t, const char *s, uint32_t h)
{
    uint32_t mask = t->n_slots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t id = t->slots[i];
        if (id == 0 || strcmp(t->strs[id], s) == 0)
            return &t->slots[i];
    }
}

static void grow_slots(struct chg_strtab *t)
{
    free(t->slots);
    t->n_slots *= 2;
    t->slots = chg_xcalloc(t->n_slots, sizeof(uint32_t));
    for (uint32_t id = 1; id < t->n; id++)
        *find_slot(t, t->strs[id], hash_text(t->strs[id])) = id;
}

uint32_t chg_intern(struct chg_strtab *t, const char *s)
{
    if (!s || !*s)
        return 0;
    uint32_t *slot = find_slot(t, s, hash_text(s));
    uint32_t known = *slot;
    if (known)
        return known;
    if (t->n == t->cap) {
        t->cap *= 2;
        t->strs = chg_xrealloc(t->strs, t->cap * sizeof(char *));
    }
    uint32_t id = t->n++;
    t->strs[id] = chunk_copy(t, s);
    *slot = id;
    if ((uint64_t)t->n * 2 > t->n_slots)
        grow_slots(t);
    return id;
}

uint32_t chg_lookup(const struct chg_strtab *t, const char *s)
{
    if (!s || !*s)
        return 0;
    return *find_slot(t, s, hash_text(s));
}

const char *chg_str(const struct chg_strtab *t, uint32_t id)
{
    return id < t->n ? t->strs[id] : "";
}

/* ---- map ----------------------------------------------------------------- */

static uint32_t hash_key(struct chg_key k)
{
    uint64_t h = (uint64_t)k.tag * 0x9e3779b97f4a7c15ull;
    h ^= (uint64_t)k.a + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
    h ^= (uint64_t)k.b * 0xbf58476d1ce4e5b9ull + (h << 6) + (h >> 2);
    h ^= (uint64_t)k.c * 0x94d049bb133111ebull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    return (uint32_t)(h ^ (h >> 32));
}

static int key_eq(struct chg_key x, struct chg_key y)
{
    return x.tag == y.tag && x.a == y.a && x.b == y.b && x.c == y.c;
}

void chg_map_free(struct chg_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static uint32_t map_find(const struct chg_map *m, struct chg_key k)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = hash_key(k) & mask;
    while (m->keys[i].tag && !key_eq(m->keys[i], k))
        i = (i + 1) & mask;
    return i;
}

void *chg_map_get(const struct chg_map *m, struct chg_key k)
{
    if (!m->cap)
        return NULL;
    uint32_t i = map_find(m, k);
    return m->keys[i].tag ? m->vals[i] : NULL;
}

static void map_grow(struct chg_map *m)
{
    struct chg_map bigger = { 0 };
    bigger.cap = m->cap ? m->cap * 2 : 64;
    bigger.keys = chg_xcalloc(bigger.cap, sizeof(struct chg_key));
    bigger.vals = chg_xcalloc(bigger.cap, sizeof(void *));
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->keys[i].tag)
            continue;
        uint32_t j = map_find(&bigger, m->keys[i]);
        bigger.keys[j] = m->keys[i];
        bigger.vals[j] = m->vals[i];
        bigger.n++;
    }
    chg_map_free(m);
    *m = bigger;
}

void chg_map_put(struct chg_map *m, struct chg_key k, void *val)
{
    if ((uint64_t)(m->n + 1) * 4 > (uint64_t)m->cap * 3)
        map_grow(m);
    uint32_t i = map_find(m, k);
    if (!m->keys[i].tag) {
        m->keys[i] = k;
        m->n++;
    }
    m->vals[i] = val;
}

void *chg_map_del(struct chg_map *m, struct chg_key k)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1;
    uint32_t i = map_find(m, k);
    if (!m->keys[i].tag)
        return NULL;
    void *old = m->vals[i];
    /* backward-shift deletion keeps every probe chain unbroken */
    for (uint32_t j = (i + 1) & mask; m->keys[j].tag; j = (j + 1) & mask) {
        uint32_t home = hash_key(m->keys[j]) & mask;
        int movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    memset(&m->keys[i], 0, sizeof(m->keys[i]));
    m->vals[i] = NULL;
    m->n--;
    return old;
}

/* ---- pointer vector ------------------------------------------------------ */

void chg_ptrs_push(struct chg_ptrs *p, void *item)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        p->v = chg_xrealloc(p->v, p->cap * sizeof(void *));
    }
    p->v[p->n++] = item;
}

int chg_ptrs_remove(struct chg_ptrs *p, const void *item)
{
    for (uint32_t i = 0; i < p->n; i++) {
        if (p->v[i] == item) {
            p->v[i] = p->v[--p->n];
            return 1;
        }
    }
    return 0;
}

int chg_ptrs_contains(const struct chg_ptrs *p, const void *item)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->v[i] == item)
            return 1;
    return 0;
}

void chg_ptrs_free(struct chg_ptrs *p)
{
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* ---- text buffer --------------------------------------------------------- */

static void buf_reserve(struct chg_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->s = chg_xrealloc(b->s, cap);
    b->cap = cap;
}

void chg_buf_add(struct chg_buf *b, const char *text)
{
    size_t n = strlen(text);
    buf_reserve(b, n);
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

void chg_buf_addf(struct chg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

const char *chg_buf_str(const struct chg_buf *b)
{
    return b->s ? b->s : "";
}

char *chg_buf_detach(struct chg_buf *b)
{
    char *s = b->s ? b->s : chg_xstrdup("");
    memset(b, 0, sizeof(*b));
    return s;
}

void chg_buf_free(struct chg_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}
