/*
 * test_daily_table.c -- the live days' aggregates: lookups find exactly what
 * was put, listing gives (day, key) order whatever the order of puts (a late
 * day inserted between two others), keys beyond the first array grow it,
 * and dropping old days frees exactly their values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "daily_table.h"
#include "util.h"

#define DAY 86400000LL

static int freed;

static void count_free(void *p)
{
    freed++;
    free(p);
}

static int64_t *value(int64_t day, int64_t key)
{
    int64_t *v = xmalloc(2 * sizeof(*v));
    v[0] = day;
    v[1] = key;
    return v;
}

static void test_get_put_and_order(void **state)
{
    (void)state;
    struct daily_table t = { 0 };
    assert_null(daily_table_get(&t, 3 * DAY, 1));
    daily_table_put(&t, 3 * DAY, 7, value(3 * DAY, 7));
    daily_table_put(&t, 3 * DAY, 2, value(3 * DAY, 2));
    daily_table_put(&t, 5 * DAY, 1, value(5 * DAY, 1));
    daily_table_put(&t, 4 * DAY, 5000, value(4 * DAY, 5000)); /* late day, grows past 1024 */
    assert_int_equal(t.count, 4);
    assert_int_equal(t.n_days, 3);
    int64_t *hit = daily_table_get(&t, 4 * DAY, 5000);
    assert_non_null(hit);
    assert_int_equal(hit[0], 4 * DAY);
    assert_int_equal(hit[1], 5000);
    assert_null(daily_table_get(&t, 4 * DAY, 7));
    assert_null(daily_table_get(&t, 3 * DAY, 999999));
    assert_null(daily_table_get(&t, 6 * DAY, 1));

    void *all[4];
    assert_int_equal(daily_table_list(&t, all), 4);
    const int64_t want[4][2] = { { 3 * DAY, 2 }, { 3 * DAY, 7 }, { 4 * DAY, 5000 }, { 5 * DAY, 1 } };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(((int64_t *)all[i])[0], want[i][0]);
        assert_int_equal(((int64_t *)all[i])[1], want[i][1]);
    }
    freed = 0;
    daily_table_clear(&t, count_free);
    assert_int_equal(freed, 4);
    assert_int_equal(t.count, 0);
}

static void test_drop_before(void **state)
{
    (void)state;
    struct daily_table t = { 0 };
    for (int64_t d = 1; d <= 4; d++)
        for (int64_t k = 1; k <= 3; k++)
            daily_table_put(&t, d * DAY, k, value(d * DAY, k));
    freed = 0;
    daily_table_drop_before(&t, 3 * DAY, count_free);
    assert_int_equal(freed, 6);
    assert_int_equal(t.count, 6);
    assert_int_equal(t.n_days, 2);
    assert_null(daily_table_get(&t, 2 * DAY, 1));
    assert_non_null(daily_table_get(&t, 3 * DAY, 1));
    daily_table_drop_before(&t, 1 * DAY, count_free); /* nothing that old */
    assert_int_equal(t.count, 6);
    daily_table_put(&t, 2 * DAY, 9, value(2 * DAY, 9)); /* a late event comes back */
    void *all[7];
    assert_int_equal(daily_table_list(&t, all), 7);
    assert_int_equal(((int64_t *)all[0])[0], 2 * DAY);
    daily_table_clear(&t, count_free);
    assert_int_equal(freed, 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_put_and_order),
        cmocka_unit_test(test_drop_before),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
