/*
 * b24_hook.c -- what Bitrix24's calls to the webhook receiver become.
 *
 *   POST /events                         outbound events (ONCRMDEALUPDATE...,
 *                                        a form or JSON) -> record events
 *   GET|POST /automations/{id}/execution a process's or robot's "webhook"
 *                                        step -> an execution of {id}
 *                                        (document_id, status, error, ts)
 *   POST /automations/{id}/changed       definitions changed -> they are
 *                                        pulled right away
 *
 * Bitrix24 signs nothing; what proves a call came from the portal is the
 * application token it carries (auth[application_token] in an event, or an
 * application_token parameter a process step adds to its URL), compared in
 * constant time with the configured one. Without it: 401. As with HubSpot,
 * 200 means committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b24_map.h"
#include "bitrix24.h"

/* The body as JSON: a JSON object, or a form turned into one; an empty
 * body is an empty object. NULL for anything else. */
static cJSON *parse_body(const struct wh_request *req)
{
    if (req->body_len == 0)
        return cJSON_CreateObject();
    const char *type = wh_header(req, "Content-Type");
    if (type && strncasecmp(type, "application/json", 16) == 0) {
        cJSON *doc = cJSON_ParseWithLength(req->body, req->body_len);
        if (cJSON_IsObject(doc))
            return doc;
        cJSON_Delete(doc);
        return NULL;
    }
    return wh_form_parse(req->body, req->body_len);
}

/* A parameter from the query, else the body. */
static const char *param(const struct wh_request *req, const cJSON *body, const char *name)
{
    const char *q = wh_query(req, name);
    if (q)
        return q;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int token_ok(const struct bitrix24 *b, const struct wh_request *req, const cJSON *body)
{
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(body, "auth");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(auth, "application_token");
    const char *given = cJSON_IsString(t) ? t->valuestring : param(req, body, "application_token");
    return wh_token_equal(b->application_token, given);
}

/* ts in seconds (Bitrix24 sends a string), else now. */
static crmgov_time seconds_at(const char *ts)
{
    char *end;
    long long s = ts ? strtoll(ts, &end, 10) : -1;
    return ts && *ts && !*end && s > 0 ? (crmgov_time)s * 1000 : wall_clock_ms();
}

static const char *text_of(const cJSON *o, const char *name, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, size, "%lld", (long long)v->valuedouble);
        return buf;
    }
    return NULL;
}

static int record_event(struct bitrix24 *b, const cJSON *body, struct wh_reply *reply)
{
    char tbuf[32];
    cJSON *ev = event_new(b->host, "record", b->system,
                          seconds_at(text_of(body, "ts", tbuf, sizeof(tbuf))));
    if (b24_map_outbound_event(body, ev) != 0) {
        cJSON_Delete(ev);
        wh_reply_set(reply, 200, "ignored: not a CRM record event");
        return 0;
    }
    int rc = event_publish(b->host, ev, "bitrix24:event");
    wh_reply_set(reply, 200, rc == 1 ? "refused by the validator (see dead letters)"
                                   : "event recorded");
    return rc < 0 ? -1 : 0;
}

static int object_of(void *ctx, const struct crmgov_inventory_item *item)
{
    snprintf(ctx, 64, "%s", item->automation->object);
    return 0;
}

/* "DEAL_123" -> "123"; a bare id as it is. */
static const char *record_id(const char *document_id)
{
    const char *underscore = strrchr(document_id, '_');
    return underscore && underscore[1] ? underscore + 1 : document_id;
}

static int execution_event(struct bitrix24 *b, const char *id, const struct wh_request *req,
                           const cJSON *body, struct wh_reply *reply)
{
    const char *doc = param(req, body, "document_id");
    const char *status = param(req, body, "status");
    const char *error = param(req, body, "error");
    if (!doc || !doc[0]) {
        wh_reply_set(reply, 400, "document_id is missing");
        return 1;
    }
    if (status && strcmp(status, "ok") != 0 && strcmp(status, "failed") != 0 &&
        strcmp(status, "skipped") != 0) {
        wh_reply_set(reply, 400, "status must be ok, failed or skipped");
        return 1;
    }
    char object[64] = "";
    b->host->inventory_get(b->host, b->system, id, object_of, object);
    cJSON *ev = event_new(b->host, "execution", b->system, seconds_at(param(req, body, "ts")));
    cJSON_AddStringToObject(ev, "automation", id);
    if (object[0])
        cJSON_AddStringToObject(ev, "object", object);
    cJSON_AddStringToObject(ev, "record", record_id(doc));
    cJSON_AddStringToObject(ev, "status", status ? status : "ok");
    if (error && status && strcmp(status, "failed") == 0)
        cJSON_AddStringToObject(ev, "error", error);
    int rc = event_publish(b->host, ev, "bitrix24:webhook");
    snprintf(reply->message, sizeof(reply->message), "execution of %.80s recorded", id);
    reply->status = 200;
    return rc < 0 ? -1 : 0;
}

static void handle_changed(struct bitrix24 *b, struct wh_reply *reply)
{
    struct rest_client *client = b24_client(b);
    int rc = client ? b24_pull_definitions(b, client) : -1;
    rest_client_free(client);
    if (rc != 0)
        wh_reply_set(reply, 502, "could not read the definitions from Bitrix24; try again");
    else
        wh_reply_set(reply, 200, "definitions pulled");
}

static int method_allowed(enum wh_route route, const char *method)
{
    if (strcmp(method, "POST") == 0)
        return 1;
    return route == WH_ROUTE_EXECUTION && strcmp(method, "GET") == 0;
}

void b24_hook(void *ctx, const struct wh_request *req, struct wh_reply *reply)
{
    struct bitrix24 *b = ctx;
    char id[128];
    enum wh_route route = wh_route_of(req->path, "/events", id, sizeof(id));
    if (route == WH_ROUTE_NONE) {
        wh_reply_set(reply, 404, "unknown path");
        return;
    }
    if (!method_allowed(route, req->method)) {
        wh_reply_set(reply, 405, route == WH_ROUTE_EXECUTION ? "GET or POST only" : "POST only");
        return;
    }
    cJSON *body = parse_body(req);
    if (!body) {
        wh_reply_set(reply, 400, "the body is neither a form nor a JSON object");
        return;
    }
    if (!token_ok(b, req, body)) {
        cJSON_Delete(body);
        wh_reply_set(reply, 401, "bad or missing application token");
        b->host->log(b->host, CRMGOV_LOG_WARN, "webhook %s %s refused: %s", req->method,
                     req->path, reply->message);
        return;
    }
    int rc = 0;
    if (route == WH_ROUTE_EVENTS)
        rc = record_event(b, body, reply);
    else if (route == WH_ROUTE_EXECUTION)
        rc = execution_event(b, id, req, body, reply);
    else
        handle_changed(b, reply);
    cJSON_Delete(body);
    if (rc < 0 || b->host->flush(b->host) != CRMGOV_OK)
        wh_reply_set(reply, 503, "crmgov is stopping; send it again later");
}
