/*
 * webhook.h -- one instance of the `webhook` sink: its configuration and
 * the parts it is made of (routing, policy, outbox, delivery thread).
 *
 * Who does what:
 *   webhook.c   the plugin: options, life cycle, the finding and tick
 *               callbacks that route, fold and queue (dispatcher thread)
 *   route.c     who a finding is for
 *   policy.c    immediate, digest or off; the per-day cap (event time)
 *   digest.c    items waiting for the digest, cap counters (state)
 *   outbox.c    deliveries waiting in the store (state)
 *   message.c   the bodies (json | slack)
 *   deliver.c   the delivery thread (libcurl, HMAC, backoff)
 *   command.c   `crmgov outbox` across every webhook instance
 */
#ifndef CRMGOV_WEBHOOK_H
#define CRMGOV_WEBHOOK_H

#include "crmgov/host.h"

#include "deliver.h"
#include "message.h"
#include "policy.h"
#include "route.h"

struct hub_iface;

struct webhook {
    const struct crmgov_host *host;
    const char *instance;
    const char *channel;            /* NULL: deliver to the routed people */
    struct route_config route;
    struct policy policy;
    struct message_ctx message;
    struct deliver_config deliver;
    struct deliverer *deliverer;
    struct hub *hub;                /* the leader's: all instances' outboxes */
    const struct hub_iface *joined; /* a follower's: the leader's hub */
};

/* command.c: the first instance leads (registers `crmgov outbox`), later
 * ones join it. */
int hub_join_or_lead(struct webhook *w);
void hub_leave(struct webhook *w);

#endif
