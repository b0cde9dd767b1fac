/*
 * sf_arena.c -- the bump allocator behind sf_arena.h.
 *
 * Blocks are chained newest first; a request larger than the usual block
 * size gets a block of its own so big arrays do not waste a whole block.
 */
#include "sf_arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SF_ARENA_BLOCK = 16 * 1024 };

struct sf_arena_block {
    struct sf_arena_block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct sf_arena {
    struct sf_arena_block *head;
    size_t total_used;
    int failed;
};

struct sf_arena *sf_arena_new(void)
{
    return calloc(1, sizeof(struct sf_arena));
}

void sf_arena_free(struct sf_arena *arena)
{
    if (arena == NULL)
        return;
    struct sf_arena_block *block = arena->head;
    while (block != NULL) {
        struct sf_arena_block *next = block->next;
        free(block);
        block = next;
    }
    free(arena);
}

static struct sf_arena_block *arena_grow(struct sf_arena *arena, size_t need)
{
    size_t size = need > SF_ARENA_BLOCK ? need : SF_ARENA_BLOCK;
    if (size > SIZE_MAX - sizeof(struct sf_arena_block))
        return NULL;
    struct sf_arena_block *block = malloc(sizeof(*block) + size);
    if (block == NULL)
        return NULL;
    block->size = size;
    block->used = 0;
    if (need > SF_ARENA_BLOCK && arena->head != NULL) {
        /* Keep the partly used current block in front for small requests. */
        block->next = arena->head->next;
        arena->head->next = block;
    } else {
        block->next = arena->head;
        arena->head = block;
    }
    return block;
}

void *sf_arena_alloc(struct sf_arena *arena, size_t size)
{
    if (arena == NULL || arena->failed)
        return NULL;
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - align) {
        arena->failed = 1;
        return NULL;
    }
    size = (size + align - 1) & ~(align - 1);
    struct sf_arena_block *block = arena->head;
    if (block == NULL || block->size - block->used < size) {
        block = arena_grow(arena, size);
        if (block == NULL) {
            arena->failed = 1;
            return NULL;
        }
    }
    void *memory = block->data + block->used;
    block->used += size;
    arena->total_used += size;
    memset(memory, 0, size);
    return memory;
}

void *sf_arena_array(struct sf_arena *arena, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        if (arena != NULL)
            arena->failed = 1;
        return NULL;
    }
    return sf_arena_alloc(arena, count * size);
}

char *sf_arena_strndup(struct sf_arena *arena, const char *text, size_t length)
{
    if (text == NULL)
        return NULL;
    char *copy = sf_arena_alloc(arena, length + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

char *sf_arena_strdup(struct sf_arena *arena, const char *text)
{
    return text == NULL ? NULL : sf_arena_strndup(arena, text, strlen(text));
}

void *sf_arena_memdup(struct sf_arena *arena, const void *data, size_t size)
{
    if (data == NULL || size == 0)
        return NULL;
    void *copy = sf_arena_alloc(arena, size);
    if (copy != NULL)
        memcpy(copy, data, size);
    return copy;
}

char *sf_arena_printf(struct sf_arena *arena, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (length < 0)
        return NULL;
    char *text = sf_arena_alloc(arena, (size_t)length + 1);
    if (text == NULL)
        return NULL;
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

int sf_arena_failed(const struct sf_arena *arena)
{
    return arena == NULL || arena->failed;
}

size_t sf_arena_used(const struct sf_arena *arena)
{
    return arena == NULL ? 0 : arena->total_used;
}
