/*
 * util.h -- small helpers every core file uses: checked allocation, a growable
 * string buffer, string utilities and a did-you-mean distance.
 *
 * Allocation failure aborts the process (as git and Redis do): the core has no
 * sensible way to continue without memory, and checking every strdup would
 * bury the real error paths. Input errors, by contrast, are always reported.
 */
#ifndef CRMGOV_UTIL_H
#define CRMGOV_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CONTAINER_OF(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Asks for the cache lines of [p, p + bytes) ahead of use. Events are built
 * on one thread and read on another: the first touch on the reading core is
 * a miss, which costs less when it is started a few events early. */
static inline void prefetch_span(const void *p, size_t bytes)
{
    if (!p)
        return;
    for (size_t off = 0; off < bytes; off += 64)
        __builtin_prefetch((const char *)p + off);
}

/* How much of an event box the next consumer reads first: the box and the
 * payload that follows it in the same chunk. */
#define EVENT_PREFETCH_BYTES 384
/* How many items ahead a consumer asks for them. */
#define PREFETCH_AHEAD 2

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows an array of `size`-byte items to hold at least `need` items. */
void *grow_array(void *items, size_t *cap, size_t need, size_t size);

struct strbuf {
    char *buf;
    size_t len;
    size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const char *data, size_t len);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
/* Returns the buffer (never NULL) and leaves sb empty; caller frees. */
char *sb_detach(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* NUL-terminated view of the contents ("" when empty). */
const char *sb_str(struct strbuf *sb);

int str_eq(const char *a, const char *b);      /* NULL-safe */
int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);
char *str_trim(char *s);                       /* in place */
/* Levenshtein distance, capped: returns cap+1 when larger. */
size_t str_distance(const char *a, const char *b, size_t cap);
/* Lowercase hex of n bytes into out[2n+1]. */
void hex_encode(const uint8_t *bytes, size_t n, char *out);
int hex_decode(const char *hex, uint8_t *out, size_t n);
/* 1 when the n bytes are valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);
/* Reads a whole file; NULL with errno set on failure. */
char *read_file(const char *path, size_t *len);
/* read_file, or all of standard input when path is "-". */
char *read_file_or_stdin(const char *path, size_t *len);
/* Directory part of a path ("." when none); caller frees. */
char *path_dirname(const char *path);
/* path itself when absolute or base is NULL, else base/path; caller frees. */
char *path_join(const char *base, const char *path);

#endif
