/*
 * emit.h -- turns generated events into the output stream: ordered by `at`,
 * ties in generation order, capped at --events lines.
 *
 * Shape: the simulation generates a day at a time, but an execution may land
 * up to 15 minutes after the change that caused it, so events are not born in
 * time order. Each line is written once into an arena as finished JSON, with
 * a small reference (at, seq, offset) that is sorted; after a day is
 * generated, everything before the next day's start is final and is written
 * out, the rest is carried into the next round. Output goes through one large
 * buffer to stdout or a file (and optionally a second copy for --verify).
 */
#ifndef CRMGOV_GEN_EMIT_H
#define CRMGOV_GEN_EMIT_H

#include <stdint.h>
#include <stdio.h>

#include "gen_util.h"

typedef struct emit_ref {
    int64_t at;
    uint64_t seq;
    size_t off;
    size_t len;
} emit_ref;

typedef struct emitter {
    gen_buf arena;
    emit_ref *refs;
    size_t nrefs, caprefs;
    uint64_t next_seq;
    size_t open_off;   /* offset of the line being written */
    int64_t open_at;
    gen_clock_text clock;
    FILE *out;
    FILE *copy;        /* may be NULL */
    gen_buf outbuf;
    uint64_t written;
    int64_t last_at;    /* `at` of the last line written; INT64_MIN before */
    uint64_t max_lines; /* 0 = unlimited */
    int full;           /* cap reached: stop generating */
    int io_error;
} emitter;

void emit_init(emitter *e, FILE *out, FILE *copy, uint64_t max_lines);
/* Starts a line {"type":T,"system":S,"at":"..." and returns the arena to
 * append the rest of the members to (each starting with a comma). */
gen_buf *emit_begin(emitter *e, const char *type, const char *system, int64_t at);
/* Closes the object, adds the newline and queues the line. */
void emit_end(emitter *e);
/* Writes, in order, every queued line with at < before. */
void emit_flush_before(emitter *e, int64_t before);
/* Writes everything queued and flushes the output; 0 unless an I/O error. */
int emit_finish(emitter *e);
void emit_free(emitter *e);

#endif
