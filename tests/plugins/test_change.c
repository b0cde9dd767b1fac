/*
 * test_change.c -- the change layer through the SDK harness: the real core,
 * the real change.so, events fed as JSON Lines, commands run as the CLI runs
 * them. Every test asserts the exact set of findings (rule, automation,
 * subject) and, where it matters, messages, severities, dates and command
 * output.
 *
 * Definitions are written here in canonical JSON (EVENTS.md) so the test can
 * hash them itself with libsodium -- which also checks that a hash computed
 * outside crmgov matches what the layer sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "crmgov-harness.h"
#include "crmgov/services/change.h"

static char plugin_path[512];
static char scratch[] = "/tmp/crmgov-change-XXXXXX";

/* ---- helpers --------------------------------------------------------------------------------- */

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *out = NULL;
    assert_true(vasprintf(&out, f, ap) >= 0);
    va_end(ap);
    return out;
}

static struct crmgov_harness *start_with(const char *options,
                                         const struct crmgov_plugin *extra)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "change", options), 0);
    if (extra)
        assert_int_equal(crmgov_harness_add_descriptor(h, extra, "probe", ""), 0);
    if (crmgov_harness_start(h) != 0)
        fail_msg("harness: %s", crmgov_harness_error(h));
    return h;
}

static struct crmgov_harness *start(const char *options)
{
    return start_with(options, NULL);
}

static void feed(struct crmgov_harness *h, const char *lines)
{
    assert_int_equal(crmgov_harness_feed_jsonl(h, lines), 0);
}

static void feedf(struct crmgov_harness *h, const char *f, ...)
    __attribute__((format(printf, 2, 3)));
static void feedf(struct crmgov_harness *h, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *line = NULL;
    assert_true(vasprintf(&line, f, ap) >= 0);
    va_end(ap);
    feed(h, line);
    free(line);
}

static void hash_of(const char *canonical, char hex[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)canonical, strlen(canonical));
    sodium_bin2hex(hex, 65, d, sizeof(d));
}

/* An automation event from a canonical definition: the event members go in
 * front of the definition's own. */
static void feed_auto(struct crmgov_harness *h, const char *system, const char *at, const char *id,
                      const char *status, const char *def)
{
    feedf(h, "{\"type\":\"automation\",\"system\":\"%s\",\"at\":\"%s\",\"id\":\"%s\","
             "\"status\":\"%s\",%s\n",
          system, at, id, status, def + 1);
}

static void feed_change(struct crmgov_harness *h, const char *at, const char *id,
                        const char *automation, const char *author, const char *approvers,
                        const char *def, const char *status)
{
    char hex[65] = "";
    if (def)
        hash_of(def, hex);
    char *hash = def ? fmt(",\"definition_hash\":\"%s\"", hex) : strdup("");
    char *st = status ? fmt(",\"status\":\"%s\"", status) : strdup("");
    feedf(h, "{\"type\":\"change\",\"system\":\"s\",\"at\":\"%s\",\"id\":\"%s\",\"automation\":"
             "\"%s\",\"state\":\"approved\",\"author\":\"%s\",\"approvers\":[%s]%s%s}\n",
          at, id, automation, author, approvers, hash, st);
    free(hash);
    free(st);
}

static int cmp_line(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "RULE automation subject" per finding, sorted, one per line. */
static char *keys(struct crmgov_harness *h, const char *state)
{
    char *json = crmgov_harness_findings(h, state);
    cJSON *arr = cJSON_Parse(json);
    assert_non_null(arr);
    int n = cJSON_GetArraySize(arr), i = 0;
    char **lines = calloc((size_t)n + 1, sizeof(char *));
    for (const cJSON *f = arr->child; f; f = f->next) {
        const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(f, "automation"));
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(f, "subject"));
        lines[i++] = fmt("%s %s %s", cJSON_GetStringValue(cJSON_GetObjectItem(f, "rule")),
                         a ? a : "-", s ? s : "-");
    }
    qsort(lines, (size_t)n, sizeof(char *), cmp_line);
    size_t len = 1;
    for (i = 0; i < n; i++)
        len += strlen(lines[i]) + 1;
    char *out = calloc(len, 1);
    for (i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
        free(lines[i]);
    }
    free(lines);
    cJSON_Delete(arr);
    free(json);
    return out;
}

static void expect_keys(struct crmgov_harness *h, const char *state, const char *want)
{
    char *got = keys(h, state);
    assert_string_equal(got, want);
    free(got);
}

/* The one finding with this rule and automation (asserts it exists). */
static cJSON *finding(struct crmgov_harness *h, const char *rule, const char *automation)
{
    char *json = crmgov_harness_findings(h, "all");
    cJSON *arr = cJSON_Parse(json);
    free(json);
    cJSON *found = NULL;
    for (cJSON *f = arr->child; f; f = f->next)
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "rule")), rule) == 0 &&
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "automation")), automation) == 0)
            found = cJSON_Duplicate(f, 1);
    cJSON_Delete(arr);
    if (!found)
        fail_msg("no %s finding for %s", rule, automation);
    return found;
}

static const char *str(const cJSON *o, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(o, name));
}

static char *run(struct crmgov_harness *h, const char *line, int want_status)
{
    int status;
    char *out = crmgov_harness_command(h, line, &status);
    if (status != want_status)
        fail_msg("'%s' exited %d, expected %d; output:\n%s", line, status, want_status, out);
    return out;
}

static char *write_file(const char *name, const char *text)
{
    char *path = fmt("%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Simple definitions: update on FIELDS (a JSON array text), conditions and
 * actions as JSON array texts, object lead. */
static char *def_update(const char *object, const char *fields, const char *conds,
                        const char *actions)
{
    return fmt("{\"actions\":%s,\"conditions\":%s,\"kind\":\"workflow\",\"object\":\"%s\","
               "\"trigger\":{\"fields\":%s,\"on\":\"update\"}}",
               actions, conds, object, fields);
}

static char *set_action(const char *field, const char *value)
{
    return fmt("[{\"field\":\"%s\",\"type\":\"set_field\",\"value\":%s}]", field, value);
}

#define T0 "2026-03-01T09:00:00Z"

/* ---- exclusivity ----------------------------------------------------------------------------- */

static void feed_pair(struct crmgov_harness *h, const char *name, const char *cond_a,
                      const char *cond_b, const char *field)
{
    char *aa = set_action(field, "\"1\""), *ab = set_action(field, "\"2\"");
    char *da = def_update("lead", "[\"status\"]", cond_a, aa);
    char *db = def_update("lead", "[\"status\"]", cond_b, ab);
    char *ida = fmt("%s-a", name), *idb = fmt("%s-b", name);
    feed_auto(h, "s", T0, ida, "active", da);
    feed_auto(h, "s", T0, idb, "active", db);
    free(aa);
    free(ab);
    free(da);
    free(db);
    free(ida);
    free(idb);
}

static void test_exclusivity(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed_pair(h, "eq", "[{\"field\":\"stage\",\"op\":\"eq\",\"value\":\"qualified\"}]",
              "[{\"field\":\"stage\",\"op\":\"eq\",\"value\":\"lost\"}]", "f1");
    feed_pair(h, "in", "[{\"field\":\"region\",\"op\":\"in\",\"value\":[\"emea\",\"amer\"]}]",
              "[{\"field\":\"region\",\"op\":\"in\",\"value\":[\"apac\"]}]", "f2");
    feed_pair(h, "set", "[{\"field\":\"email\",\"op\":\"set\"}]",
              "[{\"field\":\"email\",\"op\":\"unset\"}]", "f3");
    feed_pair(h, "range", "[{\"field\":\"amount\",\"op\":\"gt\",\"value\":50000}]",
              "[{\"field\":\"amount\",\"op\":\"lt\",\"value\":20000}]", "f4");
    feed_pair(h, "mixed", "[{\"field\":\"amount\",\"op\":\"eq\",\"value\":5}]",
              "[{\"field\":\"amount\",\"op\":\"gt\",\"value\":10}]", "f5");
    feed_pair(h, "notin", "[{\"field\":\"type\",\"op\":\"eq\",\"value\":\"renewal\"}]",
              "[{\"field\":\"type\",\"op\":\"not_in\",\"value\":[\"renewal\",\"upsell\"]}]", "f6");
    /* not exclusive: the ranges meet, the sets share emea, different fields */
    feed_pair(h, "meet", "[{\"field\":\"score\",\"op\":\"gt\",\"value\":10}]",
              "[{\"field\":\"score\",\"op\":\"lt\",\"value\":20}]", "f7");
    feed_pair(h, "share", "[{\"field\":\"region\",\"op\":\"eq\",\"value\":\"emea\"}]",
              "[{\"field\":\"region\",\"op\":\"in\",\"value\":[\"emea\",\"apac\"]}]", "f8");
    feed_pair(h, "other", "[{\"field\":\"region\",\"op\":\"eq\",\"value\":\"emea\"}]",
              "[{\"field\":\"source\",\"op\":\"eq\",\"value\":\"web\"}]", "f9");
    expect_keys(h, "all",
                "CHG002 meet-a meet-b:f7\n"
                "CHG002 other-a other-b:f9\n"
                "CHG002 share-a share-b:f8\n");
    cJSON *f = finding(h, "CHG002", "meet-a");
    assert_string_equal(str(f, "severity"), "high");
    assert_string_equal(str(f, "message"), "meet-a and meet-b can fire on the same lead change "
                                           "and set f7 to different values (\"1\" vs \"2\")");
    char *ev = cJSON_PrintUnformatted(cJSON_GetObjectItem(f, "evidence"));
    assert_string_equal(ev, "{\"object\":\"lead\",\"field\":\"f7\",\"values\":{\"meet-a\":\"1\","
                            "\"meet-b\":\"2\"},\"critical_field\":false}");
    free(ev);
    cJSON_Delete(f);
    crmgov_harness_free(h);
}

/* ---- triggers: create_or_update against update and create, other objects --------------------- */

static void test_trigger_overlap(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed(h,
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"cu\","
         "\"object\":\"lead\",\"trigger\":{\"on\":\"create_or_update\",\"fields\":[\"status\"]},"
         "\"actions\":[{\"type\":\"set_field\",\"field\":\"w\",\"value\":\"1\"},"
         "{\"type\":\"set_field\",\"field\":\"v\",\"value\":\"1\"},"
         "{\"type\":\"set_field\",\"field\":\"u\",\"value\":\"1\"}],\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"up\","
         "\"object\":\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"status\",\"score\"]},"
         "\"actions\":[{\"type\":\"set_field\",\"field\":\"w\",\"value\":\"2\"}],"
         "\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"cr\","
         "\"object\":\"lead\",\"trigger\":{\"on\":\"create\"},"
         "\"actions\":[{\"type\":\"set_field\",\"field\":\"v\",\"value\":\"2\"}],"
         "\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"src\","
         "\"object\":\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"source\"]},"
         "\"actions\":[{\"type\":\"set_field\",\"field\":\"u\",\"value\":\"2\"}],"
         "\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"other\","
         "\"object\":\"deal\",\"trigger\":{\"on\":\"create_or_update\",\"fields\":[\"stage\"]},"
         "\"actions\":[{\"type\":\"set_field\",\"field\":\"w\",\"value\":\"3\"}],"
         "\"status\":\"active\"}\n"
         /* two lead automations writing a deal field through `object` */
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"x1\","
         "\"object\":\"lead\",\"trigger\":{\"on\":\"delete\"},"
         "\"actions\":[{\"type\":\"set_field\",\"object\":\"deal\",\"field\":\"stage\","
         "\"value\":\"lost\"},{\"type\":\"notify\",\"to\":\"u-9\"}],\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"x2\","
         "\"object\":\"lead\",\"trigger\":{\"on\":\"delete\"},"
         "\"actions\":[{\"type\":\"set_field\",\"object\":\"deal\",\"field\":\"stage\"},"
         "{\"type\":\"notify\",\"to\":\"u-9\"}],\"status\":\"active\"}\n");
    expect_keys(h, "all",
                "CHG002 cr cu:v\n"
                "CHG002 cu up:w\n"
                "CHG002 x1 x2:deal.stage\n"
                "CHG006 x1 x2:notify:u-9\n");
    cJSON *f = finding(h, "CHG002", "x1");
    assert_string_equal(str(f, "severity"), "critical"); /* deal.stage is a critical field */
    assert_string_equal(str(f, "message"),
                        "x1 and x2 can fire on the same lead change and set deal.stage to "
                        "different values (\"lost\" vs a computed value)");
    cJSON_Delete(f);
    crmgov_harness_free(h);
}

/* ---- cycles ---------------------------------------------------------------------------------- */

static void test_self_loop(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    char *loop = def_update("deal", "[\"stage\"]", "[]", "[{\"field\":\"stage\",\"type\":"
                                                          "\"set_field\",\"value\":\"review\"}]");
    char *noloop = def_update("ticket", "[\"status\"]",
                              "[{\"field\":\"status\",\"op\":\"eq\",\"value\":\"open\"}]",
                              "[{\"field\":\"status\",\"type\":\"set_field\",\"value\":"
                              "\"closed\"}]");
    feed_auto(h, "s", T0, "loop", "active", loop);
    feed_auto(h, "s", T0, "noloop", "active", noloop);
    /* Bitrix24-style: changes made by automations do not start it */
    feed(h, "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"b24\","
            "\"object\":\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"stage\"]},"
            "\"actions\":[{\"type\":\"set_field\",\"field\":\"stage\",\"value\":\"x\"}],"
            "\"attributes\":{\"automated_changes_trigger\":false},\"status\":\"active\"}\n");
    expect_keys(h, "all", "CHG003 loop loop\n");
    cJSON *f = finding(h, "CHG003", "loop");
    assert_string_equal(str(f, "message"),
                        "loop triggers itself: its writes start it again (loop -> loop)");
    char *ev = cJSON_PrintUnformatted(cJSON_GetObjectItem(f, "evidence"));
    assert_string_equal(ev, "{\"members\":[\"loop\"],\"path\":\"loop -> loop\",\"edges\":[{"
                            "\"from\":\"loop\",\"to\":\"loop\",\"object\":\"deal\",\"field\":"
                            "\"stage\"}]}");
    free(ev);
    cJSON_Delete(f);
    free(loop);
    free(noloop);
    crmgov_harness_free(h);
}

static void test_three_cycle(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed(h,
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"c2\",\"object\":"
         "\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"f2\"]},\"actions\":[{\"type\":"
         "\"set_field\",\"field\":\"f3\",\"value\":\"x\"}],\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"c3\",\"object\":"
         "\"lead\",\"trigger\":{\"on\":\"create_or_update\",\"fields\":[\"f3\"]},\"actions\":[{"
         "\"type\":\"set_field\",\"field\":\"f1\"}],\"status\":\"active\"}\n"
         "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"" T0 "\",\"id\":\"c1\",\"object\":"
         "\"lead\",\"trigger\":{\"on\":\"update\"},\"conditions\":[{\"field\":\"f1\",\"op\":"
         "\"set\"}],\"actions\":[{\"type\":\"set_field\",\"field\":\"f2\",\"value\":1}],"
         "\"status\":\"active\"}\n");
    /* c1 has no field filter, so c2's write of f3 and c1's own write of f2
     * fire it as well: edges c1->c1, c1->c2, c2->c1, c2->c3, c3->c1 */
    expect_keys(h, "open",
                "CHG003 c1 c1\n"
                "CHG003 c1 c1,c2\n"
                "CHG003 c1 c1,c2,c3\n");
    /* c2 switched off (without approval, after the baseline): every cycle
     * through it resolves, CHG001 flags the unapproved change */
    feed(h, "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-03-01T12:00:00Z\",\"id\":"
            "\"c2\",\"object\":\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"f2\"]},"
            "\"actions\":[{\"type\":\"set_field\",\"field\":\"f3\",\"value\":\"x\"}],"
            "\"status\":\"inactive\"}\n");
    expect_keys(h, "open", "CHG001 c2 -\nCHG003 c1 c1\n");
    crmgov_harness_free(h);
}

static void test_cycle_broken_by_condition(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    const char *y2 = "{\"actions\":[{\"field\":\"g3\",\"type\":\"set_field\",\"value\":\"on\"}],"
                     "\"conditions\":[{\"field\":\"g2\",\"op\":\"eq\",\"value\":\"a\"}],"
                     "\"kind\":\"workflow\",\"object\":\"lead\",\"trigger\":{\"fields\":[\"g2\"],"
                     "\"on\":\"update\"}}";
    const char *y3 = "{\"actions\":[{\"field\":\"g1\",\"type\":\"set_field\",\"value\":\"on\"}],"
                     "\"conditions\":[],\"kind\":\"workflow\",\"object\":\"lead\",\"trigger\":{"
                     "\"fields\":[\"g3\"],\"on\":\"update\"}}";
    const char *y1b = "{\"actions\":[{\"field\":\"g2\",\"type\":\"set_field\",\"value\":\"b\"}],"
                      "\"conditions\":[],\"kind\":\"workflow\",\"object\":\"lead\",\"trigger\":{"
                      "\"fields\":[\"g1\"],\"on\":\"update\"}}";
    const char *y1a = "{\"actions\":[{\"field\":\"g2\",\"type\":\"set_field\",\"value\":\"a\"}],"
                      "\"conditions\":[],\"kind\":\"workflow\",\"object\":\"lead\",\"trigger\":{"
                      "\"fields\":[\"g1\"],\"on\":\"update\"}}";
    feed_auto(h, "s", T0, "y1", "active", y1b);
    feed_auto(h, "s", T0, "y2", "active", y2);
    feed_auto(h, "s", T0, "y3", "active", y3);
    expect_keys(h, "all", ""); /* y1 writes g2 = "b", y2 needs g2 = "a" */
    /* approved modification: y1 now writes "a", which closes the cycle */
    /* three approvers: closing a cycle is a critical change */
    feed_change(h, "2026-03-02T01:00:00Z", "CR-1", "y1", "u-1", "\"u-2\",\"u-3\",\"u-4\"", y1a,
                "active");
    feed_auto(h, "s", "2026-03-02T01:05:00Z", "y1", "active", y1a);
    expect_keys(h, "all", "CHG003 y1 y1,y2,y3\n");
    cJSON *f = finding(h, "CHG003", "y1");
    assert_string_equal(str(f, "first_seen"), "2026-03-02T01:05:00Z");
    assert_string_equal(str(cJSON_GetObjectItem(f, "evidence"), "path"),
                        "y1 -> y2 -> y3 -> y1");
    cJSON_Delete(f);
    crmgov_harness_free(h);
}

/* ---- baseline, drift, reactivation ----------------------------------------------------------- */

static const char *const D1 =
    "{\"actions\":[{\"field\":\"q\",\"type\":\"set_field\",\"value\":\"1\"}],\"conditions\":[],"
    "\"kind\":\"workflow\",\"object\":\"ticket\",\"trigger\":{\"on\":\"create\"}}";
static const char *const D2 =
    "{\"actions\":[{\"field\":\"q\",\"type\":\"set_field\",\"value\":\"2\"}],\"conditions\":[],"
    "\"kind\":\"workflow\",\"object\":\"ticket\",\"trigger\":{\"on\":\"create\"}}";
static const char *const D3 =
    "{\"actions\":[{\"field\":\"x\",\"type\":\"set_field\",\"value\":\"1\"}],\"conditions\":[],"
    "\"kind\":\"workflow\",\"object\":\"contact\",\"trigger\":{\"on\":\"create\"}}";
static const char *const D_AMOUNT =
    "{\"actions\":[{\"field\":\"amount\",\"type\":\"set_field\",\"value\":0}],"
    "\"conditions\":[],\"kind\":\"workflow\",\"object\":\"deal\",\"trigger\":{\"on\":\"create\"}}";
static const char *const D_STAGE =
    "{\"actions\":[{\"field\":\"stage\",\"type\":\"set_field\",\"value\":\"won\"}],"
    "\"conditions\":[],\"kind\":\"workflow\",\"object\":\"deal\",\"trigger\":{\"on\":\"create\"}}";

static void test_baseline_first_sync(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("baseline_window = 1h\n");
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "b1", "active", D1);
    feed_auto(h, "s", "2026-03-01T09:59:59Z", "b2", "inactive", D1);
    feed_auto(h, "s", "2026-03-01T10:00:01Z", "b3", "active", D3);
    feed_auto(h, "t", "2026-03-01T12:00:00Z", "t1", "active", D1); /* its own baseline */
    expect_keys(h, "all", "CHG001 b3 -\n");
    cJSON *f = finding(h, "CHG001", "b3");
    assert_string_equal(str(f, "message"), "b3 appeared (status active) without an approved "
                                           "change");
    assert_string_equal(str(f, "severity"), "medium");
    cJSON_Delete(f);
    crmgov_harness_free(h);

    h = start("baseline = none\n");
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "b1", "active", D1);
    feed_auto(h, "s", "2026-03-01T09:10:00Z", "b2", "active", D3);
    expect_keys(h, "all", "CHG001 b1 -\nCHG001 b2 -\n");
    /* an approval of exactly what is observed resolves it */
    feed_change(h, "2026-03-01T09:20:00Z", "CR-1", "b1", "u-1", "\"u-2\"", D1, NULL);
    expect_keys(h, "open", "CHG001 b2 -\n");
    crmgov_harness_free(h);
}

static void test_drift_latest_approval(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "m", "active", D1);
    /* approved first, rolled out minutes later: not drift */
    feed_change(h, "2026-03-02T01:00:00Z", "CR-1", "m", "u-1", "\"u-2\"", D2, "active");
    expect_keys(h, "all", "");
    feed_auto(h, "s", "2026-03-02T01:05:00Z", "m", "active", D2);
    expect_keys(h, "all", "");
    /* back to D1: approved once, but replaced since -- drift */
    feed_auto(h, "s", "2026-03-03T08:00:00Z", "m", "active", D1);
    expect_keys(h, "open", "CHG001 m -\n");
    cJSON *f = finding(h, "CHG001", "m");
    char d1[65], d2[65];
    hash_of(D1, d1);
    hash_of(D2, d2);
    char *msg = fmt("m shows definition %.12s, not the approved %.12s: changed without an "
                    "approved change", d1, d2);
    assert_string_equal(str(f, "message"), msg);
    free(msg);
    const cJSON *ev = cJSON_GetObjectItem(f, "evidence");
    assert_string_equal(str(ev, "observed_hash"), d1);
    assert_string_equal(str(ev, "approved_hash"), d2);
    assert_string_equal(str(ev, "approved_at"), "2026-03-02T01:00:00Z");
    cJSON_Delete(f);
    /* an approval of something else does not resolve it; one of D1 does */
    feed_change(h, "2026-03-03T09:00:00Z", "CR-2", "m", "u-1", "\"u-2\"", D2, NULL);
    expect_keys(h, "open", "CHG001 m -\n");
    feed_change(h, "2026-03-03T10:00:00Z", "CR-3", "m", "u-1", "\"u-2\"", D1, NULL);
    expect_keys(h, "open", "");
    expect_keys(h, "all", "CHG001 m -\n");
    crmgov_harness_free(h);
}

static void test_reactivation(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "r", "active", D_STAGE);
    /* approved switch-off (status only), then the CRM shows it off */
    feed_change(h, "2026-03-02T01:00:00Z", "CR-1", "r", "u-1", "\"u-2\"", NULL, "inactive");
    feed_auto(h, "s", "2026-03-02T01:05:00Z", "r", "inactive", D_STAGE);
    expect_keys(h, "all", "");
    /* switched back on without approval: CHG005, critical (writes deal.stage) */
    feed_auto(h, "s", "2026-03-05T14:00:00Z", "r", "active", D_STAGE);
    expect_keys(h, "open", "CHG005 r -\n");
    cJSON *f = finding(h, "CHG005", "r");
    assert_string_equal(str(f, "severity"), "critical");
    assert_string_equal(str(f, "message"),
                        "r was switched back on (inactive -> active) without an approved change");
    cJSON_Delete(f);
    /* approving it afterwards resolves it */
    feed_change(h, "2026-03-05T15:00:00Z", "CR-2", "r", "u-1", "\"u-2\",\"u-3\"", NULL, "active");
    expect_keys(h, "open", "");
    crmgov_harness_free(h);
}

/* ---- CHG007 on external change records ------------------------------------------------------- */

static void test_policy_violations(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "crit", "active", D_STAGE);
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "plain", "active", D1);
    /* a review of a high-risk automation (writes deal.stage) needs 2 approvers */
    feed_change(h, "2026-03-02T01:00:00Z", "CR-1", "crit", "u-1", "\"u-2\"", D_STAGE, NULL);
    feed_change(h, "2026-03-02T02:00:00Z", "CR-2", "crit", "u-1", "\"u-2\",\"u-3\"", D_STAGE,
                NULL);
    /* low risk: one approver is enough -- unless it is the author */
    feed_change(h, "2026-03-02T03:00:00Z", "CR-3", "plain", "u-1", "\"u-2\"", D1, NULL);
    feed_change(h, "2026-03-02T04:00:00Z", "CR-4", "plain", "u-1", "\"u-1\",\"u-2\"", D1, NULL);
    /* a modification approved before the CRM shows it: judged when it does */
    feed_change(h, "2026-03-02T05:00:00Z", "CR-5", "plain", "u-1", "\"u-2\"", D_AMOUNT, "active");
    expect_keys(h, "all", "CHG007 crit CR-1\nCHG007 plain CR-4\n");
    feed_auto(h, "s", "2026-03-02T05:10:00Z", "plain", "active", D_AMOUNT);
    expect_keys(h, "all", "CHG007 crit CR-1\nCHG007 plain CR-4\nCHG007 plain CR-5\n");
    cJSON *f = finding(h, "CHG007", "crit");
    assert_string_equal(str(f, "message"),
                        "change CR-1 for crit had 1 approver; a high-risk change needs 2");
    assert_string_equal(str(f, "subject"), "CR-1");
    cJSON_Delete(f);
    char *json = crmgov_harness_findings(h, "all");
    assert_non_null(strstr(json, "change CR-4 for plain was approved by its own author u-1"));
    assert_non_null(strstr(json, "change CR-5 for plain had 1 approver; a high-risk change "
                                 "needs 2"));
    free(json);
    crmgov_harness_free(h);
}

/* ---- change requests ------------------------------------------------------------------------- */

static void people(struct crmgov_harness *h)
{
    feed(h, "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\",\"id\":"
            "\"u-1\",\"active\":true}\n"
            "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\",\"id\":"
            "\"u-2\",\"active\":true}\n"
            "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\",\"id\":"
            "\"u-3\",\"active\":true}\n"
            "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T08:00:00Z\",\"id\":"
            "\"u-4\",\"active\":true}\n");
}

static void test_request_approvals(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    people(h);
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "req1", "active", D1);
    feed(h, "{\"type\":\"ownership\",\"system\":\"s\",\"at\":\"2026-03-01T09:00:00Z\","
            "\"automation\":\"req1\",\"role\":\"system\",\"principal\":\"u-3\"}\n");
    /* D_STAGE-like modification of a ticket automation that also writes deal.stage */
    char *path = write_file("req1.json",
                            "{\"id\":\"req1\",\"object\":\"ticket\",\"trigger\":{\"on\":"
                            "\"create\"},"
                            "\"actions\":[{\"type\":\"set_field\",\"field\":\"q\",\"value\":\"1\"},"
                            "{\"type\":\"set_field\",\"object\":\"deal\",\"field\":\"stage\","
                            "\"value\":\"won\"}]}");
    char *line = fmt("change propose s/req1 --file %s --by u-1 --note \"route to deals\" "
                     "--at 2026-03-02T10:00:00Z",
                     path);
    char *out = run(h, line, 0);
    assert_non_null(strstr(out, "REQ-1 proposed: modify s/req1"));
    assert_non_null(strstr(out, "risk: high\n  - high: writes critical field deal.stage\n"));
    assert_non_null(strstr(out, "needs 2 approvals from people other than u-1, one of them an "
                                "owner of the automation\n"));
    free(out);
    /* the author cannot approve */
    out = run(h, "change approve REQ-1 --by u-1 --at 2026-03-02T11:00:00Z", 1);
    free(out);
    /* a non-owner approves: 1 of 2, owner missing */
    out = run(h, "change approve REQ-1 --by u-2 --comment ok --at 2026-03-02T11:00:00Z", 0);
    assert_string_equal(out, "REQ-1: approval by u-2 recorded (1 of 2; owner approval still "
                             "missing)\n");
    free(out);
    out = run(h, "change approve REQ-1 --by u-2 --at 2026-03-02T11:30:00Z", 1);
    free(out);
    /* a second non-owner: 2 of 2 but still no owner */
    out = run(h, "change approve REQ-1 --by u-4 --at 2026-03-02T11:40:00Z", 0);
    assert_string_equal(out, "REQ-1: approval by u-4 recorded (2 of 2; owner approval still "
                             "missing)\n");
    free(out);
    out = run(h, "change list --state pending --format csv", 0);
    assert_string_equal(out, "id,system,automation,kind,state,risk,approvals,required,author,"
                             "proposed_at\r\n"
                             "REQ-1,s,req1,modify,pending,high,2,2,u-1,2026-03-02T10:00:00Z\r\n");
    free(out);
    free(crmgov_harness_published(h));
    /* the owner approves: done, and an approved change is published */
    out = run(h, "change approve REQ-1 --by u-3 --at 2026-03-02T12:00:00Z", 0);
    assert_non_null(strstr(out, "REQ-1 approved: s/req1 may now show definition"));
    free(out);
    char *pub = crmgov_harness_published(h);
    assert_non_null(strstr(pub, "\"type\":\"change\",\"system\":\"s\",\"at\":\"2026-03-02T12:00:"
                                "00Z\",\"id\":\"REQ-1\",\"automation\":\"req1\",\"state\":"
                                "\"approved\",\"author\":\"u-1\",\"approvers\":[\"u-2\",\"u-4\","
                                "\"u-3\"]"));
    free(pub);
    out = run(h, "change approve REQ-1 --by u-4 --at 2026-03-02T12:10:00Z", 1);
    free(out);
    out = run(h, "change show REQ-1 --format json", 0);
    cJSON *req = cJSON_Parse(out);
    assert_string_equal(str(req, "state"), "approved");
    assert_string_equal(str(req, "decided_by"), "u-3");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(req, "approvals")), 3);
    const cJSON *diff = cJSON_GetObjectItem(req, "diff");
    char *d = cJSON_PrintUnformatted(cJSON_GetObjectItem(diff, "actions"));
    assert_string_equal(d, "{\"removed\":[],\"added\":[\"set_field field=\\\"stage\\\" "
                           "object=\\\"deal\\\" value=\\\"won\\\"\"]}");
    free(d);
    cJSON_Delete(req);
    free(out);
    /* the CRM shows the approved definition: no drift */
    feed(h, "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-03-02T12:30:00Z\",\"id\":"
            "\"req1\",\"object\":\"ticket\",\"trigger\":{\"on\":\"create\"},\"actions\":[{"
            "\"type\":\"set_field\",\"field\":\"q\",\"value\":\"1\"},{\"type\":\"set_field\","
            "\"object\":\"deal\",\"field\":\"stage\",\"value\":\"won\"}],\"status\":\"active\"}\n");
    expect_keys(h, "all", "");
    free(line);
    free(path);
    crmgov_harness_free(h);
}

static void test_request_reject_and_errors(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("require_owner_approval = false\n");
    people(h);
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "q", "active", D1);
    free(run(h, "change propose s/q --status inactive --by u-1 --at 2026-03-02T10:00:00Z", 0));
    free(run(h, "change propose s/q --status inactive --by u-1 --at 2026-03-02T10:00:00Z "
                "--format json",
             0));
    free(run(h, "change reject REQ-1 --by u-2", 2));          /* no --reason */
    free(run(h, "change reject REQ-9 --by u-2 --reason x", 2)); /* unknown */
    char *out = run(h, "change reject REQ-1 --by u-2 --reason \"not now\" --at "
                       "2026-03-02T11:00:00Z",
                    0);
    assert_string_equal(out, "REQ-1 rejected by u-2: not now\n");
    free(out);
    free(run(h, "change approve REQ-1 --by u-3", 1)); /* already rejected */
    /* a low-risk request needs one approval; no owner needed here */
    out = run(h, "change approve REQ-2 --by u-2 --at 2026-03-02T12:00:00Z", 0);
    assert_non_null(strstr(out, "REQ-2 approved: s/q may now show definition"));
    free(out);
    /* nothing left to propose: the approved version is what is asked */
    feed_auto(h, "s", "2026-03-02T12:05:00Z", "q", "inactive", D1);
    free(run(h, "change propose s/q --status inactive --by u-1", 2));
    out = run(h, "change list --state all --format csv", 0);
    assert_string_equal(out, "id,system,automation,kind,state,risk,approvals,required,author,"
                             "proposed_at\r\n"
                             "REQ-1,s,q,status,rejected,low,0,1,u-1,2026-03-02T10:00:00Z\r\n"
                             "REQ-2,s,q,status,approved,low,1,1,u-1,2026-03-02T10:00:00Z\r\n");
    free(out);
    expect_keys(h, "all", "");
    /* usage errors */
    free(run(h, "change", 2));
    free(run(h, "change frobnicate", 2));
    free(run(h, "change propose s/q --by u-1", 2));
    free(run(h, "change propose sq --status active --by u-1", 2));
    free(run(h, "change propose s/q --status maybe --by u-1", 2));
    free(run(h, "change propose s/q --status active", 2));
    free(run(h, "change propose s/nope --status active --by u-1", 2));
    free(run(h, "change propose s/q --file /nonexistent.json --by u-1", 2));
    char *bad = write_file("bad.json", "{\"object\":\"lead\",\"trigger\":{\"on\":\"sometimes\"}}");
    char *line = fmt("change propose s/q --file %s --by u-1", bad);
    free(run(h, line, 2));
    free(line);
    free(bad);
    free(run(h, "change list --state maybe", 2));
    free(run(h, "change show", 2));
    free(run(h, "change show REQ-77", 2));
    free(run(h, "change approve REQ-2", 2));
    free(run(h, "change approve REQ-2 --by u-2 --at yesterday", 2));
    free(run(h, "change list --bogus", 2));
    crmgov_harness_free(h);
}

static void test_request_new_automation(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("require_owner_approval = false\n");
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "old", "active", D1); /* ticket create: q = 1 */
    /* create only: with create_or_update and no filter it would fire itself */
    char *path = write_file("new.json", "{\"object\":\"ticket\",\"trigger\":{\"on\":"
                                        "\"create\"},\"actions\":[{\"type\":"
                                        "\"set_field\",\"field\":\"q\",\"value\":\"2\"}]}");
    char *line = fmt("change propose s/new --file %s --by u-1 --at 2026-03-02T10:00:00Z "
                     "--format json",
                     path);
    char *out = run(h, line, 0);
    cJSON *req = cJSON_Parse(out);
    assert_string_equal(str(req, "kind"), "new");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(req, "base_hash")));
    const cJSON *risk = cJSON_GetObjectItem(req, "risk");
    assert_string_equal(str(risk, "level"), "high");
    assert_int_equal(cJSON_GetObjectItem(req, "required")->valueint, 2);
    const cJSON *conflict = cJSON_GetArrayItem(cJSON_GetObjectItem(risk, "conflicts"), 0);
    assert_string_equal(str(conflict, "automation"), "new");
    assert_string_equal(str(conflict, "subject"), "old:q");
    char *reasons = cJSON_PrintUnformatted(cJSON_GetObjectItem(risk, "reasons"));
    assert_string_equal(reasons,
                        "[{\"factor\":\"new\",\"level\":\"low\",\"text\":\"a new automation\"},"
                        "{\"factor\":\"conflict\",\"level\":\"high\",\"text\":\"write conflict: "
                        "new and old can fire on the same ticket change and set q to different "
                        "values (\\\"2\\\" vs \\\"1\\\")\"}]");
    free(reasons);
    cJSON_Delete(req);
    free(out);
    /* nothing is raised for a proposal; approved, the CRM shows it: only the
     * conflict (the real one now), no drift */
    expect_keys(h, "all", "");
    free(run(h, "change approve REQ-1 --by u-2 --at 2026-03-02T11:00:00Z", 0));
    free(run(h, "change approve REQ-1 --by u-3 --at 2026-03-02T11:10:00Z", 0));
    feed(h, "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-03-02T12:00:00Z\","
            "\"id\":\"new\",\"object\":\"ticket\",\"trigger\":{\"on\":\"create\"},"
            "\"actions\":[{\"type\":\"set_field\",\"field\":\"q\",\"value\":\"2\"}],"
            "\"status\":\"active\"}\n");
    expect_keys(h, "all", "CHG002 new old:q\n");
    free(line);
    free(path);
    crmgov_harness_free(h);
}

/* ---- reviews --------------------------------------------------------------------------------- */

static void feed_inventory(struct crmgov_harness *h, const char *system, int n)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "a%03d", i);
        char *def = fmt("{\"actions\":[{\"field\":\"f%d\",\"type\":\"set_field\",\"value\":\"1\"}],"
                        "\"conditions\":[],\"kind\":\"workflow\",\"object\":\"lead\",\"trigger\":"
                        "{\"on\":\"create\"}}",
                        i);
        feed_auto(h, system, "2026-01-01T00:00:00Z", id, "active", def);
        free(def);
    }
}

static int count_rule(struct crmgov_harness *h, const char *state, const char *rule,
                      const char *system, const char *first_seen)
{
    char *json = crmgov_harness_findings(h, state);
    cJSON *arr = cJSON_Parse(json);
    free(json);
    int n = 0;
    for (const cJSON *f = arr->child; f; f = f->next)
        n += strcmp(str(f, "rule"), rule) == 0 && strcmp(str(f, "system"), system) == 0 &&
             (!first_seen || strcmp(str(f, "first_seen"), first_seen) == 0);
    cJSON_Delete(arr);
    return n;
}

static const char *due_of(const cJSON *rows, const char *system)
{
    for (const cJSON *r = rows->child; r; r = r->next)
        if (strcmp(str(r, "system"), system) == 0 && strcmp(str(r, "automation"), "a000") == 0)
            return str(r, "due");
    return "none";
}

static void test_review_interval(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    feed_inventory(h, "s50", 50);   /* 180d x min(1, 50/50)  = 180d */
    feed_inventory(h, "s60", 60);   /* 180d x 50/60          = 150d */
    feed_inventory(h, "s100", 100); /* 180d x 50/100         =  90d */
    feed_inventory(h, "s400", 400); /* 180d x 50/400 = 22.5d -> 30d (review_min) */
    char *out = run(h, "reviews due --within 400d --format json --at 2026-01-01T00:00:00Z", 0);
    cJSON *rows = cJSON_Parse(out);
    assert_int_equal(cJSON_GetArraySize(rows), 610);
    assert_string_equal(due_of(rows, "s50"), "2026-06-30T00:00:00Z");
    assert_string_equal(due_of(rows, "s60"), "2026-05-31T00:00:00Z");
    assert_string_equal(due_of(rows, "s100"), "2026-04-01T00:00:00Z");
    assert_string_equal(due_of(rows, "s400"), "2026-01-31T00:00:00Z");
    assert_string_equal(str(rows->child, "state"), "due");
    cJSON_Delete(rows);
    free(out);
    out = run(h, "reviews due --system s100 --within 89d --at 2026-01-01T00:00:00Z", 0);
    assert_string_equal(out, "SYSTEM  AUTOMATION  LAST_REVIEW  INTERVAL_DAYS  DUE  STATE\n");
    free(out);
    /* due at midnight: not yet overdue on the tick at midnight, overdue on the next */
    assert_int_equal(crmgov_harness_advance(h, "2026-01-31T00:00:00Z"), 0);
    assert_int_equal(count_rule(h, "all", "CHG004", "s400", NULL), 0);
    assert_int_equal(crmgov_harness_advance(h, "2026-01-31T00:01:00Z"), 0);
    assert_int_equal(count_rule(h, "open", "CHG004", "s400", "2026-01-31T00:01:00Z"), 400);
    assert_int_equal(count_rule(h, "all", "CHG004", "s100", NULL), 0);
    cJSON *f = finding(h, "CHG004", "a007");
    assert_string_equal(str(f, "message"),
                        "a007 was last reviewed 2026-01-01T00:00:00Z; with 400 active "
                        "automations in s400 its review interval is 30 days, so it was due "
                        "2026-01-31T00:00:00Z");
    cJSON_Delete(f);
    /* a review resolves it and restarts the clock */
    out = run(h, "review s400/a007 --by u-1 --note looked --at 2026-01-31T08:00:00Z", 0);
    assert_string_equal(out, "s400/a007 reviewed by u-1 at 2026-01-31T08:00:00Z; next review "
                             "due 2026-03-02T08:00:00Z\n");
    free(out);
    assert_int_equal(count_rule(h, "open", "CHG004", "s400", NULL), 399);
    /* an approved change counts as a review too */
    feed(h, "{\"type\":\"change\",\"system\":\"s400\",\"at\":\"2026-02-01T00:00:00Z\",\"id\":"
            "\"CR-1\",\"automation\":\"a008\",\"state\":\"approved\",\"author\":\"u-1\","
            "\"approvers\":[\"u-2\"],\"status\":\"active\"}\n");
    assert_int_equal(count_rule(h, "open", "CHG004", "s400", NULL), 398);
    assert_int_equal(crmgov_harness_advance(h, "2026-04-01T00:01:00Z"), 0);
    assert_int_equal(count_rule(h, "open", "CHG004", "s100", "2026-04-01T00:01:00Z"), 100);
    assert_int_equal(count_rule(h, "open", "CHG004", "s60", NULL), 0);
    /* fewer active automations, a longer interval: s100 back to 50 active
     * (180 days) -- the 50 switched off and the 50 left all resolve */
    for (int i = 50; i < 100; i++) {
        char id[16];
        snprintf(id, sizeof(id), "a%03d", i);
        char *def = fmt("{\"actions\":[{\"field\":\"f%d\",\"type\":\"set_field\",\"value\":"
                        "\"1\"}],\"conditions\":[],\"kind\":\"workflow\",\"object\":\"lead\","
                        "\"trigger\":{\"on\":\"create\"}}",
                        i);
        feed_auto(h, "s100", "2026-04-02T00:00:00Z", id, "inactive", def);
        free(def);
    }
    assert_int_equal(crmgov_harness_advance(h, "2026-04-02T00:01:00Z"), 0);
    assert_int_equal(count_rule(h, "open", "CHG004", "s100", NULL), 0);
    assert_int_equal(count_rule(h, "all", "CHG004", "s100", NULL), 100);
    free(run(h, "review s400/nope --by u-1", 2));
    free(run(h, "review s400/a001", 2));
    free(run(h, "review", 2));
    free(run(h, "reviews", 2));
    free(run(h, "reviews due --within soon", 2));
    crmgov_harness_free(h);
}

/* ---- the "change" service (history annotation) ----------------------------------------------- */

struct probe {
    const struct crmgov_host *host;
};

static int print_approval(void *ctx, uint32_t seq, const struct crmgov_change_approval *a)
{
    (void)ctx;
    if (!a) {
        printf("%u unapproved\n", seq);
        return 0;
    }
    printf("%u %s %s%s by", seq, a->source, a->id ? a->id : "-",
           a->retroactive ? " (retroactive)" : "");
    for (size_t i = 0; i < a->n_approvers; i++)
        printf(" %s", a->approvers[i]);
    printf("\n");
    return 0;
}

static int probe_run(void *state, int argc, char **argv)
{
    struct probe *p = state;
    const struct crmgov_change_service *svc =
        p->host->service_lookup(p->host, CRMGOV_CHANGE_SERVICE, CRMGOV_CHANGE_SERVICE_VERSION);
    if (!svc || argc != 3)
        return 2;
    return svc->version_approvals(svc, argv[1], argv[2], print_approval, NULL) ? 1 : 0;
}

static const struct crmgov_command probe_command = { sizeof(struct crmgov_command), "approvals",
                                                     "test", "test", probe_run };

static int probe_init(const struct crmgov_host *host, const struct crmgov_config *config,
                      void **state)
{
    (void)config;
    struct probe *p = calloc(1, sizeof(*p));
    p->host = host;
    *state = p;
    return host->command_register(host, &probe_command, p);
}

static void probe_fini(void *state)
{
    free(state);
}

static const struct crmgov_plugin probe_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "probe",
    .version = "1.0.0",
    .description = "asks the change service",
    .vendor = "test",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_LAYER,
    .init = probe_init,
    .fini = probe_fini,
};

static void test_history_service(void **state)
{
    (void)state;
    struct crmgov_harness *h = start_with("", &probe_plugin);
    feed_auto(h, "s", "2026-03-01T09:00:00Z", "m", "active", D1);           /* 1: baseline */
    feed_change(h, "2026-03-02T01:00:00Z", "CR-1", "m", "u-1", "\"u-2\"", D2, "active");
    feed_auto(h, "s", "2026-03-02T01:05:00Z", "m", "active", D2);           /* 2: CR-1 */
    feed_auto(h, "s", "2026-03-03T08:00:00Z", "m", "inactive", D2);         /* 3: unapproved */
    feed_auto(h, "s", "2026-03-04T08:00:00Z", "m", "active", D1);           /* 4: later CR-2 */
    feed_change(h, "2026-03-04T09:00:00Z", "CR-2", "m", "u-1", "\"u-3\",\"u-4\"", D1, "active");
    char *out = run(h, "approvals s m", 0);
    assert_string_equal(out, "1 baseline - by\n"
                             "2 change CR-1 by u-2\n"
                             "3 unapproved\n"
                             "4 change CR-2 (retroactive) by u-3 u-4\n");
    free(out);
    free(run(h, "approvals s nothing", 1));
    crmgov_harness_free(h);
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/change.so", build ? build : "build");
    if (sodium_init() < 0 || !mkdtemp(scratch))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusivity),
        cmocka_unit_test(test_trigger_overlap),
        cmocka_unit_test(test_self_loop),
        cmocka_unit_test(test_three_cycle),
        cmocka_unit_test(test_cycle_broken_by_condition),
        cmocka_unit_test(test_baseline_first_sync),
        cmocka_unit_test(test_drift_latest_approval),
        cmocka_unit_test(test_reactivation),
        cmocka_unit_test(test_policy_violations),
        cmocka_unit_test(test_request_approvals),
        cmocka_unit_test(test_request_reject_and_errors),
        cmocka_unit_test(test_request_new_automation),
        cmocka_unit_test(test_review_interval),
        cmocka_unit_test(test_history_service),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char *cmd = fmt("rm -rf %s", scratch);
    if (system(cmd) != 0)
        failed++;
    free(cmd);
    return failed;
}
