/*
 * wal_checkpointer.h -- copies the store's write-ahead log back into the
 * database file on a thread of its own, while the dispatcher goes on with
 * the next batch. See wal_checkpointer.c for why and how.
 */
#ifndef CRMGOV_WAL_CHECKPOINTER_H
#define CRMGOV_WAL_CHECKPOINTER_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

/* The writer's own auto-checkpoint while a checkpointer runs: it only acts
 * if the thread falls this far behind (pages of 4 KiB: 64 MiB). */
#define WAL_FALLBACK_PAGES 16384
/* SQLite's default, restored when the checkpointer stops. */
#define WAL_INLINE_PAGES 1000

struct wal_checkpointer {
    pthread_t thread;
    int running;
    sqlite3 *writer;            /* the store's connection (not owned) */
    sqlite3 *db;                /* the checkpointer's own connection */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int pending;                /* commits not yet followed by a checkpoint */
    int closing;
    uint64_t runs;              /* checkpoints taken (tests, debug log) */
};

/* Opens a second connection to `path` and starts the thread; 0 on success.
 * -1 (nothing started, the writer checkpoints inline as before) when the
 * database is not a WAL file or the thread or connection cannot be made. */
int wal_checkpointer_start(struct wal_checkpointer *c, sqlite3 *writer, const char *path);
/* After a commit: asks for a checkpoint (never waits). */
void wal_checkpointer_poke(struct wal_checkpointer *c);
/* Finishes the checkpoint under way, stops the thread, closes its
 * connection and gives checkpointing back to the writer. */
void wal_checkpointer_stop(struct wal_checkpointer *c);

#endif
