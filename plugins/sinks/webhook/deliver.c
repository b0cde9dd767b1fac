/*
 * deliver.c -- see deliver.h. One thread and one curl handle per sink
 * instance (libcurl handles are not shared between threads; reusing one
 * keeps the connection alive between deliveries). The thread never holds
 * its own lock while it touches the store or the network: the dispatcher
 * holds the store while it calls the sink, and the sink takes that lock
 * only to wake the thread.
 */
#include "deliver.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "outbox.h"

#define LOAD_BATCH 32
#define ERROR_TEXT_MAX 200

struct deliverer {
    const struct crmgov_host *host;
    struct deliver_config cfg;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int started;
    int joined;
    int stop;           /* under lock */
    int woken;          /* under lock */
    /* thread-only from here */
    int64_t failures;   /* consecutive retryable failures of the head */
    int64_t retry_at;   /* monotonic ms */
    int64_t generation; /* the `retry` nudge last seen */
};

/* ------------------------------------------------------------------------ */
/* clocks                                                                    */

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static int64_t wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

/* ------------------------------------------------------------------------ */
/* pure parts                                                                */

void deliver_signature(const char *secret, const char *timestamp, const char *body,
                       size_t body_len, char out[72])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
}

int64_t deliver_backoff_ms(int64_t initial_ms, int64_t max_ms, int64_t failures,
                           uint32_t random)
{
    int64_t b = initial_ms > 0 ? initial_ms : 1;
    for (int64_t i = 1; i < failures && b < max_ms; i++)
        b *= 2;
    if (b > max_ms)
        b = max_ms;
    int64_t half = b / 2;
    return half + (int64_t)(((uint64_t)random * (uint64_t)(b - half)) >> 32);
}

enum deliver_result deliver_classify(int transport_ok, long status)
{
    if (!transport_ok)
        return DELIVER_RETRY;
    if (status >= 200 && status < 300)
        return DELIVER_OK;
    if (status == 408 || status == 425 || status == 429 || status >= 500)
        return DELIVER_RETRY;
    return DELIVER_PERMANENT; /* 3xx and 4xx: the same request will not do better */
}

/* ------------------------------------------------------------------------ */
/* one POST                                                                  */

struct response {
    char text[ERROR_TEXT_MAX + 1];
    size_t len;
};

static size_t keep_start(char *data, size_t size, size_t n, void *ctx)
{
    struct response *r = ctx;
    size_t bytes = size * n;
    size_t room = ERROR_TEXT_MAX - r->len;
    size_t take = bytes < room ? bytes : room;
    memcpy(r->text + r->len, data, take);
    r->len += take;
    r->text[r->len] = '\0';
    return bytes;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct curl_slist *add_header(struct curl_slist *list, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    struct curl_slist *grown = curl_slist_append(list, line);
    if (!grown)
        abort();
    return grown;
}

static struct curl_slist *headers_for(const struct deliverer *d, const struct outbox_entry *e)
{
    char timestamp[32];
    snprintf(timestamp, sizeof(timestamp), "%" PRId64, wall_ms() / 1000);
    struct curl_slist *h = add_header(NULL, "Content-Type: application/json");
    h = add_header(h, "Idempotency-Key: %s", e->id);
    h = add_header(h, "X-Crmgov-Delivery: %s", e->id);
    h = add_header(h, "X-Crmgov-Attempt: %" PRId64, e->attempts + 1);
    h = add_header(h, "X-Crmgov-Timestamp: %s", timestamp);
    if (d->cfg.secret) {
        char signature[72];
        deliver_signature(d->cfg.secret, timestamp, e->body, strlen(e->body), signature);
        h = add_header(h, "X-Crmgov-Signature: %s", signature);
    }
    return add_header(h, "Expect:"); /* no 100-continue round trip */
}

static void set_options(const struct deliverer *d, CURL *curl, const struct outbox_entry *e,
                        struct curl_slist *headers, struct response *r, char *errbuf)
{
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, d->cfg.url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, e->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(e->body));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, d->cfg.user_agent);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)d->cfg.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)d->cfg.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_start);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (d->cfg.ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, d->cfg.ca_file);
}

/* POSTs one delivery; *error gets a malloc'd reason when it did not work. */
static enum deliver_result post(const struct deliverer *d, CURL *curl,
                                const struct outbox_entry *e, char **error)
{
    struct response r = { .len = 0 };
    r.text[0] = '\0';
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = headers_for(d, e);
    set_options(d, curl, e, headers, &r, errbuf);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    enum deliver_result result = deliver_classify(rc == CURLE_OK, status);
    *error = NULL;
    for (size_t i = 0; i < r.len; i++) /* one line in logs and `crmgov outbox` */
        if ((unsigned char)r.text[i] < 0x20)
            r.text[i] = ' ';
    while (r.len && r.text[r.len - 1] == ' ')
        r.text[--r.len] = '\0';
    if (result != DELIVER_OK) {
        int n = rc != CURLE_OK
                    ? asprintf(error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc))
                    : asprintf(error, "HTTP %ld%s%s", status, r.len ? ": " : "", r.text);
        if (n < 0)
            abort();
    }
    return result;
}

/* ------------------------------------------------------------------------ */
/* the queue                                                                 */

static void record_failure(struct deliverer *d, struct outbox_entry *e, char *error,
                           int permanent)
{
    int64_t now = wall_ms();
    e->attempts++;
    e->last_attempt_ms = now;
    if (e->first_failure_ms < 0)
        e->first_failure_ms = now;
    free(e->last_error);
    e->last_error = error;
    int gave_up = d->cfg.give_up_after_ms > 0 &&
                  now - e->first_failure_ms >= d->cfg.give_up_after_ms;
    if (permanent || gave_up) {
        free(e->status);
        e->status = strdup("failed");
        if (!e->status)
            abort();
        d->host->log(d->host, CRMGOV_LOG_ERROR, "delivery %s (%s) failed for good after %" PRId64
                     " attempt%s: %s; `crmgov outbox retry` sends it again", e->id,
                     e->summary ? e->summary : e->kind, e->attempts,
                     e->attempts == 1 ? "" : "s", e->last_error);
    }
    if (outbox_save(d->host, e) != CRMGOV_OK)
        d->host->log(d->host, CRMGOV_LOG_WARN, "could not record the failed attempt of %s",
                     e->id);
}

static void note_retry(struct deliverer *d, const struct outbox_entry *e)
{
    d->failures++;
    int64_t wait = deliver_backoff_ms(d->cfg.retry_initial_ms, d->cfg.retry_max_ms,
                                      d->failures, randombytes_random());
    d->retry_at = monotonic_ms() + wait;
    d->host->log(d->host, d->failures == 1 ? CRMGOV_LOG_WARN : CRMGOV_LOG_DEBUG,
                 "the receiver did not take delivery %s (%s); next try in %" PRId64 " ms",
                 e->id, e->last_error, wait);
}

static void delivered(struct deliverer *d, const struct outbox_entry *e)
{
    if (outbox_remove(d->host, e) != CRMGOV_OK)
        d->host->log(d->host, CRMGOV_LOG_WARN, "delivered %s but could not remove it from "
                     "the outbox; it will be sent again with the same Idempotency-Key",
                     e->id);
    if (d->failures)
        d->host->log(d->host, CRMGOV_LOG_INFO, "the receiver is taking deliveries again");
    d->failures = 0;
}

/* 1 to go on with the next entry, 0 to end the pass (the head is failing). */
static int attempt(struct deliverer *d, CURL *curl, struct outbox_entry *e)
{
    char *error = NULL;
    enum deliver_result r = post(d, curl, e, &error);
    if (r == DELIVER_OK) {
        delivered(d, e);
        return 1;
    }
    record_failure(d, e, error, r == DELIVER_PERMANENT);
    if (strcmp(e->status, "failed") == 0)
        return 1;
    note_retry(d, e);
    return 0;
}

static int should_stop(struct deliverer *d)
{
    pthread_mutex_lock(&d->lock);
    int stop = d->stop;
    pthread_mutex_unlock(&d->lock);
    return stop;
}

/* Delivers pending entries in order until the queue is empty, the head
 * fails, or (draining) the deadline passes / (not draining) stop is asked. */
static void run_pass(struct deliverer *d, CURL *curl, int draining)
{
    char after[OUTBOX_KEY_SIZE] = "";
    int64_t deadline = monotonic_ms() + d->cfg.drain_timeout_ms;
    for (;;) {
        struct outbox_entry *batch;
        long n = outbox_load(d->host, after, LOAD_BATCH, 1, &batch);
        int go_on = n > 0;
        for (long i = 0; i < n && go_on; i++) {
            if (draining ? monotonic_ms() >= deadline : should_stop(d))
                go_on = 0;
            else
                go_on = attempt(d, curl, &batch[i]);
            snprintf(after, sizeof(after), "%s", batch[i].key);
        }
        if (n >= 0)
            outbox_entries_free(batch, (size_t)n);
        if (!go_on || n < LOAD_BATCH)
            return;
    }
}

/* ------------------------------------------------------------------------ */
/* the thread                                                                */

static void wait_for_work(struct deliverer *d)
{
    pthread_mutex_lock(&d->lock);
    while (!d->stop && !d->woken) {
        int64_t now = monotonic_ms();
        int64_t until = now + d->cfg.poll_ms;
        if (d->failures && d->retry_at < until)
            until = d->retry_at;
        if (now >= until)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + (until - now) % 1000 * 1000000;
        ts.tv_sec += (time_t)((until - now) / 1000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        if (pthread_cond_timedwait(&d->wake, &d->lock, &ts) == ETIMEDOUT)
            break;
    }
    d->woken = 0;
    pthread_mutex_unlock(&d->lock);
}

static void *deliver_main(void *arg)
{
    struct deliverer *d = arg;
    CURL *curl = curl_easy_init();
    if (!curl) {
        d->host->log(d->host, CRMGOV_LOG_ERROR, "libcurl could not start; nothing is delivered");
        return NULL;
    }
    d->generation = outbox_retry_generation(d->host);
    while (!should_stop(d)) {
        int64_t generation = outbox_retry_generation(d->host);
        if (generation != d->generation) {
            d->generation = generation; /* `crmgov outbox retry`: try the head now */
            d->failures = 0;
        }
        if (!d->failures || monotonic_ms() >= d->retry_at)
            run_pass(d, curl, 0);
        wait_for_work(d);
    }
    run_pass(d, curl, 1);
    curl_easy_cleanup(curl);
    return NULL;
}

struct deliverer *deliverer_new(const struct crmgov_host *host, const struct deliver_config *cfg)
{
    struct deliverer *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->host = host;
    d->cfg = *cfg;
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &attr);
    pthread_condattr_destroy(&attr);
    return d;
}

int deliverer_start(struct deliverer *d)
{
    if (d->started)
        return CRMGOV_OK;
    if (pthread_create(&d->thread, NULL, deliver_main, d) != 0)
        return CRMGOV_ERROR;
    d->started = 1;
    return CRMGOV_OK;
}

void deliverer_wake(struct deliverer *d)
{
    pthread_mutex_lock(&d->lock);
    d->woken = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void deliverer_stop(struct deliverer *d)
{
    if (!d || !d->started || d->joined)
        return;
    pthread_mutex_lock(&d->lock);
    d->stop = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    d->joined = 1;
}

void deliverer_free(struct deliverer *d)
{
    if (!d)
        return;
    deliverer_stop(d);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}
