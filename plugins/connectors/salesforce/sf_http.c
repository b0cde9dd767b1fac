/*
 * sf_http.c -- libcurl calls with caps and retries; see sf_http.h.
 */
#include "sf_http.h"

#include "sf_sync.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct sf_http {
    const struct crmgov_host *host;
    struct sf_http_settings settings;
    CURL *curl;
};

struct transfer {
    struct sf_response *response;
    uint64_t cap;
    size_t capacity;
    int too_large;
    char retry_after[64];
};

struct sf_http *sf_http_new(const struct crmgov_host *host,
                            const struct sf_http_settings *settings)
{
    struct sf_http *http = calloc(1, sizeof *http);
    if (http == NULL)
        return NULL;
    http->host = host;
    http->settings = *settings;
    http->curl = curl_easy_init();
    if (http->curl == NULL) {
        free(http);
        return NULL;
    }
    return http;
}

void sf_http_free(struct sf_http *http)
{
    if (http == NULL)
        return;
    curl_easy_cleanup(http->curl);
    free(http);
}

void sf_response_clear(struct sf_response *response)
{
    free(response->body);
    memset(response, 0, sizeof *response);
}

char *sf_http_escape(struct sf_http *http, const char *text)
{
    char *escaped = curl_easy_escape(http->curl, text, 0);
    char *copy = escaped != NULL ? strdup(escaped) : NULL;
    curl_free(escaped);
    return copy;
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    struct transfer *transfer = user;
    struct sf_response *response = transfer->response;
    size_t n = size * count;
    if (response->length + n > transfer->cap) {
        transfer->too_large = 1;
        return 0;
    }
    if (response->length + n + 1 > transfer->capacity) {
        size_t capacity = transfer->capacity != 0 ? transfer->capacity : 16384;
        while (capacity < response->length + n + 1)
            capacity *= 2;
        char *body = realloc(response->body, capacity);
        if (body == NULL)
            return 0;
        response->body = body;
        transfer->capacity = capacity;
    }
    memcpy(response->body + response->length, data, n);
    response->length += n;
    response->body[response->length] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
    struct transfer *transfer = user;
    size_t n = size * count;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        const char *value = data + sizeof name - 1;
        size_t length = n - (sizeof name - 1);
        while (length > 0 && isspace((unsigned char)*value))
            value++, length--;
        while (length > 0 && isspace((unsigned char)value[length - 1]))
            length--;
        if (length >= sizeof transfer->retry_after)
            length = sizeof transfer->retry_after - 1;
        memcpy(transfer->retry_after, value, length);
        transfer->retry_after[length] = '\0';
    }
    return n;
}

int64_t sf_http_retry_after_ms(const char *value, int64_t now_ms)
{
    if (value == NULL || *value == '\0')
        return -1;
    char *end = NULL;
    long long seconds = strtoll(value, &end, 10);
    if (end != value && *end == '\0')
        return seconds < 0 ? 0 : (seconds > 86400 * 7 ? 86400LL * 7000 : seconds * 1000);
    time_t when = curl_getdate(value, NULL);
    if (when < 0)
        return -1;
    int64_t wait = (int64_t)when * 1000 - now_ms;
    return wait < 0 ? 0 : wait;
}

/* The path of a URL, for log lines: no host, no query. */
static void url_path(const char *url, char *out, size_t size)
{
    const char *start = strstr(url, "://");
    start = start != NULL ? strchr(start + 3, '/') : url;
    if (start == NULL)
        start = "/";
    size_t length = strcspn(start, "?");
    if (length >= size)
        length = size - 1;
    memcpy(out, start, length);
    out[length] = '\0';
}

static void configure(struct sf_http *http, const char *url, struct curl_slist *headers,
                      const char *form, struct transfer *transfer, char *curl_error)
{
    CURL *curl = http->curl;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)http->settings.timeout_ms);
    long connect_ms = http->settings.timeout_ms < 10000 ? (long)http->settings.timeout_ms : 10000L;
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "crmgov-salesforce/1.0");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, transfer);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    if (form != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    }
}

static int transient(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT ||
           code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
           code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE;
}

/* One attempt. Returns the curl code; the response holds status and body. */
static CURLcode attempt(struct sf_http *http, const char *url, struct curl_slist *headers,
                        const char *form, struct sf_response *response, char *retry_after,
                        size_t retry_after_size)
{
    sf_response_clear(response);
    struct transfer transfer = {.response = response, .cap = http->settings.max_response};
    char curl_error[CURL_ERROR_SIZE] = "";
    configure(http, url, headers, form, &transfer, curl_error);
    CURLcode code = curl_easy_perform(http->curl);
    curl_easy_getinfo(http->curl, CURLINFO_RESPONSE_CODE, &response->status);
    snprintf(retry_after, retry_after_size, "%s", transfer.retry_after);
    if (transfer.too_large)
        snprintf(response->error, sizeof response->error,
                 "the response is larger than max_response (%llu bytes)",
                 (unsigned long long)http->settings.max_response);
    else if (code != CURLE_OK)
        snprintf(response->error, sizeof response->error, "%s",
                 curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code));
    return transfer.too_large ? CURLE_WRITE_ERROR : code;
}

static int64_t backoff_ms(const struct sf_http *http, int retry)
{
    int64_t wait = 1000;
    for (int i = 0; i < retry && wait < http->settings.max_backoff_ms; i++)
        wait *= 2;
    return wait < http->settings.max_backoff_ms ? wait : http->settings.max_backoff_ms;
}

static struct curl_slist *headers_for(const char *bearer, int form)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (form)
        headers = curl_slist_append(headers,
                                    "Content-Type: application/x-www-form-urlencoded");
    if (bearer != NULL) {
        size_t size = strlen(bearer) + 32;
        char *line = malloc(size);
        if (line != NULL) {
            snprintf(line, size, "Authorization: Bearer %s", bearer);
            headers = curl_slist_append(headers, line);
            memset(line, 0, size);
            free(line);
        }
    }
    return headers;
}

int sf_http_call(struct sf_http *http, const char *url, const char *bearer, const char *form,
                 struct sf_response *response)
{
    const struct crmgov_host *host = http->host;
    char path[256];
    url_path(url, path, sizeof path);
    const char *method = form != NULL ? "POST" : "GET";
    struct curl_slist *headers = headers_for(bearer, form != NULL);
    int rc = -1;
    for (int retry = 0;; retry++) {
        char retry_after[64];
        CURLcode code = attempt(http, url, headers, form, response, retry_after,
                                sizeof retry_after);
        int busy = code == CURLE_OK && (response->status == 429 || response->status == 503);
        if (code == CURLE_OK && !busy) {
            rc = 0;
            break;
        }
        if (!busy && !transient(code))
            break;
        int64_t wait = busy ? sf_http_retry_after_ms(retry_after, sf_wall_clock()) : -1;
        if (wait < 0)
            wait = backoff_ms(http, retry);
        if (busy)
            snprintf(response->error, sizeof response->error, "HTTP %ld%s%s", response->status,
                     retry_after[0] != '\0' ? ", Retry-After: " : "", retry_after);
        if (retry >= http->settings.max_retries) {
            host->log(host, CRMGOV_LOG_WARN, "%s %s: %s; giving up after %d retries", method,
                      path, response->error, retry);
            break;
        }
        if (wait > http->settings.max_backoff_ms) {
            host->log(host, CRMGOV_LOG_WARN, "%s %s: %s; the wait asked for (%lld ms) is longer "
                      "than max_backoff: trying again at the next pass", method, path,
                      response->error, (long long)wait);
            break;
        }
        host->log(host, CRMGOV_LOG_WARN, "%s %s: %s; retrying in %lld ms (%d of %d)", method,
                  path, response->error, (long long)wait, retry + 1,
                  http->settings.max_retries);
        if (host->sleep(host, wait)) {
            snprintf(response->error, sizeof response->error, "stopping");
            break;
        }
    }
    curl_slist_free_all(headers);
    if (rc != 0)
        response->status = 0;
    return rc;
}
