/*
 * http.c -- one REST request over libcurl with a bounded retry schedule;
 * see http.h for the policy.
 *
 * The answer is read into memory up to policy.max_body (a CRM page is a few
 * hundred KiB; a runaway answer is refused rather than buffered). The two
 * headers that matter for pacing, Retry-After and Date, are captured on the
 * way; every other header is ignored. Redirects are not followed: an API
 * root that redirects is a configuration error worth seeing, and following
 * one could carry the Authorization header to another host.
 */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

struct rest_client {
    const struct crmgov_host *host;
    struct rest_policy policy;
    struct rest_auth auth;
    CURL *curl;
};

struct capture {
    struct rest_response *out;
    size_t max;
    int too_large;
};

void rest_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rest_global_done(void)
{
    curl_global_cleanup();
}

struct rest_client *rest_client_new(const struct crmgov_host *host,
                                    const struct rest_policy *policy,
                                    const struct rest_auth *auth)
{
    struct rest_client *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->host = host;
    c->policy = *policy;
    if (c->policy.attempts < 1)
        c->policy.attempts = 1;
    if (auth)
        c->auth = *auth;
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return NULL;
    }
    return c;
}

void rest_client_free(struct rest_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

cJSON *rest_response_json(const struct crmgov_host *host, const struct rest_response *r,
                          const char *source, const char *what)
{
    cJSON *doc = cJSON_ParseWithLength(r->body, r->len);
    if (!doc) {
        host->log(host, CRMGOV_LOG_ERROR, "%s: the answer is not JSON", what);
        host->deadletter(host, source, 0, "malformed JSON in the answer", r->body,
                         r->len > 4096 ? 4096 : r->len);
    }
    return doc;
}

void rest_response_free(struct rest_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct capture *cap = arg;
    struct rest_response *r = cap->out;
    size_t add = size * n;
    if (r->len + add > cap->max) {
        cap->too_large = 1;
        return 0; /* aborts the transfer */
    }
    char *grown = realloc(r->body, r->len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + r->len, data, add);
    r->body = grown;
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

int64_t rest_parse_retry_after(const char *value, int64_t now_s)
{
    while (*value == ' ' || *value == '\t')
        value++;
    if (!*value)
        return -1;
    char *end;
    long long seconds = strtoll(value, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (end != value && !*end)
        return seconds < 0 ? 0 : seconds * 1000;
    time_t when = curl_getdate(value, NULL);
    if (when < 0)
        return -1;
    return when > now_s ? ((int64_t)when - now_s) * 1000 : 0;
}

/* "Name: value\r\n" -> value (trimmed) when the name matches. */
static int header_value(const char *line, size_t len, const char *name, char *out,
                        size_t size)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return 0;
    const char *v = line + n + 1;
    size_t vlen = len - n - 1;
    while (vlen && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    if (vlen >= size)
        vlen = size - 1;
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return 1;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct capture *cap = arg;
    struct rest_response *r = cap->out;
    size_t len = size * n;
    char value[128];
    if (header_value(data, len, "Retry-After", value, sizeof(value)))
        r->retry_after_ms = rest_parse_retry_after(value, (int64_t)time(NULL));
    else if (header_value(data, len, "Date", value, sizeof(value))) {
        time_t when = curl_getdate(value, NULL);
        r->date = when < 0 ? CRMGOV_TIME_NONE : (crmgov_time)when * 1000;
    }
    return len;
}

static struct curl_slist *request_headers(struct rest_client *c, const struct rest_request *req)
{
    struct curl_slist *list = curl_slist_append(NULL, "Accept: application/json");
    char value[4096], line[4200];
    if (c->auth.header && c->auth.header(c->auth.ctx, value, sizeof(value)) > 0) {
        snprintf(line, sizeof(line), "Authorization: %s", value);
        list = curl_slist_append(list, line);
        explicit_bzero(line, sizeof(line));
        explicit_bzero(value, sizeof(value));
    }
    if (req->body) {
        snprintf(line, sizeof(line), "Content-Type: %s",
                 req->content_type ? req->content_type : "application/json");
        list = curl_slist_append(list, line);
    }
    return list;
}

/* One exchange. Returns 0 when an HTTP answer arrived, -2 when it was too
 * large (asking again will not make it smaller), -1 otherwise. */
static int perform(struct rest_client *c, const struct rest_request *req,
                   struct rest_response *out)
{
    CURL *h = c->curl;
    struct capture cap = { .out = out, .max = c->policy.max_body };
    char errbuf[CURL_ERROR_SIZE] = "";
    rest_response_free(out);
    out->body = calloc(1, 1);
    out->status = 0;
    out->retry_after_ms = -1;
    out->date = CRMGOV_TIME_NONE;
    out->error[0] = '\0';
    if (!out->body) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        return -1;
    }
    struct curl_slist *headers = request_headers(c, req);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "crmgov/" CRMGOV_VERSION_STRING);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->policy.timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(c->policy.timeout_ms < 10000 ? c->policy.timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (!getenv("NO_PROXY") && !getenv("no_proxy")) /* loopback never goes through a proxy */
        curl_easy_setopt(h, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &cap);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &cap);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
    }
    if (req->method && strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
        return 0;
    }
    out->status = 0;
    if (cap.too_large) {
        snprintf(out->error, sizeof(out->error), "answer larger than %zu bytes", cap.max);
        return -2;
    }
    snprintf(out->error, sizeof(out->error), "%.150s",
             errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return -1;
}

int64_t rest_backoff_ms(const struct rest_policy *p, int retry, int64_t asked_ms)
{
    int64_t wait = p->base_ms > 0 ? p->base_ms : 1;
    for (int i = 0; i < retry && wait < p->max_ms; i++)
        wait *= 2;
    if (asked_ms >= 0)
        wait = asked_ms;
    return wait > p->max_ms ? p->max_ms : wait;
}

static enum rest_result give_up(struct rest_client *c, const struct rest_request *req,
                                struct rest_response *out, const char *why)
{
    if (!out->error[0]) {
        if (out->status)
            snprintf(out->error, sizeof(out->error), "HTTP %ld%s%s", out->status,
                     why ? ", " : "", why ? why : "");
        else
            snprintf(out->error, sizeof(out->error), "%s", why ? why : "no answer");
    }
    c->host->log(c->host, CRMGOV_LOG_ERROR, "%s: %s", req->what, out->error);
    return REST_GAVE_UP;
}

enum rest_result rest_call(struct rest_client *c, const struct rest_request *req,
                           rest_judge_fn judge, struct rest_response *out)
{
    const struct crmgov_host *host = c->host;
    int refreshed = 0, retries = 0;
    memset(out, 0, sizeof(*out));
    for (int attempt = 1;; attempt++) {
        if (host->stopping(host))
            return REST_STOPPED;
        int64_t asked = -1;
        enum rest_verdict v = REST_RETRY;
        int sent = perform(c, req, out);
        if (sent == 0) {
            v = judge(out, &asked);
            if (asked < 0)
                asked = out->retry_after_ms;
        } else if (sent == -2) {
            v = REST_FAIL;
        }
        if (v == REST_OK)
            return REST_DONE;
        if (v == REST_FAIL)
            return give_up(c, req, out, NULL);
        if (v == REST_AUTH) {
            if (refreshed || !c->auth.refresh || !c->auth.refresh(c->auth.ctx))
                return give_up(c, req, out, "credentials refused (expired token?)");
            refreshed = 1;
            host->log(host, CRMGOV_LOG_INFO, "%s: credentials refused; reloaded them, trying "
                      "again", req->what);
            continue;
        }
        if (attempt >= c->policy.attempts)
            return give_up(c, req, out, "giving up after retries");
        int64_t wait = rest_backoff_ms(&c->policy, retries++, asked);
        char why[64];
        if (out->status)
            snprintf(why, sizeof(why), "HTTP %ld", out->status);
        host->log(host, CRMGOV_LOG_WARN, "%s: %s; retry %d/%d in %lld ms", req->what,
                  out->status ? why : out->error, attempt, c->policy.attempts - 1,
                  (long long)wait);
        if (host->sleep(host, wait))
            return REST_STOPPED;
    }
}

char *rest_escape(const char *text)
{
    char *esc = curl_easy_escape(NULL, text, 0);
    char *copy = esc ? strdup(esc) : NULL;
    curl_free(esc);
    return copy;
}
