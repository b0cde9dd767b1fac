/*
 * fuzz_sf_flow.c -- libFuzzer target for the Salesforce flow pipeline.
 *
 * Feeds arbitrary bytes through everything a hostile metadata file reaches:
 * parse, map, print the event, run every check, and the cross-flow check on
 * the same flow twice. Any crash, leak or undefined behaviour is a bug; a
 * refused document is fine.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Iinclude -Iplugins
 *          $(pkg-config --cflags libxml-2.0 libcjson)
 *          tests/fuzz/fuzz_sf_flow.c plugins/connectors/salesforce/{flow_parse,flow_map,
 *          flow_check,sf_arena,sf_json}.c $(pkg-config --libs libxml-2.0 libcjson) -lm
 * Seeds: tests/data/salesforce/ (the project's own fixtures).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "connectors/salesforce/flow_check.h"
#include "connectors/salesforce/flow_map.h"
#include "connectors/salesforce/flow_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_parse_error error;
    struct sf_flow *flow = sf_flow_parse_buffer((const char *)data, size,
                                                "fuzz/Input.flow-meta.xml", &error);
    if (flow == NULL)
        return 0;
    struct sf_mapping *mapping = sf_flow_map(flow);
    if (mapping != NULL) {
        free(sf_automation_event_json(&mapping->automation, "fuzz", 0, NULL));
        sf_mapping_free(mapping);
    }
    sf_findings_free(sf_flow_check(flow, NULL));
    const struct sf_flow *pair[2] = {flow, flow};
    sf_findings_free(sf_flows_check_trigger_order(pair, 2));
    sf_flow_free(flow);
    return 0;
}
