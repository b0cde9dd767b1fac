/*
 * test_bitrix24.c -- the bitrix24 connector against a loopback "Bitrix24"
 * (tests/support/httpstub.c serving tests/data/bitrix24/): the canonical
 * events one pull produces (paging, a process with a branch, stage robots,
 * a deactivated user, a QUERY_LIMIT_EXCEEDED burst, an expired token, a
 * broken template) compared exactly with the expected JSON Lines; and its
 * receiver with outbound events as forms and JSON, right and wrong tokens,
 * oversized and garbage bodies. Also the mapping functions alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/httpstub.h"
#include "connectors/bitrix24/b24_map.h"
#include "crmgov-harness.h"

static char plugin_path[512];
static char data_dir[512];

struct portal {
    struct crmgov_harness *h;
    struct httpstub *stub;
    unsigned hook_port;
};

static void start_portal(struct portal *p, const char *scenario)
{
    char dir[600], options[1500];
    snprintf(dir, sizeof(dir), "%s/%s", data_dir, scenario);
    p->stub = httpstub_start(dir, 0);
    assert_non_null(p->stub);
    p->hook_port = httpstub_free_port();
    snprintf(options, sizeof(options),
             "system = b24\nwebhook_url = http://127.0.0.1:%u/rest/1/s3cret\n"
             "robots_method = app.robots\nrobot_document_types = crm:CCrmDocumentDeal:DEAL\n"
             "retry_base = 1ms\nretry_max = 20ms\nlisten = %u\napplication_token = tok-123\n"
             "max_body = 1k\n",
             httpstub_port(p->stub), p->hook_port);
    p->h = crmgov_harness_new();
    assert_non_null(p->h);
    assert_int_equal(crmgov_harness_add_file(p->h, plugin_path, "b24", options), 0);
    if (crmgov_harness_start(p->h) != 0)
        fail_msg("start: %s", crmgov_harness_error(p->h));
    assert_int_equal(crmgov_harness_wait_connectors(p->h, 20000), 0);
}

static void stop_portal(struct portal *p)
{
    crmgov_harness_free(p->h);
    httpstub_stop(p->stub);
}

#define TEMPLATE_QUERY                                                                          \
    "select[]=ID&select[]=MODULE_ID&select[]=ENTITY&select[]=DOCUMENT_TYPE&"                     \
    "select[]=AUTO_EXECUTE&select[]=NAME&select[]=TEMPLATE&select[]=PARAMETERS&"                 \
    "select[]=VARIABLES&select[]=CONSTANTS&select[]=MODIFIED&select[]=IS_MODIFIED&"              \
    "select[]=USER_ID&select[]=SYSTEM_CODE"

static const char *const REQUESTS =
    "GET /rest/1/s3cret/user.get.json?start=0\n"
    "GET /rest/1/s3cret/user.get.json?start=0\n"
    "GET /rest/1/s3cret/user.get.json?start=0\n"
    "GET /rest/1/s3cret/user.get.json?start=2\n"
    "GET /rest/1/s3cret/bizproc.workflow.template.list.json?" TEMPLATE_QUERY "&start=0\n"
    "GET /rest/1/s3cret/bizproc.workflow.template.list.json?" TEMPLATE_QUERY "&start=2\n"
    "GET /rest/1/s3cret/app.robots.json?DOCUMENT_TYPE[]=crm&DOCUMENT_TYPE[]=CCrmDocumentDeal&"
    "DOCUMENT_TYPE[]=DEAL&start=0\n";

static const char *const PULLED =
    "{\"type\":\"principal\",\"system\":\"b24\",\"at\":\"2026-03-01T09:00:00Z\",\"id\":\"1\","
    "\"name\":\"Anna Ivanova\",\"email\":\"anna@example.com\",\"active\":true}\n"
    "{\"type\":\"principal\",\"system\":\"b24\",\"at\":\"2026-03-01T09:00:00Z\",\"id\":\"5\","
    "\"name\":\"Oleg Petrov\",\"email\":\"oleg@example.com\",\"active\":false}\n"
    "{\"type\":\"principal\",\"system\":\"b24\",\"at\":\"2026-03-01T09:00:01Z\",\"id\":\"7\","
    "\"name\":\"Ira\",\"email\":\"ira@example.com\",\"active\":true}\n"
    "{\"type\":\"automation\",\"system\":\"b24\",\"at\":\"2026-02-10T06:00:00Z\",\"id\":\"bp-12\","
    "\"name\":\"Big deal approval\",\"kind\":\"process\",\"object\":\"deal\","
    "\"trigger\":{\"on\":\"create_or_update\"},\"conditions\":[{\"field\":\"OPPORTUNITY\","
    "\"op\":\"gt\",\"value\":\"100000\"},{\"field\":\"STAGE_ID\",\"op\":\"eq\",\"value\":\"C1:NEW\"}],"
    "\"actions\":[{\"type\":\"notify\",\"to\":\"{=Document:ASSIGNED_BY_ID}\"},"
    "{\"type\":\"email\",\"to\":\"5\"},{\"type\":\"set_field\",\"field\":\"UF_CRM_BIG\","
    "\"value\":\"Y\"},{\"type\":\"set_field\",\"field\":\"COMMENTS\"}],\"status\":\"active\","
    "\"modified_by\":\"1\",\"attributes\":{\"auto_execute\":3,\"automated_changes_trigger\":false,"
    "\"branch_condition_lifted\":true,\"branches\":1,\"conditions_complete\":true,"
    "\"document_type\":\"crm:CCrmDocumentDeal:DEAL\",\"template_id\":\"12\"}}\n"
    "{\"type\":\"automation\",\"system\":\"b24\",\"at\":\"2026-02-11T06:00:00Z\",\"id\":\"bp-13\","
    "\"name\":\"Manual lead cleanup\",\"kind\":\"process\",\"object\":\"lead\","
    "\"trigger\":{\"on\":\"manual\"},\"conditions\":[],\"actions\":[{\"type\":\"create_task\","
    "\"to\":\"7\"},{\"type\":\"webhook\",\"url\":\"https://hooks.example.com/lead\"},"
    "{\"type\":\"call\",\"target\":\"bp-12\"},{\"type\":\"CodeActivity\"}],\"status\":\"active\","
    "\"modified_by\":\"7\",\"attributes\":{\"auto_execute\":0,\"conditions_complete\":true,"
    "\"document_type\":\"crm:CCrmDocumentLead:LEAD\",\"system_code\":\"lead_cleanup\","
    "\"template_id\":\"13\"}}\n"
    "{\"type\":\"automation\",\"system\":\"b24\",\"at\":\"2026-02-12T06:00:00Z\","
    "\"id\":\"robot-DEAL-C1-WON-A_771\",\"name\":\"Congratulate the head\",\"kind\":\"robot\","
    "\"object\":\"deal\",\"trigger\":{\"on\":\"update\",\"fields\":[\"STAGE_ID\"]},"
    "\"conditions\":[{\"field\":\"STAGE_ID\",\"op\":\"eq\",\"value\":\"C1:WON\"}],"
    "\"actions\":[{\"type\":\"notify\",\"to\":\"1\"}],\"status\":\"active\",\"attributes\":{"
    "\"automated_changes_trigger\":false,\"conditions_complete\":true,\"delay\":{\"basis\":"
    "\"{=System:Now}\",\"type\":\"after\",\"value\":\"1\",\"valueType\":\"d\"},"
    "\"document_type\":\"crm:CCrmDocumentDeal:DEAL\",\"execute_after_previous\":true,"
    "\"robot_type\":\"SocNetMessageActivity\",\"stage\":\"C1:WON\",\"template_id\":\"14\"}}\n"
    "{\"type\":\"automation\",\"system\":\"b24\",\"at\":\"2026-02-12T06:00:00Z\","
    "\"id\":\"robot-DEAL-C1-WON-A_772\",\"name\":\"Remind the owner\",\"kind\":\"robot\","
    "\"object\":\"deal\",\"trigger\":{\"on\":\"update\",\"fields\":[\"STAGE_ID\"]},"
    "\"conditions\":[{\"field\":\"STAGE_ID\",\"op\":\"eq\",\"value\":\"C1:WON\"},"
    "{\"field\":\"OPPORTUNITY\",\"op\":\"gt\",\"value\":\"5000\"}],\"actions\":[{\"type\":"
    "\"notify\",\"to\":\"{=Document:ASSIGNED_BY_ID}\"}],\"status\":\"active\",\"attributes\":{"
    "\"automated_changes_trigger\":false,\"conditions_complete\":true,"
    "\"document_type\":\"crm:CCrmDocumentDeal:DEAL\",\"robot_type\":\"CrmControlNotifyActivity\","
    "\"stage\":\"C1:WON\",\"template_id\":\"14\"}}\n"
    "{\"deadletter\":{\"source\":\"bitrix24:bizproc.workflow.template.list\",\"line\":0,"
    "\"reason\":\"template 15 has no DOCUMENT_TYPE [module, class, type]\"}}\n"
    "{\"type\":\"automation\",\"system\":\"b24\",\"at\":\"2026-03-01T09:00:04Z\","
    "\"id\":\"robot-DEAL-NEW-R1\",\"name\":\"Move to preparation\",\"kind\":\"robot\","
    "\"object\":\"deal\",\"trigger\":{\"on\":\"update\",\"fields\":[\"STAGE_ID\"]},"
    "\"conditions\":[{\"field\":\"STAGE_ID\",\"op\":\"eq\",\"value\":\"NEW\"}],"
    "\"actions\":[{\"type\":\"set_field\",\"field\":\"STAGE_ID\",\"value\":\"PREPARATION\"}],"
    "\"status\":\"active\",\"attributes\":{\"automated_changes_trigger\":false,"
    "\"conditions_complete\":true,\"document_type\":\"crm:CCrmDocumentDeal:DEAL\","
    "\"robot_type\":\"CrmChangeStatusActivity\",\"stage\":\"NEW\"}}\n"
    "{\"type\":\"automation\",\"system\":\"b24\",\"at\":\"2026-03-01T09:00:04Z\","
    "\"id\":\"robot-DEAL-PREPARATION-R2\",\"name\":\"Back to new\",\"kind\":\"robot\","
    "\"object\":\"deal\",\"trigger\":{\"on\":\"update\",\"fields\":[\"STAGE_ID\"]},"
    "\"conditions\":[{\"field\":\"STAGE_ID\",\"op\":\"eq\",\"value\":\"PREPARATION\"}],"
    "\"actions\":[{\"type\":\"set_field\",\"field\":\"STAGE_ID\",\"value\":\"NEW\"}],"
    "\"status\":\"active\",\"attributes\":{\"automated_changes_trigger\":false,"
    "\"conditions_complete\":true,\"document_type\":\"crm:CCrmDocumentDeal:DEAL\","
    "\"robot_type\":\"CrmChangeStatusActivity\",\"stage\":\"PREPARATION\"}}\n";

static void test_pull(void **state)
{
    (void)state;
    struct portal p;
    start_portal(&p, "pull");
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, PULLED);
    free(out);
    char *log = httpstub_requests(p.stub);
    assert_string_equal(log, REQUESTS);
    free(log);
    stop_portal(&p);
}

/* A refused webhook URL: each call once (nothing to refresh), nothing
 * published, the run still ends. */
static void test_expired(void **state)
{
    (void)state;
    struct portal p;
    start_portal(&p, "expired");
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, "");
    free(out);
    char *log = httpstub_requests(p.stub);
    assert_string_equal(log, "GET /rest/1/s3cret/user.get.json?start=0\n"
                             "GET /rest/1/s3cret/bizproc.workflow.template.list.json?"
                             TEMPLATE_QUERY "&start=0\n");
    free(log);
    stop_portal(&p);
}

/* ------------------------------------------------------------------------ */
/* the receiver                                                              */

static int post(unsigned port, const char *uri, const char *type, const char *body,
                char **answer)
{
    char header[128];
    snprintf(header, sizeof(header), "Content-Type: %s", type);
    const char *headers[] = { header, NULL };
    return httpstub_send(port, "POST", uri, headers, body, strlen(body), answer);
}

static void expect_answer(int got, char *answer, int status, const char *text)
{
    assert_int_equal(got, status);
    assert_string_equal(answer, text);
    free(answer);
}

static const char *const FORM_EVENT =
    "event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=759&ts=1772366400"
    "&auth%5Bdomain%5D=portal.example.com&auth%5Bapplication_token%5D=tok-123";

static void test_outbound_events(void **state)
{
    (void)state;
    struct portal p;
    start_portal(&p, "pull");
    free(crmgov_harness_published(p.h));
    unsigned port = p.hook_port;
    char *answer;
    int st = post(port, "/events", "application/x-www-form-urlencoded", FORM_EVENT, &answer);
    expect_answer(st, answer, 200, "{\"status\":200,\"message\":\"event recorded\"}");
    st = post(port, "/events", "application/json",
              "{\"event\":\"ONCRMLEADADD\",\"data\":{\"FIELDS\":{\"ID\":\"31\"}},"
              "\"ts\":\"1772366401\",\"auth\":{\"application_token\":\"tok-123\"}}",
              &answer);
    expect_answer(st, answer, 200, "{\"status\":200,\"message\":\"event recorded\"}");
    st = post(port, "/events", "application/x-www-form-urlencoded",
              "event=ONUSERADD&data%5BID%5D=4&auth%5Bapplication_token%5D=tok-123", &answer);
    expect_answer(st, answer, 200,
                  "{\"status\":200,\"message\":\"ignored: not a CRM record event\"}");
    st = httpstub_send(port, "GET",
                       "/automations/bp-12/execution?document_id=DEAL_759&status=failed&"
                       "error=timeout&ts=1772366402&application_token=tok-123",
                       NULL, NULL, 0, &answer);
    expect_answer(st, answer, 200,
                  "{\"status\":200,\"message\":\"execution of bp-12 recorded\"}");
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(
        out, "{\"type\":\"record\",\"system\":\"b24\",\"at\":\"2026-03-01T12:00:00Z\","
             "\"object\":\"deal\",\"id\":\"759\",\"op\":\"update\",\"changes\":{}}\n"
             "{\"type\":\"record\",\"system\":\"b24\",\"at\":\"2026-03-01T12:00:01Z\","
             "\"object\":\"lead\",\"id\":\"31\",\"op\":\"create\",\"changes\":{}}\n"
             "{\"type\":\"execution\",\"system\":\"b24\",\"at\":\"2026-03-01T12:00:02Z\","
             "\"automation\":\"bp-12\",\"object\":\"deal\",\"record\":\"759\","
             "\"status\":\"failed\",\"error\":\"timeout\"}\n");
    free(out);
    /* Definitions changed: pulled again, all the same, nothing new. */
    st = post(port, "/automations/bp-12/changed", "application/json",
              "{\"auth\":{\"application_token\":\"tok-123\"}}", &answer);
    expect_answer(st, answer, 200, "{\"status\":200,\"message\":\"definitions pulled\"}");
    out = crmgov_harness_published(p.h);
    assert_string_equal(out, "");
    free(out);
    stop_portal(&p);
}

static void test_receiver_refusals(void **state)
{
    (void)state;
    struct portal p;
    start_portal(&p, "pull");
    free(crmgov_harness_published(p.h));
    unsigned port = p.hook_port;
    char *answer;
    int st = post(port, "/events", "application/x-www-form-urlencoded",
                  "event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=1&"
                  "auth%5Bapplication_token%5D=tok-999", &answer);
    expect_answer(st, answer, 401,
                  "{\"status\":401,\"message\":\"bad or missing application token\"}");
    st = post(port, "/events", "application/x-www-form-urlencoded",
              "event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=1", &answer);
    expect_answer(st, answer, 401,
                  "{\"status\":401,\"message\":\"bad or missing application token\"}");
    st = post(port, "/events", "application/x-www-form-urlencoded", "a]]=[[b&\x01\x02", &answer);
    expect_answer(st, answer, 400,
                  "{\"status\":400,\"message\":\"the body is neither a form nor a JSON object\"}");
    st = post(port, "/events", "application/json", "[1,2,", &answer);
    expect_answer(st, answer, 400,
                  "{\"status\":400,\"message\":\"the body is neither a form nor a JSON object\"}");
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    st = post(port, "/events", "application/x-www-form-urlencoded", big, &answer);
    expect_answer(st, answer, 413, "{\"status\":413,\"message\":\"body larger than max_body\"}");
    st = httpstub_send(port, "GET", "/events", NULL, NULL, 0, &answer);
    expect_answer(st, answer, 405, "{\"status\":405,\"message\":\"POST only\"}");
    st = httpstub_send(port, "GET", "/automations/bp-12/execution?application_token=tok-123",
                       NULL, NULL, 0, &answer);
    expect_answer(st, answer, 400, "{\"status\":400,\"message\":\"document_id is missing\"}");
    st = httpstub_send(port, "GET", "/stats", NULL, NULL, 0, &answer);
    expect_answer(st, answer, 200,
                  "{\"requests\":7,\"accepted\":0,\"bad_request\":4,\"unauthorized\":2,"
                  "\"too_large\":1,\"failed\":0}");
    char *out = crmgov_harness_published(p.h);
    assert_string_equal(out, "");
    free(out);
    stop_portal(&p);
}

/* Start refuses, with one line and nothing left running: a receiver without
 * the token that authenticates calls, and a receiver whose address is taken. */
static void expect_start_refused(const char *options, const char *why)
{
    struct crmgov_harness *h = crmgov_harness_new();
    assert_non_null(h);
    assert_int_equal(crmgov_harness_add_file(h, plugin_path, "b24", options), 0);
    assert_int_not_equal(crmgov_harness_start(h), 0);
    if (!strstr(crmgov_harness_error(h), why))
        fail_msg("expected '%s' in: %s", why, crmgov_harness_error(h));
    crmgov_harness_free(h);
}

static void test_start_refusals(void **state)
{
    (void)state;
    char dir[600], options[1000];
    snprintf(dir, sizeof(dir), "%s/pull", data_dir);
    struct httpstub *stub = httpstub_start(dir, 0);
    assert_non_null(stub);
    snprintf(options, sizeof(options),
             "system = b24\nwebhook_url = http://127.0.0.1:%u/rest/1/s3cret\nlisten = %u\n",
             httpstub_port(stub), httpstub_free_port());
    expect_start_refused(options,
                         "listen needs application_token: calls without it are never accepted");
    snprintf(options, sizeof(options),
             "system = b24\nwebhook_url = http://127.0.0.1:%u/rest/1/s3cret\nlisten = %u\n"
             "application_token = tok-123\n",
             httpstub_port(stub), httpstub_port(stub));
    expect_start_refused(options, "webhook receiver: ");
    httpstub_stop(stub);
}

/* ------------------------------------------------------------------------ */
/* the mapping alone                                                         */

static void test_resolve_user(void **state)
{
    (void)state;
    cJSON *tpl = cJSON_Parse("{\"CONSTANTS\":{\"Boss\":{\"Default\":\"user_9\"},"
                             "\"Team\":{\"Default\":[\"group_e1\"]}},"
                             "\"PARAMETERS\":{\"Who\":{\"Default\":[\"user_3\"]}}}");
    char buf[64];
    assert_string_equal(b24_resolve_user("user_17", NULL, buf, sizeof(buf)), "17");
    assert_string_equal(b24_resolve_user("42", NULL, buf, sizeof(buf)), "42");
    assert_string_equal(b24_resolve_user("{=Constant:Boss}", tpl, buf, sizeof(buf)), "9");
    assert_string_equal(b24_resolve_user("{=Template:Who}", tpl, buf, sizeof(buf)), "3");
    assert_string_equal(b24_resolve_user("{=Constant:Team}", tpl, buf, sizeof(buf)),
                        "{=Constant:Team}");
    assert_string_equal(b24_resolve_user("{=Constant:Nobody}", tpl, buf, sizeof(buf)),
                        "{=Constant:Nobody}");
    assert_string_equal(b24_resolve_user("{=Document:ASSIGNED_BY_ID}", tpl, buf, sizeof(buf)),
                        "{=Document:ASSIGNED_BY_ID}");
    assert_string_equal(b24_resolve_user("user_x", NULL, buf, sizeof(buf)), "user_x");
    cJSON_Delete(tpl);
}

static char *robot_text(const char *robot_json, const char *stage)
{
    cJSON *robot = cJSON_Parse(robot_json);
    cJSON *dt = cJSON_Parse("[\"crm\",\"CCrmDocumentLead\",\"LEAD\"]");
    cJSON *ev = cJSON_CreateObject();
    char why[120];
    char *text = b24_map_robot(robot, dt, stage, NULL, ev, why, sizeof(why)) == 0
                     ? cJSON_PrintUnformatted(ev)
                     : strdup(why);
    cJSON_Delete(robot);
    cJSON_Delete(dt);
    cJSON_Delete(ev);
    return text;
}

/* An OR in a robot's condition: only the stage condition is certain. */
static void test_robot_or_condition(void **state)
{
    (void)state;
    char *text = robot_text(
        "{\"Type\":\"CrmChangeResponsibleActivity\",\"Name\":\"X1\",\"Activated\":\"N\","
        "\"Properties\":{\"Responsible\":[\"user_2\",\"user_4\"]},\"Condition\":{\"type\":"
        "\"field\",\"items\":[[{\"object\":\"Document\",\"field\":\"SOURCE_ID\",\"operator\":"
        "\"=\",\"value\":\"WEB\"},\"OR\"],[{\"object\":\"Document\",\"field\":\"SOURCE_ID\","
        "\"operator\":\"=\",\"value\":\"CALL\"},\"AND\"]]}}",
        "IN_PROCESS");
    assert_string_equal(
        text, "{\"id\":\"robot-LEAD-IN_PROCESS-X1\",\"name\":\"X1\",\"kind\":\"robot\","
              "\"object\":\"lead\",\"trigger\":{\"on\":\"update\",\"fields\":[\"STATUS_ID\"]},"
              "\"conditions\":[{\"field\":\"STATUS_ID\",\"op\":\"eq\",\"value\":\"IN_PROCESS\"}],"
              "\"actions\":[{\"type\":\"assign\",\"to\":\"2\"},{\"type\":\"assign\",\"to\":\"4\"}],"
              "\"status\":\"inactive\",\"attributes\":{\"document_type\":"
              "\"crm:CCrmDocumentLead:LEAD\",\"stage\":\"IN_PROCESS\",\"robot_type\":"
              "\"CrmChangeResponsibleActivity\",\"automated_changes_trigger\":false,"
              "\"conditions_complete\":false}}");
    free(text);
    text = robot_text("{\"Type\":\"X\"}", "NEW");
    assert_string_equal(text, "robot without a Name");
    free(text);
}

static void test_outbound_mapping(void **state)
{
    (void)state;
    const char *cases[][2] = {
        { "{\"event\":\"onCrmDealDelete\",\"data\":{\"FIELDS\":{\"ID\":5}}}",
          "{\"object\":\"deal\",\"id\":\"5\",\"op\":\"delete\"}" },
        { "{\"event\":\"ONCRMDYNAMICITEMUPDATE\",\"data\":{\"FIELDS\":{\"ID\":\"8\","
          "\"ENTITY_TYPE_ID\":\"128\"}}}",
          "{\"object\":\"dynamic_128\",\"id\":\"8\",\"op\":\"update\"}" },
        { "{\"event\":\"ONCRMADD\",\"data\":{\"FIELDS\":{\"ID\":\"8\"}}}", NULL },
        { "{\"event\":\"ONCRMDEALUPDATE\",\"data\":{\"FIELDS\":[]}}", NULL },
        { "{\"event\":7}", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *in = cJSON_Parse(cases[i][0]), *ev = cJSON_CreateObject();
        int rc = b24_map_outbound_event(in, ev);
        if (cases[i][1]) {
            assert_int_equal(rc, 0);
            char *text = cJSON_PrintUnformatted(ev);
            assert_string_equal(text, cases[i][1]);
            free(text);
        } else {
            assert_int_equal(rc, -1);
        }
        cJSON_Delete(in);
        cJSON_Delete(ev);
    }
}

/* Garbage in any member never crashes the mapping. */
static void test_garbage_templates(void **state)
{
    (void)state;
    const char *templates[] = {
        "[]",
        "{\"ID\":1,\"DOCUMENT_TYPE\":[\"crm\",\"x\",7]}",
        "{\"ID\":\"1\",\"DOCUMENT_TYPE\":[\"crm\",\"x\",\"DEAL\"],\"TEMPLATE\":7,\"AUTO_EXECUTE\":"
        "\"x\"}",
        "{\"ID\":\"1\",\"DOCUMENT_TYPE\":[\"crm\",\"x\",\"DEAL\"],\"TEMPLATE\":[{\"Children\":"
        "[{\"Type\":\"IfElseActivity\",\"Children\":[{\"Type\":\"IfElseBranchActivity\","
        "\"Properties\":{\"fieldcondition\":[[1,2,3]]},\"Children\":[{\"Type\":"
        "\"SetFieldActivity\",\"Properties\":{\"FieldValue\":[1,{}]}}]}]}]}]}",
        "{\"ID\":\"1\",\"DOCUMENT_TYPE\":[\"crm\",\"x\",\"DEAL\"],\"TEMPLATE\":[{\"Type\":"
        "\"MailActivity\",\"Properties\":{\"MailUserTo\":[{},7,\"user_1\"]}}]}",
    };
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        cJSON *tpl = cJSON_Parse(templates[i]), *ev = cJSON_CreateObject();
        char why[120];
        int rc = b24_map_template(tpl, ev, why, sizeof(why));
        assert_int_equal(rc, i < 2 ? -1 : 0);
        cJSON_Delete(tpl);
        cJSON_Delete(ev);
    }
}

int main(void)
{
    const char *build = getenv("CRMGOV_BUILD_DIR");
    const char *source = getenv("CRMGOV_SOURCE_DIR");
    snprintf(plugin_path, sizeof(plugin_path), "%s/plugins/bitrix24.so",
             build ? build : "build");
    snprintf(data_dir, sizeof(data_dir), "%s/tests/data/bitrix24", source ? source : ".");
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_outbound_events),
        cmocka_unit_test(test_receiver_refusals),
        cmocka_unit_test(test_start_refusals),
        cmocka_unit_test(test_resolve_user),
        cmocka_unit_test(test_robot_or_condition),
        cmocka_unit_test(test_outbound_mapping),
        cmocka_unit_test(test_garbage_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
