/*
 * test_lane.c -- the layer lane: items run on the lane's own thread in
 * exactly the order they were pushed, across many chunks and a small ring
 * (so the pusher waits for room); lane_wait_idle returns only once every
 * item pushed has run; lane_stop runs what is left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lane.h"
#include "util.h"

struct runner {
    struct lane *lane;
    int64_t next;           /* the item expected next */
    int64_t out_of_order;
    int64_t wrong_thread;
};

static void run(void *ctx, struct lane_item *item)
{
    struct runner *r = ctx;
    if (item->at != r->next)
        r->out_of_order++;
    if (!lane_is_current(r->lane))
        r->wrong_thread++;
    r->next = item->at + 1;
}

static void test_order_idle_and_stop(void **state)
{
    (void)state;
    struct lane lane;
    struct runner r = { .lane = &lane };
    assert_int_equal(lane_start(&lane, 100, run, &r), 0); /* rounded up to 256 */
    assert_false(lane_is_current(&lane));
    int64_t pushed = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 1000 + round * 37; i++) {
            struct lane_item it = { .at = pushed++ };
            lane_push(&lane, &it);
        }
        lane_wait_idle(&lane);
        assert_int_equal(r.next, pushed); /* everything pushed has run */
    }
    for (int i = 0; i < 300; i++) {
        struct lane_item it = { .at = pushed++ };
        lane_push(&lane, &it);
    }
    lane_stop(&lane);
    assert_int_equal(r.next, pushed);
    assert_int_equal(r.out_of_order, 0);
    assert_int_equal(r.wrong_thread, 0);
}

static void test_idle_with_nothing_pushed(void **state)
{
    (void)state;
    struct lane lane;
    struct runner r = { .lane = &lane };
    assert_int_equal(lane_start(&lane, 0, run, &r), 0);
    lane_wait_idle(&lane);
    lane_stop(&lane);
    assert_int_equal(r.next, 0);
    lane_wait_idle(&lane); /* a stopped lane is idle */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_idle_and_stop),
        cmocka_unit_test(test_idle_with_nothing_pushed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
