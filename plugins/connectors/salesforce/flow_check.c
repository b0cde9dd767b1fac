/*
 * flow_check.c -- the SF0xx checks of flow_check.h.
 *
 * Graph checks share one adjacency structure built once per flow: nodes are
 * the flow elements that are graph nodes (sf_element_is_node), edges every
 * resolved link (normal, fault, default, rule, loop and wait connectors
 * alike), plus the entry edges of <start>. Each check is one function that
 * appends findings; the catalogue table fixes codes, names and severities
 * in one place so the docs and the code cannot drift apart silently (a test
 * compares them).
 */
#include "flow_check.h"

#include "sf_arena.h"
#include "sf_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------ */
/* Catalogue.                                                                */

enum rule_index {
    R_FAULT_PATH, R_DML_LOOP, R_SOQL_LOOP, R_ACTION_LOOP, R_HARDCODED_ID, R_HARDCODED_URL,
    R_UNSAFE_CONTEXT, R_RECURSIVE_UPDATE, R_NO_FILTER, R_API_VERSION, R_NO_DESCRIPTION,
    R_UNUSED_VARIABLE, R_UNREACHABLE, R_ALL_FIELDS, R_INACTIVE, R_MISSING_REFERENCE,
    R_TRIGGER_ORDER, R_COPIED_NAME, R_COMPLEXITY, R_DML_ON_BACK, R_NULL_HANDLER,
    R_COUNT
};

static const struct sf_rule_info rules[R_COUNT] = {
    {"SF001", "missing-fault-path", CRMGOV_SEVERITY_MEDIUM,
     "a DML, Get Records or action element has no fault connector"},
    {"SF002", "dml-in-loop", CRMGOV_SEVERITY_HIGH,
     "a Create, Update or Delete Records element runs inside a loop"},
    {"SF003", "soql-in-loop", CRMGOV_SEVERITY_HIGH, "a Get Records element runs inside a loop"},
    {"SF004", "action-in-loop", CRMGOV_SEVERITY_MEDIUM,
     "an action (actionCalls, apexPluginCalls) runs inside a loop"},
    {"SF005", "hardcoded-id", CRMGOV_SEVERITY_MEDIUM,
     "a literal value holds a 15- or 18-character Salesforce record Id"},
    {"SF006", "hardcoded-url", CRMGOV_SEVERITY_LOW, "a literal value holds an http(s) URL"},
    {"SF007", "unsafe-running-context", CRMGOV_SEVERITY_HIGH,
     "the flow runs in system mode without sharing"},
    {"SF008", "recursive-record-update", CRMGOV_SEVERITY_MEDIUM,
     "an after-save flow updates the record that triggered it"},
    {"SF009", "trigger-without-filter", CRMGOV_SEVERITY_LOW,
     "a record-triggered flow has no entry condition"},
    {"SF010", "outdated-api-version", CRMGOV_SEVERITY_LOW,
     "the flow's API version is missing or below the configured minimum"},
    {"SF011", "missing-description", CRMGOV_SEVERITY_INFO, "the flow has no description"},
    {"SF012", "unused-variable", CRMGOV_SEVERITY_LOW,
     "a variable, constant, formula or text template is never referenced"},
    {"SF013", "unreachable-element", CRMGOV_SEVERITY_LOW,
     "an element cannot be reached from the start of the flow"},
    {"SF014", "get-records-all-fields", CRMGOV_SEVERITY_LOW,
     "Get Records stores all fields automatically instead of the fields it needs"},
    {"SF015", "inactive-flow", CRMGOV_SEVERITY_INFO, "the flow's status is not Active"},
    {"SF016", "missing-reference", CRMGOV_SEVERITY_HIGH,
     "a connector or value refers to an element or resource the flow does not declare"},
    {"SF017", "unordered-trigger", CRMGOV_SEVERITY_MEDIUM,
     "several active flows run on one object and trigger and this one has no distinct "
     "trigger order"},
    {"SF018", "copied-element-name", CRMGOV_SEVERITY_INFO,
     "an element keeps the Copy_N_of_ API name Flow Builder gives a copy"},
    {"SF019", "high-complexity", CRMGOV_SEVERITY_LOW,
     "the flow's cyclomatic complexity exceeds the configured maximum"},
    {"SF020", "repeatable-dml-on-back", CRMGOV_SEVERITY_MEDIUM,
     "a DML element sits between two screens and the later screen allows going back"},
    {"SF021", "missing-null-handler", CRMGOV_SEVERITY_MEDIUM,
     "a single-record Get Records result is used without a decision checking it"},
};

const struct sf_rule_info *sf_check_rules(size_t *count)
{
    if (count != NULL)
        *count = R_COUNT;
    return rules;
}

const struct sf_rule_info *sf_check_rule(const char *code)
{
    for (size_t i = 0; code != NULL && i < R_COUNT; i++)
        if (strcmp(rules[i].code, code) == 0)
            return &rules[i];
    return NULL;
}

void sf_check_options_default(struct sf_check_options *options)
{
    options->min_api_version = SF_CHECK_DEFAULT_MIN_API_VERSION;
    options->max_complexity = SF_CHECK_DEFAULT_MAX_COMPLEXITY;
}

/* ------------------------------------------------------------------------ */
/* Finding list.                                                             */

struct finding_list {
    struct sf_findings *out;
    size_t capacity;
};

static struct sf_findings *findings_new(void)
{
    struct sf_arena *arena = sf_arena_new();
    struct sf_findings *findings = arena != NULL ? sf_arena_alloc(arena, sizeof *findings) : NULL;
    if (findings == NULL) {
        sf_arena_free(arena);
        return NULL;
    }
    findings->arena = arena;
    return findings;
}

void sf_findings_free(struct sf_findings *findings)
{
    if (findings != NULL)
        sf_arena_free(findings->arena);
}

/* Takes ownership of evidence (may be NULL). */
static void add_finding(struct finding_list *list, enum rule_index rule, const char *automation,
                  const char *subject, cJSON *evidence, const char *message)
{
    struct sf_findings *out = list->out;
    if (out->n == list->capacity) {
        size_t capacity = list->capacity != 0 ? list->capacity * 2 : 8;
        struct crmgov_finding *items = sf_arena_array(out->arena, capacity, sizeof *items);
        if (items == NULL) {
            cJSON_Delete(evidence);
            return;
        }
        if (out->n != 0)
            memcpy(items, out->items, out->n * sizeof *items);
        out->items = items;
        list->capacity = capacity;
    }
    struct crmgov_finding *finding = &out->items[out->n++];
    memset(finding, 0, sizeof *finding);
    finding->struct_size = sizeof *finding;
    finding->rule = rules[rule].code;
    finding->name = rules[rule].name;
    finding->severity = rules[rule].severity;
    finding->automation = sf_arena_strdup(out->arena, automation);
    finding->subject = sf_arena_strdup(out->arena, subject);
    finding->message = sf_arena_strdup(out->arena, message);
    finding->first_seen = CRMGOV_TIME_NONE;
    finding->last_seen = CRMGOV_TIME_NONE;
    char *text = evidence != NULL ? sf_json_canonical(evidence) : NULL;
    finding->evidence_json = sf_arena_strdup(out->arena, text != NULL ? text : "{}");
    free(text);
    cJSON_Delete(evidence);
}

/* Message text: printf into a stack buffer (messages are short by design). */
static const char *say(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static const char *say(char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, size, format, args);
    va_end(args);
    return buffer;
}

static cJSON *element_evidence(const struct sf_element *element)
{
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddStringToObject(evidence, "element_type", element->tag != NULL ? element->tag : "");
    cJSON_AddNumberToObject(evidence, "line", element->line);
    return evidence;
}

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

static int is_blank(const char *text)
{
    if (text == NULL)
        return 1;
    while (*text != '\0' && isspace((unsigned char)*text))
        text++;
    return *text == '\0';
}

/* ------------------------------------------------------------------------ */
/* The flow graph.                                                           */

struct flow_graph {
    size_t n;
    size_t *out_start, *out;    /* CSR: successors of i are out[out_start[i]..out_start[i+1]) */
    size_t *in_start, *in;      /* predecessors, same layout */
    size_t *entry;
    size_t n_entry;
    int has_entry;              /* the flow says where it starts */
    unsigned char *seen;        /* scratch for traversals */
    unsigned char *seen2;
    size_t *queue;
};

static size_t element_index(const struct sf_flow *flow, const struct sf_element *element)
{
    return (size_t)(element - flow->elements);
}

/* Index of a link's target node, or SIZE_MAX when it names no node. */
static size_t link_target(const struct sf_flow *flow, const char *target)
{
    const struct sf_element *element = sf_flow_find(flow, target);
    if (element == NULL || !sf_element_is_node(element->kind))
        return SIZE_MAX;
    return element_index(flow, element);
}

static size_t count_edges(const struct sf_flow *flow, size_t *out_count, size_t *in_count)
{
    size_t total = 0;
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!sf_element_is_node(element->kind))
            continue;
        for (size_t j = 0; j < element->n_links; j++) {
            size_t target = link_target(flow, element->links[j].target);
            if (target == SIZE_MAX)
                continue;
            out_count[i]++;
            in_count[target]++;
            total++;
        }
    }
    return total;
}

static void fill_edges(const struct sf_flow *flow, struct flow_graph *graph)
{
    size_t *out_next = graph->queue, *in_next = graph->queue + graph->n;
    memcpy(out_next, graph->out_start, graph->n * sizeof *out_next);
    memcpy(in_next, graph->in_start, graph->n * sizeof *in_next);
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!sf_element_is_node(element->kind))
            continue;
        for (size_t j = 0; j < element->n_links; j++) {
            size_t target = link_target(flow, element->links[j].target);
            if (target == SIZE_MAX)
                continue;
            graph->out[out_next[i]++] = target;
            graph->in[in_next[target]++] = i;
        }
    }
}

static void fill_entry(const struct sf_flow *flow, struct flow_graph *graph)
{
    graph->has_entry = flow->start_info.present || flow->start_element_reference != NULL;
    if (flow->start_element_reference != NULL) {
        size_t target = link_target(flow, flow->start_element_reference);
        if (target != SIZE_MAX)
            graph->entry[graph->n_entry++] = target;
    }
    for (size_t j = 0; j < flow->start.n_links; j++) {
        size_t target = link_target(flow, flow->start.links[j].target);
        if (target != SIZE_MAX)
            graph->entry[graph->n_entry++] = target;
    }
}

static int build_graph(const struct sf_flow *flow, struct sf_arena *arena,
                       struct flow_graph *graph)
{
    size_t n = flow->n_elements;
    memset(graph, 0, sizeof *graph);
    graph->n = n;
    size_t *out_count = sf_arena_array(arena, n + 1, sizeof *out_count);
    size_t *in_count = sf_arena_array(arena, n + 1, sizeof *in_count);
    graph->out_start = sf_arena_array(arena, n + 1, sizeof *graph->out_start);
    graph->in_start = sf_arena_array(arena, n + 1, sizeof *graph->in_start);
    graph->queue = sf_arena_array(arena, 2 * n + 1, sizeof *graph->queue);
    graph->seen = sf_arena_alloc(arena, n + 1);
    graph->seen2 = sf_arena_alloc(arena, n + 1);
    graph->entry = sf_arena_array(arena, flow->start.n_links + 2, sizeof *graph->entry);
    if (sf_arena_failed(arena))
        return -1;
    size_t total = count_edges(flow, out_count, in_count);
    for (size_t i = 0; i < n; i++) {
        graph->out_start[i + 1] = graph->out_start[i] + out_count[i];
        graph->in_start[i + 1] = graph->in_start[i] + in_count[i];
    }
    graph->out = sf_arena_array(arena, total + 1, sizeof *graph->out);
    graph->in = sf_arena_array(arena, total + 1, sizeof *graph->in);
    if (sf_arena_failed(arena))
        return -1;
    fill_edges(flow, graph);
    fill_entry(flow, graph);
    return 0;
}

/*
 * Marks in `seen` every node reachable from the seeds (forward, or backward
 * when reverse). `barrier` is never entered; nodes for which `stop` is true
 * are marked but not walked through.
 */
struct walk {
    int reverse;
    size_t barrier;
    int (*stop)(const struct sf_element *element);
};

static void traverse(const struct sf_flow *flow, struct flow_graph *graph, unsigned char *seen,
                     const size_t *seeds, size_t n_seeds, const struct walk *walk)
{
    memset(seen, 0, graph->n + 1);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n_seeds; i++) {
        if (seeds[i] != walk->barrier && !seen[seeds[i]]) {
            seen[seeds[i]] = 1;
            graph->queue[tail++] = seeds[i];
        }
    }
    while (head < tail) {
        size_t node = graph->queue[head++];
        if (walk->stop != NULL && walk->stop(&flow->elements[node]))
            continue;
        const size_t *start = walk->reverse ? graph->in_start : graph->out_start;
        const size_t *next = walk->reverse ? graph->in : graph->out;
        for (size_t k = start[node]; k < start[node + 1]; k++) {
            size_t target = next[k];
            if (target != walk->barrier && !seen[target]) {
                seen[target] = 1;
                graph->queue[tail++] = target;
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Element checks.                                                           */

static int is_dml(enum sf_element_kind kind)
{
    return kind == SF_EL_RECORD_CREATE || kind == SF_EL_RECORD_UPDATE ||
           kind == SF_EL_RECORD_DELETE;
}

static int is_action(enum sf_element_kind kind)
{
    return kind == SF_EL_ACTION_CALL || kind == SF_EL_APEX_PLUGIN_CALL;
}

static int has_link_role(const struct sf_element *element, const char *role)
{
    for (size_t i = 0; i < element->n_links; i++)
        if (strcmp(element->links[i].role, role) == 0)
            return 1;
    return 0;
}

static void check_fault_paths(struct finding_list *list, const struct sf_flow *flow)
{
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        int can_fail = is_dml(element->kind) || is_action(element->kind) ||
                       element->kind == SF_EL_RECORD_LOOKUP;
        if (!can_fail || has_link_role(element, "faultConnector"))
            continue;
        add_finding(list, R_FAULT_PATH, flow->api_name, element->name, element_evidence(element),
              say(message, sizeof message,
                  "%s '%s' has no fault path: an error there ends the flow unhandled",
                  element->tag, element->name));
    }
}

/* The loop (if any) whose body holds each node; SIZE_MAX when none. */
static void find_loop_bodies(const struct sf_flow *flow, struct flow_graph *graph,
                             size_t *loop_of)
{
    for (size_t i = 0; i < graph->n; i++)
        loop_of[i] = SIZE_MAX;
    for (size_t l = 0; l < flow->n_elements; l++) {
        const struct sf_element *loop = &flow->elements[l];
        if (loop->kind != SF_EL_LOOP)
            continue;
        size_t seeds[64], n_seeds = 0;
        for (size_t j = 0; j < loop->n_links && n_seeds < 64; j++) {
            size_t target = link_target(flow, loop->links[j].target);
            if (strcmp(loop->links[j].role, "nextValueConnector") == 0 && target != SIZE_MAX)
                seeds[n_seeds++] = target;
        }
        struct walk forward = {0, l, NULL}, backward = {1, SIZE_MAX, NULL};
        traverse(flow, graph, graph->seen, seeds, n_seeds, &forward);
        traverse(flow, graph, graph->seen2, &l, 1, &backward);
        for (size_t i = 0; i < graph->n; i++)
            if (graph->seen[i] && graph->seen2[i] && loop_of[i] == SIZE_MAX)
                loop_of[i] = l;
    }
}

static void check_loops(struct finding_list *list, const struct sf_flow *flow,
                        struct flow_graph *graph, struct sf_arena *arena)
{
    size_t *loop_of = sf_arena_array(arena, graph->n + 1, sizeof *loop_of);
    if (loop_of == NULL)
        return;
    find_loop_bodies(flow, graph, loop_of);
    static const struct {
        enum rule_index rule;
        const char *what;
    } kinds[] = {{R_DML_LOOP, "DML statement"}, {R_SOQL_LOOP, "query"},
                 {R_ACTION_LOOP, "action call"}};
    char message[512];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < flow->n_elements; i++) {
            const struct sf_element *element = &flow->elements[i];
            int match = kinds[k].rule == R_DML_LOOP    ? is_dml(element->kind)
                        : kinds[k].rule == R_SOQL_LOOP ? element->kind == SF_EL_RECORD_LOOKUP
                                                       : is_action(element->kind);
            if (!match || loop_of[i] == SIZE_MAX)
                continue;
            const char *loop = flow->elements[loop_of[i]].name;
            cJSON *evidence = element_evidence(element);
            cJSON_AddStringToObject(evidence, "loop", loop);
            add_finding(list, kinds[k].rule, flow->api_name, element->name, evidence,
                  say(message, sizeof message,
                      "%s '%s' runs once per item of loop '%s': one %s per item spends "
                      "governor limits",
                      element->tag, element->name, loop, kinds[k].what));
        }
    }
}

/* 18-character Ids end with 3 characters encoding the case of the first 15. */
static int id_checksum_ok(const char *id)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    for (int chunk = 0; chunk < 3; chunk++) {
        int bits = 0;
        for (int j = 0; j < 5; j++)
            if (isupper((unsigned char)id[chunk * 5 + j]))
                bits |= 1 << j;
        if (id[15 + chunk] != alphabet[bits])
            return 0;
    }
    return 1;
}

/*
 * A record Id: 3-character key prefix, 2-character pod, a reserved '0', then
 * the number; at least one letter and three digits keep plain words and
 * numbers out; an 18-character candidate must carry a valid checksum.
 */
static int looks_like_id(const char *token, size_t length)
{
    if (length != 15 && length != 18)
        return 0;
    size_t digits = 0, letters = 0;
    for (size_t i = 0; i < 15; i++) {
        digits += isdigit((unsigned char)token[i]) != 0;
        letters += isalpha((unsigned char)token[i]) != 0;
    }
    if (token[5] != '0' || digits < 3 || letters == 0)
        return 0;
    return length == 15 || id_checksum_ok(token);
}

static void collect_ids(cJSON *ids, const char *text)
{
    const char *cursor = text;
    while (*cursor != '\0') {
        while (*cursor != '\0' && !isalnum((unsigned char)*cursor))
            cursor++;
        const char *start = cursor;
        while (isalnum((unsigned char)*cursor))
            cursor++;
        size_t length = (size_t)(cursor - start);
        if (looks_like_id(start, length)) {
            char copy[19];
            memcpy(copy, start, length);
            copy[length] = '\0';
            cJSON_AddItemToArray(ids, cJSON_CreateString(copy));
        }
    }
}

static void collect_urls(cJSON *urls, const char *text)
{
    const char *cursor = text;
    while ((cursor = strstr(cursor, "http")) != NULL) {
        if (strncmp(cursor, "http://", 7) != 0 && strncmp(cursor, "https://", 8) != 0) {
            cursor += 4;
            continue;
        }
        size_t length = strcspn(cursor, " \t\r\n\"'<>{}");
        char *copy = strndup(cursor, length);
        if (copy != NULL)
            cJSON_AddItemToArray(urls, cJSON_CreateString(copy));
        free(copy);
        cursor += length;
    }
}

/* SF005 (ids) or SF006 (urls) for one element's literal texts. */
static void check_literals_of(struct finding_list *list, const struct sf_flow *flow,
                              const struct sf_element *element, enum rule_index rule)
{
    cJSON *found = cJSON_CreateArray();
    for (size_t i = 0; i < element->n_literals; i++) {
        if (rule == R_HARDCODED_ID)
            collect_ids(found, element->literals[i].text);
        else
            collect_urls(found, element->literals[i].text);
    }
    if (cJSON_GetArraySize(found) == 0) {
        cJSON_Delete(found);
        return;
    }
    const char *name = element->kind == SF_EL_START ? NULL : element->name;
    const char *shown = name != NULL ? name : "start";
    char message[512];
    cJSON *evidence = element_evidence(element);
    cJSON_AddItemToObject(evidence, rule == R_HARDCODED_ID ? "ids" : "urls", found);
    if (rule == R_HARDCODED_ID)
        say(message, sizeof message,
            "%s '%s' holds a hard-coded record Id: Ids differ between orgs and sandboxes",
            element->tag, shown);
    else
        say(message, sizeof message,
            "%s '%s' holds a hard-coded URL: it breaks when the org or endpoint moves",
            element->tag, shown);
    add_finding(list, rule, flow->api_name, name, evidence, message);
}

static void check_literals(struct finding_list *list, const struct sf_flow *flow,
                           enum rule_index rule)
{
    if (flow->start_info.present)
        check_literals_of(list, flow, &flow->start, rule);
    for (size_t i = 0; i < flow->n_elements; i++)
        check_literals_of(list, flow, &flow->elements[i], rule);
}

/* ------------------------------------------------------------------------ */
/* Flow-level checks.                                                        */

static int is_record_trigger(const struct sf_flow *flow)
{
    const char *type = flow->start_info.trigger_type;
    return same(type, "RecordBeforeSave") || same(type, "RecordAfterSave") ||
           same(type, "RecordBeforeDelete");
}

static void check_running_context(struct finding_list *list, const struct sf_flow *flow)
{
    if (!same(flow->run_in_mode, "SystemModeWithoutSharing"))
        return;
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddStringToObject(evidence, "run_in_mode", flow->run_in_mode);
    add_finding(list, R_UNSAFE_CONTEXT, flow->api_name, NULL, evidence,
          "the flow runs in system mode without sharing: it reads and writes records its "
          "user cannot see");
}

/* Update of the triggering record: $Record, or its object filtered on Id = $Record.Id. */
static int updates_triggering_record(const struct sf_flow *flow, const struct sf_element *element)
{
    if (element->kind != SF_EL_RECORD_UPDATE)
        return 0;
    if (element->input_reference != NULL)
        return strcmp(element->input_reference, "$Record") == 0;
    if (!same(element->object, flow->start.object))
        return 0;
    for (size_t i = 0; i < element->n_filters; i++) {
        const struct sf_filter *filter = &element->filters[i];
        if (same(filter->field, "Id") && filter->op != NULL &&
            strcmp(filter->op, "EqualTo") == 0 && filter->value.kind == SF_VALUE_REFERENCE &&
            same(filter->value.text, "$Record.Id"))
            return 1;
    }
    return 0;
}

/* Entry criteria that stop the flow from re-running on its own update. */
static int entry_guards_recursion(const struct sf_flow *flow)
{
    if (flow->start_info.requires_record_changed == SF_TRUE)
        return 1;
    for (size_t i = 0; i < flow->start.n_filters; i++)
        if (flow->start.filters[i].op != NULL &&
            strcmp(flow->start.filters[i].op, "IsChanged") == 0)
            return 1;
    return 0;
}

static void check_recursive_update(struct finding_list *list, const struct sf_flow *flow)
{
    if (!same(flow->start_info.trigger_type, "RecordAfterSave"))
        return;
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!updates_triggering_record(flow, element))
            continue;
        cJSON *evidence = element_evidence(element);
        cJSON_AddBoolToObject(evidence, "guarded", entry_guards_recursion(flow));
        add_finding(list, R_RECURSIVE_UPDATE, flow->api_name, element->name, evidence,
              say(message, sizeof message,
                  "%s '%s' updates the record that triggered this after-save flow: the save "
                  "runs every trigger again (use a before-save flow)",
                  element->tag, element->name));
    }
}

static void check_trigger_filter(struct finding_list *list, const struct sf_flow *flow)
{
    if (!is_record_trigger(flow) || flow->start.n_filters != 0 ||
        flow->start_info.filter_formula != NULL)
        return;
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddStringToObject(evidence, "object", flow->start.object != NULL ? flow->start.object : "");
    cJSON_AddStringToObject(evidence, "trigger_type", flow->start_info.trigger_type);
    if (flow->start_info.record_trigger_type != NULL)
        cJSON_AddStringToObject(evidence, "record_trigger_type",
                                flow->start_info.record_trigger_type);
    add_finding(list, R_NO_FILTER, flow->api_name, NULL, evidence,
          "the record-triggered flow has no entry conditions: it runs on every save of "
          "every record of its object");
}

static void check_api_version(struct finding_list *list, const struct sf_flow *flow,
                              const struct sf_check_options *options)
{
    char *end = NULL;
    double version = flow->api_version != NULL ? strtod(flow->api_version, &end) : 0;
    int known = flow->api_version != NULL && end != flow->api_version;
    if (known && version >= options->min_api_version)
        return;
    cJSON *evidence = cJSON_CreateObject();
    if (known)
        cJSON_AddNumberToObject(evidence, "api_version", version);
    else
        cJSON_AddNullToObject(evidence, "api_version");
    cJSON_AddNumberToObject(evidence, "minimum", options->min_api_version);
    char message[256];
    if (known)
        say(message, sizeof message, "API version %s is below the minimum %d.0",
            flow->api_version, options->min_api_version);
    else
        say(message, sizeof message, "the flow states no API version (minimum %d.0)",
            options->min_api_version);
    add_finding(list, R_API_VERSION, flow->api_name, NULL, evidence, message);
}

static void check_description(struct finding_list *list, const struct sf_flow *flow)
{
    if (!is_blank(flow->description))
        return;
    add_finding(list, R_NO_DESCRIPTION, flow->api_name, NULL, NULL,
          "the flow has no description: reviewers cannot tell what it is for");
}

static int is_checked_resource(enum sf_element_kind kind)
{
    return kind == SF_EL_VARIABLE || kind == SF_EL_CONSTANT || kind == SF_EL_FORMULA ||
           kind == SF_EL_TEXT_TEMPLATE;
}

/*
 * Every data reference of the flow by the head of its path (the resource it
 * names), sorted case-insensitively, so "is X used, and by whom" is a
 * binary search instead of a scan of every reference for every resource.
 */
struct ref_head {
    const char *path;
    size_t length;
    const struct sf_element *owner;
};

struct ref_index {
    struct ref_head *heads;
    size_t n;
};

static int compare_head_text(const char *a, size_t a_length, const char *b, size_t b_length)
{
    size_t length = a_length < b_length ? a_length : b_length;
    int order = strncasecmp(a, b, length);
    if (order != 0)
        return order;
    return (a_length > b_length) - (a_length < b_length);
}

static int compare_heads(const void *left, const void *right)
{
    const struct ref_head *a = left, *b = right;
    return compare_head_text(a->path, a->length, b->path, b->length);
}

static int build_ref_index(const struct sf_flow *flow, struct sf_arena *arena,
                           struct ref_index *index)
{
    size_t total = flow->start.n_refs;
    for (size_t i = 0; i < flow->n_elements; i++)
        total += flow->elements[i].n_refs;
    index->heads = sf_arena_array(arena, total + 1, sizeof *index->heads);
    index->n = 0;
    if (index->heads == NULL)
        return -1;
    for (size_t i = 0; i <= flow->n_elements; i++) {
        const struct sf_element *element = i < flow->n_elements ? &flow->elements[i] : &flow->start;
        for (size_t j = 0; j < element->n_refs; j++) {
            const char *path = element->refs[j].path;
            index->heads[index->n++] = (struct ref_head){path, strcspn(path, "."), element};
        }
    }
    qsort(index->heads, index->n, sizeof *index->heads, compare_heads);
    return 0;
}

/* Is `name` the head of a reference from another element (decisions skipped on request)? */
static int is_referenced(const struct ref_index *index, const char *name,
                         const struct sf_element *self, int skip_decisions)
{
    struct ref_head key = {name, strlen(name), NULL};
    size_t low = 0, high = index->n;
    while (low < high) {   /* first entry not below key */
        size_t middle = low + (high - low) / 2;
        if (compare_heads(&index->heads[middle], &key) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    for (size_t i = low; i < index->n && compare_heads(&index->heads[i], &key) == 0; i++) {
        const struct sf_element *owner = index->heads[i].owner;
        if (owner != self && !(skip_decisions && owner->kind == SF_EL_DECISION))
            return 1;
    }
    return 0;
}

static void check_unused(struct finding_list *list, const struct sf_flow *flow,
                         const struct ref_index *index)
{
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!is_checked_resource(element->kind) || element->name[0] == '\0' ||
            is_referenced(index, element->name, element, 0))
            continue;
        add_finding(list, R_UNUSED_VARIABLE, flow->api_name, element->name, element_evidence(element),
              say(message, sizeof message, "%s '%s' is declared but never used", element->tag,
                  element->name));
    }
}

static void check_unreachable(struct finding_list *list, const struct sf_flow *flow,
                              struct flow_graph *graph)
{
    if (!graph->has_entry)
        return;
    struct walk forward = {0, SIZE_MAX, NULL};
    traverse(flow, graph, graph->seen, graph->entry, graph->n_entry, &forward);
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!sf_element_is_node(element->kind) || graph->seen[i])
            continue;
        add_finding(list, R_UNREACHABLE, flow->api_name, element->name, element_evidence(element),
              say(message, sizeof message,
                  "%s '%s' is not connected to the start of the flow and never runs",
                  element->tag, element->name));
    }
}

static void check_all_fields(struct finding_list *list, const struct sf_flow *flow)
{
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (element->kind != SF_EL_RECORD_LOOKUP ||
            element->store_output_automatically != SF_TRUE || element->n_queried_fields != 0)
            continue;
        add_finding(list, R_ALL_FIELDS, flow->api_name, element->name, element_evidence(element),
              say(message, sizeof message,
                  "%s '%s' stores all fields automatically: name the fields it needs",
                  element->tag, element->name));
    }
}

static void check_inactive(struct finding_list *list, const struct sf_flow *flow)
{
    if (same(flow->status, "Active"))
        return;
    cJSON *evidence = cJSON_CreateObject();
    if (flow->status != NULL)
        cJSON_AddStringToObject(evidence, "status", flow->status);
    else
        cJSON_AddNullToObject(evidence, "status");
    char message[256];
    add_finding(list, R_INACTIVE, flow->api_name, NULL, evidence,
          say(message, sizeof message, "the flow is not active (status %s)",
              flow->status != NULL ? flow->status : "missing"));
}

/*
 * One finding per element (or start) with all of its missing references;
 * the parser records them element by element, so each element's are adjacent.
 */
static void check_missing_refs(struct finding_list *list, const struct sf_flow *flow)
{
    char message[512];
    size_t i = 0;
    while (i < flow->n_missing) {
        const struct sf_missing_ref *first = &flow->missing[i];
        cJSON *evidence = cJSON_CreateObject();
        cJSON *references = cJSON_AddArrayToObject(evidence, "references");
        for (; i < flow->n_missing && flow->missing[i].from_start == first->from_start &&
               strcmp(flow->missing[i].from, first->from) == 0;
             i++) {
            cJSON *entry = cJSON_CreateObject();
            cJSON_AddStringToObject(entry, "reference", flow->missing[i].reference);
            cJSON_AddStringToObject(entry, "kind", flow->missing[i].kind == SF_MISSING_CONNECTOR
                                                       ? "connector" : "data");
            cJSON_AddNumberToObject(entry, "line", flow->missing[i].line);
            cJSON_AddItemToArray(references, entry);
        }
        add_finding(list, R_MISSING_REFERENCE, flow->api_name,
                    first->from_start ? NULL : first->from,
                    evidence,
                    say(message, sizeof message,
                        "'%s' refers to '%s', which the flow does not declare", first->from,
                        first->reference));
    }
}

static int has_copy_prefix(const char *name)
{
    if (name == NULL || strncasecmp(name, "Copy_", 5) != 0 || !isdigit((unsigned char)name[5]))
        return 0;
    const char *cursor = name + 5;
    while (isdigit((unsigned char)*cursor))
        cursor++;
    return strncasecmp(cursor, "_of_", 4) == 0;
}

static void check_copied_names(struct finding_list *list, const struct sf_flow *flow)
{
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!has_copy_prefix(element->name))
            continue;
        add_finding(list, R_COPIED_NAME, flow->api_name, element->name, element_evidence(element),
              say(message, sizeof message,
                  "%s '%s' keeps the name Flow Builder gave a copy: rename it for what it does",
                  element->tag, element->name));
    }
}

/* 1 + one per decision outcome + one per loop + one per wait event. */
static size_t complexity_of(const struct sf_flow *flow)
{
    size_t complexity = 1;
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (element->kind == SF_EL_DECISION || element->kind == SF_EL_WAIT)
            complexity += element->n_inner_names;
        else if (element->kind == SF_EL_LOOP)
            complexity += 1;
    }
    return complexity;
}

static void check_complexity(struct finding_list *list, const struct sf_flow *flow,
                             const struct sf_check_options *options)
{
    size_t complexity = complexity_of(flow);
    if (options->max_complexity < 0 || complexity <= (size_t)options->max_complexity)
        return;
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddNumberToObject(evidence, "complexity", (double)complexity);
    cJSON_AddNumberToObject(evidence, "maximum", options->max_complexity);
    char message[256];
    add_finding(list, R_COMPLEXITY, flow->api_name, NULL, evidence,
          say(message, sizeof message,
              "cyclomatic complexity %zu exceeds %d: split the flow or use subflows", complexity,
              options->max_complexity));
}

static int is_screen(const struct sf_element *element)
{
    return element->kind == SF_EL_SCREEN;
}

/* First marked screen (in document order) matching allow_back when wanted. */
static const struct sf_element *marked_screen(const struct sf_flow *flow,
                                              const unsigned char *seen, int needs_back)
{
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (seen[i] && is_screen(element) && (!needs_back || element->allow_back != SF_FALSE))
            return element;
    }
    return NULL;
}

static void check_dml_on_back(struct finding_list *list, const struct sf_flow *flow,
                              struct flow_graph *graph)
{
    /* Two walks per DML element: skip them all in flows without screens. */
    const struct sf_element *any_screen = NULL;
    for (size_t i = 0; i < flow->n_elements && any_screen == NULL; i++)
        if (is_screen(&flow->elements[i]))
            any_screen = &flow->elements[i];
    if (any_screen == NULL)
        return;
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (!is_dml(element->kind))
            continue;
        struct walk forward = {0, SIZE_MAX, is_screen}, backward = {1, SIZE_MAX, is_screen};
        traverse(flow, graph, graph->seen, &i, 1, &forward);
        const struct sf_element *after = marked_screen(flow, graph->seen, 1);
        traverse(flow, graph, graph->seen2, &i, 1, &backward);
        const struct sf_element *before = marked_screen(flow, graph->seen2, 0);
        if (after == NULL || before == NULL)
            continue;
        cJSON *evidence = element_evidence(element);
        cJSON_AddStringToObject(evidence, "screen_before", before->name);
        cJSON_AddStringToObject(evidence, "screen_after", after->name);
        add_finding(list, R_DML_ON_BACK, flow->api_name, element->name, evidence,
              say(message, sizeof message,
                  "%s '%s' runs again when the user goes back from screen '%s' to '%s' and "
                  "forward: disable Previous on '%s' or move the DML",
                  element->tag, element->name, after->name, before->name, after->name));
    }
}

/* Is a path's head `name`? */
static int path_names(const char *path, const char *name)
{
    size_t length = strlen(name);
    return path != NULL && strncasecmp(path, name, length) == 0 &&
           (path[length] == '\0' || path[length] == '.');
}

static int decision_checks(const struct sf_flow *flow, const char *output)
{
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (element->kind != SF_EL_DECISION)
            continue;
        for (size_t j = 0; j < element->n_filters; j++) {
            const struct sf_filter *filter = &element->filters[j];
            if (path_names(filter->field, output) ||
                (filter->value.kind == SF_VALUE_REFERENCE && path_names(filter->value.text, output)))
                return 1;
        }
    }
    return 0;
}

static void check_null_handlers(struct finding_list *list, const struct sf_flow *flow,
                                const struct ref_index *index)
{
    char message[512];
    for (size_t i = 0; i < flow->n_elements; i++) {
        const struct sf_element *element = &flow->elements[i];
        if (element->kind != SF_EL_RECORD_LOOKUP || element->get_first_record_only != SF_TRUE)
            continue;
        const char *output = element->output_reference != NULL ? element->output_reference
                                                               : element->name;
        if (output == NULL || !is_referenced(index, output, element, 1) ||
            decision_checks(flow, output))
            continue;
        cJSON *evidence = element_evidence(element);
        cJSON_AddStringToObject(evidence, "output", output);
        add_finding(list, R_NULL_HANDLER, flow->api_name, element->name, evidence,
              say(message, sizeof message,
                  "the result of %s '%s' is used without a decision checking that a record "
                  "was found",
                  element->tag, element->name));
    }
}

/* ------------------------------------------------------------------------ */
/* Entry points.                                                             */

struct sf_findings *sf_flow_check(const struct sf_flow *flow,
                                  const struct sf_check_options *options)
{
    struct sf_check_options defaults;
    if (options == NULL) {
        sf_check_options_default(&defaults);
        options = &defaults;
    }
    struct sf_findings *findings = flow != NULL ? findings_new() : NULL;
    if (findings == NULL)
        return NULL;
    struct sf_arena *scratch = sf_arena_new();
    struct flow_graph graph;
    struct ref_index index;
    if (scratch == NULL || build_graph(flow, scratch, &graph) != 0 ||
        build_ref_index(flow, scratch, &index) != 0) {
        sf_arena_free(scratch);
        sf_findings_free(findings);
        return NULL;
    }
    struct finding_list list = {findings, 0};
    check_fault_paths(&list, flow);
    check_loops(&list, flow, &graph, scratch);
    check_literals(&list, flow, R_HARDCODED_ID);
    check_literals(&list, flow, R_HARDCODED_URL);
    check_running_context(&list, flow);
    check_recursive_update(&list, flow);
    check_trigger_filter(&list, flow);
    check_api_version(&list, flow, options);
    check_description(&list, flow);
    check_unused(&list, flow, &index);
    check_unreachable(&list, flow, &graph);
    check_all_fields(&list, flow);
    check_inactive(&list, flow);
    check_missing_refs(&list, flow);
    check_copied_names(&list, flow);
    check_complexity(&list, flow, options);
    check_dml_on_back(&list, flow, &graph);
    check_null_handlers(&list, flow, &index);
    int failed = sf_arena_failed(scratch) || sf_arena_failed(findings->arena);
    sf_arena_free(scratch);
    if (failed) {
        sf_findings_free(findings);
        return NULL;
    }
    return findings;
}

/* Which record events a record-triggered flow reacts to, as a bit set. */
static unsigned trigger_events(const struct sf_flow *flow)
{
    const char *type = flow->start_info.record_trigger_type;
    if (same(type, "Create"))
        return 1;
    if (same(type, "Update"))
        return 2;
    if (same(type, "Delete") || same(flow->start_info.trigger_type, "RecordBeforeDelete"))
        return 4;
    return 3;
}

static int runs_alongside(const struct sf_flow *a, const struct sf_flow *b)
{
    return a != b && same(a->start_info.trigger_type, b->start_info.trigger_type) &&
           same(a->start.object, b->start.object) && (trigger_events(a) & trigger_events(b));
}

static int same_order(const struct sf_flow *a, const struct sf_flow *b)
{
    return a->trigger_order != NULL && b->trigger_order != NULL &&
           strtod(a->trigger_order, NULL) == strtod(b->trigger_order, NULL);
}

static int takes_part(const struct sf_flow *flow)
{
    return flow != NULL && same(flow->status, "Active") && is_record_trigger(flow) &&
           flow->start.object != NULL;
}

static void check_order_of(struct finding_list *list, const struct sf_flow *const *flows,
                           size_t n, size_t index)
{
    const struct sf_flow *flow = flows[index];
    cJSON *peers = cJSON_CreateArray();
    int ambiguous = 0;
    for (size_t k = 0; k < n; k++) {
        if (!takes_part(flows[k]) || !runs_alongside(flow, flows[k]))
            continue;
        cJSON_AddItemToArray(peers, cJSON_CreateString(flows[k]->api_name));
        ambiguous |= flow->trigger_order == NULL || same_order(flow, flows[k]);
    }
    if (!ambiguous) {
        cJSON_Delete(peers);
        return;
    }
    cJSON *evidence = cJSON_CreateObject();
    cJSON_AddStringToObject(evidence, "object", flow->start.object);
    cJSON_AddStringToObject(evidence, "trigger_type", flow->start_info.trigger_type);
    if (flow->trigger_order != NULL)
        cJSON_AddNumberToObject(evidence, "trigger_order", strtod(flow->trigger_order, NULL));
    else
        cJSON_AddNullToObject(evidence, "trigger_order");
    cJSON_AddItemToObject(evidence, "peers", peers);
    char message[512];
    add_finding(list, R_TRIGGER_ORDER, flow->api_name, NULL, evidence,
          say(message, sizeof message,
              "%d other active %s flow(s) on %s run on the same saves and the order between "
              "them is not set: give each a distinct trigger order",
              cJSON_GetArraySize(peers), flow->start_info.trigger_type, flow->start.object));
}

struct sf_findings *sf_flows_check_trigger_order(const struct sf_flow *const *flows, size_t n)
{
    struct sf_findings *findings = findings_new();
    if (findings == NULL)
        return NULL;
    struct finding_list list = {findings, 0};
    for (size_t i = 0; i < n; i++)
        if (takes_part(flows[i]))
            check_order_of(&list, flows, n, i);
    if (sf_arena_failed(findings->arena)) {
        sf_findings_free(findings);
        return NULL;
    }
    return findings;
}
