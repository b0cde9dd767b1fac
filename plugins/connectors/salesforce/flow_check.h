/*
 * flow_check.h -- static checks of Salesforce flows, as SF0xx findings.
 *
 * The checks read the parsed flow (flow_parse.h), not the canonical
 * automation: most of them are about the flow's own graph (loops, fault
 * paths, unreachable elements), which the canonical model does not keep.
 * One check looks across flows (several flows on one object and trigger
 * type without a defined order) and so takes every parsed flow of a folder
 * or org at once.
 *
 * Codes and names never change meaning; docs/rules/salesforce.md is the
 * reference (condition, evidence, how to fix) and sf_check_rules() is the
 * same catalogue as data. A finding's automation is the flow's API name and
 * its subject the element's API name when the finding is about one element
 * (else NULL); system, layer and times are left for the core to fill.
 *
 * Ownership: a finding list owns one arena with every finding and string;
 * sf_findings_free() releases it. Findings come in catalogue order, then in
 * document order of the element they are about.
 */
#ifndef SF_FLOW_CHECK_H
#define SF_FLOW_CHECK_H

#include <crmgov/model.h>

#include "flow_parse.h"

struct sf_check_options {
    int min_api_version;    /* SF010: default 58 */
    int max_complexity;     /* SF019: default 25 */
};

#define SF_CHECK_DEFAULT_MIN_API_VERSION 58
#define SF_CHECK_DEFAULT_MAX_COMPLEXITY 25

void sf_check_options_default(struct sf_check_options *options);

struct sf_rule_info {
    const char *code;               /* "SF001" */
    const char *name;               /* "missing-fault-path" */
    enum crmgov_severity severity;  /* default severity */
    const char *summary;            /* one line: raised when ... */
};

/* The catalogue, in code order. */
const struct sf_rule_info *sf_check_rules(size_t *count);
const struct sf_rule_info *sf_check_rule(const char *code);

struct sf_findings {
    struct crmgov_finding *items;
    size_t n;
    struct sf_arena *arena;
};

/* Every single-flow check. options may be NULL (defaults). NULL: no memory. */
struct sf_findings *sf_flow_check(const struct sf_flow *flow,
                                  const struct sf_check_options *options);

/* SF017 over a set of flows (e.g. one folder); NULL: no memory. */
struct sf_findings *sf_flows_check_trigger_order(const struct sf_flow *const *flows, size_t n);

void sf_findings_free(struct sf_findings *findings);

#endif
