/*
 * sf_api.c -- the Tooling API source; see sf_api.h.
 *
 * Layers, bottom up: get_json (one authenticated GET, 401 handling, JSON or
 * a dead letter), query (a SOQL query with nextRecordsUrl paging, one
 * callback per record), then one reader per kind of fact (audit trail,
 * users, flows) and the pass that runs them in that order. Every reader
 * returns an api_rc: authentication failures and stopping end the pass at
 * once; other failures only mark it incomplete.
 */
#include "sf_api.h"

#include "flow_json.h"
#include "sf_arena.h"
#include "sf_json.h"
#include "sf_map.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_PAGES 100000
#define MAX_TOKEN_FILE 16384

enum api_rc {
    API_OK = 0,
    API_FAIL = -1,      /* this query failed; the pass goes on */
    API_AUTH = -2,      /* no usable session: the pass ends */
    API_STOP = -3       /* the core is stopping */
};

struct audit_row {
    char *action;
    char *section;
    char *display;
    char *by_id;
    char *by_username;
    char *delegate;
    crmgov_time at;
};

struct definition {
    char *id;
    char *api_name;
    char *version_id;
    char *modified_text;
    crmgov_time modified;
    char *modified_by;
};

struct sf_api {
    const struct crmgov_host *host;
    struct sf_sync *sync;
    char *instance_url;
    char *api_version;
    char *access_token;
    char *token_file;
    char *client_id;
    char *client_secret;
    char *token_url;
    int users;
    int audit_trail;
    struct sf_http *http;
    char *token;
    struct sf_map *user_digests;    /* user id -> malloc'd digest text */
    char *audit_since;              /* SOQL datetime of the newest row read */
    int audit_since_changed;
    struct audit_row *rows;
    size_t n_rows;
};

typedef enum api_rc (*record_fn)(struct sf_api *api, const cJSON *record, void *ctx);

/* ------------------------------------------------------------------------ */
/* Small helpers.                                                            */

static char *dup_or_null(const char *text)
{
    return text != NULL ? strdup(text) : NULL;
}

static void wipe_free(char *secret)
{
    if (secret != NULL) {
        volatile char *p = secret;
        while (*p != '\0')
            *p++ = '\0';
        free(secret);
    }
}

static const char *text_member(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* "Profile.Name" style: a member of a nested object. */
static const char *nested_text(const cJSON *object, const char *outer, const char *key)
{
    return text_member(cJSON_GetObjectItemCaseSensitive(object, outer), key);
}

/* Salesforce writes "2026-03-01T09:30:00.000+0000"; RFC 3339 wants "+00:00". */
static crmgov_time sf_time(const struct sf_api *api, const char *text)
{
    if (text == NULL)
        return CRMGOV_TIME_NONE;
    char fixed[64];
    size_t length = strlen(text);
    if (length + 2 >= sizeof fixed)
        return CRMGOV_TIME_NONE;
    memcpy(fixed, text, length + 1);
    if (length > 5 && (text[length - 5] == '+' || text[length - 5] == '-') &&
        isdigit((unsigned char)text[length - 1]) && text[length - 3] != ':') {
        memmove(fixed + length - 1, fixed + length - 2, 3);
        fixed[length - 2] = ':';
    }
    return api->host->time_parse(fixed);
}

static void url_path(const char *url, char *out, size_t size)
{
    const char *start = strstr(url, "://");
    start = start != NULL ? strchr(start + 3, '/') : url;
    snprintf(out, size, "%s", start != NULL ? start : "/");
}

/* The first error of a Salesforce error body, as "message (CODE)". */
static void error_text(const char *body, char *out, size_t size)
{
    cJSON *root = body != NULL ? cJSON_Parse(body) : NULL;
    const cJSON *first = cJSON_IsArray(root) ? cJSON_GetArrayItem(root, 0) : root;
    const char *message = text_member(first, "message");
    const char *code = text_member(first, "errorCode");
    if (message == NULL) {
        message = text_member(first, "error_description");
        code = text_member(first, "error");
    }
    if (message != NULL || code != NULL)
        snprintf(out, size, "%s%s%s%s", message != NULL ? message : "",
                 code != NULL ? " (" : "", code != NULL ? code : "", code != NULL ? ")" : "");
    else
        snprintf(out, size, "%.120s", body != NULL ? body : "no details");
    cJSON_Delete(root);
}

/* ------------------------------------------------------------------------ */
/* Authentication.                                                           */

static enum api_rc read_token_file(struct sf_api *api)
{
    FILE *file = fopen(api->token_file, "r");
    char *buffer = calloc(1, MAX_TOKEN_FILE + 1);
    size_t got = file != NULL && buffer != NULL ? fread(buffer, 1, MAX_TOKEN_FILE, file) : 0;
    if (file != NULL)
        fclose(file);
    char *start = buffer;
    while (start != NULL && isspace((unsigned char)*start))
        start++;
    size_t length = start != NULL ? strcspn(start, " \t\r\n") : 0;
    if (length == 0 || got == MAX_TOKEN_FILE) {
        api->host->log(api->host, CRMGOV_LOG_ERROR,
                       "token_file %s: %s", api->token_file,
                       file == NULL ? "cannot be read" : "holds no token (one line, the "
                                                         "access token)");
        wipe_free(buffer);
        return API_AUTH;
    }
    start[length] = '\0';
    api->token = strdup(start);
    wipe_free(buffer);
    return api->token != NULL ? API_OK : API_AUTH;
}

static char *credentials_form(struct sf_api *api)
{
    char *id = sf_http_escape(api->http, api->client_id);
    char *secret = sf_http_escape(api->http, api->client_secret);
    size_t size = (id != NULL ? strlen(id) : 0) + (secret != NULL ? strlen(secret) : 0) + 80;
    char *form = id != NULL && secret != NULL ? malloc(size) : NULL;
    if (form != NULL)
        snprintf(form, size, "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
                 secret);
    free(id);
    wipe_free(secret);
    return form;
}

static enum api_rc client_credentials(struct sf_api *api)
{
    char *form = credentials_form(api);
    if (form == NULL)
        return API_AUTH;
    struct sf_response response = {0};
    int rc = sf_http_call(api->http, api->token_url, NULL, form, &response);
    wipe_free(form);
    char path[256];
    url_path(api->token_url, path, sizeof path);
    if (rc != 0) {
        api->host->log(api->host, CRMGOV_LOG_ERROR, "authentication at %s failed: %s", path,
                       response.error);
        sf_response_clear(&response);
        return api->host->stopping(api->host) ? API_STOP : API_AUTH;
    }
    cJSON *root = response.status == 200 ? cJSON_Parse(response.body) : NULL;
    const char *token = text_member(root, "access_token");
    if (token != NULL) {
        api->token = strdup(token);
    } else {
        char why[300];
        error_text(response.body, why, sizeof why);
        api->host->log(api->host, CRMGOV_LOG_ERROR,
                       "authentication at %s failed: HTTP %ld: %s (check client_id, "
                       "client_secret and that the connected app allows the client "
                       "credentials flow)", path, response.status, why);
    }
    cJSON_Delete(root);
    if (response.body != NULL)
        memset(response.body, 0, response.length);
    sf_response_clear(&response);
    return api->token != NULL ? API_OK : API_AUTH;
}

/* Gets a session; renew: the last one was refused. */
static enum api_rc authenticate(struct sf_api *api, int renew)
{
    wipe_free(api->token);
    api->token = NULL;
    if (api->access_token != NULL) {
        if (renew) {
            api->host->log(api->host, CRMGOV_LOG_ERROR,
                           "Salesforce refused the configured access_token and it cannot be "
                           "renewed: set a fresh access_token, or use token_file or "
                           "client_id/client_secret");
            return API_AUTH;
        }
        api->token = strdup(api->access_token);
        return api->token != NULL ? API_OK : API_AUTH;
    }
    if (api->token_file != NULL)
        return read_token_file(api);
    return client_credentials(api);
}

/* ------------------------------------------------------------------------ */
/* One GET, and queries.                                                     */

static void malformed(struct sf_api *api, const char *path, const struct sf_response *response,
                      const char *end)
{
    char reason[160];
    size_t at = end != NULL && end >= response->body ? (size_t)(end - response->body) : 0;
    snprintf(reason, sizeof reason, "malformed JSON from Salesforce (HTTP %ld) near byte %zu",
             response->status, at);
    size_t raw = response->length < 1024 ? response->length : 1024;
    api->host->deadletter(api->host, path, 0, reason, response->body, raw);
    api->host->log(api->host, CRMGOV_LOG_WARN, "GET %s: %s", path, reason);
}

static enum api_rc get_json(struct sf_api *api, const char *url, cJSON **out)
{
    *out = NULL;
    char path[2048];
    url_path(url, path, sizeof path);
    if (api->token == NULL) {
        enum api_rc rc = authenticate(api, 0);
        if (rc != API_OK)
            return rc;
    }
    for (int renewed = 0;; renewed = 1) {
        struct sf_response response = {0};
        if (sf_http_call(api->http, url, api->token, NULL, &response) != 0) {
            int stopping = api->host->stopping(api->host);
            if (!stopping)
                api->host->log(api->host, CRMGOV_LOG_ERROR, "GET %s: %s", path, response.error);
            sf_response_clear(&response);
            return stopping ? API_STOP : API_FAIL;
        }
        char why[300];
        if (response.status == 401) {
            error_text(response.body, why, sizeof why);
            sf_response_clear(&response);
            if (!renewed) {
                api->host->log(api->host, CRMGOV_LOG_INFO,
                               "session refused (%s); authenticating again", why);
                enum api_rc rc = authenticate(api, 1);
                if (rc != API_OK)
                    return rc;
                continue;
            }
            api->host->log(api->host, CRMGOV_LOG_ERROR,
                           "Salesforce refused the session again after re-authenticating: "
                           "%s; check the token or the connected app's user and "
                           "permissions", why);
            return API_AUTH;
        }
        if (response.status != 200) {
            error_text(response.body, why, sizeof why);
            api->host->log(api->host, CRMGOV_LOG_ERROR, "GET %s: HTTP %ld: %s", path,
                           response.status, why);
            sf_response_clear(&response);
            return API_FAIL;
        }
        const char *end = NULL;
        *out = response.body != NULL
                   ? cJSON_ParseWithLengthOpts(response.body, response.length, &end, 0)
                   : NULL;
        if (*out == NULL)
            malformed(api, path, &response, end);
        sf_response_clear(&response);
        return *out != NULL ? API_OK : API_FAIL;
    }
}

static char *query_url(struct sf_api *api, int tooling, const char *soql)
{
    char *escaped = sf_http_escape(api->http, soql);
    if (escaped == NULL)
        return NULL;
    size_t size = strlen(api->instance_url) + strlen(escaped) + 64;
    char *url = malloc(size);
    if (url != NULL)
        snprintf(url, size, "%s/services/data/v%s%s/query?q=%s", api->instance_url,
                 api->api_version, tooling ? "/tooling" : "", escaped);
    free(escaped);
    return url;
}

/* A next page must stay on this instance: a path, nothing else. */
static char *next_url(struct sf_api *api, const char *next)
{
    if (next == NULL || strncmp(next, "/services/data/", 15) != 0 || strstr(next, "//") != NULL ||
        strpbrk(next, " \r\n") != NULL)
        return NULL;
    size_t size = strlen(api->instance_url) + strlen(next) + 1;
    char *url = malloc(size);
    if (url != NULL)
        snprintf(url, size, "%s%s", api->instance_url, next);
    return url;
}

static enum api_rc query(struct sf_api *api, int tooling, const char *soql, record_fn fn,
                         void *ctx)
{
    char *url = query_url(api, tooling, soql);
    enum api_rc rc = url != NULL ? API_OK : API_FAIL;
    for (int page = 0; url != NULL && rc == API_OK; page++) {
        cJSON *root = NULL;
        rc = get_json(api, url, &root);
        free(url);
        url = NULL;
        const cJSON *record;
        cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(root, "records"))
        {
            if (rc != API_OK || api->host->stopping(api->host))
                break;
            rc = fn(api, record, ctx);
        }
        if (rc == API_OK && api->host->stopping(api->host))
            rc = API_STOP;
        const cJSON *done = cJSON_GetObjectItemCaseSensitive(root, "done");
        const char *next = text_member(root, "nextRecordsUrl");
        if (rc == API_OK && root != NULL && !cJSON_IsTrue(done)) {
            url = next_url(api, next);
            if (url == NULL || page + 1 >= MAX_PAGES) {
                api->host->log(api->host, CRMGOV_LOG_ERROR,
                               "a query result is not done and has no usable nextRecordsUrl "
                               "(%.80s)", next != NULL ? next : "none");
                rc = API_FAIL;
            }
        }
        cJSON_Delete(root);
    }
    free(url);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* SetupAuditTrail.                                                          */

static void rows_clear(struct sf_api *api)
{
    for (size_t i = 0; i < api->n_rows; i++) {
        struct audit_row *row = &api->rows[i];
        free(row->action);
        free(row->section);
        free(row->display);
        free(row->by_id);
        free(row->by_username);
        free(row->delegate);
    }
    free(api->rows);
    api->rows = NULL;
    api->n_rows = 0;
}

static int about_automation(const char *section)
{
    return section != NULL && (strcasestr(section, "flow") != NULL ||
                               strcasestr(section, "process") != NULL ||
                               strcasestr(section, "workflow") != NULL);
}

static void soql_time(crmgov_time at, char *out, size_t size)
{
    time_t seconds = (time_t)(at / 1000);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static enum api_rc audit_record(struct sf_api *api, const cJSON *record, void *ctx)
{
    crmgov_time *newest = ctx;
    crmgov_time at = sf_time(api, text_member(record, "CreatedDate"));
    if (at != CRMGOV_TIME_NONE && (*newest == CRMGOV_TIME_NONE || at > *newest))
        *newest = at;
    const char *section = text_member(record, "Section");
    if (!about_automation(section) || at == CRMGOV_TIME_NONE)
        return API_OK;
    struct audit_row *grown = realloc(api->rows, (api->n_rows + 1) * sizeof *grown);
    if (grown == NULL)
        return API_FAIL;
    api->rows = grown;
    api->rows[api->n_rows++] = (struct audit_row){
        dup_or_null(text_member(record, "Action")), dup_or_null(section),
        dup_or_null(text_member(record, "Display")), dup_or_null(text_member(record, "CreatedById")),
        dup_or_null(nested_text(record, "CreatedBy", "Username")),
        dup_or_null(text_member(record, "DelegateUser")), at};
    return API_OK;
}

static enum api_rc read_audit(struct sf_api *api)
{
    char soql[256];
    snprintf(soql, sizeof soql,
             "SELECT Id, Action, Section, Display, CreatedDate, CreatedById, CreatedBy.Username, "
             "DelegateUser FROM SetupAuditTrail%s%s ORDER BY CreatedDate",
             api->audit_since != NULL ? " WHERE CreatedDate >= " : "",
             api->audit_since != NULL ? api->audit_since : "");
    crmgov_time newest = CRMGOV_TIME_NONE;
    enum api_rc rc = query(api, 0, soql, audit_record, &newest);
    if (rc == API_OK && newest != CRMGOV_TIME_NONE) {
        char since[32];
        soql_time(newest, since, sizeof since);
        if (api->audit_since == NULL || strcmp(since, api->audit_since) != 0) {
            free(api->audit_since);
            api->audit_since = strdup(since);
            api->audit_since_changed = 1;
        }
    }
    return rc;
}

/* The latest audit row that names the flow (its API name, or its label in quotes). */
static const struct audit_row *audit_row_for(const struct sf_api *api, const char *api_name,
                                             const char *label)
{
    const struct audit_row *best = NULL;
    char quoted[520], curly[520];
    snprintf(quoted, sizeof quoted, "\"%s\"", label != NULL ? label : "");
    snprintf(curly, sizeof curly, "\xe2\x80\x9c%s\xe2\x80\x9d", label != NULL ? label : "");
    for (size_t i = 0; i < api->n_rows; i++) {
        const struct audit_row *row = &api->rows[i];
        const char *display = row->display != NULL ? row->display : "";
        int names = strstr(display, api_name) != NULL ||
                    (label != NULL && *label != '\0' &&
                     (strstr(display, quoted) != NULL || strstr(display, curly) != NULL));
        if (names && (best == NULL || row->at >= best->at))
            best = row;
    }
    return best;
}

/* ------------------------------------------------------------------------ */
/* Users.                                                                    */

static int is_service_user(const char *user_type, const char *profile)
{
    return (user_type != NULL && strcmp(user_type, "AutomatedProcess") == 0) ||
           (profile != NULL && strcmp(profile, "Salesforce API Only System Integrations") == 0);
}

static char *principal_digest(const struct crmgov_principal *principal)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", principal->id);
    if (principal->name != NULL)
        cJSON_AddStringToObject(root, "name", principal->name);
    if (principal->email != NULL)
        cJSON_AddStringToObject(root, "email", principal->email);
    cJSON_AddBoolToObject(root, "active", principal->active);
    cJSON *roles = cJSON_AddArrayToObject(root, "roles");
    for (size_t i = 0; i < principal->n_roles; i++)
        cJSON_AddItemToArray(roles, cJSON_CreateString(principal->roles[i]));
    char *text = sf_json_canonical(root);
    cJSON_Delete(root);
    return text;
}

static enum api_rc user_record(struct sf_api *api, const cJSON *record, void *ctx)
{
    (void)ctx;
    const char *id = text_member(record, "Id");
    if (id == NULL)
        return API_OK;
    const char *profile = nested_text(record, "Profile", "Name");
    const char *roles[2];
    size_t n_roles = 0;
    if (profile != NULL)
        roles[n_roles++] = profile;
    if (is_service_user(text_member(record, "UserType"), profile))
        roles[n_roles++] = "service";
    struct crmgov_principal principal = {
        .struct_size = sizeof principal, .id = id, .name = text_member(record, "Name"),
        .email = text_member(record, "Email"),
        .active = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(record, "IsActive")),
        .roles = roles, .n_roles = n_roles};
    char *digest = principal_digest(&principal);
    char *old = sf_map_get(api->user_digests, id);
    if (digest == NULL || (old != NULL && strcmp(old, digest) == 0)) {
        free(digest);
        return API_OK;
    }
    crmgov_time at = sf_time(api, text_member(record, "LastModifiedDate"));
    struct crmgov_event event = {.struct_size = sizeof event, .topic = CRMGOV_TOPIC_PRINCIPAL,
                                 .system = sf_sync_system(api->sync),
                                 .at = at != CRMGOV_TIME_NONE ? at : sf_wall_clock(),
                                 .source = "query:User"};
    event.u.principal = &principal;
    if (api->host->publish(api->host, &event) == CRMGOV_OK) {
        char key[300];
        snprintf(key, sizeof key, "user:%s", id);
        api->host->checkpoint(api->host, key, digest, strlen(digest));
    }
    free(old);
    if (sf_map_put(api->user_digests, id, digest) != 0)
        free(digest);
    return API_OK;
}

static enum api_rc read_users(struct sf_api *api)
{
    return query(api, 0,
                 "SELECT Id, Username, Name, Email, IsActive, UserType, Profile.Name, "
                 "LastModifiedDate FROM User",
                 user_record, NULL);
}

/* ------------------------------------------------------------------------ */
/* Flows.                                                                    */

struct definitions {
    struct definition *items;
    size_t n;
};

static void definitions_clear(struct definitions *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].id);
        free(list->items[i].api_name);
        free(list->items[i].version_id);
        free(list->items[i].modified_text);
        free(list->items[i].modified_by);
    }
    free(list->items);
}

static char *api_name_of(const cJSON *record)
{
    const char *name = text_member(record, "DeveloperName");
    const char *prefix = text_member(record, "NamespacePrefix");
    if (name == NULL)
        return NULL;
    size_t size = strlen(name) + (prefix != NULL ? strlen(prefix) + 2 : 0) + 1;
    char *full = malloc(size);
    if (full != NULL)
        snprintf(full, size, "%s%s%s", prefix != NULL ? prefix : "", prefix != NULL ? "__" : "",
                 name);
    return full;
}

static enum api_rc definition_record(struct sf_api *api, const cJSON *record, void *ctx)
{
    struct definitions *list = ctx;
    const char *id = text_member(record, "Id");
    const char *version = text_member(record, "ActiveVersionId");
    if (version == NULL)
        version = text_member(record, "LatestVersionId");
    if (id == NULL || version == NULL)
        return API_OK; /* a definition without a version holds nothing yet */
    struct definition *grown = realloc(list->items, (list->n + 1) * sizeof *grown);
    if (grown == NULL)
        return API_FAIL;
    list->items = grown;
    const char *modified = text_member(record, "LastModifiedDate");
    list->items[list->n++] = (struct definition){
        strdup(id), api_name_of(record), strdup(version), dup_or_null(modified),
        sf_time(api, modified), dup_or_null(text_member(record, "LastModifiedById"))};
    return API_OK;
}

static int valid_record_id(const char *id)
{
    size_t length = strlen(id);
    if (length != 15 && length != 18)
        return 0;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)id[i]))
            return 0;
    return 1;
}

static enum api_rc keep_first(struct sf_api *api, const cJSON *record, void *ctx)
{
    (void)api;
    cJSON **first = ctx;
    if (*first == NULL)
        *first = cJSON_Duplicate(record, 1);
    return API_OK;
}

static void add_audit_attributes(const struct sf_api *api, cJSON *attributes,
                                 const struct audit_row *row)
{
    cJSON *audit = cJSON_AddObjectToObject(attributes, "setup_audit");
    const char *const members[][2] = {
        {"action", row->action}, {"section", row->section}, {"display", row->display},
        {"by", row->by_id}, {"by_username", row->by_username}, {"delegate", row->delegate},
    };
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        if (members[i][1] != NULL)
            cJSON_AddStringToObject(audit, members[i][0], members[i][1]);
    char when[32];
    cJSON_AddStringToObject(audit, "at", api->host->time_format(row->at, when));
}

/* Who and when: the later of the version and the definition (activation
 * changes only the definition), then the setup audit trail when it names the
 * flow. Fills observed; the attributes text is malloc'd into *attributes. */
static void describe_change(struct sf_api *api, const struct definition *definition,
                            const cJSON *record, const char *label, struct sf_observed *observed,
                            char **attributes)
{
    crmgov_time version_at = sf_time(api, text_member(record, "LastModifiedDate"));
    observed->at = version_at;
    observed->modified_by = text_member(record, "LastModifiedById");
    if (definition->modified != CRMGOV_TIME_NONE &&
        (version_at == CRMGOV_TIME_NONE || definition->modified > version_at)) {
        observed->at = definition->modified;
        observed->modified_by = definition->modified_by;
    }
    if (observed->at == CRMGOV_TIME_NONE)
        observed->at = sf_wall_clock();
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(extra, "definition_id", definition->id);
    cJSON_AddStringToObject(extra, "version_id", definition->version_id);
    const cJSON *number = cJSON_GetObjectItemCaseSensitive(record, "VersionNumber");
    if (cJSON_IsNumber(number))
        cJSON_AddNumberToObject(extra, "version_number", number->valuedouble);
    const struct audit_row *row = audit_row_for(api, definition->api_name, label);
    if (row != NULL) {
        if (row->by_id != NULL)
            observed->modified_by = row->by_id;
        add_audit_attributes(api, extra, row);
    }
    *attributes = sf_json_canonical(extra);
    cJSON_Delete(extra);
}

static void flow_dead_letter(struct sf_api *api, const char *source, const char *reason)
{
    api->host->deadletter(api->host, source, 0, reason, NULL, 0);
    api->host->log(api->host, CRMGOV_LOG_WARN, "%s: %s", source, reason);
}

static enum api_rc sync_version(struct sf_api *api, const struct definition *definition,
                                const char *tag, const cJSON *record, const char *source)
{
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_from_json(cJSON_GetObjectItemCaseSensitive(record, "Metadata"),
                                             definition->api_name, NULL, &error);
    if (flow == NULL) {
        const char *reason = strstr(error.message, ": ");
        flow_dead_letter(api, source, reason != NULL ? reason + 2 : error.message);
        sf_sync_touch(api->sync, definition->api_name);
        return API_FAIL;
    }
    if (flow->status == NULL)
        flow->status = sf_arena_strdup(flow->arena, text_member(record, "Status"));
    char origin[128];
    snprintf(origin, sizeof origin, "FlowDefinition/%s", definition->id);
    struct sf_observed observed = {.origin = origin, .version = tag, .source = source};
    char *attributes = NULL;
    describe_change(api, definition, record,
                    flow->label != NULL ? flow->label : text_member(record, "MasterLabel"),
                    &observed, &attributes);
    observed.attributes_json = attributes;
    int rc = sf_sync_flow(api->sync, flow, &observed);
    if (rc == SF_SYNC_DUPLICATE)
        api->host->log(api->host, CRMGOV_LOG_WARN, "two flow definitions are named %s; %s is "
                       "ignored", definition->api_name, origin);
    free(attributes);
    sf_flow_free(flow);
    return API_OK;
}

static enum api_rc read_flow(struct sf_api *api, const struct definition *definition)
{
    size_t tag_size = strlen(definition->version_id) +
                      (definition->modified_text != NULL ? strlen(definition->modified_text) : 0) +
                      2;
    char *tag = malloc(tag_size);
    if (tag == NULL)
        return API_FAIL;
    snprintf(tag, tag_size, "%s@%s", definition->version_id,
             definition->modified_text != NULL ? definition->modified_text : "");
    const char *known = sf_sync_version(api->sync, definition->api_name);
    enum api_rc rc = API_OK;
    if ((known != NULL && strcmp(known, tag) == 0) || !valid_record_id(definition->version_id)) {
        if (known == NULL || strcmp(known, tag) != 0)
            api->host->log(api->host, CRMGOV_LOG_WARN, "flow %s: version id '%.40s' is not a "
                           "record id; skipped", definition->api_name, definition->version_id);
        sf_sync_touch(api->sync, definition->api_name);
        free(tag);
        return API_OK;
    }
    char soql[320], source[64];
    snprintf(soql, sizeof soql,
             "SELECT Id, DefinitionId, MasterLabel, Status, VersionNumber, LastModifiedDate, "
             "LastModifiedById, Metadata FROM Flow WHERE Id = '%s'", definition->version_id);
    snprintf(source, sizeof source, "tooling:Flow/%s", definition->version_id);
    cJSON *record = NULL;
    rc = query(api, 1, soql, keep_first, &record);
    if (rc == API_OK && record == NULL) {
        flow_dead_letter(api, source, "the Tooling API returned no such flow version");
        rc = API_FAIL;
    }
    if (rc == API_OK)
        rc = sync_version(api, definition, tag, record, source);
    else if (rc == API_FAIL)
        sf_sync_touch(api->sync, definition->api_name); /* keep what we had */
    cJSON_Delete(record);
    free(tag);
    return rc;
}

static enum api_rc read_flows(struct sf_api *api, int *complete)
{
    struct definitions list = {0};
    enum api_rc rc = query(api, 1,
                           "SELECT Id, DeveloperName, NamespacePrefix, ActiveVersionId, "
                           "LatestVersionId, LastModifiedDate, LastModifiedById FROM "
                           "FlowDefinition",
                           definition_record, &list);
    *complete = rc == API_OK;
    enum api_rc worst = rc;
    for (size_t i = 0; rc == API_OK && i < list.n; i++) {
        if (list.items[i].api_name == NULL)
            continue;
        enum api_rc one = read_flow(api, &list.items[i]);
        if (one == API_AUTH || one == API_STOP) {
            *complete = 0;
            worst = one;
            break;
        }
        if (one != API_OK)
            worst = one;
    }
    definitions_clear(&list);
    return worst;
}

/* ------------------------------------------------------------------------ */
/* Life cycle and the pass.                                                  */

struct sf_api *sf_api_new(const struct crmgov_host *host, struct sf_sync *sync,
                          const struct sf_api_settings *settings)
{
    struct sf_api *api = calloc(1, sizeof *api);
    if (api == NULL)
        return NULL;
    api->host = host;
    api->sync = sync;
    api->instance_url = strdup(settings->instance_url);
    api->api_version = strdup(settings->api_version);
    api->access_token = dup_or_null(settings->access_token);
    api->token_file = dup_or_null(settings->token_file);
    api->client_id = dup_or_null(settings->client_id);
    api->client_secret = dup_or_null(settings->client_secret);
    if (settings->token_url != NULL) {
        api->token_url = strdup(settings->token_url);
    } else if (api->instance_url != NULL) {
        size_t size = strlen(api->instance_url) + 32;
        api->token_url = malloc(size);
        if (api->token_url != NULL)
            snprintf(api->token_url, size, "%s/services/oauth2/token", api->instance_url);
    }
    api->users = settings->users;
    api->audit_trail = settings->audit_trail;
    api->http = sf_http_new(host, &settings->http);
    api->user_digests = sf_map_new();
    if (api->instance_url == NULL || api->api_version == NULL || api->token_url == NULL ||
        api->http == NULL || api->user_digests == NULL) {
        sf_api_free(api);
        return NULL;
    }
    return api;
}

static void free_digest(void *ctx, const char *key, void *value)
{
    (void)ctx;
    (void)key;
    free(value);
}

void sf_api_free(struct sf_api *api)
{
    if (api == NULL)
        return;
    rows_clear(api);
    sf_map_each(api->user_digests, free_digest, NULL);
    sf_map_free(api->user_digests);
    sf_http_free(api->http);
    wipe_free(api->token);
    wipe_free(api->access_token);
    wipe_free(api->client_secret);
    free(api->client_id);
    free(api->token_file);
    free(api->token_url);
    free(api->instance_url);
    free(api->api_version);
    free(api->audit_since);
    free(api);
}

static int load_user(void *ctx, const char *key, const void *value, size_t len)
{
    struct sf_api *api = ctx;
    if (strncmp(key, "user:", 5) != 0)
        return 0;
    char *digest = strndup(value, len);
    if (digest != NULL && sf_map_put(api->user_digests, key + 5, digest) != 0)
        free(digest);
    return 0;
}

static int load_since(void *ctx, const char *key, const void *value, size_t len)
{
    struct sf_api *api = ctx;
    (void)key;
    free(api->audit_since);
    api->audit_since = strndup(value, len);
    return 0;
}

int sf_api_load(struct sf_api *api)
{
    if (api->host->state_scan(api->host, "user:", load_user, api) < 0)
        return -1;
    api->host->state_get(api->host, "audit:since", load_since, api);
    return 0;
}

int sf_api_pass(struct sf_api *api)
{
    enum api_rc worst = API_OK, rc = API_OK;
    int complete = 0;
    sf_sync_begin(api->sync);
    rows_clear(api);
    if (api->audit_trail)
        worst = rc = read_audit(api);
    if (api->users && rc != API_AUTH && rc != API_STOP) {
        rc = read_users(api);
        if (rc != API_OK)
            worst = rc;
    }
    if (rc != API_AUTH && rc != API_STOP) {
        rc = read_flows(api, &complete);
        if (rc != API_OK)
            worst = rc;
    }
    sf_sync_end(api->sync, complete, sf_wall_clock());
    if (api->audit_since_changed && worst != API_AUTH && worst != API_STOP) {
        api->host->checkpoint(api->host, "audit:since", api->audit_since,
                              strlen(api->audit_since));
        api->audit_since_changed = 0;
    }
    rows_clear(api);
    return worst == API_OK ? 0 : -1;
}
