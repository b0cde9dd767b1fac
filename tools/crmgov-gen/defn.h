/*
 * defn.h -- an automation definition as the generator builds it, and the
 * three things the governance rules ask of one: its canonical JSON, its
 * definition hash, and whether two definitions can fire on the same change.
 *
 * Shape: fixed-size arrays of fixed-size strings, so a definition is a plain
 * value. Copying it with `=` is how a modification starts (copy, mutate,
 * re-hash) and nothing inside needs freeing. The limits are far above what
 * the catalogue produces; the builders check them.
 *
 * The co-fire and exclusivity logic here is deliberately the *conservative*
 * reading of RULES.md (CHG002/CHG003/CHG006): the generator relies only on the
 * four exclusivity cases every layer is expected to recognise, so a healthy
 * world stays healthy under a layer that recognises more.
 */
#ifndef CRMGOV_GEN_DEFN_H
#define CRMGOV_GEN_DEFN_H

#include "gen_util.h"

#define DEFN_NAME_MAX 48
#define DEFN_LIST_MAX 6
#define DEFN_FIELDS_MAX 3
#define DEFN_CONDS_MAX 4
#define DEFN_ACTIONS_MAX 6
#define DEFN_HASH_HEX 65

enum defn_value_kind { VAL_NONE = 0, VAL_STR, VAL_INT, VAL_BOOL, VAL_LIST };

typedef struct defn_value {
    enum defn_value_kind kind;
    char str[DEFN_NAME_MAX];
    long long num; /* VAL_INT; VAL_BOOL as 0/1 */
    int nlist;
    char list[DEFN_LIST_MAX][DEFN_NAME_MAX / 2];
} defn_value;

enum defn_on { ON_CREATE = 0, ON_UPDATE, ON_DELETE, ON_CREATE_OR_UPDATE, ON_SCHEDULE, ON_MANUAL };

enum defn_op { OP_EQ = 0, OP_NE, OP_IN, OP_NOT_IN, OP_GT, OP_LT, OP_SET, OP_UNSET, OP_CHANGED };

enum defn_action_type {
    ACT_SET_FIELD = 0, ACT_NOTIFY, ACT_ASSIGN, ACT_CREATE_TASK, ACT_EMAIL, ACT_WEBHOOK, ACT_CALL
};

typedef struct defn_cond {
    char field[DEFN_NAME_MAX];
    enum defn_op op;
    defn_value value;
} defn_cond;

typedef struct defn_action {
    enum defn_action_type type;
    char field[DEFN_NAME_MAX]; /* set_field */
    defn_value value;          /* set_field */
    char arg[128]; /* to / url / target, by type */
} defn_action;

typedef struct defn {
    char kind[16];
    char object[16];
    enum defn_on on;
    int nfields;
    char fields[DEFN_FIELDS_MAX][DEFN_NAME_MAX];
    int nconds;
    defn_cond conds[DEFN_CONDS_MAX];
    int nactions;
    defn_action actions[DEFN_ACTIONS_MAX];
} defn;

const char *defn_on_name(enum defn_on on);
const char *defn_op_name(enum defn_op op);
const char *defn_action_name(enum defn_action_type t);
int defn_on_parse(const char *s, enum defn_on *out);
int defn_op_parse(const char *s, enum defn_op *out);
int defn_action_parse(const char *s, enum defn_action_type *out);

/* "field op value" with value an integer, a comma list (in/not_in), true or
 * false, or a plain string; set/unset/changed take no value. -1 if malformed. */
int defn_cond_parse(const char *spec, defn_cond *out);
/* "web" -> string, "42" -> int, "true"/"false" -> bool. */
void defn_value_from_text(const char *text, defn_value *out);
int defn_value_equal(const defn_value *a, const defn_value *b);
/* Appends the value as canonical JSON. */
void defn_value_put_json(gen_buf *b, const defn_value *v);

/* Canonical fragments, reused verbatim in emitted automation events. */
void defn_put_trigger_json(gen_buf *b, const defn *d);
void defn_put_conditions_json(gen_buf *b, const defn *d);
void defn_put_actions_json(gen_buf *b, const defn *d);
/* {"actions":..,"conditions":..,"kind":..,"object":..,"trigger":..} */
void defn_put_canonical(gen_buf *b, const defn *d);
/* Lowercase hex SHA-256 of the canonical JSON; 0 on success. */
int defn_hash(const defn *d, char out[DEFN_HASH_HEX]);

/* True when both can fire on one record change (same object assumed by the
 * caller to share a system): overlapping trigger and conditions that are not
 * provably exclusive. Schedule overlaps schedule, manual overlaps manual. */
int defn_can_cofire(const defn *a, const defn *b);
/* True when some condition of a and some of b on one field contradict:
 * eq/eq different values, disjoint in-sets, set/unset, non-meeting gt/lt. */
int defn_conds_exclusive(const defn *a, const defn *b);
/* The field an action writes on the record ("owner_id" for assign), or NULL. */
const char *defn_action_writes(const defn_action *act);
/* The user an action targets (notify, assign, create_task, email) or NULL. */
const char *defn_action_recipient(const defn_action *act);
/* True when a's field writes can trigger b (edge a -> b of CHG003). */
int defn_can_trigger(const defn *a, const defn *b);
/* True when a change of `field` on the object can fire d's trigger as an
 * update (on update/create_or_update with that field in the filter or no
 * filter). */
int defn_update_listens(const defn *d, const char *field);

#endif
