/*
 * gen_util.h -- the generator's text plumbing: a growable byte buffer that
 * JSON is appended to, and the calendar arithmetic that turns event time
 * (seconds since the epoch) into RFC 3339 text.
 *
 * Why hand-written: the generator must write a million events in well under
 * three seconds, so JSON is appended with memcpy and digit loops instead of
 * printf or a DOM. The buffer is the only allocation these helpers make and
 * its owner is whoever holds the gen_buf; a failed allocation aborts, since a
 * half-written dataset is worse than none.
 */
#ifndef CRMGOV_GEN_UTIL_H
#define CRMGOV_GEN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct gen_buf {
    char *data;
    size_t len;
    size_t cap;
} gen_buf;

void gen_buf_free(gen_buf *b);
void gen_buf_grow(gen_buf *b, size_t extra);

static inline void gen_buf_put(gen_buf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap)
        gen_buf_grow(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void gen_buf_putc(gen_buf *b, char c)
{
    if (b->len + 1 > b->cap)
        gen_buf_grow(b, 1);
    b->data[b->len++] = c;
}

/* Appends a string literal without strlen at run time. */
#define GEN_PUT_LIT(b, lit) gen_buf_put((b), (lit), sizeof(lit) - 1)

static inline void gen_buf_puts(gen_buf *b, const char *s)
{
    gen_buf_put(b, s, strlen(s));
}

void gen_buf_put_int(gen_buf *b, long long v);
/* A JSON string literal, escaped exactly as the canonical form requires. */
void gen_buf_put_json_string(gen_buf *b, const char *s);
/* NUL-terminates without counting the NUL in len (for hashing, printing). */
const char *gen_buf_cstr(gen_buf *b);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t gen_days_from_civil(int year, unsigned month, unsigned day);
void gen_civil_from_days(int64_t days, int *year, unsigned *month, unsigned *day);
/* Parses YYYY-MM-DD into days since the epoch; -1 on malformed input. */
int gen_parse_date(const char *text, int64_t *days_out);

/* Caches the date part of the last day formatted, so formatting a time is
 * eight digit stores in the common case. */
typedef struct gen_clock_text {
    int64_t day;
    char date[11];
} gen_clock_text;

void gen_clock_text_init(gen_clock_text *c);
/* Appends "YYYY-MM-DDTHH:MM:SSZ" for `at` seconds since the epoch. */
void gen_buf_put_time(gen_buf *b, gen_clock_text *c, int64_t at);

#endif
