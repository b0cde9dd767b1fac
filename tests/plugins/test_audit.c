/*
 * test_audit.c -- the audit layer (AUD001-AUD007) through the SDK harness,
 * on event time: each test feeds a small history and asserts the exact
 * findings (key, state, times) and evidence. Edge cases from the issue:
 * an execution exactly at the SLA boundary, an execution delivered before
 * its record change in one batch, a reactivated automation, too small a
 * sample for AUD004, and schedule/manual automations never counted as
 * unintended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "crmgov-harness.h"

static char plugin_path[512];

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

static struct crmgov_harness *start(const char *options)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "audit", options), 0);
    if (crmgov_harness_start(h) != 0)
        fail_msg("start: %s", crmgov_harness_error(h));
    return h;
}

/* Lines appended to a growing buffer, fed in one call (one batch). */
struct lines {
    char *buf;
    size_t len, cap;
};

static void add(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct lines *l, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(line) - 1);
    if (l->len + (size_t)n + 2 > l->cap) {
        l->cap = (l->len + (size_t)n + 2) * 2;
        l->buf = realloc(l->buf, l->cap);
        assert_non_null(l->buf);
    }
    memcpy(l->buf + l->len, line, (size_t)n);
    l->len += (size_t)n;
    l->buf[l->len++] = '\n';
    l->buf[l->len] = '\0';
}

static void feed(struct crmgov_harness *h, struct lines *l)
{
    assert_int_equal(crmgov_harness_feed_jsonl(h, l->buf ? l->buf : ""), 0);
    free(l->buf);
    memset(l, 0, sizeof(*l));
}

static void feed1(struct crmgov_harness *h, const char *line)
{
    struct lines l = { 0 };
    add(&l, "%s", line);
    feed(h, &l);
}

static void advance(struct crmgov_harness *h, const char *t)
{
    assert_int_equal(crmgov_harness_advance(h, t), 0);
}

static void automation(struct lines *l, const char *at, const char *id, const char *object,
                       const char *trigger, const char *conditions, const char *status)
{
    add(l,
        "{\"type\":\"automation\",\"system\":\"s\",\"at\":\"%s\",\"id\":\"%s\",\"object\":\"%s\","
        "\"trigger\":%s,\"conditions\":%s,\"actions\":[{\"type\":\"notify\",\"to\":\"u-1\"}],"
        "\"status\":\"%s\"}",
        at, id, object, trigger, conditions ? conditions : "[]", status);
}

static void execution(struct lines *l, const char *at, const char *id, const char *object,
                      const char *record, const char *status, int duration, const char *notified)
{
    add(l,
        "{\"type\":\"execution\",\"system\":\"s\",\"at\":\"%s\",\"automation\":\"%s\","
        "\"object\":\"%s\",\"record\":\"%s\",\"status\":\"%s\",\"duration_ms\":%d,"
        "\"notified\":%s%s}",
        at, id, object, record, status, duration, notified ? notified : "[]",
        strcmp(status, "failed") == 0 ? ",\"error\":\"boom\"" : "");
}

static void record(struct lines *l, const char *at, const char *object, const char *id,
                   const char *op, const char *changes)
{
    add(l,
        "{\"type\":\"record\",\"system\":\"s\",\"at\":\"%s\",\"object\":\"%s\",\"id\":\"%s\","
        "\"op\":\"%s\",\"changes\":%s}",
        at, object, id, op, changes);
}

/* "2026-03-DDTHH:MM:SSZ" from a day of March and seconds into it. */
static const char *t_(char buf[32], int day, int seconds)
{
    snprintf(buf, 32, "2026-03-%02dT%02d:%02d:%02dZ", day, seconds / 3600, seconds / 60 % 60,
             seconds % 60);
    return buf;
}

/* The findings of `rule` (prefix) as "RULE auto subject state first_seen last_seen" lines. */
static char *keys(struct crmgov_harness *h, const char *rule)
{
    char *json = crmgov_harness_findings(h, "all");
    cJSON *all = cJSON_Parse(json);
    free(json);
    assert_non_null(all);
    char *out = calloc(1, 8192);
    assert_non_null(out);
    const cJSON *f;
    cJSON_ArrayForEach(f, all)
    {
        const char *r = cJSON_GetObjectItem(f, "rule")->valuestring;
        if (strncmp(r, rule, strlen(rule)) != 0)
            continue;
        const cJSON *a = cJSON_GetObjectItem(f, "automation"), *s = cJSON_GetObjectItem(f, "subject");
        char line[512];
        snprintf(line, sizeof(line), "%s %s %s %s %s %s\n", r,
                 cJSON_IsString(a) ? a->valuestring : "-", cJSON_IsString(s) ? s->valuestring : "-",
                 cJSON_GetObjectItem(f, "state")->valuestring,
                 cJSON_GetObjectItem(f, "first_seen")->valuestring,
                 cJSON_GetObjectItem(f, "last_seen")->valuestring);
        strcat(out, line);
    }
    cJSON_Delete(all);
    return out;
}

/* The evidence (compact JSON) of one finding. */
static char *evidence(struct crmgov_harness *h, const char *rule, const char *automation,
                      const char *subject)
{
    char *json = crmgov_harness_findings(h, "all");
    cJSON *all = cJSON_Parse(json);
    free(json);
    char *out = NULL;
    const cJSON *f;
    cJSON_ArrayForEach(f, all)
    {
        const cJSON *a = cJSON_GetObjectItem(f, "automation"), *s = cJSON_GetObjectItem(f, "subject");
        if (strcmp(cJSON_GetObjectItem(f, "rule")->valuestring, rule) != 0 ||
            strcmp(cJSON_IsString(a) ? a->valuestring : "-", automation) != 0 ||
            strcmp(cJSON_IsString(s) ? s->valuestring : "-", subject) != 0)
            continue;
        out = cJSON_PrintUnformatted(cJSON_GetObjectItem(f, "evidence"));
    }
    cJSON_Delete(all);
    assert_non_null(out);
    return out;
}

#define ASSERT_KEYS(h, rule, expected)                                                   \
    do {                                                                                 \
        char *got_ = keys((h), (rule));                                                  \
        assert_string_equal(got_, (expected));                                           \
        free(got_);                                                                      \
    } while (0)

#define ASSERT_EVIDENCE(h, rule, automation, subject, expected)                          \
    do {                                                                                 \
        char *got_ = evidence((h), (rule), (automation), (subject));                     \
        assert_string_equal(got_, (expected));                                           \
        free(got_);                                                                      \
    } while (0)

/* The AUD002 tests' one missed action: `automation` did not run on `record`
 * after its change at 2026-03-02T10:00:00Z, raised at the 11:00 tick. */
static void assert_one_missed(struct crmgov_harness *h, const char *automation, const char *record)
{
    char keys_want[128], evidence_want[512];
    snprintf(keys_want, sizeof(keys_want),
             "AUD002 %s - open 2026-03-02T11:00:00Z 2026-03-02T11:00:00Z\n", automation);
    snprintf(evidence_want, sizeof(evidence_want),
             "{\"window_from\":\"2026-02-24\",\"window_to\":\"2026-03-02\",\"count\":1,"
             "\"sla_seconds\":900,\"examples\":[{\"record\":\"%s\",\"changed_at\":"
             "\"2026-03-02T10:00:00Z\"}]}",
             record);
    ASSERT_KEYS(h, "AUD002", keys_want);
    ASSERT_EVIDENCE(h, "AUD002", automation, "-", evidence_want);
}

static const char *const UPDATE_STATUS = "{\"on\":\"update\",\"fields\":[\"status\"]}";
static const char *const QUALIFIED = "[{\"field\":\"status\",\"op\":\"eq\",\"value\":\"qualified\"}]";
static const char *const SCHEDULE = "{\"on\":\"schedule\"}";

/* ------------------------------------------------------------------------ */
/* AUD001                                                                    */

static void test_failure_rate(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("min_executions = 5\n");
    struct lines l = { 0 };
    char t[32];
    automation(&l, "2026-03-02T08:00:00Z", "busy", "lead", SCHEDULE, NULL, "active");
    automation(&l, "2026-03-02T08:00:00Z", "quiet", "lead", SCHEDULE, NULL, "active");
    for (int i = 1; i <= 5; i++)
        execution(&l, t_(t, 2, 9 * 3600 + i), "busy", "lead", "L-1", i == 5 ? "failed" : "ok", 10,
                  NULL);
    for (int i = 1; i <= 4; i++) /* 1 of 4 failed: below min_executions */
        execution(&l, t_(t, 2, 9 * 3600 + 10 + i), "quiet", "lead", "L-1",
                  i == 4 ? "failed" : "ok", 10, NULL);
    feed(h, &l);
    ASSERT_KEYS(h, "AUD001", "AUD001 busy - open 2026-03-02T09:00:05Z 2026-03-02T09:00:05Z\n");
    ASSERT_EVIDENCE(h, "AUD001", "busy", "-",
                    "{\"window_from\":\"2026-02-24\",\"window_to\":\"2026-03-02\",\"executions\":5,"
                    "\"failures\":1,\"failure_rate\":0.2,\"max_failure_rate\":0.05,"
                    "\"min_executions\":5}");
    /* a week later the window holds no run: it clears at the day boundary */
    advance(h, "2026-03-09T00:01:00Z");
    ASSERT_KEYS(h, "AUD001",
                "AUD001 busy - resolved 2026-03-02T09:00:05Z 2026-03-09T00:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* AUD002                                                                    */

static void test_missed_action_sla_boundary(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-02T08:00:00Z", "qa", "lead", UPDATE_STATUS, QUALIFIED, "active");
    record(&l, "2026-03-02T09:00:00Z", "lead", "L-1", "create", "{\"status\":[null,\"new\"]}");
    record(&l, "2026-03-02T09:00:00Z", "lead", "L-2", "create", "{\"status\":[null,\"new\"]}");
    record(&l, "2026-03-02T10:00:00Z", "lead", "L-1", "update", "{\"status\":[\"new\",\"qualified\"]}");
    record(&l, "2026-03-02T10:00:00Z", "lead", "L-2", "update", "{\"status\":[\"new\",\"qualified\"]}");
    /* exactly at the SLA: in time; one second later: missed */
    execution(&l, "2026-03-02T10:15:00Z", "qa", "lead", "L-1", "ok", 5, NULL);
    execution(&l, "2026-03-02T10:15:01Z", "qa", "lead", "L-2", "ok", 5, NULL);
    /* a change the conditions reject is no missed action */
    record(&l, "2026-03-02T10:20:00Z", "lead", "L-2", "update", "{\"status\":[\"qualified\",\"lost\"]}");
    feed(h, &l);
    advance(h, "2026-03-02T10:29:00Z"); /* judged sla + lateness after the change */
    ASSERT_KEYS(h, "AUD002", "");
    advance(h, "2026-03-02T11:00:00Z");
    assert_one_missed(h, "qa", "L-2");
    ASSERT_KEYS(h, "AUD003", ""); /* both runs had their change */
    /* the window moves past the miss: cleared */
    advance(h, "2026-03-09T00:00:00Z");
    ASSERT_KEYS(h, "AUD002",
                "AUD002 qa - resolved 2026-03-02T11:00:00Z 2026-03-09T00:00:00Z\n");
    crmgov_harness_free(h);
}

static void test_execution_before_its_change(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-02T08:00:00Z", "qa", "lead", UPDATE_STATUS, QUALIFIED, "active");
    record(&l, "2026-03-02T09:00:00Z", "lead", "L-1", "create", "{\"status\":[null,\"new\"]}");
    feed(h, &l);
    /* two connectors: the run is delivered first, its change after, one batch */
    execution(&l, "2026-03-02T10:00:04Z", "qa", "lead", "L-1", "ok", 5, NULL);
    record(&l, "2026-03-02T10:00:00Z", "lead", "L-1", "update", "{\"status\":[\"new\",\"qualified\"]}");
    feed(h, &l);
    advance(h, "2026-03-02T12:00:00Z");
    ASSERT_KEYS(h, "AUD", "");
    crmgov_harness_free(h);
}

/* A definition that changes its conditions is judged by the new ones from
 * its change on: a change only the old conditions accept is no missed
 * action, one only the new accept is. */
static void test_redefined_conditions(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-02T08:00:00Z", "qa", "lead", UPDATE_STATUS, QUALIFIED, "active");
    record(&l, "2026-03-02T09:00:00Z", "lead", "L-1", "create", "{\"status\":[null,\"new\"]}");
    record(&l, "2026-03-02T09:00:00Z", "lead", "L-2", "create", "{\"status\":[null,\"new\"]}");
    feed(h, &l);
    automation(&l, "2026-03-02T09:30:00Z", "qa", "lead", UPDATE_STATUS,
               "[{\"field\":\"status\",\"op\":\"eq\",\"value\":\"lost\"}]", "active");
    record(&l, "2026-03-02T10:00:00Z", "lead", "L-1", "update", "{\"status\":[\"new\",\"qualified\"]}");
    record(&l, "2026-03-02T10:00:00Z", "lead", "L-2", "update", "{\"status\":[\"new\",\"lost\"]}");
    feed(h, &l);
    advance(h, "2026-03-02T11:00:00Z");
    assert_one_missed(h, "qa", "L-2");
    crmgov_harness_free(h);
}

static void test_condition_on_unchanged_field(void **state)
{
    (void)state;
    /* the condition reads a field the change does not carry: the layer
     * remembers it from the create; a record first seen by an update is
     * unknown and judges nothing */
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-02T08:00:00Z", "big", "deal",
               "{\"on\":\"update\",\"fields\":[\"stage\"]}",
               "[{\"field\":\"amount\",\"op\":\"gt\",\"value\":50000}]", "active");
    record(&l, "2026-03-02T09:00:00Z", "deal", "D-1", "create",
           "{\"stage\":[null,\"new\"],\"amount\":[null,60000]}");
    record(&l, "2026-03-02T09:00:00Z", "deal", "D-2", "create",
           "{\"stage\":[null,\"new\"],\"amount\":[null,\"7000\"]}");
    record(&l, "2026-03-02T10:00:00Z", "deal", "D-1", "update", "{\"stage\":[\"new\",\"proposal\"]}");
    record(&l, "2026-03-02T10:00:00Z", "deal", "D-2", "update", "{\"stage\":[\"new\",\"proposal\"]}");
    record(&l, "2026-03-02T10:00:00Z", "deal", "D-9", "update", "{\"stage\":[\"new\",\"proposal\"]}");
    feed(h, &l);
    advance(h, "2026-03-02T11:00:00Z");
    assert_one_missed(h, "big", "D-1");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* AUD003                                                                    */

static void test_unintended_trigger(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-02T04:00:00Z", "digest", "lead", SCHEDULE, NULL, "active");
    automation(&l, "2026-03-02T04:00:00Z", "rescore", "lead", "{\"on\":\"manual\"}", NULL, "active");
    automation(&l, "2026-03-02T04:00:00Z", "qa", "lead", UPDATE_STATUS, QUALIFIED, "active");
    record(&l, "2026-03-02T05:00:00Z", "lead", "L-1", "create", "{\"status\":[null,\"new\"]}");
    /* an hour and more later: schedule and manual runs need no change */
    execution(&l, "2026-03-02T07:00:00Z", "digest", "lead", "L-1", "ok", 5, NULL);
    execution(&l, "2026-03-02T07:00:01Z", "rescore", "lead", "L-1", "ok", 5, NULL);
    /* a record-triggered run without any change on its record */
    execution(&l, "2026-03-02T07:00:02Z", "qa", "lead", "L-5", "ok", 5, NULL);
    /* and one on another object than the automation's */
    execution(&l, "2026-03-02T07:00:03Z", "qa", "deal", "D-5", "ok", 5, NULL);
    feed(h, &l);
    ASSERT_KEYS(h, "AUD003",
                "AUD003 qa wrong-object open 2026-03-02T07:00:03Z 2026-03-02T07:00:03Z\n");
    advance(h, "2026-03-02T08:00:00Z");
    ASSERT_KEYS(h, "AUD003",
                "AUD003 qa no-trigger open 2026-03-02T08:00:00Z 2026-03-02T08:00:00Z\n"
                "AUD003 qa wrong-object open 2026-03-02T07:00:03Z 2026-03-02T07:00:03Z\n");
    ASSERT_EVIDENCE(h, "AUD003", "qa", "no-trigger",
                    "{\"window_from\":\"2026-02-24\",\"window_to\":\"2026-03-02\",\"count\":1,"
                    "\"lookback_seconds\":3600,\"examples\":[{\"record\":\"L-5\",\"executed_at\":"
                    "\"2026-03-02T07:00:02Z\"}]}");
    ASSERT_EVIDENCE(h, "AUD003", "qa", "wrong-object",
                    "{\"window_from\":\"2026-02-24\",\"window_to\":\"2026-03-02\",\"count\":1,"
                    "\"object\":\"lead\",\"ran_on\":\"deal\",\"examples\":[{\"record\":\"D-5\","
                    "\"executed_at\":\"2026-03-02T07:00:03Z\"}]}");
    crmgov_harness_free(h);
}

static void test_no_trigger_needs_a_watched_lookback(void **state)
{
    (void)state;
    /* the first record event of the system comes 10 minutes before the run:
     * the layer cannot know what happened in the hour before, so no AUD003 */
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-02T04:00:00Z", "qa", "lead", UPDATE_STATUS, QUALIFIED, "active");
    record(&l, "2026-03-02T06:50:00Z", "lead", "L-1", "create", "{\"status\":[null,\"new\"]}");
    execution(&l, "2026-03-02T07:00:00Z", "qa", "lead", "L-7", "ok", 5, NULL);
    feed(h, &l);
    advance(h, "2026-03-02T09:00:00Z");
    ASSERT_KEYS(h, "AUD003", "");
    crmgov_harness_free(h);
}

static void test_spike(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("window = 1d\nbaseline = 2d\nmin_executions = 20\n");
    struct lines l = { 0 };
    char t[32];
    automation(&l, "2026-03-01T00:00:00Z", "burst", "lead", SCHEDULE, NULL, "active");
    automation(&l, "2026-03-01T00:00:00Z", "sparse", "lead", SCHEDULE, NULL, "active");
    for (int day = 1; day <= 2; day++)
        for (int i = 0; i < 2; i++)
            execution(&l, t_(t, day, 3600 + i), "burst", "lead", "L-1", "ok", 5, NULL);
    feed(h, &l);
    for (int i = 0; i < 20; i++)
        execution(&l, t_(t, 3, 3600 + i), "burst", "lead", "L-1", "ok", 5, NULL);
    /* never ran before, but 19 runs are below min_executions: never a spike */
    for (int i = 0; i < 19; i++)
        execution(&l, t_(t, 3, 7200 + i), "sparse", "lead", "L-1", "ok", 5, NULL);
    feed(h, &l);
    ASSERT_KEYS(h, "AUD003", "AUD003 burst spike open 2026-03-03T01:00:19Z 2026-03-03T01:00:19Z\n");
    ASSERT_EVIDENCE(h, "AUD003", "burst", "spike",
                    "{\"day\":\"2026-03-03\",\"executions\":20,\"baseline_daily_mean\":2,"
                    "\"baseline_days\":2,\"spike_factor\":5,\"min_executions\":20}");
    /* the day leaves the one-day window: cleared */
    advance(h, "2026-03-04T00:00:00Z");
    ASSERT_KEYS(h, "AUD003",
                "AUD003 burst spike resolved 2026-03-03T01:00:19Z 2026-03-04T00:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* AUD004                                                                    */

/* `n` deals touched by `id` on March `day`, `won` of them won the same day. */
static void cohort(struct lines *l, const char *id, int day, int n, int won, int *next)
{
    char t[32], rec[16];
    for (int i = 0; i < n; i++) {
        int k = (*next)++;
        snprintf(rec, sizeof(rec), "D-%d", k);
        record(l, t_(t, day, 3600 + i), "deal", rec, "create", "{\"stage\":[null,\"new\"]}");
        execution(l, t_(t, day, 7200 + i), id, "deal", rec, "ok", 5, NULL);
        if (i < won)
            record(l, t_(t, day, 10800 + i), "deal", rec, "update",
                   "{\"stage\":[\"new\",\"won\"]}");
    }
}

static void test_conversion_decline(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("window = 1d\nbaseline = 2d\nhorizon = 1d\n");
    struct lines l = { 0 };
    int next = 1000;
    automation(&l, "2026-03-01T00:00:00Z", "nurture", "deal", SCHEDULE, NULL, "active");
    cohort(&l, "nurture", 1, 60, 30, &next);
    cohort(&l, "nurture", 2, 60, 30, &next);
    cohort(&l, "nurture", 3, 40, 4, &next);
    feed(h, &l);
    /* day 3's touches have had their horizon only from day 5 on */
    advance(h, "2026-03-04T12:00:00Z");
    ASSERT_KEYS(h, "AUD004", "");
    advance(h, "2026-03-05T00:00:00Z");
    ASSERT_KEYS(h, "AUD004", "AUD004 nurture - open 2026-03-05T00:00:00Z 2026-03-05T00:00:00Z\n");
    ASSERT_EVIDENCE(h, "AUD004", "nurture", "-",
                    "{\"baseline\":{\"from\":\"2026-03-01\",\"to\":\"2026-03-02\",\"touched\":120,"
                    "\"converted\":60,\"rate\":0.5},\"window\":{\"from\":\"2026-03-03\",\"to\":"
                    "\"2026-03-03\",\"touched\":40,\"converted\":4,\"rate\":0.1},\"z\":-4.2858,"
                    "\"p\":1.8e-05,\"significance\":0.05,\"horizon_days\":1,\"conversion\":\"stage\"}");
    crmgov_harness_free(h);
}

static void test_conversion_sample_too_small(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("window = 1d\nbaseline = 2d\nhorizon = 1d\n");
    struct lines l = { 0 };
    int next = 1000;
    automation(&l, "2026-03-01T00:00:00Z", "nurture", "deal", SCHEDULE, NULL, "active");
    cohort(&l, "nurture", 1, 60, 30, &next);
    cohort(&l, "nurture", 2, 60, 30, &next);
    cohort(&l, "nurture", 3, 29, 0, &next); /* min_sample is 30 */
    feed(h, &l);
    advance(h, "2026-03-06T00:00:00Z");
    ASSERT_KEYS(h, "AUD004", "");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* AUD005                                                                    */

static void test_dormant_and_reactivated(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("dormant_after = 2d\n");
    struct lines l = { 0 };
    automation(&l, "2026-03-01T00:00:00Z", "idle", "lead", SCHEDULE, NULL, "active");
    automation(&l, "2026-03-01T00:00:00Z", "re", "lead", SCHEDULE, NULL, "active");
    execution(&l, "2026-03-01T01:00:00Z", "re", "lead", "L-1", "ok", 5, NULL);
    automation(&l, "2026-03-01T02:00:00Z", "re", "lead", SCHEDULE, NULL, "inactive");
    feed(h, &l);
    advance(h, "2026-03-03T00:01:00Z");
    ASSERT_KEYS(h, "AUD005", "AUD005 idle - open 2026-03-03T00:01:00Z 2026-03-03T00:01:00Z\n");
    ASSERT_EVIDENCE(h, "AUD005", "idle", "-",
                    "{\"last_execution\":null,\"active_since\":\"2026-03-01T00:00:00Z\","
                    "\"idle_days\":2,\"dormant_after_days\":2}");
    feed1(h, "{\"type\":\"execution\",\"system\":\"s\",\"at\":\"2026-03-03T05:00:00Z\","
             "\"automation\":\"idle\",\"record\":\"L-1\",\"status\":\"ok\"}");
    ASSERT_KEYS(h, "AUD005",
                "AUD005 idle - resolved 2026-03-03T00:01:00Z 2026-03-03T05:00:00Z\n");
    /* nine days inactive, then back: its idle time starts at the reactivation */
    automation(&l, "2026-03-10T00:00:00Z", "re", "lead", SCHEDULE, NULL, "active");
    feed(h, &l);
    advance(h, "2026-03-11T23:59:00Z");
    char *all = keys(h, "AUD005");
    assert_null(strstr(all, " re "));
    free(all);
    advance(h, "2026-03-12T00:01:00Z");
    ASSERT_EVIDENCE(h, "AUD005", "re", "-",
                    "{\"last_execution\":\"2026-03-01T01:00:00Z\",\"active_since\":"
                    "\"2026-03-10T00:00:00Z\",\"idle_days\":2,\"dormant_after_days\":2}");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* AUD006                                                                    */

static void test_notification_overload(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("max_notifications_per_day = 3\n");
    struct lines l = { 0 };
    char t[32];
    automation(&l, "2026-03-01T00:00:00Z", "n1", "lead", SCHEDULE, NULL, "active");
    automation(&l, "2026-03-01T00:00:00Z", "n2", "lead", SCHEDULE, NULL, "active");
    for (int i = 0; i < 3; i++)
        execution(&l, t_(t, 2, 3600 + i), "n1", "lead", "L-1", "ok", 5, "[\"u-1\"]");
    feed(h, &l);
    ASSERT_KEYS(h, "AUD006", "");
    execution(&l, "2026-03-02T02:00:00Z", "n2", "lead", "L-1", "ok", 5, "[\"u-1\",\"u-2\"]");
    feed(h, &l);
    ASSERT_KEYS(h, "AUD006", "AUD006 - u-1 open 2026-03-02T02:00:00Z 2026-03-02T02:00:00Z\n");
    ASSERT_EVIDENCE(h, "AUD006", "-", "u-1",
                    "{\"day\":\"2026-03-02\",\"notifications\":4,\"limit\":3,\"top_automations\":"
                    "[{\"automation\":\"n1\",\"notifications\":3},{\"automation\":\"n2\","
                    "\"notifications\":1}]}");
    /* the next day stays within the limit: cleared when it closes */
    execution(&l, "2026-03-03T02:00:00Z", "n1", "lead", "L-1", "ok", 5, "[\"u-1\"]");
    feed(h, &l);
    ASSERT_KEYS(h, "AUD006", "AUD006 - u-1 open 2026-03-02T02:00:00Z 2026-03-02T02:00:00Z\n");
    advance(h, "2026-03-04T00:00:00Z");
    ASSERT_KEYS(h, "AUD006",
                "AUD006 - u-1 resolved 2026-03-02T02:00:00Z 2026-03-04T00:00:00Z\n");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* AUD007                                                                    */

/* Six leads changing status on March `day`, each followed by a run (or not). */
static void busy_day(struct lines *l, const char *id, int day, int runs, int *next)
{
    char t[32], rec[16];
    for (int i = 0; i < 6; i++) {
        snprintf(rec, sizeof(rec), "L-%d", (*next)++);
        record(l, t_(t, day, 3600 + 60 * i), "lead", rec, "create", "{\"status\":[null,\"new\"]}");
        record(l, t_(t, day, 7200 + 60 * i), "lead", rec, "update",
               "{\"status\":[\"new\",\"working\"]}");
        if (runs)
            execution(l, t_(t, day, 7210 + 60 * i), id, "lead", rec, "ok", 5, NULL);
    }
}

static void test_silent_stop(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("window = 1d\nbaseline = 2d\nmin_executions = 5\n");
    struct lines l = { 0 };
    int next = 1;
    automation(&l, "2026-03-01T00:00:00Z", "up", "lead", UPDATE_STATUS, NULL, "active");
    for (int day = 1; day <= 3; day++)
        busy_day(&l, "up", day, 1, &next);
    busy_day(&l, "up", 4, 0, &next); /* changes go on, the automation is silent */
    feed(h, &l);
    advance(h, "2026-03-05T00:00:00Z");
    ASSERT_KEYS(h, "AUD007", "AUD007 up - open 2026-03-05T00:00:00Z 2026-03-05T00:00:00Z\n");
    ASSERT_EVIDENCE(h, "AUD007", "up", "-",
                    "{\"window_from\":\"2026-03-04\",\"window_to\":\"2026-03-04\","
                    "\"baseline_from\":\"2026-03-02\",\"baseline_to\":\"2026-03-03\","
                    "\"executions\":0,\"expected_executions\":6,\"baseline_executions\":12,"
                    "\"matching_changes\":6,\"silent_ratio\":0.1}");
    /* switched off: a stopped automation is not silent */
    automation(&l, "2026-03-05T09:00:00Z", "up", "lead", UPDATE_STATUS, NULL, "inactive");
    feed(h, &l);
    ASSERT_KEYS(h, "AUD007",
                "AUD007 up - resolved 2026-03-05T00:00:00Z 2026-03-05T09:00:00Z\n");
    crmgov_harness_free(h);
}

static void test_silent_stop_not_after_reactivation(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("window = 1d\nbaseline = 2d\nmin_executions = 5\n");
    struct lines l = { 0 };
    int next = 1;
    automation(&l, "2026-03-01T00:00:00Z", "up", "lead", UPDATE_STATUS, NULL, "active");
    busy_day(&l, "up", 1, 1, &next);
    busy_day(&l, "up", 2, 1, &next);
    automation(&l, "2026-03-03T00:00:00Z", "up", "lead", UPDATE_STATUS, NULL, "inactive");
    automation(&l, "2026-03-04T00:30:00Z", "up", "lead", UPDATE_STATUS, NULL, "active");
    busy_day(&l, "up", 4, 0, &next);
    feed(h, &l);
    advance(h, "2026-03-05T00:00:00Z");
    ASSERT_KEYS(h, "AUD007", "");
    ASSERT_KEYS(h, "AUD005", "");
    crmgov_harness_free(h);
}

/* ------------------------------------------------------------------------ */
/* metrics and report                                                        */

static void test_metrics_command(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    automation(&l, "2026-03-01T00:00:00Z", "m", "deal", SCHEDULE, NULL, "active");
    record(&l, "2026-03-02T08:00:00Z", "deal", "D-1", "create", "{\"stage\":[null,\"new\"]}");
    execution(&l, "2026-03-02T09:00:00Z", "m", "deal", "D-1", "ok", 10, "[\"u-1\"]");
    execution(&l, "2026-03-02T09:00:01Z", "m", "deal", "D-1", "ok", 20, NULL);
    execution(&l, "2026-03-02T09:00:02Z", "m", "deal", "D-2", "failed", 30, NULL);
    record(&l, "2026-03-02T10:00:00Z", "deal", "D-1", "update", "{\"stage\":[\"new\",\"won\"]}");
    execution(&l, "2026-03-03T09:00:00Z", "m", "deal", "D-1", "ok", 7, NULL);
    feed(h, &l);
    int status;
    char *out = crmgov_harness_command(h, "metrics s/m --format csv", &status);
    assert_int_equal(status, 0);
    assert_string_equal(out,
                        "day,executions,failures,duration_median_ms,duration_p95_ms,"
                        "notifications,records_touched,conversions\r\n"
                        "2026-03-02,3,1,21,30,1,2,1\r\n"
                        "2026-03-03,1,0,7,7,0,1,0\r\n");
    free(out);
    out = crmgov_harness_command(h, "metrics s/m --since 2026-03-03 --format csv", &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "2026-03-03,1,0,7,7,0,1,0"));
    assert_null(strstr(out, "2026-03-02"));
    free(out);
    out = crmgov_harness_command(h, "metrics s/nothing", &status);
    assert_int_equal(status, 2);
    free(out);
    out = crmgov_harness_command(h, "metrics nothing", &status);
    assert_int_equal(status, 2);
    free(out);
    out = crmgov_harness_command(h, "metrics s/m --since yesterday", &status);
    assert_int_equal(status, 2);
    free(out);
    crmgov_harness_free(h);
}

/* A stand-in change layer: it raises CHG004 for `late` and CHG001 (high)
 * for `drift`, so the report's use of change findings can be pinned. */
static const struct crmgov_host *stub_host;

static int stub_on_automation(void *state, const struct crmgov_event *ev)
{
    (void)state;
    const char *id = ev->u.automation->id;
    const char *rule = strcmp(id, "late") == 0 ? "CHG004" : strcmp(id, "drift") == 0 ? "CHG001" : NULL;
    if (!rule)
        return CRMGOV_OK;
    struct crmgov_finding f = { .struct_size = sizeof(f), .rule = rule, .name = "stub",
                                .severity = rule[5] == '1' ? CRMGOV_SEVERITY_HIGH
                                                           : CRMGOV_SEVERITY_MEDIUM,
                                .system = ev->system, .automation = id, .message = "stub" };
    return stub_host->finding_raise(stub_host, &f, ev->at);
}

static int stub_init(const struct crmgov_host *host, const struct crmgov_config *config,
                     void **state)
{
    (void)config;
    stub_host = host;
    *state = (void *)&stub_host;
    return host->subscribe(host, CRMGOV_TOPIC_AUTOMATION, stub_on_automation, NULL);
}

static void stub_fini(void *state)
{
    (void)state;
}

static const struct crmgov_option stub_options[] = { CRMGOV_OPTIONS_END };
static const struct crmgov_plugin stub_change = {
    CRMGOV_PLUGIN_HEADER, .name = "change", .version = "0.0.1", .description = "stub",
    .vendor = "test", .license = "MIT", .kind = CRMGOV_PLUGIN_LAYER,
    CRMGOV_PLUGIN_OPTIONS(stub_options), .init = stub_init, .fini = stub_fini,
};

static void report_inventory(struct lines *l)
{
    automation(l, "2026-03-01T00:00:00Z", "ok1", "lead", SCHEDULE, NULL, "active");
    automation(l, "2026-03-01T00:00:00Z", "late", "lead", SCHEDULE, NULL, "active");
    automation(l, "2026-03-01T00:00:00Z", "drift", "lead", SCHEDULE, NULL, "active");
    automation(l, "2026-03-01T00:00:00Z", "off", "lead", SCHEDULE, NULL, "inactive");
    add(l, "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T00:00:00Z\","
           "\"id\":\"u-1\",\"active\":true}");
    add(l, "{\"type\":\"principal\",\"system\":\"s\",\"at\":\"2026-03-01T00:00:00Z\","
           "\"id\":\"u-2\",\"active\":false}");
    add(l, "{\"type\":\"ownership\",\"system\":\"s\",\"at\":\"2026-03-01T00:00:00Z\","
           "\"automation\":\"ok1\",\"role\":\"system\",\"principal\":\"u-1\"}");
    add(l, "{\"type\":\"ownership\",\"system\":\"s\",\"at\":\"2026-03-01T00:00:00Z\","
           "\"automation\":\"late\",\"role\":\"system\",\"principal\":\"u-2\"}");
    add(l, "{\"type\":\"ownership\",\"system\":\"s\",\"at\":\"2026-03-01T00:00:00Z\","
           "\"automation\":\"drift\",\"role\":\"decision\",\"principal\":\"u-1\"}");
    execution(l, "2026-03-02T09:00:00Z", "ok1", "lead", "L-1", "ok", 5, "[\"u-1\"]");
}

static cJSON *report_json(struct crmgov_harness *h)
{
    int status;
    char *out = crmgov_harness_command(h, "report --format json --since 2026-03-01", &status);
    assert_int_equal(status, 0);
    cJSON *root = cJSON_Parse(out);
    free(out);
    assert_non_null(root);
    return root;
}

static char *scorecard(cJSON *root)
{
    cJSON *sys = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "systems"), 0);
    return cJSON_PrintUnformatted(cJSON_GetObjectItem(sys, "scorecard"));
}

static void test_report_without_change_layer(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("");
    struct lines l = { 0 };
    report_inventory(&l);
    feed(h, &l);
    cJSON *root = report_json(h);
    char *card = scorecard(root);
    /* ok1 is owned by an active principal; late's owner left; drift has no system owner */
    assert_string_equal(card, "{\"active_automations\":3,\"owned\":{\"count\":1,\"total\":3,"
                              "\"share\":0.3333},\"reviewed_in_time\":null,\"approved\":null,"
                              "\"free_of_high_findings\":{\"count\":3,\"total\":3,\"share\":1}}");
    free(card);
    char *layers = cJSON_PrintUnformatted(cJSON_GetObjectItem(root, "layers"));
    assert_string_equal(layers, "{\"ownership\":false,\"change\":false,\"audit\":true}");
    free(layers);
    cJSON *sys = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "systems"), 0);
    cJSON *rows = cJSON_GetObjectItem(sys, "automations");
    assert_int_equal(cJSON_GetArraySize(rows), 3); /* inactive and idle: left out */
    cJSON *first = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "automation")->valuestring, "ok1");
    assert_int_equal(cJSON_GetObjectItem(first, "executions")->valueint, 1);
    cJSON *notify = cJSON_GetObjectItem(cJSON_GetObjectItem(sys, "charts"), "notifications");
    char *n = cJSON_PrintUnformatted(notify);
    assert_string_equal(n, "[{\"principal\":\"u-1\",\"total\":1,\"peak\":1,\"peak_day\":\"2026-03-02\"}]");
    free(n);
    cJSON_Delete(root);
    int status;
    char *text = crmgov_harness_command(h, "report --since 2026-03-01", &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(text, "reviewed in time       n/a (change layer not configured)"));
    assert_non_null(strstr(text, "owned                  1/3  33.3%"));
    free(text);
    char *bad = crmgov_harness_command(h, "report --format pdf", &status);
    assert_int_equal(status, 2);
    free(bad);
    crmgov_harness_free(h);
}

static void test_report_with_change_findings(void **state)
{
    (void)state;
    struct crmgov_harness *h = crmgov_harness_new();
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "audit", ""), 0);
    assert_int_equal(crmgov_harness_add_descriptor(h, &stub_change, "change", ""), 0);
    assert_int_equal(crmgov_harness_start(h), 0);
    struct lines l = { 0 };
    report_inventory(&l);
    feed(h, &l);
    cJSON *root = report_json(h);
    char *card = scorecard(root);
    assert_string_equal(card, "{\"active_automations\":3,\"owned\":{\"count\":1,\"total\":3,"
                              "\"share\":0.3333},\"reviewed_in_time\":{\"count\":2,\"total\":3,"
                              "\"share\":0.6667},\"approved\":{\"count\":2,\"total\":3,\"share\":"
                              "0.6667},\"free_of_high_findings\":{\"count\":2,\"total\":3,"
                              "\"share\":0.6667}}");
    free(card);
    cJSON *sys = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "systems"), 0);
    char *open = cJSON_PrintUnformatted(cJSON_GetObjectItem(sys, "open_findings"));
    assert_string_equal(open, "{\"total\":2,\"by_layer\":[{\"layer\":\"change\",\"critical\":0,"
                              "\"high\":1,\"medium\":1,\"low\":0,\"info\":0}]}");
    free(open);
    cJSON_Delete(root);
    crmgov_harness_free(h);
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/audit.so", build ? build : "build");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failure_rate),
        cmocka_unit_test(test_missed_action_sla_boundary),
        cmocka_unit_test(test_execution_before_its_change),
        cmocka_unit_test(test_condition_on_unchanged_field),
        cmocka_unit_test(test_redefined_conditions),
        cmocka_unit_test(test_unintended_trigger),
        cmocka_unit_test(test_no_trigger_needs_a_watched_lookback),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_conversion_decline),
        cmocka_unit_test(test_conversion_sample_too_small),
        cmocka_unit_test(test_dormant_and_reactivated),
        cmocka_unit_test(test_notification_overload),
        cmocka_unit_test(test_silent_stop),
        cmocka_unit_test(test_silent_stop_not_after_reactivation),
        cmocka_unit_test(test_metrics_command),
        cmocka_unit_test(test_report_without_change_layer),
        cmocka_unit_test(test_report_with_change_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
