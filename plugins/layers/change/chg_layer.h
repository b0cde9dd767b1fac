/*
 * chg_layer.h -- the change-control layer as a whole: its options, its
 * memory of every automation (what the CRM shows, what was last approved,
 * when it was last reviewed) and the functions the plugin's files share.
 *
 * Files:
 *   change.c        descriptor, options, init/fini, subscriptions
 *   chg_util.c      ids, maps, vectors, buffers
 *   chg_def.c       compiled definitions; overlap, exclusivity, trigger tests
 *   chg_engine.c    incremental conflict / duplicate / cycle analysis
 *   chg_findings.c  engine deltas -> CHG002/003/006 findings and reports
 *   chg_state.c     loading, approvals log, baseline, reconciliation
 *   chg_events.c    automation / change / tick: drift, CHG004, CHG007
 *   chg_risk.c      risk assessment (level and reasons)
 *   chg_defjson.c   a definition file -> struct crmgov_automation
 *   chg_requests.c  `crmgov change ...`
 *   chg_reviews.c   `crmgov review`, `crmgov reviews due`
 *   chg_check.c     `crmgov check` (table, JSON, SARIF)
 *   chg_service.c   the "change" service (which approval made a version)
 *
 * Persistence (the layer's key/value state; \x1f separates key parts so no
 * automation id can fake another's key):
 *   appr\x1fSYS\x1fID\x1fAT\x1fSOURCE  one approval (JSON), append-only
 *   rev\x1fSYS\x1fID\x1fAT             one review (JSON), append-only
 *   base\x1fSYS                        the system's baseline (JSON)
 *   pend\x1fSYS\x1fID\x1fCHANGE         a change record whose definition has not
 *                                      been seen yet (CHG007 judged later)
 *   req\x1fREQ-N, reqseq               change requests
 * Append-only keys mean a `crmgov` command and a running daemon never
 * overwrite each other's records.
 *
 * Everything runs on the dispatcher thread or inside a command: no locks.
 */
#ifndef CRMGOV_CHG_LAYER_H
#define CRMGOV_CHG_LAYER_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "crmgov/host.h"
#include "crmgov/services/change.h"

#include "chg_def.h"
#include "chg_engine.h"
#include "chg_util.h"

#define CHG_LAYER_NAME "change"
#define CHG_SEP "\x1f"

enum chg_level { CHG_LEVEL_LOW = 0, CHG_LEVEL_MEDIUM, CHG_LEVEL_HIGH, CHG_LEVEL_CRITICAL };

enum chg_source { CHG_SOURCE_BASELINE = 0, CHG_SOURCE_CHANGE, CHG_SOURCE_REQUEST };

/* A change record whose definition the CRM has not shown yet: its risk (and
 * so CHG007's "too few approvers") is judged when it does. */
struct chg_pending {
    char *change_id;
    uint32_t hash;
    crmgov_time at;
    char *author;
    cJSON *approvers;           /* array of strings */
    struct chg_pending *next;
};

/* What the layer remembers of one automation. Hashes are interned ids. */
struct chg_auto {
    uint32_t sys, id;
    int observed;               /* the inventory knows it */
    uint32_t hash;
    int status;                 /* enum crmgov_automation_status */
    crmgov_time first_seen;
    int approved;
    uint32_t approved_hash;
    int approved_status;
    crmgov_time approved_at;
    crmgov_time last_review;    /* latest approval or review; NONE = never */
    uint8_t drift;              /* open: 0 none, 1 CHG001, 5 CHG005 */
    uint8_t overdue;            /* CHG004 open */
    struct chg_pending *pending;
};

struct chg_system {
    uint32_t sys;
    int has_base;
    crmgov_time base_at;
    struct chg_ptrs autos;      /* struct chg_auto * */
    crmgov_time next_due;       /* earliest CHG004 due date to look at again */
};

struct chg_options {
    int baseline_first_sync;
    int64_t baseline_window_ms;
    int64_t approvals[4];       /* by enum chg_level */
    int require_owner;
    uint32_t *critical;         /* (object, field) id pairs */
    uint32_t n_critical;
    int64_t review_base_ms, review_min_ms, review_reference;
    int64_t blast_medium, blast_high, blast_window_ms;
    int64_t downstream_high, recipients_medium;
};

struct chg_collect;

struct chg_layer {
    const struct crmgov_host *host;
    struct chg_options opt;
    struct chg_strtab st;
    struct chg_engine engine;
    struct chg_map autos;       /* (1, sys, id) -> struct chg_auto * */
    struct chg_map systems;     /* (2, sys) -> struct chg_system * */
    struct chg_ptrs system_list;
    int loaded, reconciled;
    crmgov_time next_due;       /* earliest system next_due (CHG004) */
    struct chg_collect *collect;    /* where engine deltas go right now */
    struct crmgov_change_service service;
};

/* ---- chg_state.c ------------------------------------------------------------ */
/* Loads inventory, approvals, reviews and baselines once (lazily: plugin
 * commands of other layers should not pay for it). */
int chg_load(struct chg_layer *l);
/* Re-reads one automation's approvals and reviews from the store (written
 * meanwhile by a command in another process). */
void chg_refresh_auto(struct chg_layer *l, const struct chg_auto *a);
/* First callback of a run: baselines for systems that have none, and the
 * stored CHG002/003/006 findings brought in line with the analysis. */
int chg_reconcile(struct chg_layer *l, crmgov_time at);
struct chg_auto *chg_auto_get(struct chg_layer *l, uint32_t sys, uint32_t id, int create);
struct chg_system *chg_system_get(struct chg_layer *l, uint32_t sys, int create);
/* Records an approval (log + memory); returns 1 when it was recorded, 0
 * when the same approval was already there. */
int chg_approve(struct chg_layer *l, struct chg_auto *a, uint32_t hash, int status,
                crmgov_time at, enum chg_source source, const char *source_id,
                const char *author, const cJSON *approvers);
/* Opens the baseline of a system if it has none (first-sync), approving
 * what the inventory shows within the window. */
int chg_baseline_open(struct chg_layer *l, uint32_t sys, crmgov_time first_at);
void chg_pending_free(struct chg_pending *p);
int chg_pending_save(struct chg_layer *l, const struct chg_auto *a, const struct chg_pending *p);
int chg_pending_delete(struct chg_layer *l, const struct chg_auto *a, const char *change_id);
const char *chg_status_name(int status);
const char *chg_level_name(int level);
int chg_level_parse(const char *text);
/* A key "prefix\x1fSYS\x1fID..." as a fresh string. */
char *chg_key2(const char *prefix, const char *a, const char *b);

/* ---- chg_events.c ------------------------------------------------------------ */
int chg_on_automation(void *state, const struct crmgov_event *ev);
int chg_on_change(void *state, const struct crmgov_event *ev);
int chg_on_tick(void *state, const struct crmgov_event *ev);
/* Re-judges review due dates of one system (CHG004) at time `now`. */
void chg_reviews_scan(struct chg_layer *l, struct chg_system *s, crmgov_time now);
/* The review interval of a system now, in ms. */
int64_t chg_review_interval(const struct chg_layer *l, uint32_t sys);
/* Marks a system for a CHG004 look at the next tick. */
void chg_reviews_touch(struct chg_layer *l, struct chg_system *s);
/* After an approval or a review: CHG004 resolves when it no longer holds. */
void chg_review_done(struct chg_layer *l, struct chg_auto *a, crmgov_time at);
/* CHG001/CHG005 resolve when the observed version is the approved one. */
void chg_drift_recheck(struct chg_layer *l, struct chg_auto *a, crmgov_time at);

/* ---- chg_findings.c ----------------------------------------------------------- */
struct chg_found {
    const char *rule;
    char *automation, *subject, *message, *evidence;
    uint32_t sys;
    int severity;
    int net;                    /* appearances minus disappearances */
    int last_appear;
    uint32_t *members;          /* automation ids involved (sorted, unique) */
    uint32_t n_members;
};

struct chg_collect {
    struct chg_found *items;
    size_t n, cap;
    struct chg_map by_key;
};

void chg_collect_init(struct chg_collect *c);
void chg_collect_free(struct chg_collect *c);
/* The engine sink: renders each delta into the current collector. */
void chg_collect_delta(void *layer, const struct chg_delta *delta);
/* Raises what appeared, resolves what disappeared, refreshes what stayed. */
void chg_collect_apply(struct chg_layer *l, const struct chg_collect *c, crmgov_time at);
/* Does the found item involve automation `id`? */
int chg_found_involves(const struct chg_found *f, uint32_t id);
/* Renders the current pairs and cycles of one node (appear = 1) into c. */
void chg_collect_node(struct chg_layer *l, struct chg_collect *c, const struct chg_node *n);
/* Severity of an automation's write conflict: critical on a critical field. */
int chg_field_is_critical(const struct chg_layer *l, uint32_t obj, uint32_t field);

/* ---- chg_risk.c ------------------------------------------------------------------ */
enum chg_change_kind {
    CHG_KIND_NEW = 0,           /* not in the inventory yet */
    CHG_KIND_MODIFY,            /* another definition */
    CHG_KIND_STATUS,            /* same definition, another status */
    CHG_KIND_CONFIRM            /* what the CRM shows, approved after the fact */
};
const char *chg_kind_name(int kind);

/* The risk of making `def` (NULL when the new status is not active) the
 * definition of (sys, id): what the move creates (net deltas in c, for that
 * automation), plus what the definition is; def must be the one the
 * analysis holds for (sys, id) right now. Returns a JSON object {level,
 * reasons[], conflicts[], cycles[], duplicates[], resolves[], existing[],
 * blast, downstream, recipients[], critical_fields[]}; *level gets the
 * level. */
cJSON *chg_risk_assess(struct chg_layer *l, uint32_t sys, uint32_t id, const struct chg_def *def,
                       int kind, int status, int was_active, const struct chg_collect *c,
                       int *level);
/* What-if: makes def (NULL = not active) the definition of (sys, id) in the
 * analysis, collecting what changes into out, and returns what it replaced;
 * chg_whatif_end puts that back (collecting nothing) and returns def for
 * the caller to free. Assess between the two. */
struct chg_def *chg_whatif_begin(struct chg_layer *l, uint32_t sys, uint32_t id,
                                 struct chg_def *def, struct chg_collect *out);
struct chg_def *chg_whatif_end(struct chg_layer *l, uint32_t sys, uint32_t id,
                               struct chg_def *previous);

/* ---- chg_defjson.c ----------------------------------------------------------------- */
struct chg_parsed {
    struct crmgov_automation a;
    char hash[65];
    const char *system;         /* the file's "system", or NULL */
    void *mem;                  /* everything above points into this */
};
/* Parses one automation JSON object (EVENTS.md shape; id and status
 * optional). 0, or -1 with a one-line reason in why[256]. */
int chg_parse_definition(const struct crmgov_host *h, const cJSON *obj, struct chg_parsed *out,
                         char why[256]);
void chg_parsed_free(struct chg_parsed *p);
/* Reads a whole file; NULL with errno on failure. Caller frees. */
char *chg_read_file(const char *path, size_t *len);
/* A file's text as one JSON value; NULL also when more than blanks follow
 * it (cJSON alone stops after a first object and drops the rest). */
cJSON *chg_parse_whole(const char *text, size_t len);

/* ---- commands ------------------------------------------------------------------------- */
int chg_cmd_change(void *state, int argc, char **argv);
int chg_cmd_review(void *state, int argc, char **argv);
int chg_cmd_reviews(void *state, int argc, char **argv);
int chg_cmd_check(void *state, int argc, char **argv);
/* Event time for a command: --at, else the store's clock, else the wall
 * clock. CRMGOV_TIME_NONE when --at is invalid. */
crmgov_time chg_command_time(const struct chg_layer *l, const char *at_arg);
/* The automation's owners allow `principal` to approve as an owner. */
int chg_is_owner(struct chg_layer *l, const char *system, const char *automation,
                 const char *principal);
/* Runs a small option parser shared by the commands: "--name value" pairs
 * and flags; positional arguments collected in order. */
struct chg_args {
    const char *names[16];
    const char *values[16];
    int n;
    const char *positional[64];
    int n_positional;
};
/* 0, or -1 after printing "crmgov CMD: ..." to stderr. `with_value` lists
 * the options that take a value, `flags` those that do not ("|a|b|"). */
int chg_args_parse(const char *cmd, int argc, char **argv, int first, const char *with_value,
                   const char *flags, struct chg_args *out);
const char *chg_arg(const struct chg_args *a, const char *name);

/* ---- chg_service.c -------------------------------------------------------------------------- */
void chg_service_init(struct chg_layer *l);

#endif
