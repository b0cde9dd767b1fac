/*
 * test_webhook_units.c -- the webhook sink's pure parts, without a core:
 * the digest calendar and the per-day cap (event time), delivery modes,
 * backoff with jitter, how answers are classified, the signature (checked
 * against HMAC-SHA256 computed independently with Python's hmac module),
 * idempotency keys, command quoting, Slack escaping and routing options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sinks/webhook/deliver.h"
#include "sinks/webhook/message.h"
#include "sinks/webhook/policy.h"
#include "sinks/webhook/route.h"

#define HOUR 3600000LL
#define DAY POLICY_DAY_MS
/* 2026-03-01T00:00:00Z */
#define MAR1 1772323200000LL

static struct policy eight_oclock(int64_t max)
{
    /* by severity: info, low, medium digest; high, critical immediate */
    struct policy p = { { MODE_DIGEST, MODE_DIGEST, MODE_DIGEST, MODE_IMMEDIATE,
                          MODE_IMMEDIATE },
                        8 * HOUR, max };
    return p;
}

static void test_time_of_day(void **state)
{
    (void)state;
    assert_int_equal(policy_time_of_day("08:00"), 8 * HOUR);
    assert_int_equal(policy_time_of_day("00:00"), 0);
    assert_int_equal(policy_time_of_day("23:59"), 23 * HOUR + 59 * 60000);
    assert_int_equal(policy_time_of_day("24:00"), -1);
    assert_int_equal(policy_time_of_day("8:00"), -1);
    assert_int_equal(policy_time_of_day("08:60"), -1);
    assert_int_equal(policy_time_of_day("08-00"), -1);
    assert_int_equal(policy_time_of_day(""), -1);
    assert_int_equal(policy_time_of_day(NULL), -1);
    assert_int_equal(policy_mode_parse("digest"), MODE_DIGEST);
    assert_int_equal(policy_mode_parse("never"), -1);
}

static void test_periods(void **state)
{
    (void)state;
    struct policy p = eight_oclock(3);
    /* 07:59 belongs to the period that began yesterday at 08:00 */
    assert_int_equal(policy_period_start(&p, MAR1 + 8 * HOUR - 60000), MAR1 - DAY + 8 * HOUR);
    assert_int_equal(policy_period_start(&p, MAR1 + 8 * HOUR), MAR1 + 8 * HOUR);
    assert_int_equal(policy_period_start(&p, MAR1 + 23 * HOUR), MAR1 + 8 * HOUR);
    assert_int_equal(policy_next_boundary(&p, MAR1 + 8 * HOUR), MAR1 + DAY + 8 * HOUR);
    assert_int_equal(policy_next_boundary(&p, MAR1), MAR1 + 8 * HOUR);
    /* before 1970 the floor still holds */
    assert_int_equal(policy_period_start(&p, -1), -DAY + 8 * HOUR);
}

static void test_modes_by_severity(void **state)
{
    (void)state;
    struct policy p = eight_oclock(3);
    p.mode[CRMGOV_SEVERITY_INFO] = MODE_OFF;
    assert_int_equal(policy_mode(&p, CRMGOV_SEVERITY_CRITICAL), MODE_IMMEDIATE);
    assert_int_equal(policy_mode(&p, CRMGOV_SEVERITY_HIGH), MODE_IMMEDIATE);
    assert_int_equal(policy_mode(&p, CRMGOV_SEVERITY_MEDIUM), MODE_DIGEST);
    assert_int_equal(policy_mode(&p, CRMGOV_SEVERITY_INFO), MODE_OFF);
    assert_int_equal(policy_mode(&p, 99), MODE_IMMEDIATE); /* clamped to critical */
}

static void test_cap_counts_per_period_digest_included(void **state)
{
    (void)state;
    struct policy p = eight_oclock(3);
    struct cap_count c = { CRMGOV_TIME_NONE, 0 };
    crmgov_time t = MAR1 + 9 * HOUR;
    assert_int_equal(policy_cap_take(&p, &c, t), 1);
    assert_int_equal(policy_cap_take(&p, &c, t + 1), 1);
    assert_int_equal(policy_cap_take(&p, &c, t + 2), 1);
    assert_int_equal(policy_cap_take(&p, &c, t + 3), 0); /* the fourth folds */
    assert_int_equal(c.sent, 3);
    /* next morning: the digest is the first message of the new period */
    policy_cap_digest(&p, &c, MAR1 + DAY + 8 * HOUR);
    assert_int_equal(c.period, MAR1 + DAY + 8 * HOUR);
    assert_int_equal(c.sent, 1);
    assert_int_equal(policy_cap_take(&p, &c, MAR1 + DAY + 9 * HOUR), 1);
    assert_int_equal(policy_cap_take(&p, &c, MAR1 + DAY + 10 * HOUR), 1);
    assert_int_equal(policy_cap_take(&p, &c, MAR1 + DAY + 11 * HOUR), 0);
    /* a late event from yesterday counts in the period already open */
    assert_int_equal(policy_cap_take(&p, &c, MAR1 + 20 * HOUR), 0);
    assert_int_equal(c.period, MAR1 + DAY + 8 * HOUR);
}

static void test_backoff(void **state)
{
    (void)state;
    /* random 0 gives the lower half, UINT32_MAX almost the whole wait */
    assert_int_equal(deliver_backoff_ms(1000, 300000, 1, 0), 500);
    assert_int_equal(deliver_backoff_ms(1000, 300000, 1, UINT32_MAX), 999);
    assert_int_equal(deliver_backoff_ms(1000, 300000, 2, 0), 1000);
    assert_int_equal(deliver_backoff_ms(1000, 300000, 4, 0), 4000);
    assert_int_equal(deliver_backoff_ms(1000, 300000, 40, 0), 150000); /* capped at max */
    assert_int_equal(deliver_backoff_ms(1000, 300000, 1000000, UINT32_MAX), 299999);
    assert_int_equal(deliver_backoff_ms(1000, 300000, 3, 1u << 31), 3000);
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(deliver_classify(1, 200), DELIVER_OK);
    assert_int_equal(deliver_classify(1, 204), DELIVER_OK);
    assert_int_equal(deliver_classify(0, 0), DELIVER_RETRY);
    assert_int_equal(deliver_classify(1, 503), DELIVER_RETRY);
    assert_int_equal(deliver_classify(1, 500), DELIVER_RETRY);
    assert_int_equal(deliver_classify(1, 429), DELIVER_RETRY);
    assert_int_equal(deliver_classify(1, 408), DELIVER_RETRY);
    assert_int_equal(deliver_classify(1, 400), DELIVER_PERMANENT);
    assert_int_equal(deliver_classify(1, 401), DELIVER_PERMANENT);
    assert_int_equal(deliver_classify(1, 404), DELIVER_PERMANENT);
    assert_int_equal(deliver_classify(1, 301), DELIVER_PERMANENT);
}

static void test_signature_vector(void **state)
{
    (void)state;
    char sig[72];
    const char *body = "{\"a\":1}";
    deliver_signature("s3cret", "1700000000", body, strlen(body), sig);
    /* python3: hmac.new(b's3cret', b'1700000000.{"a":1}', hashlib.sha256).hexdigest() */
    assert_string_equal(sig,
        "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940");
    deliver_signature("s3cret", "1700000001", body, strlen(body), sig);
    assert_string_not_equal(sig,
        "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940");
}

static void test_message_id(void **state)
{
    (void)state;
    char id[33];
    message_id("owners", "digest\nu@x\n0", id);
    /* python3: hashlib.sha256(b'owners\x00digest\nu@x\n0').hexdigest()[:32] */
    assert_string_equal(id, "140c4bd5a96c46c87293b7413cd81ac1");
}

static void test_commands_quote_odd_ids(void **state)
{
    (void)state;
    struct crmgov_finding f = { .struct_size = sizeof(f), .rule = "CHG002", .system = "sf-prod",
                                .automation = "Lead Route's v2" };
    cJSON *c = message_commands(&f);
    char *text = cJSON_PrintUnformatted(c);
    assert_string_equal(text,
        "[\"crmgov findings --rule CHG002 --system sf-prod --automation 'Lead Route'\\\\''s v2'"
        " --state all\",\"crmgov history 'sf-prod/Lead Route'\\\\''s v2'\"]");
    cJSON_free(text);
    cJSON_Delete(c);
    f.automation = NULL;
    c = message_commands(&f);
    text = cJSON_PrintUnformatted(c);
    assert_string_equal(text, "[\"crmgov findings --rule CHG002 --system sf-prod --state all\"]");
    cJSON_free(text);
    cJSON_Delete(c);
}

static void test_slack_escape(void **state)
{
    (void)state;
    char *e = message_slack_escape("a<b> & <@U1>");
    assert_string_equal(e, "a&lt;b&gt; &amp; &lt;@U1&gt;");
    free(e);
}

static void test_route_options(void **state)
{
    (void)state;
    struct route_config rc;
    char err[256];
    const char *roles[] = { "ownership:system", "audit:outcome", "audit:system" };
    const char *teams[] = { "secops:critical" };
    assert_int_equal(route_config_init(&rc, roles, 3, 0, "", teams, 1, err, sizeof(err)), 0);
    assert_int_equal(rc.n_roles, 3);
    assert_string_equal(rc.roles[2].layer, "audit");
    assert_int_equal(rc.roles[1].role, CRMGOV_ROLE_OUTCOME);
    assert_int_equal(rc.teams[0].min_severity, CRMGOV_SEVERITY_CRITICAL);
    assert_null(rc.fallback_owner); /* empty means: ask the ownership layer */
    route_config_free(&rc);

    const char *bad_role[] = { "audit:owner" };
    assert_int_equal(route_config_init(&rc, bad_role, 1, 0, NULL, NULL, 0, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "roles: 'audit:owner' names no role (system, decision or outcome)");
    const char *no_colon[] = { "audit" };
    assert_int_equal(route_config_init(&rc, no_colon, 1, 0, NULL, NULL, 0, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "roles: 'audit' is not LAYER:ROLE");
    const char *bad_team[] = { "secops:urgent" };
    assert_int_equal(route_config_init(&rc, NULL, 0, 0, NULL, bad_team, 1, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "teams: 'secops:urgent' names no severity (info, low, medium, "
                             "high or critical)");
}

static void test_recipients_dedupe_by_key(void **state)
{
    (void)state;
    struct recipients list = { 0 };
    struct recipient a = { .key = "jon@x", .id = "u-4", .system = "sf", .as = "owner:system" };
    struct recipient b = { .key = "jon@x", .id = "u-9", .system = "hs", .as = "owner:system" };
    assert_int_equal(recipients_add(&list, &a), 1);
    assert_int_equal(recipients_add(&list, &b), 0); /* one person, two CRMs */
    assert_int_equal(list.n, 1);
    assert_string_equal(list.items[0].id, "u-4");
    recipients_free(&list);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_of_day),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_modes_by_severity),
        cmocka_unit_test(test_cap_counts_per_period_digest_included),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_message_id),
        cmocka_unit_test(test_commands_quote_odd_ids),
        cmocka_unit_test(test_slack_escape),
        cmocka_unit_test(test_route_options),
        cmocka_unit_test(test_recipients_dedupe_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
