/*
 * test_sf_sync.c -- `source = dir` pass by pass: what the connector publishes
 * on the first pass over an SFDX project, and afterwards only what changed --
 * nothing for an untouched or merely touched file, a new version for a new
 * definition or status, findings raised and cleared as the flow changes,
 * SF017 following the flows around it, `deleted` for a file that disappears
 * (and for a workflow rule removed from its file), one dead letter per broken
 * file, nothing at all after a restart, everything checked again when the
 * check options change, and no deletions when the folder cannot be read.
 *
 * It drives sf_dir and sf_sync against the fake host of
 * tests/support/sf_fakehost.h; the first pass through the real core is
 * test_sf_dir.c.
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

#include "../support/sf_fakehost.h"
#include "connectors/salesforce/sf_dir.h"
#include "connectors/salesforce/sf_sync.h"
#include "../support/testfiles.h"

#define FLOWS "force-app/main/default/flows/"

struct fixture {
    char root[64];
    char *source_dir;
    struct sf_fakehost *fake;
    struct sf_sync *sync;
    struct sf_dir *dir;
};

/* ------------------------------------------------------------------------ */
/* Files.                                                                    */

static time_t utc(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
           &tm.tm_min, &tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* Every file under path gets the same modification time. */
static void set_mtimes(const char *path, const char *when)
{
    struct stat info;
    if (stat(path, &info) != 0)
        return;
    if (S_ISDIR(info.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            char child[1024];
            snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
            set_mtimes(child, when);
        }
        closedir(dir);
        return;
    }
    struct timespec times[2] = {{utc(when), 0}, {utc(when), 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static char *in_root(struct fixture *f, const char *relative)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", f->root, relative);
    return path;
}

/* Replaces `from` by `to` in a file of the copy, then dates it. */
static void edit(struct fixture *f, const char *relative, const char *from, const char *to,
                 const char *when)
{
    char *path = in_root(f, relative);
    char *text = tf_read(path, NULL);
    assert_non_null(text);
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t size = strlen(text) - strlen(from) + strlen(to) + 1;
    char *edited = malloc(size);
    snprintf(edited, size, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    tf_write(path, edited);
    set_mtimes(path, when);
    free(edited);
    free(text);
}

/* ------------------------------------------------------------------------ */
/* Running passes.                                                           */

static void open_connector(struct fixture *f, int min_api_version)
{
    struct sf_sync_settings settings = {.system = "sf-test", .checks = 1};
    sf_check_options_default(&settings.check);
    settings.check.min_api_version = min_api_version;
    char fingerprint[64];
    snprintf(fingerprint, sizeof fingerprint, "min_api_version=%d", min_api_version);
    settings.fingerprint = fingerprint;
    f->sync = sf_sync_new(sf_fakehost_host(f->fake), &settings);
    assert_non_null(f->sync);
    assert_int_equal(sf_sync_load(f->sync), 0);
    f->dir = sf_dir_new(sf_fakehost_host(f->fake), f->sync, f->root, 1);
    assert_non_null(f->dir);
    assert_int_equal(sf_dir_load(f->dir), 0);
}

static void close_connector(struct fixture *f)
{
    sf_dir_free(f->dir);
    sf_sync_free(f->sync);
    f->dir = NULL;
    f->sync = NULL;
}

static char *pass(struct fixture *f)
{
    sf_dir_pass(f->dir);
    return sf_fakehost_take(f->fake);
}

static void expect_pass(struct fixture *f, const char *expected)
{
    char *got = pass(f);
    assert_string_equal(got, expected);
    free(got);
}

static void expect_pass_file(struct fixture *f, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/expected/%s", f->source_dir, name);
    char *expected = tf_read(path, NULL);
    assert_non_null(expected);
    char *got = pass(f);
    if (getenv("SF_WRITE_EXPECTED") != NULL)
        tf_write(path, got);
    assert_string_equal(got, expected);
    free(got);
    free(expected);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *source = getenv("CRMGOV_SOURCE_DIR");
    f->source_dir = strdup(source != NULL ? source : ".");
    snprintf(f->root, sizeof f->root, "/tmp/crmgov-sfsync-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char fixture[1024];
    snprintf(fixture, sizeof fixture, "%s/tests/data/salesforce/sfdx", f->source_dir);
    tf_copy_tree(fixture, f->root, -1);
    set_mtimes(f->root, "2026-03-01T09:00:00Z");
    f->fake = sf_fakehost_new(f->root);
    open_connector(f, 58);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close_connector(f);
    sf_fakehost_free(f->fake);
    tf_remove_tree(f->root);
    free(f->source_dir);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Tests.                                                                    */

static void test_first_pass_then_nothing(void **state)
{
    struct fixture *f = *state;
    expect_pass_file(f, "sync-first-pass.jsonl");
    expect_pass(f, "");
    /* a touched file with the same text publishes nothing */
    set_mtimes(in_root(f, FLOWS "Case_Escalation_Loop.flow-meta.xml"), "2026-03-02T09:00:00Z");
    expect_pass(f, "");
    assert_non_null(strstr(sf_fakehost_checkpoint(f->fake, "auto:Case_Escalation_Loop"),
                           "\"version\":\"1772442000000000000:"));
    /* a restart reads its checkpoints: nothing again */
    close_connector(f);
    open_connector(f, 58);
    expect_pass(f, "");
}

static void test_definition_change_clears_finding(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    edit(f, FLOWS "Lead_Welcome_Email.flow-meta.xml", "        <object>Lead</object>",
         "        <filterLogic>and</filterLogic>\n"
         "        <filters>\n"
         "            <field>Email</field>\n"
         "            <operator>IsNull</operator>\n"
         "            <value>\n"
         "                <booleanValue>false</booleanValue>\n"
         "            </value>\n"
         "        </filters>\n"
         "        <object>Lead</object>",
         "2026-03-02T10:00:00Z");
    expect_pass(f,
                "{\"actions\":[{\"to\":\"{!$Record.Email}\",\"type\":\"email\"}],"
                "\"at\":\"2026-03-02T10:00:00Z\",\"attributes\":{\"api_version\":61,"
                "\"conditions_complete\":true,\"file\":\"" FLOWS
                "Lead_Welcome_Email.flow-meta.xml\",\"filter_logic\":\"and\","
                "\"has_description\":true,\"process_type\":\"AutoLaunchedFlow\","
                "\"record_trigger_type\":\"Create\",\"trigger_type\":\"RecordAfterSave\"},"
                "\"conditions\":[{\"field\":\"Email\",\"op\":\"set\"}],"
                "\"id\":\"Lead_Welcome_Email\",\"kind\":\"flow\",\"name\":\"Lead: welcome "
                "email\",\"object\":\"Lead\",\"status\":\"active\",\"system\":\"sf-test\","
                "\"trigger\":{\"on\":\"create\"},\"type\":\"automation\"}\n"
                "{\"at\":\"2026-03-02T10:00:00Z\",\"automation\":\"Lead_Welcome_Email\","
                "\"rule\":\"SF009\",\"transition\":\"cleared\",\"type\":\"finding\"}\n");
}

static void test_attribute_only_change_moves_findings_only(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    /* the description is no part of the definition: no new version, but SF011 */
    edit(f, FLOWS "Opp_Discount_Standard.flow-meta.xml",
         "    <description>Before-save: Standard negotiation discount of 5 percent.</description>\n",
         "", "2026-03-02T11:00:00Z");
    expect_pass(f, "{\"at\":\"2026-03-02T11:00:00Z\",\"automation\":\"Opp_Discount_Standard\","
                   "\"evidence\":{},\"message\":\"the flow has no description: reviewers cannot "
                   "tell what it is for\",\"rule\":\"SF011\",\"transition\":"
                   "\"raised\",\"type\":\"finding\"}\n");
}

static void test_status_change_moves_trigger_order_findings(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    edit(f, FLOWS "Opp_Discount_Partner.flow-meta.xml", "<status>Active</status>",
         "<status>Draft</status>", "2026-03-03T09:00:00Z");
    char *got = pass(f);
    /* the new status, SF015 for the draft, and both SF017 cleared: the
     * standard discount is now the only active before-save flow */
    assert_non_null(strstr(got, "\"id\":\"Opp_Discount_Partner\""));
    assert_non_null(strstr(got, "\"status\":\"inactive\""));
    const char *tail =
        "{\"at\":\"2026-03-03T09:00:00Z\",\"automation\":\"Opp_Discount_Partner\","
        "\"evidence\":{\"status\":\"Draft\"},\"message\":\"the flow is not active (status "
        "Draft)\",\"rule\":\"SF015\",\"transition\":\"raised\",\"type\":\"finding\"}\n"
        "{\"at\":\"2026-03-03T09:00:00Z\",\"automation\":\"Opp_Discount_Partner\","
        "\"rule\":\"SF017\",\"transition\":\"cleared\",\"type\":\"finding\"}\n"
        "{\"at\":\"2026-03-03T09:00:00Z\",\"automation\":\"Opp_Discount_Standard\","
        "\"rule\":\"SF017\",\"transition\":\"cleared\",\"type\":\"finding\"}\n";
    size_t got_len = strlen(got), tail_len = strlen(tail);
    assert_true(got_len > tail_len);
    assert_string_equal(got + got_len - tail_len, tail);
    assert_int_equal(strstr(got, "\n") + 1 - got, got_len - tail_len); /* one event before */
    free(got);
    char *open = sf_fakehost_open_findings(f->fake);
    assert_null(strstr(open, "SF017"));
    free(open);
}

static void test_deleted_file_and_rule(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    assert_int_equal(unlink(in_root(f, FLOWS "Contact_Rollup_Account.flow-meta.xml")), 0);
    char *got = pass(f);
    assert_non_null(strstr(got, "\"id\":\"Contact_Rollup_Account\""));
    assert_non_null(strstr(got, "\"status\":\"deleted\""));
    assert_non_null(strstr(got, "\"automation\":\"Contact_Rollup_Account\",\"rule\":\"SF001\","
                                "\"subject\":\"Save_Account\",\"transition\":\"cleared\""));
    assert_int_equal(strchr(strchr(got, '\n') + 1, '\n')[1], '\0'); /* two lines */
    free(got);
    assert_string_equal(sf_fakehost_checkpoint(f->fake, "file:" FLOWS
                                                        "Contact_Rollup_Account.flow-meta.xml"),
                        "{}");
    expect_pass(f, "");
    /* a rule removed from a workflow file is deleted too */
    edit(f, "force-app/main/default/workflows/Case.workflow-meta.xml",
         "    <rules>\n        <fullName>Closed_Case_To_ERP</fullName>", "    <ignored>\n"
         "        <fullName>Closed_Case_To_ERP</fullName>", "2026-03-04T09:00:00Z");
    edit(f, "force-app/main/default/workflows/Case.workflow-meta.xml",
         "        <triggerType>onAllChanges</triggerType>\n    </rules>",
         "        <triggerType>onAllChanges</triggerType>\n    </ignored>", "2026-03-04T09:00:00Z");
    got = pass(f);
    assert_non_null(strstr(got, "\"id\":\"Case.Closed_Case_To_ERP\""));
    assert_non_null(strstr(got, "\"status\":\"deleted\""));
    assert_int_equal(strchr(got, '\n')[1], '\0'); /* one line: Escalate_VIP unchanged */
    free(got);
}

static void test_broken_file_reported_once_then_fixed(void **state)
{
    struct fixture *f = *state;
    char *first = pass(f);
    assert_non_null(strstr(first, "{\"deadletter\":{\"line\":9,\"reason\":\"malformed XML: "
                                  "Opening and ending tag mismatch: start line 6 and strat\","
                                  "\"source\":\"@ROOT@/" FLOWS "Broken.flow-meta.xml\"}}\n"));
    free(first);
    expect_pass(f, "");
    edit(f, FLOWS "Broken.flow-meta.xml", "</strat>", "</start>", "2026-03-05T09:00:00Z");
    char *got = pass(f);
    assert_non_null(strstr(got, "\"id\":\"Broken\""));
    assert_non_null(strstr(got, "\"rule\":\"SF009\""));
    free(got);
    /* broken again: one dead letter, the flow stays as it was */
    edit(f, FLOWS "Broken.flow-meta.xml", "</start>", "</start", "2026-03-05T10:00:00Z");
    got = pass(f);
    assert_non_null(strstr(got, "{\"deadletter\":{\"line\":"));
    assert_null(strstr(got, "deleted"));
    assert_int_equal(strchr(got, '\n')[1], '\0');
    free(got);
}

static void test_option_change_checks_again(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    close_connector(f);
    open_connector(f, 62);
    char *got = pass(f);
    /* no automation event, only SF010 for each of the six good flows at 61.0 */
    assert_null(strstr(got, "\"type\":\"automation\""));
    size_t lines = 0;
    for (const char *p = got; (p = strstr(p, "\"rule\":\"SF010\"")) != NULL; p++)
        lines++;
    assert_int_equal(lines, 6);
    free(got);
    expect_pass(f, "");
}

static void test_duplicate_name_is_a_dead_letter(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    char *text = tf_read(in_root(f, FLOWS "Lead_Welcome_Email.flow-meta.xml"), NULL);
    mkdir(in_root(f, "zz-retrieve"), 0755);
    tf_write(in_root(f, "zz-retrieve/Lead_Welcome_Email.flow"), text);
    set_mtimes(in_root(f, "zz-retrieve"), "2026-03-06T09:00:00Z");
    free(text);
    expect_pass(f, "{\"deadletter\":{\"line\":0,\"reason\":\"another file already defines the "
                   "automation 'Lead_Welcome_Email'; this one is ignored\",\"source\":\"@ROOT@/"
                   "zz-retrieve/Lead_Welcome_Email.flow\"}}\n");
}

static void test_unreadable_folder_deletes_nothing(void **state)
{
    struct fixture *f = *state;
    free(pass(f));
    char moved[128];
    snprintf(moved, sizeof moved, "%s-moved", f->root);
    assert_int_equal(rename(f->root, moved), 0);
    expect_pass(f, "");
    assert_int_equal(rename(moved, f->root), 0);
    expect_pass(f, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_pass_then_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_definition_change_clears_finding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attribute_only_change_moves_findings_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_status_change_moves_trigger_order_findings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deleted_file_and_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_file_reported_once_then_fixed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_option_change_checks_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_name_is_a_dead_letter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_folder_deletes_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
