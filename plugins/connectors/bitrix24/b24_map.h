/*
 * b24_map.h -- Bitrix24's shapes in, canonical event members out:
 * business-process templates (bizproc.workflow.template.list), stage
 * robots, users (user.get) and outbound events. Pure functions over cJSON
 * trees; docs/connectors/bitrix24.md is the mapping's reference.
 *
 * Bitrix24 does not start auto-start processes (or robots) for changes that
 * processes or robots made. Every automation this mapping emits that starts
 * on its own says so in its attributes -- "automated_changes_trigger": false
 * -- which is how the change layer's cycle analysis learns it: a declared
 * capability of the connector, not a special case in the layer.
 */
#ifndef CRMGOV_B24_MAP_H
#define CRMGOV_B24_MAP_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* DOCUMENT_TYPE ["crm","CCrmDocumentDeal","DEAL"] -> "deal" (the third
 * element, lowercased); NULL when malformed. Into buf. */
const char *b24_object_name(const cJSON *document_type, char *buf, size_t size);
/* The field a record's stage lives in: STATUS_ID for leads and quotes,
 * STAGE_ID for everything else. */
const char *b24_stage_field(const char *object);

/* The automation members (id "bp-<ID>", name, kind process, object,
 * trigger from AUTO_EXECUTE, conditions, actions from the activity tree,
 * status, modified_by, attributes) of one template. 0, or -1 with why. */
int b24_map_template(const cJSON *tpl, cJSON *event, char *why, size_t size);

/* One stage robot as an automation (kind robot): it fires when a record
 * enters `stage`, so its trigger is an update of the stage field and its
 * first condition that field's value. `owner` (the template the robot
 * lives in, or NULL) resolves {=Constant:..}-style recipients. */
int b24_map_robot(const cJSON *robot, const cJSON *document_type, const char *stage,
                  const cJSON *owner, cJSON *event, char *why, size_t size);

/* A template that holds a stage's robots rather than a business process
 * (it names a DOCUMENT_STATUS, or AUTO_EXECUTE has the automation bit 8).
 * Its stage into *stage (NULL when not said). */
int b24_is_robot_template(const cJSON *tpl, const char **stage);

/* The robots of a robot template: its root's children. */
const cJSON *b24_template_robots(const cJSON *tpl);

/* user.get item -> principal members (id, name, email, active). 0 or -1. */
int b24_map_user(const cJSON *user, cJSON *event);

/* An outbound event ({event, data:{FIELDS:{ID}}, ts, auth}) -> record
 * members (object, id, op). 0, or -1 when it is no CRM record event. */
int b24_map_outbound_event(const cJSON *payload, cJSON *event);

/* "user_17" or "17" -> "17"; "{=Constant:X}" etc. -> the constant's,
 * variable's or parameter's default user when `owner` declares one; any
 * other expression ("{=Document:ASSIGNED_BY_ID}", "group_e1") as written.
 * Into buf. */
const char *b24_resolve_user(const char *value, const cJSON *owner, char *buf, size_t size);

#endif
