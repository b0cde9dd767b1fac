/*
 * aud_snapshot.c -- the audit layer's memory that is not in the store
 * (record fields, recent matches and executions, waiting touches, pending
 * deadlines, today's notification counts, day rows not yet written), saved
 * as one state value "snapshot" when the layer stops and read back when it
 * starts, so `crmgov run --once` every few minutes judges exactly what one
 * long run would.
 *
 * Why one value written at stop: the store only takes writes inside the
 * dispatcher's transactions, and writing this state there would cost a
 * write per record per batch. At stop the dispatcher has drained, so one
 * write is safe and cheap. The snapshot is deleted by the first batch of the
 * next run (aud_persist_flush), so one that exists always describes the
 * store as it is; after a crash there is none, and the layer starts with
 * what the store holds (conservative: unknown fields judge nothing).
 *
 * The format is private to this file: little-endian integers,
 * length-prefixed strings. "snapshot/0000" holds the clock, the systems
 * watched, an automation table (by name, with each one's last run) and
 * today's notification counts; "snapshot/0001"... hold the records, each
 * with its pending deadlines, in chunks of about 4 MB so that saving never
 * needs the whole state twice in memory. Automations are referred to by
 * their row in the table. A chunk that does not parse is ignored with a
 * warning; what was read before it is kept.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"

#define MAGIC "AUDSNAP2"
#define ROWS_MAGIC "AUDROWS1"
#define CHUNK_BYTES (4u << 20)

/* ------------------------------------------------------------------------ */
/* writing                                                                   */

struct out {
    unsigned char *buf;
    size_t n, cap;
};

static void put(struct out *o, const void *p, size_t len)
{
    if (o->n + len > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + len)
            cap *= 2;
        o->buf = aud_realloc(o->buf, cap);
        o->cap = cap;
    }
    memcpy(o->buf + o->n, p, len);
    o->n += len;
}

static void put_u64(struct out *o, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(o, b, 8);
}

static void put_u32(struct out *o, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(o, b, 4);
}

static void put_u8(struct out *o, uint8_t v)
{
    put(o, &v, 1);
}

static void put_bytes(struct out *o, const void *p, size_t len)
{
    put_u32(o, (uint32_t)len);
    put(o, p, len);
}

static void put_str(struct out *o, const char *s)
{
    put_bytes(o, s, strlen(s));
}

static void chunk_key(char key[24], unsigned n)
{
    snprintf(key, 24, "snapshot/%04u", n);
}

static int by_record(const void *pa, const void *pb)
{
    const struct aud_due *a = pa, *b = pb;
    uintptr_t x = (uintptr_t)a->rec, y = (uintptr_t)b->rec;
    return x < y ? -1 : x > y;
}

/* The record-bound deadlines, sorted by record, so each record's deadlines
 * can travel in the record's chunk. */
static struct aud_due *dues_by_record(const struct aud_layer *L, size_t *n)
{
    struct aud_due *dues = aud_realloc(NULL, (L->heap.n ? L->heap.n : 1) * sizeof(*dues));
    *n = 0;
    for (size_t i = 0; i < L->heap.n; i++)
        if (L->heap.items[i].kind != AUD_DUE_DORMANT)
            dues[(*n)++] = L->heap.items[i];
    if (*n > 1)
        qsort(dues, *n, sizeof(*dues), by_record);
    return dues;
}

static void put_dues(struct out *o, const struct aud_record *r, const struct aud_due *dues,
                     size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first due of r */
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)dues[mid].rec < (uintptr_t)r)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < n && dues[end].rec == r)
        end++;
    put_u32(o, (uint32_t)(end - lo));
    for (size_t i = lo; i < end; i++) {
        put_u8(o, (uint8_t)dues[i].kind);
        put_u64(o, (uint64_t)dues[i].at);
        put_u32(o, dues[i].autom);
    }
}

static void put_record(struct out *o, const struct aud_layer *L, const struct aud_record *r)
{
    const struct aud_objinfo *oi = &L->objs[r->objinfo];
    put_str(o, aud_name(&L->names, oi->system));
    put_str(o, aud_name(&L->names, oi->object));
    put_str(o, r->id);
    put_u64(o, (uint64_t)r->last_active);
    put_u8(o, r->deleted);
    put_u8(o, r->converted);
    put_u8(o, r->converted_known);
    uint32_t known = 0;
    for (uint16_t i = 0; i < r->n_values; i++)
        known += r->values[i].type != AUD_V_UNKNOWN;
    put_u32(o, known);
    for (uint16_t i = 0; i < r->n_values; i++) {
        const struct aud_value *v = &r->values[i];
        if (v->type == AUD_V_UNKNOWN)
            continue;
        uint64_t bits;
        memcpy(&bits, &v->num, sizeof(bits));
        put_str(o, aud_name(&L->names, oi->fields[i]));
        put_u8(o, v->type);
        put_u8(o, v->numeric);
        put_u64(o, v->hash);
        put_u64(o, bits);
    }
    put_u32(o, r->n_marks);
    for (uint32_t i = 0; i < r->n_marks; i++) {
        put_u64(o, (uint64_t)r->marks[i].at);
        put_u32(o, r->marks[i].autom);
        put_u8(o, (uint8_t)r->marks[i].kind);
    }
    put_u32(o, r->n_touches);
    for (uint32_t i = 0; i < r->n_touches; i++) {
        put_u64(o, (uint64_t)r->touches[i].first);
        put_u32(o, r->touches[i].autom);
        put_u32(o, (uint32_t)r->touches[i].last_day);
        put_u8(o, r->touches[i].pending);
    }
}

static void put_meta(struct out *o, const struct aud_layer *L, uint32_t n_chunks)
{
    put(o, MAGIC, 8);
    put_u32(o, n_chunks);
    put_u64(o, (uint64_t)L->clock);
    uint32_t n_watch = 0;
    for (size_t i = 0; i < L->cap_watch; i++)
        n_watch += L->watch_since[i] != CRMGOV_TIME_NONE;
    put_u32(o, n_watch);
    for (size_t i = 0; i < L->cap_watch; i++) {
        if (L->watch_since[i] == CRMGOV_TIME_NONE)
            continue;
        put_str(o, aud_name(&L->names, (uint32_t)i));
        put_u64(o, (uint64_t)L->watch_since[i]);
    }
    /* the automation table: row i is automation index i */
    put_u32(o, (uint32_t)L->n_autos);
    for (uint32_t i = 0; i < L->n_autos; i++) {
        const struct aud_auto *a = L->autos[i];
        put_bytes(o, L->auto_keys.keys[a->id], L->auto_keys.lens[a->id]);
        put_u64(o, (uint64_t)a->last_exec);
    }
    uint32_t n = 0;
    for (size_t i = 0; i < L->n_recipients; i++)
        n += L->recipients[i].day == L->today;
    put_u32(o, n);
    for (size_t i = 0; i < L->n_recipients; i++) {
        const struct aud_recipient *p = &L->recipients[i];
        if (p->day != L->today)
            continue;
        put_str(o, aud_name(&L->names, p->system));
        put_str(o, aud_name(&L->names, p->principal));
        put_u32(o, (uint32_t)p->day);
        put_u32(o, p->count);
        put_u32(o, (uint32_t)p->n_by_auto);
        for (size_t k = 0; k < p->n_by_auto; k++) {
            put_u32(o, p->by_auto[k].autom);
            put_u32(o, p->by_auto[k].count);
        }
    }
}

static int put_row_entry(struct out *o, char kind, int32_t day, const char *system,
                         const char *name, const void *value, size_t len)
{
    char *key = aud_row_key(kind, day, system, name);
    put_str(o, key);
    put_bytes(o, value, len);
    free(key);
    return 1;
}

/* Day rows not written yet, apart, so commands can read them alone. */
static int save_rows(struct aud_layer *L)
{
    struct out o = { 0 };
    uint32_t n = 0;
    put(&o, ROWS_MAGIC, 8);
    put_u32(&o, 0); /* patched below */
    for (size_t i = 0; i < L->n_flush; i++) {
        const struct aud_auto *a = L->autos[L->flush_list[i]];
        for (int k = 0; k < L->opts.ring_days; k++) {
            if (!a->ring[k].dirty)
                continue;
            unsigned char value[AUD_ROW_SIZE];
            aud_row_encode(&a->ring[k], value);
            n += put_row_entry(&o, 'd', a->ring[k].day, aud_name(&L->names, a->system), a->name,
                               value, sizeof(value));
        }
    }
    for (size_t i = 0; i < L->n_recipients; i++) {
        const struct aud_recipient *p = &L->recipients[i];
        if (!p->dirty || p->day == INT32_MIN)
            continue;
        unsigned char value[4];
        for (int k = 0; k < 4; k++)
            value[k] = (unsigned char)(p->count >> (8 * k));
        n += put_row_entry(&o, 'n', p->day, aud_name(&L->names, p->system),
                           aud_name(&L->names, p->principal), value, sizeof(value));
    }
    for (int k = 0; k < 4; k++)
        o.buf[8 + k] = (unsigned char)(n >> (8 * k));
    int rc = L->host->state_put(L->host, "snapshot-rows", o.buf, o.n);
    free(o.buf);
    return rc;
}

static int flush_chunk(struct aud_layer *L, struct out *o, uint32_t count, unsigned index)
{
    /* the record count leads the chunk: patch it in */
    for (int k = 0; k < 4; k++)
        o->buf[8 + k] = (unsigned char)(count >> (8 * k));
    char key[24];
    chunk_key(key, index);
    int rc = L->host->state_put(L->host, key, o->buf, o->n);
    o->n = 0;
    return rc;
}

int aud_snapshot_save(struct aud_layer *L)
{
    size_t n_dues;
    struct aud_due *dues = dues_by_record(L, &n_dues);
    struct out o = { 0 };
    unsigned chunks = 0;
    uint32_t in_chunk = 0;
    int rc = CRMGOV_OK;
    for (size_t i = 0; i < L->records.cap && rc == CRMGOV_OK; i++) {
        const struct aud_record *r = L->records.slots[i].rec;
        if (!r)
            continue;
        if (!o.n) {
            put(&o, MAGIC, 8);
            put_u32(&o, 0);
        }
        put_record(&o, L, r);
        put_dues(&o, r, dues, n_dues);
        if (++in_chunk, o.n >= CHUNK_BYTES) {
            rc = flush_chunk(L, &o, in_chunk, ++chunks);
            in_chunk = 0;
        }
    }
    if (rc == CRMGOV_OK && o.n)
        rc = flush_chunk(L, &o, in_chunk, ++chunks);
    free(dues);
    /* chunks of an older, longer snapshot must not survive */
    for (unsigned k = chunks + 1; rc == CRMGOV_OK && k <= L->snapshot_chunks; k++) {
        char key[24];
        chunk_key(key, k);
        L->host->state_delete(L->host, key);
    }
    if (rc == CRMGOV_OK) {
        put_meta(&o, L, chunks);
        char key[24];
        chunk_key(key, 0);
        rc = L->host->state_put(L->host, key, o.buf, o.n);
    }
    free(o.buf);
    if (rc == CRMGOV_OK)
        rc = save_rows(L);
    L->snapshot_chunks = chunks;
    return rc;
}

void aud_snapshot_drop(struct aud_layer *L)
{
    for (unsigned k = 0; k <= L->snapshot_chunks; k++) {
        char key[24];
        chunk_key(key, k);
        L->host->state_delete(L->host, key);
    }
    L->host->state_delete(L->host, "snapshot-rows");
    L->snapshot_chunks = 0;
}

/* ------------------------------------------------------------------------ */
/* reading                                                                   */

struct in {
    const unsigned char *p;
    size_t left;
    int bad;
};

static const unsigned char *take(struct in *in, size_t len)
{
    if (in->bad || in->left < len) {
        in->bad = 1;
        return NULL;
    }
    const unsigned char *p = in->p;
    in->p += len;
    in->left -= len;
    return p;
}

static uint64_t get_u64(struct in *in)
{
    const unsigned char *p = take(in, 8);
    uint64_t v = 0;
    for (int i = 0; p && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t get_u32(struct in *in)
{
    const unsigned char *p = take(in, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                   (uint32_t)p[3] << 24
             : 0;
}

static uint8_t get_u8(struct in *in)
{
    const unsigned char *p = take(in, 1);
    return p ? *p : 0;
}

/* A byte run inside the blob; *len gets its length. */
static const char *get_bytes(struct in *in, size_t *len)
{
    *len = get_u32(in);
    const unsigned char *p = take(in, *len);
    if (!p)
        *len = 0;
    return p ? (const char *)p : "";
}

/* Copies a string into a NUL-terminated buffer the caller frees. */
static char *get_str(struct in *in)
{
    size_t len;
    const char *p = get_bytes(in, &len);
    char *s = aud_realloc(NULL, len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/* What reading needs across chunks: the automation table. */
struct reader {
    struct aud_layer *L;
    uint32_t *autos;        /* table row -> automation index */
    uint32_t n_autos;
    int have_meta;
    int damaged;
};

static uint32_t get_auto(struct in *in, struct reader *rd)
{
    uint32_t row = get_u32(in);
    if (in->bad || row >= rd->n_autos) {
        in->bad = 1;
        return 0;
    }
    return rd->autos[row];
}

static uint32_t auto_by_key(struct aud_layer *L, const char *key, size_t len)
{
    uint32_t id = aud_names_find(&L->auto_keys, key, len);
    if (id != UINT32_MAX)
        return id;
    char *system = aud_realloc(NULL, len + 1);
    memcpy(system, key, len);
    system[len] = '\0';
    uint32_t autom;
    aud_auto_get(L, system, system + strlen(system) + 1, 1, &autom);
    free(system);
    return autom;
}

static void read_meta(struct in *in, struct reader *rd)
{
    struct aud_layer *L = rd->L;
    L->snapshot_chunks = get_u32(in);
    crmgov_time clock = (crmgov_time)get_u64(in);
    if (clock != CRMGOV_TIME_NONE && (L->clock == CRMGOV_TIME_NONE || clock > L->clock))
        L->clock = clock;
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        char *system = get_str(in);
        crmgov_time t = (crmgov_time)get_u64(in);
        if (!in->bad)
            aud_watch_from(L, aud_names_add(&L->names, system, strlen(system)), t);
        free(system);
    }
    n = get_u32(in);
    if (n > in->left / 12)
        in->bad = 1;
    rd->autos = aud_realloc(NULL, (in->bad || !n ? 1 : n) * sizeof(*rd->autos));
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        size_t len;
        const char *key = get_bytes(in, &len);
        crmgov_time t = (crmgov_time)get_u64(in);
        if (in->bad || !memchr(key, '\0', len)) {
            in->bad = 1;
            break;
        }
        uint32_t autom = auto_by_key(L, key, len);
        rd->autos[rd->n_autos++] = autom;
        struct aud_auto *a = L->autos[autom];
        if (t != CRMGOV_TIME_NONE && (a->last_exec == CRMGOV_TIME_NONE || t > a->last_exec))
            a->last_exec = t;
    }
    n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        char *system = get_str(in), *principal = get_str(in);
        uint32_t s = aud_names_add(&L->names, system, strlen(system));
        uint32_t who = aud_names_add(&L->names, principal, strlen(principal));
        free(system);
        free(principal);
        struct aud_recipient *p = aud_recipient_get(L, s, who, NULL);
        p->day = (int32_t)get_u32(in);
        p->count = get_u32(in);
        uint32_t k = get_u32(in);
        p->n_by_auto = 0;
        for (uint32_t j = 0; j < k && !in->bad; j++) {
            uint32_t autom = get_auto(in, rd);
            uint32_t count = get_u32(in);
            if (in->bad)
                break;
            AUD_GROW(p->by_auto, p->n_by_auto, p->cap_by_auto);
            p->by_auto[p->n_by_auto++] = (struct aud_notify_count){ autom, count };
        }
    }
    rd->have_meta = !in->bad;
}

static int slot_of(const struct aud_objinfo *o, uint32_t field)
{
    for (size_t i = 0; i < o->n_fields; i++)
        if (o->fields[i] == field)
            return (int)i;
    return -1;
}

static void read_values(struct in *in, struct aud_layer *L, struct aud_record *r)
{
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        char *field = get_str(in);
        struct aud_value v = { 0 };
        v.type = get_u8(in);
        v.numeric = get_u8(in);
        v.hash = get_u64(in);
        uint64_t bits = get_u64(in);
        memcpy(&v.num, &bits, sizeof(bits));
        uint32_t id = aud_names_add(&L->names, field, strlen(field));
        free(field);
        const struct aud_objinfo *o = &L->objs[r->objinfo];
        int slot = slot_of(o, id);
        if (in->bad || slot < 0 || v.type > AUD_V_STRING)
            continue; /* no automation reads this field any more */
        if ((size_t)slot >= r->n_values) {
            r->values = aud_realloc(r->values, o->n_fields * sizeof(*r->values));
            memset(r->values + r->n_values, 0, (o->n_fields - r->n_values) * sizeof(*r->values));
            r->n_values = (uint16_t)o->n_fields;
        }
        r->values[slot] = v;
    }
}

static void read_marks_and_touches(struct in *in, struct reader *rd, struct aud_record *r)
{
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        crmgov_time at = (crmgov_time)get_u64(in);
        uint32_t autom = get_auto(in, rd);
        uint8_t kind = get_u8(in);
        if (in->bad || kind > AUD_MARK_EXEC) {
            in->bad = 1;
            break;
        }
        AUD_GROW(r->marks, r->n_marks, r->cap_marks);
        r->marks[r->n_marks++] = (struct aud_mark){ .at = at, .autom = autom, .kind = kind };
    }
    n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        struct aud_touch t;
        t.first = (crmgov_time)get_u64(in);
        t.autom = get_auto(in, rd);
        t.last_day = (int32_t)get_u32(in);
        t.pending = get_u8(in);
        if (in->bad)
            break;
        AUD_GROW(r->touches, r->n_touches, r->cap_touches);
        r->touches[r->n_touches++] = t;
    }
}

static void read_record(struct in *in, struct reader *rd)
{
    struct aud_layer *L = rd->L;
    char *system = get_str(in), *object = get_str(in), *id = get_str(in);
    crmgov_time last_active = (crmgov_time)get_u64(in);
    uint8_t deleted = get_u8(in), converted = get_u8(in), converted_known = get_u8(in);
    if (in->bad) {
        free(system);
        free(object);
        free(id);
        return;
    }
    uint32_t s = aud_names_add(&L->names, system, strlen(system));
    uint32_t oi = aud_objinfo_get(L, s, aud_names_add(&L->names, object, strlen(object)));
    struct aud_record *r = aud_record_get(L, oi, id, 1);
    free(system);
    free(object);
    free(id);
    r->last_active = last_active;
    r->deleted = deleted;
    r->converted = converted;
    r->converted_known = converted_known;
    read_values(in, L, r);
    read_marks_and_touches(in, rd, r);
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        uint8_t kind = get_u8(in);
        crmgov_time at = (crmgov_time)get_u64(in);
        uint32_t autom = get_auto(in, rd);
        if (in->bad || kind > AUD_DUE_TRIGGER) {
            in->bad = 1;
            break;
        }
        struct aud_due d = { .at = at, .autom = autom, .kind = kind, .rec = r };
        d.due = at + L->opts.lateness_ms + (kind == AUD_DUE_SLA ? L->opts.sla_ms : 0);
        aud_heap_push(&L->heap, &d);
        r->queued++;
    }
}

static int read_chunk(void *ctx, const char *key, const void *value, size_t len)
{
    struct reader *rd = ctx;
    struct in in = { value, len, 0 };
    const unsigned char *magic = take(&in, 8);
    if (!magic || memcmp(magic, MAGIC, 8) != 0) {
        rd->damaged = 1;
        return 0;
    }
    if (strcmp(key, "snapshot/0000") == 0) {
        read_meta(&in, rd);
    } else if (rd->have_meta) {
        uint32_t n = get_u32(&in);
        for (uint32_t i = 0; i < n && !in.bad; i++)
            read_record(&in, rd);
    }
    rd->damaged |= in.bad;
    rd->L->tail_loaded = 1;
    return 0;
}

struct rows_reader {
    int (*fn)(void *ctx, const char *key, const void *value, size_t len);
    void *ctx;
};

static int read_rows(void *ctx, const char *key, const void *value, size_t len)
{
    struct rows_reader *r = ctx;
    (void)key;
    struct in in = { value, len, 0 };
    const unsigned char *magic = take(&in, 8);
    if (!magic || memcmp(magic, ROWS_MAGIC, 8) != 0)
        return 0;
    uint32_t n = get_u32(&in);
    for (uint32_t i = 0; i < n && !in.bad; i++) {
        char *row_key = get_str(&in);
        size_t vlen;
        const char *row = get_bytes(&in, &vlen);
        if (!in.bad)
            r->fn(r->ctx, row_key, row, vlen);
        free(row_key);
    }
    return 0;
}

int aud_snapshot_rows(const struct crmgov_host *host,
                      int (*fn)(void *ctx, const char *key, const void *value, size_t len),
                      void *ctx)
{
    struct rows_reader r = { fn, ctx };
    int rc = host->state_get(host, "snapshot-rows", read_rows, &r);
    return rc < 0 ? CRMGOV_ERROR : CRMGOV_OK;
}

static int apply_dirty_row(void *ctx, const char *key, const void *value, size_t len)
{
    struct aud_layer *L = ctx;
    L->tail_loaded = 1;
    return aud_apply_row(L, key, value, len, 1);
}

int aud_snapshot_load(struct aud_layer *L)
{
    struct reader rd = { .L = L };
    /* keys sort as written: the table (0000) comes before the records */
    int rc = L->host->state_scan(L->host, "snapshot/", read_chunk, &rd);
    free(rd.autos);
    if (rd.damaged)
        L->host->log(L->host, CRMGOV_LOG_WARN,
                     "the audit snapshot is damaged; what it held before the damage was kept");
    if (rc >= 0)
        rc = aud_snapshot_rows(L->host, apply_dirty_row, L);
    return rc < 0 ? CRMGOV_ERROR : CRMGOV_OK;
}
