/*
 * names.h -- the spelling of every enum of the model in the JSON format.
 *
 * One table per enum, used both to parse and to print, so that the two can
 * never disagree. The order of each table follows the enum in model.h.
 */
#ifndef CRMGOV_NAMES_H
#define CRMGOV_NAMES_H

#include <stddef.h>

#include "crmgov/model.h"
#include "crmgov/plugin.h"

struct name_table {
    const char *const *names;
    size_t count;
    const char *what; /* for messages: "trigger.on" */
};

extern const struct name_table names_topic;
extern const struct name_table names_kind;
extern const struct name_table names_trigger_on;
extern const struct name_table names_op;
extern const struct name_table names_action;
extern const struct name_table names_status;
extern const struct name_table names_exec_status;
extern const struct name_table names_record_op;
extern const struct name_table names_role;
extern const struct name_table names_change_state;
extern const struct name_table names_severity;
extern const struct name_table names_finding_state;
extern const struct name_table names_transition;
extern const struct name_table names_plugin_kind;
extern const struct name_table names_option_type;

/* Index of name in the table, or -1. */
int name_lookup(const struct name_table *t, const char *name);
/* The name of value, or "?" when out of range. */
const char *name_of(const struct name_table *t, int value);
/* "a|b|c" into buf. */
const char *name_choices(const struct name_table *t, char *buf, size_t size);

#endif
