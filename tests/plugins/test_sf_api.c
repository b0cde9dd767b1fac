/*
 * test_sf_api.c -- `source = api` against a loopback Salesforce
 * (tests/support/sf_server.h) serving the documented shapes of
 * tests/data/salesforce/api/.
 *
 * Through the real core (the built .so in the SDK harness), one pass must
 * publish exactly tests/data/salesforce/expected/harness-api.jsonl and ask
 * exactly the requests of harness-api-requests.log: the setup audit trail,
 * users over two pages (nextRecordsUrl), flow definitions over two pages
 * with a session that expires in between (401 INVALID_SESSION_ID, one
 * re-authentication with the client-credentials flow) and a 503 burst
 * honouring Retry-After (so the pass takes at least two seconds), one flow
 * version per definition, and a malformed answer that becomes a dead letter
 * while the other flows are still read. No secret may reach the log.
 *
 * Pass by pass (the connector's sources on the fake host): nothing is
 * fetched or published again while nothing changed; a new version is fetched
 * and a definition that disappeared is reported deleted; a static token that
 * expires ends the pass with a clear error and deletes nothing; a token file
 * is read again when its token is refused; a Retry-After longer than
 * max_backoff, and a nextRecordsUrl to another host, end the listing without
 * deleting anything.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "../support/sf_fakehost.h"
#include "../support/sf_server.h"
#include "connectors/salesforce/sf_api.h"
#include "connectors/salesforce/sf_sync.h"
#include "crmgov-harness.h"
#include "../support/testfiles.h"

#define SECRET "s3cret-do-not-log"
#define Q "/services/data/v60.0/query"
#define TQ "/services/data/v60.0/tooling/query"

struct fixture {
    char source_dir[512];
    char plugin[512];
    struct sf_server *server;
};

static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t count = 0, from_len = strlen(from), to_len = strlen(to);
    for (const char *p = text; (p = strstr(p, from)) != NULL; p += from_len)
        count++;
    char *out = malloc(strlen(text) + count * to_len + 1), *end = out;
    for (const char *p = text; *p != '\0';) {
        if (strncmp(p, from, from_len) == 0) {
            memcpy(end, to, to_len);
            end += to_len;
            p += from_len;
        } else {
            *end++ = *p++;
        }
    }
    *end = '\0';
    return out;
}

static char *data_file(const struct fixture *f, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/api/%s", f->source_dir, name);
    char *text = tf_read(path, NULL);
    assert_non_null(text);
    return text;
}

static void serve(struct fixture *f, const char *method, const char *match, int status,
                  const char *headers, const char *file)
{
    char *body = data_file(f, file);
    sf_server_add(f->server, method, match, status, headers, body);
    free(body);
}

static void expect_file(const struct fixture *f, const char *name, const char *got_raw)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/salesforce/expected/%s", f->source_dir, name);
    char *got = replace_all(got_raw, sf_server_url(f->server), "@URL@");
    if (getenv("SF_WRITE_EXPECTED") != NULL)
        tf_write(path, got);
    char *expected = tf_read(path, NULL);
    assert_non_null(expected);
    assert_string_equal(got, expected);
    free(expected);
    free(got);
}

/* The org of tests/data/salesforce/api: token tok-1 lasts three requests. */
static void serve_org(struct fixture *f)
{
    serve(f, "POST", "/services/oauth2/token", 200, NULL, "token-1.json");
    serve(f, "POST", "/services/oauth2/token", 200, NULL, "token-2.json");
    sf_server_accept(f->server, "tok-1", 3);
    sf_server_accept(f->server, "tok-2", 0);
    serve(f, "GET", "FROM SetupAuditTrail", 200, NULL, "audit.json");
    serve(f, "GET", "FROM User", 200, NULL, "users-1.json");
    serve(f, "GET", Q "/01g000000000001AAA-2000", 200, NULL, "users-2.json");
    serve(f, "GET", "FROM FlowDefinition", 200, NULL, "defs-1.json");
    sf_server_add(f->server, "GET", TQ "/01g000000000002AAA-2", 503, "Retry-After: 1",
                  "[{\"message\":\"Server busy\",\"errorCode\":\"SERVER_UNAVAILABLE\"}]");
    sf_server_add(f->server, "GET", TQ "/01g000000000002AAA-2", 503, "Retry-After: 1",
                  "[{\"message\":\"Server busy\",\"errorCode\":\"SERVER_UNAVAILABLE\"}]");
    serve(f, "GET", TQ "/01g000000000002AAA-2", 200, NULL, "defs-2.json");
    serve(f, "GET", "WHERE Id = '301000000000003AAA'", 200, NULL, "flow-opp.json");
    serve(f, "GET", "WHERE Id = '301000000000004AAA'", 200, NULL, "flow-lead.json");
    serve(f, "GET", "WHERE Id = '301000000000005AAA'", 200, NULL, "flow-broken.json");
    serve(f, "GET", "WHERE Id = '301000000000006AAA'", 200, NULL, "flow-partner.json");
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *build = getenv("CRMGOV_BUILD_DIR");
    const char *source = getenv("CRMGOV_SOURCE_DIR");
    snprintf(f->plugin, sizeof f->plugin, "%s/plugins/salesforce.so",
             build != NULL ? build : "build");
    snprintf(f->source_dir, sizeof f->source_dir, "%s", source != NULL ? source : ".");
    f->server = sf_server_start();
    assert_non_null(f->server);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sf_server_stop(f->server);
    free(f);
    return 0;
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------ */
/* Through the real core.                                                    */

static void test_one_pass_through_the_core(void **state)
{
    struct fixture *f = *state;
    serve_org(f);
    char log_path[] = "/tmp/crmgov-sfapi-log-XXXXXX";
    int log_fd = mkstemp(log_path);
    assert_true(log_fd >= 0);
    fflush(stderr);
    int saved_stderr = dup(STDERR_FILENO);
    dup2(log_fd, STDERR_FILENO);

    struct crmgov_harness *h = crmgov_harness_new();
    char options[512];
    snprintf(options, sizeof options,
             "source = api\nsystem = sf-api\ninstance_url = %s/\nclient_id = crmgov-test\n"
             "client_secret = " SECRET "\nmax_backoff = 5s\ntimeout = 10s\n",
             sf_server_url(f->server));
    assert_int_equal(crmgov_harness_add_file(h, f->plugin, "sf", options), 0);
    int64_t started = monotonic_ms();
    assert_int_equal(crmgov_harness_start(h), 0);
    assert_int_equal(crmgov_harness_wait_connectors(h, 30000), 0);
    int64_t elapsed = monotonic_ms() - started;
    char *published = crmgov_harness_published(h);
    char *findings = crmgov_harness_findings(h, "open");
    crmgov_harness_free(h);

    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    close(log_fd);
    char *log = tf_read(log_path, NULL);
    unlink(log_path);

    expect_file(f, "harness-api.jsonl", published);
    expect_file(f, "harness-api-findings.json", findings);
    char *requests = sf_server_take_log(f->server);
    /* the secret is sent once per authentication, as the form says */
    expect_file(f, "harness-api-requests.log", requests);
    assert_true(elapsed >= 2000); /* two waits of Retry-After: 1 */
    assert_null(strstr(log, SECRET));
    assert_null(strstr(log, "tok-1"));
    assert_null(strstr(log, "tok-2"));
    assert_non_null(strstr(log, "HTTP 503, Retry-After: 1; retrying in 1000 ms (1 of 5)"));
    free(requests);
    free(log);
    free(published);
    free(findings);
}

/* ------------------------------------------------------------------------ */
/* Pass by pass, on the fake host.                                           */

struct connector {
    struct sf_fakehost *fake;
    struct sf_sync *sync;
    struct sf_api *api;
};

static void open_connector(struct connector *c, struct fixture *f,
                           struct sf_api_settings *settings)
{
    c->fake = sf_fakehost_new(sf_server_url(f->server));
    struct sf_sync_settings sync = {.system = "sf-api", .checks = 1, .fingerprint = ""};
    sf_check_options_default(&sync.check);
    c->sync = sf_sync_new(sf_fakehost_host(c->fake), &sync);
    settings->instance_url = sf_server_url(f->server);
    settings->api_version = "60.0";
    settings->http.timeout_ms = 10000;
    settings->http.max_backoff_ms = 5000;
    settings->http.max_response = 1 << 20;
    if (settings->http.max_retries == 0)
        settings->http.max_retries = 5;
    c->api = sf_api_new(sf_fakehost_host(c->fake), c->sync, settings);
    assert_non_null(c->api);
    assert_int_equal(sf_sync_load(c->sync), 0);
    assert_int_equal(sf_api_load(c->api), 0);
}

static void close_connector(struct connector *c)
{
    sf_api_free(c->api);
    sf_sync_free(c->sync);
    sf_fakehost_free(c->fake);
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

static void test_only_changes_are_fetched_and_published(void **state)
{
    struct fixture *f = *state;
    serve_org(f);
    struct sf_api_settings settings = {.client_id = "crmgov-test", .client_secret = SECRET,
                                       .users = 1, .audit_trail = 1};
    struct connector c;
    open_connector(&c, f, &settings);
    assert_int_equal(sf_api_pass(c.api), -1); /* the malformed flow */
    char *first = sf_fakehost_take(c.fake);
    assert_int_equal(count(first, "\"type\":\"automation\""), 3);
    assert_int_equal(count(first, "\"type\":\"principal\""), 3);
    free(first);
    free(sf_server_take_log(f->server));

    /* nothing changed: only the lists are read (and the broken flow again) */
    assert_int_equal(sf_api_pass(c.api), -1);
    char *second = sf_fakehost_take(c.fake);
    char *log = sf_server_take_log(f->server);
    assert_string_equal(second,
                        "{\"deadletter\":{\"line\":0,\"reason\":\"malformed JSON from Salesforce "
                        "(HTTP 200) near byte 95\",\"source\":\"/services/data/v60.0/tooling/"
                        "query?q=SELECT%20Id%2C%20DefinitionId%2C%20MasterLabel%2C%20Status%2C%2"
                        "0VersionNumber%2C%20LastModifiedDate%2C%20LastModifiedById%2C%20Metadata"
                        "%20FROM%20Flow%20WHERE%20Id%20%3D%20%27301000000000005AAA%27\"}}\n");
    assert_int_equal(count(log, "FROM Flow WHERE"), 1);
    assert_int_equal(count(log, "WHERE CreatedDate >= 2026-03-01T11:00:00Z"), 1);
    free(second);
    free(log);

    /* a new version of one flow, another flow deleted */
    char *defs = data_file(f, "defs-1.json");
    char *moved = replace_all(defs, "\"ActiveVersionId\":\"301000000000003AAA\"",
                              "\"ActiveVersionId\":\"301000000000008AAA\"");
    char *gone = strstr(moved, ",\n {\"attributes\":{\"type\":\"FlowDefinition\",\"url\":"
                               "\"/services/data/v60.0/tooling/sobjects/FlowDefinition/"
                               "300000000000002AAA\"}");
    assert_non_null(gone);
    strcpy(gone, "\n]}\n");
    sf_server_set(f->server, "GET", "FROM FlowDefinition", 200, NULL, moved);
    char *opp = data_file(f, "flow-opp.json");
    char *opp4 = replace_all(opp, "\"numberValue\":15.0", "\"numberValue\":20.0");
    sf_server_add(f->server, "GET", "WHERE Id = '301000000000008AAA'", 200, NULL, opp4);
    sf_server_set(f->server, "GET", "WHERE Id = '301000000000005AAA'", 200, NULL,
                  "{\"done\":true,\"records\":[]}");
    sf_api_pass(c.api);
    char *third = sf_fakehost_take(c.fake);
    assert_int_equal(count(third, "\"type\":\"automation\""), 2);
    assert_non_null(strstr(third, "{\"field\":\"Discount__c\",\"type\":\"set_field\",\"value\":20}"));
    assert_non_null(strstr(third, "\"id\":\"Lead_Router\",\"kind\":\"flow\",\"name\":\"Lead "
                                  "router\",\"object\":\"Lead\",\"status\":\"deleted\""));
    assert_non_null(strstr(third, "{\"deadletter\":{\"line\":0,\"reason\":\"the Tooling API "
                                  "returned no such flow version\",\"source\":\"tooling:Flow/"
                                  "301000000000005AAA\"}}\n"));
    assert_int_equal(count(third, "\"automation\":\"Lead_Router\",\"rule\":"), 6);
    assert_int_equal(count(third, "\"transition\":\"cleared\""), 6);
    free(third);
    char *open = sf_fakehost_open_findings(c.fake);
    assert_null(strstr(open, "Lead_Router"));
    free(open);
    free(opp);
    free(opp4);
    free(moved);
    free(defs);
    close_connector(&c);
}

static void test_static_token_expiry_is_a_clear_error(void **state)
{
    struct fixture *f = *state;
    serve_org(f);
    sf_server_accept(f->server, "static-1", 1);
    struct sf_api_settings settings = {.access_token = "static-1", .audit_trail = 1};
    struct connector c;
    open_connector(&c, f, &settings);
    assert_int_equal(sf_api_pass(c.api), -1);
    char *got = sf_fakehost_take(c.fake);
    assert_string_equal(got, ""); /* nothing published, nothing deleted */
    free(got);
    char *log = sf_server_take_log(f->server);
    assert_int_equal(count(log, "\n"), 2); /* audit trail, then the refused listing */
    assert_int_equal(count(log, "POST"), 0);
    free(log);
    close_connector(&c);
}

static void test_token_file_is_read_again(void **state)
{
    struct fixture *f = *state;
    serve_org(f);
    sf_server_set(f->server, "GET", TQ "/01g000000000002AAA-2", 200, NULL, "{}");
    char *defs2 = data_file(f, "defs-2.json");
    sf_server_set(f->server, "GET", TQ "/01g000000000002AAA-2", 200, NULL, defs2);
    free(defs2);
    sf_server_accept(f->server, "file-1", 6); /* exactly the first pass */
    sf_server_accept(f->server, "file-2", 0);
    char path[] = "/tmp/crmgov-sftoken-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    tf_write(path, "file-1\n");
    struct sf_api_settings settings = {.token_file = path};
    struct connector c;
    open_connector(&c, f, &settings);
    sf_api_pass(c.api);
    free(sf_fakehost_take(c.fake));
    tf_write(path, "  file-2\n");
    free(sf_server_take_log(f->server));
    sf_api_pass(c.api);
    char *log = sf_server_take_log(f->server);
    assert_non_null(strstr(log, "FROM FlowDefinition auth=file-1\nGET " TQ "?q=SELECT Id, "
                                "DeveloperName, NamespacePrefix, ActiveVersionId, "
                                "LatestVersionId, LastModifiedDate, LastModifiedById FROM "
                                "FlowDefinition auth=file-2\n"));
    free(log);
    free(sf_fakehost_take(c.fake));
    close_connector(&c);
    unlink(path);
}

static void test_incomplete_listing_deletes_nothing(void **state)
{
    struct fixture *f = *state;
    serve_org(f);
    struct sf_api_settings settings = {.client_id = "id", .client_secret = SECRET};
    struct connector c;
    open_connector(&c, f, &settings);
    sf_api_pass(c.api);
    free(sf_fakehost_take(c.fake));
    /* a Retry-After beyond max_backoff (5 s) ends the listing */
    sf_server_set(f->server, "GET", TQ "/01g000000000002AAA-2", 429, "Retry-After: 120",
                  "[{\"message\":\"Too many requests\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]");
    int64_t started = monotonic_ms();
    assert_int_equal(sf_api_pass(c.api), -1);
    assert_true(monotonic_ms() - started < 4000);
    char *got = sf_fakehost_take(c.fake);
    assert_null(strstr(got, "deleted"));
    free(got);
    /* a next page on another host is not followed */
    char *defs = data_file(f, "defs-1.json");
    char *elsewhere = replace_all(defs, "\"/services/data/v60.0/tooling/query/01g000000000002AAA-2\"",
                                  "\"http://attacker.example/services/data/v60.0/tooling/query/x\"");
    sf_server_set(f->server, "GET", "FROM FlowDefinition", 200, NULL, elsewhere);
    assert_int_equal(sf_api_pass(c.api), -1);
    got = sf_fakehost_take(c.fake);
    assert_null(strstr(got, "deleted"));
    free(got);
    char *log = sf_server_take_log(f->server);
    assert_null(strstr(log, "attacker"));
    free(log);
    free(elsewhere);
    free(defs);
    close_connector(&c);
}

static void test_retry_after_values(void **state)
{
    (void)state;
    assert_int_equal(sf_http_retry_after_ms("3", 0), 3000);
    assert_int_equal(sf_http_retry_after_ms("0", 0), 0);
    assert_int_equal(sf_http_retry_after_ms("-4", 0), 0);
    assert_int_equal(sf_http_retry_after_ms("Sun, 01 Mar 2026 09:00:05 GMT",
                                             1772355600000LL),
                     5000);
    assert_int_equal(sf_http_retry_after_ms("soon", 0), -1);
    assert_int_equal(sf_http_retry_after_ms("", 0), -1);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_pass_through_the_core, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_changes_are_fetched_and_published, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_static_token_expiry_is_a_clear_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_token_file_is_read_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incomplete_listing_deletes_nothing, setup, teardown),
        cmocka_unit_test(test_retry_after_values),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
