/*
 * test_counter.c -- the template's test, with the SDK harness: the real
 * crmgov core runs in this process, the plugin is loaded from counter.so,
 * events go in as JSON Lines, and the plugin's command reports the counts.
 * Then the conformance suite every plugin must pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>
#include <crmgov/harness.h>

static void test_counts_what_it_subscribed_to(void **state)
{
    (void)state;
    struct crmgov_harness *h = crmgov_harness_new();
    assert_int_equal(crmgov_harness_add_file(h, "./counter.so", "count", "topics = record\n"), 0);
    assert_int_equal(crmgov_harness_start(h), 0);
    int dead = crmgov_harness_feed_jsonl(
        h, "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-01T09:00:00Z\","
           "\"object\":\"lead\",\"id\":\"L-1\",\"op\":\"create\"}\n"
           "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-01T09:01:00Z\","
           "\"object\":\"lead\",\"id\":\"L-1\",\"op\":\"update\"}\n"
           "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T09:02:00Z\","
           "\"id\":\"u-1\",\"active\":true}\n"
           "not json\n");
    assert_int_equal(dead, 1);
    int status;
    char *out = crmgov_harness_command(h, "counter --format csv", &status);
    assert_int_equal(status, 0);
    assert_string_equal(out, "topic,count\r\nautomation,0\r\nexecution,0\r\nrecord,2\r\n"
                             "principal,0\r\nownership,0\r\nchange,0\r\nfinding,0\r\ntick,0\r\n");
    free(out);
    crmgov_harness_free(h);
}

static void test_bad_option_is_refused(void **state)
{
    (void)state;
    struct crmgov_harness *h = crmgov_harness_new();
    assert_int_equal(crmgov_harness_add_file(h, "./counter.so", "count", "topics = gossip\n"), 0);
    assert_int_equal(crmgov_harness_start(h), -1);
    assert_string_equal(crmgov_harness_error(h),
                        "harness.ini:9: option 'topics' of plugin counter: 'gossip' is not one "
                        "of automation, execution, record, principal, ownership, change, "
                        "finding, tick");
    crmgov_harness_free(h);
}

static void test_conformance(void **state)
{
    (void)state;
    assert_int_equal(crmgov_harness_conformance_file("./counter.so"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_what_it_subscribed_to),
        cmocka_unit_test(test_bad_option_is_refused),
        cmocka_unit_test(test_conformance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
