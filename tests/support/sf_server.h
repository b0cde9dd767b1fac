/*
 * sf_server.h -- a loopback "Salesforce" for the connector's API tests
 * (libmicrohttpd on 127.0.0.1, a free port).
 *
 * Answers are programmed per route: a request matches a route when its
 * method is equal and the route's text occurs in "PATH?q=QUERY" with the
 * query percent-decoded (so a route can be a piece of SOQL such as
 * "FROM FlowDefinition"). A route's answers are given in turn; the last one
 * repeats. Routes are tried in the order they were added.
 *
 * Sessions work like Salesforce's: a bearer token is valid once accepted
 * (sf_server_accept), for a given number of requests (0 = forever), after
 * which the server answers 401 with
 * [{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}].
 * The OAuth token endpoint is an ordinary route. Every request is logged as
 * "METHOD PATH[?q=QUERY] [auth=TOKEN] [body=FORM]".
 */
#ifndef SF_SERVER_H
#define SF_SERVER_H

struct sf_server;

struct sf_server *sf_server_start(void);
void sf_server_stop(struct sf_server *server);

/* "http://127.0.0.1:PORT" (lives as long as the server). */
const char *sf_server_url(const struct sf_server *server);

/* Adds an answer to the route (METHOD, match). headers: "Name: value" lines
 * separated by \n, or NULL. body: copied. */
void sf_server_add(struct sf_server *server, const char *method, const char *match, int status,
                   const char *headers, const char *body);

/* Replaces every answer of the route (METHOD, match) by this one. */
void sf_server_set(struct sf_server *server, const char *method, const char *match, int status,
                   const char *headers, const char *body);

/* The token is valid for `uses` requests (0: forever). */
void sf_server_accept(struct sf_server *server, const char *token, unsigned uses);

/* The log since the last call (caller frees). */
char *sf_server_take_log(struct sf_server *server);

#endif
