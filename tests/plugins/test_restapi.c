/*
 * test_restapi.c -- the REST client the polling connectors share
 * (plugins/common/restapi/): the back-off schedule and Retry-After parsing
 * as pure functions, the ledger's hash map, and rest_call against the
 * loopback test server with a stand-in host -- a Retry-After is waited out
 * (capped), retries stop at the bound, a refused token is reloaded once,
 * a permanent refusal is not retried, an oversized answer is refused, and
 * a stopping core ends the waiting at once.
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
#include "common/restapi/http.h"
#include "common/restapi/keymap.h"

static char dir[] = "/tmp/crmgov-restapi-XXXXXX";

/* ------------------------------------------------------------------------ */
/* pure functions                                                            */

static void test_backoff(void **state)
{
    (void)state;
    struct rest_policy p = { .attempts = 6, .base_ms = 100, .max_ms = 1000 };
    assert_int_equal(rest_backoff_ms(&p, 0, -1), 100);
    assert_int_equal(rest_backoff_ms(&p, 1, -1), 200);
    assert_int_equal(rest_backoff_ms(&p, 3, -1), 800);
    assert_int_equal(rest_backoff_ms(&p, 4, -1), 1000);
    assert_int_equal(rest_backoff_ms(&p, 60, -1), 1000);
    assert_int_equal(rest_backoff_ms(&p, 0, 0), 0);        /* Retry-After: 0 */
    assert_int_equal(rest_backoff_ms(&p, 0, 700), 700);
    assert_int_equal(rest_backoff_ms(&p, 0, 90000), 1000); /* capped */
}

static void test_retry_after(void **state)
{
    (void)state;
    const int64_t now = 1772366400; /* Sun, 01 Mar 2026 12:00:00 GMT */
    assert_int_equal(rest_parse_retry_after("3", now), 3000);
    assert_int_equal(rest_parse_retry_after(" 10 \r\n", now), 10000);
    assert_int_equal(rest_parse_retry_after("0", now), 0);
    assert_int_equal(rest_parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now), 30000);
    assert_int_equal(rest_parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now), 0);
    assert_int_equal(rest_parse_retry_after("soon", now), -1);
    assert_int_equal(rest_parse_retry_after("", now), -1);
}

static void count_entry(void *ctx, const char *key, const char *value)
{
    (void)key;
    (void)value;
    (*(int *)ctx)++;
}

static void test_keymap(void **state)
{
    (void)state;
    struct keymap m;
    keymap_init(&m);
    assert_null(keymap_get(&m, "flow:1"));
    char key[32], value[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "%s:%d", i % 2 ? "flow" : "owner", i);
        snprintf(value, sizeof(value), "v%d", i);
        keymap_put(&m, key, value);
    }
    keymap_put(&m, "flow:1", "deleted");
    assert_string_equal(keymap_get(&m, "flow:1"), "deleted");
    assert_string_equal(keymap_get(&m, "owner:998"), "v998");
    assert_null(keymap_get(&m, "flow:1000"));
    int flows = 0;
    keymap_each(&m, "flow:", count_entry, &flows);
    assert_int_equal(flows, 500);
    assert_int_equal(m.used, 1000);
    keymap_free(&m);
}

static void test_escape(void **state)
{
    (void)state;
    char *e = rest_escape("a b/c&d=é");
    assert_string_equal(e, "a%20b%2Fc%26d%3D%C3%A9");
    free(e);
}

/* ------------------------------------------------------------------------ */
/* rest_call                                                                 */

struct fake {
    struct crmgov_host host;
    int64_t slept_ms;
    int stop_after_sleeps;  /* 0 = never */
    int sleeps;
    int refreshes;
    const char *token;
};

static struct fake *fake_of(const struct crmgov_host *h)
{
    return (struct fake *)(void *)h;
}

static void fake_log(const struct crmgov_host *h, enum crmgov_log_level level, const char *fmt,
                     ...)
{
    (void)h;
    (void)level;
    (void)fmt;
}

static int fake_stopping(const struct crmgov_host *h)
{
    struct fake *f = fake_of(h);
    return f->stop_after_sleeps && f->sleeps >= f->stop_after_sleeps;
}

static int fake_sleep(const struct crmgov_host *h, int64_t ms)
{
    struct fake *f = fake_of(h);
    f->sleeps++;
    f->slept_ms += ms;
    if (fake_stopping(h))
        return 1;
    usleep((useconds_t)(ms > 50 ? 50 : ms) * 1000); /* the schedule, not the time, is tested */
    return 0;
}

static int fake_header(void *ctx, char *buf, size_t size)
{
    struct fake *f = ctx;
    return snprintf(buf, size, "Bearer %s", f->token);
}

static int fake_refresh(void *ctx)
{
    struct fake *f = ctx;
    f->refreshes++;
    if (strcmp(f->token, "fresh") == 0)
        return 0;
    f->token = "fresh";
    return 1;
}

static enum rest_verdict judge(const struct rest_response *r, int64_t *wait_ms)
{
    (void)wait_ms;
    if (r->status == 200)
        return REST_OK;
    if (r->status == 401)
        return REST_AUTH;
    return r->status == 429 || r->status >= 500 ? REST_RETRY : REST_FAIL;
}

static void write_file(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static enum rest_result call(struct fake *f, struct httpstub *s, const char *path,
                             size_t max_body, struct rest_response *out)
{
    f->host = (struct crmgov_host){ .struct_size = sizeof(f->host), .log = fake_log,
                                    .stopping = fake_stopping, .sleep = fake_sleep };
    struct rest_policy policy = { .attempts = 4, .base_ms = 10, .max_ms = 5000,
                                  .timeout_ms = 5000, .max_body = max_body };
    struct rest_auth auth = { .header = fake_header, .refresh = fake_refresh, .ctx = f };
    struct rest_client *c = rest_client_new(&f->host, &policy, &auth);
    char url[300];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", httpstub_port(s), path);
    struct rest_request req = { .method = "GET", .url = url, .what = path };
    enum rest_result rc = rest_call(c, &req, judge, out);
    rest_client_free(c);
    return rc;
}

static void test_call(void **state)
{
    (void)state;
    write_file("routes", "@date Sun, 01 Mar 2026 12:00:00 GMT\n"
                         "GET /limited 429 busy.json | Retry-After: 3\n"
                         "GET /limited 503 busy.json\n"
                         "GET /limited 200 ok.json\n"
                         "GET /down 503 busy.json\n"
                         "GET /gone 404 busy.json\n"
                         "GET /big 200 big.json\n"
                         "GET /auth 401 busy.json\n"
                         "GET /auth 200 ok.json\n"
                         "GET /never 401 busy.json\n");
    write_file("busy.json", "{\"busy\":true}");
    write_file("ok.json", "{\"ok\":true}");
    write_file("big.json", "{\"padding\":\"0123456789012345678901234567890123456789\"}");
    struct httpstub *s = httpstub_start(dir, 0);
    assert_non_null(s);
    struct rest_response r;

    struct fake f = { .token = "old" };
    assert_int_equal(call(&f, s, "/limited", 1 << 20, &r), REST_DONE);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"ok\":true}");
    assert_int_equal(r.date, (crmgov_time)1772366400 * 1000);
    assert_int_equal(f.slept_ms, 3000 + 20); /* Retry-After 3 s, then back-off 10 ms * 2 */
    rest_response_free(&r);

    f = (struct fake){ .token = "old" };
    assert_int_equal(call(&f, s, "/down", 1 << 20, &r), REST_GAVE_UP);
    assert_int_equal(f.sleeps, 3); /* 4 attempts */
    assert_int_equal(f.slept_ms, 10 + 20 + 40);
    assert_string_equal(r.error, "HTTP 503, giving up after retries");
    rest_response_free(&r);

    f = (struct fake){ .token = "old" };
    assert_int_equal(call(&f, s, "/gone", 1 << 20, &r), REST_GAVE_UP);
    assert_int_equal(f.sleeps, 0);
    assert_string_equal(r.error, "HTTP 404");
    rest_response_free(&r);

    f = (struct fake){ .token = "old" };
    assert_int_equal(call(&f, s, "/big", 16, &r), REST_GAVE_UP);
    assert_string_equal(r.error, "answer larger than 16 bytes"); /* not retried */
    rest_response_free(&r);

    f = (struct fake){ .token = "old" };
    assert_int_equal(call(&f, s, "/auth", 1 << 20, &r), REST_DONE);
    assert_int_equal(f.refreshes, 1);
    rest_response_free(&r);

    f = (struct fake){ .token = "fresh" };
    assert_int_equal(call(&f, s, "/never", 1 << 20, &r), REST_GAVE_UP);
    assert_int_equal(f.refreshes, 1);
    assert_string_equal(r.error, "HTTP 401, credentials refused (expired token?)");
    rest_response_free(&r);

    /* The core stops during a wait: no further attempt. */
    f = (struct fake){ .token = "old", .stop_after_sleeps = 1 };
    assert_int_equal(call(&f, s, "/down", 1 << 20, &r), REST_STOPPED);
    rest_response_free(&r);

    char *log = httpstub_requests(s);
    assert_string_equal(log, "GET /limited auth=Bearer old\n"
                             "GET /limited auth=Bearer old\n"
                             "GET /limited auth=Bearer old\n"
                             "GET /down auth=Bearer old\n"
                             "GET /down auth=Bearer old\n"
                             "GET /down auth=Bearer old\n"
                             "GET /down auth=Bearer old\n"
                             "GET /gone auth=Bearer old\n"
                             "GET /big auth=Bearer old\n"
                             "GET /auth auth=Bearer old\n"
                             "GET /auth auth=Bearer fresh\n"
                             "GET /never auth=Bearer fresh\n"
                             "GET /down auth=Bearer old\n");
    free(log);
    httpstub_stop(s);
}

/* Nothing listens: a network error is retried, then given up on. */
static void test_refused_connection(void **state)
{
    (void)state;
    unsigned port = httpstub_free_port();
    struct fake f = { .token = "t" };
    f.host = (struct crmgov_host){ .struct_size = sizeof(f.host), .log = fake_log,
                                   .stopping = fake_stopping, .sleep = fake_sleep };
    struct rest_policy policy = { .attempts = 3, .base_ms = 1, .max_ms = 5, .timeout_ms = 2000,
                                  .max_body = 1024 };
    struct rest_client *c = rest_client_new(&f.host, &policy, NULL);
    char url[100];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", port);
    struct rest_request req = { .method = "GET", .url = url, .what = "GET /x" };
    struct rest_response r;
    assert_int_equal(rest_call(c, &req, judge, &r), REST_GAVE_UP);
    assert_int_equal(f.sleeps, 2);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.error, "onnect"));
    rest_response_free(&r);
    rest_client_free(c);
}

int main(void)
{
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    if (!mkdtemp(dir))
        return 1;
    rest_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_keymap),         cmocka_unit_test(test_escape),
        cmocka_unit_test(test_call),           cmocka_unit_test(test_refused_connection),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rest_global_done();
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
