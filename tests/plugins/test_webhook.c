/*
 * test_webhook.c -- the webhook sink through the SDK harness (the real core
 * on a scratch store) against an in-process loopback receiver
 * (tests/support/receiver.c): routing per layer role, fallback owner, teams
 * by severity, the ownership service taking precedence over the store, the
 * per-day cap folding into a digest at digest_at (event time), quiet when
 * nothing changes, escalation and clearing, signatures, retries, permanent
 * failures with `crmgov outbox` / `crmgov outbox retry`, and the Slack
 * format in channel mode.
 *
 * Findings come from small test layers defined here ("ownership", "audit",
 * "change", so routing sees those layer names): a record event of object
 * "finding" whose `layer` field names the layer raises (op create) or
 * resolves (op delete) the finding its fields describe.
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

#include "../support/receiver.h"
#include "crmgov-harness.h"
#include "crmgov/services/ownership.h"

static char plugin_path[512];

/* ------------------------------------------------------------------------ */
/* test layers                                                               */

static const char *field(const struct crmgov_record *r, const char *name)
{
    for (size_t i = 0; i < r->n_changes; i++)
        if (strcmp(r->changes[i].field, name) == 0 &&
            r->changes[i].new_value.type == CRMGOV_VALUE_STRING)
            return r->changes[i].new_value.string;
    return NULL;
}

static int severity_of(const char *s)
{
    static const char *const names[] = { "info", "low", "medium", "high", "critical" };
    for (int i = 0; s && i < 5; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return 3;
}

struct test_layer {
    const struct crmgov_host *host;
    const char *name;
};

static int on_record(void *state, const struct crmgov_event *ev)
{
    struct test_layer *l = state;
    const struct crmgov_record *r = ev->u.record;
    const char *layer = field(r, "layer");
    if (strcmp(r->object, "finding") != 0 || !layer || strcmp(layer, l->name) != 0)
        return CRMGOV_OK;
    const char *rule = field(r, "rule");
    if (r->op == CRMGOV_RECORD_DELETE)
        return l->host->finding_resolve(l->host, rule, ev->system, field(r, "automation"),
                                        field(r, "subject"), ev->at);
    struct crmgov_finding f = { .struct_size = sizeof(f), .rule = rule, .name = "test",
                                .severity = (enum crmgov_severity)severity_of(field(r, "severity")),
                                .system = ev->system, .automation = field(r, "automation"),
                                .subject = field(r, "subject"), .message = "m <&> x" };
    return l->host->finding_raise(l->host, &f, ev->at);
}

static const struct crmgov_option layer_options[] = {
    { .name = "fallback_owner", .type = CRMGOV_OPT_STRING, .doc = "as the ownership layer's" },
    CRMGOV_OPTIONS_END
};

static int layer_init_named(const struct crmgov_host *host, void **state, const char *name)
{
    struct test_layer *l = calloc(1, sizeof(*l));
    l->host = host;
    l->name = name;
    *state = l;
    return host->subscribe(host, CRMGOV_TOPIC_RECORD, on_record, l);
}

static int own_init(const struct crmgov_host *h, const struct crmgov_config *c, void **s)
{
    (void)c;
    return layer_init_named(h, s, "ownership");
}
static int aud_init(const struct crmgov_host *h, const struct crmgov_config *c, void **s)
{
    (void)c;
    return layer_init_named(h, s, "audit");
}
static int chg_init(const struct crmgov_host *h, const struct crmgov_config *c, void **s)
{
    (void)c;
    return layer_init_named(h, s, "change");
}

static void layer_fini(void *state)
{
    free(state);
}

#define TEST_LAYER(var, lname, init_fn)                                                     \
    static const struct crmgov_plugin var = {                                               \
        CRMGOV_PLUGIN_HEADER, .name = lname, .version = "0.0.1", .description = "test",    \
        .vendor = "tests", .license = "MIT", .kind = CRMGOV_PLUGIN_LAYER,                   \
        CRMGOV_PLUGIN_OPTIONS(layer_options), .init = init_fn, .fini = layer_fini }
TEST_LAYER(own_layer, "ownership", own_init);
TEST_LAYER(aud_layer, "audit", aud_init);
TEST_LAYER(chg_layer, "change", chg_init);

/* A stand-in for the ownership layer's service: a1 has u-7 (active,
 * outcome), u-8 (in grace, outcome) and svc (service account, system); a2
 * has nobody; the fallback owner is u-fb. */
static int fake_owners_of(const struct crmgov_ownership_service *svc, const char *system,
                          const char *automation, int role, crmgov_owner_info_fn fn, void *ctx)
{
    (void)svc;
    struct crmgov_owner_info owners[] = {
        { sizeof(owners[0]), system, automation, CRMGOV_ROLE_SYSTEM, "svc", 0,
          CRMGOV_OWNER_ACTIVE, 1, 1, 1 },
        { sizeof(owners[0]), system, automation, CRMGOV_ROLE_OUTCOME, "u-7", 0,
          CRMGOV_OWNER_ACTIVE, 0, 1, 1 },
        { sizeof(owners[0]), system, automation, CRMGOV_ROLE_OUTCOME, "u-8", 0,
          CRMGOV_OWNER_GRACE, 0, 1, 1 },
    };
    if (strcmp(automation, "a1") != 0)
        return 0;
    for (size_t i = 0; i < 3; i++)
        if (role < 0 || (int)owners[i].role == role)
            fn(ctx, &owners[i]);
    return 0;
}

static const char *fake_fallback(const struct crmgov_ownership_service *svc, const char *system)
{
    (void)svc;
    (void)system;
    return "u-fb";
}

static const struct crmgov_ownership_service fake_service = {
    .struct_size = sizeof(fake_service), .owners_of = fake_owners_of,
    .fallback_owner = fake_fallback,
};

static int fake_init(const struct crmgov_host *h, const struct crmgov_config *c, void **s)
{
    (void)c;
    *s = NULL;
    return h->service_register(h, CRMGOV_OWNERSHIP_SERVICE, CRMGOV_OWNERSHIP_SERVICE_VERSION,
                               &fake_service);
}

static void fake_fini(void *state)
{
    (void)state;
}

static const struct crmgov_plugin fake_ownership = {
    CRMGOV_PLUGIN_HEADER, .name = "fakeown", .version = "0.0.1", .description = "test",
    .vendor = "tests", .license = "MIT", .kind = CRMGOV_PLUGIN_LAYER,
    CRMGOV_PLUGIN_OPTIONS(layer_options), .init = fake_init, .fini = fake_fini
};

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

static const char *const WORLD =
    "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":\"u-1\","
    "\"name\":\"Ann Admin\",\"email\":\"ann@sf.example\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":\"u-2\","
    "\"name\":\"Bo Decider\",\"email\":\"bo@sf.example\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":\"u-3\","
    "\"name\":\"Cy Outcome\",\"email\":\"cy@sf.example\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":\"svc\","
    "\"name\":\"Integration\",\"email\":\"svc@sf.example\",\"active\":true,"
    "\"roles\":[\"service\"]}\n"
    "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":\"u-9\","
    "\"name\":\"Old Owner\",\"email\":\"old@sf.example\",\"active\":false}\n"
    "{\"type\":\"principal\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":\"u-5\","
    "\"name\":\"Fay Fallback\",\"email\":\"fay@sf.example\",\"active\":true}\n"
    "{\"type\":\"ownership\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:01Z\","
    "\"automation\":\"a1\",\"role\":\"system\",\"principal\":\"svc\"}\n"
    "{\"type\":\"ownership\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:01Z\","
    "\"automation\":\"a1\",\"role\":\"system\",\"principal\":\"u-1\"}\n"
    "{\"type\":\"ownership\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:01Z\","
    "\"automation\":\"a1\",\"role\":\"decision\",\"principal\":\"u-2\"}\n"
    "{\"type\":\"ownership\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:01Z\","
    "\"automation\":\"a1\",\"role\":\"outcome\",\"principal\":\"u-3\"}\n"
    "{\"type\":\"ownership\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:01Z\","
    "\"automation\":\"a2\",\"role\":\"system\",\"principal\":\"u-9\"}\n"
    "{\"type\":\"ownership\",\"system\":\"sf\",\"at\":\"2026-03-01T00:00:01Z\","
    "\"automation\":\"a3\",\"role\":\"system\",\"principal\":\"u-1\"}\n";

/* Feeds one finding instruction for test layer `layer`; automation and
 * subject "" mean none. */
static void finding(struct crmgov_harness *h, const char *at, const char *op, const char *layer,
                    const char *rule, const char *severity, const char *automation,
                    const char *subject)
{
    char line[1024];
    int n = snprintf(line, sizeof(line),
                     "{\"type\":\"record\",\"system\":\"sf\",\"at\":\"%s\",\"object\":\"finding\","
                     "\"id\":\"f\",\"op\":\"%s\",\"changes\":{\"layer\":[null,\"%s\"],"
                     "\"rule\":[null,\"%s\"],\"severity\":[null,\"%s\"]",
                     at, op, layer, rule, severity);
    if (*automation)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"automation\":[null,\"%s\"]",
                      automation);
    if (*subject)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"subject\":[null,\"%s\"]", subject);
    snprintf(line + n, sizeof(line) - (size_t)n, "}}\n");
    assert_int_equal(crmgov_harness_feed_jsonl(h, line), 0);
}

static void raise_at(struct crmgov_harness *h, const char *at, const char *layer,
                     const char *rule, const char *severity, const char *automation)
{
    finding(h, at, "create", layer, rule, severity, automation, "");
}

static struct crmgov_harness *start(struct test_receiver *rx, const char *sink_options,
                                    const char *contacts, int with_fake_service)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    if (contacts)
        crmgov_harness_core_options(h, contacts);
    assert_int_equal(crmgov_harness_add_descriptor(h, &own_layer, "ownership", NULL), 0);
    assert_int_equal(crmgov_harness_add_descriptor(h, &aud_layer, "audit", NULL), 0);
    assert_int_equal(crmgov_harness_add_descriptor(h, &chg_layer, "change", NULL), 0);
    if (with_fake_service)
        assert_int_equal(crmgov_harness_add_descriptor(h, &fake_ownership, "fakeown", NULL), 0);
    char options[2048];
    snprintf(options, sizeof(options), "url = http://127.0.0.1:%u/hook\npoll_interval = 20ms\n%s%s",
             test_receiver_port(rx),
             strstr(sink_options, "retry_initial") ? "" : "retry_initial = 20ms\nretry_max = 40ms\n",
             sink_options);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "owners", options), 0);
    if (crmgov_harness_start(h) != 0)
        fail_msg("start: %s", crmgov_harness_error(h));
    assert_int_equal(crmgov_harness_feed_jsonl(h, WORLD), 0);
    return h;
}

static const char *text_of(const cJSON *o, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(m) ? m->valuestring : "-";
}

static void add_recipients(FILE *f, const cJSON *list)
{
    for (int i = 0; i < cJSON_GetArraySize(list); i++) {
        const cJSON *r = cJSON_GetArrayItem(list, i);
        const cJSON *address = cJSON_GetObjectItemCaseSensitive(r, "address");
        fprintf(f, "%s%s(%s%s%s)", i ? "," : "", text_of(r, "id"), text_of(r, "as"),
                cJSON_IsString(address) ? " " : "",
                cJSON_IsString(address) ? address->valuestring : "");
    }
}

/* One line per request: "STATUS finding RULE/AUTO TRANSITION -> who" or
 * "STATUS digest AT -> who: RULE/AUTO TRANSITION[ folded], ...". */
static char *summary(struct test_receiver *rx)
{
    char *records = test_receiver_records(rx);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (char *line = strtok(records, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *rec = cJSON_Parse(line);
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
        fprintf(f, "%d %s ", status ? status->valueint : 0, text_of(body, "type"));
        if (strcmp(text_of(body, "type"), "finding") == 0) {
            const cJSON *fi = cJSON_GetObjectItemCaseSensitive(body, "finding");
            fprintf(f, "%s/%s %s -> ", text_of(fi, "rule"), text_of(fi, "automation"),
                    text_of(body, "transition"));
            add_recipients(f, cJSON_GetObjectItemCaseSensitive(body, "recipients"));
        } else {
            fprintf(f, "%s -> ", text_of(body, "at"));
            add_recipients(f, cJSON_GetObjectItemCaseSensitive(body, "recipients"));
            fprintf(f, ":");
            const cJSON *item;
            cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(body, "items"))
            {
                const cJSON *fi = cJSON_GetObjectItemCaseSensitive(item, "finding");
                fprintf(f, " %s/%s %s%s", text_of(fi, "rule"), text_of(fi, "automation"),
                        text_of(item, "transition"),
                        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "folded"))
                            ? " folded"
                            : "");
            }
        }
        fprintf(f, "\n");
        cJSON_Delete(rec);
    }
    fclose(f);
    free(records);
    return out;
}

static void expect_summary(struct test_receiver *rx, const char *expected)
{
    char *got = summary(rx);
    assert_string_equal(got, expected);
    free(got);
}

#define ALL_IMMEDIATE                                                                      \
    "mode_medium = immediate\nmode_low = immediate\nmode_info = immediate\n"               \
    "max_per_recipient_per_day = 100\n"

/* ------------------------------------------------------------------------ */
/* tests                                                                     */

static void test_routes_by_layer_role(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    assert_non_null(rx);
    struct crmgov_harness *h =
        start(rx, ALL_IMMEDIATE "fallback_owner = u-5\nteams = secops:critical\n",
              "[contacts]\nsf/u-3 = cy-alerts@example.com\nsecops = secops@example.com\n", 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "OWN001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "audit", "AUD001", "high", "a1");
    raise_at(h, "2026-03-01T09:02:00Z", "change", "CHG001", "high", "a1");
    raise_at(h, "2026-03-01T09:03:00Z", "audit", "AUD005", "high", "a3");
    raise_at(h, "2026-03-01T09:04:00Z", "ownership", "OWN002", "high", "a2");
    finding(h, "2026-03-01T09:05:00Z", "create", "audit", "AUD006", "high", "", "u-2");
    raise_at(h, "2026-03-01T09:06:00Z", "change", "CHG001", "critical", "a1"); /* escalates */
    finding(h, "2026-03-01T09:07:00Z", "delete", "audit", "AUD001", "high", "a1", "");
    crmgov_harness_free(h); /* stop: the last pass delivers what is queued */
    expect_summary(rx,
        "200 finding OWN001/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 finding AUD001/a1 raised -> u-3(owner:outcome cy-alerts@example.com)\n"
        "200 finding CHG001/a1 raised -> u-2(owner:decision bo@sf.example)\n"
        "200 finding AUD005/a3 raised -> u-5(fallback fay@sf.example)\n"
        "200 finding OWN002/a2 raised -> u-5(fallback fay@sf.example)\n"
        "200 finding AUD006/- raised -> u-5(fallback fay@sf.example)\n"
        "200 finding CHG001/a1 escalated -> u-2(owner:decision bo@sf.example),"
        "secops(team secops@example.com)\n"
        "200 finding AUD001/a1 cleared -> u-3(owner:outcome cy-alerts@example.com)\n");
    test_receiver_stop(rx);
}

static void test_ownership_service_decides(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    struct crmgov_harness *h = start(rx, ALL_IMMEDIATE, NULL, 1);
    raise_at(h, "2026-03-01T09:00:00Z", "audit", "AUD001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "audit", "AUD001", "high", "a2");
    crmgov_harness_free(h);
    /* u-8 is in grace and svc a service account: neither is reachable;
     * the store's owners of a1 (u-3) are not asked */
    expect_summary(rx, "200 finding AUD001/a1 raised -> u-7(owner:outcome)\n"
                       "200 finding AUD001/a2 raised -> u-fb(fallback)\n");
    test_receiver_stop(rx);
}

static void test_cap_folds_into_the_daily_digest(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    struct crmgov_harness *h =
        start(rx, "max_per_recipient_per_day = 2\ndigest_at = 08:00\n", NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "TST001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "ownership", "TST002", "high", "a1");
    raise_at(h, "2026-03-01T09:02:00Z", "ownership", "TST003", "high", "a1");
    raise_at(h, "2026-03-01T09:03:00Z", "ownership", "TST004", "critical", "a1");
    raise_at(h, "2026-03-01T09:04:00Z", "ownership", "TST005", "medium", "a1");
    raise_at(h, "2026-03-01T09:30:00Z", "ownership", "TST001", "high", "a1"); /* refresh */
    assert_int_equal(test_receiver_wait(rx, 2, 10000), 0);
    assert_int_equal(crmgov_harness_advance(h, "2026-03-02T07:59:00Z"), 0);
    usleep(200 * 1000);
    assert_int_equal(test_receiver_count(rx), 2); /* nothing before digest_at */
    assert_int_equal(crmgov_harness_advance(h, "2026-03-02T08:00:00Z"), 0);
    /* the digest was the first message of the new day: one immediate left */
    raise_at(h, "2026-03-02T09:00:00Z", "ownership", "TST006", "high", "a1");
    raise_at(h, "2026-03-02T09:01:00Z", "ownership", "TST007", "high", "a1");
    assert_int_equal(crmgov_harness_advance(h, "2026-03-03T08:00:00Z"), 0);
    assert_int_equal(crmgov_harness_advance(h, "2026-03-06T12:00:00Z"), 0); /* quiet days */
    crmgov_harness_free(h);
    expect_summary(rx,
        "200 finding TST001/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 finding TST002/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 digest 2026-03-02T08:00:00Z -> u-1(owner:system ann@sf.example): "
        "TST003/a1 raised folded TST004/a1 raised folded TST005/a1 raised\n"
        "200 finding TST006/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 digest 2026-03-03T08:00:00Z -> u-1(owner:system ann@sf.example): "
        "TST007/a1 raised folded\n");
    test_receiver_stop(rx);
}

static void test_mode_off_and_digest_only(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    struct crmgov_harness *h =
        start(rx, "mode_high = digest\nmode_low = off\ndigest_at = 06:30\n", NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "audit", "AUD001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "audit", "AUD002", "low", "a1");
    raise_at(h, "2026-03-01T09:02:00Z", "audit", "AUD003", "critical", "a1");
    finding(h, "2026-03-01T10:00:00Z", "delete", "audit", "AUD001", "high", "a1", "");
    assert_int_equal(crmgov_harness_advance(h, "2026-03-02T06:30:00Z"), 0);
    crmgov_harness_free(h);
    expect_summary(rx,
        "200 finding AUD003/a1 raised -> u-3(owner:outcome cy@sf.example)\n"
        "200 digest 2026-03-02T06:30:00Z -> u-3(owner:outcome cy@sf.example): "
        "AUD001/a1 raised AUD001/a1 cleared\n");
    test_receiver_stop(rx);
}

static void test_signature_verified_by_receiver(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, "s3cret", NULL);
    struct crmgov_harness *h = start(rx, "secret = s3cret\n", NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "OWN001", "high", "a1");
    crmgov_harness_free(h);
    char *records = test_receiver_records(rx);
    cJSON *rec = cJSON_Parse(records);
    assert_string_equal(text_of(rec, "signature"), "ok");
    assert_string_equal(text_of(rec, "content_type"), "application/json");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(rec, "attempt")->valueint, 1);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
    assert_string_equal(text_of(rec, "id"), text_of(body, "id")); /* Idempotency-Key */
    assert_int_equal(strlen(text_of(rec, "id")), 32);
    cJSON_Delete(rec);
    free(records);

    /* a sink with the wrong secret is refused: 401 is final, the delivery
     * stays in the outbox as failed */
    struct test_receiver *rx2 = test_receiver_start(0, "s3cret", NULL);
    h = start(rx2, "secret = wrong\n", NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "OWN001", "high", "a1");
    assert_int_equal(test_receiver_wait(rx2, 1, 10000), 0);
    int status = 0;
    char *out = NULL;
    for (int i = 0; i < 200; i++) { /* the failure is recorded just after the answer */
        free(out);
        out = crmgov_harness_command(h, "outbox --format json", &status);
        if (status == 1)
            break;
        usleep(20 * 1000);
    }
    assert_int_equal(status, 1);
    cJSON *rows = cJSON_Parse(out);
    assert_int_equal(cJSON_GetArraySize(rows), 1);
    const cJSON *row = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(text_of(row, "status"), "failed");
    assert_string_equal(text_of(row, "last_error"), "HTTP 401: not now");
    assert_string_equal(text_of(row, "summary"), "OWN001 sf/a1 raised (high)");
    assert_string_equal(text_of(row, "recipients"), "u-1");
    cJSON_Delete(rows);
    free(out);
    crmgov_harness_free(h);
    expect_summary(rx2, "401 finding OWN001/a1 raised -> u-1(owner:system ann@sf.example)\n");
    test_receiver_stop(rx2);
    test_receiver_stop(rx);
}

static int outbox_rows(struct crmgov_harness *h, int *status)
{
    char *out = crmgov_harness_command(h, "outbox --format json", status);
    cJSON *rows = cJSON_Parse(out);
    int n = cJSON_GetArraySize(rows);
    cJSON_Delete(rows);
    free(out);
    return n;
}

static void test_receiver_down_then_back(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    test_receiver_set_status(rx, 503);
    struct crmgov_harness *h = start(rx, ALL_IMMEDIATE "retry_initial = 1h\nretry_max = 1h\n",
                                     NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "OWN001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "change", "CHG001", "high", "a1");
    raise_at(h, "2026-03-01T09:02:00Z", "audit", "AUD001", "high", "a1");
    assert_int_equal(test_receiver_wait(rx, 1, 10000), 0);
    usleep(200 * 1000);
    /* the head failed once; the thread waits out its (hour-long) backoff
     * and keeps the rest behind it, in order */
    assert_int_equal(test_receiver_count(rx), 1);
    int status = 0;
    assert_int_equal(outbox_rows(h, &status), 3);
    assert_int_equal(status, 0);
    test_receiver_set_status(rx, 200);
    char *out = crmgov_harness_command(h, "outbox retry", &status);
    assert_int_equal(status, 0);
    assert_string_equal(out, "0 deliveries queued again; crmgov run sends them\n");
    free(out);
    assert_int_equal(test_receiver_wait(rx, 4, 10000), 0); /* the nudge ends the backoff */
    crmgov_harness_free(h);
    expect_summary(rx,
        "503 finding OWN001/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 finding OWN001/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 finding CHG001/a1 raised -> u-2(owner:decision bo@sf.example)\n"
        "200 finding AUD001/a1 raised -> u-3(owner:outcome cy@sf.example)\n");
    char *records = test_receiver_records(rx);
    char *second = strchr(records, '\n') + 1;
    cJSON *first = cJSON_Parse(records), *retry = cJSON_ParseWithLength(second, strcspn(second, "\n"));
    assert_string_equal(text_of(first, "id"), text_of(retry, "id")); /* same key, same bytes */
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(retry, "attempt")->valueint, 2);
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(first, "body"),
                              cJSON_GetObjectItemCaseSensitive(retry, "body"), 1));
    cJSON_Delete(first);
    cJSON_Delete(retry);
    free(records);
    test_receiver_stop(rx);
}

static void test_failed_for_good_then_retry(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    test_receiver_set_status(rx, 400);
    struct crmgov_harness *h = start(rx, ALL_IMMEDIATE, NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "OWN001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "change", "CHG001", "high", "a1");
    /* a 400 is final: neither blocks the other, both end up failed */
    assert_int_equal(test_receiver_wait(rx, 2, 10000), 0);
    int status = 0;
    for (int i = 0; i < 200 && status != 1; i++) {
        char *out = crmgov_harness_command(h, "outbox --format csv", &status);
        if (status != 1 || !strstr(strstr(out, "failed") ? strstr(out, "failed") + 1 : "",
                                   "failed"))
            status = 0;
        free(out);
        usleep(20 * 1000);
    }
    assert_int_equal(status, 1);
    char *out = crmgov_harness_command(h, "outbox retry nope", &status);
    assert_int_equal(status, 2); /* an unknown id changes nothing */
    free(out);
    out = crmgov_harness_command(h, "outbox retry --sink elsewhere", &status);
    assert_int_equal(status, 2);
    free(out);
    test_receiver_set_status(rx, 200);
    out = crmgov_harness_command(h, "outbox retry", &status);
    assert_int_equal(status, 0);
    assert_string_equal(out, "2 deliveries queued again; crmgov run sends them\n");
    free(out);
    assert_int_equal(test_receiver_wait(rx, 4, 10000), 0);
    crmgov_harness_free(h);
    expect_summary(rx,
        "400 finding OWN001/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "400 finding CHG001/a1 raised -> u-2(owner:decision bo@sf.example)\n"
        "200 finding OWN001/a1 raised -> u-1(owner:system ann@sf.example)\n"
        "200 finding CHG001/a1 raised -> u-2(owner:decision bo@sf.example)\n");
    test_receiver_stop(rx);
}

static void test_slack_channel(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    struct crmgov_harness *h =
        start(rx, "format = slack\nchannel = #crm-gov\nmax_per_recipient_per_day = 1\n",
              "[contacts]\nu-1 = <@U111>\n", 0);
    raise_at(h, "2026-03-01T09:00:00Z", "ownership", "OWN001", "high", "a1");
    raise_at(h, "2026-03-01T09:01:00Z", "change", "CHG001", "critical", "a1"); /* over the cap */
    assert_int_equal(crmgov_harness_advance(h, "2026-03-02T08:00:00Z"), 0);
    crmgov_harness_free(h);
    char *records = test_receiver_records(rx);
    char *line2 = strchr(records, '\n') + 1;
    cJSON *first = cJSON_ParseWithLength(records, strcspn(records, "\n"));
    cJSON *digest = cJSON_ParseWithLength(line2, strcspn(line2, "\n"));
    assert_non_null(digest);
    assert_int_equal(test_receiver_count(rx), 2);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(first, "body");
    assert_string_equal(text_of(body, "text"), "crmgov: OWN001 raised sf (high)");
    const cJSON *block = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "blocks"), 0);
    assert_string_equal(text_of(block, "type"), "section");
    assert_string_equal(text_of(cJSON_GetObjectItemCaseSensitive(block, "text"), "text"),
        ":red_circle: *OWN001 test* high, raised in sf / a1\n>m &lt;&amp;&gt; x\n"
        "For: <@U111>\n"
        "`crmgov findings --rule OWN001 --system sf --automation a1 --state all`\n"
        "`crmgov history sf/a1`\n");
    body = cJSON_GetObjectItemCaseSensitive(digest, "body");
    block = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "blocks"), 0);
    assert_string_equal(text_of(body, "text"), "crmgov digest: 1 finding change");
    assert_string_equal(text_of(cJSON_GetObjectItemCaseSensitive(block, "text"), "text"),
        "*crmgov digest* for #crm-gov: 1 finding change\n"
        "• :rotating_light: *CHG001 test* critical, raised in sf / a1: m &lt;&amp;&gt; x\n");
    cJSON_Delete(first);
    cJSON_Delete(digest);
    free(records);
    test_receiver_stop(rx);
}

static void test_channel_json_names_the_accountable(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    struct crmgov_harness *h = start(rx, "channel = #crm-gov\n", NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "change", "CHG001", "high", "a1");
    crmgov_harness_free(h);
    expect_summary(rx, "200 finding CHG001/a1 raised -> #crm-gov(channel)\n");
    char *records = test_receiver_records(rx);
    cJSON *rec = cJSON_Parse(records);
    const cJSON *accountable = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rec, "body"), "accountable");
    char *text = cJSON_PrintUnformatted(accountable);
    assert_string_equal(text, "[{\"id\":\"u-2\",\"system\":\"sf\",\"name\":\"Bo Decider\","
                              "\"address\":\"bo@sf.example\",\"as\":\"owner:decision\"}]");
    cJSON_free(text);
    cJSON_Delete(rec);
    free(records);
    test_receiver_stop(rx);
}

static void test_waiting_items_listed(void **state)
{
    (void)state;
    struct test_receiver *rx = test_receiver_start(0, NULL, NULL);
    struct crmgov_harness *h = start(rx, "", NULL, 0);
    raise_at(h, "2026-03-01T09:00:00Z", "audit", "AUD004", "medium", "a1");
    int status = 0;
    char *out = crmgov_harness_command(h, "outbox --format csv", &status);
    assert_int_equal(status, 0);
    assert_string_equal(out,
        "sink,id,kind,status,created,due,attempts,last_attempt,recipients,summary,last_error\r\n"
        "owners,,digest-item,waiting,2026-03-01T09:00:00Z,2026-03-02T08:00:00Z,0,,u-3,"
        "AUD004 sf/a1 raised (medium),\r\n");
    free(out);
    out = crmgov_harness_command(h, "outbox --bogus", &status);
    assert_int_equal(status, 2);
    free(out);
    crmgov_harness_free(h);
    assert_int_equal(test_receiver_count(rx), 0);
    test_receiver_stop(rx);
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/webhook.so", build ? build : "build");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_by_layer_role),
        cmocka_unit_test(test_ownership_service_decides),
        cmocka_unit_test(test_cap_folds_into_the_daily_digest),
        cmocka_unit_test(test_mode_off_and_digest_only),
        cmocka_unit_test(test_signature_verified_by_receiver),
        cmocka_unit_test(test_receiver_down_then_back),
        cmocka_unit_test(test_failed_for_good_then_retry),
        cmocka_unit_test(test_slack_channel),
        cmocka_unit_test(test_channel_json_names_the_accountable),
        cmocka_unit_test(test_waiting_items_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
