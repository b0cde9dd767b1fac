/*
 * salesforce.c -- the `salesforce` connector: Salesforce automations (flows,
 * legacy workflow rules), users and setup changes into crmgov, with the
 * SF0xx flow checks as findings.
 *
 * This file is the glue only: the option table, reading and checking the
 * options, one worker thread that runs passes of the configured source
 * (sf_dir.h for `source = dir`, sf_api.h for `source = api`) every `rescan`,
 * and the "flow-parser" service (sf_service.h) that lets other plugins --
 * `crmgov check` in the change layer -- parse flow files the same way.
 * `source = none` reads nothing and only offers that service.
 *
 * libxml2 and libcurl keep process-wide state that must be set up before any
 * thread uses them: init() does both (xmlInitParser, curl_global_init), on
 * the core's main thread.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include <crmgov/host.h>
#include <crmgov/plugin.h>

#include "sf_api.h"
#include "sf_dir.h"
#include "sf_service.h"
#include "sf_sync.h"

enum source_kind { SOURCE_DIR, SOURCE_API, SOURCE_NONE };

struct salesforce {
    const struct crmgov_host *host;
    enum source_kind source;
    char *system;
    char *path;
    int64_t rescan_ms;
    struct sf_parser parser;
    int service_registered;
    int curl_ready;
    struct sf_sync *sync;
    struct sf_dir *dir;
    struct sf_api *api;
    pthread_t thread;
    int running;
};

static const struct crmgov_option salesforce_options[] = {
    {.name = "source", .type = CRMGOV_OPT_ENUM, .flags = CRMGOV_OPT_REQUIRED,
     .allowed = "dir|api|none",
     .doc = "where flows come from: dir (SFDX project or metadata retrieve), api (Tooling API), "
            "none (only offer the flow parser to crmgov check)",
     .example = "dir"},
    {.name = "system", .type = CRMGOV_OPT_STRING, .flags = CRMGOV_OPT_REQUIRED,
     .doc = "the system id every event carries (one per org)", .example = "sf-prod"},
    {.name = "path", .type = CRMGOV_OPT_STRING, .default_value = ".",
     .doc = "dir: an SFDX project, a retrieve folder or one flow file (relative to the "
            "configuration file)",
     .example = "force-app"},
    {.name = "rescan", .type = CRMGOV_OPT_DURATION, .default_value = "0", .max = "30d",
     .doc = "how often to look again (dir: changed files; api: the org); 0 = once",
     .example = "5m"},
    {.name = "workflows", .type = CRMGOV_OPT_BOOL, .default_value = "true",
     .doc = "dir: also read legacy workflow rules (*.workflow-meta.xml, *.workflow)"},
    {.name = "checks", .type = CRMGOV_OPT_BOOL, .default_value = "true",
     .doc = "raise the SF0xx flow findings (docs/rules/salesforce.md)"},
    {.name = "min_api_version", .type = CRMGOV_OPT_INT, .default_value = "58", .min = "1",
     .max = "1000", .doc = "SF010: flows below this API version are outdated"},
    {.name = "max_complexity", .type = CRMGOV_OPT_INT, .default_value = "25", .min = "1",
     .max = "1000000", .doc = "SF019: the highest cyclomatic complexity accepted"},
    {.name = "instance_url", .type = CRMGOV_OPT_STRING,
     .doc = "api: the org's My Domain URL (https; http only for localhost)",
     .example = "https://acme.my.salesforce.com"},
    {.name = "api_version", .type = CRMGOV_OPT_STRING, .default_value = "60.0",
     .doc = "api: REST and Tooling API version", .example = "60.0"},
    {.name = "access_token", .type = CRMGOV_OPT_SECRET, .flags = CRMGOV_OPT_SENSITIVE,
     .doc = "api: an OAuth access token (cannot be renewed; prefer token_file or client "
            "credentials)"},
    {.name = "token_file", .type = CRMGOV_OPT_STRING,
     .doc = "api: a file holding the access token, read again when Salesforce refuses it",
     .example = "/run/secrets/sf-token"},
    {.name = "client_id", .type = CRMGOV_OPT_STRING,
     .doc = "api: connected app consumer key (OAuth 2.0 client credentials flow)"},
    {.name = "client_secret", .type = CRMGOV_OPT_SECRET, .flags = CRMGOV_OPT_SENSITIVE,
     .doc = "api: connected app consumer secret"},
    {.name = "token_url", .type = CRMGOV_OPT_STRING,
     .doc = "api: OAuth token endpoint (default: INSTANCE_URL/services/oauth2/token)"},
    {.name = "users", .type = CRMGOV_OPT_BOOL, .default_value = "true",
     .doc = "api: publish users as principals"},
    {.name = "audit_trail", .type = CRMGOV_OPT_BOOL, .default_value = "true",
     .doc = "api: read SetupAuditTrail to name who changed or activated a flow"},
    {.name = "timeout", .type = CRMGOV_OPT_DURATION, .default_value = "60s", .min = "1s",
     .max = "10m", .doc = "api: longest HTTP request"},
    {.name = "max_retries", .type = CRMGOV_OPT_INT, .default_value = "5", .min = "0",
     .max = "20", .doc = "api: retries after HTTP 429/503 or a network failure"},
    {.name = "max_backoff", .type = CRMGOV_OPT_DURATION, .default_value = "60s",
     .min = "100ms", .max = "1h",
     .doc = "api: longest wait before a retry; a longer Retry-After ends the pass"},
    {.name = "max_response", .type = CRMGOV_OPT_SIZE, .default_value = "64M", .min = "64k",
     .max = "1G", .doc = "api: largest HTTP response body accepted"},
    CRMGOV_OPTIONS_END};

/* ------------------------------------------------------------------------ */
/* Options.                                                                  */

static char *resolve_path(const struct crmgov_host *host, const struct crmgov_config *config,
                          const char *path)
{
    const char *dir = host->config_dir(config);
    size_t size = strlen(dir) + strlen(path) + 2;
    char *full = malloc(size);
    if (full == NULL)
        return NULL;
    if (path[0] == '/' || strcmp(dir, ".") == 0)
        snprintf(full, size, "%s", path);
    else
        snprintf(full, size, "%s/%s", dir, path);
    return full;
}

static int is_local_host(const char *url)
{
    static const char *const locals[] = {"http://127.0.0.1", "http://localhost", "http://[::1]"};
    for (size_t i = 0; i < sizeof locals / sizeof locals[0]; i++) {
        size_t n = strlen(locals[i]);
        if (strncmp(url, locals[i], n) == 0 && (url[n] == '\0' || url[n] == ':' || url[n] == '/'))
            return 1;
    }
    return 0;
}

/* "60", "60.0" or "v60.0" -> "60.0" in out; -1 when it is none of those. */
static int normalize_api_version(const char *text, char *out, size_t size)
{
    if (text[0] == 'v' || text[0] == 'V')
        text++;
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 4)
        return -1;
    if (text[digits] == '\0')
        snprintf(out, size, "%s.0", text);
    else if (text[digits] == '.' && strspn(text + digits + 1, "0123456789") ==
                                        strlen(text + digits + 1) && text[digits + 1] != '\0')
        snprintf(out, size, "%s", text);
    else
        return -1;
    return 0;
}

static int config_error(const struct crmgov_host *host, const char *message)
{
    host->set_error(host, "%s", message);
    return CRMGOV_INVALID_CONFIG;
}

struct api_options {
    struct sf_api_settings settings;
    char version[16];
    char *instance_url;     /* without trailing slashes */
};

static int read_api_options(const struct crmgov_host *host, const struct crmgov_config *config,
                            struct api_options *out)
{
    struct sf_api_settings *s = &out->settings;
    const char *url = host->config_string(config, "instance_url");
    if (url == NULL)
        return config_error(host, "source = api needs instance_url");
    if (strncmp(url, "https://", 8) != 0 && !is_local_host(url))
        return config_error(host, "instance_url must start with https:// (http:// is accepted "
                                  "for localhost only)");
    if (normalize_api_version(host->config_string(config, "api_version"), out->version,
                              sizeof out->version) != 0)
        return config_error(host, "api_version must look like 60.0");
    s->access_token = host->config_string(config, "access_token");
    s->token_file = host->config_string(config, "token_file");
    s->client_id = host->config_string(config, "client_id");
    s->client_secret = host->config_string(config, "client_secret");
    int ways = (s->access_token != NULL) + (s->token_file != NULL) + (s->client_id != NULL);
    if (ways != 1)
        return config_error(host, "source = api needs exactly one of access_token, token_file "
                                  "or client_id (with client_secret)");
    if ((s->client_id != NULL) != (s->client_secret != NULL))
        return config_error(host, "client_id and client_secret go together");
    out->instance_url = strdup(url);
    if (out->instance_url == NULL)
        return CRMGOV_ERROR;
    size_t length = strlen(out->instance_url);
    while (length > 0 && out->instance_url[length - 1] == '/')
        out->instance_url[--length] = '\0';
    s->instance_url = out->instance_url;
    s->api_version = out->version;
    s->token_url = host->config_string(config, "token_url");
    s->users = host->config_bool(config, "users");
    s->audit_trail = host->config_bool(config, "audit_trail");
    s->http.timeout_ms = host->config_duration_ms(config, "timeout");
    s->http.max_retries = (int)host->config_int(config, "max_retries");
    s->http.max_backoff_ms = host->config_duration_ms(config, "max_backoff");
    s->http.max_response = host->config_size(config, "max_response");
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* Life cycle.                                                               */

static void salesforce_fini(void *state);

static int build_source(struct salesforce *sf, const struct crmgov_config *config,
                        const struct sf_check_options *check, int workflows)
{
    const struct crmgov_host *host = sf->host;
    char fingerprint[160];
    snprintf(fingerprint, sizeof fingerprint,
             "checks=%d;min_api_version=%d;max_complexity=%d;workflows=%d",
             host->config_bool(config, "checks"), check->min_api_version,
             check->max_complexity, workflows);
    struct sf_sync_settings settings = {.system = sf->system,
                                        .checks = host->config_bool(config, "checks"),
                                        .check = *check, .fingerprint = fingerprint};
    sf->sync = sf_sync_new(host, &settings);
    if (sf->sync == NULL)
        return CRMGOV_ERROR;
    if (sf->source == SOURCE_DIR) {
        sf->path = resolve_path(host, config, host->config_string(config, "path"));
        sf->dir = sf->path != NULL ? sf_dir_new(host, sf->sync, sf->path, workflows) : NULL;
        return sf->dir != NULL ? CRMGOV_OK : CRMGOV_ERROR;
    }
    struct api_options options = {0};
    char *token_file = NULL;
    int rc = read_api_options(host, config, &options);
    if (rc == CRMGOV_OK && options.settings.token_file != NULL) {
        token_file = resolve_path(host, config, options.settings.token_file);
        options.settings.token_file = token_file;
        rc = token_file != NULL ? CRMGOV_OK : CRMGOV_ERROR;
    }
    if (rc == CRMGOV_OK && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        host->set_error(host, "cannot initialise libcurl");
        rc = CRMGOV_INVALID_CONFIG;
    } else if (rc == CRMGOV_OK) {
        sf->curl_ready = 1;
        sf->api = sf_api_new(host, sf->sync, &options.settings);
        rc = sf->api != NULL ? CRMGOV_OK : CRMGOV_ERROR;
    }
    free(token_file);
    free(options.instance_url);
    return rc;
}

static int salesforce_init(const struct crmgov_host *host, const struct crmgov_config *config,
                           void **state)
{
    struct salesforce *sf = calloc(1, sizeof *sf);
    if (sf == NULL) {
        host->set_error(host, "out of memory");
        return CRMGOV_ERROR;
    }
    sf->host = host;
    xmlInitParser();
    const char *source = host->config_string(config, "source");
    sf->source = strcmp(source, "api") == 0    ? SOURCE_API
                 : strcmp(source, "none") == 0 ? SOURCE_NONE
                                               : SOURCE_DIR;
    sf->system = strdup(host->config_string(config, "system"));
    sf->rescan_ms = host->config_duration_ms(config, "rescan");
    struct sf_check_options check;
    sf_check_options_default(&check);
    check.min_api_version = (int)host->config_int(config, "min_api_version");
    check.max_complexity = (int)host->config_int(config, "max_complexity");
    int workflows = host->config_bool(config, "workflows");
    sf_parser_init(&sf->parser, workflows, &check);
    int rc = sf->system != NULL ? CRMGOV_OK : CRMGOV_ERROR;
    if (rc == CRMGOV_OK && sf->system[0] == '\0')
        rc = config_error(host, "system must not be empty");
    if (rc == CRMGOV_OK && sf->source != SOURCE_NONE)
        rc = build_source(sf, config, &check, workflows);
    if (rc == CRMGOV_OK &&
        host->service_lookup(host, CRMGOV_FLOW_PARSER_SERVICE, 1) == NULL) {
        rc = host->service_register(host, CRMGOV_FLOW_PARSER_SERVICE,
                                    CRMGOV_FLOW_PARSER_SERVICE_VERSION, &sf->parser.service);
        sf->service_registered = rc == CRMGOV_OK;
    }
    if (rc != CRMGOV_OK) {
        if (rc == CRMGOV_ERROR)
            host->set_error(host, "cannot set up the salesforce connector (out of memory?)");
        salesforce_fini(sf);
        return rc;
    }
    *state = sf;
    return CRMGOV_OK;
}

static int load(struct salesforce *sf)
{
    if (sf_sync_load(sf->sync) != 0)
        return -1;
    return sf->dir != NULL ? sf_dir_load(sf->dir) : sf_api_load(sf->api);
}

static void pass(struct salesforce *sf)
{
    if (sf->dir != NULL)
        sf_dir_pass(sf->dir);
    else if (sf_api_pass(sf->api) != 0)
        sf->host->log(sf->host, CRMGOV_LOG_WARN,
                      "the last pass over %s did not read everything (see above)", sf->system);
}

static void *worker(void *arg)
{
    struct salesforce *sf = arg;
    const struct crmgov_host *host = sf->host;
    crmgov_time started = sf_wall_clock();
    int loaded = load(sf);
    host->log(host, CRMGOV_LOG_DEBUG, "saved state read in %lld ms",
              (long long)(sf_wall_clock() - started));
    if (loaded != 0) {
        host->log(host, CRMGOV_LOG_ERROR, "cannot read this connector's saved state");
        host->connector_done(host);
        return NULL;
    }
    for (int first = 1; !host->stopping(host); first = 0) {
        pass(sf);
        if (first)
            host->connector_done(host); /* caught up once */
        if (host->batch_mode(host) || sf->rescan_ms <= 0 || host->sleep(host, sf->rescan_ms))
            break;
    }
    return NULL;
}

static int salesforce_start(void *state)
{
    struct salesforce *sf = state;
    if (sf->source == SOURCE_NONE) {
        sf->host->connector_done(sf->host);
        return CRMGOV_OK;
    }
    if (pthread_create(&sf->thread, NULL, worker, sf) != 0) {
        sf->host->set_error(sf->host, "cannot start the reader thread");
        return CRMGOV_ERROR;
    }
    sf->running = 1;
    return CRMGOV_OK;
}

static int salesforce_stop(void *state)
{
    struct salesforce *sf = state;
    if (sf != NULL && sf->running) {
        pthread_join(sf->thread, NULL);
        sf->running = 0;
    }
    return CRMGOV_OK;
}

static void salesforce_fini(void *state)
{
    struct salesforce *sf = state;
    if (sf == NULL)
        return;
    salesforce_stop(sf);
    sf_api_free(sf->api);
    sf_dir_free(sf->dir);
    sf_sync_free(sf->sync);
    if (sf->curl_ready)
        curl_global_cleanup();
    free(sf->path);
    free(sf->system);
    free(sf);
}

static const struct crmgov_plugin salesforce_plugin = {
    CRMGOV_PLUGIN_HEADER,
    .name = "salesforce",
    .version = "1.0.0",
    .description = "Salesforce flows and workflow rules from a metadata folder or the Tooling "
                   "API, users, setup audit trail, and SF0xx flow checks",
    .vendor = "crmgov",
    .license = "MIT",
    .kind = CRMGOV_PLUGIN_CONNECTOR,
    CRMGOV_PLUGIN_OPTIONS(salesforce_options),
    .init = salesforce_init,
    .fini = salesforce_fini,
    .start = salesforce_start,
    .stop = salesforce_stop,
};

CRMGOV_PLUGIN_EXPORT(salesforce_plugin)
