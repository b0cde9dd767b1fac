/*
 * message.h -- the bytes a webhook receiver gets: a finding message or a
 * digest, as crmgov JSON or as a Slack-compatible incoming-webhook payload.
 *
 * JSON (format = json), a finding:
 *   {"type":"finding","id":ID,"sink":INSTANCE,"at":TIME,"transition":T,
 *    "finding":{...the findings contract...},"recipients":[...],
 *    "accountable":[...],"commands":["crmgov findings ...", ...]}
 * `recipients` are who this message is for (the owners under their daily
 * cap, or the channel); `accountable` everyone routing named. A digest:
 *   {"type":"digest","id":ID,"sink":INSTANCE,"at":BOUNDARY,
 *    "recipients":[one],"items":[{"at","transition","folded","finding",
 *    "commands"}...],"commands":[...]}
 * Slack (format = slack): {"text": a plain summary, "blocks": mrkdwn
 * sections}; the same content, readable in a channel.
 *
 * Everything in a body is event time or stored fact, so the same history
 * builds the same bytes: retries and replays are byte-identical.
 */
#ifndef CRMGOV_WEBHOOK_MESSAGE_H
#define CRMGOV_WEBHOOK_MESSAGE_H

#include <cjson/cJSON.h>

#include "crmgov/host.h"

#include "route.h"

enum message_format {
    FORMAT_JSON = 0,
    FORMAT_SLACK
};

struct message_ctx {
    const struct crmgov_host *host;
    const char *sink;               /* the instance name */
    enum message_format format;
};

/* The idempotency key: 32 hex digits of SHA-256 over the sink name and
 * material, into out[33]. */
void message_id(const char *sink, const char *material, char out[33]);

/* The crmgov commands that show more about a finding. */
cJSON *message_commands(const struct crmgov_finding *f);

/* A finding message body. Caller frees. */
char *message_finding(const struct message_ctx *m, const char *id,
                      const struct crmgov_finding *f, crmgov_time at,
                      const struct recipients *to, const struct recipients *accountable);

/* One digest item: {"at","transition","folded","finding","commands"}. */
cJSON *message_digest_item(const struct crmgov_host *host, const struct crmgov_finding *f,
                           crmgov_time at, int folded);

/* A digest body for recipient r with its items (a cJSON array). Caller frees. */
char *message_digest(const struct message_ctx *m, const char *id, const struct recipient *r,
                     const cJSON *items, crmgov_time at);

/* "OWN003 sf-prod/wf-x raised" -- the summary `crmgov outbox` shows. */
char *message_summary(const struct crmgov_finding *f);

/* Mrkdwn escaping for Slack: & < > become entities. Caller frees. */
char *message_slack_escape(const char *text);

#endif
