/*
 * sf_arena.h -- one bump allocator per parsed flow.
 *
 * A parsed flow is a tree of many small strings and arrays that all live
 * exactly as long as the flow. Giving each of them its own owner would mean
 * hundreds of frees and as many chances to leak; instead everything a parse,
 * a mapping or a check produces for one flow goes into one arena, and one
 * sf_arena_free() releases it. Allocation failure is sticky: once a block
 * cannot be had, every later call returns NULL and sf_arena_failed() says so,
 * so callers can check once at the end instead of after every string.
 */
#ifndef SF_ARENA_H
#define SF_ARENA_H

#include <stddef.h>

struct sf_arena;

struct sf_arena *sf_arena_new(void);
void sf_arena_free(struct sf_arena *arena);

/* Zeroed memory aligned for any scalar type; NULL on failure. */
void *sf_arena_alloc(struct sf_arena *arena, size_t size);
void *sf_arena_array(struct sf_arena *arena, size_t count, size_t size);
char *sf_arena_strdup(struct sf_arena *arena, const char *text);
char *sf_arena_strndup(struct sf_arena *arena, const char *text, size_t length);
void *sf_arena_memdup(struct sf_arena *arena, const void *data, size_t size);

/* printf into the arena. */
char *sf_arena_printf(struct sf_arena *arena, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

int sf_arena_failed(const struct sf_arena *arena);

/* Bytes handed out so far (for the caps and the benchmark). */
size_t sf_arena_used(const struct sf_arena *arena);

#endif
