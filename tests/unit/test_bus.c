/*
 * test_bus.c -- the bounded queue: each producer's items come out in the
 * order it pushed them, a slow consumer makes producers wait instead of the
 * queue growing (nothing lost, never more than its capacity held), and a
 * closed queue still hands out what it holds, then refuses new items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus.h"
#include "util.h"

#define PRODUCERS 4
#define PER_PRODUCER 20000

struct producer {
    struct bus *bus;
    uintptr_t id;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        struct bus_item item = { .kind = BUS_DEADLETTER, .line = i,
                                 .from = (struct instance *)p->id };
        if (bus_push(p->bus, &item))
            return (void *)1;
    }
    return NULL;
}

static void test_order_per_producer_and_backpressure(void **state)
{
    (void)state;
    struct bus bus;
    bus_init(&bus, 64);
    pthread_t threads[PRODUCERS];
    struct producer producers[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        producers[i] = (struct producer){ &bus, (uintptr_t)(i + 1) };
        pthread_create(&threads[i], NULL, produce, &producers[i]);
    }
    uint64_t next[PRODUCERS + 1] = { 0 };
    size_t total = 0, most_held = 0;
    struct bus_item items[16];
    while (total < PRODUCERS * PER_PRODUCER) {
        pthread_mutex_lock(&bus.lock);
        if (bus.count > most_held)
            most_held = bus.count;
        pthread_mutex_unlock(&bus.lock);
        if (total % 1000 == 0)
            usleep(200); /* a slow consumer, now and then */
        size_t n = bus_pop(&bus, items, 16, 1000);
        for (size_t k = 0; k < n; k++) {
            uintptr_t id = (uintptr_t)items[k].from;
            assert_true(id >= 1 && id <= PRODUCERS);
            assert_int_equal(items[k].line, next[id]); /* in order, nothing skipped */
            next[id]++;
        }
        total += n;
    }
    for (int i = 0; i < PRODUCERS; i++) {
        void *rc;
        pthread_join(threads[i], &rc);
        assert_null(rc);
        assert_int_equal(next[i + 1], PER_PRODUCER);
    }
    assert_true(most_held <= 64);
    assert_true(bus.blocked > 0); /* producers did wait for the consumer */
    assert_int_equal(bus.pushed, PRODUCERS * PER_PRODUCER);
    bus_destroy(&bus);
}

static void test_close_drains_then_refuses(void **state)
{
    (void)state;
    struct bus bus;
    bus_init(&bus, 8);
    for (uint64_t i = 0; i < 5; i++) {
        struct bus_item item = { .kind = BUS_DEADLETTER, .line = i };
        assert_int_equal(bus_push(&bus, &item), 0);
    }
    bus_close(&bus);
    struct bus_item refused = { .kind = BUS_DEADLETTER, .line = 99,
                                .reason = xstrdup("owned by the caller when refused") };
    assert_int_equal(bus_push(&bus, &refused), -1);
    bus_item_free(&refused);
    struct bus_item out[8];
    assert_int_equal(bus_pop(&bus, out, 8, 10), 5);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(out[i].line, i);
    assert_int_equal(bus_pop(&bus, out, 8, 10), 0);
    assert_true(bus_closed_and_empty(&bus));
    bus_destroy(&bus);
}

static void *push_one_blocked(void *arg)
{
    struct bus *bus = arg;
    struct bus_item item = { .kind = BUS_DEADLETTER, .line = 7 };
    return (void *)(intptr_t)bus_push(bus, &item);
}

static void test_close_wakes_blocked_producer(void **state)
{
    (void)state;
    struct bus bus;
    bus_init(&bus, 1);
    struct bus_item first = { .kind = BUS_DEADLETTER };
    assert_int_equal(bus_push(&bus, &first), 0);
    pthread_t t;
    pthread_create(&t, NULL, push_one_blocked, &bus);
    usleep(20000);
    bus_close(&bus);
    void *rc;
    pthread_join(t, &rc);
    assert_int_equal((intptr_t)rc, -1);
    bus_destroy(&bus);
}

/* Two checkpoints with different keys after the same event both survive;
 * the same key again replaces the value. */
static void test_checkpoints_of_different_keys_are_kept(void **state)
{
    (void)state;
    struct bus bus;
    bus_init(&bus, 8);
    struct instance *from = (struct instance *)(uintptr_t)1;
    struct bus_item event = { .kind = BUS_DEADLETTER, .from = from };
    assert_int_equal(bus_push(&bus, &event), 0);
    assert_int_equal(bus_push_checkpoint(&bus, from, "a", "1", 1), 0);
    assert_int_equal(bus_push_checkpoint(&bus, from, "b", "2", 1), 0);
    assert_int_equal(bus_push_checkpoint(&bus, from, "b", "3", 1), 0);
    struct bus_item items[4];
    size_t n = bus_pop(&bus, items, 4, 0);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].has_checkpoint, 1);
    assert_memory_equal(items[0].cp.key, "a", 1);
    assert_memory_equal(items[0].cp.value, "1", 1);
    assert_int_equal(items[1].kind, BUS_CHECKPOINT);
    assert_memory_equal(items[1].cp.key, "b", 1);
    assert_memory_equal(items[1].cp.value, "3", 1);
    for (size_t i = 0; i < n; i++)
        bus_item_free(&items[i]);
    /* a large checkpoint travels as an item of its own; a small one after it
     * must not ride on that item */
    struct bus_item large = { .kind = BUS_CHECKPOINT, .from = from, .key = xstrdup("big"),
                              .value = xstrdup("v"), .value_len = 1 };
    assert_int_equal(bus_push(&bus, &large), 0);
    assert_int_equal(bus_push_checkpoint(&bus, from, "c", "4", 1), 0);
    n = bus_pop(&bus, items, 4, 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].key, "big");
    assert_int_equal(items[0].has_checkpoint, 0);
    assert_memory_equal(items[1].cp.key, "c", 1);
    for (size_t i = 0; i < n; i++)
        bus_item_free(&items[i]);
    bus_destroy(&bus);
}

/* Items move with only the used bytes of their checkpoint: a full-size key
 * and value arrive whole, and a slot reused after a pop carries nothing of
 * the item that was there before. */
static void test_moved_checkpoints_are_exact(void **state)
{
    (void)state;
    struct bus bus;
    bus_init(&bus, 2);
    struct instance *from = (struct instance *)(uintptr_t)1;
    char key[BUS_CP_KEY_MAX], value[BUS_CP_VALUE_MAX];
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof(value); i++)
        value[i] = (char)i;
    struct bus_item full = { .kind = BUS_DEADLETTER, .from = from, .has_checkpoint = 1 };
    full.cp.key_len = BUS_CP_KEY_MAX;
    full.cp.value_len = BUS_CP_VALUE_MAX;
    memcpy(full.cp.key, key, sizeof(key));
    memcpy(full.cp.value, value, sizeof(value));
    assert_int_equal(bus_push(&bus, &full), 0);
    assert_int_equal(full.has_checkpoint, 0); /* moved out */
    struct bus_item items[2];
    assert_int_equal(bus_pop(&bus, items, 2, 0), 1);
    assert_int_equal(items[0].cp.key_len, BUS_CP_KEY_MAX);
    assert_int_equal(items[0].cp.value_len, BUS_CP_VALUE_MAX);
    assert_memory_equal(items[0].cp.key, key, sizeof(key));
    assert_memory_equal(items[0].cp.value, value, sizeof(value));
    bus_item_free(&items[0]);
    for (int round = 0; round < 2; round++) { /* through both slots */
        struct bus_item plain = { .kind = BUS_DEADLETTER, .from = from, .line = 5 };
        assert_int_equal(bus_push(&bus, &plain), 0);
        assert_int_equal(bus_pop(&bus, items, 2, 0), 1);
        assert_int_equal(items[0].line, 5);
        assert_int_equal(items[0].has_checkpoint, 0);
        assert_int_equal(items[0].cp.key_len, 0);
        assert_int_equal(items[0].cp.value_len, 0);
        bus_item_free(&items[0]);
    }
    bus_destroy(&bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_per_producer_and_backpressure),
        cmocka_unit_test(test_close_drains_then_refuses),
        cmocka_unit_test(test_close_wakes_blocked_producer),
        cmocka_unit_test(test_checkpoints_of_different_keys_are_kept),
        cmocka_unit_test(test_moved_checkpoints_are_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
