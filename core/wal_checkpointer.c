/*
 * wal_checkpointer.c -- the store's WAL checkpoints, off the commit path.
 *
 * With synchronous=FULL a commit appends the batch's pages to the WAL and
 * syncs it once. Copying those pages into the database file afterwards (a
 * checkpoint: read the WAL, write the file, sync it) is the larger part of
 * the I/O, and SQLite's auto-checkpoint runs it inside the commit that
 * crosses 1000 pages -- with 10,000 automations that was nearly every
 * commit, and while it ran the dispatcher stored nothing and the layer lane
 * had nothing to do. Here a second connection takes PASSIVE checkpoints
 * after commits: a passive checkpoint never blocks the writer and copies
 * only what is committed, and once it has copied everything the writer
 * rewinds the WAL at its next transaction, so the file stays about one batch
 * long. Nothing changes for durability: a commit is durable when its WAL
 * frames are synced, before the checkpoint, as before.
 *
 * If the thread falls behind, the writer's own auto-checkpoint (raised to
 * WAL_FALLBACK_PAGES while the thread runs) still bounds the WAL.
 */
#include "wal_checkpointer.h"

#include <string.h>
#include <strings.h>

#include "log.h"

static void *checkpointer_main(void *arg)
{
    struct wal_checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->pending && !c->closing)
            pthread_cond_wait(&c->wake, &c->lock);
        if (!c->pending)
            break;
        c->pending = 0;
        pthread_mutex_unlock(&c->lock);
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log_warn("WAL checkpoint: %s (the writer checkpoints instead)",
                     sqlite3_errmsg(c->db));
        pthread_mutex_lock(&c->lock);
        c->runs++;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Nonzero when the connection's database is in WAL mode (not in memory,
 * not a rollback journal). Asking also makes a fresh connection open the
 * log: until it has, a checkpoint on it reports "not in WAL mode" and
 * copies nothing. */
static int uses_wal(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int wal = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        wal = mode && strcasecmp(mode, "wal") == 0;
    }
    sqlite3_finalize(st);
    return wal;
}

int wal_checkpointer_start(struct wal_checkpointer *c, sqlite3 *writer, const char *path)
{
    memset(c, 0, sizeof(*c));
    if (!writer || !path || !uses_wal(writer))
        return -1;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK || !uses_wal(c->db)) {
        log_warn("%s: no second connection for WAL checkpoints: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        c->db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(c->db, 10000);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->wake);
        sqlite3_close(c->db);
        memset(c, 0, sizeof(*c));
        return -1;
    }
    c->writer = writer;
    c->running = 1;
    sqlite3_wal_autocheckpoint(writer, WAL_FALLBACK_PAGES);
    return 0;
}

void wal_checkpointer_poke(struct wal_checkpointer *c)
{
    if (!c->running)
        return;
    pthread_mutex_lock(&c->lock);
    c->pending = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

void wal_checkpointer_stop(struct wal_checkpointer *c)
{
    if (!c->running)
        return;
    pthread_mutex_lock(&c->lock);
    c->closing = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    log_debug("WAL checkpoints taken on the separate thread: %llu", (unsigned long long)c->runs);
    sqlite3_close(c->db);
    sqlite3_wal_autocheckpoint(c->writer, WAL_INLINE_PAGES);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    memset(c, 0, sizeof(*c));
}
