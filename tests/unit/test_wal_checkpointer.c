/*
 * test_wal_checkpointer.c -- WAL checkpoints on their own thread: the log
 * stays about one batch long however much is written, every committed row
 * is in the database after stop, the writer's auto-checkpoint is raised
 * while the thread runs and restored after, a poke that is still pending at
 * stop is carried out, and a database without a WAL gets no thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"
#include "wal_checkpointer.h"

static char path[64], wal_path[80];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/crmgov-walck-%d.db", (int)getpid());
    snprintf(wal_path, sizeof(wal_path), "%s-wal", path);
    unlink(path);
    unlink(wal_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char shm[80];
    snprintf(shm, sizeof(shm), "%s-shm", path);
    unlink(path);
    unlink(wal_path);
    unlink(shm);
    return 0;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static uint64_t runs_of(struct wal_checkpointer *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->runs;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Waits (up to 10 s) until the checkpointer has taken more than `seen`. */
static void wait_for_run(struct wal_checkpointer *c, uint64_t seen)
{
    for (int i = 0; i < 10000 && runs_of(c) <= seen; i++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    assert_true(runs_of(c) > seen);
}

static off_t wal_size(void)
{
    struct stat st;
    return stat(wal_path, &st) == 0 ? st.st_size : 0;
}

/* One batch of 64 state rows of 8 KiB each: 512 KiB of pages. */
static void write_batch(struct store *s, int batch)
{
    static char value[8192];
    memset(value, 'a' + batch % 26, sizeof(value));
    assert_int_equal(store_begin(s), 0);
    for (int i = 0; i < 64; i++) {
        char key[32];
        snprintf(key, sizeof(key), "b%03d-%02d", batch, i);
        assert_int_equal(store_state_put(s, "test", key, value, sizeof(value)), 0);
    }
    assert_int_equal(store_commit(s), 0);
}

/* A fresh store with a checkpointer running on it. */
static void open_with_checkpointer(struct store *s, struct wal_checkpointer *c)
{
    struct strbuf err = STRBUF_INIT;
    if (store_open(s, path, &err) != 0)
        fail_msg("%s", sb_str(&err));
    sb_free(&err);
    assert_int_equal(wal_checkpointer_start(c, s->db, path), 0);
}

static void test_log_stays_one_batch_long(void **state)
{
    (void)state;
    struct store s;
    struct wal_checkpointer c;
    open_with_checkpointer(&s, &c);
    assert_int_equal(query_int(s.db, "PRAGMA wal_autocheckpoint"), WAL_FALLBACK_PAGES);
    off_t largest = 0;
    for (int batch = 0; batch < 64; batch++) { /* 32 MiB in all */
        uint64_t seen = runs_of(&c);
        write_batch(&s, batch);
        if (wal_size() > largest)
            largest = wal_size();
        wal_checkpointer_poke(&c);
        wait_for_run(&c, seen);
    }
    /* rewound after each checkpoint: one batch and SQLite's slack, while
     * without the thread the log would hold all 32 MiB (the fallback is
     * 64 MiB) */
    assert_true(largest < 2 * 1024 * 1024);
    wal_checkpointer_stop(&c);
    assert_int_equal(c.running, 0);
    assert_int_equal(query_int(s.db, "PRAGMA wal_autocheckpoint"), WAL_INLINE_PAGES);
    store_close(&s);
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open(&s, path, &err), 0);
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM plugin_state WHERE instance = 'test'"),
                     64 * 64);
    store_close(&s);
    sb_free(&err);
}

static void test_pending_poke_is_carried_out_at_stop(void **state)
{
    (void)state;
    struct store s;
    struct wal_checkpointer c;
    open_with_checkpointer(&s, &c);
    write_batch(&s, 0);
    assert_true(wal_size() > 512 * 1024);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size < 512 * 1024); /* the batch is only in the log */
    wal_checkpointer_poke(&c);
    wal_checkpointer_stop(&c); /* may come before the thread woke */
    /* the thread copied the batch into the database before it stopped */
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 512 * 1024);
    store_close(&s);
}

static void test_no_thread_without_a_log(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    struct wal_checkpointer c;
    assert_int_equal(wal_checkpointer_start(&c, db, ":memory:"), -1);
    assert_int_equal(c.running, 0);
    wal_checkpointer_poke(&c); /* harmless */
    wal_checkpointer_stop(&c);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log_stays_one_batch_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_poke_is_carried_out_at_stop, setup,
                                        teardown),
        cmocka_unit_test(test_no_thread_without_a_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
