/*
 * keymap.h -- a string-to-string hash map: what a polling connector
 * remembers between polls (which revision of each definition it published,
 * which principals it reported and how).
 *
 * The map mirrors the connector's checkpoints: it is filled from the
 * instance's saved state at init and updated whenever a checkpoint is
 * written, so a restart resumes with exactly what was committed. Keys and
 * values are copied. Not thread-safe: the owner locks.
 */
#ifndef CRMGOV_RESTAPI_KEYMAP_H
#define CRMGOV_RESTAPI_KEYMAP_H

#include <stddef.h>

struct keymap_entry {
    char *key;
    char *value;
};

struct keymap {
    struct keymap_entry *slots;
    size_t cap;     /* a power of two, or 0 */
    size_t used;
};

void keymap_init(struct keymap *m);
void keymap_free(struct keymap *m);
/* NULL when absent. */
const char *keymap_get(const struct keymap *m, const char *key);
void keymap_put(struct keymap *m, const char *key, const char *value);
/* Calls fn for every entry whose key starts with prefix (any order). */
void keymap_each(const struct keymap *m, const char *prefix,
                 void (*fn)(void *ctx, const char *key, const char *value), void *ctx);

#endif
