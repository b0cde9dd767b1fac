/*
 * chg_def.h -- an automation definition compiled for the cross-automation
 * analysis, and the three questions RULES.md asks of two of them:
 *
 *   chg_triggers_overlap  can one record change fire both? (same object,
 *                         compatible `on`, update field filters that meet)
 *   chg_exclusive         do their conditions provably never hold together?
 *   chg_can_trigger       can A's field writes fire B? (edge A -> B of CHG003)
 *
 * Exclusivity is decided per field, by asking whether the conditions both
 * automations put on that field can hold at once: eq/in candidate sets,
 * ne/not_in exclusions, set/unset, and gt/lt bounds are combined, so the four
 * cases of RULES.md (eq a vs eq b, disjoint in-sets, set vs unset, numeric
 * ranges that do not meet) are covered, and so are their mixtures (eq 5 vs
 * gt 10, eq a vs not_in [a]). Anything this cannot prove exclusive is assumed
 * to co-fire, as the rules require.
 *
 * Everything is in interned ids (chg_util.h); a definition owns its arrays
 * and is freed with chg_def_free. Arrays are sorted (fields, conditions by
 * field, writes by object then field) so pair tests are merges, not nested
 * loops.
 */
#ifndef CRMGOV_CHG_DEF_H
#define CRMGOV_CHG_DEF_H

#include <stdint.h>

#include "crmgov/model.h"

#include "chg_util.h"

enum chg_value_type {
    CHG_VAL_UNKNOWN = 0,    /* computed at run time: no constant */
    CHG_VAL_NULL,
    CHG_VAL_BOOL,
    CHG_VAL_NUMBER,
    CHG_VAL_STRING
};

struct chg_value {
    uint8_t type;           /* enum chg_value_type */
    uint8_t numeric;        /* NUMBER, or a STRING that reads as a number */
    double num;
    uint32_t text;          /* interned: the string, "true"/"false", or the number */
};

struct chg_cond {
    uint32_t field;
    uint8_t op;             /* enum crmgov_condition_op */
    struct chg_value value; /* eq ne gt lt */
    struct chg_value *list; /* in / not_in */
    uint32_t n_list;
};

/* One field an action writes. obj is the written object (the automation's
 * own unless the action names another); assign writes owner_id. */
struct chg_write {
    uint32_t obj, field;
    struct chg_value value;
    uint16_t action;        /* index in the definition's actions */
    uint8_t from_assign;
};

/* One person an action reaches (notify, assign, create_task, email). */
struct chg_target {
    uint8_t type;           /* enum crmgov_action_type */
    uint32_t to;
    uint16_t action;
};

struct chg_def {
    uint32_t obj;
    uint8_t on;             /* enum crmgov_trigger_on */
    uint8_t no_auto_trigger;    /* attributes.automated_changes_trigger == false */
    uint8_t writes_in_save;     /* attributes.writes_trigger_automations == false */
    uint8_t never_fires;        /* its own conditions contradict each other */
    uint32_t *fields;       /* update filter, sorted, unique; none = any field */
    uint32_t n_fields;
    struct chg_cond *conds; /* sorted by field */
    uint32_t n_conds;
    struct chg_write *writes;   /* sorted by (obj, field) */
    uint32_t n_writes;
    struct chg_target *targets;
    uint32_t n_targets;
    uint32_t *changed;      /* fields with a `changed` condition, sorted */
    uint32_t n_changed;
    uint32_t hash;          /* interned definition hash (for "same definition?") */
};

/* Compiles an automation (hash and attributes read from it). Never fails:
 * unknown action types and odd values simply do not take part. */
struct chg_def *chg_def_compile(struct chg_strtab *st, const struct crmgov_automation *a);
void chg_def_free(struct chg_def *d);

int chg_value_equal(const struct chg_value *x, const struct chg_value *y);
/* JSON text of a value (a fresh string; "null" for UNKNOWN is never used:
 * callers show UNKNOWN as "computed"). */
char *chg_value_json(const struct chg_strtab *st, const struct chg_value *v);

/* Does the update trigger of d listen to a change of `field` (of its object)? */
int chg_listens_update(const struct chg_def *d);
int chg_triggers_overlap(const struct chg_def *a, const struct chg_def *b);
int chg_exclusive(const struct chg_def *a, const struct chg_def *b);
/* Both: can fire on one record change. */
int chg_can_cofire(const struct chg_def *a, const struct chg_def *b);
/* Edge a -> b: a's writes on b's object can fire b. *field receives the first
 * written field that does (for evidence). */
int chg_can_trigger(const struct chg_def *a, const struct chg_def *b, uint32_t *field);

/* The writes of d on object obj: *n entries from the returned pointer. */
const struct chg_write *chg_writes_on(const struct chg_def *d, uint32_t obj, uint32_t *n);

#endif
