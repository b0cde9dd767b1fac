/*
 * policy.h -- when a message goes out: immediately, in the daily digest, or
 * not at all, per severity; and the day that the per-recipient cap counts.
 *
 * Everything here runs on event time, never the wall clock, so replaying a
 * history sends the same messages with the same digests. A "day" is the
 * digest period: it starts at `digest_at` (UTC) and lasts 24 hours. The
 * digest of the period that just ended is the first message of the new
 * period, so with `max_per_recipient_per_day = N` a recipient gets at most N
 * messages in any period -- the digest included.
 *
 * Pure functions, no host: the unit tests call them directly.
 */
#ifndef CRMGOV_WEBHOOK_POLICY_H
#define CRMGOV_WEBHOOK_POLICY_H

#include <stdint.h>

#include "crmgov/model.h"

#define POLICY_DAY_MS 86400000LL
#define POLICY_SEVERITIES 5

enum delivery_mode {
    MODE_IMMEDIATE = 0,
    MODE_DIGEST,
    MODE_OFF
};

struct policy {
    enum delivery_mode mode[POLICY_SEVERITIES];   /* by enum crmgov_severity */
    int64_t digest_at_ms;                          /* after midnight UTC */
    int64_t max_per_day;                           /* >= 1 */
};

/* "immediate", "digest" or "off"; -1 otherwise. */
int policy_mode_parse(const char *text);
/* "HH:MM" (00:00-23:59) into milliseconds after midnight; -1 when invalid. */
int64_t policy_time_of_day(const char *text);

enum delivery_mode policy_mode(const struct policy *p, int severity);
/* The start of the period holding `at`: the latest digest boundary <= at. */
crmgov_time policy_period_start(const struct policy *p, crmgov_time at);
/* The first digest boundary after `at`. */
crmgov_time policy_next_boundary(const struct policy *p, crmgov_time at);

/* What the cap has counted for one recipient. */
struct cap_count {
    crmgov_time period;     /* CRMGOV_TIME_NONE: nothing counted yet */
    int64_t sent;
};

/* Counts one immediate message at `at` when the cap allows it: 1 (counted)
 * or 0 (over the cap: fold it into the digest). */
int policy_cap_take(const struct policy *p, struct cap_count *c, crmgov_time at);
/* Counts the digest sent at the boundary `at` (always allowed: it is the
 * period's first message). */
void policy_cap_digest(const struct policy *p, struct cap_count *c, crmgov_time at);

#endif
