/*
 * test_httpstub.c -- the loopback test server (tests/support/httpstub.c):
 * its own tests when run without arguments, and the tool the end-to-end
 * scripts drive when given a command:
 *
 *   test_httpstub serve DIR PORTFILE LOGFILE   serve DIR on a free loopback
 *                                              port (written to PORTFILE),
 *                                              log requests to LOGFILE, until
 *                                              SIGTERM
 *   test_httpstub hubspot-post PORT URI SECRET FILE [BASE]
 *                                              POST FILE to the receiver
 *                                              signed the HubSpot v3 way
 *                                              (BASE default http://127.0.0.1:PORT)
 *   test_httpstub post PORT URI FILE TYPE      POST FILE with Content-Type TYPE
 *   test_httpstub free-port                    print a free loopback port
 *
 * The two senders print the status code on the first line, then the answer.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/httpstub.h"
#include "common/webhook/webhook.h"

static char dir[] = "/tmp/crmgov-stub-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_routes_in_turn(void **state)
{
    (void)state;
    write_file("routes", "# a comment\n"
                         "@date Sun, 01 Mar 2026 12:00:00 GMT\n"
                         "GET /a?x=1 429 busy.json | Retry-After: 3\n"
                         "GET /a?x=1 200 ok.json\n");
    write_file("busy.json", "{\"busy\":true}");
    write_file("ok.json", "{\"ok\":true}");
    struct httpstub *s = httpstub_start(dir, 0);
    assert_non_null(s);
    char *body;
    assert_int_equal(httpstub_send(httpstub_port(s), "GET", "/a?x=1", NULL, NULL, 0, &body),
                     429);
    assert_string_equal(body, "{\"busy\":true}");
    free(body);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(
            httpstub_send(httpstub_port(s), "GET", "/a?x=%31", NULL, NULL, 0, &body), 200);
        assert_string_equal(body, "{\"ok\":true}");
        free(body);
    }
    assert_int_equal(httpstub_send(httpstub_port(s), "GET", "/nope", NULL, NULL, 0, NULL), 404);
    char *log = httpstub_requests(s);
    assert_string_equal(log, "GET /a?x=1\nGET /a?x=1\nGET /a?x=1\nGET /nope\n");
    free(log);
    httpstub_stop(s);
}

static void test_auth(void **state)
{
    (void)state;
    write_file("routes", "@auth Bearer good\nGET /b 200 ok.json\n");
    struct httpstub *s = httpstub_start(dir, 0);
    assert_non_null(s);
    const char *bad[] = { "Authorization: Bearer old", NULL };
    const char *good[] = { "Authorization: Bearer good", NULL };
    assert_int_equal(httpstub_send(httpstub_port(s), "GET", "/b", bad, NULL, 0, NULL), 401);
    assert_int_equal(httpstub_send(httpstub_port(s), "GET", "/b", good, NULL, 0, NULL), 200);
    char *log = httpstub_requests(s);
    assert_string_equal(log, "GET /b auth=Bearer old\nGET /b auth=Bearer good\n");
    free(log);
    httpstub_stop(s);
}

static void test_bad_routes_refused(void **state)
{
    (void)state;
    write_file("routes", "GET /only-two-words\n");
    assert_null(httpstub_start(dir, 0));
}

/* ------------------------------------------------------------------------ */
/* tool modes                                                                */

static volatile sig_atomic_t stop_serving;

static void on_signal(int sig)
{
    (void)sig;
    stop_serving = 1;
}

static int serve(const char *root, const char *port_file, const char *log_file)
{
    struct httpstub *s = httpstub_start(root, 0);
    if (!s)
        return 1;
    httpstub_log_to(s, log_file);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return 1;
    fprintf(f, "%u\n", httpstub_port(s));
    fclose(f);
    rename(tmp, port_file);
    while (!stop_serving)
        usleep(20000);
    httpstub_stop(s);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, got;
    char chunk[8192];
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        char *grown = realloc(buf, n + got + 1);
        if (!grown)
            abort();
        buf = grown;
        memcpy(buf + n, chunk, got);
        n += got;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int post(unsigned port, const char *uri, const char *file, const char *const *headers)
{
    size_t len;
    char *body = slurp(file, &len), *answer = NULL;
    if (!body) {
        fprintf(stderr, "cannot read %s\n", file);
        return 1;
    }
    int status = httpstub_send(port, "POST", uri, headers, body, len, &answer);
    printf("%d\n%s\n", status, answer);
    free(answer);
    free(body);
    return status ? 0 : 1;
}

static int hubspot_post(int argc, char **argv)
{
    unsigned port = (unsigned)atoi(argv[2]);
    char base[256], ts[32], sig[64];
    if (argc > 6)
        snprintf(base, sizeof(base), "%s", argv[6]);
    else
        snprintf(base, sizeof(base), "http://127.0.0.1:%u", port);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    snprintf(ts, sizeof(ts), "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    size_t len;
    char *body = slurp(argv[5], &len);
    if (!body)
        return 1;
    char *uri = wh_hubspot_uri(base, argv[3]);
    wh_hubspot_sign(argv[4], "POST", uri, body, len, ts, sig, sizeof(sig));
    free(uri);
    free(body);
    char h1[128], h2[128];
    snprintf(h1, sizeof(h1), "X-HubSpot-Signature-v3: %s", sig);
    snprintf(h2, sizeof(h2), "X-HubSpot-Request-Timestamp: %s", ts);
    const char *headers[] = { h1, h2, "Content-Type: application/json", NULL };
    return post(port, argv[3], argv[5], headers);
}

static int tool(int argc, char **argv)
{
    if (strcmp(argv[1], "serve") == 0 && argc == 5)
        return serve(argv[2], argv[3], argv[4]);
    if (strcmp(argv[1], "hubspot-post") == 0 && argc >= 6)
        return hubspot_post(argc, argv);
    if (strcmp(argv[1], "free-port") == 0 && argc == 2) {
        unsigned port = httpstub_free_port();
        printf("%u\n", port);
        return port ? 0 : 1;
    }
    if (strcmp(argv[1], "post") == 0 && argc == 6) {
        char type[200];
        snprintf(type, sizeof(type), "Content-Type: %s", argv[5]);
        const char *headers[] = { type, NULL };
        return post((unsigned)atoi(argv[2]), argv[3], argv[4], headers);
    }
    fprintf(stderr, "usage: test_httpstub serve DIR PORTFILE LOGFILE | hubspot-post PORT URI "
                    "SECRET FILE [BASE] | post PORT URI FILE TYPE | free-port\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return tool(argc, argv);
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_in_turn),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_bad_routes_refused),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
