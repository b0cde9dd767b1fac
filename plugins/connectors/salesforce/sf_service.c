/*
 * sf_service.c -- "flow-parser": one metadata file to automations and
 * findings, for other plugins; see sf_service.h and the public header.
 *
 * A result is a struct result_box whose first member is the public struct:
 * the box keeps the parsed flow (for check_together), the mapping, the check
 * results and the workflow rules alive, and the public arrays point into
 * them, so nothing is copied twice and result_free releases it all.
 */
#include "sf_service.h"

#include "flow_map.h"
#include "flow_parse.h"
#include "sf_arena.h"
#include "sf_sync.h"
#include "sf_workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct result_box {
    struct crmgov_flow_parse_result result;     /* first: the public view */
    struct sf_arena *arena;                     /* strings and arrays of the box */
    struct sf_flow *flow;
    struct sf_mapping *mapping;
    struct sf_findings *checks;
    const char *system;                         /* in the arena */
    struct sf_workflow_rules *rules;
    char **json;
    size_t n_json;
};

static const struct sf_parser *parser_of(const struct crmgov_flow_parser_service *svc)
{
    return svc->impl;
}

static int ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length > suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

static int accepts(const struct crmgov_flow_parser_service *svc, const char *path)
{
    if (path == NULL)
        return 0;
    return ends_with(path, ".flow-meta.xml") || ends_with(path, ".flow") ||
           (parser_of(svc)->workflows && sf_workflow_is_file(path));
}

static void result_free(const struct crmgov_flow_parser_service *svc,
                        struct crmgov_flow_parse_result *result)
{
    (void)svc;
    struct result_box *box = (struct result_box *)result;
    if (box == NULL)
        return;
    for (size_t i = 0; i < box->n_json; i++)
        free(box->json[i]);
    free(box->json);
    sf_findings_free(box->checks);
    sf_mapping_free(box->mapping);
    sf_flow_free(box->flow);
    sf_workflow_rules_free(box->rules);
    sf_arena_free(box->arena);
    free(box);
}

static struct result_box *box_new(const char *name)
{
    struct result_box *box = calloc(1, sizeof *box);
    if (box == NULL)
        return NULL;
    box->arena = sf_arena_new();
    box->result.struct_size = sizeof box->result;
    box->result.path = sf_arena_strdup(box->arena, name);
    if (box->arena == NULL || box->result.path == NULL) {
        result_free(NULL, &box->result);
        return NULL;
    }
    return box;
}

static int set_error(struct result_box *box, const struct sf_parse_error *error)
{
    box->result.error = sf_arena_strdup(box->arena, error->message);
    box->result.error_line = error->line;
    return box->result.error != NULL ? CRMGOV_ERROR : -2;
}

/* automation_json for every automation of the result. */
static int print_events(struct result_box *box, const char *system, crmgov_time at)
{
    size_t n = box->result.n_automations;
    box->json = calloc(n + 1, sizeof *box->json);
    if (box->json == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        box->json[i] = sf_automation_event_json(&box->result.automations[i], system, at, NULL);
        if (box->json[i] == NULL)
            return -1;
        box->n_json++;
    }
    box->result.automation_json = (const char *const *)box->json;
    return 0;
}

static int parse_flow(const struct sf_parser *parser, struct result_box *box, const char *data,
                      size_t size, const char *name, const char *system)
{
    struct sf_parse_error error;
    box->flow = sf_flow_parse_buffer(data, size, name, &error);
    if (box->flow == NULL)
        return set_error(box, &error);
    box->mapping = sf_flow_map(box->flow);
    box->checks = sf_flow_check(box->flow, &parser->check);
    if (box->mapping == NULL || box->checks == NULL)
        return -2;
    for (size_t i = 0; i < box->checks->n; i++)
        box->checks->items[i].system = system;
    box->result.automations = &box->mapping->automation;
    box->result.n_automations = 1;
    box->result.findings = box->checks->items;
    box->result.n_findings = box->checks->n;
    return CRMGOV_OK;
}

static int parse_workflow(struct result_box *box, const char *data, size_t size,
                          const char *name)
{
    struct sf_parse_error error;
    box->rules = sf_workflow_parse_buffer(data, size, name, &error);
    if (box->rules == NULL)
        return set_error(box, &error);
    box->result.automations = box->rules->automations;
    box->result.n_automations = box->rules->n;
    return CRMGOV_OK;
}

static int parse_buffer(const struct crmgov_flow_parser_service *svc, const char *data,
                        size_t size, const char *name, const char *system, crmgov_time at,
                        struct crmgov_flow_parse_result **result)
{
    *result = NULL;
    struct result_box *box = box_new(name != NULL ? name : "<memory>");
    if (box == NULL)
        return CRMGOV_ERROR;
    const char *system_copy = sf_arena_strdup(box->arena, system != NULL ? system : "");
    box->system = system_copy;
    int rc = system_copy == NULL ? -2
             : name != NULL && sf_workflow_is_file(name) && parser_of(svc)->workflows
                 ? parse_workflow(box, data, size, name)
                 : parse_flow(parser_of(svc), box, data, size, name, system_copy);
    if (rc == CRMGOV_OK &&
        print_events(box, system_copy, at != CRMGOV_TIME_NONE ? at : sf_wall_clock()) != 0)
        rc = -2;
    if (rc == -2) {
        result_free(svc, &box->result);
        return CRMGOV_ERROR;
    }
    *result = &box->result;
    return rc;
}

static int parse_file(const struct crmgov_flow_parser_service *svc, const char *path,
                      const char *system, crmgov_time at,
                      struct crmgov_flow_parse_result **result)
{
    *result = NULL;
    FILE *file = path != NULL ? fopen(path, "rb") : NULL;
    struct stat info;
    char *data = NULL;
    size_t got = 0;
    const char *problem = NULL;
    if (file == NULL || fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode))
        problem = "cannot read the file";
    else if ((uint64_t)info.st_size > SF_FLOW_MAX_BYTES)
        problem = "larger than the 4 MiB cap";
    else if ((data = malloc((size_t)info.st_size + 1)) == NULL)
        problem = "out of memory";
    else
        got = fread(data, 1, (size_t)info.st_size, file);
    if (problem == NULL && got != (size_t)info.st_size)
        problem = "cannot read the file";
    if (file != NULL)
        fclose(file);
    if (problem != NULL) {
        free(data);
        struct result_box *box = box_new(path != NULL ? path : "<null>");
        if (box == NULL)
            return CRMGOV_ERROR;
        struct sf_parse_error error = {.status = SF_PARSE_IO};
        snprintf(error.message, sizeof error.message, "%s: %s", box->result.path, problem);
        set_error(box, &error);
        *result = &box->result;
        return CRMGOV_ERROR;
    }
    if (at == CRMGOV_TIME_NONE)
        at = (crmgov_time)info.st_mtim.tv_sec * 1000 + info.st_mtim.tv_nsec / 1000000;
    int rc = parse_buffer(svc, data, got, path, system, at, result);
    free(data);
    return rc;
}

/* Appends a copy of `extra` to the box's findings (a new array in the box
 * arena; the catalogue strings rule and name are static). */
static int append_finding(struct result_box *box, const struct crmgov_finding *extra)
{
    size_t n = box->result.n_findings;
    struct crmgov_finding *items = sf_arena_array(box->arena, n + 1, sizeof *items);
    if (items == NULL)
        return -1;
    if (n != 0)
        memcpy(items, box->result.findings, n * sizeof *items);
    struct crmgov_finding *copy = &items[n];
    *copy = *extra;
    copy->system = box->system;
    copy->automation = sf_arena_strdup(box->arena, extra->automation);
    copy->subject = sf_arena_strdup(box->arena, extra->subject);
    copy->message = sf_arena_strdup(box->arena, extra->message);
    copy->evidence_json = sf_arena_strdup(box->arena, extra->evidence_json);
    if (sf_arena_failed(box->arena))
        return -1;
    box->result.findings = items;
    box->result.n_findings = n + 1;
    return 0;
}

static struct result_box *box_of_flow(struct result_box *const *boxes, size_t n,
                                      const char *api_name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(boxes[i]->flow->api_name, api_name) == 0)
            return boxes[i];
    return NULL;
}

static int check_together(const struct crmgov_flow_parser_service *svc,
                          struct crmgov_flow_parse_result *const *results, size_t n)
{
    (void)svc;
    const struct sf_flow **flows = calloc(n + 1, sizeof *flows);
    struct result_box **boxes = calloc(n + 1, sizeof *boxes);
    size_t count = 0;
    for (size_t i = 0; flows != NULL && boxes != NULL && i < n; i++) {
        struct result_box *box = (struct result_box *)results[i];
        if (box != NULL && box->flow != NULL && box->result.error == NULL) {
            flows[count] = box->flow;
            boxes[count++] = box;
        }
    }
    struct sf_findings *order =
        flows != NULL && boxes != NULL ? sf_flows_check_trigger_order(flows, count) : NULL;
    int rc = order != NULL ? CRMGOV_OK : CRMGOV_ERROR;
    for (size_t k = 0; order != NULL && k < order->n; k++) {
        struct result_box *box = box_of_flow(boxes, count, order->items[k].automation);
        if (box != NULL && append_finding(box, &order->items[k]) != 0)
            rc = CRMGOV_ERROR;
    }
    sf_findings_free(order);
    free(flows);
    free(boxes);
    return rc;
}

void sf_parser_init(struct sf_parser *parser, int workflows,
                    const struct sf_check_options *check)
{
    memset(parser, 0, sizeof *parser);
    parser->workflows = workflows;
    parser->check = *check;
    parser->service.struct_size = sizeof parser->service;
    parser->service.impl = parser;
    parser->service.accepts = accepts;
    parser->service.parse_file = parse_file;
    parser->service.parse_buffer = parse_buffer;
    parser->service.check_together = check_together;
    parser->service.result_free = result_free;
}
