/*
 * test_auditlog.c -- the audit log as stored: canonical entries and leaf
 * hashes, the stored tree state, signed heads every N entries and at
 * shutdown, and verification naming the first bad seq for every kind of
 * tampering done directly in SQLite (edit, delete, insert, reorder,
 * truncate, a consistent rewrite of leaf hashes and tree state), plus
 * Rekor's rule against a saved head (smaller, equal, larger, older copy).
 *
 * Proof export and bit flips are in test_auditlog_proofs.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "auditlog.h"
#include "timeutil.h"

static char path[96], copy_path[96];

static void remove_db(const char *p)
{
    char more[128];
    unlink(p);
    snprintf(more, sizeof(more), "%s-wal", p);
    unlink(more);
    snprintf(more, sizeof(more), "%s-shm", p);
    unlink(more);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/crmgov-auditlog-%d.db", (int)getpid());
    snprintf(copy_path, sizeof(copy_path), "/tmp/crmgov-auditlog-%d-old.db", (int)getpid());
    remove_db(path);
    remove_db(copy_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_db(path);
    remove_db(copy_path);
    return 0;
}

static void open_store(struct store *s, const char *p)
{
    struct strbuf err = STRBUF_INIT;
    if (store_open(s, p, &err))
        fail_msg("store_open: %s", sb_str(&err));
    sb_free(&err);
}

static void exec_sql(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

/* Entries from..to (1-based), one transaction. */
static void append_range(struct store *s, int from, int to)
{
    assert_int_equal(store_begin(s), CRMGOV_OK);
    for (int i = from; i <= to; i++) {
        char actor[16], subject[32], details[64];
        snprintf(actor, sizeof(actor), "u-%d", i);
        snprintf(subject, sizeof(subject), "sf/wf-%d", i);
        snprintf(details, sizeof(details), "{\"role\":\"system\",\"n\":%d}", i);
        assert_int_equal(auditlog_append(s, actor, "ownership.assign", subject, details,
                                         1772352000000LL + i * 1000),
                         CRMGOV_OK);
    }
    assert_int_equal(store_commit(s), CRMGOV_OK);
}

struct keys {
    struct audit_signer signer;
    minisign_public_key public_key;
    minisign_trusted_keys trusted;
};

static void make_keys(struct keys *k, uint64_t every)
{
    memset(k, 0, sizeof(*k));
    assert_int_equal(minisign_keypair_generate(&k->signer.key, &k->public_key), MINISIGN_OK);
    minisign_key_id_hex(k->signer.key.key_id, k->signer.key_id);
    k->signer.checkpoint_every = every;
    k->trusted.count = 1;
    k->trusted.keys = &k->public_key;
}

static struct audit_verify_result verify(struct store *s, const minisign_trusted_keys *keys,
                                         const struct audit_head *saved)
{
    struct audit_verify_options o = { .keys = keys, .saved = saved };
    struct audit_verify_result r;
    assert_int_equal(auditlog_verify(s, &o, &r), 0);
    return r;
}

static void expect_ok(struct store *s, const minisign_trusted_keys *keys, uint64_t size)
{
    struct audit_verify_result r = verify(s, keys, NULL);
    if (!r.ok)
        fail_msg("verify failed at %llu: %s", (unsigned long long)r.bad_first, r.problem);
    assert_int_equal(r.size, size);
}

static void expect_bad(struct store *s, const minisign_trusted_keys *keys,
                       const struct audit_head *saved, uint64_t first, uint64_t last,
                       const char *problem)
{
    struct audit_verify_result r = verify(s, keys, saved);
    assert_false(r.ok);
    assert_string_equal(r.problem, problem);
    assert_int_equal(r.bad_first, first);
    assert_int_equal(r.bad_last, last);
}

/* Recursive MTH of RFC 6962 §2.1, written independently of core/merkle.c. */
static void reference_root(const uint8_t *leaves, uint64_t n, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, leaves, 32);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t buf[65];
    buf[0] = 1;
    reference_root(leaves, k, buf + 1);
    reference_root(leaves + k * 32, n - k, buf + 33);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

static void stored_leaves(struct store *s, uint8_t *out, uint64_t n)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT leaf_hash FROM audit_log ORDER BY seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_bytes(st, 0), 32);
        memcpy(out + i * 32, sqlite3_column_blob(st, 0), 32);
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* ---- appending ------------------------------------------------------------- */

static void test_canonical_entry_and_leaf(void **state)
{
    (void)state;
    struct store s;
    open_store(&s, path);
    assert_int_equal(store_begin(&s), CRMGOV_OK);
    assert_int_equal(auditlog_append(&s, "alice", "ownership.assign", "sf/wf-1",
                                     "{ \"role\": \"system\", \"principal\": \"u-9\" }",
                                     time_parse_rfc3339("2026-03-01T08:00:00.250Z")),
                     CRMGOV_OK);
    assert_int_equal(auditlog_append(&s, "bob", "change.recorded", "sf/wf-1", "[1]", 0),
                     CRMGOV_ERROR);
    assert_int_equal(store_commit(&s), CRMGOV_OK);
    const char *canonical = "{\"action\":\"ownership.assign\",\"actor\":\"alice\","
                            "\"at\":\"2026-03-01T08:00:00.250Z\",\"details\":{\"principal\":"
                            "\"u-9\",\"role\":\"system\"},\"seq\":1,\"subject\":\"sf/wf-1\"}";
    uint8_t buf[512], expected[32], stored[32];
    buf[0] = 0;
    memcpy(buf + 1, canonical, strlen(canonical));
    crypto_hash_sha256(expected, buf, strlen(canonical) + 1);
    stored_leaves(&s, stored, 1);
    assert_memory_equal(stored, expected, 32);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(s.db, "SELECT details FROM audit_log WHERE seq = 1", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0),
                        "{\"principal\":\"u-9\",\"role\":\"system\"}");
    sqlite3_finalize(st);
    struct strbuf out = STRBUF_INIT;
    struct crmgov_audit_entry e = { .struct_size = sizeof(e), .seq = 1,
                                    .at = time_parse_rfc3339("2026-03-01T08:00:00.250Z"),
                                    .actor = "alice", .action = "ownership.assign",
                                    .subject = "sf/wf-1",
                                    .details_json = "{\"role\":\"system\",\"principal\":\"u-9\"}" };
    assert_int_equal(auditlog_entry_canonical(&e, &out), 0);
    assert_string_equal(sb_str(&out), canonical);
    sb_free(&out);
    store_close(&s);
}

static void test_tree_state_follows_entries(void **state)
{
    (void)state;
    struct store s;
    open_store(&s, path);
    uint8_t leaves[8 * 32], expected[32], root[32];
    for (int n = 1; n <= 8; n++) {
        append_range(&s, n, n);
        merkle_frontier tree;
        assert_int_equal(auditlog_tree(&s, &tree), 0);
        assert_int_equal(tree.size, (uint64_t)n);
        stored_leaves(&s, leaves, (uint64_t)n);
        reference_root(leaves, (uint64_t)n, expected);
        merkle_frontier_root(&tree, root);
        assert_memory_equal(root, expected, 32);
        expect_ok(&s, NULL, (uint64_t)n);
    }
    store_close(&s);
}

/* A database from schema 2 has entries but no tree state: the first append
 * after the upgrade rebuilds it and the log stays verifiable. */
static void test_upgrade_from_schema_2(void **state)
{
    (void)state;
    struct store s;
    struct strbuf err = STRBUF_INIT;
    assert_int_equal(store_open_at_version(&s, path, 2, &err), 0);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        struct crmgov_audit_entry e = { .struct_size = sizeof(e), .seq = seq, .at = 1000,
                                        .actor = "old", .action = "x", .subject = "y",
                                        .details_json = "{}" };
        struct strbuf canonical = STRBUF_INIT;
        assert_int_equal(auditlog_entry_canonical(&e, &canonical), 0);
        uint8_t leaf[32];
        merkle_leaf_hash(canonical.buf, canonical.len, leaf);
        sqlite3_stmt *st;
        sqlite3_prepare_v2(s.db, "INSERT INTO audit_log VALUES (?1, 1000, 'old', 'x', 'y', "
                                 "'{}', ?2)", -1, &st, NULL);
        sqlite3_bind_int64(st, 1, (int64_t)seq);
        sqlite3_bind_blob(st, 2, leaf, 32, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sb_free(&canonical);
    }
    store_close(&s);
    open_store(&s, path);
    assert_int_equal(store_schema_version(&s), STORE_SCHEMA_VERSION);
    append_range(&s, 6, 7);
    merkle_frontier tree;
    assert_int_equal(auditlog_tree(&s, &tree), 0);
    assert_int_equal(tree.size, 7);
    expect_ok(&s, NULL, 7);
    store_close(&s);
    sb_free(&err);
}

/* ---- signed heads ---------------------------------------------------------- */

static int64_t count(struct store *s, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_heads_every_n_and_at_checkpoint(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 3);
    struct store s;
    open_store(&s, path);
    s.audit_signer = &k.signer;
    append_range(&s, 1, 7);
    assert_int_equal(count(&s, "SELECT count(*) FROM audit_heads WHERE size IN (3, 6)"), 2);
    assert_int_equal(count(&s, "SELECT count(*) FROM audit_heads"), 2);
    uint64_t signed_size = 99;
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, &signed_size), 0);
    assert_int_equal(signed_size, 7);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, &signed_size), 0);
    assert_int_equal(signed_size, 0); /* nothing new: no second head of size 7 */
    assert_int_equal(count(&s, "SELECT count(*) FROM audit_heads"), 3);
    struct audit_head head;
    assert_int_equal(auditlog_latest_head(&s, &head), 0);
    assert_int_equal(head.size, 7);
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(audit_head_check_signature(&head, &k.trusted, &why), 0);
    assert_string_equal(head.key_id, k.signer.key_id);
    audit_head_free(&head);
    struct audit_verify_result r = verify(&s, &k.trusted, NULL);
    assert_true(r.ok);
    assert_int_equal(r.heads, 3);
    assert_int_equal(r.latest_head, 7);
    /* another key: the first head is refused, naming what it covers */
    struct keys other;
    make_keys(&other, 3);
    expect_bad(&s, &other.trusted, NULL, 1, 3,
               "the signed head at size 3 is not valid: signature: signed by a key that is "
               "not in the trusted keys");
    sb_free(&why);
    store_close(&s);
}

static void test_empty_log_signs_nothing(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 1);
    struct store s;
    open_store(&s, path);
    uint64_t signed_size = 5;
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, &signed_size), 0);
    assert_int_equal(signed_size, 0);
    struct audit_head head;
    assert_int_equal(auditlog_latest_head(&s, &head), 1);
    expect_ok(&s, &k.trusted, 0);
    store_close(&s);
}

/* ---- tampering with the sqlite file ---------------------------------------- */

/* A log of 10 entries with heads at 4 and 8 and (checkpoint) 10. */
static void signed_log(struct store *s, struct keys *k)
{
    make_keys(k, 4);
    open_store(s, path);
    s->audit_signer = &k->signer;
    append_range(s, 1, 10);
    assert_int_equal(auditlog_checkpoint(s, &k->signer, NULL), 0);
    expect_ok(s, &k->trusted, 10);
}

static void test_edit_names_seq(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    exec_sql(&s, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 6");
    expect_bad(&s, &k.trusted, NULL, 6, 6,
               "the entry does not match its leaf hash (edited, inserted or reordered)");
    store_close(&s);
}

static void test_edit_of_time_and_details(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    exec_sql(&s, "UPDATE audit_log SET at = at + 1 WHERE seq = 2");
    expect_bad(&s, &k.trusted, NULL, 2, 2,
               "the entry does not match its leaf hash (edited, inserted or reordered)");
    exec_sql(&s, "UPDATE audit_log SET at = at - 1 WHERE seq = 2");
    expect_ok(&s, &k.trusted, 10);
    exec_sql(&s, "UPDATE audit_log SET details = '{\"n\":3, \"role\":\"system\"}' WHERE seq = 3");
    expect_bad(&s, &k.trusted, NULL, 3, 3, "its details are not canonical JSON (edited)");
    exec_sql(&s, "UPDATE audit_log SET details = '{\"n\":33,\"role\":\"system\"}' WHERE seq = 3");
    expect_bad(&s, &k.trusted, NULL, 3, 3,
               "the entry does not match its leaf hash (edited, inserted or reordered)");
    store_close(&s);
}

static void test_delete_names_seq(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    exec_sql(&s, "DELETE FROM audit_log WHERE seq = 5");
    expect_bad(&s, &k.trusted, NULL, 5, 5, "missing (the next entry is seq 6; deleted)");
    exec_sql(&s, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5");
    expect_bad(&s, &k.trusted, NULL, 5, 5,
               "the entry does not match its leaf hash (edited, inserted or reordered)");
    store_close(&s);
}

static void test_insert_names_seq(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    /* make room at seq 4 and copy entry 3 there */
    exec_sql(&s, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4;"
                 "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 104;"
                 "INSERT INTO audit_log SELECT 4, at, actor, action, subject, details, "
                 "leaf_hash FROM audit_log WHERE seq = 3");
    expect_bad(&s, &k.trusted, NULL, 4, 4,
               "the entry does not match its leaf hash (edited, inserted or reordered)");
    store_close(&s);
}

static void test_insert_at_end_names_seq(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    /* a well-formed entry 11 with a correct leaf hash, added outside crmgov */
    struct crmgov_audit_entry e = { .struct_size = sizeof(e), .seq = 11, .at = 5,
                                    .actor = "mallory", .action = "change.approved",
                                    .subject = "sf/wf-1", .details_json = "{}" };
    struct strbuf canonical = STRBUF_INIT;
    auditlog_entry_canonical(&e, &canonical);
    uint8_t leaf[32];
    merkle_leaf_hash(canonical.buf, canonical.len, leaf);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(s.db, "INSERT INTO audit_log VALUES (11, 5, 'mallory', "
                             "'change.approved', 'sf/wf-1', '{}', ?1)", -1, &st, NULL);
    sqlite3_bind_blob(st, 1, leaf, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sb_free(&canonical);
    expect_bad(&s, &k.trusted, NULL, 11, 11,
               "not appended by crmgov: its tree ends at seq 10 (inserted)");
    store_close(&s);
}

static void test_reorder_names_seq(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    exec_sql(&s, "UPDATE audit_log SET seq = -7 WHERE seq = 7;"
                 "UPDATE audit_log SET seq = 7 WHERE seq = 8;"
                 "UPDATE audit_log SET seq = 8 WHERE seq = -7");
    expect_bad(&s, &k.trusted, NULL, 7, 7,
               "the entry does not match its leaf hash (edited, inserted or reordered)");
    /* a renumbering left halfway */
    exec_sql(&s, "UPDATE audit_log SET seq = -1 WHERE seq = 1");
    expect_bad(&s, &k.trusted, NULL, 1, 1,
               "an entry has seq -1, which crmgov never writes (renumbered)");
    store_close(&s);
}

static void test_truncate_names_seq(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    exec_sql(&s, "DELETE FROM audit_log WHERE seq > 6");
    expect_bad(&s, &k.trusted, NULL, 7, 7,
               "missing: crmgov appended 10 entries, the log ends at seq 6 (truncated)");
    /* the tree state rolled back too: the signed heads still tell */
    exec_sql(&s, "DELETE FROM audit_tree");
    expect_bad(&s, &k.trusted, NULL, 7, 7,
               "missing: the signed head at size 8 covers seq 1..8, the log ends at seq 6 "
               "(truncated or rolled back)");
    store_close(&s);
}

/* What a careful forger does without the signing key: rewrite an entry,
 * recompute its leaf hash and the tree state. Only a signed head shows it,
 * so the report is the range that head covers beyond the last good head. */
static void rewrite_consistently(struct store *s, uint64_t seq, const char *actor)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE audit_log SET actor = '%s' WHERE seq = %llu", actor,
             (unsigned long long)seq);
    exec_sql(s, sql);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(s->db, "SELECT seq, at, actor, action, subject, details FROM audit_log "
                              "ORDER BY seq", -1, &st, NULL);
    merkle_frontier tree;
    merkle_frontier_init(&tree);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct crmgov_audit_entry e = {
            .struct_size = sizeof(e), .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .at = sqlite3_column_int64(st, 1),
            .actor = (const char *)sqlite3_column_text(st, 2),
            .action = (const char *)sqlite3_column_text(st, 3),
            .subject = (const char *)sqlite3_column_text(st, 4),
            .details_json = (const char *)sqlite3_column_text(st, 5),
        };
        struct strbuf canonical = STRBUF_INIT;
        auditlog_entry_canonical(&e, &canonical);
        uint8_t leaf[32];
        merkle_leaf_hash(canonical.buf, canonical.len, leaf);
        merkle_frontier_append(&tree, leaf);
        sqlite3_stmt *up;
        sqlite3_prepare_v2(s->db, "UPDATE audit_log SET leaf_hash = ?1 WHERE seq = ?2", -1,
                           &up, NULL);
        sqlite3_bind_blob(up, 1, leaf, 32, SQLITE_STATIC);
        sqlite3_bind_int64(up, 2, (int64_t)e.seq);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_finalize(up);
        sb_free(&canonical);
    }
    sqlite3_finalize(st);
    sqlite3_prepare_v2(s->db, "UPDATE audit_tree SET size = ?1, peaks = ?2", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, (int64_t)tree.size);
    sqlite3_bind_blob(st, 2, tree.peaks, (int)(tree.peak_count * 32), SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void test_consistent_rewrite_caught_by_head(void **state)
{
    (void)state;
    struct keys k;
    struct store s;
    signed_log(&s, &k);
    rewrite_consistently(&s, 6, "mallory");
    expect_bad(&s, &k.trusted, NULL, 5, 8,
               "the entries do not match the signed head at size 8 (entries and leaf hashes "
               "were rewritten)");
    store_close(&s);
}

/* ---- a head saved off the machine (Rekor's rule) ---------------------------- */

static void saved_head_of(struct store *s, struct audit_head *out)
{
    struct audit_head head;
    assert_int_equal(auditlog_latest_head(s, &head), 0);
    cJSON *json = audit_head_to_json(&head);
    char *text = cJSON_Print(json);
    struct strbuf why = STRBUF_INIT;
    assert_int_equal(audit_head_from_text(text, strlen(text), out, &why), 0);
    cJSON_free(text);
    cJSON_Delete(json);
    audit_head_free(&head);
    sb_free(&why);
}

static void test_saved_head_smaller_equal_larger(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct store s;
    open_store(&s, path);
    append_range(&s, 1, 5);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, NULL), 0);
    struct audit_head at5;
    saved_head_of(&s, &at5);
    struct audit_verify_result r = verify(&s, &k.trusted, &at5);
    assert_true(r.ok);
    assert_int_equal(r.saved_checked, 1);
    append_range(&s, 6, 13);
    r = verify(&s, &k.trusted, &at5);
    assert_true(r.ok);
    assert_int_equal(r.saved_checked, 2);
    assert_true(r.consistency_nodes > 0);
    /* the forger's consistent rewrite under the saved head (no signed heads
     * on the machine to betray it) */
    exec_sql(&s, "DELETE FROM audit_heads");
    rewrite_consistently(&s, 2, "mallory");
    expect_ok(&s, &k.trusted, 13);
    expect_bad(&s, &k.trusted, &at5, 1, 5,
               "the log is not consistent with the saved head at size 5 (an entry up to seq 5 "
               "was changed)");
    audit_head_free(&at5);
    store_close(&s);
}

static void test_saved_head_equal_size_other_root(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct store s;
    open_store(&s, path);
    append_range(&s, 1, 6);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, NULL), 0);
    struct audit_head at6;
    saved_head_of(&s, &at6);
    exec_sql(&s, "DELETE FROM audit_heads");
    rewrite_consistently(&s, 6, "mallory");
    expect_bad(&s, &k.trusted, &at6, 1, 6,
               "the root differs from the saved head's at the same size 6");
    audit_head_free(&at6);
    store_close(&s);
}

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = read_file(from, &len);
    assert_non_null(data);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

static void test_restored_older_copy_caught(void **state)
{
    (void)state;
    struct keys k;
    make_keys(&k, 0);
    struct store s;
    open_store(&s, path);
    append_range(&s, 1, 4);
    store_close(&s); /* closing checkpoints the WAL into the file */
    copy_file(path, copy_path);
    open_store(&s, path);
    append_range(&s, 5, 9);
    assert_int_equal(auditlog_checkpoint(&s, &k.signer, NULL), 0);
    struct audit_head saved;
    saved_head_of(&s, &saved);
    store_close(&s);
    struct store old;
    open_store(&old, copy_path);
    expect_ok(&old, &k.trusted, 4); /* fine on its own... */
    expect_bad(&old, &k.trusted, &saved, 5, 5,
               "the log shrank: the saved head has 9 entries, the log ends at seq 4 (rolled "
               "back or truncated)");
    /* ...and a saved head of another log is refused as such */
    exec_sql(&old, "UPDATE meta SET value = '00000000000000000000000000000000' "
                   "WHERE key = 'audit_log_id'");
    struct audit_verify_result r = verify(&old, NULL, &saved);
    assert_false(r.ok);
    assert_int_equal(r.bad_first, 0);
    assert_true(strncmp(r.problem, "the saved head belongs to another log (crmgov audit log ",
                        56) == 0);
    audit_head_free(&saved);
    store_close(&old);
}

static void test_saved_head_with_bad_signature(void **state)
{
    (void)state;
    struct keys k, other;
    make_keys(&k, 0);
    make_keys(&other, 0);
    struct store s;
    open_store(&s, path);
    append_range(&s, 1, 3);
    assert_int_equal(auditlog_checkpoint(&s, &other.signer, NULL), 0);
    struct audit_head saved;
    saved_head_of(&s, &saved);
    exec_sql(&s, "DELETE FROM audit_heads");
    expect_bad(&s, &k.trusted, &saved, 0, 0,
               "the saved head is not valid: signature: signed by a key that is not in the "
               "trusted keys");
    audit_head_free(&saved);
    store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_canonical_entry_and_leaf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_state_follows_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_schema_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heads_every_n_and_at_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_log_signs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_names_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_of_time_and_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_names_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_names_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_at_end_names_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reorder_names_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate_names_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consistent_rewrite_caught_by_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_saved_head_smaller_equal_larger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_saved_head_equal_size_other_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restored_older_copy_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_saved_head_with_bad_signature, setup, teardown),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
