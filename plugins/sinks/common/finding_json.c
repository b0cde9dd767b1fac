/*
 * finding_json.c -- see finding_json.h. cJSON builds the objects so that
 * every string a CRM handed us (messages, ids) is escaped correctly; the
 * evidence arrives as JSON text and is parsed back into the object, falling
 * back to {} if a layer ever stored something that is not an object.
 */
#include "finding_json.h"

#include <string.h>

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };
static const char *const transition_names[] = { "raised", "escalated", "cleared" };
static const char *const state_names[] = { "open", "resolved", "acknowledged" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sink_severity_name(int severity)
{
    return severity >= 0 && (size_t)severity < COUNT(severity_names) ? severity_names[severity]
                                                                      : "?";
}

int sink_severity_parse(const char *name)
{
    for (size_t i = 0; name && i < COUNT(severity_names); i++)
        if (strcmp(severity_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *sink_transition_name(int transition)
{
    return transition >= 0 && (size_t)transition < COUNT(transition_names)
               ? transition_names[transition]
               : "?";
}

const char *sink_state_name(int state)
{
    return state >= 0 && (size_t)state < COUNT(state_names) ? state_names[state] : "?";
}

void sink_add_string_or_null(cJSON *object, const char *name, const char *s)
{
    if (s)
        cJSON_AddStringToObject(object, name, s);
    else
        cJSON_AddNullToObject(object, name);
}

void sink_add_time(const struct crmgov_host *host, cJSON *object, const char *name,
                   crmgov_time t)
{
    if (t == CRMGOV_TIME_NONE) {
        cJSON_AddNullToObject(object, name);
        return;
    }
    char buf[32];
    cJSON_AddStringToObject(object, name, host->time_format(t, buf));
}

static cJSON *evidence_object(const char *text)
{
    cJSON *evidence = text ? cJSON_Parse(text) : NULL;
    if (cJSON_IsObject(evidence))
        return evidence;
    cJSON_Delete(evidence);
    return cJSON_CreateObject();
}

cJSON *sink_finding_json(const struct crmgov_host *host, const struct crmgov_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rule", f->rule ? f->rule : "");
    cJSON_AddStringToObject(o, "name", f->name ? f->name : "");
    cJSON_AddStringToObject(o, "layer", f->layer ? f->layer : "");
    cJSON_AddStringToObject(o, "severity", sink_severity_name((int)f->severity));
    cJSON_AddStringToObject(o, "system", f->system ? f->system : "");
    sink_add_string_or_null(o, "automation", f->automation);
    sink_add_string_or_null(o, "subject", f->subject);
    cJSON_AddStringToObject(o, "message", f->message ? f->message : "");
    cJSON_AddItemToObject(o, "evidence", evidence_object(f->evidence_json));
    sink_add_time(host, o, "first_seen", f->first_seen);
    sink_add_time(host, o, "last_seen", f->last_seen);
    cJSON_AddStringToObject(o, "state", sink_state_name((int)f->state));
    return o;
}
