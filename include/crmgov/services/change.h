/*
 * crmgov/services/change.h -- the "change" service: which approval made each
 * version of an automation legitimate.
 *
 * The change-control layer registers this interface; `crmgov history` (or
 * any plugin) looks it up to annotate versions:
 *
 *     const struct crmgov_change_service *chg =
 *         host->service_lookup(host, CRMGOV_CHANGE_SERVICE, CRMGOV_CHANGE_SERVICE_VERSION);
 *     if (chg)
 *         chg->version_approvals(chg, "sf-prod", "wf-lead-route", print_one, ctx);
 *
 * For every version of the automation (oldest first, the same seq numbers
 * as host->versions_scan) it calls fn once with the approval that made the
 * version legitimate, or with approval == NULL when the version was never
 * approved ("unapproved"). A version is legitimate when the latest approved
 * version (EVENTS.md) equalled its definition hash and status when the CRM
 * showed it -- or, failing that, when an approval of exactly that hash and
 * status came later, while the version was still current (`retroactive`).
 *
 * Call it from subscriber callbacks and commands (it reads the store).
 * Strings live until fn returns. The struct begins with struct_size and only
 * grows at the end; version 1 is everything below.
 */
#ifndef CRMGOV_SERVICES_CHANGE_H
#define CRMGOV_SERVICES_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "../model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CRMGOV_CHANGE_SERVICE "change"
#define CRMGOV_CHANGE_SERVICE_VERSION 1u

struct crmgov_change_approval {
    uint32_t struct_size;
    const char *source;         /* "baseline", "change" (external record) or
                                   "request" (a crmgov change request) */
    const char *id;             /* change or request id; NULL for a baseline */
    crmgov_time at;             /* when it was approved */
    const char *author;         /* NULL when unknown (always for a baseline) */
    const char *const *approvers;
    size_t n_approvers;
    int retroactive;            /* 1: approved after the CRM showed the version */
};

/* seq: the version's number (1, 2, ...); approval NULL = unapproved.
 * Return 0 to go on, anything else to stop. */
typedef int (*crmgov_version_approval_fn)(void *ctx, uint32_t seq,
                                          const struct crmgov_change_approval *approval);

struct crmgov_change_service {
    uint32_t struct_size;
    void *impl;                 /* the layer's own; do not touch */

    /* Calls fn for every version of SYSTEM/ID, oldest first. Returns 0, 1
     * when the automation is unknown, or what fn returned to stop. */
    int (*version_approvals)(const struct crmgov_change_service *svc, const char *system,
                             const char *automation, crmgov_version_approval_fn fn, void *ctx);
};

#ifdef __cplusplus
}
#endif

#endif
