/*
 * webhook.c -- the `webhook` sink: findings to the people accountable for
 * them, over HTTP, once, without flooding anyone.
 *
 * On every finding transition (raised, escalated, cleared) the dispatcher
 * calls on_finding() inside the batch's transaction. It routes the finding
 * (route.c), then per recipient either counts an immediate message against
 * the recipient's daily cap or folds the finding into the recipient's next
 * digest (policy.c, digest.c), and queues one delivery in the outbox
 * (outbox.c) -- all with state_put, so it commits with the finding change.
 * Ticks and findings also move the digest clock: when event time passes
 * `digest_at`, each recipient's waiting items become one digest delivery.
 * The delivery thread (deliver.c) sends what was committed.
 *
 * With `channel` set the sink talks to one chat channel instead: the
 * channel is the single recipient (cap and digest are the channel's), and
 * each message names the accountable people.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "../common/finding_json.h"
#include "digest.h"
#include "outbox.h"
#include "webhook.h"

static const struct crmgov_option webhook_options[] = {
    { .name = "url", .type = CRMGOV_OPT_STRING,
      .flags = CRMGOV_OPT_REQUIRED | CRMGOV_OPT_SENSITIVE,
      .doc = "where to POST (http or https); masked in output, as chat webhook URLs are secrets",
      .example = "https://hooks.example.com/crmgov" },
    { .name = "format", .type = CRMGOV_OPT_ENUM, .default_value = "json",
      .allowed = "json|slack",
      .doc = "json: the crmgov payload; slack: a Slack-compatible incoming-webhook message" },
    { .name = "secret", .type = CRMGOV_OPT_SECRET,
      .doc = "HMAC-SHA256 key: X-Crmgov-Signature = sha256=HEX over TIMESTAMP.BODY" },
    { .name = "channel", .type = CRMGOV_OPT_STRING,
      .doc = "deliver every message to this one chat channel (it is then the recipient the "
             "cap and digest count); the message names the accountable people",
      .example = "#crm-governance" },
    { .name = "roles", .type = CRMGOV_OPT_LIST,
      .default_value = "ownership:system,audit:outcome,change:decision",
      .doc = "LAYER:ROLE items: which owners hear about a layer's findings" },
    { .name = "default_role", .type = CRMGOV_OPT_ENUM, .default_value = "system",
      .allowed = "system|decision|outcome", .doc = "owner role for layers not in roles" },
    { .name = "fallback_owner", .type = CRMGOV_OPT_STRING,
      .doc = "principal for orphaned automations and findings without one "
             "(default: fallback_owner of the ownership layer)",
      .example = "u-1" },
    { .name = "teams", .type = CRMGOV_OPT_LIST,
      .doc = "TEAM:SEVERITY items: the team also gets findings of that severity or worse; "
             "its address comes from [contacts]",
      .example = "secops:critical,crm-admins:high" },
    { .name = "mode_critical", .type = CRMGOV_OPT_ENUM, .default_value = "immediate",
      .allowed = "immediate|digest|off", .doc = "how critical findings are delivered" },
    { .name = "mode_high", .type = CRMGOV_OPT_ENUM, .default_value = "immediate",
      .allowed = "immediate|digest|off", .doc = "how high findings are delivered" },
    { .name = "mode_medium", .type = CRMGOV_OPT_ENUM, .default_value = "digest",
      .allowed = "immediate|digest|off", .doc = "how medium findings are delivered" },
    { .name = "mode_low", .type = CRMGOV_OPT_ENUM, .default_value = "digest",
      .allowed = "immediate|digest|off", .doc = "how low findings are delivered" },
    { .name = "mode_info", .type = CRMGOV_OPT_ENUM, .default_value = "digest",
      .allowed = "immediate|digest|off", .doc = "how info findings are delivered" },
    { .name = "digest_at", .type = CRMGOV_OPT_STRING, .default_value = "08:00",
      .doc = "HH:MM (UTC, event time) when each recipient's daily digest goes out" },
    { .name = "max_per_recipient_per_day", .type = CRMGOV_OPT_INT, .default_value = "20",
      .min = "1", .max = "100000",
      .doc = "messages per recipient per digest day, digest included; the rest fold into "
             "the digest" },
    { .name = "timeout", .type = CRMGOV_OPT_DURATION, .default_value = "10s", .min = "100ms",
      .max = "5m", .doc = "longest one delivery may take" },
    { .name = "connect_timeout", .type = CRMGOV_OPT_DURATION, .default_value = "5s",
      .min = "100ms", .max = "5m", .doc = "longest a connection may take to open" },
    { .name = "retry_initial", .type = CRMGOV_OPT_DURATION, .default_value = "1s",
      .min = "10ms", .max = "1h", .doc = "first retry wait (doubles, with jitter)" },
    { .name = "retry_max", .type = CRMGOV_OPT_DURATION, .default_value = "5m", .min = "10ms",
      .max = "1d", .doc = "longest retry wait" },
    { .name = "give_up_after", .type = CRMGOV_OPT_DURATION, .default_value = "3d",
      .max = "365d",
      .doc = "mark a delivery failed when it still fails this long after its first failure "
             "(0: never)" },
    { .name = "drain_timeout", .type = CRMGOV_OPT_DURATION, .default_value = "30s",
      .max = "1h", .doc = "at stop, how long to keep delivering what is queued" },
    { .name = "poll_interval", .type = CRMGOV_OPT_DURATION, .default_value = "2s",
      .min = "10ms", .max = "1h",
      .doc = "how often the outbox is read again for deliveries queued by other processes" },
    { .name = "ca_file", .type = CRMGOV_OPT_STRING,
      .doc = "CA bundle for https (default: the system's)", .example = "/etc/ssl/certs/ca.pem" },
    CRMGOV_OPTIONS_END
};

/* ------------------------------------------------------------------------ */
/* queueing                                                                  */

static char *join_ids(const struct recipients *list)
{
    size_t n = 1;
    for (size_t i = 0; i < list->n; i++)
        n += strlen(list->items[i].id) + 1;
    char *s = calloc(1, n);
    if (!s)
        abort();
    for (size_t i = 0; i < list->n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, list->items[i].id);
    }
    return s;
}

static void finding_material(const struct crmgov_finding *f, crmgov_time at,
                             const struct recipients *to, char **out)
{
    char *keys = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&keys, &len);
    if (!m)
        abort();
    fprintf(m, "finding\n%s\n%s\n%s\n%s\n%s\n%lld", f->rule ? f->rule : "",
            f->system ? f->system : "", f->automation ? f->automation : "",
            f->subject ? f->subject : "", sink_transition_name((int)f->transition),
            (long long)at);
    for (size_t i = 0; i < to->n; i++)
        fprintf(m, "\n%s", to->items[i].key);
    fclose(m);
    *out = keys;
}

static int queue_finding(struct webhook *w, const struct crmgov_finding *f, crmgov_time at,
                         const struct recipients *to, const struct recipients *accountable)
{
    char *material, id[33];
    finding_material(f, at, to, &material);
    message_id(w->instance, material, id);
    free(material);
    char *body = message_finding(&w->message, id, f, at, to, accountable);
    char *summary = message_summary(f);
    char *ids = join_ids(to);
    int rc = outbox_enqueue(w->host, "finding", id, at, summary, ids, body);
    free(ids);
    free(summary);
    free(body);
    return rc;
}

static int emit_digest(void *ctx, const struct recipient *r, cJSON *items, crmgov_time at)
{
    struct webhook *w = ctx;
    char *material = NULL, id[33];
    if (asprintf(&material, "digest\n%s\n%lld", r->key, (long long)at) < 0)
        abort();
    message_id(w->instance, material, id);
    free(material);
    char *body = message_digest(&w->message, id, r, items, at);
    char summary[96];
    int n = cJSON_GetArraySize(items);
    snprintf(summary, sizeof(summary), "digest of %d finding change%s", n, n == 1 ? "" : "s");
    int rc = outbox_enqueue(w->host, "digest", id, at, summary, r->id, body);
    free(body);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* callbacks (dispatcher thread, inside the batch's transaction)             */

static void flush_digests(struct webhook *w, crmgov_time now)
{
    if (digest_flush_due(w->host, &w->policy, now, emit_digest, w) > 0 && w->deliverer)
        deliverer_wake(w->deliverer);
}

/* Splits the audience into who gets it now and who gets it in the digest. */
static void deliver_or_fold(struct webhook *w, const struct crmgov_finding *f, crmgov_time at,
                            enum delivery_mode mode, const struct recipients *audience,
                            struct recipients *now)
{
    for (size_t i = 0; i < audience->n; i++) {
        const struct recipient *r = &audience->items[i];
        if (mode == MODE_IMMEDIATE && digest_cap_take(w->host, &w->policy, r->key, at)) {
            recipients_add(now, r);
            continue;
        }
        digest_add(w->host, r, message_digest_item(w->host, f, at, mode == MODE_IMMEDIATE));
        if (mode == MODE_IMMEDIATE)
            w->host->metric_add(w->host, "webhook.folded", 1);
    }
}

static int on_finding(void *state, const struct crmgov_event *ev)
{
    struct webhook *w = state;
    const struct crmgov_finding *f = ev->u.finding;
    flush_digests(w, ev->at);
    enum delivery_mode mode = policy_mode(&w->policy, (int)f->severity);
    if (mode == MODE_OFF)
        return CRMGOV_OK;
    struct recipients accountable = { 0 }, audience = { 0 }, now = { 0 };
    route_finding(w->host, &w->route, f, &accountable);
    if (w->channel)
        route_channel(w->channel, &audience);
    const struct recipients *to = w->channel ? &audience : &accountable;
    if (to->n == 0)
        w->host->log(w->host, CRMGOV_LOG_WARN, "%s %s/%s reaches nobody: set fallback_owner",
                     f->rule, f->system, f->automation ? f->automation : "-");
    deliver_or_fold(w, f, ev->at, mode, to, &now);
    int rc = now.n ? queue_finding(w, f, ev->at, &now, &accountable) : CRMGOV_OK;
    if (now.n && w->deliverer)
        deliverer_wake(w->deliverer);
    recipients_free(&accountable);
    recipients_free(&audience);
    recipients_free(&now);
    return rc;
}

static int on_tick(void *state, const struct crmgov_event *ev)
{
    flush_digests(state, ev->at);
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* configuration                                                             */

static int read_policy(const struct crmgov_host *host, const struct crmgov_config *config,
                       struct policy *p)
{
    static const char *const names[POLICY_SEVERITIES] = { "mode_info", "mode_low",
                                                          "mode_medium", "mode_high",
                                                          "mode_critical" };
    for (int i = 0; i < POLICY_SEVERITIES; i++)
        p->mode[i] = (enum delivery_mode)policy_mode_parse(host->config_string(config, names[i]));
    p->max_per_day = host->config_int(config, "max_per_recipient_per_day");
    const char *at = host->config_string(config, "digest_at");
    p->digest_at_ms = policy_time_of_day(at);
    if (p->digest_at_ms < 0) {
        host->set_error(host, "digest_at '%s' is not HH:MM (00:00 to 23:59, UTC)", at);
        return CRMGOV_INVALID_CONFIG;
    }
    return CRMGOV_OK;
}

static int read_route(const struct crmgov_host *host, const struct crmgov_config *config,
                      struct route_config *rc)
{
    static const char *const roles[] = { "system", "decision", "outcome" };
    const char *const *role_items, *const *team_items;
    size_t n_roles = host->config_list(config, "roles", &role_items);
    size_t n_teams = host->config_list(config, "teams", &team_items);
    const char *default_role = host->config_string(config, "default_role");
    int role = 0;
    for (int i = 0; i < 3; i++)
        if (strcmp(roles[i], default_role) == 0)
            role = i;
    char err[256];
    if (route_config_init(rc, role_items, n_roles, role,
                          host->config_string(config, "fallback_owner"), team_items, n_teams,
                          err, sizeof(err)) != 0) {
        host->set_error(host, "%s", err);
        return CRMGOV_INVALID_CONFIG;
    }
    return CRMGOV_OK;
}

static void read_deliver(const struct crmgov_host *host, const struct crmgov_config *config,
                         struct deliver_config *d)
{
    d->url = host->config_string(config, "url");
    d->secret = host->config_string(config, "secret");
    d->ca_file = host->config_string(config, "ca_file");
    d->user_agent = "crmgov-webhook/1.0";
    d->timeout_ms = host->config_duration_ms(config, "timeout");
    d->connect_timeout_ms = host->config_duration_ms(config, "connect_timeout");
    d->retry_initial_ms = host->config_duration_ms(config, "retry_initial");
    d->retry_max_ms = host->config_duration_ms(config, "retry_max");
    d->give_up_after_ms = host->config_duration_ms(config, "give_up_after");
    d->drain_timeout_ms = host->config_duration_ms(config, "drain_timeout");
    d->poll_ms = host->config_duration_ms(config, "poll_interval");
    if (d->secret && !*d->secret)
        d->secret = NULL;
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

static void webhook_fini(void *state)
{
    struct webhook *w = state;
    if (!w)
        return;
    deliverer_free(w->deliverer);
    hub_leave(w);
    route_config_free(&w->route);
    free(w);
    curl_global_cleanup();
}

static int webhook_setup(struct webhook *w, const struct crmgov_config *config)
{
    const struct crmgov_host *host = w->host;
    int rc = read_policy(host, config, &w->policy);
    if (rc == CRMGOV_OK)
        rc = read_route(host, config, &w->route);
    if (rc != CRMGOV_OK)
        return rc;
    read_deliver(host, config, &w->deliver);
    const char *channel = host->config_string(config, "channel");
    w->channel = channel && *channel ? channel : NULL;
    const char *format = host->config_string(config, "format");
    w->message = (struct message_ctx){ host, w->instance,
                                       strcmp(format, "slack") == 0 ? FORMAT_SLACK
                                                                    : FORMAT_JSON };
    w->deliverer = deliverer_new(host, &w->deliver);
    if (!w->deliverer || hub_join_or_lead(w) != CRMGOV_OK ||
        host->subscribe(host, CRMGOV_TOPIC_FINDING, on_finding, w) != CRMGOV_OK ||
        host->subscribe(host, CRMGOV_TOPIC_TICK, on_tick, w) != CRMGOV_OK) {
        host->set_error(host, "could not set up the sink");
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

static int webhook_init(const struct crmgov_host *host, const struct crmgov_config *config,
                        void **state)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        host->set_error(host, "libsodium or libcurl could not start");
        return CRMGOV_ERROR;
    }
    struct webhook *w = calloc(1, sizeof(*w));
    if (!w) {
        curl_global_cleanup();
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    w->host = host;
    w->instance = host->instance;
    int rc = webhook_setup(w, config);
    if (rc != CRMGOV_OK) {
        webhook_fini(w);
        return rc;
    }
    *state = w;
    return CRMGOV_OK;
}

static int webhook_start(void *state)
{
    struct webhook *w = state;
    if (deliverer_start(w->deliverer) != CRMGOV_OK) {
        w->host->set_error(w->host, "cannot start the delivery thread");
        return CRMGOV_ERROR;
    }
    return CRMGOV_OK;
}

static int webhook_stop(void *state)
{
    struct webhook *w = state;
    deliverer_stop(w->deliverer);
    return CRMGOV_OK;
}

static const struct crmgov_plugin webhook_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "webhook",
    .version = "1.0.0",
    .description = "delivers findings to their owners over HTTP: routing, digests, durable "
                   "outbox, signed requests",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_SINK,
    CRMGOV_PLUGIN_OPTIONS(webhook_options),
    .init = webhook_init,
    .fini = webhook_fini,
    .start = webhook_start,
    .stop = webhook_stop,
};

CRMGOV_PLUGIN_EXPORT(webhook_plugin)
