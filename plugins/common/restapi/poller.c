/*
 * poller.c -- see poller.h.
 */
#include "poller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *poll_main(void *arg)
{
    struct poller *p = arg;
    const struct crmgov_host *host = p->host;
    int reported = 0;
    while (!host->stopping(host)) {
        if (p->pull(p->ctx) != 0)
            host->log(host, CRMGOV_LOG_WARN, "this pull was incomplete; what it read is kept, "
                      "the rest is tried again on the next pull");
        if (!reported) {
            host->connector_done(host);
            reported = 1;
        }
        if (host->batch_mode(host) || host->sleep(host, p->interval_ms))
            break;
    }
    if (!reported)
        host->connector_done(host);
    return NULL;
}

int poller_start(struct poller *p)
{
    if (pthread_create(&p->thread, NULL, poll_main, p) != 0)
        return -1;
    p->running = 1;
    return 0;
}

void poller_stop(struct poller *p)
{
    if (p->running) {
        pthread_join(p->thread, NULL);
        p->running = 0;
    }
}

int poller_start_with_receiver(struct poller *p, const char *listen, size_t max_body,
                               wh_handler_fn handler, void *ctx, struct wh_receiver **receiver)
{
    const struct crmgov_host *host = p->host;
    char err[200];
    if (listen) {
        *receiver = wh_start(host, listen, max_body, handler, ctx, err, sizeof(err));
        if (!*receiver) {
            host->set_error(host, "webhook receiver: %s", err);
            return CRMGOV_ERROR;
        }
        host->log(host, CRMGOV_LOG_INFO, "webhook receiver listening on %s (port %u)", listen,
                  wh_port(*receiver));
    }
    if (poller_start(p) != 0) {
        wh_stop(*receiver);
        *receiver = NULL;
        host->set_error(host, "cannot start the poll thread");
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

void poller_stop_with_receiver(struct poller *p, struct wh_receiver **receiver)
{
    wh_stop(*receiver);
    *receiver = NULL;
    poller_stop(p);
}

char *rest_option_copy(const struct crmgov_host *host, const struct crmgov_config *config,
                       const char *name)
{
    const char *v = host->config_string(config, name);
    char *c = v ? strdup(v) : NULL;
    if (v && !c)
        abort();
    return c;
}

void rest_secret_free(char *secret)
{
    if (secret)
        explicit_bzero(secret, strlen(secret));
    free(secret);
}

void rest_policy_from_config(const struct crmgov_host *host, const struct crmgov_config *config,
                             struct rest_policy *out)
{
    out->attempts = (int)host->config_int(config, "retries") + 1;
    out->base_ms = host->config_duration_ms(config, "retry_base");
    out->max_ms = host->config_duration_ms(config, "retry_max");
    out->timeout_ms = host->config_duration_ms(config, "timeout");
    out->max_body = (size_t)host->config_size(config, "max_response");
}

char *config_path(const struct crmgov_host *host, const struct crmgov_config *config,
                  const char *path)
{
    const char *dir = host->config_dir(config);
    size_t len = strlen(dir) + strlen(path) + 2;
    char *full = malloc(len);
    if (!full)
        return NULL;
    if (path[0] == '/' || strcmp(dir, ".") == 0)
        snprintf(full, len, "%s", path);
    else
        snprintf(full, len, "%s/%s", dir, path);
    return full;
}
