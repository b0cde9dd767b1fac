/*
 * poller.h -- the life of a polling connector, shared by hubspot and
 * bitrix24: one thread that pulls everything, reports once that it caught
 * up (connector_done), and then -- unless the core runs in batch mode --
 * sleeps `poll` and pulls again until the core stops. Waiting goes through
 * host->sleep, so a stop never waits for a poll interval.
 *
 * With it, the connector's other running part, its webhook receiver:
 * started before the poll thread and stopped before it is joined.
 *
 * Also the option block both connectors declare for their REST client
 * (retries, retry_base, retry_max, timeout, max_response), so the two read
 * and document them the same way, and how they keep string options (secrets
 * wiped when freed).
 */
#ifndef CRMGOV_RESTAPI_POLLER_H
#define CRMGOV_RESTAPI_POLLER_H

#include <pthread.h>

#include "../webhook/webhook.h"
#include "crmgov/host.h"
#include "http.h"

/* One full pull: 0 complete, -1 failed (logged; tried again next poll). */
typedef int (*poller_pull_fn)(void *ctx);

struct poller {
    const struct crmgov_host *host;
    int64_t interval_ms;
    poller_pull_fn pull;
    void *ctx;
    pthread_t thread;
    int running;
};

int poller_start(struct poller *p);
/* Joins the thread; safe to call twice. */
void poller_stop(struct poller *p);

/* A connector's running parts together: the webhook receiver on `listen`
 * (none when NULL) and then the poll thread. On failure nothing is left
 * running and host->set_error says why. */
int poller_start_with_receiver(struct poller *p, const char *listen, size_t max_body,
                               wh_handler_fn handler, void *ctx, struct wh_receiver **receiver);
/* Stops taking calls (the ones in progress finish), then joins the poll
 * thread; safe to call twice. */
void poller_stop_with_receiver(struct poller *p, struct wh_receiver **receiver);

/* The options of the REST client, for a connector's options table. */
#define RESTAPI_OPTIONS                                                                      \
    { .name = "retries", .type = CRMGOV_OPT_INT, .default_value = "5", .min = "0",           \
      .max = "20", .doc = "retries of a failed request (rate limit, server or network "      \
                          "error) before the poll gives up on it" },                          \
    { .name = "retry_base", .type = CRMGOV_OPT_DURATION, .default_value = "1s",              \
      .min = "1ms", .max = "10m", .doc = "first back-off; it doubles on each retry" },        \
    { .name = "retry_max", .type = CRMGOV_OPT_DURATION, .default_value = "2m",               \
      .min = "1ms", .max = "1h",                                                             \
      .doc = "longest single wait, a Retry-After the CRM asks for included" },               \
    { .name = "timeout", .type = CRMGOV_OPT_DURATION, .default_value = "30s", .min = "1s",   \
      .max = "10m", .doc = "time limit of one request" },                                    \
    { .name = "max_response", .type = CRMGOV_OPT_SIZE, .default_value = "32M",               \
      .min = "64k", .max = "1G", .doc = "largest accepted answer" }

void rest_policy_from_config(const struct crmgov_host *host, const struct crmgov_config *config,
                             struct rest_policy *out);

/* A copy of a string option (NULL when unset); aborts when memory runs out. */
char *rest_option_copy(const struct crmgov_host *host, const struct crmgov_config *config,
                       const char *name);
/* Wipes a secret option's copy before freeing it. NULL is fine. */
void rest_secret_free(char *secret);

/* Resolves a path relative to the configuration file's folder (caller frees). */
char *config_path(const struct crmgov_host *host, const struct crmgov_config *config,
                  const char *path);

#endif
