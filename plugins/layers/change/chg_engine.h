/*
 * chg_engine.h -- the cross-automation analysis of the change layer, kept up
 * to date one automation at a time: write conflicts (CHG002), duplicate
 * actions (CHG006) and trigger cycles (CHG003) among the ACTIVE automations
 * of each system.
 *
 * Shape. Every active automation is a node. Indexes keyed by (system,
 * object, field) -- who writes a field, whose update trigger listens to it,
 * who writes an object at all -- and by (system, action type, recipient)
 * find the few automations a node can conflict with or trigger, so adding
 * or removing one automation costs what its neighbourhood costs, never the
 * size of the inventory. A full analysis is simply every automation added in
 * turn: each pair is found when its second member arrives, each cycle when
 * its last member does.
 *
 * Results are told, not polled: the engine calls the sink with a delta each
 * time a pair or a cycle appears or disappears. Replacing a definition is a
 * removal then an addition, so a problem that survives the change shows up
 * as disappear + appear; the findings code nets these out (chg_findings.c).
 * The same deltas answer "what would this proposal create?" for change
 * requests and `crmgov check`: put the proposal, collect, put the original
 * back.
 *
 * Cycles are elementary cycles found by a depth-first search from the new
 * node, restricted to nodes that can reach it back; one record per set of
 * members (RULES.md keys a cycle by its sorted members), with the first path
 * found kept as evidence. The search is bounded (max_cycles, max_steps) so a
 * pathological graph cannot stall ingestion; `truncated` tells when a bound
 * was hit.
 */
#ifndef CRMGOV_CHG_ENGINE_H
#define CRMGOV_CHG_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "chg_def.h"
#include "chg_util.h"

enum chg_pair_rule { CHG_PAIR_CONFLICT = 2, CHG_PAIR_DUPLICATE = 6 };

struct chg_node;

struct chg_edge {
    struct chg_node *node;  /* out: the target; in: the source */
    uint32_t field;         /* the written field that fires the target */
};

/* A pair as one member sees it; the other member holds the mirror. */
struct chg_pair {
    struct chg_node *other;
    uint8_t rule;           /* enum chg_pair_rule */
    uint8_t type;           /* CRMGOV_ACTION_SET_FIELD, or the shared action type */
    uint32_t obj;           /* written object (set_field), 0 for recipients */
    uint32_t what;          /* the field, or the recipient */
    uint16_t mine, theirs;  /* action indexes */
};

struct chg_cycle {
    uint32_t sys;
    uint32_t key;           /* interned: member ids, sorted, joined with ',' */
    struct chg_node **path; /* one elementary path, from its smallest member */
    struct chg_edge *via;   /* via[i]: the edge path[i] -> path[i+1 mod n] */
    uint32_t n;
};

struct chg_node {
    uint32_t sys, id;
    struct chg_def *def;
    struct chg_edge *out, *in;
    uint32_t n_out, cap_out, n_in, cap_in;
    struct chg_pair *pairs;
    uint32_t n_pairs, cap_pairs;
    struct chg_ptrs cycles; /* struct chg_cycle * */
    uint32_t stamp;         /* traversal scratch */
    uint8_t on_path;
};

enum chg_delta_kind { CHG_DELTA_PAIR = 0, CHG_DELTA_CYCLE };

struct chg_delta {
    int appear;             /* 1 appears, 0 disappears */
    enum chg_delta_kind kind;
    const struct chg_node *node;    /* PAIR: the member being changed */
    const struct chg_pair *pair;    /* PAIR: as `node` sees it */
    const struct chg_cycle *cycle;  /* CYCLE */
};

typedef void (*chg_delta_fn)(void *ctx, const struct chg_delta *delta);

struct chg_engine {
    struct chg_strtab *st;  /* borrowed */
    struct chg_map index;
    chg_delta_fn sink;      /* may be NULL */
    void *sink_ctx;
    uint32_t stamp;
    uint32_t max_cycles;    /* new cycle records per change */
    uint64_t max_steps;     /* search steps per change */
    int truncated;          /* a bound was hit at least once */
    size_t n_nodes, n_pairs, n_cycles;
};

void chg_engine_init(struct chg_engine *e, struct chg_strtab *st);
void chg_engine_free(struct chg_engine *e);
void chg_engine_set_sink(struct chg_engine *e, chg_delta_fn sink, void *ctx);

/* Makes def the active definition of (sys, id); def NULL removes it. Takes
 * def; returns the previous definition, which the caller now owns (NULL
 * when there was none). */
struct chg_def *chg_engine_put(struct chg_engine *e, uint32_t sys, uint32_t id,
                               struct chg_def *def);
struct chg_node *chg_engine_node(const struct chg_engine *e, uint32_t sys, uint32_t id);
/* Active automations of a system. */
uint32_t chg_engine_active(const struct chg_engine *e, uint32_t sys);
/* How many automations the node's writes can set off, directly or through
 * others (itself excluded). */
uint32_t chg_engine_downstream(struct chg_engine *e, const struct chg_node *n);
/* Calls fn for every node; stops when fn returns non-zero and returns that. */
int chg_engine_each(const struct chg_engine *e, int (*fn)(void *ctx, struct chg_node *n),
                    void *ctx);

#endif
