/*
 * deliver.h -- the delivery thread: takes deliveries from the outbox in
 * queue order and POSTs them, until each got a 2xx.
 *
 * Order and exactly-once: the head of the queue is retried until it goes
 * through (or is given up) before the next is tried, so a receiver sees
 * deliveries in the order the findings changed. A delivery leaves the outbox
 * only after a 2xx; if the answer is lost, the retry carries the same
 * `Idempotency-Key`, so the receiver can drop it.
 *
 * Clocks: retries, backoff and timeouts use the wall clock (they are I/O,
 * not rules): exponential backoff from `retry_initial` doubling up to
 * `retry_max`, each wait drawn uniformly from [b/2, b] (jitter, so many
 * sinks do not hammer a receiver in step). Backoff lives in memory: a new
 * process tries the head at once. A delivery still failing `give_up_after`
 * after its first failure, or refused with a 4xx other than 408/429, is
 * marked failed and stays in the outbox for `crmgov outbox retry`.
 *
 * Stopping: stop() wakes the thread, which makes one last pass (bounded by
 * `drain_timeout`) so `crmgov run --once` delivers what it queued.
 */
#ifndef CRMGOV_WEBHOOK_DELIVER_H
#define CRMGOV_WEBHOOK_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/host.h"

struct deliver_config {
    const char *url;
    const char *secret;             /* NULL: no signature header */
    const char *ca_file;            /* NULL: the system's CA store */
    const char *user_agent;
    int64_t timeout_ms;
    int64_t connect_timeout_ms;
    int64_t retry_initial_ms;
    int64_t retry_max_ms;
    int64_t give_up_after_ms;       /* 0: never give up */
    int64_t drain_timeout_ms;
    int64_t poll_ms;                /* look at the outbox at least this often */
};

enum deliver_result {
    DELIVER_OK = 0,
    DELIVER_RETRY,
    DELIVER_PERMANENT
};

struct deliverer;

struct deliverer *deliverer_new(const struct crmgov_host *host, const struct deliver_config *cfg);
int deliverer_start(struct deliverer *d);
/* New deliveries may be waiting (they become visible when the batch commits). */
void deliverer_wake(struct deliverer *d);
/* Last pass, then join. Safe to call twice, and without start. */
void deliverer_stop(struct deliverer *d);
void deliverer_free(struct deliverer *d);

/* The signature header value: "sha256=" + hex HMAC-SHA256(secret,
 * timestamp + "." + body), into out[72]. */
void deliver_signature(const char *secret, const char *timestamp, const char *body,
                       size_t body_len, char out[72]);
/* The wait before retry number `failures` (>= 1); random in [0, 2^32). */
int64_t deliver_backoff_ms(int64_t initial_ms, int64_t max_ms, int64_t failures,
                           uint32_t random);
/* What an answer means: transport_ok = 0 when no HTTP status came back. */
enum deliver_result deliver_classify(int transport_ok, long status);

#endif
