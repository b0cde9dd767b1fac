/*
 * test_sf_dir.c -- the salesforce plugin (the built .so) through the SDK
 * harness, i.e. the real core: pointed at the SFDX project fixture with
 * `source = dir`, it publishes exactly the events of
 * tests/data/salesforce/expected/harness-dir.jsonl (automations, SF findings,
 * one dead letter for the broken file), the core stores the findings with
 * layer "salesforce", and a configuration that cannot work is refused with a
 * message that says why.
 *
 * Pass-by-pass behaviour (rescans, restarts, deletions) is test_sf_sync.c.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crmgov-harness.h"
#include "../support/testfiles.h"

struct fixture {
    char root[64];
    char plugin[512];
    char source_dir[512];
};

/* text with every `from` replaced by `to` (malloc'd). */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t count = 0, from_len = strlen(from), to_len = strlen(to);
    for (const char *p = text; (p = strstr(p, from)) != NULL; p += from_len)
        count++;
    char *out = malloc(strlen(text) + count * to_len + 1), *end = out;
    for (const char *p = text; *p != '\0';) {
        if (strncmp(p, from, from_len) == 0) {
            memcpy(end, to, to_len);
            end += to_len;
            p += from_len;
        } else {
            *end++ = *p++;
        }
    }
    *end = '\0';
    return out;
}

static void expect_file(const struct fixture *f, const char *name, const char *got_raw)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/expected/%s", f->source_dir, name);
    char *got = replace_all(got_raw, f->root, "@ROOT@");
    if (getenv("SF_WRITE_EXPECTED") != NULL)
        tf_write(path, got);
    char *expected = tf_read(path, NULL);
    assert_non_null(expected);
    assert_string_equal(got, expected);
    free(expected);
    free(got);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *build = getenv("CRMGOV_BUILD_DIR");
    const char *source = getenv("CRMGOV_SOURCE_DIR");
    snprintf(f->plugin, sizeof f->plugin, "%s/plugins/salesforce.so",
             build != NULL ? build : "build");
    snprintf(f->source_dir, sizeof f->source_dir, "%s", source != NULL ? source : ".");
    snprintf(f->root, sizeof f->root, "/tmp/crmgov-sfdir-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char fixture[1024];
    snprintf(fixture, sizeof fixture, "%s/tests/data/salesforce/sfdx", f->source_dir);
    tf_copy_tree(fixture, f->root, 1772355600); /* 2026-03-01T09:00:00Z */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tf_remove_tree(f->root);
    free(f);
    return 0;
}

static void test_sfdx_project_through_the_core(void **state)
{
    struct fixture *f = *state;
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    char options[256];
    snprintf(options, sizeof options, "source = dir\nsystem = sf-test\npath = %s\n", f->root);
    assert_int_equal(crmgov_harness_add_file(h, f->plugin, "sf", options), 0);
    assert_int_equal(crmgov_harness_start(h), 0);
    assert_int_equal(crmgov_harness_wait_connectors(h, 20000), 0);
    char *published = crmgov_harness_published(h);
    expect_file(f, "harness-dir.jsonl", published);
    free(published);
    char *findings = crmgov_harness_findings(h, "open");
    expect_file(f, "harness-dir-findings.json", findings);
    free(findings);
    crmgov_harness_free(h);
}

static void expect_refused(const struct fixture *f, const char *options, const char *why)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    if (crmgov_harness_add_file(h, f->plugin, "sf", options) != 0)
        fail_msg("loading %s: %s", f->plugin, crmgov_harness_error(h));
    assert_int_equal(crmgov_harness_start(h), -1);
    if (strstr(crmgov_harness_error(h), why) == NULL)
        fail_msg("expected '%s' in: %s", why, crmgov_harness_error(h));
    crmgov_harness_free(h);
}

static void test_bad_configurations_are_refused(void **state)
{
    struct fixture *f = *state;
    expect_refused(f, "source = api\nsystem = s\n", "source = api needs instance_url");
    expect_refused(f, "source = api\nsystem = s\ninstance_url = http://example.com\n"
                      "access_token = x\n",
                   "instance_url must start with https://");
    expect_refused(f, "source = api\nsystem = s\ninstance_url = https://x.my.salesforce.com\n",
                   "exactly one of access_token, token_file or client_id");
    expect_refused(f, "source = api\nsystem = s\ninstance_url = https://x.my.salesforce.com\n"
                      "access_token = a\ntoken_file = t\n",
                   "exactly one of access_token, token_file or client_id");
    expect_refused(f, "source = api\nsystem = s\ninstance_url = https://x.my.salesforce.com\n"
                      "client_id = c\n",
                   "client_id and client_secret go together");
    expect_refused(f, "source = api\nsystem = s\ninstance_url = https://x.my.salesforce.com\n"
                      "access_token = a\napi_version = sixty\n",
                   "api_version must look like 60.0");
    expect_refused(f, "source = dir\nsystem = \n", "system must not be empty");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sfdx_project_through_the_core, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_configurations_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
