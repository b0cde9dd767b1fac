/*
 * test_hubspot.c -- the hubspot connector against a loopback "HubSpot"
 * (tests/support/httpstub.c serving tests/data/hubspot/): the canonical
 * events one pull produces (paging, a flow with a branch, an archived owner,
 * a 429 burst, an expired token, malformed JSON) compared exactly with the
 * expected JSON Lines; the requests it made; and its webhook receiver with
 * correctly and wrongly signed, stale, oversized and garbage calls. Also the
 * mapping functions alone, with a catalogue whose ids prove nothing is
 * hard-coded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/httpstub.h"
#include "common/webhook/webhook.h"
#include "connectors/hubspot/hs_map.h"
#include "crmgov-harness.h"

static char plugin_path[512];
static char data_dir[512];
static char tmp[] = "/tmp/crmgov-hubspot-XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ------------------------------------------------------------------------ */
/* a full pull                                                               */

struct pulled {
    struct crmgov_harness *h;
    struct httpstub *stub;
    unsigned hook_port;
};

static void start_pull(struct pulled *p, const char *extra_options)
{
    char dir[600], token_file[600], options[2000];
    snprintf(dir, sizeof(dir), "%s/pull", data_dir);
    p->stub = httpstub_start(dir, 0);
    assert_non_null(p->stub);
    snprintf(token_file, sizeof(token_file), "%s/token", tmp);
    write_file(token_file, "pat-new\n");
    p->hook_port = httpstub_free_port();
    snprintf(options, sizeof(options),
             "system = hs\nbase_url = http://127.0.0.1:%u/\naccess_token = pat-old\n"
             "token_file = %s\npage_size = 2\nretry_base = 1ms\nretry_max = 20ms\n"
             "listen = 127.0.0.1:%u\nwebhook_secret = app-secret\nmax_body = 2k\n%s",
             httpstub_port(p->stub), token_file, p->hook_port, extra_options);
    p->h = crmgov_harness_new();
    assert_non_null(p->h);
    assert_int_equal(crmgov_harness_add_file(p->h, plugin_path, "hs", options), 0);
    if (crmgov_harness_start(p->h) != 0)
        fail_msg("start: %s", crmgov_harness_error(p->h));
    assert_int_equal(crmgov_harness_wait_connectors(p->h, 20000), 0);
}

static void stop_pull(struct pulled *p)
{
    crmgov_harness_free(p->h);
    httpstub_stop(p->stub);
}

static const char *const PULLED =
    "{\"type\":\"principal\",\"system\":\"hs\",\"at\":\"2026-01-10T09:00:00Z\",\"id\":\"201\","
    "\"name\":\"Ana Ruiz\",\"email\":\"ana@example.com\",\"active\":true,\"roles\":[\"Sales\"]}\n"
    "{\"type\":\"principal\",\"system\":\"hs\",\"at\":\"2026-01-12T09:00:00Z\",\"id\":\"203\","
    "\"name\":\"Lee\",\"email\":\"lee@example.com\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"hs\",\"at\":\"2026-01-13T09:00:00Z\","
    "\"id\":\"owner-9004\",\"name\":\"Sam Ito\",\"email\":\"sam@example.com\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"hs\",\"at\":\"2026-02-03T10:00:00Z\",\"id\":\"202\","
    "\"name\":\"Jon Park\",\"email\":\"jon@example.com\",\"active\":false}\n"
    "{\"type\":\"automation\",\"system\":\"hs\",\"at\":\"2026-02-20T10:00:00Z\",\"id\":\"101\","
    "\"name\":\"Qualify big deals\",\"kind\":\"workflow\",\"object\":\"deal\","
    "\"trigger\":{\"on\":\"create_or_update\",\"fields\":[\"dealstage\",\"amount\"]},\"conditions\":[{\"field\":\"dealstage\","
    "\"op\":\"eq\",\"value\":\"closedwon\"},{\"field\":\"amount\",\"op\":\"gt\",\"value\":1000}],"
    "\"actions\":[{\"type\":\"set_field\",\"field\":\"hs_priority\",\"value\":\"high\"},"
    "{\"type\":\"notify\",\"to\":\"201\"},{\"type\":\"notify\",\"to\":\"202\"},"
    "{\"type\":\"create_task\",\"to\":\"owner:hubspot_owner_id\"},"
    "{\"type\":\"call\",\"target\":\"action-type:1-2345678\"}],\"status\":\"active\","
    "\"attributes\":{\"conditions_complete\":true,\"enrollment\":\"LIST_BASED\","
    "\"flow_type\":\"WORKFLOW\",\"hubspot_type\":\"PLATFORM_FLOW\",\"object_type_id\":\"0-3\","
    "\"re_enroll\":false,\"revision_id\":\"7\",\"unknown_action_types\":[\"1-2345678\"]}}\n"
    "{\"type\":\"automation\",\"system\":\"hs\",\"at\":\"2026-02-21T10:00:00Z\",\"id\":\"102\","
    "\"name\":\"Route new leads\",\"kind\":\"workflow\",\"object\":\"contact\","
    "\"trigger\":{\"on\":\"update\",\"fields\":[\"lifecyclestage\"]},"
    "\"conditions\":[{\"field\":\"lifecyclestage\",\"op\":\"eq\",\"value\":\"lead\"}],"
    "\"actions\":[{\"type\":\"set_field\",\"field\":\"hs_lead_status\",\"value\":\"NEW\"},"
    "{\"type\":\"notify\",\"to\":\"owner:hubspot_owner_id\"}],\"status\":\"active\","
    "\"attributes\":{\"branch_condition_lifted\":true,\"branches\":1,"
    "\"conditions_complete\":true,\"enrollment\":\"EVENT_BASED\",\"event_types\":[\"4-655002\"],"
    "\"flow_type\":\"WORKFLOW\",\"hubspot_type\":\"CONTACT_FLOW\",\"object_type_id\":\"0-1\","
    "\"re_enroll\":true,\"revision_id\":\"3\"}}\n"
    "{\"deadletter\":{\"source\":\"hubspot:GET /automation/v4/flows/103\",\"line\":0,"
    "\"reason\":\"malformed JSON in the answer\"}}\n"
    "{\"type\":\"automation\",\"system\":\"hs\",\"at\":\"2026-02-23T10:00:00Z\",\"id\":\"104\","
    "\"name\":\"Ticket follow-up\",\"kind\":\"workflow\",\"object\":\"ticket\","
    "\"trigger\":{\"on\":\"create_or_update\",\"fields\":[\"hs_pipeline_stage\","
    "\"hs_ticket_priority\"]},\"conditions\":[],"
    "\"actions\":[{\"type\":\"email\",\"to\":\"enrolled-record\"},{\"type\":\"set_field\","
    "\"field\":\"hs_ticket_priority\"}],\"status\":\"inactive\","
    "\"attributes\":{\"conditions_complete\":false,\"enrollment\":\"LIST_BASED\","
    "\"flow_type\":\"WORKFLOW\",\"hubspot_type\":\"PLATFORM_FLOW\",\"object_type_id\":\"0-5\","
    "\"re_enroll\":true,\"revision_id\":\"12\"}}\n";

static const char *const REQUESTS =
    "GET /automation/v4/action-types?limit=2 auth=Bearer pat-old\n"
    "GET /automation/v4/action-types?limit=2 auth=Bearer pat-new\n"
    "GET /automation/v4/action-types?limit=2 auth=Bearer pat-new\n"
    "GET /automation/v4/action-types?limit=2 auth=Bearer pat-new\n"
    "GET /crm/v3/owners?limit=2&archived=false auth=Bearer pat-new\n"
    "GET /crm/v3/owners?limit=2&archived=false&after=o2 auth=Bearer pat-new\n"
    "GET /crm/v3/owners?limit=2&archived=true auth=Bearer pat-new\n"
    "GET /automation/v4/flows?limit=2 auth=Bearer pat-new\n"
    "GET /automation/v4/flows?limit=2&after=f2 auth=Bearer pat-new\n"
    "GET /automation/v4/flows/101 auth=Bearer pat-new\n"
    "GET /automation/v4/flows/102 auth=Bearer pat-new\n"
    "GET /automation/v4/flows/103 auth=Bearer pat-new\n"
    "GET /automation/v4/flows/104 auth=Bearer pat-new\n";

static void test_pull(void **state)
{
    (void)state;
    struct pulled p;
    start_pull(&p, "");
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, PULLED);
    free(out);
    char *log = httpstub_requests(p.stub);
    assert_string_equal(log, REQUESTS);
    free(log);
    stop_pull(&p);
}

/* ------------------------------------------------------------------------ */
/* webhooks                                                                  */

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* POSTs body to uri, signed for signed_path with `secret` at time ts_ms. */
static int post_signed_as(unsigned port, const char *uri, const char *signed_path,
                          const char *body, const char *secret, int64_t ts_ms, char **answer)
{
    char base[64], ts[32], sig[64], h1[128], h2[128];
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", port);
    snprintf(ts, sizeof(ts), "%lld", (long long)ts_ms);
    char *signed_uri = wh_hubspot_uri(base, signed_path);
    wh_hubspot_sign(secret, "POST", signed_uri, body, strlen(body), ts, sig, sizeof(sig));
    free(signed_uri);
    snprintf(h1, sizeof(h1), "X-HubSpot-Signature-v3: %s", sig);
    snprintf(h2, sizeof(h2), "X-HubSpot-Request-Timestamp: %s", ts);
    const char *headers[] = { h1, h2, "Content-Type: application/json", NULL };
    return httpstub_send(port, "POST", uri, headers, body, strlen(body), answer);
}

static int signed_post(unsigned port, const char *uri, const char *body, const char *secret,
                       int64_t ts_ms, char **answer)
{
    return post_signed_as(port, uri, uri, body, secret, ts_ms, answer);
}

static const char *const EVENTS_BODY =
    "[{\"eventId\":1,\"subscriptionId\":7,\"portalId\":62515,\"appId\":1,"
    "\"occurredAt\":1772366400000,\"subscriptionType\":\"deal.propertyChange\",\"attemptNumber\":0,"
    "\"objectId\":5001,\"changeSource\":\"CRM\",\"propertyName\":\"dealstage\","
    "\"propertyValue\":\"closedwon\"},"
    "{\"eventId\":2,\"occurredAt\":1772366401000,\"subscriptionType\":\"contact.creation\","
    "\"objectId\":77},"
    "{\"eventId\":3,\"occurredAt\":1772366402000,\"subscriptionType\":\"contact.associationChange\","
    "\"objectId\":77},"
    "{\"eventId\":4,\"occurredAt\":1772366403000,\"subscriptionType\":\"object.deletion\","
    "\"objectTypeId\":\"0-5\",\"objectId\":\"900\"}]";

static const char *const EVENTS_PUBLISHED =
    "{\"type\":\"record\",\"system\":\"hs\",\"at\":\"2026-03-01T12:00:00Z\",\"object\":\"deal\","
    "\"id\":\"5001\",\"op\":\"update\",\"changes\":{\"dealstage\":[null,\"closedwon\"]}}\n"
    "{\"type\":\"record\",\"system\":\"hs\",\"at\":\"2026-03-01T12:00:01Z\","
    "\"object\":\"contact\",\"id\":\"77\",\"op\":\"create\",\"changes\":{}}\n"
    "{\"type\":\"record\",\"system\":\"hs\",\"at\":\"2026-03-01T12:00:03Z\",\"object\":\"ticket\","
    "\"id\":\"900\",\"op\":\"delete\",\"changes\":{}}\n";

static void expect_answer(int got_status, char *answer, int status, const char *text)
{
    assert_int_equal(got_status, status);
    assert_string_equal(answer, text);
    free(answer);
}

static void test_webhook_records(void **state)
{
    (void)state;
    struct pulled p;
    start_pull(&p, "");
    free(crmgov_harness_published(p.h));
    char *answer;
    int st = signed_post(p.hook_port, "/webhooks", EVENTS_BODY, "app-secret", now_ms(), &answer);
    expect_answer(st, answer, 200,
                  "{\"status\":200,\"message\":\"3 events recorded, 1 ignored\"}");
    /* Answered means committed: the events are there without waiting. */
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, EVENTS_PUBLISHED);
    free(out);
    stop_pull(&p);
}

static void test_webhook_refusals(void **state)
{
    (void)state;
    struct pulled p;
    start_pull(&p, "");
    free(crmgov_harness_published(p.h));
    unsigned port = p.hook_port;
    char *answer;
    const char *body = "[{\"subscriptionType\":\"contact.creation\",\"objectId\":1}]";
    int st = signed_post(port, "/webhooks", body, "wrong-secret", now_ms(), &answer);
    expect_answer(st, answer, 401, "{\"status\":401,\"message\":\"bad signature\"}");
    st = signed_post(port, "/webhooks", body, "app-secret", now_ms() - 6 * 60 * 1000, &answer);
    expect_answer(st, answer, 401, "{\"status\":401,\"message\":\"stale or invalid timestamp\"}");
    st = httpstub_send(port, "POST", "/webhooks", NULL, body, strlen(body), &answer);
    expect_answer(st, answer, 401,
                  "{\"status\":401,\"message\":\"missing signature or timestamp\"}");
    /* The signature covers the URI: a query added on the way breaks it. */
    st = post_signed_as(port, "/webhooks?x=1", "/webhooks", body, "app-secret", now_ms(),
                        &answer);
    expect_answer(st, answer, 401, "{\"status\":401,\"message\":\"bad signature\"}");
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    st = signed_post(port, "/webhooks", big, "app-secret", now_ms(), &answer);
    expect_answer(st, answer, 413, "{\"status\":413,\"message\":\"body larger than max_body\"}");
    st = signed_post(port, "/webhooks", "\x01\x02garbage{[", "app-secret", now_ms(), &answer);
    expect_answer(st, answer, 400,
                  "{\"status\":400,\"message\":\"the body is not a JSON object or array\"}");
    st = signed_post(port, "/nowhere", body, "app-secret", now_ms(), &answer);
    expect_answer(st, answer, 404, "{\"status\":404,\"message\":\"unknown path\"}");
    st = httpstub_send(port, "PUT", "/webhooks", NULL, NULL, 0, &answer);
    expect_answer(st, answer, 405, "{\"status\":405,\"message\":\"POST only\"}");
    st = httpstub_send(port, "GET", "/stats", NULL, NULL, 0, &answer);
    expect_answer(st, answer, 200,
                  "{\"requests\":8,\"accepted\":0,\"bad_request\":3,\"unauthorized\":4,"
                  "\"too_large\":1,\"failed\":0}");
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, "");
    free(out);
    stop_pull(&p);
}

static void format_ms(int64_t ms, char *buf, size_t size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms % 1000)
        snprintf(buf, size, "%s.%03dZ", base, (int)(ms % 1000));
    else
        snprintf(buf, size, "%sZ", base);
}

static void test_webhook_execution_and_change(void **state)
{
    (void)state;
    struct pulled p;
    start_pull(&p, "");
    free(crmgov_harness_published(p.h));
    char *answer, expected[600], when[40];
    int64_t ts = now_ms();
    int st = signed_post(p.hook_port, "/automations/101/execution",
                         "{\"objectId\":5001,\"properties\":{\"dealname\":\"Acme\"}}", "app-secret",
                         ts, &answer);
    expect_answer(st, answer, 200,
                  "{\"status\":200,\"message\":\"execution of 101 recorded\"}");
    format_ms(ts, when, sizeof(when));
    snprintf(expected, sizeof(expected),
             "{\"type\":\"execution\",\"system\":\"hs\",\"at\":\"%s\",\"automation\":\"101\","
             "\"object\":\"deal\",\"record\":\"5001\",\"status\":\"ok\"}\n",
             when);
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, expected);
    free(out);
    /* The same revision again: fetched, nothing new to report. */
    st = signed_post(p.hook_port, "/automations/102/changed", "{}", "app-secret", now_ms(),
                     &answer);
    expect_answer(st, answer, 200, "{\"status\":200,\"message\":\"flow 102 unchanged\"}");
    out = crmgov_harness_published(p.h);
    assert_string_equal(out, "");
    free(out);
    stop_pull(&p);
}

/* ------------------------------------------------------------------------ */
/* the mapping alone                                                         */

static char *map_flow_text(const char *flow_json, const char *catalog_json)
{
    cJSON *flow = cJSON_Parse(flow_json), *catalog = cJSON_CreateObject();
    cJSON *types = cJSON_Parse(catalog_json), *t;
    cJSON_ArrayForEach(t, types) hs_catalog_add(catalog, t);
    cJSON *ev = cJSON_CreateObject();
    char why[160];
    char *text = NULL;
    if (hs_map_flow(flow, catalog, ev, why, sizeof(why)) == 0)
        text = cJSON_PrintUnformatted(ev);
    else
        text = strdup(why);
    cJSON_Delete(flow);
    cJSON_Delete(catalog);
    cJSON_Delete(types);
    cJSON_Delete(ev);
    return text;
}

/* The same behaviour under entirely different action-type ids: the catalogue
 * decides, not the id. */
static void test_catalogue_decides(void **state)
{
    (void)state;
    const char *catalog =
        "[{\"actionTypeId\":\"9-1\",\"actionName\":\"Rotate record to owner\","
        "\"inputFieldDefinitions\":[{\"name\":\"user_ids\"},{\"name\":\"target_property\"}]},"
        "{\"actionTypeId\":\"9-2\",\"actionName\":\"Update field\",\"inputFieldDefinitions\":"
        "[{\"name\":\"property_name\"},{\"name\":\"value\"}]},"
        "{\"actionTypeId\":\"9-3\",\"actionName\":\"Send a webhook\",\"inputFieldDefinitions\":"
        "[{\"name\":\"webhookUrl\"}]},"
        "{\"actionTypeId\":\"9-4\",\"actionName\":\"Enroll in another workflow\","
        "\"inputFieldDefinitions\":[{\"name\":\"flow_id\"}]},"
        "{\"actionTypeId\":\"9-5\",\"actionName\":\"Create record\",\"inputFieldDefinitions\":"
        "[{\"name\":\"object_type_id\"}]}]";
    const char *flow =
        "{\"id\":55,\"objectTypeId\":\"2-999\",\"isEnabled\":true,\"startActionId\":\"1\","
        "\"enrollmentCriteria\":{\"type\":\"LIST_BASED\",\"listFilterBranch\":{"
        "\"filterBranchType\":\"AND\",\"filters\":[{\"filterType\":\"PROPERTY\",\"property\":\"p\","
        "\"operation\":{\"operator\":\"IS_KNOWN\"}},{\"filterType\":\"ASSOCIATION\"}]}},"
        "\"actions\":[{\"actionId\":\"1\",\"actionTypeId\":\"9-1\",\"fields\":{\"user_ids\":[7,8]}},"
        "{\"actionId\":\"2\",\"actionTypeId\":\"9-2\",\"fields\":{\"property_name\":\"x\","
        "\"value\":{\"staticValue\":\"1\"}}},"
        "{\"actionId\":\"3\",\"actionTypeId\":\"9-3\",\"fields\":{\"webhookUrl\":\"https://h.example/x\"}},"
        "{\"actionId\":\"4\",\"actionTypeId\":\"9-4\",\"fields\":{\"flow_id\":\"77\"}},"
        "{\"actionId\":\"5\",\"actionTypeId\":\"9-5\",\"fields\":{}}]}";
    char *text = map_flow_text(flow, catalog);
    assert_string_equal(
        text, "{\"id\":\"55\",\"name\":\"55\",\"kind\":\"workflow\",\"object\":\"2-999\","
              "\"trigger\":{\"on\":\"create_or_update\"},\"conditions\":[{\"field\":\"p\","
              "\"op\":\"set\"}],\"actions\":[{\"type\":\"assign\",\"to\":\"7\"},{\"type\":"
              "\"assign\",\"to\":\"8\"},{\"type\":\"set_field\",\"field\":\"x\",\"value\":\"1\"},"
              "{\"type\":\"webhook\",\"url\":\"https://h.example/x\"},{\"type\":\"call\","
              "\"target\":\"77\"},{\"type\":\"create_record\"}],\"status\":\"active\","
              "\"attributes\":{\"enrollment\":\"LIST_BASED\",\"re_enroll\":false,"
              "\"object_type_id\":\"2-999\",\"conditions_complete\":false}}");
    free(text);
}

/* A branch whose two paths both act cannot become a condition. */
static void test_branch_not_lifted(void **state)
{
    (void)state;
    const char *catalog = "[{\"actionTypeId\":\"0-5\",\"actionName\":\"Set property\","
                          "\"inputFieldDefinitions\":[{\"name\":\"property_name\"},"
                          "{\"name\":\"value\"}]}]";
    const char *flow =
        "{\"id\":\"9\",\"objectTypeId\":\"0-3\",\"isEnabled\":false,\"startActionId\":\"1\","
        "\"actions\":[{\"actionId\":\"1\",\"type\":\"LIST_BRANCH\",\"listBranches\":[{"
        "\"filterBranch\":{\"filterBranchType\":\"AND\",\"filters\":[{\"filterType\":\"PROPERTY\","
        "\"property\":\"amount\",\"operation\":{\"operator\":\"IS_LESS_THAN\",\"value\":5}}]},"
        "\"connection\":{\"nextActionId\":\"2\"}}],\"defaultBranch\":{\"nextActionId\":\"3\"}},"
        "{\"actionId\":\"2\",\"actionTypeId\":\"0-5\",\"fields\":{\"property_name\":\"tier\","
        "\"value\":{\"staticValue\":\"small\"}}},"
        "{\"actionId\":\"3\",\"actionTypeId\":\"0-5\",\"fields\":{\"property_name\":\"tier\","
        "\"value\":{\"staticValue\":\"big\"}}}]}";
    char *text = map_flow_text(flow, catalog);
    assert_string_equal(
        text, "{\"id\":\"9\",\"name\":\"9\",\"kind\":\"workflow\",\"object\":\"deal\","
              "\"trigger\":{\"on\":\"manual\"},\"conditions\":[],\"actions\":[{\"type\":"
              "\"set_field\",\"field\":\"tier\",\"value\":\"small\"},{\"type\":\"set_field\","
              "\"field\":\"tier\",\"value\":\"big\"}],\"status\":\"inactive\",\"attributes\":{"
              "\"enrollment\":\"MANUAL\",\"re_enroll\":false,\"branches\":1,"
              "\"actions_conditional\":true,\"object_type_id\":\"0-3\","
              "\"conditions_complete\":true}}");
    free(text);
}

/* Garbage in any member never crashes the mapping. */
static void test_garbage_flows(void **state)
{
    (void)state;
    const char *flows[] = {
        "{}",
        "{\"id\":1}",
        "{\"id\":\"1\",\"objectTypeId\":\"0-1\",\"actions\":7,\"enrollmentCriteria\":[]}",
        "{\"id\":\"1\",\"objectTypeId\":\"0-1\",\"startActionId\":\"1\",\"actions\":[{\"actionId\":"
        "\"1\",\"type\":\"STATIC_BRANCH\",\"staticBranches\":{},\"connection\":{\"nextActionId\":"
        "\"1\"}}],\"enrollmentCriteria\":{\"type\":\"EVENT_BASED\",\"eventFilterBranches\":"
        "[{\"filters\":7}]}}",
        "{\"id\":\"1\",\"objectTypeId\":\"0-1\",\"enrollmentCriteria\":{\"type\":\"LIST_BASED\","
        "\"listFilterBranch\":{\"filterBranchType\":\"AND\",\"filters\":[{\"property\":5,"
        "\"operation\":{\"operator\":\"IS_EQUAL_TO\",\"value\":{}}}],\"filterBranches\":[3]}}}",
    };
    const char *expected[] = {
        "flow without an id",
        "flow 1 has no objectTypeId",
        NULL, NULL, NULL,
    };
    for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
        char *text = map_flow_text(flows[i], "[]");
        assert_non_null(text);
        if (expected[i])
            assert_string_equal(text, expected[i]);
        else
            assert_non_null(strstr(text, "\"id\":\"1\""));
        free(text);
    }
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    const char *source = getenv("CRMGOV_SOURCE_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/hubspot.so", build ? build : "build");
    snprintf(data_dir, sizeof(data_dir), "%s/tests/data/hubspot", source ? source : ".");
    /* Everything here talks to 127.0.0.1 only: never through a proxy. */
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    if (!mkdtemp(tmp))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull),
        cmocka_unit_test(test_webhook_records),
        cmocka_unit_test(test_webhook_refusals),
        cmocka_unit_test(test_webhook_execution_and_change),
        cmocka_unit_test(test_catalogue_decides),
        cmocka_unit_test(test_branch_not_lifted),
        cmocka_unit_test(test_garbage_flows),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
