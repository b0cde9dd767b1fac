/*
 * test_wh_receiver.c -- the webhook receiver the connectors share
 * (plugins/common/webhook/): listen addresses, HubSpot's v3 signature
 * against a vector computed independently (Python's hmac and OpenSSL agree
 * on it), token comparison, the form parser on good and hostile bodies, and
 * the HTTP side with a stand-in host: raw URIs reach the handler, oversized
 * bodies (declared or chunked) get 413, and raw garbage never crashes it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/httpstub.h"
#include "common/webhook/webhook.h"

/* ------------------------------------------------------------------------ */
/* addresses                                                                 */

static void test_listen(void **state)
{
    (void)state;
    char err[200];
    const char *good[] = { "8080", "127.0.0.1:0", "0.0.0.0:9000", "[::1]:0", "localhost:9" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(wh_check_listen(good[i], err, sizeof(err)), 0);
    const char *bad[][2] = {
        { "hooks.example.com:80", "'hooks.example.com' is no numeric address (or localhost)" },
        { "127.0.0.1:99999", "'127.0.0.1:99999' has no valid port (0-65535)" },
        { ":", "':' has no valid port (0-65535)" },
        { "abc", "'abc' has no valid port (0-65535)" },
        { "[::1:80", "'[::1:80' is no [ADDRESS]:PORT" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(wh_check_listen(bad[i][0], err, sizeof(err)), -1);
        assert_string_equal(err, bad[i][1]);
    }
}

/* ------------------------------------------------------------------------ */
/* signatures and tokens                                                     */

static const char SECRET[] = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
static const char URI[] = "https://www.example.com/webhook_uri";
static const char BODY[] = "{\"example_field\":\"example_value\"}";
static const char SIGNATURE[] = "rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=";

static void test_hubspot_signature(void **state)
{
    (void)state;
    char sig[64];
    wh_hubspot_sign(SECRET, "POST", URI, BODY, strlen(BODY), "1700000000000", sig, sizeof(sig));
    assert_string_equal(sig, SIGNATURE);
    const int64_t now = 1700000000000 + 60 * 1000, five = 5 * 60 * 1000;
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), "1700000000000",
                                       SIGNATURE, now, five),
                     WH_VALID);
    /* One byte changed anywhere breaks it. */
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, "{\"example_field\":\"example_valuE\"}",
                                       strlen(BODY), "1700000000000", SIGNATURE, now, five),
                     WH_BAD_SIGNATURE);
    assert_int_equal(wh_hubspot_verify(SECRET, "PUT", URI, BODY, strlen(BODY), "1700000000000",
                                       SIGNATURE, now, five),
                     WH_BAD_SIGNATURE);
    assert_int_equal(wh_hubspot_verify("other", "POST", URI, BODY, strlen(BODY), "1700000000000",
                                       SIGNATURE, now, five),
                     WH_BAD_SIGNATURE);
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), "1700000000000",
                                       "rQEK", now, five),
                     WH_BAD_SIGNATURE);
    /* Time: older than five minutes, or as far in the future, or no number. */
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), "1700000000000",
                                       SIGNATURE, 1700000000000 + five + 1, five),
                     WH_STALE);
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), "1700000000000",
                                       SIGNATURE, 1700000000000 - five - 1, five),
                     WH_STALE);
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), "17000x",
                                       SIGNATURE, now, five),
                     WH_STALE);
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), NULL, SIGNATURE,
                                       now, five),
                     WH_MISSING);
    assert_int_equal(wh_hubspot_verify(SECRET, "POST", URI, BODY, strlen(BODY), "1700000000000",
                                       NULL, now, five),
                     WH_MISSING);
}

static void test_hubspot_uri(void **state)
{
    (void)state;
    char *uri = wh_hubspot_uri("https://h.example.com",
                               "/hook/a%3ab?x=%2F%3F%40%21%24%27%28%29%2a%2C%3B&y=%20%zz%3");
    assert_string_equal(uri, "https://h.example.com/hook/a:b?x=/?@!$'()*,;&y=%20%zz%3");
    free(uri);
}

static void test_tokens(void **state)
{
    (void)state;
    assert_true(wh_token_equal("tok-123", "tok-123"));
    assert_false(wh_token_equal("tok-123", "tok-124"));
    assert_false(wh_token_equal("tok-123", "tok-1234"));
    assert_false(wh_token_equal("tok-123", NULL));
    assert_false(wh_token_equal("", ""));
    assert_false(wh_token_equal(NULL, "x"));
}

/* ------------------------------------------------------------------------ */
/* forms                                                                     */

static void expect_form(const char *body, const char *json)
{
    cJSON *o = wh_form_parse(body, strlen(body));
    if (!json) {
        assert_null(o);
        return;
    }
    assert_non_null(o);
    char *text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, json);
    free(text);
    cJSON_Delete(o);
}

static void test_form(void **state)
{
    (void)state;
    expect_form("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=759&auth[domain]=a.b&"
                "auth%5Bapplication_token%5D=x+y%21",
                "{\"event\":\"ONCRMDEALUPDATE\",\"data\":{\"FIELDS\":{\"ID\":\"759\"}},"
                "\"auth\":{\"domain\":\"a.b\",\"application_token\":\"x y!\"}}");
    expect_form("a[]=1&a[]=2&b=&c", "{\"a\":[\"1\",\"2\"],\"b\":\"\",\"c\":\"\"}");
    expect_form("k=1&k=2&k[x]=3", "{\"k\":\"1\"}");
    expect_form("", "{}");
    expect_form("=orphan&&", "{}");
    expect_form("a[b=1", NULL);
    expect_form("[x]=1", NULL);
    expect_form("a[b]c=1", NULL);
    expect_form("a[1][2][3][4][5][6][7][8][9]=deep", NULL);
    expect_form("a=\x01", NULL);
}

static void test_form_many_pairs(void **state)
{
    (void)state;
    size_t n = 2001;
    char *body = malloc(n * 4 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(body + i * 4, "a=1&", 4);
    body[n * 4] = '\0';
    assert_null(wh_form_parse(body, strlen(body)));
    body[2000 * 4 - 1] = '\0'; /* 2000 pairs: still a form */
    cJSON *o = wh_form_parse(body, strlen(body));
    assert_non_null(o);
    cJSON_Delete(o);
    free(body);
}

/* ------------------------------------------------------------------------ */
/* the HTTP side                                                             */

struct seen {
    char method[16];
    char path[128];
    char raw[256];
    char body[64];
};

static void stub_log(const struct crmgov_host *h, enum crmgov_log_level level, const char *fmt,
                     ...)
{
    (void)h;
    (void)level;
    (void)fmt;
}

static void stub_metric(const struct crmgov_host *h, const char *name, double delta)
{
    (void)h;
    (void)name;
    (void)delta;
}

static void handler(void *ctx, const struct wh_request *req, struct wh_reply *reply)
{
    struct seen *s = ctx;
    snprintf(s->method, sizeof(s->method), "%s", req->method);
    snprintf(s->path, sizeof(s->path), "%s", req->path);
    snprintf(s->raw, sizeof(s->raw), "%s", req->raw_uri);
    snprintf(s->body, sizeof(s->body), "%.*s", (int)req->body_len, req->body);
    reply->status = strcmp(req->path, "/ok") == 0 ? 200 : 404;
    snprintf(reply->message, sizeof(reply->message), "%s", req->path);
}

/* Sends raw bytes and returns the status line's code (0 when none). */
static int raw_exchange(unsigned port, const char *bytes, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    shutdown(fd, SHUT_WR);
    char answer[512] = "";
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(answer) - 1 && (n = read(fd, answer + got, sizeof(answer) - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    int status = 0;
    sscanf(answer, "HTTP/1.%*d %d", &status);
    return status;
}

static void test_receiver(void **state)
{
    (void)state;
    struct crmgov_host host = { .struct_size = sizeof(host), .log = stub_log,
                                .metric_add = stub_metric };
    struct seen s = { 0 };
    char err[200];
    struct wh_receiver *r = wh_start(&host, "127.0.0.1:0", 1024, handler, &s, err, sizeof(err));
    assert_non_null(r);
    unsigned port = wh_port(r);
    assert_true(port > 0);
    char *answer;
    const char *type[] = { "Content-Type: text/plain", NULL };
    int st = httpstub_send(port, "POST", "/ok?a=%3A&b=c+d", type, "hello", 5, &answer);
    assert_int_equal(st, 200);
    assert_string_equal(answer, "{\"status\":200,\"message\":\"/ok\"}");
    free(answer);
    assert_string_equal(s.method, "POST");
    assert_string_equal(s.path, "/ok");
    assert_string_equal(s.raw, "/ok?a=%3A&b=c+d");
    assert_string_equal(s.body, "hello");
    assert_int_equal(httpstub_send(port, "GET", "/missing", NULL, NULL, 0, NULL), 404);
    char big[1500];
    memset(big, 'b', sizeof(big));
    assert_int_equal(httpstub_send(port, "POST", "/ok", type, big, sizeof(big), NULL), 413);
    /* A chunked body that grows past the cap is drained and refused. */
    char chunked[2000];
    int n = snprintf(chunked, sizeof(chunked),
                     "POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5dc\r\n%.*s\r\n0\r\n\r\n", 1500, big);
    assert_int_equal(raw_exchange(port, chunked, (size_t)n), 413);
    /* Garbage is answered (or dropped), never a crash. */
    const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03GARBAGE\r\n\r\n";
    int g = raw_exchange(port, garbage, sizeof(garbage) - 1);
    assert_true(g == 0 || g == 400);
    assert_true(raw_exchange(port, "GET / HTTP/9.9\r\n\r\n", 18) >= 400);
    struct wh_stats stats;
    wh_get_stats(r, &stats);
    assert_int_equal(stats.accepted, 1);
    assert_int_equal(stats.bad_request, 1);
    assert_int_equal(stats.too_large, 2);
    assert_int_equal(stats.unauthorized, 0);
    /* Still serving after all that. */
    assert_int_equal(httpstub_send(port, "POST", "/ok", type, "x", 1, NULL), 200);
    wh_stop(r);
}

static void test_receiver_port_in_use(void **state)
{
    (void)state;
    struct crmgov_host host = { .struct_size = sizeof(host), .log = stub_log,
                                .metric_add = stub_metric };
    struct seen s;
    char err[200], listen[40];
    struct wh_receiver *a = wh_start(&host, "0", 1024, handler, &s, err, sizeof(err));
    assert_non_null(a);
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", wh_port(a));
    assert_null(wh_start(&host, listen, 1024, handler, &s, err, sizeof(err)));
    char want[120];
    snprintf(want, sizeof(want), "cannot listen on %s (address in use or not available?)",
             listen);
    assert_string_equal(err, want);
    wh_stop(a);
    wh_stop(NULL);
}

int main(void)
{
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_hubspot_signature),
        cmocka_unit_test(test_hubspot_uri),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_form_many_pairs),
        cmocka_unit_test(test_receiver),
        cmocka_unit_test(test_receiver_port_in_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
