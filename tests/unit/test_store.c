/*
 * test_store.c -- the SQLite store: schema from an empty file and migration
 * from the previous version with data kept, inventory versions only on hash
 * or status changes, finding transitions, dead-letter caps, and execution
 * retention with daily aggregates kept forever, prefix scans of plugin
 * state that return exactly the keys with the prefix, and the daily duration
 * histogram across a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"
#include "store.h"
#include "timeutil.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/crmgov-store-%d.db", (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char more[80];
    unlink(path);
    snprintf(more, sizeof(more), "%s-wal", path);
    unlink(more);
    snprintf(more, sizeof(more), "%s-shm", path);
    unlink(more);
    return 0;
}

static int64_t count(struct store *s, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void apply_line(struct store *s, const char *line)
{
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_parse_json(line, strlen(line), "test", 1, &why);
    if (!box)
        fail_msg("bad test line: %s", sb_str(&why));
    struct apply_result r;
    assert_int_equal(store_apply(s, &box->ev, &r), CRMGOV_OK);
    event_box_free(box);
    sb_free(&why);
}

static void test_schema_from_empty_file(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_schema_version(&s), STORE_SCHEMA_VERSION);
    assert_int_equal(count(&s, "SELECT count(*) FROM audit_log"), 0);
    assert_int_equal(count(&s, "SELECT count(*) FROM automations"), 0);
    store_close(&s);
    sb_free(&err);
}

static void test_migration_from_previous_version(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open_at_version(&s, path, STORE_SCHEMA_VERSION - 1, &err), 0);
    assert_int_equal(store_schema_version(&s), STORE_SCHEMA_VERSION - 1);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T08:00:00Z\","
                   "\"id\":\"u-1\",\"active\":true}");
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    store_close(&s);
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_schema_version(&s), STORE_SCHEMA_VERSION);
    assert_int_equal(count(&s, "SELECT count(*) FROM principals WHERE id = 'u-1'"), 1);
    assert_int_equal(count(&s, "SELECT count(*) FROM audit_log"), 0);
    store_close(&s);
    sb_free(&err);
}

static const char exec_day1_a[] =
    "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T10:00:00Z\","
    "\"automation\":\"a1\",\"record\":\"r1\",\"status\":\"ok\",\"duration_ms\":40}";
static const char exec_day1_b[] =
    "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T23:00:00Z\","
    "\"automation\":\"a1\",\"record\":\"r2\",\"status\":\"failed\"}";
static const char exec_day3[] =
    "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-03T09:00:00Z\","
    "\"automation\":\"a2\",\"record\":\"r3\",\"status\":\"ok\"}";

/* Daily rows written by schema 4 (keyed by automation, day) survive the move
 * to the day-first key, and later executions add to them. */
static void test_migration_keeps_daily_rows(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    /* rows as schema 4 had them: exec_day1_a and its daily row */
    assert_int_equal(store_open_at_version(&s, path, 4, &err), 0);
    assert_int_equal(
        sqlite3_exec(s.db,
                     "INSERT INTO automation_keys (aid, system, id) VALUES (1, 'sf', 'a1');"
                     "INSERT INTO executions (aid, at, record, status, duration_ms) "
                     "VALUES (1, 1772359200000, 'r1', 0, 40);"
                     "INSERT INTO daily (aid, day, executions, ok, failed, skipped, "
                     "notifications, timed, duration_sum, duration_max, hist) "
                     "VALUES (1, 1772323200000, 1, 1, 0, 0, 0, 1, 40, 40, NULL);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    store_close(&s);
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(count(&s, "SELECT count(*) FROM daily"), 1);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, exec_day1_b);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT executions FROM daily"), 2);
    assert_int_equal(count(&s, "SELECT duration_sum FROM daily"), 40);
    assert_int_equal(count(&s, "SELECT count(*) FROM executions"), 2);
    store_close(&s);
    sb_free(&err);
}

/* An execution for a day the store wrote in an earlier transaction (late, or
 * after a restart) adds to the stored row instead of starting a new count,
 * also when a later day was written since. */
static void test_late_execution_adds_to_stored_day(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, exec_day1_a);
    apply_line(&s, exec_day3);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    store_close(&s);
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, exec_day1_b);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT count(*) FROM daily"), 2);
    assert_int_equal(count(&s, "SELECT executions FROM daily WHERE day = (SELECT min(day) FROM "
                               "daily)"),
                     2);
    assert_int_equal(count(&s, "SELECT failed FROM daily WHERE day = (SELECT min(day) FROM "
                               "daily)"),
                     1);
    store_close(&s);
    sb_free(&err);
}

/* Per-object counts of a day already written and evicted from memory (two
 * days behind) add up when a late change for that day comes, in the same
 * process: the store knows a row exists without asking SQLite every day. */
static void test_late_record_adds_to_stored_object_day(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    const char *day1 = "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-01T10:00:00Z\","
                       "\"object\":\"lead\",\"id\":\"L-1\",\"op\":\"create\",\"changes\":{}}";
    const char *day5 = "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-05T10:00:00Z\","
                       "\"object\":\"lead\",\"id\":\"L-2\",\"op\":\"create\",\"changes\":{}}";
    const char *late = "{\"type\":\"record\",\"system\":\"s\",\"at\":\"2026-03-01T11:00:00Z\","
                       "\"object\":\"lead\",\"id\":\"L-3\",\"op\":\"create\",\"changes\":{}}";
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, day1);
    apply_line(&s, day5);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, late);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT count(*) FROM object_daily"), 2);
    assert_int_equal(count(&s, "SELECT creates FROM object_daily WHERE day = (SELECT min(day) "
                               "FROM object_daily)"),
                     2);
    store_close(&s);
    sb_free(&err);
}

static void test_refuses_newer_schema(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    sqlite3_exec(s.db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    store_close(&s);
    assert_int_equal(store_open(&s, path, &err), -1);
    char want[200];
    snprintf(want, sizeof(want),
             "%s: schema version 999 is newer than this crmgov understands (%d)", path,
             STORE_SCHEMA_VERSION);
    assert_string_equal(sb_str(&err), want);
    sb_free(&err);
}

#define AUTOMATION(at, cond, status)                                                         \
    "{\"type\":\"automation\",\"system\":\"sf\",\"at\":\"" at "\",\"id\":\"a1\","            \
    "\"object\":\"lead\",\"trigger\":{\"on\":\"update\"},\"conditions\":[{\"field\":\"s\","  \
    "\"op\":\"eq\",\"value\":\"" cond "\"}],\"status\":\"" status "\"}"

static void test_versions_only_on_change(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, AUTOMATION("2026-03-01T00:00:00Z", "a", "active"));
    apply_line(&s, AUTOMATION("2026-03-02T00:00:00Z", "a", "active")); /* same: no version */
    apply_line(&s, AUTOMATION("2026-03-03T00:00:00Z", "b", "active")); /* new definition */
    apply_line(&s, AUTOMATION("2026-03-04T00:00:00Z", "b", "inactive")); /* new status */
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT count(*) FROM versions"), 3);
    assert_int_equal(count(&s, "SELECT versions FROM automations"), 3);
    assert_int_equal(count(&s, "SELECT last_seen FROM automations"),
                     time_parse_rfc3339("2026-03-04T00:00:00Z"));
    assert_int_equal(count(&s, "SELECT status_since FROM automations"),
                     time_parse_rfc3339("2026-03-04T00:00:00Z"));
    assert_int_equal(count(&s, "SELECT first_seen FROM automations"),
                     time_parse_rfc3339("2026-03-01T00:00:00Z"));
    store_close(&s);
    sb_free(&err);
}

static void test_finding_transitions(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    struct crmgov_finding f = { .struct_size = sizeof(f), .rule = "OWN001", .name = "unowned",
                                .severity = CRMGOV_SEVERITY_MEDIUM, .system = "sf",
                                .automation = "a1", .subject = "system", .message = "m" };
    struct crmgov_finding now;
    int t;
    assert_int_equal(store_finding_raise(&s, &f, "ownership", 1000, &now, &t), CRMGOV_OK);
    assert_int_equal(t, CRMGOV_FINDING_RAISED);
    assert_int_equal(store_finding_raise(&s, &f, "ownership", 2000, &now, &t), CRMGOV_OK);
    assert_int_equal(t, -1); /* again: only last_seen moves */
    assert_int_equal(now.first_seen, 1000);
    f.severity = CRMGOV_SEVERITY_HIGH;
    assert_int_equal(store_finding_raise(&s, &f, "ownership", 3000, &now, &t), CRMGOV_OK);
    assert_int_equal(t, CRMGOV_FINDING_ESCALATED);
    assert_int_equal(store_finding_resolve(&s, "OWN001", "sf", "a1", "system", 4000, &now, &t),
                     CRMGOV_OK);
    assert_int_equal(t, CRMGOV_FINDING_CLEARED);
    assert_int_equal(store_finding_resolve(&s, "OWN001", "sf", "a1", "system", 5000, &now, &t),
                     CRMGOV_OK);
    assert_int_equal(t, -1); /* resolving twice tells nobody twice */
    assert_int_equal(store_finding_raise(&s, &f, "ownership", 6000, &now, &t), CRMGOV_OK);
    assert_int_equal(t, CRMGOV_FINDING_RAISED); /* back again */
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT count(*) FROM findings"), 1);
    assert_int_equal(count(&s, "SELECT last_seen FROM findings"), 6000);
    assert_int_equal(count(&s, "SELECT first_seen FROM findings"), 1000);
    store_close(&s);
    sb_free(&err);
}

static void test_deadletter_raw_is_capped(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    char *raw = malloc(10000);
    memset(raw, 'y', 10000);
    assert_int_equal(store_deadletter_add(&s, "f.jsonl", 12, "too long", raw, 10000),
                     CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT length(raw) FROM deadletters"), DEADLETTER_RAW_MAX);
    assert_int_equal(count(&s, "SELECT line FROM deadletters"), 12);
    free(raw);
    store_close(&s);
    sb_free(&err);
}

static void test_retention_keeps_daily_aggregates(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    s.retention_ms = 10 * MS_PER_DAY;
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T10:00:00Z\","
                   "\"automation\":\"a1\",\"record\":\"r1\",\"status\":\"ok\",\"duration_ms\":40}");
    apply_line(&s, "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T11:00:00Z\","
                   "\"automation\":\"a1\",\"record\":\"r2\",\"status\":\"failed\"}");
    apply_line(&s, "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-20T10:00:00Z\","
                   "\"automation\":\"a1\",\"record\":\"r3\",\"status\":\"ok\"}");
    assert_int_equal(store_prune(&s), CRMGOV_OK);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT count(*) FROM executions"), 1);
    assert_int_equal(count(&s, "SELECT executions FROM daily WHERE day = "
                               "(SELECT min(day) FROM daily)"),
                     2);
    assert_int_equal(count(&s, "SELECT failed FROM daily WHERE day = (SELECT min(day) FROM daily)"),
                     1);
    assert_int_equal(count(&s, "SELECT duration_sum FROM daily WHERE day = "
                               "(SELECT min(day) FROM daily)"),
                     40);
    store_close(&s);
    sb_free(&err);
}

/* Applies an execution of a1 on 2026-03-01 taking `ms`. */
static void apply_timed(struct store *s, int64_t ms)
{
    char line[256];
    snprintf(line, sizeof(line),
             "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T10:00:00Z\","
             "\"automation\":\"a1\",\"record\":\"r1\",\"status\":\"ok\",\"duration_ms\":%lld}",
             (long long)ms);
    apply_line(s, line);
}

/* The day's duration histogram: exact counts per bucket, in bucket order,
 * from both ends of the range and across words of the used-bucket bitmap,
 * also when the day is read back after a restart and counted on (the
 * buckets read back must be written again with the new ones). */
static void test_daily_histogram_survives_reload(void **state)
{
    (void)state;
    static const int64_t first[] = { 0, 15, 40, 40, 900 };
    static const int64_t later[] = { 40, 70000, 3600000, 100000000000 };
    uint32_t want[CRMGOV_DURATION_BUCKETS] = { 0 };
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
        apply_timed(&s, first[i]);
        want[crmgov_duration_bucket(first[i])]++;
    }
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    store_close(&s);
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
        apply_timed(&s, later[i]);
        want[crmgov_duration_bucket(later[i])]++;
    }
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s.db, "SELECT hist FROM daily", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *blob = sqlite3_column_blob(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    /* 0, 15, 40, 900, 70000, 3600000 and the last bucket: seven buckets */
    assert_int_equal(n, 7 * 5);
    for (size_t i = 5; i < n; i += 5)
        assert_true(blob[i] > blob[i - 5]);
    uint32_t got[CRMGOV_DURATION_BUCKETS];
    store_decode_hist(blob, n, got);
    assert_memory_equal(got, want, sizeof(want));
    assert_int_equal(got[crmgov_duration_bucket(40)], 3);
    assert_int_equal(got[CRMGOV_DURATION_BUCKETS - 1], 1);
    sqlite3_finalize(st);
    store_close(&s);
    sb_free(&err);
}

/* Scan callbacks list what they see as "a,b,c," in a caller's buffer. */
static void append_listed(char *out, const char *item)
{
    strcat(out, item);
    strcat(out, ",");
}

static int collect_record(void *ctx, const struct crmgov_event *ev)
{
    append_listed(ctx, ev->u.execution->record);
    return 0;
}

/* Schema 6 keys raw executions by (at, seq): rows of schema 5 keep their
 * arrival order (seq = the old rowid, also among executions of the same
 * millisecond), new ones count on from the largest, and a rolled-back
 * batch's numbers are taken again rather than skipped or doubled. */
static void test_migration_keys_executions_by_time(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open_at_version(&s, path, 5, &err), 0);
    assert_int_equal(
        sqlite3_exec(s.db,
                     "INSERT INTO automation_keys (aid, system, id) VALUES (1, 'sf', 'a1');"
                     "INSERT INTO executions (rowid, aid, at, record, status) VALUES "
                     "(7, 1, 1772442000000, 'late', 0), (8, 1, 1772359200000, 'zz', 0), "
                     "(9, 1, 1772359200000, 'aa', 1);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    store_close(&s);
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_schema_version(&s), 6);
    assert_int_equal(count(&s, "SELECT count(*) FROM executions"), 3);
    assert_int_equal(count(&s, "SELECT seq FROM executions WHERE record = 'aa'"), 9);
    assert_int_equal(count(&s, "SELECT value FROM meta WHERE key = 'execution_seq'"), 9);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T10:00:00Z\","
                   "\"automation\":\"a1\",\"record\":\"undone\",\"status\":\"ok\"}");
    store_rollback(&s);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    apply_line(&s, "{\"type\":\"execution\",\"system\":\"sf\",\"at\":\"2026-03-01T10:00:00Z\","
                   "\"automation\":\"a1\",\"record\":\"mm\",\"status\":\"ok\"}");
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    assert_int_equal(count(&s, "SELECT seq FROM executions WHERE record = 'mm'"), 10);
    assert_int_equal(count(&s, "SELECT value FROM meta WHERE key = 'execution_seq'"), 10);
    char got[64] = "";
    assert_int_equal(store_executions_scan(&s, "sf", "a1", 0, 1772500000000, collect_record, got),
                     0);
    assert_string_equal(got, "zz,aa,mm,late,");
    store_close(&s);
    sb_free(&err);
}

static int collect_key(void *ctx, const char *key, const void *value, size_t len)
{
    (void)value;
    (void)len;
    append_listed(ctx, key);
    return 0;
}

static void test_state_scan_prefix(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    static const char *const keys[] = { "b", "a0", "a/2", "a/", "a/1", "a", "a/1/x" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_int_equal(store_state_put(&s, "p", keys[i], "v", 1), CRMGOV_OK);
    assert_int_equal(store_state_put(&s, "q", "a/9", "v", 1), CRMGOV_OK);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    char got[256] = "";
    assert_int_equal(store_state_scan(&s, "p", "a/", collect_key, got), 0);
    assert_string_equal(got, "a/,a/1,a/1/x,a/2,");
    got[0] = '\0';
    assert_int_equal(store_state_scan(&s, "p", "a/1", collect_key, got), 0);
    assert_string_equal(got, "a/1,a/1/x,");
    got[0] = '\0';
    assert_int_equal(store_state_scan(&s, "p", "c", collect_key, got), 0);
    assert_string_equal(got, "");
    got[0] = '\0';
    assert_int_equal(store_state_scan(&s, "p", "", collect_key, got), 0);
    assert_string_equal(got, "a,a/,a/1,a/1/x,a/2,a0,b,");
    got[0] = '\0';
    assert_int_equal(store_state_scan(&s, "q", NULL, collect_key, got), 0);
    assert_string_equal(got, "a/9,");
    store_close(&s);
    sb_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_from_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_previous_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_keeps_daily_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_record_adds_to_stored_object_day, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_late_execution_adds_to_stored_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_only_on_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finding_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadletter_raw_is_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_keeps_daily_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_scan_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_histogram_survives_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_keys_executions_by_time, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
