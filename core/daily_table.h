/*
 * daily_table.h -- the daily aggregates a batch is building, found by day
 * and then by automation key.
 *
 * Every execution looks its (automation, day) aggregate up. Automation keys
 * are small dense integers (rowids of automation_keys), and only a few days
 * are live at once -- today, yesterday, the odd late event -- so a short
 * sorted list of days, each with an array indexed by key, answers with one
 * memory access where a hashed lookup took several (slot, key copy, value).
 * It also hands the aggregates out in (day, key) order, the order the daily
 * table's primary key wants them written in.
 *
 * Memory: one pointer per automation key per live day (80 KB per day with
 * 10,000 automations).
 */
#ifndef CRMGOV_DAILY_TABLE_H
#define CRMGOV_DAILY_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct daily_day {
    int64_t day;
    void **by_key;              /* [automation key], NULL = none */
    size_t cap;
};

struct daily_table {
    struct daily_day *days;     /* ascending by day */
    size_t n_days, cap_days;
    size_t count;               /* values held */
};

void *daily_table_get(const struct daily_table *t, int64_t day, int64_t key);
/* key must be >= 0; replaces nothing (the caller checked with get). */
void daily_table_put(struct daily_table *t, int64_t day, int64_t key, void *value);
/* Writes every value, by day and then key, into out (room for count);
 * returns how many. */
size_t daily_table_list(const struct daily_table *t, void **out);
/* Drops the days before `day`, calling free_value on their values. */
void daily_table_drop_before(struct daily_table *t, int64_t day, void (*free_value)(void *));
void daily_table_clear(struct daily_table *t, void (*free_value)(void *));

#endif
