/*
 * aud_packed.c -- the audit layer's day rows packed one state row per system
 * and day: key "D/DAY/SYSTEM/", value the rows of that system's automations
 * sorted by name (an id whose escaped form is longer than a u16 keeps a
 * single row); likewise "N/DAY/SYSTEM/" for the day's notification count
 * per principal (4-byte values), which were a write per principal and day.
 *
 * Two encodings of the value, both read:
 * - compact (written since 2026-11-25): the bytes FF FF 00, then per row
 *   [varint length shared with the previous row's name][varint length of
 *   the rest][the rest of the name, escaped as in keys][the value's
 *   little-endian u32 words, each as a varint] (LEB128: 7 bits a byte, low
 *   first). Sorted names share long prefixes and a day's counters are
 *   mostly small, so a system's day of 50 automations fits in about 800
 *   bytes instead of 3.4 KB: under SQLite's limit for a cell kept in its
 *   b-tree page (about 1 KB with 4 KB pages), so writing it no longer takes
 *   overflow pages too -- these rows were the largest part of a store with
 *   10,000 automations, and every page is written to the WAL and again
 *   into the file.
 * - fixed (before): per row [u16 length][name][the value as stored]. Its
 *   first two bytes can be FF FF only for a name of 65535 bytes, whose
 *   escaped form never starts with a NUL, so the marker is unambiguous.
 *
 * Why packed: a closing day used to write one state row per automation --
 * 10,000 writes a day with 10,000 automations, a fifth of the layer's time
 * on a long run (docs/performance.md); packed, it is one read and one write
 * per system. Readers see packed rows as the "d/DAY/SYSTEM/NAME" rows they
 * have always read, and "d/" rows written by earlier versions still load,
 * read first so that a packed row (always newer) wins.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"

/* Bytes per row value, by the packed key's kind: 'D' day rows, 'N' counts. */
static size_t value_size(char kind)
{
    return kind == 'N' ? 4 : AUD_ROW_SIZE;
}

struct packed {
    struct aud_packed_row *rows;    /* into the blob, or into names and values */
    size_t n, cap;
    unsigned char *blob;
    unsigned char *names, *values;  /* compact rows' names and values, rebuilt (owned) */
    size_t vsize;                   /* bytes per row value */
};

static const unsigned char compact_marker[3] = { 0xff, 0xff, 0x00 };

/* One LEB128 varint of at most 32 bits at p[*at], advancing *at; -1 when
 * it runs past len or does not fit. */
static int get_varint(const unsigned char *p, size_t len, size_t *at, uint32_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 35 && *at < len; shift += 7) {
        unsigned char b = p[(*at)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return -1;
            *out = (uint32_t)v;
            return 0;
        }
    }
    return -1;
}

static unsigned char *put_varint(unsigned char *p, uint32_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* Appends n bytes (or room for them, src NULL) to a growing buffer,
 * returning their offset. */
static size_t buf_add(unsigned char **buf, size_t *used, size_t *cap, const void *src, size_t n)
{
    if (*used + n > *cap || !*buf) { /* never NULL, even for empty names */
        *cap = (*used + n) * 2 + 16;
        *buf = aud_realloc(*buf, *cap);
    }
    if (src && n)
        memcpy(*buf + *used, src, n);
    *used += n;
    return *used - n;
}

/* Rows are front-coded: each name as the length it shares with the name
 * before it plus the rest. Names and values are rebuilt into `names` and
 * `values`; the rows point at them once everything is read (the buffers
 * move while they grow). */
static int decode_compact(const unsigned char *p, size_t len, size_t vsize, struct packed *out)
{
    size_t at = sizeof(compact_marker), names_used = 0, names_cap = 0, values_used = 0,
           values_cap = 0, prev = 0, prev_len = 0;
    size_t *name_at = NULL;
    int rc = 0;
    while (at < len && rc == 0) {
        uint32_t shared, rest, word = 0;
        if (get_varint(p, len, &at, &shared) != 0 || shared > prev_len ||
            get_varint(p, len, &at, &rest) != 0 || rest > len - at ||
            (size_t)shared + rest > AUD_PACKED_NAME_MAX) {
            rc = -1;
            break;
        }
        AUD_GROW(out->rows, out->n, out->cap);
        name_at = aud_realloc(name_at, out->cap * sizeof(*name_at));
        size_t start = names_used;
        buf_add(&out->names, &names_used, &names_cap, NULL, shared + (size_t)rest);
        memmove(out->names + start, out->names + prev, shared);
        memcpy(out->names + start + shared, p + at, rest);
        at += rest;
        prev = start;
        prev_len = shared + (size_t)rest;
        name_at[out->n] = start;
        out->rows[out->n] = (struct aud_packed_row){ NULL, prev_len, NULL };
        buf_add(&out->values, &values_used, &values_cap, NULL, vsize);
        unsigned char *value = out->values + out->n * vsize;
        for (size_t w = 0; w < vsize / 4 && rc == 0; w++) {
            rc = get_varint(p, len, &at, &word);
            for (int k = 0; k < 4; k++)
                value[4 * w + (size_t)k] = (unsigned char)(word >> (8 * k));
        }
        out->n++;
    }
    for (size_t i = 0; i < out->n && rc == 0; i++) {
        out->rows[i].name = (const char *)out->names + name_at[i];
        out->rows[i].value = out->values + i * vsize;
    }
    free(name_at);
    return rc;
}

static int decode(const unsigned char *p, size_t len, size_t vsize, struct packed *out)
{
    if (len >= sizeof(compact_marker) && memcmp(p, compact_marker, sizeof(compact_marker)) == 0)
        return decode_compact(p, len, vsize, out);
    size_t at = 0;
    while (at + 2 <= len) {
        size_t name_len = (size_t)p[at] | (size_t)p[at + 1] << 8;
        if (at + 2 + name_len + vsize > len)
            return -1;
        AUD_GROW(out->rows, out->n, out->cap);
        out->rows[out->n++] = (struct aud_packed_row){ (const char *)p + at + 2, name_len,
                                                       p + at + 2 + name_len };
        at += 2 + name_len + vsize;
    }
    return at == len ? 0 : -1;
}

/* The stored row outlives the callback: decoded from a copy. */
static int take_blob(void *ctx, const char *key, const void *value, size_t len)
{
    (void)key;
    struct packed *p = ctx;
    p->blob = aud_realloc(NULL, len);
    memcpy(p->blob, value, len);
    if (decode(p->blob, len, p->vsize, p) != 0)
        p->n = 0; /* a damaged row is rewritten whole */
    return 0;
}

static int by_name(const struct aud_packed_row *a, const struct aud_packed_row *b)
{
    return aud_name_cmp(a->name, a->name_len, b->name, b->name_len);
}

/* Both lists sorted by name; `fresh` wins over `old`. Written compact. */
static unsigned char *merge_encode(const struct packed *old, const struct aud_packed_row *fresh,
                                   size_t n_fresh, size_t *len)
{
    const size_t vsize = old->vsize, most_per_value = vsize / 4 * 5;
    size_t cap = sizeof(compact_marker);
    for (size_t i = 0; i < old->n; i++)
        cap += 10 + old->rows[i].name_len + most_per_value;
    for (size_t k = 0; k < n_fresh; k++)
        cap += 10 + fresh[k].name_len + most_per_value;
    unsigned char *out = aud_realloc(NULL, cap), *p = out;
    memcpy(p, compact_marker, sizeof(compact_marker));
    p += sizeof(compact_marker);
    size_t i = 0, k = 0;
    const struct aud_packed_row *prev = NULL;
    while (i < old->n || k < n_fresh) {
        int c = i == old->n ? 1 : k == n_fresh ? -1 : by_name(&old->rows[i], &fresh[k]);
        const struct aud_packed_row *r = c < 0 ? &old->rows[i++] : &fresh[k++];
        if (c == 0)
            i++;
        size_t shared = 0;
        while (prev && shared < prev->name_len && shared < r->name_len &&
               prev->name[shared] == r->name[shared])
            shared++;
        p = put_varint(p, (uint32_t)shared);
        p = put_varint(p, (uint32_t)(r->name_len - shared));
        memcpy(p, r->name + shared, r->name_len - shared);
        p += r->name_len - shared;
        prev = r;
        for (size_t w = 0; w < vsize / 4; w++) {
            const unsigned char *v = r->value + 4 * w;
            p = put_varint(p, (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 |
                                  (uint32_t)v[3] << 24);
        }
    }
    *len = (size_t)(p - out);
    return out;
}

int aud_packed_put(struct aud_layer *L, const char *key, const struct aud_packed_row *rows,
                   size_t n, int fresh)
{
    const struct crmgov_host *h = L->host;
    struct packed old = { .vsize = value_size(key[0]) };
    int rc = fresh || h->state_get(h, key, take_blob, &old) >= 0 ? CRMGOV_OK : CRMGOV_ERROR;
    if (rc == CRMGOV_OK) {
        size_t len;
        unsigned char *blob = merge_encode(&old, rows, n, &len);
        rc = h->state_put(h, key, blob, len);
        free(blob);
    }
    free(old.rows);
    free(old.blob);
    free(old.names);
    free(old.values);
    return rc;
}

struct unpack {
    crmgov_state_fn fn;
    void *ctx;
};

/* Calls fn once per row, with the row's "d/DAY/SYSTEM/NAME" (or "n/...") key. */
static int unpack_blob(void *ctx, const char *key, const void *value, size_t len)
{
    struct unpack *u = ctx;
    struct packed p = { .vsize = value_size(key[0]) };
    size_t key_len = strlen(key);
    if (key_len < 15 || key[key_len - 1] != '/' || decode(value, len, p.vsize, &p) != 0) {
        free(p.rows);
        free(p.names);
        free(p.values);
        return 0; /* not ours, or damaged: skipped like a damaged "d/" row */
    }
    char *row_key = NULL;
    int rc = 0;
    for (size_t i = 0; i < p.n && rc == 0; i++) {
        row_key = aud_realloc(row_key, key_len + p.rows[i].name_len + 1);
        memcpy(row_key, key, key_len);
        row_key[0] = key[0] == 'N' ? 'n' : 'd';
        memcpy(row_key + key_len, p.rows[i].name, p.rows[i].name_len);
        row_key[key_len + p.rows[i].name_len] = '\0';
        rc = u->fn(u->ctx, row_key, p.rows[i].value, p.vsize);
    }
    free(row_key);
    free(p.rows);
    free(p.names);
    free(p.values);
    return rc;
}

int aud_packed_each(const struct crmgov_host *h, const char *key, int exact, crmgov_state_fn fn,
                    void *ctx)
{
    struct unpack u = { fn, ctx };
    return exact ? h->state_get(h, key, unpack_blob, &u) : h->state_scan(h, key, unpack_blob, &u);
}
