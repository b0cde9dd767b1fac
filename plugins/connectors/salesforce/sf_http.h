/*
 * sf_http.h -- HTTP for the Tooling API: one libcurl handle, bounded
 * responses, and polite retries.
 *
 * Salesforce answers 503 (server busy) or 429 (too many requests) when an
 * org's limits are reached, often with Retry-After. A call waits as told --
 * or, without the header, 1 s, 2 s, 4 s... -- at most max_retries times and
 * never longer than max_backoff per wait: an answer that asks for more ends
 * the call with a clear error instead of stalling the connector. Network
 * failures (refused, reset, timed out) are retried the same way. Waiting uses
 * host->sleep, so a stopping core is never held up.
 *
 * Secrets: the bearer token travels in a header, client secrets in a POST
 * body; neither is ever logged, and redirects are not followed (a redirect
 * would carry the Authorization header elsewhere). Log lines name the
 * method and the URL path only.
 *
 * A handle belongs to one thread.
 */
#ifndef SF_HTTP_H
#define SF_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <crmgov/host.h>

struct sf_http_settings {
    int64_t timeout_ms;         /* whole request */
    int max_retries;            /* after the first attempt */
    int64_t max_backoff_ms;     /* longest single wait */
    uint64_t max_response;      /* bytes of one response body */
};

struct sf_http;

struct sf_response {
    long status;                /* HTTP status; 0 when no answer came */
    char *body;                 /* NUL-terminated; NULL when none */
    size_t length;
    char error[256];            /* why there is no usable answer */
};

struct sf_http *sf_http_new(const struct crmgov_host *host,
                            const struct sf_http_settings *settings);
void sf_http_free(struct sf_http *http);

void sf_response_clear(struct sf_response *response);

/*
 * GET url, or POST `form` (application/x-www-form-urlencoded) when it is not
 * NULL. bearer: the access token, or NULL. 0 when an HTTP answer arrived
 * (any status but 429/503 after the retries), -1 otherwise (error filled;
 * stopping also ends the call this way).
 */
int sf_http_call(struct sf_http *http, const char *url, const char *bearer, const char *form,
                 struct sf_response *response);

/* URL-encodes text (malloc'd; NULL without memory). */
char *sf_http_escape(struct sf_http *http, const char *text);

/* Parses a Retry-After value (seconds, or an HTTP date relative to now_ms);
 * -1 when it is neither. Exposed for tests. */
int64_t sf_http_retry_after_ms(const char *value, int64_t now_ms);

#endif
