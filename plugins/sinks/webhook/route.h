/*
 * route.h -- who a finding is for: the routing of the notification sinks.
 *
 * Routing lives in the sink, not in a separate router plugin: each sink
 * instance (an owners' mail gateway, a chat channel) has its own idea of who
 * should hear what, and its per-recipient caps and digests must commit in the
 * sink's own state, in the same transaction as the finding change.
 * docs/sinks.md ("Routing") explains the choice.
 *
 * The rules, in order:
 *   1. the finding's layer picks the owner roles (`roles = ownership:system,
 *      audit:outcome, change:decision`; other layers: `default_role`);
 *   2. the automation's active, human owners of those roles are recipients
 *      (list several roles for a layer to widen it: audit:outcome,
 *      audit:system);
 *   3. when that names nobody -- the automation is orphaned for those roles,
 *      or the finding has no automation (OWN004, AUD006) -- the fallback
 *      owner;
 *   4. plus every team whose minimum severity the finding reaches.
 * "Human" excludes principals whose roles include `service`: a service
 * account has no inbox. Owners come from the ownership layer's service when
 * it runs (its judgement of who is active), otherwise from the store.
 *
 * A recipient's address comes from [contacts] ("SYSTEM/ID = ..." first,
 * then "ID = ..."), else from the principal's email. Its key -- the identity
 * that per-day caps and digests count -- is the address when known, so one
 * person known in two CRMs is one person; otherwise SYSTEM/ID or team:NAME.
 */
#ifndef CRMGOV_WEBHOOK_ROUTE_H
#define CRMGOV_WEBHOOK_ROUTE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "crmgov/host.h"

struct route_layer_role {
    char *layer;
    int role;                   /* enum crmgov_owner_role */
};

struct route_team {
    char *name;
    int min_severity;           /* enum crmgov_severity */
};

struct route_config {
    struct route_layer_role *roles;
    size_t n_roles;
    int default_role;
    const char *fallback_owner; /* the sink's own option; NULL: ask the ownership layer */
    struct route_team *teams;
    size_t n_teams;
};

/* Parses `roles` items "LAYER:ROLE" and `teams` items "TEAM:SEVERITY".
 * 0, or -1 with the offending item explained in err. */
int route_config_init(struct route_config *rc, const char *const *roles, size_t n_roles,
                      int default_role, const char *fallback_owner,
                      const char *const *teams, size_t n_teams, char *err, size_t err_size);
void route_config_free(struct route_config *rc);

struct recipient {
    char *key;          /* identity for caps and digests */
    char *id;           /* principal id, team or channel name */
    char *system;       /* NULL for teams and channels */
    char *name;         /* display name; NULL when unknown */
    char *address;      /* where to reach them; NULL when unknown */
    char *as;           /* owner:system|owner:decision|owner:outcome|fallback|team|channel */
};

struct recipients {
    struct recipient *items;
    size_t n;
    size_t cap;
};

void recipients_free(struct recipients *list);
/* Adds a copy unless a recipient with the same key is there; 1 when added. */
int recipients_add(struct recipients *list, const struct recipient *r);

/* Everyone the finding is for (rules above), appended to out. Returns the
 * number of recipients added. */
size_t route_finding(const struct crmgov_host *host, const struct route_config *rc,
                     const struct crmgov_finding *f, struct recipients *out);

/* The one recipient of a channel sink. */
void route_channel(const char *channel, struct recipients *out);

/* {"id","system","name","address","as"} (system/name/address null when unknown). */
cJSON *recipient_json(const struct recipient *r);
/* Reads one back; 0, or -1 when the object lacks id/key. */
int recipient_from_json(const cJSON *o, const char *key, struct recipient *out);
void recipient_clear(struct recipient *r);

#endif
