/*
 * test_jsonl_export.c -- the jsonl-export sink through the SDK harness:
 * the exact lines it appends (ids checked against SHA-256 computed
 * independently with Python's hashlib), rotation by rename and by
 * truncation, and that a batch whose commit fails exports nothing.
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
static char dir[] = "/tmp/crmgov-export-XXXXXX";

/* A layer that raises/resolves what record events of object "finding" say. */
static const char *field(const struct crmgov_record *r, const char *name)
{
    for (size_t i = 0; i < r->n_changes; i++)
        if (strcmp(r->changes[i].field, name) == 0 &&
            r->changes[i].new_value.type == CRMGOV_VALUE_STRING)
            return r->changes[i].new_value.string;
    return NULL;
}

static int on_record(void *state, const struct crmgov_event *ev)
{
    const struct crmgov_host *host = state;
    const struct crmgov_record *r = ev->u.record;
    if (strcmp(r->object, "finding") != 0)
        return CRMGOV_OK;
    if (r->op == CRMGOV_RECORD_DELETE)
        return host->finding_resolve(host, field(r, "rule"), ev->system, field(r, "automation"),
                                     NULL, ev->at);
    struct crmgov_finding f = { .struct_size = sizeof(f), .rule = field(r, "rule"),
                                .name = "failure-rate", .severity = CRMGOV_SEVERITY_HIGH,
                                .system = ev->system, .automation = field(r, "automation"),
                                .message = "a1 fails", .evidence_json = "{\"ratio\":0.5}" };
    return host->finding_raise(host, &f, ev->at);
}

static int layer_init(const struct crmgov_host *h, const struct crmgov_config *c, void **s)
{
    (void)c;
    *s = (void *)h;
    return h->subscribe(h, CRMGOV_TOPIC_RECORD, on_record, (void *)h);
}

static void layer_fini(void *state)
{
    (void)state;
}

static const struct crmgov_option no_options[] = { CRMGOV_OPTIONS_END };
static const struct crmgov_plugin audit_layer = {
    CRMGOV_PLUGIN_HEADER, .name = "audit", .version = "0.0.1", .description = "test",
    .vendor = "tests", .license = "MIT", .kind = CRMGOV_PLUGIN_LAYER,
    CRMGOV_PLUGIN_OPTIONS(no_options), .init = layer_init, .fini = layer_fini
};

static void feed(struct crmgov_harness *h, const char *at, const char *op, const char *rule)
{
    char line[512];
    snprintf(line, sizeof(line),
             "{\"type\":\"record\",\"system\":\"sf\",\"at\":\"%s\",\"object\":\"finding\","
             "\"id\":\"x\",\"op\":\"%s\",\"changes\":{\"rule\":[null,\"%s\"],"
             "\"automation\":[null,\"a1\"]}}\n",
             at, op, rule);
    crmgov_harness_feed_jsonl(h, line);
}

static struct crmgov_harness *start(const char *file)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_int_equal(crmgov_harness_add_descriptor(h, &audit_layer, "audit", NULL), 0);
    char options[700];
    snprintf(options, sizeof(options), "path = %s/%s\npoll_interval = 10ms\naudit = false\n", dir,
             file);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "siem", options), 0);
    if (crmgov_harness_start(h) != 0)
        fail_msg("%s", crmgov_harness_error(h));
    return h;
}

static char *slurp(const char *name)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);
    fclose(f);
    if (n < 0) {
        free(text);
        return strdup("");
    }
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* The writer appends after the commit, on its own thread: wait for it. */
static char *wait_lines(const char *name, int lines)
{
    for (int i = 0; i < 500; i++) {
        char *text = slurp(name);
        if (count_lines(text) >= lines)
            return text;
        free(text);
        usleep(10 * 1000);
    }
    return slurp(name);
}

#define LINE(id, at, transition, state)                                                     \
    "{\"type\":\"finding\",\"id\":\"" id "\",\"sink\":\"siem\",\"at\":\"" at "\","         \
    "\"transition\":\"" transition "\",\"finding\":{\"rule\":\"AUD001\","                   \
    "\"name\":\"failure-rate\",\"layer\":\"audit\",\"severity\":\"high\",\"system\":\"sf\","\
    "\"automation\":\"a1\",\"subject\":null,\"message\":\"a1 fails\","                      \
    "\"evidence\":{\"ratio\":0.5},\"first_seen\":\"2026-03-01T09:00:00Z\","                 \
    "\"last_seen\":\"" at "\",\"state\":\"" state "\"}}\n"

/* python3: hashlib.sha256(b'siem\nAUD001\nsf\na1\n\nraised\n1772355600000').hexdigest()[:32] */
#define ID_RAISED "ced73829e399d5f6fc2df310fe666822"
/* ... b'siem\nAUD001\nsf\na1\n\ncleared\n1772359200000' ... */
#define ID_CLEARED "a0cb7fa44efe7a468fd6b43a401a9c15"

static void test_lines_exact(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("a.jsonl");
    feed(h, "2026-03-01T09:00:00Z", "create", "AUD001");
    feed(h, "2026-03-01T09:30:00Z", "create", "AUD001"); /* refresh: no transition */
    feed(h, "2026-03-01T10:00:00Z", "delete", "AUD001");
    crmgov_harness_free(h);
    char *text = slurp("a.jsonl");
    assert_string_equal(text, LINE(ID_RAISED, "2026-03-01T09:00:00Z", "raised", "open")
                                  LINE(ID_CLEARED, "2026-03-01T10:00:00Z", "cleared",
                                       "resolved"));
    free(text);
}

static void test_rotation(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("r.jsonl");
    feed(h, "2026-03-01T09:00:00Z", "create", "AUD001");
    char *text = wait_lines("r.jsonl", 1);
    assert_int_equal(count_lines(text), 1);
    free(text);
    char from[700], to[700];
    snprintf(from, sizeof(from), "%s/r.jsonl", dir);
    snprintf(to, sizeof(to), "%s/r.jsonl.1", dir);
    assert_int_equal(rename(from, to), 0); /* logrotate, create mode */
    feed(h, "2026-03-01T10:00:00Z", "create", "AUD002");
    text = wait_lines("r.jsonl", 1);
    assert_non_null(strstr(text, "\"rule\":\"AUD002\""));
    assert_int_equal(count_lines(text), 1);
    free(text);
    text = slurp("r.jsonl.1");
    assert_non_null(strstr(text, "\"rule\":\"AUD001\""));
    assert_int_equal(count_lines(text), 1);
    free(text);
    assert_int_equal(truncate(from, 0), 0); /* logrotate, copytruncate mode */
    feed(h, "2026-03-01T11:00:00Z", "create", "AUD003");
    text = wait_lines("r.jsonl", 1);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "\"rule\":\"AUD003\""));
    assert_int_equal(text[0], '{'); /* written at the new start, no hole */
    free(text);
    crmgov_harness_free(h);
}

static void test_failed_commit_exports_nothing(void **state)
{
    (void)state;
    struct crmgov_harness *h = start("f.jsonl");
    feed(h, "2026-03-01T09:00:00Z", "create", "AUD001");
    crmgov_harness_fail_next_commit(h);
    feed(h, "2026-03-01T10:00:00Z", "create", "AUD002");
    for (int i = 0; i < 500 && !crmgov_harness_failed(h); i++)
        usleep(10 * 1000); /* the dispatcher flags the failure after answering the feed */
    assert_int_equal(crmgov_harness_failed(h), 1);
    crmgov_harness_free(h);
    char *text = slurp("f.jsonl");
    assert_int_equal(count_lines(text), 1);
    assert_null(strstr(text, "AUD002"));
    free(text);
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/jsonl-export.so",
             build ? build : "build");
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_exact),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_failed_commit_exports_nothing),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
