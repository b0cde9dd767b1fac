/*
 * sf_sync.h -- what this connector has told crmgov, and telling it only what
 * changed.
 *
 * Both sources (a metadata folder, the Tooling API) read automations in
 * passes. A pass offers every automation it finds to the sync, which
 * publishes an `automation` event only when the definition hash or the status
 * differs from what it published last, publishes the SF0xx findings that
 * appeared or changed (transition RAISED) and clears the ones that no longer
 * apply (CLEARED), and at the end of a complete pass reports every automation
 * it did not see as `deleted`. SF017 (several flows on one object and trigger
 * without a distinct order) looks across flows, so it runs at the end of each
 * pass over a small summary kept for every known flow -- no parsed flow is
 * kept in memory between passes.
 *
 * Durability: the state of each automation (its source's version tag,
 * definition hash, status and the summary) is a checkpoint committed with
 * the events that made it true, so a restart neither republishes unchanged
 * automations nor forgets what it published. Open findings are read back from
 * the store itself at load time, where the core keeps them.
 *
 * Threads: one sync belongs to one connector thread; nothing here locks.
 */
#ifndef SF_SYNC_H
#define SF_SYNC_H

#include <crmgov/host.h>

#include "flow_check.h"
#include "flow_parse.h"

struct sf_sync;

struct sf_sync_settings {
    const char *system;
    int checks;                     /* publish SF0xx findings */
    struct sf_check_options check;
    /* Options that change what reading the same input yields (check options,
     * what is read): when it differs from the checkpoint, every automation is
     * read again once. */
    const char *fingerprint;
};

/* NULL without memory. Strings of settings are copied. */
struct sf_sync *sf_sync_new(const struct crmgov_host *host,
                            const struct sf_sync_settings *settings);
void sf_sync_free(struct sf_sync *sync);

/* Reads checkpoints and the open findings of this system; once, before the
 * first pass, on the connector's thread. 0, or -1 (logged). */
int sf_sync_load(struct sf_sync *sync);

/* Starts a pass: nothing is seen yet. */
void sf_sync_begin(struct sf_sync *sync);

/*
 * The source's version tag recorded for an automation (a file's mtime and
 * size, a flow version id...), or NULL when it is unknown, deleted, or must
 * be read again because the options changed. A source that finds the same
 * tag calls sf_sync_touch() instead of reading the automation.
 */
const char *sf_sync_version(const struct sf_sync *sync, const char *id);

/* The automation is still there, unchanged. */
void sf_sync_touch(struct sf_sync *sync, const char *id);

/* How and when an automation was observed. */
struct sf_observed {
    const char *origin;         /* what holds it: a file path, a FlowDefinition id */
    const char *version;        /* the source's version tag (see sf_sync_version) */
    crmgov_time at;             /* event time */
    const char *source;         /* event source shown with dead letters; may be NULL */
    const char *modified_by;    /* principal id; NULL when unknown */
    const char *attributes_json;/* extra attributes merged into the mapped ones; NULL */
};

#define SF_SYNC_DUPLICATE 1     /* another origin gave the same id in this pass */

/* A parsed flow: publish what changed (automation, findings). 0,
 * SF_SYNC_DUPLICATE (nothing done), or -1 (no memory or the core refused). */
int sf_sync_flow(struct sf_sync *sync, const struct sf_flow *flow,
                 const struct sf_observed *observed);

/* Any other automation (legacy workflow rules): no SF0xx checks. */
int sf_sync_automation(struct sf_sync *sync, const struct crmgov_automation *automation,
                       const struct sf_observed *observed);

/*
 * Ends a pass. complete: the pass saw everything that exists, so what it did
 * not see is deleted (reported at gone_at, or later than the automation's
 * last event). Then SF017 runs across the flows.
 */
void sf_sync_end(struct sf_sync *sync, int complete, crmgov_time gone_at);

/* The system id events are published for. */
const char *sf_sync_system(const struct sf_sync *sync);

/* Wall-clock time in ms, for observations that have no time of their own. */
crmgov_time sf_wall_clock(void);

#endif
