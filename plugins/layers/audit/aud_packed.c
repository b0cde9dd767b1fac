/*
 * aud_packed.c -- the audit layer's day rows packed one state row per system
 * and day: key "D/DAY/SYSTEM/", value the rows of that system's automations,
 * each [u16 length][name, escaped as in keys][AUD_ROW_SIZE row], sorted by
 * name (an id whose escaped form is longer than a u16 keeps a single row);
 * likewise "N/DAY/SYSTEM/" for the day's notification count per principal
 * (4-byte values), which were a write per principal and day.
 *
 * Why: a closing day used to write one state row per automation -- 10,000
 * writes a day with 10,000 automations, a fifth of the layer's time on a
 * long run (docs/performance.md); packed, it is one read and one write per
 * system. Readers see packed rows as the "d/DAY/SYSTEM/NAME" rows they have
 * always read, and "d/" rows written by earlier versions still load, read
 * first so that a packed row (always newer) wins.
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
    struct aud_packed_row *rows;    /* pointing into blob */
    size_t n, cap;
    unsigned char *blob;
    size_t vsize;                   /* bytes per row value */
};

static int decode(const unsigned char *p, size_t len, size_t vsize, struct packed *out)
{
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
    int c = memcmp(a->name, b->name, a->name_len < b->name_len ? a->name_len : b->name_len);
    return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* Both lists sorted by name; `fresh` wins over `old`. */
static unsigned char *merge_encode(const struct packed *old, const struct aud_packed_row *fresh,
                                   size_t n_fresh, size_t *len)
{
    const size_t vsize = old->vsize;
    size_t cap = 0;
    for (size_t i = 0; i < old->n; i++)
        cap += 2 + old->rows[i].name_len + vsize;
    for (size_t k = 0; k < n_fresh; k++)
        cap += 2 + fresh[k].name_len + vsize;
    unsigned char *out = aud_realloc(NULL, cap), *p = out;
    size_t i = 0, k = 0;
    while (i < old->n || k < n_fresh) {
        int c = i == old->n ? 1 : k == n_fresh ? -1 : by_name(&old->rows[i], &fresh[k]);
        const struct aud_packed_row *r = c < 0 ? &old->rows[i++] : &fresh[k++];
        if (c == 0)
            i++;
        *p++ = (unsigned char)(r->name_len & 0xff);
        *p++ = (unsigned char)(r->name_len >> 8);
        memcpy(p, r->name, r->name_len);
        memcpy(p + r->name_len, r->value, vsize);
        p += r->name_len + vsize;
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
    return rc;
}

int aud_packed_each(const struct crmgov_host *h, const char *key, int exact, crmgov_state_fn fn,
                    void *ctx)
{
    struct unpack u = { fn, ctx };
    return exact ? h->state_get(h, key, unpack_blob, &u) : h->state_scan(h, key, unpack_blob, &u);
}
