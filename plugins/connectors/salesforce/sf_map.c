/*
 * sf_map.c -- open addressing with linear probing, FNV-1a hashes, growth at
 * half load; see sf_map.h.
 */
#include "sf_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    char *key;
    void *value;
};

struct sf_map {
    struct slot *slots;
    size_t capacity;    /* a power of two */
    size_t count;
};

static uint64_t hash_of(const char *key)
{
    uint64_t hash = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
        hash ^= *p;
        hash *= 1099511628211ull;
    }
    return hash;
}

struct sf_map *sf_map_new(void)
{
    struct sf_map *map = calloc(1, sizeof *map);
    if (map == NULL)
        return NULL;
    map->capacity = 64;
    map->slots = calloc(map->capacity, sizeof *map->slots);
    if (map->slots == NULL) {
        free(map);
        return NULL;
    }
    return map;
}

void sf_map_free(struct sf_map *map)
{
    if (map == NULL)
        return;
    for (size_t i = 0; i < map->capacity; i++)
        free(map->slots[i].key);
    free(map->slots);
    free(map);
}

static struct slot *find_slot(const struct slot *slots, size_t capacity, const char *key)
{
    size_t mask = capacity - 1;
    for (size_t i = (size_t)hash_of(key) & mask;; i = (i + 1) & mask)
        if (slots[i].key == NULL || strcmp(slots[i].key, key) == 0)
            return (struct slot *)&slots[i];
}

void *sf_map_get(const struct sf_map *map, const char *key)
{
    if (map == NULL || key == NULL)
        return NULL;
    const struct slot *slot = find_slot(map->slots, map->capacity, key);
    return slot->key != NULL ? slot->value : NULL;
}

static int grow(struct sf_map *map)
{
    size_t capacity = map->capacity * 2;
    struct slot *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < map->capacity; i++)
        if (map->slots[i].key != NULL)
            *find_slot(slots, capacity, map->slots[i].key) = map->slots[i];
    free(map->slots);
    map->slots = slots;
    map->capacity = capacity;
    return 0;
}

int sf_map_put(struct sf_map *map, const char *key, void *value)
{
    if (map == NULL || key == NULL)
        return -1;
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0)
        return -1;
    struct slot *slot = find_slot(map->slots, map->capacity, key);
    if (slot->key == NULL) {
        slot->key = strdup(key);
        if (slot->key == NULL)
            return -1;
        map->count++;
    }
    slot->value = value;
    return 0;
}

size_t sf_map_count(const struct sf_map *map)
{
    return map != NULL ? map->count : 0;
}

void sf_map_each(const struct sf_map *map, void (*fn)(void *ctx, const char *key, void *value),
                 void *ctx)
{
    for (size_t i = 0; map != NULL && i < map->capacity; i++)
        if (map->slots[i].key != NULL)
            fn(ctx, map->slots[i].key, map->slots[i].value);
}
