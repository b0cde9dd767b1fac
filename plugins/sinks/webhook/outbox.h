/*
 * outbox.h -- the durable outbox: deliveries waiting in the store.
 *
 * A delivery is queued with state_put from the sink's finding callback, so
 * it commits in the same transaction as the finding change that caused it:
 * either both are stored or neither. The delivery thread removes it only
 * after the receiver answered 2xx (state_delete from a plugin thread commits
 * on its own). Between the two, it survives restarts, crashes and a
 * receiver that is down for a day.
 *
 * State keys of the sink instance:
 *   seq             the next sequence number (read and bumped inside the
 *                   transaction, so two processes never reuse one)
 *   o/SEQ           a delivery, SEQ as 16 hex digits: keys sort in queue order
 *   retry           bumped by `crmgov outbox retry` so a running delivery
 *                   thread stops waiting out its backoff
 * The body is built when the delivery is queued and never changes: a retry
 * sends the same bytes under the same idempotency key.
 */
#ifndef CRMGOV_WEBHOOK_OUTBOX_H
#define CRMGOV_WEBHOOK_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/host.h"

#define OUTBOX_PREFIX "o/"
#define OUTBOX_KEY_SIZE 24

struct outbox_entry {
    char key[OUTBOX_KEY_SIZE];  /* "o/" + 16 hex digits */
    char *id;                   /* idempotency key */
    char *kind;                 /* "finding" or "digest" */
    char *status;               /* "pending" or "failed" */
    char *summary;              /* one line for `crmgov outbox` */
    char *recipients;           /* ids, comma-separated, for `crmgov outbox` */
    char *body;                 /* the exact bytes to POST */
    crmgov_time created;        /* event time */
    int64_t attempts;
    int64_t first_failure_ms;   /* wall clock, -1: never failed */
    int64_t last_attempt_ms;    /* wall clock, -1: never tried */
    char *last_error;           /* NULL when none */
};

/* The next sequence number of this instance (inside a transaction). */
uint64_t outbox_next_seq(const struct crmgov_host *host);
/* "o/%016llx" or "d/%016llx" into key[OUTBOX_KEY_SIZE]. */
void outbox_key(char key[OUTBOX_KEY_SIZE], const char *prefix, uint64_t seq);

/* Queues a delivery (pending, no attempts). */
int outbox_enqueue(const struct crmgov_host *host, const char *kind, const char *id,
                   crmgov_time created, const char *summary, const char *recipients,
                   const char *body);

/* Up to `limit` deliveries after key `after` ("" = from the start), in
 * queue order; pending_only skips failed ones. The caller frees *out with
 * outbox_entries_free. Returns the number loaded, or -1 on a store error. */
long outbox_load(const struct crmgov_host *host, const char *after, size_t limit,
                 int pending_only, struct outbox_entry **out);
void outbox_entries_free(struct outbox_entry *entries, size_t n);

/* Rewrites an entry (after an attempt) / removes it (after a 2xx). */
int outbox_save(const struct crmgov_host *host, const struct outbox_entry *e);
int outbox_remove(const struct crmgov_host *host, const struct outbox_entry *e);

/* The `retry` nudge counter: read, and bump. */
int64_t outbox_retry_generation(const struct crmgov_host *host);
int outbox_bump_retry(const struct crmgov_host *host);

/* Small helpers shared with digest.c: a decimal int64 state value. */
int outbox_get_int(const struct crmgov_host *host, const char *key, int64_t *value);
int outbox_put_int(const struct crmgov_host *host, const char *key, int64_t value);

#endif
