/*
 * names.c -- enum spellings; see names.h.
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

#define TABLE(var, what, ...)                                                   \
    static const char *const var##_list[] = { __VA_ARGS__ };                    \
    const struct name_table var = { var##_list,                                 \
                                    sizeof(var##_list) / sizeof(var##_list[0]), \
                                    what }

TABLE(names_topic, "type", "automation", "execution", "record", "principal", "ownership",
      "change", "finding", "tick");
TABLE(names_kind, "kind", "workflow", "flow", "robot", "trigger", "process", "rule");
TABLE(names_trigger_on, "trigger.on", "create", "update", "delete", "create_or_update",
      "schedule", "manual");
TABLE(names_op, "op", "eq", "ne", "in", "not_in", "gt", "lt", "set", "unset", "changed");
TABLE(names_action, "action type", "other", "set_field", "notify", "assign", "create_task",
      "email", "webhook", "call");
TABLE(names_status, "status", "active", "inactive", "deleted");
TABLE(names_exec_status, "status", "ok", "failed", "skipped");
TABLE(names_record_op, "op", "create", "update", "delete");
TABLE(names_role, "role", "system", "decision", "outcome");
TABLE(names_change_state, "state", "approved", "rejected");
TABLE(names_severity, "severity", "info", "low", "medium", "high", "critical");
TABLE(names_finding_state, "state", "open", "resolved", "acknowledged");
TABLE(names_transition, "transition", "raised", "escalated", "cleared");
TABLE(names_plugin_kind, "kind", "?", "connector", "layer", "sink", "store");
TABLE(names_option_type, "type", "string", "int", "bool", "double", "size", "duration", "enum",
      "list", "secret");

int name_lookup(const struct name_table *t, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *name_of(const struct name_table *t, int value)
{
    if (value < 0 || (size_t)value >= t->count)
        return "?";
    return t->names[value];
}

const char *name_choices(const struct name_table *t, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->count && used < size; i++) {
        if (t == &names_action && i == 0)
            continue; /* "other" is what unknown types become, not a choice */
        if (t == &names_plugin_kind && i == 0)
            continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "|" : "",
                                 t->names[i]);
    }
    return buf;
}
