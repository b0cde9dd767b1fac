/*
 * chg_util.h -- the small containers the change layer is built on: a string
 * table that turns every name (system, object, field, automation id, user)
 * into a 32-bit id, a hash map keyed by four such ids, a pointer vector, and
 * a growable text buffer.
 *
 * Why ids: the cross-automation analysis looks things up by (system, object,
 * field) millions of times when it loads a large inventory; comparing and
 * hashing three integers is what keeps a full analysis of 100k automations
 * well under two seconds, and a definition compiled to ids is a few small
 * arrays instead of a tree of strings. Interned strings are never freed
 * before the table is: the set of names in a CRM is small and stable.
 *
 * Memory: allocation failure aborts (there is no sensible way to continue a
 * governance rule half-evaluated); every container has one owner that frees
 * it with its *_free function.
 */
#ifndef CRMGOV_CHG_UTIL_H
#define CRMGOV_CHG_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *chg_xmalloc(size_t n);
void *chg_xcalloc(size_t n, size_t size);
void *chg_xrealloc(void *p, size_t n);
char *chg_xstrdup(const char *s);
char *chg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- string table ------------------------------------------------------ */

struct chg_strtab {
    char **strs;            /* id -> string; id 0 is "" and means "none" */
    uint32_t n, cap;
    uint32_t *slots;        /* open addressing over ids, 0 = empty */
    uint32_t n_slots;       /* a power of two */
    struct chg_chunk *chunks;
};

void chg_strtab_init(struct chg_strtab *t);
void chg_strtab_free(struct chg_strtab *t);
/* The id of s, adding it when new; NULL gives 0. */
uint32_t chg_intern(struct chg_strtab *t, const char *s);
/* The id of s, or 0 when it was never interned. */
uint32_t chg_lookup(const struct chg_strtab *t, const char *s);
const char *chg_str(const struct chg_strtab *t, uint32_t id);

/* ---- map keyed by four ids ---------------------------------------------- */

struct chg_key {
    uint32_t tag, a, b, c;  /* tag 0 marks an empty slot: every real key has tag > 0 */
};

struct chg_map {
    struct chg_key *keys;
    void **vals;
    uint32_t cap, n;        /* cap is 0 or a power of two */
};

void chg_map_free(struct chg_map *m);   /* frees the table, not the values */
void *chg_map_get(const struct chg_map *m, struct chg_key k);
void chg_map_put(struct chg_map *m, struct chg_key k, void *val);
/* Removes the key; returns its value (NULL when absent). */
void *chg_map_del(struct chg_map *m, struct chg_key k);

/* ---- pointer vector ----------------------------------------------------- */

struct chg_ptrs {
    void **v;
    uint32_t n, cap;
};

void chg_ptrs_push(struct chg_ptrs *p, void *item);
/* Removes the first occurrence (order not kept); 1 when found. */
int chg_ptrs_remove(struct chg_ptrs *p, const void *item);
int chg_ptrs_contains(const struct chg_ptrs *p, const void *item);
void chg_ptrs_free(struct chg_ptrs *p);

/* ---- text buffer -------------------------------------------------------- */

struct chg_buf {
    char *s;
    size_t len, cap;
};

void chg_buf_add(struct chg_buf *b, const char *text);
void chg_buf_addf(struct chg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text so far ("" when empty); stays owned by the buffer. */
const char *chg_buf_str(const struct chg_buf *b);
/* Hands the text over to the caller (never NULL) and empties the buffer. */
char *chg_buf_detach(struct chg_buf *b);
void chg_buf_free(struct chg_buf *b);

#endif
