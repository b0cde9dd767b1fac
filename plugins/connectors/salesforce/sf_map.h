/*
 * sf_map.h -- a string-keyed hash map of pointers.
 *
 * The connector follows thousands of flows, files and users by name and
 * looks each one up on every pass; a sorted array would cost quadratic
 * inserts on the first pass of a large org. Keys are copied and owned by the
 * map; values are the caller's (sf_map_free does not touch them -- free them
 * first with sf_map_each). No removal: the connector keeps tombstones, which
 * it needs anyway to know what it reported deleted.
 */
#ifndef SF_MAP_H
#define SF_MAP_H

#include <stddef.h>

struct sf_map;

struct sf_map *sf_map_new(void);
void sf_map_free(struct sf_map *map);

void *sf_map_get(const struct sf_map *map, const char *key);
/* Sets or replaces; 0, or -1 without memory. */
int sf_map_put(struct sf_map *map, const char *key, void *value);
size_t sf_map_count(const struct sf_map *map);

/* Calls fn for every entry, in no particular order. */
void sf_map_each(const struct sf_map *map, void (*fn)(void *ctx, const char *key, void *value),
                 void *ctx);

#endif
