/*
 * findings_table.h -- findings as rows in the output contract (docs/rules.md):
 * shared by `crmgov findings` and the SDK harness so both print the same JSON.
 */
#ifndef CRMGOV_FINDINGS_TABLE_H
#define CRMGOV_FINDINGS_TABLE_H

#include "output.h"
#include "store.h"

/* *worst gets the highest severity listed (-1 when none). */
struct crmgov_table *findings_table(struct store *s, const struct crmgov_finding_filter *filter,
                                    int *worst);

#endif
