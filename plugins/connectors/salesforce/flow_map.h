/*
 * flow_map.h -- a parsed Salesforce flow as a canonical crmgov automation.
 *
 * This is where Salesforce words become crmgov words: triggerType and
 * recordTriggerType become trigger.on, entry filters become conditions (only
 * when all of them must hold), $Record assignments and record DML become
 * set_field / call actions, actionCalls become email / notify / call. The
 * full table, with every decision taken where the two models do not line up,
 * is docs/connectors/salesforce.md; keep the two in step.
 *
 * Ownership: a mapping owns one arena holding the automation and every
 * string and array it points to (copied, so the mapping outlives the parsed
 * flow). sf_mapping_free() releases all of it at once.
 */
#ifndef SF_FLOW_MAP_H
#define SF_FLOW_MAP_H

#include <stdio.h>

#include <crmgov/model.h>

#include "flow_parse.h"

struct sf_mapping {
    struct crmgov_automation automation;
    struct sf_arena *arena;
};

/* NULL only when memory runs out. */
struct sf_mapping *sf_flow_map(const struct sf_flow *flow);
void sf_mapping_free(struct sf_mapping *mapping);

/*
 * The automation as one JSON Lines `automation` event (docs/events.md shape)
 * in canonical form: keys sorted by byte value at every level, no white
 * space, no trailing newline. `id` overrides automation->id when not NULL.
 * attributes_json, when set, is carried as the member "attributes".
 * Returns a malloc'd string, or NULL (no memory, no system, at == NONE).
 */
char *sf_automation_event_json(const struct crmgov_automation *automation, const char *system,
                               crmgov_time at, const char *id);

/* Writes the event line and "\n"; 0 on success, -1 on failure. */
int sf_automation_print_event(FILE *out, const struct crmgov_automation *automation,
                              const char *system, crmgov_time at, const char *id);

#endif
