/*
 * store.c -- opening the store, migrating its schema, transactions, and the
 * per-plugin key/value state; see store.h.
 *
 * Durability settings: WAL with synchronous=FULL, so a committed batch survives
 * a power cut; batching many events per transaction is what keeps that fast.
 * Transactions start with BEGIN IMMEDIATE so a second process (a CLI command
 * while the daemon runs) waits on the busy timeout instead of failing halfway.
 * The schema lives in schema.sql as numbered migrations (embedded at build
 * time), applied in order inside one transaction each.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"

extern const char store_schema_sql[]; /* generated from schema.sql */

static int exec_sql(struct store *s, const char *sql, struct strbuf *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err)
            sb_addf(err, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The text of migration n (between "-- migration n" and the next marker). */
static char *migration_text(int n)
{
    char marker[32];
    snprintf(marker, sizeof(marker), "-- migration %d\n", n);
    const char *start = strstr(store_schema_sql, marker);
    if (!start)
        return NULL;
    start += strlen(marker);
    const char *end = strstr(start, "-- migration ");
    return xstrndup(start, end ? (size_t)(end - start) : strlen(start));
}

int store_schema_version(struct store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int migrate(struct store *s, int target, struct strbuf *err)
{
    int v = store_schema_version(s);
    if (v > STORE_SCHEMA_VERSION) {
        sb_addf(err, "%s: schema version %d is newer than this crmgov understands (%d)",
                s->path, v, STORE_SCHEMA_VERSION);
        return -1;
    }
    for (int n = v + 1; n <= target; n++) {
        char *sql = migration_text(n);
        if (!sql) {
            sb_addf(err, "%s: migration %d is missing from the schema", s->path, n);
            return -1;
        }
        char pragma[48];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", n);
        int rc = exec_sql(s, "BEGIN IMMEDIATE", err) || exec_sql(s, sql, err) ||
                 exec_sql(s, pragma, err) || exec_sql(s, "COMMIT", err);
        free(sql);
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        if (v > 0)
            log_info("store %s migrated to schema version %d", s->path, n);
    }
    return 0;
}

static void load_meta(struct store *s)
{
    struct strbuf v = STRBUF_INIT;
    s->watermark = CRMGOV_TIME_NONE;
    if (store_meta_get(s, "watermark", &v) == 0)
        s->watermark = strtoll(sb_str(&v), NULL, 10);
    sb_reset(&v);
    if (store_meta_get(s, "pruned_until", &v) == 0)
        s->pruned_until = strtoll(sb_str(&v), NULL, 10);
    sb_reset(&v);
    s->execution_seq = 0;
    if (store_meta_get(s, "execution_seq", &v) == 0)
        s->execution_seq = strtoll(sb_str(&v), NULL, 10);
    sb_free(&v);
}

int store_open_at_version(struct store *s, const char *path, int version, struct strbuf *err)
{
    memset(s, 0, sizeof(*s));
    s->path = xstrdup(path);
    s->retention_ms = 90 * MS_PER_DAY;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->lock, &attr);
    pthread_mutex_init(&s->batch_lock, &attr);
    pthread_mutexattr_destroy(&attr);
    hashmap_init(&s->automation_ids);
    hashmap_init(&s->object_daily);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        sb_addf(err, "%s: cannot open the database: %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    if (exec_sql(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                    "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;",
                 err) ||
        migrate(s, version, err)) {
        store_close(s);
        return -1;
    }
    load_meta(s);
    return 0;
}

void store_set_cache(struct store *s, int64_t bytes)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld", (long long)(bytes / 1024));
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int store_open(struct store *s, const char *path, struct strbuf *err)
{
    return store_open_at_version(s, path, STORE_SCHEMA_VERSION, err);
}

/* What the store keeps in memory about the open batch: after a rollback it
 * describes rows that are gone, and at close it is freed. */
static void forget_batch(struct store *s)
{
    daily_table_clear(&s->daily, free);
    s->daily_latest.known = 0;
    s->object_daily_latest.known = 0;
    hashmap_clear(&s->object_daily, store_free_object_agg);
    hashmap_clear(&s->automation_ids, NULL); /* keys created in the batch are gone */
}

void store_close(struct store *s)
{
    for (size_t i = 0; i < s->n_stmts; i++)
        sqlite3_finalize(s->stmts[i]);
    s->n_stmts = 0;
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
    forget_batch(s);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->batch_lock);
    free(s->path);
    s->path = NULL;
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
    for (size_t i = 0; i < s->n_stmts; i++) {
        if (s->stmt_sql[i] == sql) {
            sqlite3_reset(s->stmts[i]);
            sqlite3_clear_bindings(s->stmts[i]);
            return s->stmts[i];
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_error("store: cannot prepare statement: %s (%.60s...)", sqlite3_errmsg(s->db), sql);
        return NULL;
    }
    if (s->n_stmts < ARRAY_LEN(s->stmts)) {
        s->stmts[s->n_stmts] = st;
        s->stmt_sql[s->n_stmts++] = sql;
    } else {
        log_error("store: statement cache full; raise its size");
        abort();
    }
    return st;
}

int store_fail(struct store *s, const char *what)
{
    log_error("store %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return CRMGOV_ERROR;
}

static int on_guest(const struct store *s)
{
    return atomic_load(&s->has_guest) && pthread_equal(pthread_self(), s->guest);
}

void store_lock(struct store *s)
{
    if (on_guest(s)) {
        pthread_mutex_lock(&s->batch_lock);
        return;
    }
    pthread_mutex_lock(&s->lock); /* holding it, has_guest cannot change */
    if (atomic_load(&s->has_guest))
        pthread_mutex_lock(&s->batch_lock);
}

void store_unlock(struct store *s)
{
    if (on_guest(s)) {
        pthread_mutex_unlock(&s->batch_lock);
        return;
    }
    if (atomic_load(&s->has_guest))
        pthread_mutex_unlock(&s->batch_lock);
    pthread_mutex_unlock(&s->lock);
}

void store_set_guest(struct store *s, int has_guest, pthread_t guest)
{
    pthread_mutex_lock(&s->lock);
    s->guest = guest;
    atomic_store(&s->has_guest, has_guest);
    pthread_mutex_unlock(&s->lock);
}

int store_begin(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = store_fail(s, "begin");
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    s->in_tx = 1;
    return CRMGOV_OK;
}

/* The event-time watermark and the executions' arrival counter. */
static int save_counters(struct store *s)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)s->execution_seq);
    if (store_meta_put(s, "execution_seq", buf))
        return -1;
    if (s->watermark == CRMGOV_TIME_NONE)
        return 0;
    snprintf(buf, sizeof(buf), "%lld", (long long)s->watermark);
    return store_meta_put(s, "watermark", buf);
}

int store_commit(struct store *s)
{
    int rc = CRMGOV_OK;
    if (store_flush_aggregates(s) || save_counters(s))
        rc = CRMGOV_ERROR;
    if (rc == CRMGOV_OK && s->fail_writes) {
        s->fail_writes = 0;
        log_error("store %s: commit failed (injected failure)", s->path);
        rc = CRMGOV_ERROR;
    }
    if (rc == CRMGOV_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_fail(s, "commit");
    if (rc != CRMGOV_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        forget_batch(s);
        load_meta(s);
    }
    s->in_tx = 0;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void store_rollback(struct store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    forget_batch(s);
    load_meta(s);
    s->in_tx = 0;
    pthread_mutex_unlock(&s->lock);
}

static const char sql_meta_get[] = "SELECT value FROM meta WHERE key = ?1";
static const char sql_meta_put[] =
    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

int store_meta_get(struct store *s, const char *key, struct strbuf *out)
{
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql_meta_get);
    int rc = 1;
    if (st) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            sb_adds(out, (const char *)sqlite3_column_text(st, 0));
            rc = 0;
        }
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

int store_meta_put(struct store *s, const char *key, const char *value)
{
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql_meta_put);
    int rc = CRMGOV_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "meta");
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

static const char sql_state_put[] =
    "INSERT INTO plugin_state (instance, key, value) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (instance, key) DO UPDATE SET value = excluded.value";
static const char sql_state_get[] =
    "SELECT value FROM plugin_state WHERE instance = ?1 AND key = ?2";
static const char sql_state_delete[] =
    "DELETE FROM plugin_state WHERE instance = ?1 AND key = ?2";
/* Keys sort bytewise, so the keys with a prefix are one run starting at the
 * prefix: the scan stops at the first key past it (a filter in SQL would
 * read every key after the prefix, to the end of the instance's state). */
static const char sql_state_scan[] =
    "SELECT key, value FROM plugin_state WHERE instance = ?1 AND key >= ?2 ORDER BY key";

int store_state_put(struct store *s, const char *instance, const char *key, const void *value,
                    size_t len)
{
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql_state_put);
    int rc = CRMGOV_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, len ? value : "", (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "state put");
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

int store_state_get(struct store *s, const char *instance, const char *key,
                    crmgov_state_fn fn, void *ctx)
{
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql_state_get);
    int rc = CRMGOV_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            const void *v = sqlite3_column_blob(st, 0);
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            /* copy: fn may call back into the store and reset this statement */
            void *copy = xmalloc(n + 1);
            memcpy(copy, v ? v : "", n);
            ((char *)copy)[n] = '\0';
            sqlite3_reset(st);
            rc = fn ? fn(ctx, key, copy, n) : 0;
            free(copy);
        } else {
            rc = step == SQLITE_DONE ? 1 : store_fail(s, "state get");
            sqlite3_reset(st);
        }
    }
    store_unlock(s);
    return rc;
}

int store_state_delete(struct store *s, const char *instance, const char *key)
{
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql_state_delete);
    int rc = CRMGOV_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "state delete");
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

int store_state_scan(struct store *s, const char *instance, const char *prefix,
                     crmgov_state_fn fn, void *ctx)
{
    /* A private statement: fn may use the cached ones. */
    store_lock(s);
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, sql_state_scan, -1, &st, NULL) != SQLITE_OK) {
        rc = store_fail(s, "state scan");
        store_unlock(s);
        return rc;
    }
    if (!prefix)
        prefix = "";
    size_t prefix_len = strlen(prefix);
    sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        if (!key || strncmp(key, prefix, prefix_len) != 0)
            break;
        rc = fn(ctx, key, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
    }
    sqlite3_finalize(st);
    store_unlock(s);
    return rc;
}
