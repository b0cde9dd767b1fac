/*
 * world.h -- the generated CRM world: systems, their principals, their
 * automation inventory with owners, and the builder that keeps it healthy.
 *
 * Ownership of memory: a gen_world owns its systems; a system owns its users
 * and automations (growable arrays, indexes are stable handles -- never keep a
 * pointer across a call that may add one). Planters (plant.h) use the same
 * builder functions as the regular world, so a planted problem is exactly the
 * one problem the planter breaks on purpose, on top of a healthy world.
 *
 * Health by construction: every automation is built against the active
 * automations it can co-fire with (defn_can_cofire): it never writes a field
 * or targets a person any of them writes or targets; owners and recipients
 * come only from "stable" users who never leave; expected notification load
 * per person and expected firing rate per automation are budgeted from the
 * catalogue rates.
 */
#ifndef CRMGOV_GEN_WORLD_H
#define CRMGOV_GEN_WORLD_H

#include <stdint.h>

#include "catalog.h"
#include "defn.h"
#include "rng.h"

#define USER_STABLE 1u   /* may own automations and receive from them; never leaves */
#define USER_SERVICE 2u  /* an integration user (role "service") */
#define USER_PLANTED 4u  /* reserved by a planter: never picked by the world */

#define AUTO_PLANTED 1u  /* the world never modifies it */

enum { ROLE_SYSTEM = 0, ROLE_DECISION, ROLE_OUTCOME, ROLE_COUNT };

/* Limits the builder keeps below the rule thresholds, with headroom. */
#define WORLD_MAX_OWNED 20        /* OWN004 threshold is 25 */
#define WORLD_MAX_NOTIFY_LOAD 20.0 /* expected per person and day; AUD006 is 50 */
#define WORLD_MIN_DAILY_RATE 0.6   /* expected firings per day (AUD005: 30 days) */

typedef struct gen_options {
    uint64_t seed;
    int systems;
    int automations; /* per system */
    int users;       /* per system, at the start */
    int records;     /* created directly per system over `days` */
    int days;
    int days_given;  /* --days was on the command line */
    uint64_t max_events;
    int64_t start_day; /* days since the epoch */
    int review_days;
    int modify_every;  /* mean days between modifications per system */
    int plant;
    int verify;
    const char *answer_key;
    const char *output;
} gen_options;

typedef struct gen_user {
    char id[24];
    char name[48];
    char email[80];
    const char *role;
    unsigned flags;
    int active;
    int64_t joined_at; /* INT64_MIN: not yet emitted */
    int owned;         /* active automations owned (any role, counted once) */
    int targeted;      /* active automations targeting this user */
    double notify_load;
} gen_user;

typedef struct compiled_cond {
    int slot;
    enum defn_op op;
    int32_t num;    /* int value, or enum index for eq/ne */
    uint32_t mask;  /* enum indexes for in/not_in */
} compiled_cond;

typedef struct compiled_write {
    int out_field;  /* interned output field id, or -1 for owner_id */
    int value;      /* interned value id, or user index for assign */
} compiled_write;

typedef struct gen_automation {
    char id[64];
    char name[96];
    int family;     /* catalogue family or -1 */
    int object;
    unsigned flags;
    defn def;
    char hash[DEFN_HASH_HEX];
    int active;
    int owners[ROLE_COUNT];
    char modified_by[24];
    double est_daily;
    /* compiled for the simulation */
    unsigned fire_on;    /* bit per defn_on that fires on record changes */
    uint32_t field_mask; /* input slots in trigger.fields; 0 = any */
    int filter_unknown;  /* fields filter names only non-input fields */
    int nconds;
    compiled_cond conds[DEFN_CONDS_MAX];
    int nwrites;
    compiled_write writes[DEFN_ACTIONS_MAX];
    int nnotify;
    int notify[DEFN_ACTIONS_MAX]; /* user indexes */
    char *event_tail;    /* ,"kind":..,"object":..,"trigger":..,"conditions":..,"actions":.. */
    /* simulation state */
    int next_review_day;
    uint32_t day_counts[7];
    uint32_t since_failure;
    int64_t last_run;
} gen_automation;

typedef struct gen_system {
    char id[16];
    int index;
    const char *kinds[3]; /* preferred automation kinds, most common first */
    const char *domain;
    int64_t start_at;     /* epoch seconds of the inventory hour */
    gen_user *users;
    int nusers, capusers;
    int next_user_num;
    gen_automation *autos;
    int nautos, capautos;
    int next_change;
    struct sim_system *sim; /* owned by sim.c while generating */
} gen_system;

/* Interned output-field names and set_field value texts (canonical JSON). */
typedef struct gen_intern {
    char **items;
    int n, cap;
} gen_intern;

typedef struct gen_world {
    gen_options opt;
    gen_system *systems;
    int nsystems;
    gen_rng rng;        /* inventory building */
    gen_intern out_fields;
    gen_intern values;
    double intake_per_day; /* directly created records per system and day */
} gen_world;

/* Builds the healthy baseline world; 0 or -1 with a message in err. */
int world_build(gen_world *w, const gen_options *opt, char *err, size_t errlen);
void world_free(gen_world *w);

gen_system *world_find_system(gen_world *w, const char *id);
int world_find_user(const gen_system *s, const char *id);
int world_find_automation(const gen_system *s, const char *id);
int world_intern(gen_intern *t, const char *text);

/* Adds a principal (active from the start unless the simulation joins it
 * later); returns its index. Role NULL picks "sales". */
int world_add_user(gen_world *w, gen_system *s, const char *role, unsigned flags);

/* Builds one healthy automation of the family (catalogue slug, NULL = any
 * suitable one) on the object (-1 = any), adds it active with owners, and
 * returns its index, or -1 when no healthy one fits. */
int world_build_automation(gen_world *w, gen_system *s, int object, const char *family_slug,
                           gen_rng *rng);

/* Recomputes hash, event text and compiled form after def changed, and the
 * load counters of the users it targets. Call with the old def removed via
 * world_automation_release first when mutating an active automation. */
int world_automation_commit(gen_world *w, gen_system *s, int idx);
void world_automation_release(gen_system *s, int idx);

/* True when `user` is not targeted by any active automation (other than
 * `self`) that can co-fire with def, and its notify budget allows `rate`. */
int world_recipient_fits(const gen_system *s, int self, const defn *def, int user, double rate,
                         int is_notify);
/* True when `field` is written by no active automation (other than self)
 * that can co-fire with def. */
int world_field_fits(const gen_system *s, int self, const defn *def, const char *field);

/* Expected firings per day of a family variant in a system of this world
 * (variant -1: none; regional: narrowed to one of three regions). */
double world_estimate_daily(const gen_world *w, int family, int variant, int regional);

#endif
