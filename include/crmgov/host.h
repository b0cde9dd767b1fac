/*
 * crmgov/host.h -- everything the core offers a plugin: struct crmgov_host.
 *
 * A plugin touches the core only through this function table, handed to its
 * init(). Each plugin instance (each INI section) gets its own table, so the
 * core always knows who is calling: every function takes the table itself as
 * its first argument. Keep the pointer for the lifetime of the instance.
 *
 * The table begins with struct_size and only grows at the end. A plugin built
 * against ABI 1.N that wants a function added in 1.M (M > N) must check
 * CRMGOV_HOST_HAS(host, member) first; a plugin never needs to check the
 * functions of its own ABI minor or older.
 *
 * Threads. Subscriber callbacks (layers, sinks) run one at a time, in event
 * order, on one core thread -- the dispatcher's, or the layer lane's when
 * every subscriber declares CRMGOV_PLUGIN_EVENTS_ONLY (plugin.h): they need
 * no locks. Connectors may run
 * their own threads; publish(), publish_json(), deadletter(), checkpoint(),
 * flush(), position(), log(), stopping(), sleep() and connector_done() may be
 * called from any thread. Store writes (state_put, finding_raise, audit_append...)
 * are for subscriber callbacks and commands: they join the transaction of the
 * batch being dispatched (or of the command), so a crash never keeps half.
 * Store reads are safe from any thread.
 *
 * Memory. Strings and structs handed to a callback live until it returns.
 * Strings returned by config getters live as long as the instance.
 */
#ifndef CRMGOV_HOST_H
#define CRMGOV_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

enum crmgov_log_level {
    CRMGOV_LOG_ERROR = 0,
    CRMGOV_LOG_WARN,
    CRMGOV_LOG_INFO,
    CRMGOV_LOG_DEBUG
};

/* True when the host table has member m (it was added in this ABI or older). */
#define CRMGOV_HOST_HAS(h, m) \
    ((h)->struct_size >= offsetof(struct crmgov_host, m) + sizeof((h)->m))

/* ------------------------------------------------------------------------ */
/* Callback and record types used by the table.                             */

/* Receives one event of a subscribed topic. Return CRMGOV_OK, or CRMGOV_ERROR
 * to have the core log the error (with set_error's text) and go on. */
typedef int (*crmgov_event_fn)(void *state, const struct crmgov_event *event);

/* A command a plugin adds to the CLI: `crmgov NAME ARGS...`. Runs on the
 * main thread inside one store transaction, committed when it returns 0 or
 * 1 and rolled back otherwise. Exit status: 0 ok, 1 findings/failure, 2 usage
 * or input error. Events it publishes are dispatched at once, in the same
 * transaction. argv[0] is the command name. Output goes to stdout. */
struct crmgov_command {
    uint32_t struct_size;
    const char *name;       /* e.g. "owners" */
    const char *summary;    /* one line for `crmgov help` */
    const char *usage;      /* full help for `crmgov help NAME` */
    int (*run)(void *state, int argc, char **argv);
};

/* An automation as the inventory knows it. */
struct crmgov_inventory_item {
    uint32_t struct_size;
    const char *system;
    const struct crmgov_automation *automation;  /* with hash and JSON */
    crmgov_time first_seen;
    crmgov_time last_seen;
    crmgov_time status_since;   /* when the current status was first seen */
    uint32_t versions;          /* number of versions in its history */
};

/* One version in an automation's history. */
struct crmgov_version {
    uint32_t struct_size;
    const char *system;
    const char *automation;
    uint32_t seq;               /* 1, 2, 3... */
    const char *definition_hash;
    const char *definition_json;
    enum crmgov_automation_status status;
    const char *name;
    crmgov_time at;
    const char *modified_by;    /* NULL when unknown */
};

struct crmgov_principal_item {
    uint32_t struct_size;
    const char *system;
    const struct crmgov_principal *principal;
    crmgov_time first_seen;
    crmgov_time last_seen;
    crmgov_time active_since;   /* when `active` last changed */
};

struct crmgov_owner_item {
    uint32_t struct_size;
    const char *system;
    const char *automation;
    enum crmgov_owner_role role;
    const char *principal;
    crmgov_time since;
    const char *assigned_by;    /* actor or source */
};

/* Change records from external change processes (topic "change"). */
struct crmgov_change_item {
    uint32_t struct_size;
    const char *system;
    const struct crmgov_change *change;
    crmgov_time at;
};

/* Per automation per day execution aggregates, kept forever. The duration
 * histogram uses crmgov_duration_bucket() below; hist[i] counts executions
 * whose duration falls into bucket i. */
#define CRMGOV_DURATION_BUCKETS 256
struct crmgov_daily {
    uint32_t struct_size;
    const char *system;
    const char *automation;
    crmgov_time day;            /* midnight UTC */
    uint64_t executions;
    uint64_t ok;
    uint64_t failed;
    uint64_t skipped;
    uint64_t notifications;     /* sum of notified[] sizes */
    uint64_t timed;             /* executions that reported a duration */
    int64_t duration_sum_ms;
    int64_t duration_max_ms;
    const uint32_t *hist;       /* CRMGOV_DURATION_BUCKETS counters */
};

/* Per object per day record-change counts (blast radius of automations). */
struct crmgov_object_daily {
    uint32_t struct_size;
    const char *system;
    const char *object;
    crmgov_time day;
    uint64_t creates;
    uint64_t updates;
    uint64_t deletes;
};

/* Filter for findings_scan; NULL / -1 members match everything. */
struct crmgov_finding_filter {
    uint32_t struct_size;
    const char *layer;
    const char *rule;
    const char *system;
    const char *automation;
    int state;                  /* enum crmgov_finding_state, or -1 */
    int min_severity;           /* enum crmgov_severity, or -1 */
};

/* An entry of the tamper-evident audit log. */
struct crmgov_audit_entry {
    uint32_t struct_size;
    uint64_t seq;
    crmgov_time at;
    const char *actor;
    const char *action;         /* e.g. "ownership.assign" */
    const char *subject;        /* e.g. "sf-prod/wf-lead-route" */
    const char *details_json;   /* canonical JSON object */
};

/* Tabular output shared by all commands: columns are "name" for text,
 * "name:n" for numbers, "name:b" for booleans, "name:j" for raw JSON. */
struct crmgov_table;

typedef int (*crmgov_inventory_fn)(void *ctx, const struct crmgov_inventory_item *item);
typedef int (*crmgov_version_fn)(void *ctx, const struct crmgov_version *version);
typedef int (*crmgov_principal_fn)(void *ctx, const struct crmgov_principal_item *item);
typedef int (*crmgov_owner_fn)(void *ctx, const struct crmgov_owner_item *item);
typedef int (*crmgov_change_fn)(void *ctx, const struct crmgov_change_item *item);
typedef int (*crmgov_daily_fn)(void *ctx, const struct crmgov_daily *daily);
typedef int (*crmgov_object_daily_fn)(void *ctx, const struct crmgov_object_daily *daily);
typedef int (*crmgov_finding_fn)(void *ctx, const struct crmgov_finding *finding);
typedef int (*crmgov_state_fn)(void *ctx, const char *key, const void *value, size_t len);
typedef int (*crmgov_execution_fn)(void *ctx, const struct crmgov_event *event);
typedef int (*crmgov_audit_fn)(void *ctx, const struct crmgov_audit_entry *entry);
/* Scan callbacks return 0 to go on, anything else to stop (scan returns it). */

/* ------------------------------------------------------------------------ */
/* The table.                                                                */

struct crmgov_host {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    const char *instance;       /* the section's name: "demo" of [connector:demo] */
    const char *core_version;   /* release version of the running core */

    /* --- Logging and errors ------------------------------------------- */
    void (*log)(const struct crmgov_host *h, enum crmgov_log_level level,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));
    /* Explain the status code about to be returned; the core prints it with
     * the instance name. */
    void (*set_error)(const struct crmgov_host *h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* --- Configuration: typed values of the declared options ----------- */
    /* NULL when unset and without default. */
    const char *(*config_string)(const struct crmgov_config *c, const char *name);
    int64_t (*config_int)(const struct crmgov_config *c, const char *name);
    int (*config_bool)(const struct crmgov_config *c, const char *name);
    double (*config_double)(const struct crmgov_config *c, const char *name);
    int64_t (*config_duration_ms)(const struct crmgov_config *c, const char *name);
    uint64_t (*config_size)(const struct crmgov_config *c, const char *name);
    /* List items; *items stays valid as long as the instance. */
    size_t (*config_list)(const struct crmgov_config *c, const char *name,
                          const char *const **items);
    /* 1 when the section sets the option itself (not the default). */
    int (*config_is_set)(const struct crmgov_config *c, const char *name);
    /* Directory of the file that configured this instance, for relative paths. */
    const char *(*config_dir)(const struct crmgov_config *c);
    /* A value of another section, e.g. ("core", "database"); NULL if unset. */
    const char *(*config_global)(const struct crmgov_host *h, const char *section,
                                 const char *key);

    /* --- The bus ------------------------------------------------------- */
    int (*subscribe)(const struct crmgov_host *h, enum crmgov_topic topic,
                     crmgov_event_fn fn, void *state);
    /* Copies the event (definition_hash/json are computed by the core) and
     * queues it; blocks while the queue is full. CRMGOV_ERROR on a payload
     * that breaks the model (reason in the log, the event goes to the
     * dead-letter store). */
    int (*publish)(const struct crmgov_host *h, const struct crmgov_event *event);
    /* Parses and validates one line of the JSON Lines format. Returns
     * CRMGOV_OK when queued, 1 when the line went to the dead-letter store
     * (reason already recorded), CRMGOV_ERROR when the core is stopping. */
    int (*publish_json)(const struct crmgov_host *h, const char *line, size_t len,
                        const char *source, uint64_t line_no);
    /* Records input the connector could not turn into an event. */
    int (*deadletter)(const struct crmgov_host *h, const char *source,
                      uint64_t line_no, const char *reason, const char *raw,
                      size_t raw_len);
    /* Saves connector state (a read position) that commits in the same
     * transaction as every event published before it, and not before them. */
    int (*checkpoint)(const struct crmgov_host *h, const char *key,
                      const void *value, size_t len);
    /* Blocks until everything this instance published so far is committed. */
    int (*flush)(const struct crmgov_host *h);
    /* Batch mode (`run --once`): a connector calls this when it has
     * delivered everything available now; the core then drains and exits. */
    void (*connector_done)(const struct crmgov_host *h);
    /* 1 when the core runs in batch mode (`run --once`). */
    int (*batch_mode)(const struct crmgov_host *h);
    /* 1 once the core asked everything to stop. */
    int (*stopping)(const struct crmgov_host *h);
    /* Sleeps up to ms milliseconds of wall time; returns early (1) when the
     * core starts stopping, 0 otherwise. For pollers. */
    int (*sleep)(const struct crmgov_host *h, int64_t ms);

    /* --- Event-time clock ---------------------------------------------- */
    /* The latest event time the dispatcher has seen (CRMGOV_TIME_NONE before
     * any). Rules use this and ticks, never the wall clock. */
    crmgov_time (*now)(const struct crmgov_host *h);

    /* --- Registry ------------------------------------------------------ */
    /* Offers an interface (a struct of function pointers starting with
     * struct_size) to other plugins under a unique name. */
    int (*service_register)(const struct crmgov_host *h, const char *name,
                            uint32_t version, const void *iface);
    /* NULL when nobody offers it, or only a version below min_version. */
    const void *(*service_lookup)(const struct crmgov_host *h, const char *name,
                                  uint32_t min_version);
    /* A name belongs to one plugin; when several instances of a plugin
     * register it, the first instance's state is the one passed to run. */
    int (*command_register)(const struct crmgov_host *h,
                            const struct crmgov_command *command, void *state);

    /* --- Metrics ------------------------------------------------------- */
    void (*metric_add)(const struct crmgov_host *h, const char *name, double delta);

    /* --- Store: this instance's own key/value state --------------------- */
    int (*state_put)(const struct crmgov_host *h, const char *key,
                     const void *value, size_t len);
    /* Calls fn once with the value; returns 1 when the key does not exist. */
    int (*state_get)(const struct crmgov_host *h, const char *key,
                     crmgov_state_fn fn, void *ctx);
    int (*state_delete)(const struct crmgov_host *h, const char *key);
    int (*state_scan)(const struct crmgov_host *h, const char *prefix,
                      crmgov_state_fn fn, void *ctx);

    /* --- Store: what the core has recorded (read only) ----------------- */
    /* system NULL = every system. */
    int (*inventory_get)(const struct crmgov_host *h, const char *system,
                         const char *id, crmgov_inventory_fn fn, void *ctx);
    int (*inventory_scan)(const struct crmgov_host *h, const char *system,
                          crmgov_inventory_fn fn, void *ctx);
    int (*versions_scan)(const struct crmgov_host *h, const char *system,
                         const char *id, crmgov_version_fn fn, void *ctx);
    int (*principal_get)(const struct crmgov_host *h, const char *system,
                         const char *id, crmgov_principal_fn fn, void *ctx);
    int (*principals_scan)(const struct crmgov_host *h, const char *system,
                           crmgov_principal_fn fn, void *ctx);
    /* automation NULL = every automation of the system (system NULL = all). */
    int (*owners_scan)(const struct crmgov_host *h, const char *system,
                       const char *automation, crmgov_owner_fn fn, void *ctx);
    int (*changes_scan)(const struct crmgov_host *h, const char *system,
                        const char *automation, crmgov_change_fn fn, void *ctx);
    /* Raw executions in [since, until) still within retention. */
    int (*executions_scan)(const struct crmgov_host *h, const char *system,
                           const char *automation, crmgov_time since,
                           crmgov_time until, crmgov_execution_fn fn, void *ctx);
    int (*daily_scan)(const struct crmgov_host *h, const char *system,
                      const char *automation, crmgov_time since,
                      crmgov_daily_fn fn, void *ctx);
    int (*object_daily_scan)(const struct crmgov_host *h, const char *system,
                             const char *object, crmgov_time since,
                             crmgov_object_daily_fn fn, void *ctx);

    /* --- Store: findings ------------------------------------------------ */
    /* Raises or refreshes the finding keyed by (rule, system, automation,
     * subject) at event time `at`. The layer is this plugin's name. */
    int (*finding_raise)(const struct crmgov_host *h,
                         const struct crmgov_finding *finding, crmgov_time at);
    /* Resolves it when open; does nothing otherwise. */
    int (*finding_resolve)(const struct crmgov_host *h, const char *rule,
                           const char *system, const char *automation,
                           const char *subject, crmgov_time at);
    int (*findings_scan)(const struct crmgov_host *h,
                         const struct crmgov_finding_filter *filter,
                         crmgov_finding_fn fn, void *ctx);

    /* --- Audit log ------------------------------------------------------ */
    /* Appends a governance action; details_json is an object or NULL.
     * Refused to plugins that declare CRMGOV_PLUGIN_EVENTS_ONLY. */
    int (*audit_append)(const struct crmgov_host *h, const char *actor,
                        const char *action, const char *subject,
                        const char *details_json, crmgov_time at);

    /* --- Output for commands ------------------------------------------- */
    struct crmgov_table *(*table_new)(const struct crmgov_host *h,
                                      const char *const *columns, size_t n_columns);
    /* cells[i] may be NULL (empty / JSON null). */
    void (*table_row)(struct crmgov_table *t, const char *const *cells);
    /* format: "table", "json" or "csv"; frees the table. */
    int (*table_print)(struct crmgov_table *t, const char *format);

    /* --- Helpers that keep every plugin consistent ---------------------- */
    /* Parses RFC 3339 ("2026-03-01T09:30:00Z", fractions, offsets);
     * CRMGOV_TIME_NONE when invalid. */
    crmgov_time (*time_parse)(const char *text);
    /* Writes "2026-03-01T09:30:00Z" (with .mmm when needed) into buf[32]. */
    const char *(*time_format)(crmgov_time t, char buf[32]);
    /* Parses "15m", "90d"...; -1 when invalid. */
    int64_t (*duration_parse)(const char *text);
    /* The definition hash of an automation JSON object text, as EVENTS.md
     * defines it, into hex[65]; CRMGOV_ERROR when the text is no automation. */
    int (*definition_hash)(const char *json, size_t len, char hex[65]);

    /* --- Exactly-once input positions (connectors) ---------------------- */
    /* Sets the read position that the NEXT event or dead letter this thread
     * publishes for this instance carries: it commits in the same
     * transaction as that event, never without it. Call it right before
     * publish_json/publish/deadletter with the position just after that
     * input. (checkpoint() commits no earlier than what was published before
     * it, but possibly in a later batch: at-least-once.) key <= 96 bytes,
     * value <= 256 bytes. */
    int (*position)(const struct crmgov_host *h, const char *key, const void *value,
                    size_t len);

    /* --- Reading the audit log ----------------------------------------- */
    /* Calls fn for each committed entry with seq > after_seq, in order.
     * Safe from any thread (exporters poll it). */
    int (*audit_scan)(const struct crmgov_host *h, uint64_t after_seq, crmgov_audit_fn fn,
                      void *ctx);

    /* --- Automation definitions from files ------------------------------ */
    /* Parses an automation JSON object (the `automation` event shape; type,
     * system, at, id and status may be left out -- status defaults to active,
     * a missing id is "") with the core's own validator, filling
     * definition_hash and definition_json: a proposal is checked exactly like
     * an observed automation. NULL with a one-line reason in why on bad input.
     * The result belongs to the caller until automation_free. */
    const struct crmgov_automation *(*automation_parse)(const struct crmgov_host *h,
                                                        const char *json, size_t len,
                                                        char *why, size_t why_size);
    void (*automation_free)(const struct crmgov_host *h, const struct crmgov_automation *a);
};

/* Duration histogram buckets, shared by core and plugins: bucket 0 holds
 * 0 ms, buckets 1..15 hold 1..15 ms exactly, then each power of two is cut
 * into 8 equal parts (at most 12.5% wide); the last bucket takes the rest. */
static inline unsigned crmgov_duration_bucket(int64_t ms)
{
    if (ms < 16)
        return ms < 0 ? 0u : (unsigned)ms;
    unsigned exp = 63u - (unsigned)__builtin_clzll((unsigned long long)ms);
    unsigned sub = (unsigned)((unsigned long long)ms >> (exp - 3)) & 7u;
    unsigned b = 16u + (exp - 4u) * 8u + sub;
    return b < CRMGOV_DURATION_BUCKETS ? b : CRMGOV_DURATION_BUCKETS - 1u;
}

/* The smallest duration that falls into bucket b. */
static inline int64_t crmgov_duration_bucket_low(unsigned b)
{
    if (b < 16)
        return (int64_t)b;
    unsigned exp = (b - 16u) / 8u + 4u;
    unsigned sub = (b - 16u) % 8u;
    return (int64_t)((8ull + sub) << (exp - 3));
}

#ifdef __cplusplus
}
#endif

#endif
