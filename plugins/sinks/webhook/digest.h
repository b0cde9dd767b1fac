/*
 * digest.h -- what waits for the daily digest, and the per-recipient cap.
 *
 * Both live in the sink's state and change only inside the dispatcher's
 * transaction (or a command's), so they commit with the finding change:
 *   d/SEQ           one item waiting for the digest: {"key", "recipient",
 *                   "item"} -- SEQ shares the outbox's sequence, so items
 *                   keep the order in which the findings changed
 *   c/KEY           "PERIOD SENT": messages counted for recipient KEY in the
 *                   digest period starting at PERIOD (event time, ms)
 *   next_digest     the next digest boundary (event time, ms)
 * When event time reaches next_digest, every recipient with waiting items
 * gets one digest stamped at the latest boundary passed (one digest, not one
 * per day skipped, when event time jumps).
 */
#ifndef CRMGOV_WEBHOOK_DIGEST_H
#define CRMGOV_WEBHOOK_DIGEST_H

#include <cjson/cJSON.h>

#include "crmgov/host.h"

#include "policy.h"
#include "route.h"

#define DIGEST_PREFIX "d/"

/* Counts one immediate message to `key` at `at`: 1 when the cap allows it,
 * 0 when it must fold into the digest. */
int digest_cap_take(const struct crmgov_host *host, const struct policy *p, const char *key,
                    crmgov_time at);

/* Puts `item` (taken) in the digest of recipient r. */
int digest_add(const struct crmgov_host *host, const struct recipient *r, cJSON *item);

/* Receives one recipient's digest: its items in order (a cJSON array the
 * callee may keep by detaching), stamped at boundary `at`. */
typedef int (*digest_emit_fn)(void *ctx, const struct recipient *r, cJSON *items,
                              crmgov_time at);

/* When event time `now` has reached the next boundary: emits every waiting
 * digest, counts it in the recipient's cap, removes its items, and moves
 * the boundary on. Returns the number of digests emitted. The first call
 * only sets the boundary. */
int digest_flush_due(const struct crmgov_host *host, const struct policy *p, crmgov_time now,
                     digest_emit_fn emit, void *ctx);

/* The next digest boundary, or CRMGOV_TIME_NONE before the first event. */
crmgov_time digest_next(const struct crmgov_host *host);

/* Every waiting item, in order: (recipient key, recipient, item). */
typedef int (*digest_item_fn)(void *ctx, const char *key, const cJSON *recipient,
                              const cJSON *item);
int digest_each(const struct crmgov_host *host, digest_item_fn fn, void *ctx);

#endif
