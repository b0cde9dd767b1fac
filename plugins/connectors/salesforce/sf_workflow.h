/*
 * sf_workflow.h -- legacy workflow rules (*.workflow-meta.xml, *.workflow)
 * as canonical automations.
 *
 * One workflow file per object holds that object's rules and the actions
 * they name (field updates, email alerts, tasks, outbound messages). Orgs
 * still run them next to flows, and they write the same fields, so the change
 * layer must see them to find conflicts and loops that span both. Each rule
 * becomes one automation `<Object>.<RuleName>` (the rule's Metadata API full
 * name), kind `workflow`; the mapping table is in
 * docs/connectors/salesforce.md. No SF0xx checks apply to workflow rules.
 *
 * Ownership: one arena holds every automation and string of a file.
 */
#ifndef SF_WORKFLOW_H
#define SF_WORKFLOW_H

#include <stddef.h>

#include <crmgov/model.h>

#include "flow_parse.h"

struct sf_arena;

struct sf_workflow_rules {
    const char *object;                 /* from the file name */
    struct crmgov_automation *automations;
    size_t n;
    struct sf_arena *arena;
};

/* True when a file name is a workflow file ("Case.workflow-meta.xml"). */
int sf_workflow_is_file(const char *path);

/* NULL with *error filled when the document is refused (same reader and
 * caps as flows) or its root is not <Workflow>. */
struct sf_workflow_rules *sf_workflow_parse_buffer(const char *data, size_t size,
                                                   const char *name,
                                                   struct sf_parse_error *error);
void sf_workflow_rules_free(struct sf_workflow_rules *rules);

#endif
