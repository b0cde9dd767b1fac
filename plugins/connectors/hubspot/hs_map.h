/*
 * hs_map.h -- HubSpot's shapes in, canonical event members out: workflows
 * (automation v4 flows), the action-type catalogue, owners, and webhook
 * events. Pure functions over cJSON trees, so they are tested without a
 * network; docs/connectors/hubspot.md is the mapping's reference.
 *
 * Action types are never known by id: the catalogue the API answers
 * (GET /automation/v4/action-types) is classified by what each type declares
 * -- its input fields and its name -- into the canonical action kinds.
 */
#ifndef CRMGOV_HS_MAP_H
#define CRMGOV_HS_MAP_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* ------------------------------------------------------------------------ */
/* The action-type catalogue: {"<actionTypeId>": {"name":..,"class":..}}.    */

/* Classes: set_field, copy_field, notify, email, create_task, assign,
 * webhook, enroll, delay, other. */
const char *hs_action_class(const cJSON *action_type);
/* Adds one entry of the API's `results` to the catalogue object. */
void hs_catalog_add(cJSON *catalog, const cJSON *action_type);

/* ------------------------------------------------------------------------ */
/* Flows.                                                                    */

/* The canonical object for an objectTypeId: 0-1 contact, 0-2 company,
 * 0-3 deal, 0-5 ticket; any other id is kept as written. */
const char *hs_object_name(const char *object_type_id);

/* Adds the automation members (id, name, kind, object, trigger, conditions,
 * actions, status, attributes) of one flow, as GET /automation/v4/flows/{id}
 * answers it, to `event`. 0, or -1 with the reason in why. */
int hs_map_flow(const cJSON *flow, const cJSON *catalog, cJSON *event, char *why, size_t size);

/* A flow's id as text (HubSpot sends it as a string or a number); NULL
 * when absent. Writes into buf. */
const char *hs_id_text(const cJSON *item, const char *member, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Owners -> principals.                                                     */

/* Adds the principal members (id, name, email, active, roles) of one owner
 * of GET /crm/v3/owners; `archived` says which listing it came from. The
 * principal id is the owner's userId (what workflow actions name; for an
 * archived owner userIdIncludingInactive), or "owner-<id>" for an owner
 * without a user. 0, or -1 (no id). */
int hs_map_owner(const cJSON *owner, int archived, cJSON *event);

/* ------------------------------------------------------------------------ */
/* Webhooks.                                                                 */

/* One element of a webhooks-API call (subscriptionType, objectId,
 * propertyName, propertyValue, occurredAt...) -> the members of a record
 * event (object, id, op, changes). 0, or -1 when the element is no record
 * change this connector follows (association changes, merges...). */
int hs_map_webhook_event(const cJSON *element, cJSON *event);

/* The record a workflow's "send a webhook" call is about: objectId,
 * hs_object_id or vid, at the top or under "properties". Into buf; NULL
 * when none. */
const char *hs_webhook_record_id(const cJSON *body, char *buf, size_t size);

#endif
