/*
 * httpstub.c -- the loopback canned-response server of httpstub.h, on
 * libmicrohttpd, and a tiny libcurl client to call servers under test.
 *
 * The routes are parsed once at start; the answer files are read when
 * answered, so a test may rewrite one between two pulls (a flow that gets a
 * new revision). One internal thread serves; the request log is guarded by
 * a lock because the test reads it from its own thread.
 */
#include "httpstub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#define STUB_MAX_HEADERS 8

struct route {
    char *method;
    char *uri;
    unsigned status;
    char *file;
    char *headers[STUB_MAX_HEADERS]; /* "Name: value" */
    int n_headers;
    int served;                      /* answers given by this line */
};

struct httpstub {
    char *dir;
    struct route *routes;
    int n_routes;
    char *date;
    char *auth;
    struct MHD_Daemon *daemon;
    unsigned port;
    pthread_mutex_t lock;
    char *log;
    size_t log_len;
    char *log_path;
};

/* A test tool: running out of memory ends it. */
static void *grow(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q)
        abort();
    return q;
}

/* ------------------------------------------------------------------------ */
/* routes                                                                    */

static char *trimmed(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return strndup(s, n);
}

static int parse_route(struct route *r, char *line)
{
    char *bar = strchr(line, '|');
    if (bar)
        *bar = '\0';
    char method[16], uri[2048], file[512];
    if (sscanf(line, "%15s %2047s %u %511s", method, uri, &r->status, file) != 4)
        return -1;
    r->method = strdup(method);
    r->uri = strdup(uri);
    r->file = strdup(file);
    while (bar && r->n_headers < STUB_MAX_HEADERS) {
        char *start = bar + 1;
        bar = strchr(start, '|');
        size_t n = bar ? (size_t)(bar - start) : strlen(start);
        r->headers[r->n_headers++] = trimmed(start, n);
    }
    return 0;
}

static int load_routes(struct httpstub *s)
{
    char path[1024], line[4096];
    snprintf(path, sizeof(path), "%s/routes", s->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "httpstub: cannot open %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        if (strncmp(p, "@date ", 6) == 0) {
            s->date = trimmed(p + 6, strlen(p + 6));
            continue;
        }
        if (strncmp(p, "@auth ", 6) == 0) {
            s->auth = trimmed(p + 6, strlen(p + 6));
            continue;
        }
        s->routes = grow(s->routes, (size_t)(s->n_routes + 1) * sizeof(*s->routes));
        memset(&s->routes[s->n_routes], 0, sizeof(*s->routes));
        if (parse_route(&s->routes[s->n_routes], p) != 0) {
            fprintf(stderr, "httpstub: bad route line: %s", line);
            fclose(f);
            return -1;
        }
        s->n_routes++;
    }
    fclose(f);
    return 0;
}

/* The next line answering METHOD URI: the first one not yet served, or the
 * last of them. */
static struct route *find_route(struct httpstub *s, const char *method, const char *uri)
{
    struct route *last = NULL;
    for (int i = 0; i < s->n_routes; i++) {
        struct route *r = &s->routes[i];
        if (strcmp(r->method, method) != 0 || strcmp(r->uri, uri) != 0)
            continue;
        if (!r->served)
            return r;
        last = r;
    }
    return last;
}

/* ------------------------------------------------------------------------ */
/* serving                                                                   */

struct pending {
    char *uri;
    int seen;
};

static void record(struct httpstub *s, const char *method, const char *uri, const char *auth)
{
    char line[4200];
    int n = snprintf(line, sizeof(line), "%s %s%s%s\n", method, uri, auth ? " auth=" : "",
                     auth ? auth : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = (int)sizeof(line) - 1;
    pthread_mutex_lock(&s->lock);
    s->log = grow(s->log, s->log_len + (size_t)n + 1);
    memcpy(s->log + s->log_len, line, (size_t)n + 1);
    s->log_len += (size_t)n;
    if (s->log_path) {
        FILE *f = fopen(s->log_path, "a");
        if (f) {
            fputs(line, f);
            fclose(f);
        }
    }
    pthread_mutex_unlock(&s->lock);
}

static char *read_answer(const struct httpstub *s, const char *file, size_t *len)
{
    *len = 0;
    if (strcmp(file, "-") == 0)
        return strdup("");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", s->dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf = grow(buf, cap + n + 1);
        memcpy(buf + cap, chunk, n);
        cap += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[cap] = '\0';
    *len = cap;
    return buf;
}

static enum MHD_Result respond(struct httpstub *s, struct MHD_Connection *conn, unsigned status,
                               char *body, size_t len, const struct route *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (s->date)
        MHD_add_response_header(resp, "Date", s->date);
    for (int i = 0; r && i < r->n_headers; i++) {
        char *colon = strchr(r->headers[i], ':');
        if (!colon)
            continue;
        char *name = strndup(r->headers[i], (size_t)(colon - r->headers[i]));
        const char *value = colon + 1;
        while (*value == ' ')
            value++;
        MHD_add_response_header(resp, name, value);
        free(name);
    }
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result answer(struct httpstub *s, struct MHD_Connection *conn,
                              const char *method, const char *uri)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    record(s, method, uri, auth);
    if (s->auth && (!auth || strcmp(auth, s->auth) != 0)) {
        const char *expired = "{\"status\":\"error\",\"message\":\"The OAuth token used to make "
                              "this call expired.\",\"correlationId\":\"c-1\",\"category\":"
                              "\"EXPIRED_AUTHENTICATION\"}";
        return respond(s, conn, 401, strdup(expired), strlen(expired), NULL);
    }
    pthread_mutex_lock(&s->lock);
    struct route *r = find_route(s, method, uri);
    if (r)
        r->served++;
    pthread_mutex_unlock(&s->lock);
    if (!r) {
        const char *none = "{\"status\":\"error\",\"message\":\"no route\"}";
        return respond(s, conn, 404, strdup(none), strlen(none), NULL);
    }
    size_t len;
    char *body = read_answer(s, r->file, &len);
    if (!body) {
        fprintf(stderr, "httpstub: cannot read %s/%s\n", s->dir, r->file);
        return respond(s, conn, 500, strdup("{}"), 2, NULL);
    }
    return respond(s, conn, r->status, body, len, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct httpstub *s = cls;
    struct pending *p = *con_cls;
    (void)url;
    (void)version;
    (void)upload_data;
    if (!p)
        return MHD_NO;
    if (!p->seen) {
        p->seen = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* bodies are not matched */
        return MHD_YES;
    }
    return answer(s, conn, method, p->uri);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct pending *p = calloc(1, sizeof(*p));
    p->uri = strdup(uri);
    MHD_http_unescape(p->uri);
    return p;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    struct pending *p = *con_cls;
    if (p) {
        free(p->uri);
        free(p);
    }
    *con_cls = NULL;
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

struct httpstub *httpstub_start(const char *dir, unsigned port)
{
    struct httpstub *s = calloc(1, sizeof(*s));
    s->dir = strdup(dir);
    pthread_mutex_init(&s->lock, NULL);
    if (load_routes(s) != 0) {
        httpstub_stop(s);
        return NULL;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_URI_LOG_CALLBACK,
                                 on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(stderr, "httpstub: cannot listen on 127.0.0.1:%u\n", port);
        httpstub_stop(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    return s;
}

unsigned httpstub_port(const struct httpstub *s)
{
    return s->port;
}

char *httpstub_requests(struct httpstub *s)
{
    pthread_mutex_lock(&s->lock);
    char *copy = strdup(s->log ? s->log : "");
    pthread_mutex_unlock(&s->lock);
    return copy;
}

void httpstub_log_to(struct httpstub *s, const char *path)
{
    pthread_mutex_lock(&s->lock);
    free(s->log_path);
    s->log_path = path ? strdup(path) : NULL;
    pthread_mutex_unlock(&s->lock);
}

void httpstub_stop(struct httpstub *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    for (int i = 0; i < s->n_routes; i++) {
        struct route *r = &s->routes[i];
        free(r->method);
        free(r->uri);
        free(r->file);
        for (int h = 0; h < r->n_headers; h++)
            free(r->headers[h]);
    }
    free(s->routes);
    free(s->date);
    free(s->auth);
    free(s->log);
    free(s->log_path);
    free(s->dir);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

unsigned httpstub_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    unsigned port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

/* ------------------------------------------------------------------------ */
/* the client                                                                */

struct sink {
    char *buf;
    size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    struct sink *k = arg;
    k->buf = grow(k->buf, k->len + size * n + 1);
    memcpy(k->buf + k->len, data, size * n);
    k->len += size * n;
    k->buf[k->len] = '\0';
    return size * n;
}

int httpstub_send(unsigned port, const char *method, const char *uri,
                  const char *const *headers, const char *body, size_t body_len,
                  char **answer_out)
{
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    char url[4096];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, uri);
    struct curl_slist *list = NULL;
    for (; headers && *headers; headers++)
        list = curl_slist_append(list, *headers);
    list = curl_slist_append(list, "Expect:");
    struct sink k = { 0 };
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    if (answer_out)
        *answer_out = k.buf ? k.buf : strdup("");
    else
        free(k.buf);
    return (int)status;
}
