/*
 * own.h -- the ownership layer's in-memory model, shared by its files.
 *
 * The layer mirrors three tables of the store -- principals, the automation
 * inventory and the owners -- as objects linked both ways: an automation
 * knows its holdings and the principals it targets, a principal knows the
 * holdings it has and the automations that target it. Every event then
 * touches only the objects it names and their neighbours, never the whole
 * inventory, which is what lets the layer keep up with a busy bus.
 *
 * Objects are created on first mention and never freed before the layer
 * ends (a principal named by an ownership event before it is ever seen is
 * an "unknown" placeholder until its principal event arrives), so pointers
 * between them stay valid for the lifetime of the instance. The layer
 * struct owns every object through its maps.
 *
 * Files: ownership.c (descriptor, options, life cycle, event callbacks),
 * own_index.c (the model: loading and applying events), own_rules.c
 * (OWN001-OWN005, open findings, deadlines), own_cli.c (`crmgov owners`),
 * own_csv.c (the import file reader), own_service.c (the "ownership"
 * service), own_util.c (maps, vectors, heap, strings).
 */
#ifndef OWN_H
#define OWN_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/host.h"
#include "crmgov/services/ownership.h"

#define OWN_ROLES 3 /* system, decision, outcome */

/* ------------------------------------------------------------------------ */
/* Containers (own_util.c).                                                  */

/* A growable array of pointers; the vector does not own what they point to. */
struct own_vec {
    void **items;
    size_t n, cap;
};

void own_vec_push(struct own_vec *v, void *item);
/* Removes the first occurrence (order kept); 1 when it was there. */
int own_vec_remove(struct own_vec *v, const void *item);
void own_vec_free(struct own_vec *v);

/* A hash map from byte-string keys to pointers; keys are copied. */
struct own_map_slot {
    char *key;
    size_t len;
    uint64_t hash;
    void *value;
};

struct own_map {
    struct own_map_slot *slots;
    size_t cap, n;
};

void *own_map_get(const struct own_map *m, const char *key, size_t len);
void own_map_put(struct own_map *m, const char *key, size_t len, void *value);
/* Removes the key; returns its value (NULL when absent). */
void *own_map_remove(struct own_map *m, const char *key, size_t len);
/* Frees the slots and keys; values are the caller's. */
void own_map_free(struct own_map *m);

/* A map key made of parts joined by NUL bytes, e.g. (system, id). Short
 * keys live in the struct itself: lookups on the hot path never allocate. */
struct own_key {
    char *buf;
    size_t len;
    char inline_buf[160];
};

void own_key_make(struct own_key *k, const char *system, const char *id);
/* n parts (NULL counts as ""). */
void own_key_parts(struct own_key *k, const char *const *parts, size_t n);
void own_key_free(struct own_key *k);

/* Deadlines in event time: a binary min-heap of (time, automation). */
struct own_deadline {
    crmgov_time at;
    struct own_automation *automation;
};

struct own_heap {
    struct own_deadline *items;
    size_t n, cap;
};

void own_heap_push(struct own_heap *h, crmgov_time at, struct own_automation *a);
/* Pops the earliest entry due at or before `now`; 0 when none is due. */
int own_heap_pop_due(struct own_heap *h, crmgov_time now, struct own_deadline *out);
void own_heap_free(struct own_heap *h);

/* Allocation that never returns NULL (the layer cannot go on without it). */
void *own_alloc(size_t size);
char *own_strdup(const char *s);
/* strdup of s, or NULL for NULL. */
char *own_strdup_opt(const char *s);
char *own_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------------ */
/* The model (own_index.c).                                                  */

struct own_finding;

struct own_principal {
    char *system;
    char *id;
    int known;                  /* seen in a principal event */
    int active;
    int service;                /* roles include "service" */
    crmgov_time active_since;   /* when `active` last changed */
    char *name;                 /* NULL when unknown */
    char *email;                /* NULL when unknown */
    char **roles;
    size_t n_roles;
    struct own_vec holdings;    /* struct own_holding *: what it owns */
    struct own_vec targeted_by; /* struct own_automation *: who sends it work */
    size_t active_owned;        /* distinct active automations it holds a role on */
    struct own_finding *overload; /* its open OWN004, or NULL */
    uint64_t mark;              /* == layer visit when already visited */
};

struct own_holding {
    struct own_automation *automation;
    struct own_principal *principal;
    enum crmgov_owner_role role;
    crmgov_time since;
    char *assigned_by;
};
/* qsort order of struct own_holding pointers: system, automation id, role. */
int own_holding_cmp(const void *x, const void *y);

/* Action types an automation directs at a person (a bit each). */
enum {
    OWN_ACT_NOTIFY = 1u << 0,
    OWN_ACT_ASSIGN = 1u << 1,
    OWN_ACT_TASK = 1u << 2,
    OWN_ACT_EMAIL = 1u << 3
};

struct own_recipient {
    struct own_principal *target;   /* keyed by the action's `to` text */
    unsigned actions;               /* OWN_ACT_* bits */
};

struct own_automation {
    char *system;
    char *id;
    char *name;
    int in_inventory;           /* seen in an automation event */
    enum crmgov_automation_status status;
    crmgov_time first_seen;
    struct own_vec holdings;    /* struct own_holding *, by role then principal */
    struct own_recipient *recipients;
    size_t n_recipients;
    struct own_vec findings;    /* its open struct own_finding * */
    crmgov_time deadline;       /* next re-evaluation queued, or CRMGOV_TIME_NONE */
    uint64_t mark;
};

/* The layer instance. */
struct own_layer {
    const struct crmgov_host *host;
    /* options */
    unsigned required_roles;    /* bit per enum crmgov_owner_role */
    int64_t grace_ms;
    int64_t settle_ms;
    int64_t max_owned;
    const char *const *owner_roles;
    size_t n_owner_roles;
    const char *fallback;       /* NULL = none */
    /* the model */
    struct own_map principals;  /* own_key -> struct own_principal * */
    struct own_map automations; /* own_key -> struct own_automation * */
    struct own_map emails;      /* own_key (system, lowercase email) -> principal */
    struct own_map findings;    /* finding key -> struct own_finding * */
    struct own_heap deadlines;
    struct own_vec stray;       /* loaded open findings no object claims */
    uint64_t pass;              /* evaluation passes: confirms open findings */
    uint64_t visit;             /* visits: de-duplicates objects within one walk */
    int reconciled;             /* the first full evaluation after init ran */
    crmgov_time refreshed_day;  /* day of the last daily refresh of open findings */
    struct crmgov_ownership_service service;
    struct crmgov_command command;
};

struct own_principal *own_principal_get(struct own_layer *l, const char *system,
                                        const char *id);
struct own_principal *own_principal_find(const struct own_layer *l, const char *system,
                                         const char *id);
struct own_automation *own_automation_get(struct own_layer *l, const char *system,
                                          const char *id);
struct own_automation *own_automation_find(const struct own_layer *l, const char *system,
                                           const char *id);
/* The holding of (role, principal) on a, or NULL. */
struct own_holding *own_holding_find(const struct own_automation *a,
                                     enum crmgov_owner_role role, const char *principal);
/* The principal a recipient's `to` text means: itself when known, else the
 * known principal whose email it is, else the placeholder. */
struct own_principal *own_recipient_resolve(const struct own_layer *l,
                                            const struct own_recipient *r);

/* Loads principals, inventory, owners and open findings from the store. */
int own_index_load(struct own_layer *l);
void own_index_free(struct own_layer *l);

/* Event callbacks: mirror the event, then re-judge what it touched. */
int own_on_automation(void *state, const struct crmgov_event *ev);
int own_on_principal(void *state, const struct crmgov_event *ev);
int own_on_ownership(void *state, const struct crmgov_event *ev);
int own_on_tick(void *state, const struct crmgov_event *ev);

/* ------------------------------------------------------------------------ */
/* Judgement (own_rules.c).                                                  */

enum own_rule { OWN001 = 0, OWN002, OWN003, OWN004, OWN005, OWN_RULE_COUNT };

struct own_finding {
    char *key;
    size_t key_len;
    enum own_rule rule;
    char *system;
    char *automation;           /* NULL for OWN004 */
    char *subject;
    enum crmgov_severity severity;
    char *message;
    char *evidence;
    uint64_t pass;              /* last evaluation pass that confirmed it */
};

const char *own_rule_code(enum own_rule r);
const char *own_rule_name(enum own_rule r);
const char *own_role_name(enum crmgov_owner_role role);
/* -1 when the text names no role. */
int own_role_parse(const char *text);

/* Where a holder stands at event time t (service header's enum). */
enum crmgov_owner_standing own_standing(const struct own_layer *l, const struct own_holding *h,
                                        crmgov_time t, crmgov_time *ends);
/* 1 when the holder may hold its role at all (a service account only
 * `system`). */
int own_holder_eligible(const struct own_holding *h);

/* How a role of an automation stands at t. */
enum own_role_verdict { OWN_ROLE_OK = 0, OWN_ROLE_UNOWNED, OWN_ROLE_ORPHANED };
enum own_role_verdict own_role_verdict(const struct own_layer *l, const struct own_automation *a,
                                       enum crmgov_owner_role role, crmgov_time t,
                                       crmgov_time *pending);

/* Re-judges OWN001/002/003/005 of one automation: t is the time conditions
 * are judged at, at the time a new finding is stamped with. */
int own_judge_automation(struct own_layer *l, struct own_automation *a, crmgov_time t,
                         crmgov_time at);
/* Re-judges OWN004 of one principal. */
int own_judge_principal(struct own_layer *l, struct own_principal *p, crmgov_time at);
/* Judges everything once (after init, before the first event is applied). */
int own_reconcile(struct own_layer *l, crmgov_time at);
/* Re-judges the automations whose deadline passed at tick time t. */
int own_run_deadlines(struct own_layer *l, crmgov_time t);
/* Refreshes last_seen of every open finding once per day of event time. */
int own_refresh_daily(struct own_layer *l, crmgov_time t);
/* Attaches an open finding loaded from the store (at init). */
void own_finding_adopt(struct own_layer *l, const struct crmgov_finding *f);
void own_finding_free(struct own_finding *f);
/* The fallback owner of a system, or NULL (none, or deactivated there). */
const char *own_fallback_for(const struct own_layer *l, const char *system);

/* ------------------------------------------------------------------------ */
/* CLI and service.                                                          */

int own_cli_run(void *state, int argc, char **argv);
extern const char own_cli_usage[];
void own_service_init(struct own_layer *l);

/* CSV rows of the import file (own_csv.c). */
struct own_csv_row {
    size_t line;                /* line the row starts on, from 1 */
    char **fields;
    size_t n_fields;
};

struct own_csv {
    struct own_csv_row *rows;
    size_t n_rows;
};

/* Parses RFC 4180 CSV (quotes, "" escapes, CRLF or LF, a UTF-8 byte order
 * mark); skips empty lines. 0, or -1 with "LINE: reason" in err. */
int own_csv_parse(const char *text, size_t len, struct own_csv *out, char *err, size_t errlen);
void own_csv_free(struct own_csv *csv);

#endif
