/*
 * audit.h -- the performance-audit layer's internal model, shared by its
 * source files (never installed, never seen by the core).
 *
 * The layer keeps, in memory, only what a rule still needs, and every piece
 * is bounded by event TIME, never by the number of events:
 *   - per automation: its compiled trigger and conditions and a ring of daily
 *     counters long enough for the longest window the options ask for;
 *   - per record: the values of the fields some automation's conditions
 *     reference (plus the conversion field), the matches and executions of
 *     the last `lookback` + 2 x `sla`, and the touches still waiting to
 *     convert (at most `horizon` old). A record idle for `horizon` is
 *     forgotten;
 *   - a min-heap of deadlines (missed-action, unintended-trigger and
 *     dormancy checks), each entry gone once judged;
 *   - per notified principal, the current day's count.
 * Names that repeat (systems, objects, fields, automation ids, principals)
 * are interned once; record ids and record values are not (they would grow
 * with the data), values are kept as a hash plus a number.
 *
 * Everything judges by event time: the current day rolls when an event or a
 * tick lands in a later UTC day, and deadlines are judged on ticks.
 */
#ifndef CRMGOV_AUDIT_H
#define CRMGOV_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <crmgov/host.h>

#define AUD_DAY_MS 86400000LL

/* ------------------------------------------------------------------------ */
/* small containers                                                         */

/* A growable array of pointers or values, typed by the user. */
#define AUD_GROW(ptr, n, cap)                                                     \
    do {                                                                         \
        if ((n) >= (cap)) {                                                      \
            size_t aud_new_cap_ = (cap) ? (size_t)(cap) * 2 : 4;                  \
            void *aud_p_ = realloc((ptr), aud_new_cap_ * sizeof(*(ptr)));         \
            if (!aud_p_)                                                         \
                abort();                                                         \
            (ptr) = aud_p_;                                                      \
            (cap) = aud_new_cap_;                                                \
        }                                                                        \
    } while (0)

uint64_t aud_hash(const void *data, size_t len, uint64_t seed);
/* realloc that aborts when memory runs out (like the core's x* helpers). */
void *aud_realloc(void *p, size_t size);

/* Interned names: bytes -> dense id (0, 1, 2...). Keys are copied. A
 * short key is also kept in its slot, so a hit reads one cache line
 * instead of three (slot, length, key): a record change interns its
 * system, object and every changed field, and the layer's record table
 * keeps pushing the name table out of the cache. */
#define AUD_NAME_INLINE 23
#define AUD_NAME_LONG 0xff      /* len of a slot whose key is only in keys[] */
struct aud_name_slot {
    uint32_t id_plus1;      /* 0 = empty */
    uint32_t tag;           /* the hash's high half: most misses end here */
    uint8_t len;            /* the key's length, or AUD_NAME_LONG */
    char bytes[AUD_NAME_INLINE]; /* the key when it fits */
};

struct aud_names {
    struct aud_name_slot *slots;
    uint64_t *hashes;       /* per id (for rehashing) */
    char **keys;            /* per id, NUL-terminated copy */
    uint32_t *lens;         /* per id */
    size_t n, cap_ids, cap_slots;
};

void aud_names_free(struct aud_names *t);
/* The id of key, or UINT32_MAX when absent. */
uint32_t aud_names_find(const struct aud_names *t, const char *key, size_t len);
uint32_t aud_names_add(struct aud_names *t, const char *key, size_t len);
static inline const char *aud_name(const struct aud_names *t, uint32_t id)
{
    return id < t->n ? t->keys[id] : "";
}

/* ------------------------------------------------------------------------ */
/* options                                                                  */

struct aud_options {
    int64_t window_ms, sla_ms, lookback_ms, baseline_ms, horizon_ms, dormant_after_ms;
    double max_failure_rate, spike_factor, significance, silent_ratio;
    int64_t min_executions, min_sample, max_notifications;
    const char *conversion_object, *conversion_field;
    const char *const *conversion_values;
    size_t n_conversion_values;
    /* derived: whole UTC days, at least 1 */
    int window_days, baseline_days, horizon_days;
    int ring_days;          /* days kept per automation */
    int64_t lateness_ms;    /* how far out of order an event may arrive */
};

/* ------------------------------------------------------------------------ */
/* values and compiled definitions                                          */

enum aud_vtype { AUD_V_UNKNOWN = 0, AUD_V_ABSENT, AUD_V_NULL, AUD_V_BOOL, AUD_V_NUMBER,
                 AUD_V_STRING };

/* A field value as far as conditions need it: strings by hash (equality),
 * and a number for anything numeric (numbers, numeric strings, booleans). */
struct aud_value {
    uint8_t type;           /* enum aud_vtype */
    uint8_t numeric;        /* num is meaningful */
    uint64_t hash;          /* STRING: hash of the text */
    double num;
};

struct aud_cond {
    uint32_t field;         /* interned field name */
    int slot;               /* its value slot in the record (-1: not tracked) */
    int op;                 /* enum crmgov_condition_op */
    struct aud_value value;         /* scalar operand */
    struct aud_value *items;        /* in / not_in */
    size_t n_items;
};

enum aud_status { AUD_UNKNOWN_STATUS = -1 };

struct aud_def {
    uint32_t object;        /* interned */
    int on;                 /* enum crmgov_trigger_on */
    uint32_t *fields;       /* trigger fields (interned); n 0 = any */
    size_t n_fields;
    struct aud_cond *conds;
    size_t n_conds;
};

/* 1 true, 0 false, -1 unknown (a referenced field's value is not known). */
int aud_cond_eval(const struct aud_cond *c, const struct aud_value *current, int changed);
void aud_value_from(struct aud_value *out, const struct crmgov_value *v);
void aud_def_free(struct aud_def *d);

/* ------------------------------------------------------------------------ */
/* per automation                                                           */

/* One UTC day of counters. The first block is what the core does not keep
 * (persisted by the layer); the second comes from the core's daily table. */
struct aud_day {
    int32_t day;            /* days since 1970-01-01; slot is stale otherwise */
    uint32_t dirty : 1, spike : 1;  /* spike: AUD003 judged this day a spike (persisted) */
    uint32_t touched, conversions, matches, misses, no_trigger, wrong_object;
    uint32_t cohort_touched, cohort_converted;
    uint32_t last_exec_ms;  /* ms into the day of its last execution, or UINT32_MAX */
    uint32_t executions, failed, notifications;
};

/* Open findings of one automation: bit per (rule, subject). */
enum aud_flag {
    AUD_F_FAILURE = 1u << 0,
    AUD_F_MISSED = 1u << 1,
    AUD_F_NO_TRIGGER = 1u << 2,
    AUD_F_WRONG_OBJECT = 1u << 3,
    AUD_F_SPIKE = 1u << 4,
    AUD_F_CONVERSION = 1u << 5,
    AUD_F_DORMANT = 1u << 6,
    AUD_F_SILENT = 1u << 7
};

#define AUD_EXAMPLES 5
struct aud_example {
    char *record;           /* owned; NULL = empty */
    crmgov_time at;
};

struct aud_auto {
    uint32_t system;        /* interned */
    uint32_t id;            /* interned "system\0id" -> automation index */
    const char *name;       /* the automation id text (points into names) */
    int defined;            /* an automation event was seen */
    int status;             /* enum crmgov_automation_status */
    struct aud_def def;
    crmgov_time first_seen;
    crmgov_time active_since;       /* CRMGOV_TIME_NONE unless active */
    crmgov_time last_exec;          /* CRMGOV_TIME_NONE when never */
    int32_t last_failure_day;       /* INT32_MIN when none in the ring */
    struct aud_day *ring;           /* opts.ring_days slots */
    uint32_t open;                  /* enum aud_flag */
    uint32_t refresh;               /* enum aud_flag: evidence changed while open */
    int dirty_listed;               /* on the flush list */
    int32_t dirty_from, dirty_to;   /* days holding dirty slots, while listed */
    int refresh_listed;             /* on the refresh list */
    int dormant_queued;
    int32_t spike_day;              /* day spike_mean was computed for */
    int spike_judged;               /* a full baseline exists for spike_day */
    double spike_mean;              /* baseline daily mean for spike_day */
    struct aud_example missed[AUD_EXAMPLES], no_trigger[AUD_EXAMPLES],
        wrong_object[AUD_EXAMPLES];
    uint32_t wrong_object_name;     /* last wrong object seen (interned) */
    char *row_name;                 /* name escaped as in row keys; NULL until a flush */
    size_t row_name_len;
};

/* ------------------------------------------------------------------------ */
/* per (system, object): which automations can fire and which fields matter */

/* What a record change needs to rule an automation out without touching
 * it: kept inline so most candidates cost no pointer chase. */
struct aud_candidate {
    uint32_t autom;
    uint8_t on;             /* enum crmgov_trigger_on */
    uint8_t active;
    uint8_t n_inline;       /* trigger fields held in `field` (1-2), else 0 */
    uint64_t fields;        /* bloom of the trigger fields (update); 0 = any */
    uint32_t field[2];      /* the trigger fields themselves, when that few */
    /* the definition's conditions (its own array: a changed definition is
     * detached and attached again, which renews this), so judging them
     * needs no read of the automation */
    const struct aud_cond *conds;
    size_t n_conds;
};

/* A field's bit in a trigger bloom. */
static inline uint64_t aud_field_bit(uint32_t field)
{
    return 1ull << ((field * 0x9E3779B1u) >> 26);
}

struct aud_objinfo {
    uint32_t system, object;
    struct aud_candidate *autos;    /* record-triggered automations on it, any status */
    size_t n_autos, cap_autos;
    uint32_t *fields;       /* tracked fields (interned); index = value slot */
    size_t n_fields, cap_fields;
    int conversion_slot;    /* slot of the conversion field, or -1 */
};

/* ------------------------------------------------------------------------ */
/* per record                                                               */

enum aud_mark_kind { AUD_MARK_MATCH = 0, AUD_MARK_MAYBE = 1, AUD_MARK_EXEC = 2 };

struct aud_mark {
    crmgov_time at;
    uint32_t autom;
    uint32_t kind;
};

struct aud_touch {
    crmgov_time first;      /* first touch of the conversion cohort, or NONE */
    uint32_t autom;
    int32_t last_day;       /* last day counted in `touched` */
    uint8_t pending;        /* cohort touch still waiting to convert */
};

struct aud_record {
    uint64_t hash;
    uint32_t objinfo;
    uint32_t seq;           /* scratch: its number while a snapshot is written */
    char *id;
    crmgov_time last_active;
    uint32_t queued;        /* heap entries that point here */
    uint8_t deleted;
    uint8_t converted;      /* reached a conversion value (conversion object) */
    uint8_t converted_known;
    uint16_t n_values;
    struct aud_value *values;
    struct aud_mark *marks;
    uint32_t n_marks, cap_marks;
    struct aud_touch *touches;
    uint32_t n_touches, cap_touches;
};

struct aud_record_slot {
    uint64_t hash;          /* a copy of rec->hash: probing reads no record */
    struct aud_record *rec; /* NULL = empty */
};

struct aud_records {
    struct aud_record_slot *slots;
    size_t n, cap;
};

/* ------------------------------------------------------------------------ */
/* deadlines                                                                */

enum aud_due_kind { AUD_DUE_SLA = 0, AUD_DUE_TRIGGER = 1, AUD_DUE_DORMANT = 2 };

struct aud_due {
    crmgov_time due;        /* judged at the first tick after it */
    crmgov_time at;         /* the change (SLA) or execution (trigger) time */
    struct aud_record *rec; /* NULL for dormancy */
    uint32_t autom;
    uint32_t kind;
};

struct aud_heap {
    struct aud_due *items;
    size_t n, cap;
};

void aud_heap_push(struct aud_heap *h, const struct aud_due *d);
int aud_heap_pop_before(struct aud_heap *h, crmgov_time t, struct aud_due *out);

/* ------------------------------------------------------------------------ */
/* per notified principal                                                   */

struct aud_notify_count {
    uint32_t autom;
    uint32_t count;
};

struct aud_recipient {
    uint32_t system, principal;     /* interned */
    int32_t day;
    uint32_t count;
    struct aud_notify_count *by_auto;
    size_t n_by_auto, cap_by_auto;
    int open;               /* AUD006 open */
    int refresh_listed;
    int dirty;              /* count changed since the last flush */
    char *row_name;         /* principal escaped as in row keys; NULL until a flush */
    size_t row_name_len;
};

/* ------------------------------------------------------------------------ */
/* the layer                                                                */

struct aud_layer {
    const struct crmgov_host *host;
    struct aud_options opts;
    int started;            /* live: start() ran; commands only read the store otherwise */
    int service_owner;      /* this instance registered the commands */

    struct aud_names names;         /* systems, objects, fields, principals */
    struct aud_names auto_keys;     /* "system\0id" -> automation index */
    struct aud_auto **autos;
    size_t n_autos, cap_autos;
    uint32_t *auto_by_key;          /* the core's automation_key -> index + 1 */
    size_t cap_auto_by_key;
    struct aud_names obj_keys;      /* "system\0object" -> objinfo index */
    struct aud_objinfo *objs;
    size_t n_objs, cap_objs;
    uint32_t conversion_object, conversion_field;   /* interned */
    uint64_t *conversion_hashes;
    size_t n_conversion_hashes;

    struct aud_records records;
    struct aud_heap heap;

    struct aud_names recipient_keys;  /* "system\0principal" -> recipient index */
    struct aud_recipient *recipients;
    size_t n_recipients, cap_recipients;

    crmgov_time *watch_since;       /* per system id: first record event seen */
    size_t cap_watch;

    int32_t today;                  /* current UTC day; INT32_MIN before any event */
    crmgov_time clock;              /* latest event or tick time seen */
    uint32_t *flush_list;           /* automations with dirty day slots */
    size_t n_flush, cap_flush;
    uint32_t *refresh_list;         /* automations whose open findings need refresh */
    size_t n_refresh, cap_refresh;
    uint32_t *refresh_recipients;
    size_t n_refresh_recipients, cap_refresh_recipients;
    int tail_loaded;                /* a snapshot was loaded: drop it in the first batch */
    int32_t load_today;             /* today when the state was loaded (INT32_MIN: empty) */
    int32_t *newest_day_row;        /* by system name id: newest day of a day row known */
    int32_t *newest_count_row;      /* ... and of a notification-count row */
    size_t cap_newest;
    unsigned snapshot_chunks;       /* record chunks of the snapshot in the store */
};

/* audit.c / aud_state.c */
/* The automation an automation or execution event is about, created when
 * new: found by the core's automation_key when the event has one. */
struct aud_auto *aud_auto_of_event(struct aud_layer *L, const struct crmgov_event *ev,
                                   const char *id, uint32_t *index);
struct aud_auto *aud_auto_get(struct aud_layer *L, const char *system, const char *id,
                              int create, uint32_t *index);
struct aud_day *aud_day_slot(struct aud_layer *L, struct aud_auto *a, int32_t day,
                             int for_write);
uint32_t aud_day_sum(struct aud_layer *L, const struct aud_auto *a, int32_t from,
                     int32_t to, size_t field_offset);
void aud_mark_dirty(struct aud_layer *L, uint32_t autom, struct aud_day *slot);
uint32_t aud_objinfo_get(struct aud_layer *L, uint32_t system, uint32_t object);
void aud_objinfo_attach(struct aud_layer *L, uint32_t autom);
void aud_objinfo_detach(struct aud_layer *L, uint32_t autom);
struct aud_record *aud_record_get(struct aud_layer *L, uint32_t objinfo, const char *id,
                                  int create);
void aud_records_sweep(struct aud_layer *L, crmgov_time now);
void aud_records_free(struct aud_records *r);
void aud_record_prune(struct aud_layer *L, struct aud_record *r, crmgov_time now);
struct aud_recipient *aud_recipient_get(struct aud_layer *L, uint32_t system,
                                        uint32_t principal, uint32_t *index);
void aud_layer_free_state(struct aud_layer *L);
void aud_example_add(struct aud_example *ex, const char *record, crmgov_time at);
void aud_examples_clear(struct aud_example *ex);

static inline int32_t aud_day_of(crmgov_time t)
{
    return (int32_t)(t >= 0 ? t / AUD_DAY_MS : -((-t + AUD_DAY_MS - 1) / AUD_DAY_MS));
}

static inline crmgov_time aud_day_start(int32_t day)
{
    return (crmgov_time)day * AUD_DAY_MS;
}

/* The slot of `day` in a ring of n days (days before 1970 included). Loops
 * over a range of days step from here instead of dividing per day: the day
 * roll sums weeks of ten thousand rings. */
static inline int aud_ring_index(int32_t day, int n)
{
    int32_t r = day % n;
    return r < 0 ? r + n : r;
}

/* aud_model.c */
int aud_def_compile(struct aud_layer *L, struct aud_def *out, const struct crmgov_automation *a);
/* Does the record change fire the trigger (op and fields only)? */
int aud_trigger_fires(const struct aud_def *d, int op, const uint32_t *changed, size_t n);

/* aud_rules.c: the event handlers */
int aud_on_automation(struct aud_layer *L, const struct crmgov_event *ev);
int aud_on_record(struct aud_layer *L, const struct crmgov_event *ev);
int aud_on_execution(struct aud_layer *L, const struct crmgov_event *ev);
int aud_on_tick(struct aud_layer *L, crmgov_time t);
void aud_advance(struct aud_layer *L, crmgov_time t);
/* Record changes of `system` are seen from `at` on (AUD003 looks back only that far). */
void aud_watch_from(struct aud_layer *L, uint32_t system, crmgov_time at);

/* aud_daily.c: judgements once per day and by deadline */
void aud_day_roll(struct aud_layer *L, int32_t new_day);
void aud_check_failures(struct aud_layer *L, uint32_t autom, crmgov_time at);
void aud_check_spike(struct aud_layer *L, uint32_t autom, crmgov_time at);
void aud_judge_dormant(struct aud_layer *L, const struct aud_due *d, crmgov_time now);
void aud_queue_dormant(struct aud_layer *L, uint32_t autom);

/* aud_findings.c: raising and resolving with evidence */
void aud_refresh_later(struct aud_layer *L, uint32_t autom, uint32_t flag);
void aud_refresh_pending(struct aud_layer *L, crmgov_time at);
void aud_raise_auto(struct aud_layer *L, uint32_t autom, uint32_t flag, crmgov_time at);
void aud_resolve_auto(struct aud_layer *L, uint32_t autom, uint32_t flag, crmgov_time at);
void aud_raise_recipient(struct aud_layer *L, uint32_t index, crmgov_time at);
void aud_resolve_recipient(struct aud_layer *L, uint32_t index, crmgov_time at);
int aud_load_open_findings(struct aud_layer *L);

/* aud_conversion.c: AUD004 */
struct aud_conversion_test {
    int32_t window_from, window_to, baseline_from, baseline_to;   /* days, inclusive */
    uint64_t window_n, window_x, baseline_n, baseline_x;
    double window_rate, baseline_rate, z, p;
    int judged;             /* both samples large enough and a variance */
};
void aud_conversion_test(struct aud_layer *L, const struct aud_auto *a, int32_t today,
                         struct aud_conversion_test *out);

/* aud_stats.c: pure functions */
double aud_normal_cdf(double z);
/* Two-sided two-proportion z-test of x2/n2 against x1/n1: pooled variance,
 * Yates' continuity correction (|difference| less (1/n1 + 1/n2) / 2, never
 * below 0), z signed like the difference, p two-sided.
 * Returns 0 when it cannot be computed (n 0 or no variance). */
int aud_two_proportion(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double *z,
                       double *p);
/* Estimated q-quantile (0..1) of a duration histogram; -1 when empty. */
int64_t aud_hist_quantile(const uint32_t *hist, uint64_t total, double q, int64_t max_ms);

/* aud_persist.c: daily rows, the stop-time tail, loading at start */
#define AUD_ROW_SIZE 44
void aud_row_encode(const struct aud_day *d, unsigned char out[AUD_ROW_SIZE]);
int aud_row_decode(const void *blob, size_t len, struct aud_day *d);
char *aud_row_key(char kind, int32_t day, const char *system, const char *name);
/* name escaped as in row keys (a fresh string) */
char *aud_row_escape(const char *name, size_t *len);

/* aud_packed.c: day rows packed per system and day ("D/DAY/SYSTEM/"), and
 * notification counts likewise ("N/DAY/SYSTEM/", 4-byte values). */
#define AUD_PACKED_NAME_MAX 65535   /* escaped automation id, bytes (a u16) */
struct aud_packed_row {
    const char *name;               /* escaped as in keys; not NUL-terminated */
    size_t name_len;
    const unsigned char *value;     /* AUD_ROW_SIZE bytes ('D'), 4 ('N') */
};
/* The order of names in a packed row (and of the rows written to it):
 * bytes, then the shorter first. */
static inline int aud_name_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    return c ? c : (a_len > b_len) - (a_len < b_len);
}
/* Merges rows (sorted by aud_name_cmp) into the packed row at key and writes it;
 * `fresh`: the caller knows no row is stored at key, so none is read. */
int aud_packed_put(struct aud_layer *L, const char *key, const struct aud_packed_row *rows,
                   size_t n, int fresh);
/* The packed row at key (exact) or under the prefix key, as one fn call per
 * automation with its "d/DAY/SYSTEM/NAME" key (per principal with its
 * "n/DAY/SYSTEM/NAME" key for "N/" rows). */
int aud_packed_each(const struct crmgov_host *h, const char *key, int exact, crmgov_state_fn fn,
                    void *ctx);
int aud_row_key_parse(const char *key, char *kind, int32_t *day, char **system, char **name);
int aud_persist_flush(struct aud_layer *L);
int aud_persist_load(struct aud_layer *L);
int aud_apply_row(struct aud_layer *L, const char *key, const void *value, size_t len,
                  int dirty);

/* aud_snapshot.c: the memory that is not in the store, kept across a stop */
int aud_snapshot_save(struct aud_layer *L);
int aud_snapshot_load(struct aud_layer *L);
/* Deletes the snapshot (inside a batch: the store now holds what it said). */
void aud_snapshot_drop(struct aud_layer *L);
/* The day rows the last stop left unwritten ("d/..." and "n/..." keys). */
int aud_snapshot_rows(const struct crmgov_host *host,
                      int (*fn)(void *ctx, const char *key, const void *value, size_t len),
                      void *ctx);
void aud_day_text(int32_t day, char out[11]);
int32_t aud_day_parse(const char *text);

/* commands */
int aud_register_commands(struct aud_layer *L);

#endif
