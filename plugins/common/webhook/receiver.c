/*
 * receiver.c -- the webhook receiver's HTTP side on libmicrohttpd; see
 * webhook.h.
 *
 * One thread per connection (bounded by a connection limit and an idle
 * timeout): a handler blocks while the core commits what it published, and
 * that must not stall the other callers. A request's body is collected in
 * full -- verification needs the exact bytes -- up to max_body; a declared
 * Content-Length over the cap is refused before a byte of it is read, and a
 * chunked body that grows past it is drained and refused at its end. The raw
 * request URI (with its query, before any unescaping) is captured through
 * the URI log callback, because a signature covers it exactly as sent.
 */
#include "webhook.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct wh_receiver {
    const struct crmgov_host *host;
    struct MHD_Daemon *daemon;
    wh_handler_fn handler;
    void *ctx;
    size_t max_body;
    unsigned port;
    pthread_mutex_t lock;
    struct wh_stats stats;
};

/* One request in progress. */
struct pending {
    char *raw_uri;
    char *body;
    size_t len, cap;
    int headers_seen;
    int too_large;
};

/* ------------------------------------------------------------------------ */
/* listen addresses                                                          */

union listen_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
};

static int parse_port(const char *text, unsigned *port)
{
    char *end;
    unsigned long p = strtoul(text, &end, 10);
    if (!*text || *end || p > 65535)
        return -1;
    *port = (unsigned)p;
    return 0;
}

static int parse_listen(const char *listen, union listen_addr *addr, char *err, size_t size)
{
    char host[64] = "127.0.0.1";
    const char *port_text = listen;
    const char *colon = strrchr(listen, ':');
    memset(addr, 0, sizeof(*addr));
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen) >= sizeof(host)) {
            snprintf(err, size, "'%s' is no [ADDRESS]:PORT", listen);
            return -1;
        }
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port_text = close + 2;
    } else if (colon) {
        if ((size_t)(colon - listen) >= sizeof(host)) {
            snprintf(err, size, "address too long in '%s'", listen);
            return -1;
        }
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port_text = colon + 1;
    }
    unsigned port;
    if (parse_port(port_text, &port)) {
        snprintf(err, size, "'%s' has no valid port (0-65535)", listen);
        return -1;
    }
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &addr->v4.sin_addr) == 1) {
        addr->v4.sin_family = AF_INET;
        addr->v4.sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &addr->v6.sin6_addr) == 1) {
        addr->v6.sin6_family = AF_INET6;
        addr->v6.sin6_port = htons((uint16_t)port);
        return 0;
    }
    snprintf(err, size, "'%s' is no numeric address (or localhost)", host);
    return -1;
}

int wh_check_listen(const char *listen, char *err, size_t size)
{
    union listen_addr addr;
    return parse_listen(listen, &addr, err, size);
}

/* ------------------------------------------------------------------------ */
/* requests                                                                  */

const char *wh_header(const struct wh_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->connection, MHD_HEADER_KIND, name);
}

const char *wh_query(const struct wh_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->connection, MHD_GET_ARGUMENT_KIND, name);
}

static void count(struct wh_receiver *r, int status)
{
    const char *metric;
    pthread_mutex_lock(&r->lock);
    r->stats.requests++;
    if (status >= 200 && status < 300) {
        r->stats.accepted++;
        metric = "webhook.accepted";
    } else if (status == 401) {
        r->stats.unauthorized++;
        metric = "webhook.unauthorized";
    } else if (status == 413) {
        r->stats.too_large++;
        metric = "webhook.too_large";
    } else if (status >= 500) {
        r->stats.failed++;
        metric = "webhook.failed";
    } else {
        r->stats.bad_request++;
        metric = "webhook.bad_request";
    }
    pthread_mutex_unlock(&r->lock);
    r->host->metric_add(r->host, metric, 1);
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, cJSON *body)
{
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    const char *fallback = "{}";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        text ? strlen(text) : strlen(fallback), (void *)(text ? text : fallback),
        MHD_RESPMEM_MUST_COPY);
    cJSON_free(text);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result answer(struct wh_receiver *r, struct MHD_Connection *conn, int status,
                              const char *message)
{
    count(r, status);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "message", message);
    return send_json(conn, (unsigned)status, o);
}

static enum MHD_Result answer_stats(struct wh_receiver *r, struct MHD_Connection *conn)
{
    struct wh_stats s;
    wh_get_stats(r, &s);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "requests", (double)s.requests);
    cJSON_AddNumberToObject(o, "accepted", (double)s.accepted);
    cJSON_AddNumberToObject(o, "bad_request", (double)s.bad_request);
    cJSON_AddNumberToObject(o, "unauthorized", (double)s.unauthorized);
    cJSON_AddNumberToObject(o, "too_large", (double)s.too_large);
    cJSON_AddNumberToObject(o, "failed", (double)s.failed);
    return send_json(conn, MHD_HTTP_OK, o);
}

static int body_add(struct pending *p, const char *data, size_t n, size_t max)
{
    if (p->too_large || p->len + n > max) {
        p->too_large = 1;
        return 0;
    }
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *grown = realloc(p->body, cap);
        if (!grown)
            return -1;
        p->body = grown;
        p->cap = cap;
    }
    memcpy(p->body + p->len, data, n);
    p->len += n;
    p->body[p->len] = '\0';
    return 0;
}

static enum MHD_Result dispatch(struct wh_receiver *r, struct MHD_Connection *conn,
                                const char *url, const char *method, struct pending *p)
{
    if (p->too_large)
        return answer(r, conn, 413, "body larger than max_body");
    if (strcmp(method, "GET") == 0 && strcmp(url, "/stats") == 0)
        return answer_stats(r, conn);
    struct wh_request req = { .method = method, .path = url,
                              .raw_uri = p->raw_uri ? p->raw_uri : url,
                              .body = p->body ? p->body : "", .body_len = p->len,
                              .connection = conn };
    struct wh_reply reply = { .status = 0, .message = "" };
    r->handler(r->ctx, &req, &reply);
    if (reply.status < 100 || reply.status > 599) {
        reply.status = 500;
        snprintf(reply.message, sizeof(reply.message), "internal error");
    }
    return answer(r, conn, reply.status, reply.message);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct wh_receiver *r = cls;
    struct pending *p = *con_cls;
    (void)version;
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (!p)
            return MHD_NO;
        *con_cls = p;
    }
    if (!p->headers_seen) {
        p->headers_seen = 1;
        const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > r->max_body)
            return answer(r, conn, 413, "body larger than max_body");
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (body_add(p, upload_data, *upload_data_size, r->max_body) < 0)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(r, conn, url, method, p);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct pending *p = calloc(1, sizeof(*p));
    if (p)
        p->raw_uri = strdup(uri);
    return p;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    struct pending *p = *con_cls;
    if (p) {
        free(p->raw_uri);
        free(p->body);
        free(p);
    }
    *con_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    struct wh_receiver *r = cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    r->host->log(r->host, CRMGOV_LOG_DEBUG, "webhook receiver: %s", line);
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

struct wh_receiver *wh_start(const struct crmgov_host *host, const char *listen,
                             size_t max_body, wh_handler_fn handler, void *ctx, char *err,
                             size_t size)
{
    union listen_addr addr;
    if (parse_listen(listen, &addr, err, size))
        return NULL;
    struct wh_receiver *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, size, "out of memory");
        return NULL;
    }
    r->host = host;
    r->handler = handler;
    r->ctx = ctx;
    r->max_body = max_body;
    pthread_mutex_init(&r->lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;
    if (addr.sa.sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    r->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &addr.sa,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, r, MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
        MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 15u,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, r, MHD_OPTION_END);
    if (!r->daemon) {
        snprintf(err, size, "cannot listen on %s (address in use or not available?)", listen);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : 0;
    return r;
}

unsigned wh_port(const struct wh_receiver *r)
{
    return r->port;
}

void wh_get_stats(struct wh_receiver *r, struct wh_stats *out)
{
    pthread_mutex_lock(&r->lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->lock);
}

void wh_stop(struct wh_receiver *r)
{
    if (!r)
        return;
    MHD_stop_daemon(r->daemon);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void wh_reply_set(struct wh_reply *reply, int status, const char *message)
{
    reply->status = status;
    snprintf(reply->message, sizeof(reply->message), "%s", message);
}

enum wh_route wh_route_of(const char *path, const char *events_path, char *id, size_t size)
{
    static const char prefix[] = "/automations/";
    if (strcmp(path, events_path) == 0)
        return WH_ROUTE_EVENTS;
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return WH_ROUTE_NONE;
    const char *start = path + sizeof(prefix) - 1;
    const char *slash = strchr(start, '/');
    if (!slash || slash == start || (size_t)(slash - start) >= size)
        return WH_ROUTE_NONE;
    memcpy(id, start, (size_t)(slash - start));
    id[slash - start] = '\0';
    if (strcmp(slash, "/execution") == 0)
        return WH_ROUTE_EXECUTION;
    if (strcmp(slash, "/changed") == 0)
        return WH_ROUTE_CHANGED;
    return WH_ROUTE_NONE;
}
