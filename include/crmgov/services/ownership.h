/*
 * crmgov/services/ownership.h -- the "ownership" service: who is accountable
 * for an automation, and what a principal is accountable for.
 *
 * The ownership layer registers this interface in the registry; other
 * plugins look it up when they need it (not in their own init(): plugins are
 * initialised in no particular order):
 *
 *     const struct crmgov_ownership_service *own =
 *         host->service_lookup(host, CRMGOV_OWNERSHIP_SERVICE,
 *                              CRMGOV_OWNERSHIP_SERVICE_VERSION);
 *     if (own && own->is_owner(own, "sf-prod", "wf-lead-route", "u-9", -1))
 *         ... u-9 may approve as an owner ...
 *
 * It answers from the layer's in-memory index, which follows every
 * ownership, principal and automation event as the dispatcher applies it:
 * call it from subscriber callbacks and plugin commands (the dispatcher
 * thread or a command), never from a thread of your own. Strings handed to a
 * callback live until it returns.
 *
 * The answers use the layer's judgement, the same one its findings use: a
 * principal whose roles include `service` is a service account; it may hold
 * role `system` and never counts as a person; a deactivated owner is still
 * accountable during the layer's `grace`, an unknown one during its
 * `settle`/`grace` (see docs/rules/ownership.md).
 *
 * The struct begins with struct_size and only grows at the end; version 1 is
 * everything below.
 */
#ifndef CRMGOV_SERVICES_OWNERSHIP_H
#define CRMGOV_SERVICES_OWNERSHIP_H

#include <stdint.h>

#include "../model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CRMGOV_OWNERSHIP_SERVICE "ownership"
#define CRMGOV_OWNERSHIP_SERVICE_VERSION 1u

/* Where an owner stands in the system of the automation. */
enum crmgov_owner_standing {
    CRMGOV_OWNER_ACTIVE = 0,    /* a known, active principal */
    CRMGOV_OWNER_GRACE,         /* deactivated or unknown, still within grace */
    CRMGOV_OWNER_DEACTIVATED,   /* deactivated for longer than grace */
    CRMGOV_OWNER_UNKNOWN        /* never seen as a principal of that system */
};

/* One assignment: `principal` holds `role` on `automation`. */
struct crmgov_owner_info {
    uint32_t struct_size;
    const char *system;
    const char *automation;
    enum crmgov_owner_role role;
    const char *principal;
    crmgov_time since;                  /* when the assignment was made */
    enum crmgov_owner_standing standing;
    int service;                        /* 1: the principal is a service account */
    /* 1 when this holder keeps the role alive: active or within grace, and not
     * a service account holding `decision` or `outcome`. */
    int counts;
    int automation_active;              /* 1: the automation's status is active */
};

/* Return 0 to go on, anything else to stop (the call then returns it). */
typedef int (*crmgov_owner_info_fn)(void *ctx, const struct crmgov_owner_info *owner);
typedef int (*crmgov_principal_id_fn)(void *ctx, const char *principal);

struct crmgov_ownership_service {
    uint32_t struct_size;
    void *impl;                         /* the layer's own; do not touch */

    /* Every assignment of one automation, in role then principal order;
     * role -1 = every role. Returns 0, or what fn returned to stop. */
    int (*owners_of)(const struct crmgov_ownership_service *svc, const char *system,
                     const char *automation, int role, crmgov_owner_info_fn fn, void *ctx);

    /* Every assignment a principal holds in a system (system NULL = every
     * system), in system, automation, role order; role -1 = every role. */
    int (*owned_by)(const struct crmgov_ownership_service *svc, const char *system,
                    const char *principal, int role, crmgov_owner_info_fn fn, void *ctx);

    /* 1 when the principal holds the role (-1: any role) on the automation
     * and is a known, active person of that system; 0 otherwise. This is the
     * test for "an owner approved it": a departed owner never passes, nor a
     * service account (it may keep an automation running, but approvals are
     * a person's accountability). */
    int (*is_owner)(const struct crmgov_ownership_service *svc, const char *system,
                    const char *automation, const char *principal, int role);

    /* Who should act for the role (-1: any role) of the automation: its
     * active owners; when it has none, the configured fallback owner (never
     * a principal deactivated in that system). Calls fn once per principal
     * and returns how many it named (0: nobody), or -1 when fn stopped. */
    int (*accountable)(const struct crmgov_ownership_service *svc, const char *system,
                       const char *automation, int role, crmgov_principal_id_fn fn, void *ctx);

    /* The fallback owner for a system, or NULL when none is configured or it
     * is deactivated there. Lives as long as the layer. */
    const char *(*fallback_owner)(const struct crmgov_ownership_service *svc,
                                  const char *system);
};

#ifdef __cplusplus
}
#endif

#endif
