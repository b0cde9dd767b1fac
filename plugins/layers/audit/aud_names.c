/*
 * aud_names.c -- hashing, interned names and the deadline heap: the small
 * containers the audit layer's hot path runs on.
 *
 * Interning turns every repeated name (system, object, field, principal,
 * "system\0automation") into a dense id once, so the per-event work compares
 * integers. The table only grows, which is why record ids and record values
 * are never interned: those grow with the data, names do not.
 */
#include <string.h>

#include "audit.h"

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

uint64_t aud_hash(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (len + 1));
    while (len >= 8) {
        h = mix64(h ^ load64(p)) + 0x632be59bd9b4e019ull;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < len; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    return mix64(h ^ tail ^ ((uint64_t)len << 56));
}

/* ------------------------------------------------------------------------ */
/* interned names                                                            */

void aud_names_free(struct aud_names *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->lens);
    free(t->hashes);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

void *aud_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        abort();
    return q;
}

static size_t probe_start(uint64_t hash, size_t cap)
{
    return (size_t)(hash & (cap - 1));
}

static int slot_holds(const struct aud_names *t, const struct aud_name_slot *v, const char *key,
                      size_t len)
{
    if (v->len != AUD_NAME_LONG)
        return v->len == len && memcmp(v->bytes, key, len) == 0;
    uint32_t id = v->id_plus1 - 1;
    return t->lens[id] == len && memcmp(t->keys[id], key, len) == 0;
}

static uint32_t lookup(const struct aud_names *t, const char *key, size_t len, uint64_t hash,
                       size_t *slot_out)
{
    if (!t->cap_slots) {
        *slot_out = 0;
        return UINT32_MAX;
    }
    size_t i = probe_start(hash, t->cap_slots);
    uint32_t tag = (uint32_t)(hash >> 32);
    for (;;) {
        const struct aud_name_slot *v = &t->slots[i];
        if (!v->id_plus1) {
            *slot_out = i;
            return UINT32_MAX;
        }
        if (v->tag == tag && slot_holds(t, v, key, len)) {
            *slot_out = i;
            return v->id_plus1 - 1;
        }
        i = (i + 1) & (t->cap_slots - 1);
    }
}

static void fill_slot(struct aud_name_slot *v, uint32_t id, uint64_t hash, const char *key,
                      size_t len)
{
    memset(v, 0, sizeof(*v));
    v->id_plus1 = id + 1;
    v->tag = (uint32_t)(hash >> 32);
    v->len = len <= AUD_NAME_INLINE ? (uint8_t)len : AUD_NAME_LONG;
    if (len <= AUD_NAME_INLINE)
        memcpy(v->bytes, key, len);
}

uint32_t aud_names_find(const struct aud_names *t, const char *key, size_t len)
{
    size_t slot;
    return lookup(t, key, len, aud_hash(key, len, 0), &slot);
}

static void rehash(struct aud_names *t)
{
    size_t cap = t->cap_slots ? t->cap_slots * 2 : 64;
    struct aud_name_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        abort();
    for (size_t id = 0; id < t->n; id++) {
        size_t i = probe_start(t->hashes[id], cap);
        while (slots[i].id_plus1)
            i = (i + 1) & (cap - 1);
        fill_slot(&slots[i], (uint32_t)id, t->hashes[id], t->keys[id], t->lens[id]);
    }
    free(t->slots);
    t->slots = slots;
    t->cap_slots = cap;
}

uint32_t aud_names_add(struct aud_names *t, const char *key, size_t len)
{
    uint64_t hash = aud_hash(key, len, 0);
    size_t slot;
    uint32_t id = lookup(t, key, len, hash, &slot);
    if (id != UINT32_MAX)
        return id;
    if ((t->n + 1) * 2 > t->cap_slots) {
        rehash(t);
        lookup(t, key, len, hash, &slot);
    }
    if (t->n >= t->cap_ids) {
        size_t cap = t->cap_ids ? t->cap_ids * 2 : 32;
        t->keys = aud_realloc(t->keys, cap * sizeof(*t->keys));
        t->lens = aud_realloc(t->lens, cap * sizeof(*t->lens));
        t->hashes = aud_realloc(t->hashes, cap * sizeof(*t->hashes));
        t->cap_ids = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, key, len);
    copy[len] = '\0';
    id = (uint32_t)t->n++;
    t->keys[id] = copy;
    t->lens[id] = (uint32_t)len;
    t->hashes[id] = hash;
    fill_slot(&t->slots[slot], id, hash, copy, len);
    return id;
}

/* ------------------------------------------------------------------------ */
/* the deadline heap (a binary min-heap on `due`)                            */

static int before(const struct aud_due *a, const struct aud_due *b)
{
    return a->due < b->due;
}

void aud_heap_push(struct aud_heap *h, const struct aud_due *d)
{
    AUD_GROW(h->items, h->n, h->cap);
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(d, &h->items[parent]))
            break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i] = *d;
}

int aud_heap_pop_before(struct aud_heap *h, crmgov_time t, struct aud_due *out)
{
    if (!h->n || h->items[0].due >= t)
        return 0;
    *out = h->items[0];
    struct aud_due last = h->items[--h->n];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && before(&h->items[child + 1], &h->items[child]))
            child++;
        if (!before(&h->items[child], &last))
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    if (h->n)
        h->items[i] = last;
    return 1;
}
