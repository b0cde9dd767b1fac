/*
 * hubspot.h -- the HubSpot connector's pieces: the instance, the pull over
 * the REST API (hs_pull.c), the webhook handler (hs_hook.c); the mapping to
 * the canonical model is in hs_map.h.
 *
 * Two threads may report at once: the poller, and the webhook receiver's
 * connection threads (a definition-changed call fetches and reports one
 * flow right away). They share the ledger (its own lock), the credentials
 * and the latest action-type catalogue (each under its lock); each thread
 * uses its own REST client.
 */
#ifndef CRMGOV_HUBSPOT_H
#define CRMGOV_HUBSPOT_H

#include <pthread.h>

#include <cjson/cJSON.h>

#include "../../common/restapi/http.h"
#include "../../common/restapi/ledger.h"
#include "../../common/restapi/poller.h"
#include "../../common/webhook/webhook.h"
#include "crmgov/host.h"

struct hubspot {
    const struct crmgov_host *host;
    char *system;
    char *base_url;             /* without a trailing slash */
    int page_size;
    struct rest_policy policy;

    pthread_mutex_t token_lock;
    char *token;                /* the bearer token in use */
    char *token_file;           /* re-read when HubSpot refuses the token */

    struct ledger ledger;
    pthread_mutex_t catalog_lock;
    cJSON *catalog;             /* latest action-type catalogue, or NULL */
    struct poller poller;

    char *listen;               /* NULL: no webhook receiver */
    char *webhook_secret;
    char *public_url;           /* what HubSpot calls, for the signed URI */
    size_t max_body;
    int64_t max_age_ms;
    struct wh_receiver *receiver;
};

/* hs_pull.c */
struct rest_client *hs_client(struct hubspot *hs);
/* One full pull (the poller's pull function). */
int hs_pull(void *ctx);
/* Fetches one flow and reports it when its revision is new (a flow HubSpot
 * no longer has is reported deleted). 1 reported, 0 unchanged, -1 failed. */
int hs_refresh_flow(struct hubspot *hs, struct rest_client *client, const char *id);
/* Loads the token from token_file; 1 when it changed, 0 same, -1 unreadable. */
int hs_load_token_file(struct hubspot *hs);

/* hs_hook.c: the webhook receiver's handler. */
void hs_hook(void *ctx, const struct wh_request *req, struct wh_reply *reply);

#endif
