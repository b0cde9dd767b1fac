/*
 * test_event.c -- the JSON Lines validator and the definition hash.
 *
 * The expected hashes were computed outside crmgov, by feeding the canonical
 * text written out by hand to `sha256sum` (see docs/events.md); they pin the
 * contract with external change processes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "timeutil.h"
#include "util.h"

static void expect_hash(const char *line, const char *canonical, const char *hex)
{
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_json(line, strlen(line), "t", 1, &why);
    if (!box)
        fail_msg("rejected: %s", sb_str(&why));
    assert_string_equal(box->ev.u.automation->definition_json, canonical);
    assert_string_equal(box->ev.u.automation->definition_hash, hex);
    event_box_free(box);
    sb_free(&why);
}

static void test_hash_of_the_events_md_example(void **state)
{
    (void)state;
    expect_hash(
        "{\"type\":\"automation\",\"system\":\"sf-prod\",\"at\":\"2026-03-01T09:00:00Z\","
        "\"id\":\"wf-lead-route\",\"name\":\"Route new leads\",\"kind\":\"flow\","
        "\"object\":\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"status\"]},"
        "\"conditions\":[{\"field\":\"status\",\"op\":\"eq\",\"value\":\"qualified\"}],"
        "\"actions\":[{\"type\":\"set_field\",\"field\":\"owner_id\",\"value\":\"u-17\"},"
        "{\"type\":\"notify\",\"to\":\"u-4\"}],\"status\":\"active\",\"modified_by\":\"u-9\"}",
        "{\"actions\":[{\"field\":\"owner_id\",\"type\":\"set_field\",\"value\":\"u-17\"},"
        "{\"to\":\"u-4\",\"type\":\"notify\"}],\"conditions\":[{\"field\":\"status\",\"op\":"
        "\"eq\",\"value\":\"qualified\"}],\"kind\":\"flow\",\"object\":\"lead\",\"trigger\":"
        "{\"fields\":[\"status\"],\"on\":\"update\"}}",
        "0738214f0ac145e49cd63ed3acb16b8ed36efab4daf112a076096fdf921d7728");
}

static void test_hash_fills_defaults(void **state)
{
    (void)state;
    expect_hash("{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-01-01T00:00:00Z\","
                "\"id\":\"x\",\"object\":\"deal\",\"trigger\":{\"on\":\"create\",\"fields\":[]},"
                "\"status\":\"active\"}",
                "{\"actions\":[],\"conditions\":[],\"kind\":\"workflow\",\"object\":\"deal\","
                "\"trigger\":{\"on\":\"create\"}}",
                "b107f78908dde2e5b7e02f99d430bae3c22b6f3c93d66913536d151044664186");
}

static void test_hash_escapes_numbers_and_unknown_members(void **state)
{
    (void)state;
    expect_hash("{\"type\":\"automation\",\"system\":\"s\",\"at\":\"2026-01-01T00:00:00Z\","
                "\"id\":\"x\",\"kind\":\"rule\",\"object\":\"d\\ne\\\"al\\\\\xc3\xa9\","
                "\"trigger\":{\"z\":true,\"on\":\"update\",\"fields\":[\"stage\"]},"
                "\"conditions\":[{\"field\":\"amount\",\"op\":\"gt\",\"value\":100000.0},"
                "{\"value\":0.5,\"field\":\"p\",\"op\":\"lt\"}],"
                "\"actions\":[{\"url\":\"https://h.example/x\",\"type\":\"webhook\","
                "\"method\":\"POST\"}],\"status\":\"active\",\"name\":\"ignored by the hash\"}",
                "{\"actions\":[{\"method\":\"POST\",\"type\":\"webhook\",\"url\":"
                "\"https://h.example/x\"}],\"conditions\":[{\"field\":\"amount\",\"op\":\"gt\","
                "\"value\":100000},{\"field\":\"p\",\"op\":\"lt\",\"value\":0.5}],\"kind\":"
                "\"rule\",\"object\":\"d\\u000ae\\\"al\\\\\xc3\xa9\",\"trigger\":{\"fields\":"
                "[\"stage\"],\"on\":\"update\",\"z\":true}}",
                "17b26024b49f2dfa785f3104bd99efb4d37d5c11a0684903ac08fe163735ddd9");
}

static void expect_rejected(const char *line, const char *reason)
{
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_json(line, strlen(line), "t", 1, &why);
    assert_null(box);
    assert_string_equal(sb_str(&why), reason);
    sb_free(&why);
}

#define HEAD "{\"system\":\"s\",\"at\":\"2026-01-01T00:00:00Z\","

static void test_rejections_name_the_field(void **state)
{
    (void)state;
    expect_rejected("[1]", "a line must be a JSON object");
    expect_rejected("{\"type\":\"x\"", "invalid JSON near byte 11");
    expect_rejected("{} {}", "invalid JSON: text after the object at byte 4");
    expect_rejected("{\"type\":\"record\"}", "missing required field 'system'");
    expect_rejected(HEAD "\"type\":\"nope\"}", "unknown type 'nope'");
    expect_rejected(HEAD "\"type\":\"tick\"}", "type 'tick' is not accepted as input");
    expect_rejected("{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-02-30T00:00:00Z\"}",
                    "field 'at' is not an RFC 3339 time: '2026-02-30T00:00:00Z'");
    expect_rejected(HEAD "\"type\":\"automation\",\"id\":\"a\",\"object\":\"o\","
                         "\"trigger\":{\"on\":\"sometimes\"},\"status\":\"active\"}",
                    "field 'trigger.on' is 'sometimes', not one of "
                    "create|update|delete|create_or_update|schedule|manual");
    expect_rejected(HEAD "\"type\":\"automation\",\"id\":\"a\",\"object\":\"o\","
                         "\"trigger\":{\"on\":\"update\"},\"conditions\":[{\"field\":\"f\","
                         "\"op\":\"in\",\"value\":\"x\"}],\"status\":\"active\"}",
                    "field 'conditions[0].value' must be an array for op 'in'");
    expect_rejected(HEAD "\"type\":\"automation\",\"id\":\"a\",\"object\":\"o\","
                         "\"trigger\":{\"on\":\"update\"},\"actions\":[{\"type\":\"notify\"}],"
                         "\"status\":\"active\"}",
                    "missing required field 'actions[0].to'");
    expect_rejected(HEAD "\"type\":\"execution\",\"automation\":\"a\",\"record\":\"r\","
                         "\"status\":\"ok\",\"duration_ms\":-3}",
                    "field 'duration_ms' must be a number of milliseconds >= 0");
    expect_rejected(HEAD "\"type\":\"record\",\"object\":\"o\",\"id\":\"r\",\"op\":\"update\","
                         "\"changes\":{\"f\":[1]}}",
                    "field 'changes.f' must be an array [old, new]");
    expect_rejected(HEAD "\"type\":\"ownership\",\"automation\":\"a\",\"role\":\"system\"}",
                    "missing required field 'principal' (null removes the assignment)");
    expect_rejected(HEAD "\"type\":\"principal\",\"id\":\"u\",\"active\":\"yes\"}",
                    "field 'active' must be a boolean");
    expect_rejected("{\"type\":\"record\",\"system\":\"\xff\"}", "invalid UTF-8");
}

static void test_unknown_members_are_not_errors(void **state)
{
    (void)state;
    const char *line = HEAD "\"type\":\"execution\",\"automation\":\"a\",\"record\":\"r\","
                            "\"status\":\"failed\",\"error\":\"boom\",\"extra\":{\"k\":1}}";
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_json(line, strlen(line), "src", 7, &why);
    assert_non_null(box);
    assert_int_equal(box->ev.topic, CRMGOV_TOPIC_EXECUTION);
    assert_int_equal(box->ev.u.execution->status, CRMGOV_EXEC_FAILED);
    assert_string_equal(box->ev.u.execution->error, "boom");
    assert_int_equal(box->ev.u.execution->duration_ms, -1);
    assert_int_equal(box->ev.source_line, 7);
    struct strbuf out = STRBUF_INIT;
    event_to_json(&box->ev, &out);
    assert_string_equal(sb_str(&out),
                        "{\"type\":\"execution\",\"system\":\"s\",\"at\":\"2026-01-01T00:00:00Z\","
                        "\"automation\":\"a\",\"record\":\"r\",\"status\":\"failed\","
                        "\"error\":\"boom\"}");
    sb_free(&out);
    event_box_free(box);
    sb_free(&why);
}

static void test_times_and_durations(void **state)
{
    (void)state;
    char buf[48];
    assert_int_equal(time_parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(time_parse_rfc3339("2026-03-01T10:30:00.25+01:30"),
                     time_parse_rfc3339("2026-03-01T09:00:00.250Z"));
    assert_string_equal(time_format_rfc3339(time_parse_rfc3339("2024-02-29T23:59:59.5Z"), buf),
                        "2024-02-29T23:59:59.500Z");
    assert_int_equal(time_parse_rfc3339("2025-02-29T00:00:00Z"), CRMGOV_TIME_NONE);
    assert_int_equal(time_parse_rfc3339("2026-03-01 09:00:00Z"), CRMGOV_TIME_NONE);
    assert_int_equal(duration_parse("1h30m"), 90 * MS_PER_MINUTE);
    assert_int_equal(duration_parse("250ms"), 250);
    assert_int_equal(duration_parse("90d"), 90 * MS_PER_DAY);
    assert_int_equal(duration_parse("30m1h"), -1);
    assert_int_equal(duration_parse("15"), -1);
    assert_string_equal(duration_format(90 * MS_PER_MINUTE, buf), "1h30m");
    assert_int_equal(size_parse("64k"), 65536);
    assert_int_equal(size_parse("1MiB"), 1 << 20);
    assert_int_equal(size_parse("12 parsecs"), -1);
}

/* utf8_valid reads ASCII eight bytes at a time: a bad or multi-byte
 * sequence at every offset of a 16-byte window, and at the very end, is
 * judged exactly as byte by byte. */
static void test_utf8_at_every_offset(void **state)
{
    (void)state;
    static const struct {
        const char *seq;
        int valid;
    } cases[] = {
        { "\xc3\xa9", 1 },         /* e acute */
        { "\xe2\x82\xac", 1 },     /* euro sign */
        { "\xf0\x9f\x98\x80", 1 }, /* an emoji */
        { "\xff", 0 },             /* never valid */
        { "\xc0\xaf", 0 },         /* overlong '/' */
        { "\xed\xa0\x80", 0 },     /* a surrogate */
        { "\xf4\x90\x80\x80", 0 }, /* above U+10FFFF */
        { "\xe2\x82", 0 },         /* cut short */
        { "\x80", 0 },             /* a lone continuation byte */
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        size_t n = strlen(cases[k].seq);
        for (size_t at = 0; at <= 16; at++) {
            char buf[32];
            memset(buf, 'a', at);
            memcpy(buf + at, cases[k].seq, n);
            if (utf8_valid(buf, at + n) != cases[k].valid)
                fail_msg("case %zu at offset %zu (at the end)", k, at);
            memset(buf + at + n, 'b', 9); /* and followed by a full word */
            if (utf8_valid(buf, at + n + 9) != cases[k].valid)
                fail_msg("case %zu at offset %zu (mid-text)", k, at);
        }
    }
    assert_int_equal(utf8_valid("", 0), 1);
    assert_int_equal(utf8_valid("abcdefgh", 8), 1);
    assert_int_equal(utf8_valid("abcdefgh\xff", 8), 1); /* length is the limit */
}

/* A finding event published by a plugin built for ABI 1.0 is the shorter
 * struct: copying it reads no byte past its struct_size (here: bytes that
 * would be the 1.1 automation_key are 0xAB), and the key is the core's. */
static void test_copy_of_an_older_finding_event(void **state)
{
    (void)state;
    struct crmgov_finding f = { .struct_size = sizeof(f), .rule = "X001", .name = "x",
                                .layer = "test", .message = "m" };
    unsigned char raw[sizeof(struct crmgov_event)];
    memset(raw, 0xAB, sizeof(raw));
    struct crmgov_event ev = { .struct_size = offsetof(struct crmgov_event, automation_key),
                               .topic = CRMGOV_TOPIC_FINDING, .system = "s", .at = 1000 };
    ev.u.finding = &f;
    memcpy(raw, &ev, offsetof(struct crmgov_event, automation_key));
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_copy((const struct crmgov_event *)(void *)raw, &why);
    assert_non_null(box);
    assert_int_equal(box->ev.struct_size, sizeof(struct crmgov_event));
    assert_int_equal(box->ev.automation_key, 0);
    assert_int_equal(box->ev.at, 1000);
    assert_string_equal(box->ev.u.finding->rule, "X001");
    event_box_free(box);
    sb_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_of_the_events_md_example),
        cmocka_unit_test(test_hash_fills_defaults),
        cmocka_unit_test(test_hash_escapes_numbers_and_unknown_members),
        cmocka_unit_test(test_rejections_name_the_field),
        cmocka_unit_test(test_unknown_members_are_not_errors),
        cmocka_unit_test(test_times_and_durations),
        cmocka_unit_test(test_utf8_at_every_offset),
        cmocka_unit_test(test_copy_of_an_older_finding_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
