/*
 * emit.c -- sorted, capped JSON Lines output (see emit.h).
 */
#include "emit.h"

#include <stdlib.h>

#define OUTBUF_SIZE (1u << 20)

void emit_init(emitter *e, FILE *out, FILE *copy, uint64_t max_lines)
{
    memset(e, 0, sizeof *e);
    e->out = out;
    e->copy = copy;
    e->max_lines = max_lines;
    e->last_at = INT64_MIN;
    gen_clock_text_init(&e->clock);
    gen_buf_grow(&e->outbuf, OUTBUF_SIZE);
}

gen_buf *emit_begin(emitter *e, const char *type, const char *system, int64_t at)
{
    gen_buf *b = &e->arena;
    e->open_off = b->len;
    e->open_at = at;
    GEN_PUT_LIT(b, "{\"type\":\"");
    gen_buf_puts(b, type);
    GEN_PUT_LIT(b, "\",\"system\":");
    gen_buf_put_json_string(b, system);
    GEN_PUT_LIT(b, ",\"at\":\"");
    gen_buf_put_time(b, &e->clock, at);
    gen_buf_putc(b, '"');
    return b;
}

void emit_end(emitter *e)
{
    gen_buf_put(&e->arena, "}\n", 2);
    if (e->nrefs == e->caprefs) {
        size_t cap = e->caprefs ? e->caprefs * 2 : 4096;
        emit_ref *p = realloc(e->refs, cap * sizeof *p);
        if (!p) {
            fputs("crmgov-gen: out of memory\n", stderr);
            abort();
        }
        e->refs = p;
        e->caprefs = cap;
    }
    emit_ref *r = &e->refs[e->nrefs++];
    r->at = e->open_at;
    r->seq = e->next_seq++;
    r->off = e->open_off;
    r->len = e->arena.len - e->open_off;
}

static int ref_cmp(const void *a, const void *b)
{
    const emit_ref *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void drain_outbuf(emitter *e)
{
    if (e->outbuf.len == 0)
        return;
    if (fwrite(e->outbuf.data, 1, e->outbuf.len, e->out) != e->outbuf.len)
        e->io_error = 1;
    if (e->copy && fwrite(e->outbuf.data, 1, e->outbuf.len, e->copy) != e->outbuf.len)
        e->io_error = 1;
    e->outbuf.len = 0;
}

static void write_line(emitter *e, int64_t at, const char *text, size_t len)
{
    e->last_at = at;
    if (e->outbuf.len + len > e->outbuf.cap)
        drain_outbuf(e);
    gen_buf_put(&e->outbuf, text, len);
    e->written++;
    if (e->max_lines && e->written >= e->max_lines)
        e->full = 1;
}

/* Keeps refs[from..] (the lines not yet due), compacting their text into a
 * fresh arena so memory stays bounded by one day of events. */
static void carry_over(emitter *e, size_t from)
{
    gen_buf fresh = {0};
    size_t kept = 0;
    for (size_t i = from; i < e->nrefs; i++) {
        emit_ref r = e->refs[i];
        size_t off = fresh.len;
        gen_buf_put(&fresh, e->arena.data + r.off, r.len);
        r.off = off;
        e->refs[kept++] = r;
    }
    gen_buf_free(&e->arena);
    e->arena = fresh;
    e->nrefs = kept;
}

void emit_flush_before(emitter *e, int64_t before)
{
    if (e->nrefs == 0)
        return;
    qsort(e->refs, e->nrefs, sizeof *e->refs, ref_cmp);
    size_t i = 0;
    for (; i < e->nrefs && e->refs[i].at < before && !e->full; i++)
        write_line(e, e->refs[i].at, e->arena.data + e->refs[i].off, e->refs[i].len);
    if (e->full) {
        e->nrefs = 0;
        e->arena.len = 0;
        return;
    }
    carry_over(e, i);
}

int emit_finish(emitter *e)
{
    emit_flush_before(e, INT64_MAX);
    drain_outbuf(e);
    if (fflush(e->out) != 0)
        e->io_error = 1;
    if (e->copy && fflush(e->copy) != 0)
        e->io_error = 1;
    return e->io_error ? -1 : 0;
}

void emit_free(emitter *e)
{
    gen_buf_free(&e->arena);
    gen_buf_free(&e->outbuf);
    free(e->refs);
    e->refs = NULL;
}
