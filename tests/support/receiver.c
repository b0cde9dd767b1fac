/*
 * receiver.c -- see receiver.h. libmicrohttpd runs the server on its own
 * thread; records are appended under a mutex and a condition variable wakes
 * tests waiting for a count. Bodies are collected per connection across the
 * upload callbacks, then judged once complete.
 */
#include "receiver.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>

#define MAX_BODY (4 * 1024 * 1024)
#define MAX_SKEW_S 300

struct test_receiver {
    struct MHD_Daemon *daemon;
    unsigned short port;
    char *secret;
    FILE *log;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int status;
    char *records;          /* JSON Lines */
    size_t records_len;
    size_t count;
};

struct upload {
    char *data;
    size_t len;
    int too_big;
};

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* "ok", "bad" or "none" (no secret configured). */
static const char *check_signature(const struct test_receiver *r, struct MHD_Connection *c,
                                   const struct upload *u)
{
    if (!r->secret)
        return "none";
    const char *ts = header(c, "X-Crmgov-Timestamp");
    const char *sig = header(c, "X-Crmgov-Signature");
    if (!ts || !sig || strncmp(sig, "sha256=", 7) != 0 || strlen(sig) != 7 + 64)
        return "bad";
    long long when = strtoll(ts, NULL, 10);
    long long skew = (long long)time(NULL) - when;
    if (skew > MAX_SKEW_S || skew < -MAX_SKEW_S)
        return "bad";
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[65];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)r->secret, strlen(r->secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)u->data, u->len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    return sodium_memcmp(hex, sig + 7, 64) == 0 ? "ok" : "bad";
}

static void record(struct test_receiver *r, struct MHD_Connection *c, const struct upload *u,
                   int status, const char *signature)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "status", status);
    const char *id = header(c, "Idempotency-Key");
    const char *attempt = header(c, "X-Crmgov-Attempt");
    const char *type = header(c, "Content-Type");
    cJSON_AddStringToObject(o, "id", id ? id : "");
    cJSON_AddNumberToObject(o, "attempt", attempt ? atoi(attempt) : 0);
    cJSON_AddStringToObject(o, "signature", signature);
    cJSON_AddStringToObject(o, "content_type", type ? type : "");
    cJSON *body = cJSON_ParseWithLength(u->data ? u->data : "", u->len);
    if (!body) {
        char *text = strndup(u->data ? u->data : "", u->len);
        body = cJSON_CreateString(text ? text : "");
        free(text);
    }
    cJSON_AddItemToObject(o, "body", body);
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    size_t n = strlen(line);
    pthread_mutex_lock(&r->lock);
    r->records = realloc(r->records, r->records_len + n + 2);
    if (!r->records)
        abort();
    memcpy(r->records + r->records_len, line, n);
    r->records_len += n;
    r->records[r->records_len++] = '\n';
    r->records[r->records_len] = '\0';
    r->count++;
    if (r->log) {
        fprintf(r->log, "%s\n", line);
        fflush(r->log);
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    cJSON_free(line);
}

static enum MHD_Result answer(struct MHD_Connection *c, int status, const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned int)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    struct test_receiver *r = cls;
    struct upload *u = *con_cls;
    if (!u) {
        u = calloc(1, sizeof(*u));
        if (!u)
            return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_size) {
        if (u->len + *upload_size > MAX_BODY) {
            u->too_big = 1;
        } else {
            u->data = realloc(u->data, u->len + *upload_size + 1);
            if (!u->data)
                return MHD_NO;
            memcpy(u->data + u->len, upload_data, *upload_size);
            u->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return answer(c, 405, "POST only\n");
    if (u->too_big)
        return answer(c, 413, "too big\n");
    pthread_mutex_lock(&r->lock);
    int status = r->status;
    pthread_mutex_unlock(&r->lock);
    const char *signature = check_signature(r, c, u);
    if (strcmp(signature, "bad") == 0)
        status = 401;
    record(r, c, u, status, signature);
    return answer(c, status, status == 200 ? "ok\n" : "not now\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *con_cls;
    if (u) {
        free(u->data);
        free(u);
        *con_cls = NULL;
    }
}

struct test_receiver *test_receiver_start(unsigned short port, const char *secret,
                                          const char *log_path)
{
    if (sodium_init() < 0)
        return NULL;
    struct test_receiver *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->status = 200;
    r->secret = secret ? strdup(secret) : NULL;
    r->log = log_path ? fopen(log_path, "a") : NULL;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                 port, NULL, NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, r, MHD_OPTION_END);
    if (!r->daemon || (log_path && !r->log)) {
        test_receiver_stop(r);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : port;
    return r;
}

unsigned short test_receiver_port(const struct test_receiver *r)
{
    return r->port;
}

void test_receiver_set_status(struct test_receiver *r, int status)
{
    pthread_mutex_lock(&r->lock);
    r->status = status;
    pthread_mutex_unlock(&r->lock);
}

size_t test_receiver_count(struct test_receiver *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

int test_receiver_wait(struct test_receiver *r, size_t count, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    while (r->count < count && rc == 0)
        rc = pthread_cond_timedwait(&r->changed, &r->lock, &until);
    int ok = r->count >= count;
    pthread_mutex_unlock(&r->lock);
    return ok ? 0 : -1;
}

char *test_receiver_records(struct test_receiver *r)
{
    pthread_mutex_lock(&r->lock);
    char *copy = strdup(r->records ? r->records : "");
    pthread_mutex_unlock(&r->lock);
    return copy;
}

void test_receiver_stop(struct test_receiver *r)
{
    if (!r)
        return;
    if (r->daemon)
        MHD_stop_daemon(r->daemon);
    if (r->log)
        fclose(r->log);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
    free(r->records);
    free(r->secret);
    free(r);
}
