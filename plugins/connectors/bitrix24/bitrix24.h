/*
 * bitrix24.h -- the Bitrix24 connector's pieces: the instance, the pull over
 * the REST API through an inbound-webhook URL (b24_pull.c), the outbound
 * event handler (b24_hook.c); the mapping is in b24_map.h.
 *
 * The poller and the receiver's threads may both pull definitions (a
 * "definition changed" call pulls them right away); pull_lock keeps those
 * pulls one at a time, and the ledger (its own lock) decides what is new.
 */
#ifndef CRMGOV_BITRIX24_H
#define CRMGOV_BITRIX24_H

#include <pthread.h>

#include <cjson/cJSON.h>

#include "../../common/restapi/http.h"
#include "../../common/restapi/ledger.h"
#include "../../common/restapi/poller.h"
#include "../../common/webhook/webhook.h"
#include "crmgov/host.h"

struct bitrix24 {
    const struct crmgov_host *host;
    char *system;
    char *webhook_url;          /* https://PORTAL/rest/USER/SECRET/ -- a secret */
    char *robots_method;        /* NULL: robots only from automation templates */
    const char *const *robot_types; /* "crm:CCrmDocumentDeal:DEAL"... */
    size_t n_robot_types;
    struct rest_policy policy;

    struct ledger ledger;
    pthread_mutex_t pull_lock;
    struct poller poller;

    char *listen;               /* NULL: no receiver */
    char *application_token;    /* what outbound calls must carry */
    size_t max_body;
    struct wh_receiver *receiver;
};

/* b24_pull.c */
struct rest_client *b24_client(struct bitrix24 *b);
/* One full pull (the poller's pull function): users, then definitions. */
int b24_pull(void *ctx);
/* Templates and robots only. 0 complete, -1 not. */
int b24_pull_definitions(struct bitrix24 *b, struct rest_client *client);

/* b24_hook.c: the webhook receiver's handler. */
void b24_hook(void *ctx, const struct wh_request *req, struct wh_reply *reply);

#endif
