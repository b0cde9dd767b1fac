/*
 * sf_server.c -- the loopback Salesforce of sf_server.h.
 *
 * One libmicrohttpd daemon with its own thread; routes, tokens and the log
 * sit behind one mutex, since the daemon's thread answers while the test's
 * thread programs and reads them.
 */
#include "sf_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ANSWERS 16
#define MAX_ROUTES 64
#define MAX_TOKENS 16

static const char expired_body[] =
    "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]";

struct answer {
    int status;
    char *headers;
    char *body;
};

struct route {
    char *method;
    char *match;
    struct answer answers[MAX_ANSWERS];
    unsigned n_answers;
    unsigned next;
};

struct token {
    char *value;
    unsigned uses;      /* 0: forever */
    unsigned used;
};

struct sf_server {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    struct route routes[MAX_ROUTES];
    unsigned n_routes;
    struct token tokens[MAX_TOKENS];
    unsigned n_tokens;
    char *log;
    size_t log_len;
};

struct upload {
    char *data;
    size_t len;
};

static void log_line(struct sf_server *server, const char *line)
{
    size_t n = strlen(line);
    server->log = realloc(server->log, server->log_len + n + 2);
    memcpy(server->log + server->log_len, line, n);
    server->log_len += n;
    server->log[server->log_len++] = '\n';
    server->log[server->log_len] = '\0';
}

/* 1 when the request may go on; else fills a 401. */
static int session_ok(struct sf_server *server, const char *authorization)
{
    if (server->n_tokens == 0)
        return 1;
    if (authorization == NULL || strncmp(authorization, "Bearer ", 7) != 0)
        return 0;
    for (unsigned i = 0; i < server->n_tokens; i++) {
        struct token *t = &server->tokens[i];
        if (strcmp(t->value, authorization + 7) != 0)
            continue;
        if (t->uses != 0 && t->used >= t->uses)
            return 0;
        t->used++;
        return 1;
    }
    return 0;
}

static const struct answer *pick(struct sf_server *server, const char *method, const char *key)
{
    for (unsigned i = 0; i < server->n_routes; i++) {
        struct route *r = &server->routes[i];
        if (strcmp(r->method, method) != 0 || strstr(key, r->match) == NULL)
            continue;
        const struct answer *a = &r->answers[r->next];
        if (r->next + 1 < r->n_answers)
            r->next++;
        return a;
    }
    return NULL;
}

static enum MHD_Result send_answer(struct MHD_Connection *connection, int status,
                                   const char *headers, const char *body)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(response, "Content-Type", "application/json");
    for (const char *line = headers; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        char buffer[256];
        snprintf(buffer, sizeof buffer, "%.*s", (int)length, line);
        char *colon = strchr(buffer, ':');
        if (colon != NULL) {
            *colon = '\0';
            const char *value = colon + 1;
            while (*value == ' ')
                value++;
            MHD_add_response_header(response, buffer, value);
        }
        line = end != NULL ? end + 1 : NULL;
    }
    enum MHD_Result rc = MHD_queue_response(connection, (unsigned)status, response);
    MHD_destroy_response(response);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_size, void **state)
{
    struct sf_server *server = cls;
    (void)version;
    struct upload *upload = *state;
    if (upload == NULL) {
        *state = calloc(1, sizeof *upload);
        return MHD_YES;
    }
    if (*data_size != 0) {
        upload->data = realloc(upload->data, upload->len + *data_size + 1);
        memcpy(upload->data + upload->len, data, *data_size);
        upload->len += *data_size;
        upload->data[upload->len] = '\0';
        *data_size = 0;
        return MHD_YES;
    }
    const char *q = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "q");
    const char *authorization =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization");
    size_t size = strlen(url) + (q != NULL ? strlen(q) : 0) +
                  (authorization != NULL ? strlen(authorization) : 0) +
                  (upload->data != NULL ? upload->len : 0) + 32;
    char *key = malloc(size);
    snprintf(key, size, "%s%s%s", url, q != NULL ? "?q=" : "", q != NULL ? q : "");
    char *line = malloc(size + 16);
    snprintf(line, size + 16, "%s %s%s%s%s%s", method, key,
             authorization != NULL ? " auth=" : "",
             authorization != NULL ? authorization + (strncmp(authorization, "Bearer ", 7) == 0
                                                          ? 7 : 0) : "",
             upload->data != NULL ? " body=" : "", upload->data != NULL ? upload->data : "");
    pthread_mutex_lock(&server->lock);
    log_line(server, line);
    int is_token_endpoint = strstr(url, "/services/oauth2/token") != NULL;
    const struct answer *a = NULL;
    int expired = !is_token_endpoint && !session_ok(server, authorization);
    if (!expired)
        a = pick(server, method, key);
    int status = expired ? 401 : a != NULL ? a->status : 404;
    char *headers = a != NULL && a->headers != NULL ? strdup(a->headers) : NULL;
    char *body = strdup(expired ? expired_body
                        : a != NULL ? a->body
                                    : "[{\"message\":\"no route\",\"errorCode\":\"NOT_FOUND\"}]");
    pthread_mutex_unlock(&server->lock);
    enum MHD_Result rc = send_answer(connection, status, headers, body);
    free(headers);
    free(body);
    free(line);
    free(key);
    return rc;
}

static void request_done(void *cls, struct MHD_Connection *connection, void **state,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)connection;
    (void)code;
    struct upload *upload = *state;
    if (upload != NULL) {
        free(upload->data);
        free(upload);
    }
    *state = NULL;
}

struct sf_server *sf_server_start(void)
{
    struct sf_server *server = calloc(1, sizeof *server);
    pthread_mutex_init(&server->lock, NULL);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    server->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, server,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_NOTIFY_COMPLETED,
        request_done, NULL, MHD_OPTION_END);
    if (server->daemon == NULL) {
        free(server);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    snprintf(server->url, sizeof server->url, "http://127.0.0.1:%u",
             info != NULL ? (unsigned)info->port : 0u);
    return server;
}

void sf_server_stop(struct sf_server *server)
{
    if (server == NULL)
        return;
    MHD_stop_daemon(server->daemon);
    for (unsigned i = 0; i < server->n_routes; i++) {
        free(server->routes[i].method);
        free(server->routes[i].match);
        for (unsigned k = 0; k < server->routes[i].n_answers; k++) {
            free(server->routes[i].answers[k].headers);
            free(server->routes[i].answers[k].body);
        }
    }
    for (unsigned i = 0; i < server->n_tokens; i++)
        free(server->tokens[i].value);
    free(server->log);
    pthread_mutex_destroy(&server->lock);
    free(server);
}

const char *sf_server_url(const struct sf_server *server)
{
    return server->url;
}

void sf_server_add(struct sf_server *server, const char *method, const char *match, int status,
                   const char *headers, const char *body)
{
    pthread_mutex_lock(&server->lock);
    struct route *route = NULL;
    for (unsigned i = 0; i < server->n_routes; i++)
        if (strcmp(server->routes[i].method, method) == 0 &&
            strcmp(server->routes[i].match, match) == 0)
            route = &server->routes[i];
    if (route == NULL && server->n_routes < MAX_ROUTES) {
        route = &server->routes[server->n_routes++];
        route->method = strdup(method);
        route->match = strdup(match);
    }
    if (route != NULL && route->n_answers < MAX_ANSWERS) {
        struct answer *a = &route->answers[route->n_answers++];
        a->status = status;
        a->headers = headers != NULL ? strdup(headers) : NULL;
        a->body = strdup(body != NULL ? body : "");
    }
    pthread_mutex_unlock(&server->lock);
}

void sf_server_set(struct sf_server *server, const char *method, const char *match, int status,
                   const char *headers, const char *body)
{
    pthread_mutex_lock(&server->lock);
    for (unsigned i = 0; i < server->n_routes; i++) {
        struct route *r = &server->routes[i];
        if (strcmp(r->method, method) != 0 || strcmp(r->match, match) != 0)
            continue;
        for (unsigned k = 0; k < r->n_answers; k++) {
            free(r->answers[k].headers);
            free(r->answers[k].body);
        }
        r->n_answers = 0;
        r->next = 0;
    }
    pthread_mutex_unlock(&server->lock);
    sf_server_add(server, method, match, status, headers, body);
}

void sf_server_accept(struct sf_server *server, const char *token, unsigned uses)
{
    pthread_mutex_lock(&server->lock);
    if (server->n_tokens < MAX_TOKENS)
        server->tokens[server->n_tokens++] = (struct token){strdup(token), uses, 0};
    pthread_mutex_unlock(&server->lock);
}

char *sf_server_take_log(struct sf_server *server)
{
    pthread_mutex_lock(&server->lock);
    char *log = server->log != NULL ? server->log : strdup("");
    server->log = NULL;
    server->log_len = 0;
    pthread_mutex_unlock(&server->lock);
    return log;
}
