/*
 * httpstub.h -- a loopback HTTP server for connector tests: it answers
 * canned responses from files and records every request, so a test can run a
 * connector against "HubSpot" or "Bitrix24" without anything leaving
 * 127.0.0.1, and then assert exactly what the connector asked.
 *
 * A folder describes the server. Its `routes` file has one answer per line:
 *
 *     # METHOD URI                  STATUS FILE        | Header: value | ...
 *     GET /automation/v4/flows?limit=100  200 flows-1.json
 *     GET /crm/v3/owners?limit=100  429 error.json   | Retry-After: 0
 *     GET /crm/v3/owners?limit=100  200 owners.json
 *     @date Sun, 01 Mar 2026 12:00:00 GMT
 *     @auth Bearer good-token
 *
 * URIs are compared after percent-decoding the request's. Several lines with
 * the same METHOD and URI answer in turn, the last one forever after. FILE is
 * read from the folder when answered ("-" = empty body). `@date` sets the
 * Date header of every answer; `@auth` answers 401 (HubSpot's expired-token
 * error) to any request whose Authorization header differs. A request with
 * no route gets 404.
 *
 * Compiled into the test programs that use it (it needs libmicrohttpd).
 */
#ifndef CRMGOV_TEST_HTTPSTUB_H
#define CRMGOV_TEST_HTTPSTUB_H

#include <stddef.h>

struct httpstub;

/* Starts serving `dir` on 127.0.0.1:port (0 = a free port). NULL on error
 * (printed to stderr). */
struct httpstub *httpstub_start(const char *dir, unsigned port);
unsigned httpstub_port(const struct httpstub *s);
/* The requests so far, one line each: "METHOD URI" plus " auth=VALUE" when
 * an Authorization header came. Caller frees. */
char *httpstub_requests(struct httpstub *s);
/* Appends each request line to this file too (for e2e scripts); NULL = off. */
void httpstub_log_to(struct httpstub *s, const char *path);
void httpstub_stop(struct httpstub *s);

/* A free TCP port on 127.0.0.1 (bound and released), or 0. */
unsigned httpstub_free_port(void);

/* Sends one request to http://127.0.0.1:port + uri and returns the status
 * (0 when nothing answered); the answer body into *answer when not NULL
 * (caller frees). headers: "Name: value" strings, NULL-terminated. */
int httpstub_send(unsigned port, const char *method, const char *uri,
                  const char *const *headers, const char *body, size_t body_len,
                  char **answer);

#endif
