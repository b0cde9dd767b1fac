/*
 * hs_hook.c -- what HubSpot's calls to the webhook receiver become.
 *
 *   POST /webhooks                      webhooks-API subscriptions (an array
 *                                       of events) -> record events
 *   POST /automations/{flow}/execution  a workflow's "send a webhook" step
 *                                       -> an execution of that flow
 *   POST /automations/{flow}/changed    the flow was edited -> it is fetched
 *                                       and reported right away
 *
 * Every call must carry a valid v3 signature made with the app's secret and
 * a timestamp at most max_age old; anything else is refused with 401 before
 * its body is looked at. A call is answered 200 only once what it said is
 * committed (publish, then flush), so HubSpot's retry of an unanswered call
 * is the only way anything is ever seen twice. A call understood but of no
 * interest (an association change) is still answered 200: asking HubSpot to
 * retry it would change nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_map.h"
#include "hubspot.h"

static int signature_ok(struct hubspot *hs, const struct wh_request *req, struct wh_reply *reply)
{
    char base[512];
    if (hs->public_url)
        snprintf(base, sizeof(base), "%s", hs->public_url);
    else
        snprintf(base, sizeof(base), "http://%s",
                 wh_header(req, "Host") ? wh_header(req, "Host") : "localhost");
    char *uri = wh_hubspot_uri(base, req->raw_uri);
    if (!uri) {
        wh_reply_set(reply, 500, "out of memory");
        return 0;
    }
    enum wh_verdict v = wh_hubspot_verify(
        hs->webhook_secret, req->method, uri, req->body, req->body_len,
        wh_header(req, "X-HubSpot-Request-Timestamp"), wh_header(req, "X-HubSpot-Signature-v3"),
        wall_clock_ms(), hs->max_age_ms);
    free(uri);
    if (v == WH_VALID)
        return 1;
    wh_reply_set(reply, 401, v == WH_MISSING ? "missing signature or timestamp"
                           : v == WH_STALE ? "stale or invalid timestamp"
                                           : "bad signature");
    hs->host->log(hs->host, CRMGOV_LOG_WARN, "webhook %s %s refused: %s", req->method,
                  req->path, reply->message);
    return 0;
}

static crmgov_time request_time(const struct wh_request *req)
{
    const char *ts = wh_header(req, "X-HubSpot-Request-Timestamp");
    return ts ? (crmgov_time)strtoll(ts, NULL, 10) : wall_clock_ms();
}

/* Published, refused (dead letter) and lost-to-shutdown counts. */
struct tally {
    int used, refused, stopped;
};

static void publish_counted(struct hubspot *hs, cJSON *ev, struct tally *t)
{
    int rc = event_publish(hs->host, ev, "hubspot:webhook");
    if (rc == CRMGOV_OK)
        t->used++;
    else if (rc == 1)
        t->refused++;
    else
        t->stopped++;
}

static void record_events(struct hubspot *hs, const cJSON *body, crmgov_time fallback,
                          struct tally *t, int *ignored)
{
    const cJSON *one = body, *list = cJSON_IsArray(body) ? body : NULL;
    for (const cJSON *e = list ? list->child : one; e; e = list ? e->next : NULL) {
        const cJSON *when = cJSON_GetObjectItemCaseSensitive(e, "occurredAt");
        crmgov_time at = cJSON_IsNumber(when) && when->valuedouble > 0
                             ? (crmgov_time)when->valuedouble
                             : fallback;
        cJSON *ev = event_new(hs->host, "record", hs->system, at);
        if (hs_map_webhook_event(e, ev) == 0) {
            publish_counted(hs, ev, t);
        } else {
            cJSON_Delete(ev);
            (*ignored)++;
        }
    }
}

static int object_of(void *ctx, const struct crmgov_inventory_item *item)
{
    snprintf(ctx, 64, "%s", item->automation->object);
    return 0;
}

static int execution_event(struct hubspot *hs, const char *flow, const cJSON *body,
                           crmgov_time at, struct tally *t)
{
    char rbuf[32], object[64] = "";
    const char *record = hs_webhook_record_id(body, rbuf, sizeof(rbuf));
    if (!record)
        return -1;
    hs->host->inventory_get(hs->host, hs->system, flow, object_of, object);
    cJSON *ev = event_new(hs->host, "execution", hs->system, at);
    cJSON_AddStringToObject(ev, "automation", flow);
    if (object[0])
        cJSON_AddStringToObject(ev, "object", object);
    cJSON_AddStringToObject(ev, "record", record);
    cJSON_AddStringToObject(ev, "status", "ok");
    publish_counted(hs, ev, t);
    return 0;
}

/* Publishes what the body says; 0, or -1 with the reply set. */
static int handle_body(struct hubspot *hs, enum wh_route route, const char *id,
                       const struct wh_request *req, struct tally *t, struct wh_reply *reply)
{
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    if (!body || !(cJSON_IsArray(body) || cJSON_IsObject(body))) {
        cJSON_Delete(body);
        wh_reply_set(reply, 400, "the body is not a JSON object or array");
        return -1;
    }
    int ignored = 0, rc = 0;
    if (route == WH_ROUTE_EVENTS) {
        record_events(hs, body, request_time(req), t, &ignored);
        snprintf(reply->message, sizeof(reply->message), "%d events recorded, %d ignored",
                 t->used, ignored + t->refused);
    } else if (execution_event(hs, id, body, request_time(req), t) != 0) {
        wh_reply_set(reply, 400, "no record id (objectId, hs_object_id or vid) in the body");
        rc = -1;
    } else {
        snprintf(reply->message, sizeof(reply->message), "execution of %.80s recorded", id);
    }
    cJSON_Delete(body);
    return rc;
}

static void handle_changed(struct hubspot *hs, const char *id, struct wh_reply *reply)
{
    struct rest_client *client = hs_client(hs);
    int rc = client ? hs_refresh_flow(hs, client, id) : -1;
    rest_client_free(client);
    if (rc < 0)
        wh_reply_set(reply, 502, "could not read the flow from HubSpot; try again");
    else
        snprintf(reply->message, sizeof(reply->message), "flow %.80s %s", id,
                 rc == 0 ? "unchanged" : "recorded");
}

void hs_hook(void *ctx, const struct wh_request *req, struct wh_reply *reply)
{
    struct hubspot *hs = ctx;
    char id[128];
    enum wh_route route = wh_route_of(req->path, "/webhooks", id, sizeof(id));
    if (route == WH_ROUTE_NONE) {
        wh_reply_set(reply, 404, "unknown path");
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        wh_reply_set(reply, 405, "POST only");
        return;
    }
    if (!signature_ok(hs, req, reply))
        return;
    struct tally t = { 0 };
    reply->status = 200;
    if (route == WH_ROUTE_CHANGED)
        handle_changed(hs, id, reply);
    else if (handle_body(hs, route, id, req, &t, reply) != 0)
        return;
    if (t.stopped || hs->host->flush(hs->host) != CRMGOV_OK)
        wh_reply_set(reply, 503, "crmgov is stopping; send it again later");
}
