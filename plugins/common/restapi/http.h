/*
 * http.h -- the REST client the polling connectors share (hubspot, bitrix24):
 * one HTTP request with a bounded retry schedule around it.
 *
 * A CRM API fails in a handful of ways that all want the same answer: a rate
 * limit (429 + Retry-After, Bitrix24's QUERY_LIMIT_EXCEEDED), a server or
 * network hiccup (5xx, refused, reset, timeout), an expired token (401), or a
 * real refusal (403, 404). The client sends, asks the connector's `judge` what
 * the answer means, and then retries, refreshes the token once, or gives up --
 * never more than `attempts` times and never waiting longer than `max_ms` at
 * once, with every wait done through host->sleep so that a stopping core is
 * never kept waiting.
 *
 * Secrets: the request carries an optional Authorization header and may have
 * a secret inside its URL (Bitrix24's inbound-webhook form); neither is ever
 * logged. Log lines and error texts name the request by `what` only, which
 * the caller composes from non-secret parts (the method name, the path).
 *
 * One client owns one libcurl handle: use it from one thread at a time.
 */
#ifndef CRMGOV_RESTAPI_HTTP_H
#define CRMGOV_RESTAPI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/host.h"

struct rest_policy {
    int attempts;           /* tries per request, >= 1 */
    int64_t base_ms;        /* first back-off; doubles on each retry */
    int64_t max_ms;         /* cap of one wait, Retry-After included */
    int64_t timeout_ms;     /* whole request */
    size_t max_body;        /* larger answers are refused */
};

struct rest_response {
    long status;            /* HTTP status; 0 when no answer arrived */
    char *body;             /* NUL-terminated; never NULL after a call */
    size_t len;
    int64_t retry_after_ms; /* -1 when the answer had no Retry-After */
    crmgov_time date;       /* the server's Date header; CRMGOV_TIME_NONE if absent */
    char error[160];        /* why there was no usable answer (no secrets) */
};

/* What an answer means, decided by the connector. */
enum rest_verdict {
    REST_OK = 0,            /* use it */
    REST_RETRY,             /* transient: wait and send again */
    REST_AUTH,              /* credentials expired or wrong: refresh, then once more */
    REST_FAIL               /* permanent for this request */
};

/* `wait_ms` may be set to a wait the answer asks for (-1 = back-off). */
typedef enum rest_verdict (*rest_judge_fn)(const struct rest_response *r, int64_t *wait_ms);

/* Credentials: writes the Authorization header value ("Bearer ...") into
 * buf, or returns 0 for none; refresh() reloads them after REST_AUTH and
 * returns 1 when something new was loaded. Either may be NULL. */
struct rest_auth {
    int (*header)(void *ctx, char *buf, size_t size);
    int (*refresh)(void *ctx);
    void *ctx;
};

struct rest_request {
    const char *method;     /* "GET" or "POST" */
    const char *url;        /* may contain a secret: never logged */
    const char *what;       /* for logs and errors, e.g. "GET /crm/v3/owners" */
    const char *body;       /* POST body, or NULL */
    const char *content_type;
};

enum rest_result {
    REST_DONE = 0,          /* *out holds an answer the judge accepted */
    REST_GAVE_UP = -1,      /* out->error says why; already logged */
    REST_STOPPED = -2       /* the core is stopping */
};

struct rest_client;

/* Call rest_global_init() once per plugin instance before any client (it
 * is reference counted inside libcurl) and rest_global_done() in fini. */
void rest_global_init(void);
void rest_global_done(void);

struct rest_client *rest_client_new(const struct crmgov_host *host,
                                    const struct rest_policy *policy,
                                    const struct rest_auth *auth);
void rest_client_free(struct rest_client *c);

enum rest_result rest_call(struct rest_client *c, const struct rest_request *req,
                           rest_judge_fn judge, struct rest_response *out);
void rest_response_free(struct rest_response *r);
/* The answer's body as JSON. NULL when it is not JSON: logged under `what`
 * and its first 4 KiB dead-lettered under `source`. Caller deletes. */
struct cJSON *rest_response_json(const struct crmgov_host *host, const struct rest_response *r,
                                 const char *source, const char *what);

/* The back-off before retry number `retry` (0 = first): base * 2^retry,
 * capped at max; a wait the answer asked for wins but is capped too. */
int64_t rest_backoff_ms(const struct rest_policy *p, int retry, int64_t asked_ms);

/* Parses a Retry-After value (seconds, or an HTTP date relative to now_s);
 * -1 when it is neither. */
int64_t rest_parse_retry_after(const char *value, int64_t now_s);

/* Percent-encodes text for a URL query or path segment into a new string. */
char *rest_escape(const char *text);

#endif
