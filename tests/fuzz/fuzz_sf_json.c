/*
 * fuzz_sf_json.c -- libFuzzer target for the Salesforce connector's other
 * front ends: the Tooling API's JSON flow metadata (sf_flow_from_json, then
 * map, print and check what it gives) and legacy workflow files
 * (sf_workflow_parse_buffer, then print every rule). The first byte picks
 * the front end, so one corpus reaches both. A crash, leak or undefined
 * behaviour is a bug; a refused input is fine.
 *
 * Seeds: the JSON files of tests/data/salesforce/api/ and
 * tests/data/salesforce/sfdx/force-app/main/default/workflows/ (workflows),
 * each prefixed with one byte: "{" JSON, "<" workflow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "connectors/salesforce/flow_check.h"
#include "connectors/salesforce/flow_json.h"
#include "connectors/salesforce/flow_map.h"
#include "connectors/salesforce/sf_workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void flow_from_json(const char *text, size_t size)
{
    cJSON *root = cJSON_ParseWithLength(text, size);
    const cJSON *record = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "records"), 0);
    const cJSON *metadata = record != NULL ? cJSON_GetObjectItem(record, "Metadata") : root;
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_from_json(metadata, "Fuzz", NULL, &error);
    if (flow != NULL) {
        struct sf_mapping *mapping = sf_flow_map(flow);
        if (mapping != NULL) {
            free(sf_automation_event_json(&mapping->automation, "fuzz", 0, NULL));
            sf_mapping_free(mapping);
        }
        sf_findings_free(sf_flow_check(flow, NULL));
        sf_flow_free(flow);
    }
    cJSON_Delete(root);
}

static void workflow(const char *text, size_t size)
{
    struct sf_parse_error error;
    struct sf_workflow_rules *rules =
        sf_workflow_parse_buffer(text, size, "fuzz/Case.workflow-meta.xml", &error);
    for (size_t i = 0; rules != NULL && i < rules->n; i++)
        free(sf_automation_event_json(&rules->automations[i], "fuzz", 0, NULL));
    sf_workflow_rules_free(rules);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] == '<')
        workflow((const char *)data + 1, size - 1);
    else
        flow_from_json((const char *)data + 1, size - 1);
    return 0;
}
