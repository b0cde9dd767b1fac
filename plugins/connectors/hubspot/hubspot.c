/*
 * hubspot.c -- the `hubspot` connector: HubSpot workflows (automation v4
 * flows), owners and webhook calls into crmgov.
 *
 * The instance pulls on its own thread (poller.h): once and done in batch
 * mode (`run --once`), every `poll` otherwise. With `listen` set it also
 * runs a webhook receiver that turns HubSpot's signed calls into events
 * between polls. Credentials: a private-app or OAuth access token, given
 * directly (`access_token`, a secret) or in a file (`token_file`) that is
 * read again whenever HubSpot refuses the token in use, so an external
 * refresher can keep it fresh (with both, access_token is the first token
 * and token_file where fresh ones appear). Credentials are checked at start,
 * not init: `crmgov` commands that never start connectors need none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot.h"

static const struct crmgov_option hubspot_options[] = {
    { .name = "system", .type = CRMGOV_OPT_STRING, .flags = CRMGOV_OPT_REQUIRED,
      .doc = "the CRM instance id this account's events carry", .example = "hubspot-prod" },
    { .name = "base_url", .type = CRMGOV_OPT_STRING, .default_value = "https://api.hubapi.com",
      .doc = "HubSpot's API root (http:// only for a local test server)" },
    { .name = "access_token", .type = CRMGOV_OPT_SECRET, .flags = CRMGOV_OPT_SENSITIVE,
      .doc = "private-app or OAuth access token (scopes: automation, crm.objects.owners.read)" },
    { .name = "token_file", .type = CRMGOV_OPT_STRING,
      .doc = "file holding the access token, read again when HubSpot refuses it "
             "(relative to the configuration file)" },
    { .name = "poll", .type = CRMGOV_OPT_DURATION, .default_value = "15m", .min = "1s",
      .max = "7d", .doc = "time between two pulls (ignored by run --once)" },
    { .name = "page_size", .type = CRMGOV_OPT_INT, .default_value = "100", .min = "1",
      .max = "100", .doc = "items asked for per page of a listing" },
    RESTAPI_OPTIONS,
    { .name = "listen", .type = CRMGOV_OPT_STRING,
      .doc = "webhook receiver address: PORT (on 127.0.0.1) or HOST:PORT; unset = none" },
    { .name = "webhook_secret", .type = CRMGOV_OPT_SECRET, .flags = CRMGOV_OPT_SENSITIVE,
      .doc = "the app's client secret, which signs HubSpot's calls (v3 signature)" },
    { .name = "public_url", .type = CRMGOV_OPT_STRING,
      .doc = "the URL HubSpot calls the receiver by, up to the path (e.g. "
             "https://hooks.example.com); default http://HOST from the request" },
    { .name = "max_body", .type = CRMGOV_OPT_SIZE, .default_value = "1M", .min = "1k",
      .max = "64M", .doc = "largest webhook body accepted (larger ones get 413)" },
    { .name = "max_age", .type = CRMGOV_OPT_DURATION, .default_value = "5m", .min = "1s",
      .max = "1h", .doc = "oldest signed timestamp accepted on a webhook call" },
    CRMGOV_OPTIONS_END
};

static void hubspot_free(struct hubspot *hs)
{
    free(hs->system);
    free(hs->base_url);
    rest_secret_free(hs->token);
    free(hs->token_file);
    free(hs->listen);
    rest_secret_free(hs->webhook_secret);
    free(hs->public_url);
    cJSON_Delete(hs->catalog);
    pthread_mutex_destroy(&hs->token_lock);
    pthread_mutex_destroy(&hs->catalog_lock);
    free(hs);
}

static int check_config(const struct crmgov_host *host, struct hubspot *hs)
{
    char err[200];
    if (strncmp(hs->base_url, "https://", 8) != 0 && strncmp(hs->base_url, "http://", 7) != 0) {
        host->set_error(host, "base_url must start with https:// (or http:// for a test server)");
        return -1;
    }
    size_t n = strlen(hs->base_url);
    while (n && hs->base_url[n - 1] == '/')
        hs->base_url[--n] = '\0';
    if (hs->public_url) {
        n = strlen(hs->public_url);
        while (n && hs->public_url[n - 1] == '/')
            hs->public_url[--n] = '\0';
    }
    if (hs->listen && wh_check_listen(hs->listen, err, sizeof(err)) != 0) {
        host->set_error(host, "listen: %s", err);
        return -1;
    }
    return 0;
}

static int hubspot_init(const struct crmgov_host *host, const struct crmgov_config *config,
                        void **state)
{
    struct hubspot *hs = calloc(1, sizeof(*hs));
    if (!hs) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    hs->host = host;
    pthread_mutex_init(&hs->token_lock, NULL);
    pthread_mutex_init(&hs->catalog_lock, NULL);
    hs->system = rest_option_copy(host, config, "system");
    hs->base_url = rest_option_copy(host, config, "base_url");
    hs->token = rest_option_copy(host, config, "access_token");
    const char *file = host->config_string(config, "token_file");
    hs->token_file = file ? config_path(host, config, file) : NULL;
    hs->page_size = (int)host->config_int(config, "page_size");
    rest_policy_from_config(host, config, &hs->policy);
    hs->listen = rest_option_copy(host, config, "listen");
    hs->webhook_secret = rest_option_copy(host, config, "webhook_secret");
    hs->public_url = rest_option_copy(host, config, "public_url");
    hs->max_body = (size_t)host->config_size(config, "max_body");
    hs->max_age_ms = host->config_duration_ms(config, "max_age");
    hs->poller = (struct poller){ .host = host, .interval_ms = host->config_duration_ms(config,
                                                                                        "poll"),
                                  .pull = hs_pull, .ctx = hs };
    if (check_config(host, hs) != 0) {
        hubspot_free(hs);
        return CRMGOV_INVALID_CONFIG;
    }
    if (ledger_open(&hs->ledger, host) != 0) {
        hubspot_free(hs);
        return CRMGOV_ERROR;
    }
    rest_global_init();
    *state = hs;
    return CRMGOV_OK;
}

static int hubspot_start(void *state)
{
    struct hubspot *hs = state;
    const struct crmgov_host *host = hs->host;
    if (!hs->token && !hs->token_file) {
        host->set_error(host, "set access_token or token_file");
        return CRMGOV_INVALID_CONFIG;
    }
    if (hs->token_file && !hs->token && hs_load_token_file(hs) < 0) {
        host->set_error(host, "cannot read a token from token_file %s", hs->token_file);
        return CRMGOV_INVALID_CONFIG;
    }
    if (hs->listen && (!hs->webhook_secret || !hs->webhook_secret[0])) {
        host->set_error(host, "listen needs webhook_secret: unsigned calls are never accepted");
        return CRMGOV_INVALID_CONFIG;
    }
    return poller_start_with_receiver(&hs->poller, hs->listen, hs->max_body, hs_hook, hs,
                                      &hs->receiver);
}

static int hubspot_stop(void *state)
{
    struct hubspot *hs = state;
    if (hs)
        poller_stop_with_receiver(&hs->poller, &hs->receiver);
    return CRMGOV_OK;
}

static void hubspot_fini(void *state)
{
    struct hubspot *hs = state;
    if (!hs)
        return;
    hubspot_stop(hs);
    ledger_close(&hs->ledger);
    hubspot_free(hs);
    rest_global_done();
}

static const struct crmgov_plugin hubspot_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "hubspot",
    .version = "1.0.0",
    .description = "HubSpot workflows, owners and webhook calls (automation v4 API)",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_CONNECTOR,
    CRMGOV_PLUGIN_OPTIONS(hubspot_options),
    .init = hubspot_init,
    .fini = hubspot_fini,
    .start = hubspot_start,
    .stop = hubspot_stop,
};

CRMGOV_PLUGIN_EXPORT(hubspot_plugin)
