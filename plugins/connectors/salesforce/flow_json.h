/*
 * flow_json.h -- a flow from the Tooling API's JSON form of its metadata.
 *
 * `SELECT Metadata FROM Flow` returns the same elements as the
 * *.flow-meta.xml file, as JSON: repeated elements are arrays, absent ones
 * null, flags booleans, numbers numbers. This front end turns that object
 * into the intermediate form of flow_parse.h, so mapping and checks treat a
 * flow from an org exactly like one from a folder. Lines are 0 (JSON keeps
 * none).
 */
#ifndef SF_FLOW_JSON_H
#define SF_FLOW_JSON_H

#include "flow_parse.h"

struct cJSON;

/* Nesting and size caps for the JSON tree (bad input never exhausts memory). */
#define SF_FLOW_JSON_MAX_DEPTH 64u
#define SF_FLOW_JSON_MAX_NODES 400000u

/*
 * metadata: the Flow record's `Metadata` object. api_name: the flow's API
 * name (FlowDefinition.DeveloperName, with a namespace prefix when there is
 * one). name: where it came from, for `file` and messages. NULL + *error
 * when it is no flow or breaks a cap.
 */
struct sf_flow *sf_flow_from_json(const struct cJSON *metadata, const char *api_name,
                                  const char *name, struct sf_parse_error *error);

#endif
