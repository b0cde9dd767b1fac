/*
 * bitrix24.c -- the `bitrix24` connector: business processes, stage robots,
 * users and outbound events of a Bitrix24 portal into crmgov.
 *
 * The portal is reached through an inbound-webhook URL (Developer resources
 * > Other > Inbound webhook, with the bizproc and user scopes), which holds
 * the portal's secret and is therefore a secret option. Pulls run on their
 * own thread like every polling connector (poller.h). With `listen` set, a
 * webhook receiver takes the portal's outbound events (record changes) and
 * process steps that report executions, between polls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bitrix24.h"

static const struct crmgov_option bitrix24_options[] = {
    { .name = "system", .type = CRMGOV_OPT_STRING, .flags = CRMGOV_OPT_REQUIRED,
      .doc = "the CRM instance id this portal's events carry", .example = "b24-prod" },
    { .name = "webhook_url", .type = CRMGOV_OPT_SECRET,
      .flags = CRMGOV_OPT_REQUIRED | CRMGOV_OPT_SENSITIVE,
      .doc = "the portal's inbound-webhook URL, https://PORTAL/rest/USER_ID/SECRET/ "
             "(scopes bizproc and user)",
      .example = "http://127.0.0.1:9/rest/1/0123456789abcdef/" },
    { .name = "poll", .type = CRMGOV_OPT_DURATION, .default_value = "15m", .min = "1s",
      .max = "7d", .doc = "time between two pulls (ignored by run --once)" },
    { .name = "robots_method", .type = CRMGOV_OPT_STRING,
      .doc = "a REST method answering {STAGE: [robot...]} for a document type, where the "
             "portal exposes stage robots that way; unset = robots from automation templates "
             "only" },
    { .name = "robot_document_types", .type = CRMGOV_OPT_LIST,
      .default_value = "crm:CCrmDocumentDeal:DEAL,crm:CCrmDocumentLead:LEAD",
      .doc = "document types (module:class:type) whose robots robots_method is asked for" },
    RESTAPI_OPTIONS,
    { .name = "listen", .type = CRMGOV_OPT_STRING,
      .doc = "webhook receiver address: PORT (on 127.0.0.1) or HOST:PORT; unset = none" },
    { .name = "application_token", .type = CRMGOV_OPT_SECRET, .flags = CRMGOV_OPT_SENSITIVE,
      .doc = "the token Bitrix24 puts in auth[application_token] of its outbound calls" },
    { .name = "max_body", .type = CRMGOV_OPT_SIZE, .default_value = "1M", .min = "1k",
      .max = "64M", .doc = "largest webhook body accepted (larger ones get 413)" },
    CRMGOV_OPTIONS_END
};

static void bitrix24_free(struct bitrix24 *b)
{
    free(b->system);
    rest_secret_free(b->webhook_url);
    free(b->robots_method);
    free(b->listen);
    rest_secret_free(b->application_token);
    pthread_mutex_destroy(&b->pull_lock);
    free(b);
}

/* The inbound-webhook URL with exactly one trailing slash. */
static char *webhook_base(const char *url)
{
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        n--;
    char *base = malloc(n + 2);
    if (!base)
        abort();
    memcpy(base, url, n);
    base[n] = '/';
    base[n + 1] = '\0';
    return base;
}

static int check_config(const struct crmgov_host *host, struct bitrix24 *b)
{
    char err[200];
    if (strncmp(b->webhook_url, "https://", 8) != 0 && strncmp(b->webhook_url, "http://", 7) != 0) {
        host->set_error(host, "webhook_url must start with https:// (or http:// for a test "
                              "server)");
        return -1;
    }
    for (size_t i = 0; i < b->n_robot_types; i++) {
        const char *t = b->robot_types[i], *c1 = strchr(t, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1 || !c2 || c1 == t || c2 == c1 + 1 || !c2[1] || strchr(c2 + 1, ':')) {
            host->set_error(host, "robot_document_types: '%s' is no module:class:type", t);
            return -1;
        }
    }
    if (b->listen && wh_check_listen(b->listen, err, sizeof(err)) != 0) {
        host->set_error(host, "listen: %s", err);
        return -1;
    }
    return 0;
}

static int bitrix24_init(const struct crmgov_host *host, const struct crmgov_config *config,
                         void **state)
{
    struct bitrix24 *b = calloc(1, sizeof(*b));
    if (!b || sodium_init() < 0) {
        free(b);
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    b->host = host;
    pthread_mutex_init(&b->pull_lock, NULL);
    b->system = rest_option_copy(host, config, "system");
    b->webhook_url = webhook_base(host->config_string(config, "webhook_url"));
    b->robots_method = rest_option_copy(host, config, "robots_method");
    b->n_robot_types = host->config_list(config, "robot_document_types", &b->robot_types);
    rest_policy_from_config(host, config, &b->policy);
    b->listen = rest_option_copy(host, config, "listen");
    b->application_token = rest_option_copy(host, config, "application_token");
    b->max_body = (size_t)host->config_size(config, "max_body");
    b->poller = (struct poller){ .host = host,
                                 .interval_ms = host->config_duration_ms(config, "poll"),
                                 .pull = b24_pull, .ctx = b };
    if (check_config(host, b) != 0) {
        bitrix24_free(b);
        return CRMGOV_INVALID_CONFIG;
    }
    if (ledger_open(&b->ledger, host) != 0) {
        bitrix24_free(b);
        return CRMGOV_ERROR;
    }
    rest_global_init();
    *state = b;
    return CRMGOV_OK;
}

static int bitrix24_start(void *state)
{
    struct bitrix24 *b = state;
    if (b->listen && (!b->application_token || !b->application_token[0])) {
        b->host->set_error(b->host, "listen needs application_token: calls without it are "
                                    "never accepted");
        return CRMGOV_INVALID_CONFIG;
    }
    return poller_start_with_receiver(&b->poller, b->listen, b->max_body, b24_hook, b,
                                      &b->receiver);
}

static int bitrix24_stop(void *state)
{
    struct bitrix24 *b = state;
    if (b)
        poller_stop_with_receiver(&b->poller, &b->receiver);
    return CRMGOV_OK;
}

static void bitrix24_fini(void *state)
{
    struct bitrix24 *b = state;
    if (!b)
        return;
    bitrix24_stop(b);
    ledger_close(&b->ledger);
    bitrix24_free(b);
    rest_global_done();
}

static const struct crmgov_plugin bitrix24_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "bitrix24",
    .version = "1.0.0",
    .description = "Bitrix24 business processes, stage robots, users and outbound events",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_CONNECTOR,
    CRMGOV_PLUGIN_OPTIONS(bitrix24_options),
    .init = bitrix24_init,
    .fini = bitrix24_fini,
    .start = bitrix24_start,
    .stop = bitrix24_stop,
};

CRMGOV_PLUGIN_EXPORT(bitrix24_plugin)
