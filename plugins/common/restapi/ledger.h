/*
 * ledger.h -- what a polling connector has already reported, and the one
 * way it reports something new: publish the event, then checkpoint what it
 * stood for.
 *
 * Each observed thing has a key ("flow:123", "user:17") and a fingerprint
 * (a revision id, a digest of the fields that matter). A poll republishes a
 * thing only when its fingerprint differs from the ledger's. The checkpoint
 * commits with the event in one transaction (host->checkpoint), so after a
 * crash the ledger -- reloaded from the instance's state at init -- says
 * exactly what the store holds: nothing is lost, nothing repeats.
 *
 * The poll thread and the webhook receiver's threads both report through
 * one ledger, so it carries its own lock.
 *
 * Events are built as cJSON objects in the canonical JSON Lines shape and
 * handed to host->publish_json: the core's single validator judges them,
 * and a mapping slip becomes a dead letter with a reason, never a crash.
 */
#ifndef CRMGOV_RESTAPI_LEDGER_H
#define CRMGOV_RESTAPI_LEDGER_H

#include <pthread.h>

#include <cjson/cJSON.h>

#include "crmgov/host.h"
#include "keymap.h"

struct ledger {
    const struct crmgov_host *host;
    pthread_mutex_t lock;
    struct keymap seen;
};

/* Loads every saved key of this instance. 0, or -1 (reason set with set_error). */
int ledger_open(struct ledger *l, const struct crmgov_host *host);
void ledger_close(struct ledger *l);

/* Publishes `event` (consumed) and checkpoints key = fingerprint, unless the
 * ledger already holds that fingerprint for key. 1 published, 0 unchanged,
 * 2 refused by the core (now a dead letter; checkpointed all the same),
 * -1 the core is stopping (nothing checkpointed). */
int ledger_report(struct ledger *l, const char *key, const char *fingerprint, cJSON *event,
                  const char *source);

/* Records input that maps to no event (a definition the connector cannot
 * read) as a dead letter, once per fingerprint: the checkpoint keeps a
 * broken definition from being reported again until it changes. 1 when
 * recorded now, 0 when already known. */
int ledger_dead_letter(struct ledger *l, const char *key, const char *fingerprint,
                       const char *source, const char *reason, const char *raw, size_t len);

/* A copy of the fingerprint for key (caller frees), or NULL. */
char *ledger_lookup(struct ledger *l, const char *key);

/* Calls fn for each key with the prefix (under the lock: fn must not report). */
void ledger_each(struct ledger *l, const char *prefix,
                 void (*fn)(void *ctx, const char *key, const char *value), void *ctx);

/* An event object {"type":..,"system":..,"at":..}; at = CRMGOV_TIME_NONE
 * uses the wall clock. */
cJSON *event_new(const struct crmgov_host *host, const char *type, const char *system,
                 crmgov_time at);
/* Publishes the event (consumed) as one JSON line: CRMGOV_OK, 1 when it
 * became a dead letter, CRMGOV_ERROR when the core is stopping. */
int event_publish(const struct crmgov_host *host, cJSON *event, const char *source);

/* The `automation` event that reports ID of `system` as deleted, carrying
 * the last definition the inventory holds; NULL when the inventory never had
 * it (nothing to report). */
cJSON *event_deleted_automation(const struct crmgov_host *host, const char *system,
                                const char *id, crmgov_time at);

/* The current wall-clock time in milliseconds. */
crmgov_time wall_clock_ms(void);

#endif
