/*
 * daily_table.c -- days in a sorted array, keys in an array per day; see
 * daily_table.h.
 */
#include "daily_table.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct daily_day *find_day(const struct daily_table *t, int64_t day)
{
    for (size_t i = t->n_days; i-- > 0;) /* the newest day is the usual one */
        if (t->days[i].day == day)
            return &t->days[i];
    return NULL;
}

void *daily_table_get(const struct daily_table *t, int64_t day, int64_t key)
{
    const struct daily_day *d = find_day(t, day);
    return d && key >= 0 && (size_t)key < d->cap ? d->by_key[key] : NULL;
}

static struct daily_day *add_day(struct daily_table *t, int64_t day)
{
    t->days = grow_array(t->days, &t->cap_days, t->n_days + 1, sizeof(*t->days));
    size_t at = t->n_days;
    while (at > 0 && t->days[at - 1].day > day)
        at--;
    memmove(&t->days[at + 1], &t->days[at], (t->n_days - at) * sizeof(*t->days));
    t->days[at] = (struct daily_day){ .day = day };
    t->n_days++;
    return &t->days[at];
}

void daily_table_put(struct daily_table *t, int64_t day, int64_t key, void *value)
{
    struct daily_day *d = find_day(t, day);
    if (!d)
        d = add_day(t, day);
    if ((size_t)key >= d->cap) {
        size_t cap = d->cap ? d->cap : 1024;
        while (cap <= (size_t)key)
            cap *= 2;
        d->by_key = xrealloc(d->by_key, cap * sizeof(*d->by_key));
        memset(d->by_key + d->cap, 0, (cap - d->cap) * sizeof(*d->by_key));
        d->cap = cap;
    }
    if (!d->by_key[key])
        t->count++;
    d->by_key[key] = value;
}

size_t daily_table_list(const struct daily_table *t, void **out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_days; i++)
        for (size_t k = 0; k < t->days[i].cap; k++)
            if (t->days[i].by_key[k])
                out[n++] = t->days[i].by_key[k];
    return n;
}

static void free_day(struct daily_table *t, struct daily_day *d, void (*free_value)(void *))
{
    for (size_t k = 0; k < d->cap; k++) {
        if (!d->by_key[k])
            continue;
        if (free_value)
            free_value(d->by_key[k]);
        t->count--;
    }
    free(d->by_key);
}

void daily_table_drop_before(struct daily_table *t, int64_t day, void (*free_value)(void *))
{
    size_t drop = 0;
    while (drop < t->n_days && t->days[drop].day < day)
        free_day(t, &t->days[drop++], free_value);
    if (!drop)
        return;
    memmove(t->days, t->days + drop, (t->n_days - drop) * sizeof(*t->days));
    t->n_days -= drop;
}

void daily_table_clear(struct daily_table *t, void (*free_value)(void *))
{
    for (size_t i = 0; i < t->n_days; i++)
        free_day(t, &t->days[i], free_value);
    free(t->days);
    memset(t, 0, sizeof(*t));
}
