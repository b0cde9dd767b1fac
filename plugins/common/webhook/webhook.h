/*
 * webhook.h -- the webhook receiver the CRM connectors share: a small HTTP
 * server (libmicrohttpd) that turns a CRM's calls into events between polls,
 * plus the checks that decide whether a call really came from the CRM.
 *
 * The receiver owns transport concerns only -- where it listens, how big a
 * body may be, what a garbage request gets, counting -- and hands every
 * complete request to the connector's handler, which verifies it (HubSpot's
 * v3 signature, Bitrix24's application token), publishes what it means,
 * flushes, and only then answers 200: a call the CRM sees acknowledged is
 * committed. Each connector instance runs its own receiver on its own
 * address (`listen`, loopback unless told otherwise).
 *
 * Answers are small JSON objects. Status codes: 200 accepted (also for calls
 * understood but ignored), 400 garbage, 401 not from the CRM (bad or missing
 * signature or token, stale timestamp), 404 unknown path, 405 wrong method,
 * 413 body over `max_body`, 503 the core is stopping. `GET /stats` answers
 * the receiver's counters.
 */
#ifndef CRMGOV_WEBHOOK_H
#define CRMGOV_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "crmgov/host.h"

/* ------------------------------------------------------------------------ */
/* The receiver.                                                             */

struct wh_request {
    const char *method;
    const char *path;       /* decoded, without the query */
    const char *raw_uri;    /* exactly as received: path?query */
    const char *body;       /* NUL-terminated (the body may contain NULs too) */
    size_t body_len;
    void *connection;       /* for wh_header / wh_query */
};

/* A request header (case-insensitive name) or query argument; NULL when absent. */
const char *wh_header(const struct wh_request *r, const char *name);
const char *wh_query(const struct wh_request *r, const char *name);

struct wh_reply {
    int status;
    char message[200];      /* sent as {"status":..,"message":..} */
};

/* Fills reply (status 0 = 500). Called on a receiver thread. */
typedef void (*wh_handler_fn)(void *ctx, const struct wh_request *req, struct wh_reply *reply);

void wh_reply_set(struct wh_reply *reply, int status, const char *message);

/* The paths the connectors answer: events_path for the CRM's own calls, and
 * /automations/{id}/execution and /automations/{id}/changed for process
 * steps that report a run or an edit (id, at most size - 1 bytes, into id). */
enum wh_route { WH_ROUTE_NONE, WH_ROUTE_EVENTS, WH_ROUTE_EXECUTION, WH_ROUTE_CHANGED };
enum wh_route wh_route_of(const char *path, const char *events_path, char *id, size_t size);

struct wh_stats {
    uint64_t requests;
    uint64_t accepted;      /* 2xx */
    uint64_t bad_request;   /* 400, 404, 405 */
    uint64_t unauthorized;  /* 401 */
    uint64_t too_large;     /* 413 */
    uint64_t failed;        /* 5xx */
};

struct wh_receiver;

/* Checks a `listen` value: "PORT", "HOST:PORT", "[V6]:PORT" with a numeric
 * address or localhost (PORT alone listens on 127.0.0.1). 0, or -1 with the
 * reason in err. */
int wh_check_listen(const char *listen, char *err, size_t size);

/* Starts listening. NULL with the reason in err. */
struct wh_receiver *wh_start(const struct crmgov_host *host, const char *listen,
                             size_t max_body, wh_handler_fn handler, void *ctx, char *err,
                             size_t size);
/* The bound port (useful with port 0). */
unsigned wh_port(const struct wh_receiver *r);
void wh_get_stats(struct wh_receiver *r, struct wh_stats *out);
/* Waits for the calls in progress, then frees. NULL is fine. */
void wh_stop(struct wh_receiver *r);

/* ------------------------------------------------------------------------ */
/* Who is calling.                                                           */

enum wh_verdict {
    WH_VALID = 0,
    WH_MISSING,             /* signature or timestamp header absent */
    WH_STALE,               /* timestamp outside the allowed age */
    WH_BAD_SIGNATURE
};

/* The URI HubSpot signed: `base` (the public URL the CRM calls, such as
 * "https://hooks.example.com", no trailing slash) + the raw request URI,
 * with the percent-escapes HubSpot decodes before signing (%3A %2F %3F %40
 * %21 %24 %27 %28 %29 %2A %2C %3B) decoded. Caller frees. */
char *wh_hubspot_uri(const char *base, const char *raw_uri);

/* HubSpot's v3 signature: base64(HMAC-SHA256(secret, method + uri + body +
 * timestamp)) into out (at least 45 bytes). */
void wh_hubspot_sign(const char *secret, const char *method, const char *uri,
                     const char *body, size_t body_len, const char *timestamp, char *out,
                     size_t size);

/* Verifies X-HubSpot-Signature-v3 against X-HubSpot-Request-Timestamp
 * (milliseconds since the epoch), refusing timestamps more than max_age_ms
 * away from now_ms in either direction. Comparison in constant time. */
enum wh_verdict wh_hubspot_verify(const char *secret, const char *method, const char *uri,
                                  const char *body, size_t body_len, const char *timestamp,
                                  const char *signature, int64_t now_ms, int64_t max_age_ms);

/* Constant-time equality of a shared token (Bitrix24's application_token). */
int wh_token_equal(const char *expected, const char *given);

/* ------------------------------------------------------------------------ */
/* Bodies.                                                                   */

/* Parses application/x-www-form-urlencoded text into a JSON object, with
 * PHP-style nested keys: "data[FIELDS][ID]=7&a[]=x" -> {"data":{"FIELDS":
 * {"ID":"7"}},"a":["x"]}. Values are strings. NULL on a body that is no form
 * (binary, unbalanced brackets, too deep, too many pairs). */
cJSON *wh_form_parse(const char *body, size_t len);

#endif
