/*
 * sf_api.h -- `source = api`: flows, users and the setup audit trail of an
 * org, over the REST and Tooling APIs.
 *
 * A pass:
 *   1. SetupAuditTrail rows since the last pass (REST query), kept for the
 *      pass: the latest row about a flow names who changed it last.
 *   2. Users (REST query) as `principal` events, published when a user's
 *      name, email, active flag or profile changed.
 *   3. FlowDefinition (Tooling query): one row per flow, naming its active
 *      and latest version. A flow whose version and definition date are
 *      those of the last pass is not fetched again; otherwise its version is
 *      fetched with `Metadata` (the Tooling API gives Metadata for one record
 *      per query) and handed to the sync like a file's flow.
 *   4. Flows no longer listed are reported deleted -- only when the whole
 *      list was read.
 * Every query follows nextRecordsUrl (only to a path on the same instance).
 *
 * Authentication: access_token, or token_file (read again when the token
 * is refused, so an external tool can renew it), or the OAuth 2.0
 * client-credentials flow (client_id, client_secret). A refused session
 * (HTTP 401, INVALID_SESSION_ID) re-authenticates once; a second refusal
 * ends the pass with an error that says what to fix. Secrets are never
 * logged.
 */
#ifndef SF_API_H
#define SF_API_H

#include <crmgov/host.h>

#include "sf_http.h"
#include "sf_sync.h"

struct sf_api_settings {
    const char *instance_url;   /* https://acme.my.salesforce.com (no trailing /) */
    const char *api_version;    /* "60.0" */
    const char *access_token;
    const char *token_file;
    const char *client_id;
    const char *client_secret;
    const char *token_url;      /* NULL: instance_url/services/oauth2/token */
    struct sf_http_settings http;
    int users;
    int audit_trail;
};

struct sf_api;

/* Settings strings are copied. NULL without memory. */
struct sf_api *sf_api_new(const struct crmgov_host *host, struct sf_sync *sync,
                          const struct sf_api_settings *settings);
void sf_api_free(struct sf_api *api);

/* Reads the user and audit-trail checkpoints; once, on the connector's thread. */
int sf_api_load(struct sf_api *api);

/* One pass. 0 when everything was read; -1 when something failed (logged). */
int sf_api_pass(struct sf_api *api);

#endif
