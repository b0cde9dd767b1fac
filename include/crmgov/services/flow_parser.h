/*
 * crmgov/services/flow_parser.h -- the "flow-parser" service: Salesforce
 * metadata files turned into canonical automations and SF0xx findings,
 * without storing anything.
 *
 * The `salesforce` connector registers it in its init() (also for CLI
 * commands, where nothing is started), so a command such as `crmgov check`
 * can treat a *.flow-meta.xml file the CI pipeline is about to deploy as a
 * proposal. Look it up when you need it, not in your own init() (plugins are
 * initialised in no particular order):
 *
 *     const struct crmgov_flow_parser_service *fp =
 *         host->service_lookup(host, CRMGOV_FLOW_PARSER_SERVICE,
 *                              CRMGOV_FLOW_PARSER_SERVICE_VERSION);
 *     struct crmgov_flow_parse_result *r = NULL;
 *     if (fp && fp->accepts(fp, path)) {
 *         int rc = fp->parse_file(fp, path, "sf-prod", at, &r);
 *         if (rc == CRMGOV_OK)
 *             ... r->automations[0], r->automation_json[0], r->findings ...
 *         else if (r)
 *             fprintf(stderr, "%s\n", r->error);    // "FILE:LINE: reason"
 *         fp->result_free(fp, r);
 *     }
 *
 * It is offered only when a [connector:NAME] section with `plugin =
 * salesforce` is configured (`source = none` offers the parser and reads
 * nothing). The parser is the connector's own, with its options
 * (min_api_version, max_complexity, workflows): what `check` reports is what
 * the connector will report once the file is deployed.
 *
 * Threads: every function may be called from any thread, concurrently; a
 * result belongs to the caller until result_free.
 *
 * The structs begin with struct_size and only grow at the end; version 1 is
 * everything below.
 */
#ifndef CRMGOV_SERVICES_FLOW_PARSER_H
#define CRMGOV_SERVICES_FLOW_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "../model.h"
#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CRMGOV_FLOW_PARSER_SERVICE "flow-parser"
#define CRMGOV_FLOW_PARSER_SERVICE_VERSION 1u

/* What one file holds. A flow file holds one automation; a legacy workflow
 * file (*.workflow-meta.xml) holds one per rule, possibly none. */
struct crmgov_flow_parse_result {
    uint32_t struct_size;
    const char *path;                       /* as given */
    /* NULL when parsed; else "FILE:LINE: reason" (or "FILE: reason"). */
    const char *error;
    unsigned error_line;                    /* 0 when not tied to a line */

    /* The automations, each with id, object, trigger, conditions, actions,
     * status and attributes_json (definition_hash/json are NULL: the core
     * computes them; crmgov_host->definition_hash() gives the hash). */
    const struct crmgov_automation *automations;
    /* The same automations as canonical JSON Lines `automation` events
     * (docs/events.md, keys sorted, no newline), with the system and time
     * given to parse_*: what the connector would publish. */
    const char *const *automation_json;
    size_t n_automations;

    /* SF0xx findings of the flow (docs/rules/salesforce.md): rule, name,
     * severity, system, automation (the flow's API name), subject, message
     * and evidence_json are set; layer and times are not. SF017 (flows on
     * one object without a distinct trigger order) needs several flows: see
     * check_together. */
    const struct crmgov_finding *findings;
    size_t n_findings;
};

struct crmgov_flow_parser_service {
    uint32_t struct_size;
    void *impl;                             /* the connector's own; do not touch */

    /* 1 when the path names a file this parser reads: *.flow-meta.xml,
     * *.flow, and (when the connector reads them) *.workflow-meta.xml,
     * *.workflow. */
    int (*accepts)(const struct crmgov_flow_parser_service *svc, const char *path);

    /* Parses one file. system names the CRM instance the result is for; at
     * is the event time written into automation_json (CRMGOV_TIME_NONE: the
     * file's modification time). Returns CRMGOV_OK; CRMGOV_ERROR when the
     * file cannot be read or parsed (*result then holds only path and error);
     * CRMGOV_ERROR with *result NULL when memory ran out. */
    int (*parse_file)(const struct crmgov_flow_parser_service *svc, const char *path,
                      const char *system, crmgov_time at,
                      struct crmgov_flow_parse_result **result);

    /* The same for bytes in memory; name is used as the path (its base name
     * gives the flow's API name, its suffix the metadata type). at:
     * CRMGOV_TIME_NONE means the wall clock. */
    int (*parse_buffer)(const struct crmgov_flow_parser_service *svc, const char *data,
                        size_t size, const char *name, const char *system, crmgov_time at,
                        struct crmgov_flow_parse_result **result);

    /* Adds SF017 findings across results parsed together (e.g. every file a
     * `check` run was given): appended to the findings of each result whose
     * flow is concerned (each result owns its copy). Results that failed are
     * skipped. CRMGOV_OK, or CRMGOV_ERROR when memory ran out (some results
     * may then lack their SF017 findings). */
    int (*check_together)(const struct crmgov_flow_parser_service *svc,
                          struct crmgov_flow_parse_result *const *results, size_t n);

    /* Frees a result; NULL does nothing. */
    void (*result_free)(const struct crmgov_flow_parser_service *svc,
                        struct crmgov_flow_parse_result *result);
};

#ifdef __cplusplus
}
#endif

#endif
