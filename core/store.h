/*
 * store.h -- everything durable: one SQLite file in WAL mode.
 *
 * The core is the only writer. The dispatcher applies a batch of events inside
 * one transaction (store_begin ... store_commit), together with the connectors'
 * checkpoints, so a crash keeps either the whole batch or none of it. Plugins
 * reach the store only through the narrow functions of the host table, which
 * map onto the functions below; no plugin ever sees a sqlite3 handle, so a
 * different store (PostgreSQL for several nodes) can replace this file.
 *
 * Layout of the implementation:
 *   store.c           open, schema migrations, transactions, plugin state
 *   store_ingest.c    applying events: inventory, versions, principals,
 *                     ownership, changes, executions and their aggregates
 *   store_query.c     reading it back for commands and plugins
 *   store_findings.c  findings and dead letters
 *   auditlog.c        the audit log (auditlog.h: its Merkle tree, signed
 *                     heads, verification and proofs)
 */
#ifndef CRMGOV_STORE_H
#define CRMGOV_STORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "crmgov/host.h"
#include "daily_table.h"
#include "hashmap.h"
#include "util.h"

#define STORE_SCHEMA_VERSION 6

struct audit_signer;

/* The latest day with a stored row of an aggregate table: a day after it
 * has no row, so its aggregate starts at zero without a query. Asked of
 * SQLite once (at start, after a rollback), then kept up to date by the
 * flushes. */
struct stored_latest {
    crmgov_time day;            /* CRMGOV_TIME_NONE: no row at all */
    int known;                  /* 0: ask SQLite */
};

struct store {
    sqlite3 *db;
    char *path;
    pthread_mutex_t lock;       /* recursive: scans may call back into the store */
    /* A guest thread (the layer lane, lane.h) works inside the batch the
     * dispatcher holds `lock` for; while there is one, the connection is
     * shared through `batch_lock` too. See store_lock(). */
    pthread_mutex_t batch_lock; /* recursive */
    _Atomic int has_guest;
    pthread_t guest;
    int in_tx;
    int64_t retention_ms;
    crmgov_time watermark;      /* latest event time applied (persisted) */
    crmgov_time pruned_until;   /* executions before this are gone */
    int64_t execution_seq;      /* the last execution row's seq (persisted) */
    struct hashmap automation_ids;  /* "system\0id" -> (void *)(intptr_t)aid */
    struct daily_table daily;       /* (day, aid) -> struct daily_agg *, the live days */
    struct stored_latest daily_latest;        /* of the daily rows */
    struct stored_latest object_daily_latest; /* of the object_daily rows */
    struct hashmap object_daily;    /* "system\0object\0day" -> struct object_agg * */
    sqlite3_stmt *stmts[64];    /* prepared statement cache, see store_stmt() */
    const char *stmt_sql[64];
    size_t n_stmts;
    int fail_writes;            /* test hook: make the next commit fail */
    /* Signs audit tree heads (auditlog.h); lent by the runtime when [core]
     * signing_key is set, NULL otherwise. */
    const struct audit_signer *audit_signer;
};

/* ------------------------------------------------------------------------ */
/* store.c                                                                   */

int store_open(struct store *s, const char *path, struct strbuf *err);
void store_close(struct store *s);
/* Opens the file and migrates it to `version` only (tests of migrations). */
int store_open_at_version(struct store *s, const char *path, int version, struct strbuf *err);
int store_schema_version(struct store *s);
/* SQLite's page cache for this connection, in bytes. */
void store_set_cache(struct store *s, int64_t bytes);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Every use of the connection is between these. They take `lock`, which the
 * dispatcher holds for a whole batch, and while a guest thread is set also
 * `batch_lock`; the guest itself takes only `batch_lock`, since it works
 * inside the dispatcher's batch. store_apply() does not lock: the dispatcher
 * wraps it. */
void store_lock(struct store *s);
void store_unlock(struct store *s);
/* Sets (or with has_guest 0, clears) the guest thread; neither side may be
 * inside a store call of the guest at the time. */
void store_set_guest(struct store *s, int has_guest, pthread_t guest);

/* A cached prepared statement for a static SQL string (pointer identity). */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* Logs the SQLite error with context; returns CRMGOV_ERROR. */
int store_fail(struct store *s, const char *what);

int store_meta_get(struct store *s, const char *key, struct strbuf *out);
int store_meta_put(struct store *s, const char *key, const char *value);

int store_state_put(struct store *s, const char *instance, const char *key, const void *value,
                    size_t len);
int store_state_get(struct store *s, const char *instance, const char *key,
                    crmgov_state_fn fn, void *ctx);
int store_state_delete(struct store *s, const char *instance, const char *key);
int store_state_scan(struct store *s, const char *instance, const char *prefix,
                     crmgov_state_fn fn, void *ctx);

/* ------------------------------------------------------------------------ */
/* store_ingest.c                                                            */

/* What applying an event changed, for the audit log and for subscribers. */
struct apply_result {
    int new_automation;         /* first time seen */
    int new_version;            /* hash or status changed */
    uint32_t version_seq;
    int ownership_changed;
    int64_t automation_key;     /* automation and execution events, else 0 */
};

int store_apply(struct store *s, const struct crmgov_event *ev, struct apply_result *out);
/* Writes the aggregates kept in memory during the batch; called by commit. */
int store_flush_aggregates(struct store *s);
/* Deletes raw executions older than the retention period. */
int store_prune(struct store *s);
/* Frees an entry of the per-object daily map. */
void store_free_object_agg(void *p);
/* Expands a stored sparse duration histogram into CRMGOV_DURATION_BUCKETS counters. */
void store_decode_hist(const void *blob, size_t n, uint32_t *hist);
/* Integer key of an automation; created when missing. */
int64_t store_automation_key(struct store *s, const char *system, const char *id);

/* ------------------------------------------------------------------------ */
/* store_query.c -- the host's read functions                                */

int store_inventory_get(struct store *s, const char *system, const char *id,
                        crmgov_inventory_fn fn, void *ctx);
int store_inventory_scan(struct store *s, const char *system, crmgov_inventory_fn fn,
                         void *ctx);
/* Automations by status (active, inactive, deleted) without reading their
 * definitions. */
int store_inventory_counts(struct store *s, uint64_t by_status[3]);
int store_versions_scan(struct store *s, const char *system, const char *id,
                        crmgov_version_fn fn, void *ctx);
int store_principal_get(struct store *s, const char *system, const char *id,
                        crmgov_principal_fn fn, void *ctx);
int store_principals_scan(struct store *s, const char *system, crmgov_principal_fn fn,
                          void *ctx);
int store_owners_scan(struct store *s, const char *system, const char *automation,
                      crmgov_owner_fn fn, void *ctx);
int store_changes_scan(struct store *s, const char *system, const char *automation,
                       crmgov_change_fn fn, void *ctx);
int store_executions_scan(struct store *s, const char *system, const char *automation,
                          crmgov_time since, crmgov_time until, crmgov_execution_fn fn,
                          void *ctx);
int store_daily_scan(struct store *s, const char *system, const char *automation,
                     crmgov_time since, crmgov_daily_fn fn, void *ctx);
int store_object_daily_scan(struct store *s, const char *system, const char *object,
                            crmgov_time since, crmgov_object_daily_fn fn, void *ctx);

/* ------------------------------------------------------------------------ */
/* store_findings.c                                                          */

/* transition: -1 when nothing an admin would be told about changed. */
int store_finding_raise(struct store *s, const struct crmgov_finding *f, const char *layer,
                        crmgov_time at, struct crmgov_finding *now, int *transition);
int store_finding_resolve(struct store *s, const char *rule, const char *system,
                          const char *automation, const char *subject, crmgov_time at,
                          struct crmgov_finding *now, int *transition);
int store_findings_scan(struct store *s, const struct crmgov_finding_filter *filter,
                        crmgov_finding_fn fn, void *ctx);
/* Sets the state of one finding by id (acknowledge); 1 when not found. */
int store_finding_set_state(struct store *s, int64_t id, enum crmgov_finding_state state,
                            crmgov_time at);

struct deadletter {
    int64_t id;
    const char *source;
    uint64_t line;
    const char *reason;
    const char *raw;
    crmgov_time received_at;
};
#define DEADLETTER_RAW_MAX 4096
int store_deadletter_add(struct store *s, const char *source, uint64_t line,
                         const char *reason, const char *raw, size_t raw_len);
int store_deadletters_scan(struct store *s, int (*fn)(void *ctx, const struct deadletter *d),
                           void *ctx);

/* ------------------------------------------------------------------------ */
/* auditlog.c                                                                */

int auditlog_append(struct store *s, const char *actor, const char *action,
                    const char *subject, const char *details_json, crmgov_time at);
int auditlog_scan(struct store *s, uint64_t since_seq,
                  int (*fn)(void *ctx, const struct crmgov_audit_entry *e), void *ctx);

#endif
