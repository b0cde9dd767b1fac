/*
 * test_ownership.c -- the ownership layer (OWN001-OWN005) through the SDK
 * harness: the real core, the real ownership.so, events fed as JSON Lines.
 *
 * Each test starts a fresh harness, feeds a small history and compares the
 * findings (all states) with the exact expected list, projected to
 * "RULE automation subject state first_seen last_seen" lines; a few tests
 * compare message and evidence verbatim. The edge cases the issue names
 * each have a test: a co-owner keeps a role alive, a service account, an
 * owner deactivated and reactivated inside grace, disabling an automation
 * resolves its OWN003, a principal first seen after the ownership event that
 * names it, an import with one bad row applies nothing. The CLI (`owners`)
 * and the registered "ownership" service are exercised here too; their
 * every error path is in tests/e2e/04xx.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "crmgov-harness.h"
#include "crmgov/services/ownership.h"

static char plugin_path[512];
static char scratch[] = "/tmp/crmgov-own-XXXXXX";

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

static struct crmgov_harness *start(const char *options)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "ownership", options), 0);
    if (crmgov_harness_start(h) != 0)
        fail_msg("start: %s", crmgov_harness_error(h));
    return h;
}

static void feed(struct crmgov_harness *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void feed(struct crmgov_harness *h, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    strcat(line, "\n");
    assert_int_equal(crmgov_harness_feed_jsonl(h, line), 0);
}

/* Day d of March 2026 at hh:mm. */
static const char *T(int d, int hh, int mm)
{
    static char buf[8][32];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, 32, "2026-03-%02dT%02d:%02d:00Z", d, hh, mm);
    return b;
}

static void principal(struct crmgov_harness *h, const char *at, const char *id, int active,
                      const char *roles)
{
    feed(h,
         "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"%s\",\"id\":\"%s\",\"name\":\"Name "
         "%s\",\"email\":\"%s@example.com\",\"active\":%s,\"roles\":%s}",
         at, id, id, id, active ? "true" : "false", roles);
}

static void automation(struct crmgov_harness *h, const char *at, const char *id,
                       const char *status, const char *actions)
{
    feed(h,
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"%s\",\"id\":\"%s\",\"object\":"
         "\"lead\",\"trigger\":{\"on\":\"create\"},\"actions\":%s,\"status\":\"%s\"}",
         at, id, actions, status);
}

static void own(struct crmgov_harness *h, const char *at, const char *automation_id,
                const char *role, const char *who)
{
    char principal_json[128];
    if (who)
        snprintf(principal_json, sizeof(principal_json), "\"%s\"", who);
    else
        strcpy(principal_json, "null");
    feed(h,
         "{\"type\":\"ownership\",\"system\":\"s\",\"at\":\"%s\",\"automation\":\"%s\","
         "\"role\":\"%s\",\"principal\":%s}",
         at, automation_id, role, principal_json);
}

static const char *str_or_null(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "-";
}

/* Findings (all states) as "RULE automation subject state first_seen
 * last_seen" lines. Caller frees. */
static char *summary(struct crmgov_harness *h)
{
    char *json = crmgov_harness_findings(h, "all");
    cJSON *arr = cJSON_Parse(json);
    assert_true(cJSON_IsArray(arr));
    size_t cap = 64 + 200 * (size_t)cJSON_GetArraySize(arr);
    char *out = calloc(1, cap);
    const cJSON *f;
    cJSON_ArrayForEach(f, arr)
    {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s %s %s %s %s %s\n", str_or_null(f, "rule"),
                 str_or_null(f, "automation"), str_or_null(f, "subject"),
                 str_or_null(f, "state"), str_or_null(f, "first_seen"),
                 str_or_null(f, "last_seen"));
    }
    cJSON_Delete(arr);
    free(json);
    return out;
}

static void expect_findings(struct crmgov_harness *h, const char *expected)
{
    char *got = summary(h);
    assert_string_equal(got, expected);
    free(got);
}

/* The one finding of `rule` as compact JSON of {message, evidence}. */
static char *finding_detail(struct crmgov_harness *h, const char *rule)
{
    char *json = crmgov_harness_findings(h, "all");
    cJSON *arr = cJSON_Parse(json);
    const cJSON *f, *hit = NULL;
    cJSON_ArrayForEach(f, arr)
    {
        if (strcmp(str_or_null(f, "rule"), rule) == 0) {
            assert_null(hit);
            hit = f;
        }
    }
    assert_non_null(hit);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "severity", str_or_null(hit, "severity"));
    cJSON_AddStringToObject(o, "message", str_or_null(hit, "message"));
    cJSON_AddItemToObject(o, "evidence",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(hit, "evidence"), 1));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    cJSON_Delete(arr);
    free(json);
    return text;
}

static void expect_detail(struct crmgov_harness *h, const char *rule, const char *expected)
{
    char *got = finding_detail(h, rule);
    assert_string_equal(got, expected);
    free(got);
}

static char *command(struct crmgov_harness *h, const char *line, int want_status)
{
    int status = -1;
    char *out = crmgov_harness_command(h, line, &status);
    if (status != want_status)
        fail_msg("'%s' exited %d, expected %d; printed:\n%s", line, status, want_status, out);
    return out;
}

static void expect_command(struct crmgov_harness *h, const char *line, int want_status,
                           const char *expected_output)
{
    char *out = command(h, line, want_status);
    assert_string_equal(out, expected_output);
    free(out);
}

#define NO_ACTIONS "[]"
#define ADMIN "[\"admin\"]"
#define SERVICE "[\"service\"]"

/* An established automation a1 (first seen on day 1) with owner u-1. The
 * ownership event comes first, as some connectors send it: an automation
 * that arrives with its owner already known is never unowned. */
static struct crmgov_harness *world(const char *options)
{
    struct crmgov_harness *h = start(options);
    principal(h, T(1, 8, 0), "u-1", 1, ADMIN);
    principal(h, T(1, 8, 0), "u-2", 1, ADMIN);
    own(h, T(1, 9, 0), "a1", "system", "u-1");
    automation(h, T(1, 9, 0), "a1", "active", NO_ACTIONS);
    return h;
}

/* ------------------------------------------------------------------------ */
/* OWN001 unowned                                                            */

static void test_unowned_after_settle(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    automation(h, T(1, 9, 0), "a1", "active", NO_ACTIONS);
    automation(h, T(1, 9, 0), "a2", "active", NO_ACTIONS);
    own(h, T(1, 9, 30), "a2", "system", "u-9"); /* in time, though not yet a principal */
    principal(h, T(1, 9, 40), "u-9", 1, ADMIN);
    expect_findings(h, ""); /* within settle (1h): connectors may still be delivering */
    assert_int_equal(crmgov_harness_advance(h, T(1, 10, 30)), 0);
    /* judged at first_seen + settle, whatever tick noticed it */
    expect_findings(h, "OWN001 a1 system open 2026-03-01T10:00:00Z 2026-03-01T10:00:00Z\n");
    expect_detail(h, "OWN001",
                  "{\"severity\":\"medium\",\"message\":\"a1 has no system owner; no fallback "
                  "owner is configured\",\"evidence\":{\"role\":\"system\",\"fallback_owner\":"
                  "null}}");
    own(h, T(1, 11, 0), "a1", "system", "u-9");
    expect_findings(h, "OWN001 a1 system resolved 2026-03-01T10:00:00Z 2026-03-01T11:00:00Z\n");
    crmgov_harness_free(h);
}

static void test_unowned_required_roles_and_status(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("required_roles = system,outcome\nsettle = 0\n");
    expect_findings(h, "OWN001 a1 outcome open 2026-03-01T09:00:00Z 2026-03-01T09:00:00Z\n");
    /* an inactive automation needs no owner; a reactivated one does again */
    automation(h, T(2, 9, 0), "a1", "inactive", NO_ACTIONS);
    expect_findings(h, "OWN001 a1 outcome resolved 2026-03-01T09:00:00Z 2026-03-02T09:00:00Z\n");
    automation(h, T(3, 9, 0), "a1", "active", NO_ACTIONS);
    expect_findings(h, "OWN001 a1 outcome open 2026-03-01T09:00:00Z 2026-03-03T09:00:00Z\n");
    /* removing the only system owner makes the system role unowned too */
    own(h, T(4, 9, 0), "a1", "system", NULL);
    /* open findings are seen again (last_seen) on the first tick of each day */
    expect_findings(h, "OWN001 a1 outcome open 2026-03-01T09:00:00Z 2026-03-04T09:00:00Z\n"
                       "OWN001 a1 system open 2026-03-04T09:00:00Z 2026-03-04T09:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* OWN002 orphaned                                                           */

static void test_coowner_keeps_role_alive(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("fallback_owner = u-2\n");
    own(h, T(1, 9, 6), "a1", "system", "u-3");
    principal(h, T(1, 9, 7), "u-3", 1, ADMIN);
    principal(h, T(2, 10, 0), "u-1", 0, ADMIN);
    expect_findings(h, ""); /* u-3 is active: the role is alive */
    principal(h, T(3, 10, 0), "u-3", 0, ADMIN);
    expect_findings(h, "OWN002 a1 system open 2026-03-03T10:00:00Z 2026-03-03T10:00:00Z\n");
    expect_detail(h, "OWN002",
                  "{\"severity\":\"high\",\"message\":\"a1 has no active system owner: u-1 "
                  "(Name u-1) was deactivated on 2026-03-02 and u-3 (Name u-3) was deactivated "
                  "on 2026-03-03; fallback owner u-2 should act\",\"evidence\":{\"role\":"
                  "\"system\",\"owners\":[{\"principal\":\"u-1\",\"state\":\"deactivated\","
                  "\"deactivated_at\":\"2026-03-02T10:00:00Z\"},{\"principal\":\"u-3\","
                  "\"state\":\"deactivated\",\"deactivated_at\":\"2026-03-03T10:00:00Z\"}],"
                  "\"fallback_owner\":\"u-2\"}}");
    /* the fallback owner leaves too: never named once departed */
    principal(h, T(4, 10, 0), "u-2", 0, ADMIN);
    expect_detail(h, "OWN002",
                  "{\"severity\":\"high\",\"message\":\"a1 has no active system owner: u-1 "
                  "(Name u-1) was deactivated on 2026-03-02 and u-3 (Name u-3) was deactivated "
                  "on 2026-03-03; the fallback owner u-2 is deactivated in s\",\"evidence\":{"
                  "\"role\":\"system\",\"owners\":[{\"principal\":\"u-1\",\"state\":"
                  "\"deactivated\",\"deactivated_at\":\"2026-03-02T10:00:00Z\"},{\"principal\":"
                  "\"u-3\",\"state\":\"deactivated\",\"deactivated_at\":\"2026-03-03T10:00:00Z\""
                  "}],\"fallback_owner\":null,\"fallback_owner_unavailable\":\"u-2\"}}");
    /* one co-owner back is enough */
    principal(h, T(5, 10, 0), "u-3", 1, ADMIN);
    expect_findings(h, "OWN002 a1 system resolved 2026-03-03T10:00:00Z 2026-03-05T10:00:00Z\n");
    crmgov_harness_free(h);
}

static void test_reassigned_owner_resolves(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("");
    principal(h, T(2, 10, 0), "u-1", 0, ADMIN);
    expect_findings(h, "OWN002 a1 system open 2026-03-02T10:00:00Z 2026-03-02T10:00:00Z\n");
    own(h, T(2, 11, 0), "a1", "system", "u-2");
    expect_findings(h, "OWN002 a1 system resolved 2026-03-02T10:00:00Z 2026-03-02T11:00:00Z\n");
    crmgov_harness_free(h);
}

static void test_grace_reactivated_inside(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("grace = 2h\n");
    principal(h, T(2, 10, 0), "u-1", 0, ADMIN);
    assert_int_equal(crmgov_harness_advance(h, T(2, 11, 0)), 0);
    principal(h, T(2, 11, 30), "u-1", 1, ADMIN);
    assert_int_equal(crmgov_harness_advance(h, T(3, 12, 0)), 0);
    expect_findings(h, ""); /* never raised, not even resolved */
    crmgov_harness_free(h);
}

static void test_grace_expires_then_reactivated(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("grace = 2h\n");
    principal(h, T(2, 10, 0), "u-1", 0, ADMIN);
    assert_int_equal(crmgov_harness_advance(h, T(2, 11, 59)), 0);
    expect_findings(h, "");
    assert_int_equal(crmgov_harness_advance(h, T(2, 12, 7)), 0);
    /* stamped with the end of grace, not the tick that noticed it */
    expect_findings(h, "OWN002 a1 system open 2026-03-02T12:00:00Z 2026-03-02T12:00:00Z\n");
    principal(h, T(2, 15, 0), "u-1", 1, ADMIN);
    expect_findings(h, "OWN002 a1 system resolved 2026-03-02T12:00:00Z 2026-03-02T15:00:00Z\n");
    crmgov_harness_free(h);
}

static void test_principal_first_seen_after_ownership(void **state)
{
    (void)state;
    /* settle 0: an unknown owner orphans at once and is cleared when seen */
    struct crmgov_harness *h = world("settle = 0\n");
    own(h, T(2, 9, 0), "a1", "system", NULL);
    own(h, T(2, 9, 1), "a1", "system", "u-7");
    expect_findings(h, "OWN001 a1 system resolved 2026-03-02T09:00:00Z 2026-03-02T09:01:00Z\n"
                       "OWN002 a1 system open 2026-03-02T09:01:00Z 2026-03-02T09:01:00Z\n");
    expect_detail(h, "OWN002",
                  "{\"severity\":\"high\",\"message\":\"a1 has no active system owner: u-7 is "
                  "unknown in s; no fallback owner is configured\",\"evidence\":{\"role\":"
                  "\"system\",\"owners\":[{\"principal\":\"u-7\",\"state\":\"unknown\","
                  "\"assigned_at\":\"2026-03-02T09:01:00Z\"}],\"fallback_owner\":null}}");
    principal(h, T(2, 9, 20), "u-7", 1, ADMIN);
    expect_findings(h, "OWN001 a1 system resolved 2026-03-02T09:00:00Z 2026-03-02T09:01:00Z\n"
                       "OWN002 a1 system resolved 2026-03-02T09:01:00Z 2026-03-02T09:20:00Z\n");
    crmgov_harness_free(h);

    /* default settle (1h): the principal arriving 20 minutes later raises nothing */
    h = world("");
    own(h, T(2, 9, 1), "a1", "system", "u-7");
    own(h, T(2, 9, 2), "a1", "system", NULL); /* all system holders removed ... */
    own(h, T(2, 9, 3), "a1", "system", "u-7"); /* ... and u-7 named alone */
    expect_findings(h, "OWN001 a1 system resolved 2026-03-02T09:02:00Z 2026-03-02T09:03:00Z\n");
    principal(h, T(2, 9, 20), "u-7", 1, ADMIN);
    assert_int_equal(crmgov_harness_advance(h, T(2, 12, 0)), 0);
    expect_findings(h, "OWN001 a1 system resolved 2026-03-02T09:02:00Z 2026-03-02T09:03:00Z\n");
    crmgov_harness_free(h);

    /* never seen: orphaned once settle has passed since the assignment */
    h = world("");
    own(h, T(2, 9, 1), "a1", "system", "u-8");
    own(h, T(2, 9, 2), "a1", "system", "u-1");
    principal(h, T(2, 9, 3), "u-1", 0, ADMIN);
    expect_findings(h, "");
    assert_int_equal(crmgov_harness_advance(h, T(2, 10, 30)), 0);
    expect_findings(h, "OWN002 a1 system open 2026-03-02T10:01:00Z 2026-03-02T10:01:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* service accounts                                                          */

static void test_service_account(void **state)
{
    (void)state;
    struct crmgov_harness *h =
        start("required_roles = system,decision\nsettle = 0\nmax_owned = 1\n"
              "owner_roles = admin\n");
    principal(h, T(1, 8, 0), "svc", 1, SERVICE);
    principal(h, T(1, 8, 0), "u-1", 1, ADMIN);
    own(h, T(1, 9, 0), "a1", "system", "svc");
    own(h, T(1, 9, 0), "a2", "system", "svc");
    own(h, T(1, 9, 0), "a1", "decision", "u-1");
    /* a2: svc may hold system, but a service account is nobody's decision owner */
    own(h, T(1, 9, 0), "a2", "decision", "svc");
    automation(h, T(1, 9, 0), "a1", "active", NO_ACTIONS);
    automation(h, T(1, 9, 0), "a2", "active", NO_ACTIONS);
    /* svc owns 2 > max_owned 1 and lacks role admin: never reported as a person */
    expect_findings(h, "OWN001 a2 decision open 2026-03-01T09:00:00Z 2026-03-01T09:00:00Z\n");
    expect_detail(h, "OWN001",
                  "{\"severity\":\"medium\",\"message\":\"a2 has no decision owner (service "
                  "accounts cannot hold this role); no fallback owner is configured\","
                  "\"evidence\":{\"role\":\"decision\",\"service_holders\":[\"svc\"],"
                  "\"fallback_owner\":null}}");
    /* a disabled service account orphans the system role like anyone else */
    principal(h, T(2, 8, 0), "svc", 0, SERVICE);
    expect_findings(h, "OWN001 a2 decision open 2026-03-01T09:00:00Z 2026-03-02T08:00:00Z\n"
                       "OWN002 a1 system open 2026-03-02T08:00:00Z 2026-03-02T08:00:00Z\n"
                       "OWN002 a2 system open 2026-03-02T08:00:00Z 2026-03-02T08:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* OWN003 dead-end recipient                                                 */

#define NOTIFY_U4 "[{\"type\":\"notify\",\"to\":\"u-4\"},{\"type\":\"create_task\",\"to\":\"u-4\"}]"

static void test_dead_end_recipient(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("");
    principal(h, T(1, 8, 0), "u-4", 1, "[\"sales\"]");
    automation(h, T(1, 10, 0), "a1", "active", NOTIFY_U4);
    principal(h, T(3, 10, 0), "u-4", 0, "[\"sales\"]");
    expect_findings(h, "OWN003 a1 u-4 open 2026-03-03T10:00:00Z 2026-03-03T10:00:00Z\n");
    expect_detail(h, "OWN003",
                  "{\"severity\":\"high\",\"message\":\"a1 notifies and creates tasks for u-4 "
                  "(Name u-4), who was deactivated on 2026-03-03\",\"evidence\":{\"principal\":"
                  "\"u-4\",\"actions\":[\"notify\",\"create_task\"],\"deactivated_at\":"
                  "\"2026-03-03T10:00:00Z\"}}");
    /* disabling the automation resolves it; enabling it again reopens it */
    automation(h, T(4, 9, 0), "a1", "inactive", NOTIFY_U4);
    expect_findings(h, "OWN003 a1 u-4 resolved 2026-03-03T10:00:00Z 2026-03-04T09:00:00Z\n");
    automation(h, T(5, 9, 0), "a1", "active", NOTIFY_U4);
    expect_findings(h, "OWN003 a1 u-4 open 2026-03-03T10:00:00Z 2026-03-05T09:00:00Z\n");
    /* the recipient reactivated */
    principal(h, T(6, 9, 0), "u-4", 1, "[\"sales\"]");
    expect_findings(h, "OWN003 a1 u-4 resolved 2026-03-03T10:00:00Z 2026-03-06T09:00:00Z\n");
    principal(h, T(7, 9, 0), "u-4", 0, "[\"sales\"]");
    expect_findings(h, "OWN003 a1 u-4 open 2026-03-03T10:00:00Z 2026-03-07T09:00:00Z\n");
    /* the action removed */
    automation(h, T(8, 9, 0), "a1", "active", "[{\"type\":\"notify\",\"to\":\"u-2\"}]");
    expect_findings(h, "OWN003 a1 u-4 resolved 2026-03-03T10:00:00Z 2026-03-08T09:00:00Z\n");
    /* deleted automations send nothing */
    automation(h, T(9, 9, 0), "a1", "active", NOTIFY_U4);
    automation(h, T(9, 9, 30), "a1", "deleted", NOTIFY_U4);
    expect_findings(h, "OWN003 a1 u-4 resolved 2026-03-03T10:00:00Z 2026-03-09T09:30:00Z\n");
    crmgov_harness_free(h);
}

static void test_dead_end_by_email_and_new_definition(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("");
    principal(h, T(1, 8, 0), "u-5", 0, "[\"sales\"]"); /* already gone */
    /* a new definition that emails a departed person by address */
    automation(h, T(2, 9, 0), "a1", "active",
               "[{\"type\":\"email\",\"to\":\"U-5@Example.com\"},{\"type\":\"webhook\","
               "\"url\":\"https://x.example\"}]");
    expect_findings(h, "OWN003 a1 u-5 open 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n");
    expect_detail(h, "OWN003",
                  "{\"severity\":\"high\",\"message\":\"a1 emails u-5 (Name u-5), who was "
                  "deactivated on 2026-03-01\",\"evidence\":{\"principal\":\"u-5\",\"actions\":"
                  "[\"email\"],\"deactivated_at\":\"2026-03-01T08:00:00Z\",\"to\":"
                  "\"U-5@Example.com\"}}");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* OWN004 owner overload                                                     */

static void test_owner_overload(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("max_owned = 2\nsettle = 0\n");
    principal(h, T(1, 8, 0), "u-1", 1, ADMIN);
    for (int i = 1; i <= 3; i++) {
        char id[16];
        snprintf(id, sizeof(id), "a%d", i);
        own(h, T(1, 9, i), id, "system", "u-1");
        automation(h, T(1, 9, i), id, "active", NO_ACTIONS);
    }
    own(h, T(1, 9, 10), "a1", "decision", "u-1"); /* the same automation counts once */
    expect_findings(h, "OWN004 - u-1 open 2026-03-01T09:03:00Z 2026-03-01T09:03:00Z\n");
    expect_detail(h, "OWN004",
                  "{\"severity\":\"medium\",\"message\":\"u-1 (Name u-1) owns 3 active "
                  "automations in s, more than max_owned 2 (crmgov owners list --principal "
                  "u-1)\",\"evidence\":{\"principal\":\"u-1\",\"owned\":3,\"max_owned\":2}}");
    /* only active automations count */
    automation(h, T(2, 9, 0), "a3", "inactive", NO_ACTIONS);
    expect_findings(h, "OWN004 - u-1 resolved 2026-03-01T09:03:00Z 2026-03-02T09:00:00Z\n");
    automation(h, T(3, 9, 0), "a3", "active", NO_ACTIONS);
    expect_findings(h, "OWN004 - u-1 open 2026-03-01T09:03:00Z 2026-03-03T09:00:00Z\n");
    own(h, T(4, 9, 0), "a2", "system", NULL);
    expect_findings(h, "OWN001 a2 system open 2026-03-04T09:00:00Z 2026-03-04T09:00:00Z\n"
                       "OWN004 - u-1 resolved 2026-03-01T09:03:00Z 2026-03-04T09:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* OWN005 owner without access                                               */

static void test_owner_without_access(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("owner_roles = admin,sales-manager\nsettle = 0\n");
    principal(h, T(1, 8, 0), "u-1", 1, "[\"sales\"]");
    principal(h, T(1, 8, 0), "svc", 1, SERVICE);
    own(h, T(1, 9, 0), "a1", "system", "svc");
    own(h, T(1, 9, 0), "a1", "outcome", "u-1");
    automation(h, T(1, 9, 0), "a1", "active", NO_ACTIONS);
    expect_findings(h, "OWN005 a1 u-1 open 2026-03-01T09:00:00Z 2026-03-01T09:00:00Z\n");
    expect_detail(h, "OWN005",
                  "{\"severity\":\"medium\",\"message\":\"u-1 (Name u-1) owns a1 (outcome) but "
                  "has none of the roles admin and sales-manager\",\"evidence\":{\"principal\":"
                  "\"u-1\",\"ownership_roles\":[\"outcome\"],\"principal_roles\":[\"sales\"],"
                  "\"owner_roles\":[\"admin\",\"sales-manager\"]}}");
    principal(h, T(2, 8, 0), "u-1", 1, "[\"sales\",\"sales-manager\"]");
    expect_findings(h, "OWN005 a1 u-1 resolved 2026-03-01T09:00:00Z 2026-03-02T08:00:00Z\n");
    crmgov_harness_free(h);

    /* not configured: OWN005 is off */
    h = start("settle = 0\n");
    principal(h, T(1, 8, 0), "u-1", 1, "[\"sales\"]");
    own(h, T(1, 9, 0), "a1", "system", "u-1");
    automation(h, T(1, 9, 0), "a1", "active", NO_ACTIONS);
    expect_findings(h, "");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* the owners command                                                        */

static void write_file(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char LIST_HEADER[] = "system,automation,name,status,role,principal,"
                                  "principal_name,standing,service,since,assigned_by\r\n";

static void test_import_with_bad_row_applies_nothing(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("");
    automation(h, T(1, 9, 0), "a2", "active", NO_ACTIONS);
    write_file("bad.csv", "system,automation,role,principal\n"
                          "s,a1,decision,u-2\n"
                          "s,a2,system,u-2\n"
                          "s,a2,owner,u-2\n");
    char line[800];
    snprintf(line, sizeof(line), "owners import %s/bad.csv --by alice", scratch);
    expect_command(h, line, 2, "");
    char *list = command(h, "owners list --format csv", 0);
    char expected[1024];
    snprintf(expected, sizeof(expected),
             "%ss,a1,a1,active,system,u-1,Name u-1,active,false,2026-03-01T09:00:00Z,%s\r\n",
             LIST_HEADER, "harness");
    assert_string_equal(list, expected);
    free(list);
    expect_findings(h, "");

    write_file("good.csv", "\xEF\xBB\xBFprincipal,role,system,automation\r\n"
                           "u-2,decision,s,a1\r\n"
                           "\"u-2\",system,s,a2\r\n"
                           "u-1,system,s,a1\r\n");
    snprintf(line, sizeof(line), "owners import %s/good.csv --by alice --format csv", scratch);
    snprintf(expected, sizeof(expected),
             "line,system,automation,role,principal,result\r\n"
             "2,s,a1,decision,u-2,assigned\r\n"
             "3,s,a2,system,u-2,assigned\r\n"
             "4,s,a1,system,u-1,unchanged\r\n");
    expect_command(h, line, 0, expected);
    list = command(h, "owners list --principal u-2 --format csv", 0);
    snprintf(expected, sizeof(expected),
             "%ss,a1,a1,active,decision,u-2,Name u-2,active,false,2026-03-01T09:00:00Z,alice\r\n"
             "s,a2,a2,active,system,u-2,Name u-2,active,false,2026-03-01T09:00:00Z,alice\r\n",
             LIST_HEADER);
    assert_string_equal(list, expected);
    free(list);
    crmgov_harness_free(h);
}

static void test_transfer_and_unowned_listing(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("required_roles = system,decision\nsettle = 0\n");
    automation(h, T(1, 9, 0), "a2", "active", NO_ACTIONS);
    own(h, T(1, 9, 6), "a2", "system", "u-1");
    own(h, T(1, 9, 6), "a2", "decision", "u-1");
    own(h, T(1, 9, 6), "a1", "decision", "u-2");
    principal(h, T(2, 9, 0), "u-1", 0, ADMIN); /* u-1 leaves */
    expect_findings(h, "OWN001 a1 decision resolved 2026-03-01T09:00:00Z 2026-03-01T09:06:00Z\n"
                       "OWN001 a2 decision resolved 2026-03-01T09:00:00Z 2026-03-01T09:06:00Z\n"
                       "OWN001 a2 system resolved 2026-03-01T09:00:00Z 2026-03-01T09:06:00Z\n"
                       "OWN002 a1 system open 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n"
                       "OWN002 a2 decision open 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n"
                       "OWN002 a2 system open 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n");
    expect_command(h, "owners list --unowned --format csv", 0,
                   "system,automation,name,role,problem,owners\r\n"
                   "s,a1,a1,system,orphaned,u-1 (deactivated)\r\n"
                   "s,a2,a2,system,orphaned,u-1 (deactivated)\r\n"
                   "s,a2,a2,decision,orphaned,u-1 (deactivated)\r\n");
    expect_command(h, "owners transfer --from u-1 --to u-2 --by alice --format csv", 0,
                   "system,automation,role,from,to,result\r\n"
                   "s,a1,system,u-1,u-2,transferred\r\n"
                   "s,a2,system,u-1,u-2,transferred\r\n"
                   "s,a2,decision,u-1,u-2,transferred\r\n");
    expect_command(h, "owners list --unowned --format csv", 0,
                   "system,automation,name,role,problem,owners\r\n");
    /* everything clears at the transfer's event time (the latest event) */
    expect_findings(h, "OWN001 a1 decision resolved 2026-03-01T09:00:00Z 2026-03-01T09:06:00Z\n"
                       "OWN001 a2 decision resolved 2026-03-01T09:00:00Z 2026-03-01T09:06:00Z\n"
                       "OWN001 a2 system resolved 2026-03-01T09:00:00Z 2026-03-01T09:06:00Z\n"
                       "OWN002 a1 system resolved 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n"
                       "OWN002 a2 decision resolved 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n"
                       "OWN002 a2 system resolved 2026-03-02T09:00:00Z 2026-03-02T09:00:00Z\n");
    expect_command(h, "owners list --format csv --system s", 0,
                   "system,automation,name,status,role,principal,principal_name,standing,"
                   "service,since,assigned_by\r\n"
                   "s,a1,a1,active,system,u-2,Name u-2,active,false,2026-03-02T09:00:00Z,alice\r\n"
                   "s,a1,a1,active,decision,u-2,Name u-2,active,false,2026-03-01T09:06:00Z,"
                   "harness\r\n"
                   "s,a2,a2,active,system,u-2,Name u-2,active,false,2026-03-02T09:00:00Z,alice\r\n"
                   "s,a2,a2,active,decision,u-2,Name u-2,active,false,2026-03-02T09:00:00Z,"
                   "alice\r\n");
    crmgov_harness_free(h);
}

static void test_assign_unassign(void **state)
{
    (void)state;
    struct crmgov_harness *h = world("settle = 0\n");
    expect_command(h, "owners assign s/a1 --role system --to u-2 --by alice", 0,
                   "s/a1: u-2 now holds role system (by alice)\n");
    expect_command(h, "owners assign s/a1 --role system --to u-2 --by alice", 0,
                   "s/a1: u-2 already holds role system\n");
    expect_command(h, "owners unassign s/a1 --role system --from u-1 --by alice", 0,
                   "s/a1: u-1 no longer holds role system (by alice)\n");
    expect_findings(h, "");
    expect_command(h, "owners unassign s/a1 --role system --by alice --at 2026-03-05T00:00:00Z",
                   0,
                   "s/a1: removed 1 holder of role system (by alice)\n"
                   "warning: s/a1 now has no system owner (OWN001 unowned)\n");
    expect_findings(h, "OWN001 a1 system open 2026-03-05T00:00:00Z 2026-03-05T00:00:00Z\n");
    expect_command(h, "owners unassign s/a1 --role system --by alice", 1, "");
    expect_command(h, "owners assign s/a1 --role system --to u-1 --by bob", 0,
                   "s/a1: u-1 now holds role system (by bob)\n");
    expect_findings(h, "OWN001 a1 system resolved 2026-03-05T00:00:00Z 2026-03-05T00:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* the "ownership" service, seen from another plugin                         */

struct probe {
    const struct crmgov_host *host;
    struct crmgov_command command;
};

static int print_owner(void *ctx, const struct crmgov_owner_info *o)
{
    (void)ctx;
    static const char *const roles[] = { "system", "decision", "outcome" };
    static const char *const standing[] = { "active", "grace", "deactivated", "unknown" };
    printf("%s/%s %s %s %s service=%d counts=%d active=%d\n", o->system, o->automation,
           roles[o->role], o->principal, standing[o->standing], o->service, o->counts,
           o->automation_active);
    return 0;
}

static int print_id(void *ctx, const char *principal)
{
    (void)ctx;
    printf("accountable %s\n", principal);
    return 0;
}

static int probe_run(void *state, int argc, char **argv)
{
    struct probe *p = state;
    (void)argc;
    (void)argv;
    const struct crmgov_ownership_service *svc =
        p->host->service_lookup(p->host, CRMGOV_OWNERSHIP_SERVICE,
                                CRMGOV_OWNERSHIP_SERVICE_VERSION);
    if (!svc || svc->struct_size < sizeof(*svc))
        return 2;
    svc->owners_of(svc, "s", "a1", -1, print_owner, NULL);
    svc->owned_by(svc, NULL, "u-1", -1, print_owner, NULL);
    svc->owned_by(svc, "s", "svc", CRMGOV_ROLE_DECISION, print_owner, NULL);
    printf("is_owner u-1 %d u-3 %d svc %d nobody %d\n",
           svc->is_owner(svc, "s", "a1", "u-1", -1),
           svc->is_owner(svc, "s", "a1", "u-3", CRMGOV_ROLE_DECISION),
           svc->is_owner(svc, "s", "a1", "svc", CRMGOV_ROLE_SYSTEM),
           svc->is_owner(svc, "s", "nope", "u-1", -1));
    printf("a1 any: %d\n", svc->accountable(svc, "s", "a1", -1, print_id, NULL));
    printf("a1 decision: %d\n",
           svc->accountable(svc, "s", "a1", CRMGOV_ROLE_DECISION, print_id, NULL));
    printf("a2 system: %d\n", svc->accountable(svc, "s", "a2", CRMGOV_ROLE_SYSTEM, print_id,
                                                NULL));
    const char *fallback = svc->fallback_owner(svc, "s");
    printf("fallback %s\n", fallback ? fallback : "(none)");
    return 0;
}

static int probe_init(const struct crmgov_host *host, const struct crmgov_config *config,
                      void **state)
{
    (void)config;
    struct probe *p = calloc(1, sizeof(*p));
    p->host = host;
    p->command = (struct crmgov_command){ .struct_size = sizeof(p->command), .name = "probe",
                                          .summary = "asks the ownership service",
                                          .usage = "probe", .run = probe_run };
    host->command_register(host, &p->command, p);
    *state = p;
    return CRMGOV_OK;
}

static void probe_fini(void *state)
{
    free(state);
}

static const struct crmgov_plugin probe_plugin = {
    CRMGOV_PLUGIN_HEADER, .name = "probe", .version = "1.0.0",
    .description = "test layer that asks the ownership service", .vendor = "crmgov",
    .license = "MIT", .kind = CRMGOV_PLUGIN_LAYER, .init = probe_init, .fini = probe_fini,
};

static void test_service(void **state)
{
    (void)state;
    struct crmgov_harness *h = crmgov_harness_new();
    assert_int_equal(crmgov_harness_add_descriptor(h, &probe_plugin, "probe", ""), 0);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "ownership",
                                             "grace = 1d\nfallback_owner = u-9\n"),
                     0);
    assert_int_equal(crmgov_harness_start(h), 0);
    principal(h, T(1, 8, 0), "u-1", 1, ADMIN);
    principal(h, T(1, 8, 0), "u-3", 1, ADMIN);
    principal(h, T(1, 8, 0), "svc", 1, SERVICE);
    automation(h, T(1, 9, 0), "a1", "active", NO_ACTIONS);
    automation(h, T(1, 9, 0), "a2", "inactive", NO_ACTIONS);
    own(h, T(1, 9, 1), "a1", "system", "u-1");
    own(h, T(1, 9, 1), "a1", "system", "svc");
    own(h, T(1, 9, 1), "a1", "decision", "u-1");
    own(h, T(1, 9, 1), "a1", "decision", "u-3");
    own(h, T(1, 9, 1), "a1", "decision", "svc");
    own(h, T(1, 9, 1), "a1", "outcome", "u-5");
    own(h, T(1, 9, 1), "a2", "system", "u-3");
    principal(h, T(2, 9, 0), "u-3", 0, ADMIN); /* within grace (1d) */
    expect_command(h, "probe", 0,
                   "s/a1 system svc active service=1 counts=1 active=1\n"
                   "s/a1 system u-1 active service=0 counts=1 active=1\n"
                   "s/a1 decision svc active service=1 counts=0 active=1\n"
                   "s/a1 decision u-1 active service=0 counts=1 active=1\n"
                   "s/a1 decision u-3 grace service=0 counts=1 active=1\n"
                   "s/a1 outcome u-5 grace service=0 counts=1 active=1\n"
                   "s/a1 system u-1 active service=0 counts=1 active=1\n"
                   "s/a1 decision u-1 active service=0 counts=1 active=1\n"
                   "s/a1 decision svc active service=1 counts=0 active=1\n"
                   "is_owner u-1 1 u-3 0 svc 0 nobody 0\n"
                   "accountable svc\n"
                   "accountable u-1\n"
                   "a1 any: 2\n"
                   "accountable u-1\n"
                   "a1 decision: 1\n"
                   "accountable u-9\n"
                   "a2 system: 1\n"
                   "fallback u-9\n");
    crmgov_harness_free(h);
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/ownership.so",
             build ? build : "build");
    if (!mkdtemp(scratch))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unowned_after_settle),
        cmocka_unit_test(test_unowned_required_roles_and_status),
        cmocka_unit_test(test_coowner_keeps_role_alive),
        cmocka_unit_test(test_reassigned_owner_resolves),
        cmocka_unit_test(test_grace_reactivated_inside),
        cmocka_unit_test(test_grace_expires_then_reactivated),
        cmocka_unit_test(test_principal_first_seen_after_ownership),
        cmocka_unit_test(test_service_account),
        cmocka_unit_test(test_dead_end_recipient),
        cmocka_unit_test(test_dead_end_by_email_and_new_definition),
        cmocka_unit_test(test_owner_overload),
        cmocka_unit_test(test_owner_without_access),
        cmocka_unit_test(test_import_with_bad_row_applies_nothing),
        cmocka_unit_test(test_transfer_and_unowned_listing),
        cmocka_unit_test(test_assign_unassign),
        cmocka_unit_test(test_service),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
