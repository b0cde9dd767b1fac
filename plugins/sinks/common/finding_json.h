/*
 * finding_json.h -- a finding as sinks put it on the wire: the JSON object of
 * the findings contract (docs/rules.md), plus the names of severities and
 * transitions.
 *
 * Shared by every sink (each links it through NAME_SRC_EXTRA in its
 * plugin.mk) so that the webhook payload, the JSON Lines export and
 * `crmgov findings --format json` describe a finding with the same members.
 */
#ifndef CRMGOV_SINKS_FINDING_JSON_H
#define CRMGOV_SINKS_FINDING_JSON_H

#include <cjson/cJSON.h>

#include "crmgov/host.h"

/* "info" ... "critical"; "?" when out of range. */
const char *sink_severity_name(int severity);
/* The severity with that name, or -1. */
int sink_severity_parse(const char *name);
/* "raised", "escalated", "cleared". */
const char *sink_transition_name(int transition);
/* "open", "resolved", "acknowledged". */
const char *sink_state_name(int state);

/* The contract object: rule, name, layer, severity, system, automation,
 * subject, message, evidence, first_seen, last_seen, state. Caller owns it. */
cJSON *sink_finding_json(const struct crmgov_host *host, const struct crmgov_finding *f);

/* Adds an RFC 3339 time (null for CRMGOV_TIME_NONE) under name. */
void sink_add_time(const struct crmgov_host *host, cJSON *object, const char *name,
                   crmgov_time t);

/* Adds a string, or null when s is NULL. */
void sink_add_string_or_null(cJSON *object, const char *name, const char *s);

#endif
