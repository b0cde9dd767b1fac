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
 * length-prefixed strings, names instead of process-local ids. A snapshot
 * that does not parse is ignored with a warning.
 */
#include <string.h>

#include "audit.h"

#define MAGIC "AUDSNAP1"

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

static void put_auto(struct out *o, const struct aud_layer *L, uint32_t autom)
{
    const struct aud_auto *a = L->autos[autom];
    put_bytes(o, L->auto_keys.keys[a->id], L->auto_keys.lens[a->id]);
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
        put_auto(o, L, r->marks[i].autom);
        put_u8(o, (uint8_t)r->marks[i].kind);
    }
    put_u32(o, r->n_touches);
    for (uint32_t i = 0; i < r->n_touches; i++) {
        put_u64(o, (uint64_t)r->touches[i].first);
        put_auto(o, L, r->touches[i].autom);
        put_u32(o, (uint32_t)r->touches[i].last_day);
        put_u8(o, r->touches[i].pending);
    }
}

static void put_rows(struct out *o, struct aud_layer *L)
{
    uint32_t n = 0;
    for (size_t i = 0; i < L->n_flush; i++)
        for (int k = 0; k < L->opts.ring_days; k++)
            n += L->autos[L->flush_list[i]]->ring[k].dirty;
    for (size_t i = 0; i < L->n_recipients; i++)
        n += L->recipients[i].dirty && L->recipients[i].day != INT32_MIN;
    put_u32(o, n);
    for (size_t i = 0; i < L->n_recipients; i++) {
        const struct aud_recipient *p = &L->recipients[i];
        if (!p->dirty || p->day == INT32_MIN)
            continue;
        unsigned char value[4];
        for (int k = 0; k < 4; k++)
            value[k] = (unsigned char)(p->count >> (8 * k));
        char *key = aud_row_key('n', p->day, aud_name(&L->names, p->system),
                                aud_name(&L->names, p->principal));
        put_str(o, key);
        put_bytes(o, value, sizeof(value));
        free(key);
    }
    for (size_t i = 0; i < L->n_flush; i++) {
        const struct aud_auto *a = L->autos[L->flush_list[i]];
        for (int k = 0; k < L->opts.ring_days; k++) {
            if (!a->ring[k].dirty)
                continue;
            unsigned char value[AUD_ROW_SIZE];
            aud_row_encode(&a->ring[k], value);
            char *key = aud_row_key('d', a->ring[k].day, aud_name(&L->names, a->system), a->name);
            put_str(o, key);
            put_bytes(o, value, sizeof(value));
            free(key);
        }
    }
}

static void put_recipients(struct out *o, const struct aud_layer *L)
{
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
        put_u8(o, (uint8_t)p->dirty);
        put_u32(o, (uint32_t)p->n_by_auto);
        for (size_t k = 0; k < p->n_by_auto; k++) {
            put_auto(o, L, p->by_auto[k].autom);
            put_u32(o, p->by_auto[k].count);
        }
    }
}

int aud_snapshot_save(struct aud_layer *L)
{
    struct out o = { 0 };
    put(&o, MAGIC, 8);
    put_u64(&o, (uint64_t)L->clock);
    uint32_t n_watch = 0;
    for (size_t i = 0; i < L->cap_watch; i++)
        n_watch += L->watch_since[i] != CRMGOV_TIME_NONE;
    put_u32(&o, n_watch);
    for (size_t i = 0; i < L->cap_watch; i++) {
        if (L->watch_since[i] == CRMGOV_TIME_NONE)
            continue;
        put_str(&o, aud_name(&L->names, (uint32_t)i));
        put_u64(&o, (uint64_t)L->watch_since[i]);
    }
    put_u32(&o, (uint32_t)L->records.n);
    uint32_t seq = 0;
    for (size_t i = 0; i < L->records.cap; i++) {
        struct aud_record *r = L->records.slots[i];
        if (!r)
            continue;
        r->seq = seq++;
        put_record(&o, L, r);
    }
    uint32_t n_due = 0;
    for (size_t i = 0; i < L->heap.n; i++)
        n_due += L->heap.items[i].kind != AUD_DUE_DORMANT;
    put_u32(&o, n_due);
    for (size_t i = 0; i < L->heap.n; i++) {
        const struct aud_due *d = &L->heap.items[i];
        if (d->kind == AUD_DUE_DORMANT)
            continue; /* queued again from last_exec at start */
        put_u8(&o, (uint8_t)d->kind);
        put_u64(&o, (uint64_t)d->at);
        put_auto(&o, L, d->autom);
        put_u32(&o, d->rec->seq);
    }
    put_recipients(&o, L);
    put_u32(&o, (uint32_t)L->n_autos);
    for (uint32_t i = 0; i < L->n_autos; i++) {
        put_auto(&o, L, i);
        put_u64(&o, (uint64_t)L->autos[i]->last_exec);
    }
    int rc = L->host->state_put(L->host, "snapshot", o.buf, o.n);
    /* day rows not written yet, readable by commands without the rest */
    o.n = 0;
    put(&o, MAGIC, 8);
    put_rows(&o, L);
    if (rc == CRMGOV_OK)
        rc = L->host->state_put(L->host, "snapshot-rows", o.buf, o.n);
    free(o.buf);
    return rc;
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

/* A string or byte run; *len gets its length. Valid while the blob is. */
static const char *get_bytes(struct in *in, size_t *len)
{
    *len = get_u32(in);
    const unsigned char *p = take(in, *len);
    return p ? (const char *)p : "";
}

/* Copies a string into a NUL-terminated buffer the caller frees. */
static char *get_str(struct in *in)
{
    size_t len;
    const char *p = get_bytes(in, &len);
    if (in->bad)
        len = 0;
    char *s = aud_realloc(NULL, len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

static uint32_t get_auto(struct in *in, struct aud_layer *L)
{
    size_t len;
    const char *key = get_bytes(in, &len);
    if (in->bad || !memchr(key, '\0', len)) {
        in->bad = 1;
        return UINT32_MAX;
    }
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

static int slot_of(const struct aud_objinfo *o, uint32_t field)
{
    for (size_t i = 0; i < o->n_fields; i++)
        if (o->fields[i] == field)
            return (int)i;
    return -1;
}

static void read_values(struct in *in, struct aud_layer *L, struct aud_record *r)
{
    const struct aud_objinfo *o = &L->objs[r->objinfo];
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        char *field = get_str(in);
        struct aud_value v = { 0 };
        v.type = get_u8(in);
        v.numeric = get_u8(in);
        v.hash = get_u64(in);
        uint64_t bits = get_u64(in);
        memcpy(&v.num, &bits, sizeof(bits));
        int slot = slot_of(o, aud_names_add(&L->names, field, strlen(field)));
        free(field);
        if (slot < 0 || v.type > AUD_V_STRING)
            continue; /* no automation reads this field any more */
        if ((size_t)slot >= r->n_values) {
            r->values = aud_realloc(r->values, o->n_fields * sizeof(*r->values));
            memset(r->values + r->n_values, 0, (o->n_fields - r->n_values) * sizeof(*r->values));
            r->n_values = (uint16_t)o->n_fields;
        }
        r->values[slot] = v;
    }
}

static struct aud_record *read_record(struct in *in, struct aud_layer *L)
{
    char *system = get_str(in), *object = get_str(in), *id = get_str(in);
    uint32_t s = aud_names_add(&L->names, system, strlen(system));
    uint32_t oi = aud_objinfo_get(L, s, aud_names_add(&L->names, object, strlen(object)));
    struct aud_record *r = aud_record_get(L, oi, id, 1);
    free(system);
    free(object);
    free(id);
    r->last_active = (crmgov_time)get_u64(in);
    r->deleted = get_u8(in);
    r->converted = get_u8(in);
    r->converted_known = get_u8(in);
    read_values(in, L, r);
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        crmgov_time at = (crmgov_time)get_u64(in);
        uint32_t autom = get_auto(in, L);
        uint8_t kind = get_u8(in);
        if (in->bad || kind > AUD_MARK_EXEC)
            break;
        AUD_GROW(r->marks, r->n_marks, r->cap_marks);
        r->marks[r->n_marks++] = (struct aud_mark){ .at = at, .autom = autom, .kind = kind };
    }
    n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        struct aud_touch t;
        t.first = (crmgov_time)get_u64(in);
        t.autom = get_auto(in, L);
        t.last_day = (int32_t)get_u32(in);
        t.pending = get_u8(in);
        if (in->bad)
            break;
        AUD_GROW(r->touches, r->n_touches, r->cap_touches);
        r->touches[r->n_touches++] = t;
    }
    return r;
}

static void read_recipients(struct in *in, struct aud_layer *L)
{
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        char *system = get_str(in), *principal = get_str(in);
        uint32_t s = aud_names_add(&L->names, system, strlen(system));
        uint32_t who = aud_names_add(&L->names, principal, strlen(principal));
        free(system);
        free(principal);
        struct aud_recipient *p = aud_recipient_get(L, s, who, NULL);
        p->day = (int32_t)get_u32(in);
        p->count = get_u32(in);
        p->dirty = get_u8(in);
        uint32_t k = get_u32(in);
        p->n_by_auto = 0;
        for (uint32_t j = 0; j < k && !in->bad; j++) {
            uint32_t autom = get_auto(in, L);
            uint32_t count = get_u32(in);
            if (in->bad)
                break;
            AUD_GROW(p->by_auto, p->n_by_auto, p->cap_by_auto);
            p->by_auto[p->n_by_auto++] = (struct aud_notify_count){ autom, count };
        }
    }
}

static void read_rest(struct in *in, struct aud_layer *L, struct aud_record **by_seq,
                      uint32_t n_records)
{
    uint32_t n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        uint8_t kind = get_u8(in);
        crmgov_time at = (crmgov_time)get_u64(in);
        uint32_t autom = get_auto(in, L);
        uint32_t seq = get_u32(in);
        if (in->bad || seq >= n_records || kind > AUD_DUE_TRIGGER)
            break;
        struct aud_due d = { .at = at, .autom = autom, .kind = kind, .rec = by_seq[seq] };
        d.due = at + L->opts.lateness_ms + (kind == AUD_DUE_SLA ? L->opts.sla_ms : 0);
        aud_heap_push(&L->heap, &d);
        d.rec->queued++;
    }
    read_recipients(in, L);
    n = get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        uint32_t autom = get_auto(in, L);
        crmgov_time t = (crmgov_time)get_u64(in);
        if (in->bad)
            break;
        struct aud_auto *a = L->autos[autom];
        if (t != CRMGOV_TIME_NONE && (a->last_exec == CRMGOV_TIME_NONE || t > a->last_exec))
            a->last_exec = t;
    }
}

static int read_snapshot(void *ctx, const char *key, const void *value, size_t len)
{
    struct aud_layer *L = ctx;
    (void)key;
    struct in in = { value, len, 0 };
    const unsigned char *magic = take(&in, 8);
    if (!magic || memcmp(magic, MAGIC, 8) != 0) {
        L->host->log(L->host, CRMGOV_LOG_WARN, "ignoring a snapshot in an unknown format");
        return 0;
    }
    crmgov_time clock = (crmgov_time)get_u64(&in);
    if (clock != CRMGOV_TIME_NONE && (L->clock == CRMGOV_TIME_NONE || clock > L->clock))
        L->clock = clock;
    uint32_t n = get_u32(&in);
    for (uint32_t i = 0; i < n && !in.bad; i++) {
        char *system = get_str(&in);
        crmgov_time t = (crmgov_time)get_u64(&in);
        aud_watch_from(L, aud_names_add(&L->names, system, strlen(system)), t);
        free(system);
    }
    uint32_t n_records = get_u32(&in);
    if (n_records > in.left)
        in.bad = 1;
    struct aud_record **by_seq = aud_realloc(NULL, (in.bad ? 1 : n_records + 1) * sizeof(*by_seq));
    for (uint32_t i = 0; i < n_records && !in.bad; i++)
        by_seq[i] = read_record(&in, L);
    if (!in.bad)
        read_rest(&in, L, by_seq, n_records);
    free(by_seq);
    if (in.bad)
        L->host->log(L->host, CRMGOV_LOG_WARN,
                     "the audit snapshot is damaged; what it held before the damage was kept");
    L->tail_loaded = 1;
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
    if (!magic || memcmp(magic, MAGIC, 8) != 0)
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
    int rc = L->host->state_get(L->host, "snapshot", read_snapshot, L);
    if (rc >= 0)
        rc = aud_snapshot_rows(L->host, apply_dirty_row, L);
    return rc < 0 ? CRMGOV_ERROR : CRMGOV_OK;
}
