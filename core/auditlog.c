/*
 * auditlog.c -- the record of every governance action; see auditlog.h.
 *
 * An entry is appended in the same transaction as the change it records (an
 * ownership assignment, an approval, a plugin load), so the log can never
 * claim something that did not happen or miss something that did. Each entry
 * is stored with its RFC 6962 leaf hash, SHA-256(0x00 || canonical entry),
 * where the canonical entry is the sorted-key JSON object
 * {"action","actor","at","details","seq","subject"}.
 *
 * The tree state (frontier) lives in the database rather than in memory, so
 * a CLI command and the daemon appending at the same time each read and
 * advance it inside their own write transaction and never diverge. The seq of
 * a new entry is the tree size plus one -- not max(seq) + 1 -- so an entry
 * slipped in with the sqlite3 command stays visible as "not in the tree".
 */
#include "auditlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "canon.h"
#include "log.h"
#include "timeutil.h"

int auditlog_entry_canonical(const struct crmgov_audit_entry *e, struct strbuf *out)
{
    cJSON *details = cJSON_Parse(e->details_json ? e->details_json : "{}");
    if (!cJSON_IsObject(details)) {
        cJSON_Delete(details);
        return -1;
    }
    char at[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "action", e->action ? e->action : "");
    cJSON_AddStringToObject(o, "actor", e->actor ? e->actor : "");
    cJSON_AddStringToObject(o, "at", time_format_rfc3339(e->at, at));
    cJSON_AddItemToObject(o, "details", details);
    cJSON_AddNumberToObject(o, "seq", (double)e->seq);
    cJSON_AddStringToObject(o, "subject", e->subject ? e->subject : "");
    int rc = canon_write(out, o);
    cJSON_Delete(o);
    return rc;
}

/* ---- tree state ------------------------------------------------------------ */

static const char sql_tree_get[] = "SELECT size, peaks FROM audit_tree WHERE id = 1";
static const char sql_tree_put[] =
    "INSERT INTO audit_tree (id, size, peaks) VALUES (1, ?1, ?2) "
    "ON CONFLICT (id) DO UPDATE SET size = excluded.size, peaks = excluded.peaks";

/* A database from before migration 3 has entries but no tree state. */
static int rebuild_tree(struct store *s, merkle_frontier *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT leaf_hash FROM audit_log ORDER BY seq", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, "audit tree rebuild");
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != MERKLE_HASH_BYTES ||
            merkle_frontier_append(out, sqlite3_column_blob(st, 0)) != MERKLE_OK)
            rc = -1;
    }
    sqlite3_finalize(st);
    if (rc)
        log_error("audit log: a stored leaf hash is damaged; run 'crmgov log verify'");
    return rc;
}

int auditlog_tree(struct store *s, merkle_frontier *out)
{
    store_lock(s);
    merkle_frontier_init(out);
    sqlite3_stmt *st = store_stmt(s, sql_tree_get);
    int rc = -1;
    if (st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            size_t bytes = (size_t)sqlite3_column_bytes(st, 1);
            rc = bytes % MERKLE_HASH_BYTES == 0 &&
                         merkle_frontier_restore(out, (uint64_t)sqlite3_column_int64(st, 0),
                                                 sqlite3_column_blob(st, 1),
                                                 (unsigned)(bytes / MERKLE_HASH_BYTES)) ==
                             MERKLE_OK
                     ? 0
                     : -1;
            if (rc)
                log_error("audit log: the stored tree state is damaged; run 'crmgov log "
                          "verify'");
        } else if (step == SQLITE_DONE) {
            rc = 0;
        } else {
            store_fail(s, "audit tree");
        }
        sqlite3_reset(st);
        if (step == SQLITE_DONE)
            rc = rebuild_tree(s, out);
    }
    store_unlock(s);
    return rc;
}

static int save_tree(struct store *s, const merkle_frontier *tree)
{
    sqlite3_stmt *st = store_stmt(s, sql_tree_put);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)tree->size);
    sqlite3_bind_blob(st, 2, tree->peaks, (int)(tree->peak_count * MERKLE_HASH_BYTES),
                      SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "audit tree");
    sqlite3_reset(st);
    return rc;
}

int auditlog_origin(struct store *s, char out[AUDIT_ORIGIN_SIZE])
{
    struct strbuf id = STRBUF_INIT;
    int rc = store_meta_get(s, "audit_log_id", &id) == 0 && id.len == 32 ? 0 : -1;
    if (rc == 0)
        snprintf(out, AUDIT_ORIGIN_SIZE, "%s%s", AUDIT_ORIGIN_PREFIX, sb_str(&id));
    else
        log_error("audit log: this database has no audit_log_id in its meta table");
    sb_free(&id);
    return rc;
}

/* ---- heads ----------------------------------------------------------------- */

static const char sql_head_put[] =
    "INSERT OR IGNORE INTO audit_heads (size, root, signed_at, key_id, checkpoint, signature) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_head_latest[] =
    "SELECT checkpoint, signature, key_id FROM audit_heads ORDER BY size DESC LIMIT 1";
static const char sql_head_at[] =
    "SELECT checkpoint, signature, key_id FROM audit_heads WHERE size = ?1";

static int head_of_tree(struct store *s, const merkle_frontier *tree, struct audit_head *out)
{
    memset(out, 0, sizeof(*out));
    if (auditlog_origin(s, out->origin))
        return -1;
    out->size = tree->size;
    merkle_frontier_root(tree, out->root);
    out->time = wall_clock_ms();
    out->checkpoint = audit_checkpoint_text(out->origin, out->size, out->root, out->time);
    return 0;
}

int auditlog_current_head(struct store *s, struct audit_head *out)
{
    merkle_frontier tree;
    memset(out, 0, sizeof(*out));
    return auditlog_tree(s, &tree) ? -1 : head_of_tree(s, &tree, out);
}

/* Signs the tree as it is now and stores the head (caller holds a write
 * transaction). 1 when a head of this size exists already. */
static int sign_tree(struct store *s, const struct audit_signer *signer,
                     const merkle_frontier *tree)
{
    struct audit_head head;
    if (head_of_tree(s, tree, &head))
        return -1;
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (audit_head_sign(&head, signer) == 0 && (st = store_stmt(s, sql_head_put))) {
        sqlite3_bind_int64(st, 1, (int64_t)head.size);
        sqlite3_bind_blob(st, 2, head.root, MERKLE_HASH_BYTES, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, head.time);
        sqlite3_bind_text(st, 4, head.key_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, head.checkpoint, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, head.signature, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(s->db) == 1 ? 0 : 1;
        else
            store_fail(s, "audit head");
        sqlite3_reset(st);
    }
    if (rc < 0)
        log_error("audit log: could not sign the tree head at size %llu",
                  (unsigned long long)tree->size);
    audit_head_free(&head);
    return rc;
}

static const char *column_text(sqlite3_stmt *st, int column)
{
    const char *text = (const char *)sqlite3_column_text(st, column);
    return text ? text : "";
}

static int head_from_row(sqlite3_stmt *st, struct audit_head *out)
{
    struct strbuf why = STRBUF_INIT;
    int rc = audit_checkpoint_parse(column_text(st, 0), out, &why);
    if (rc == 0) {
        out->signature = xstrdup(column_text(st, 1));
        snprintf(out->key_id, sizeof(out->key_id), "%s", column_text(st, 2));
    } else {
        log_error("audit log: a stored head is damaged (%s); run 'crmgov log verify'",
                  sb_str(&why));
    }
    sb_free(&why);
    return rc;
}

static int read_head(struct store *s, const char *sql, uint64_t size, struct audit_head *out)
{
    memset(out, 0, sizeof(*out));
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql);
    int rc = -1;
    if (st) {
        if (sql == sql_head_at)
            sqlite3_bind_int64(st, 1, (int64_t)size);
        int step = sqlite3_step(st);
        rc = step == SQLITE_ROW    ? head_from_row(st, out)
             : step == SQLITE_DONE ? 1
                                   : store_fail(s, "audit head");
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

int auditlog_latest_head(struct store *s, struct audit_head *out)
{
    return read_head(s, sql_head_latest, 0, out);
}

int auditlog_head_at(struct store *s, uint64_t size, struct audit_head *out)
{
    return read_head(s, sql_head_at, size, out);
}

static const char sql_head_max[] = "SELECT coalesce(max(size), 0) FROM audit_heads";

/* 1 when the latest signed head already covers the whole log: then no
 * write transaction is needed (most commands end that way). */
static int already_signed(struct store *s)
{
    merkle_frontier tree;
    sqlite3_stmt *st = store_stmt(s, sql_head_max);
    int64_t max = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        max = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return max >= 0 && auditlog_tree(s, &tree) == 0 && tree.size == (uint64_t)max;
}

int auditlog_checkpoint(struct store *s, const struct audit_signer *signer,
                        uint64_t *signed_size)
{
    if (signed_size)
        *signed_size = 0;
    if (already_signed(s))
        return 0;
    int own_tx = !s->in_tx;
    if (own_tx && store_begin(s) != CRMGOV_OK)
        return -1;
    merkle_frontier tree;
    int rc = auditlog_tree(s, &tree);
    if (rc == 0 && tree.size > 0) {
        rc = sign_tree(s, signer, &tree);
        if (rc == 0 && signed_size)
            *signed_size = tree.size;
        rc = rc < 0 ? -1 : 0;
    }
    if (own_tx) {
        if (rc == 0)
            rc = store_commit(s) == CRMGOV_OK ? 0 : -1;
        else
            store_rollback(s);
    }
    return rc;
}

/* ---- appending ------------------------------------------------------------- */

static const char sql_append[] =
    "INSERT INTO audit_log (seq, at, actor, action, subject, details, leaf_hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static int insert_entry(struct store *s, const struct crmgov_audit_entry *e,
                        const char *details, const uint8_t leaf[MERKLE_HASH_BYTES])
{
    sqlite3_stmt *st = store_stmt(s, sql_append);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)e->seq);
    sqlite3_bind_int64(st, 2, e->at);
    sqlite3_bind_text(st, 3, e->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, details, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, leaf, MERKLE_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "audit log");
    sqlite3_reset(st);
    return rc;
}

/* The details as canonical JSON; -1 unless they are an object. */
static int canonical_details(const char *details_json, struct strbuf *out)
{
    cJSON *d = cJSON_Parse(details_json ? details_json : "{}");
    int rc = cJSON_IsObject(d) ? canon_write(out, d) : -1;
    cJSON_Delete(d);
    return rc;
}

int auditlog_append(struct store *s, const char *actor, const char *action,
                    const char *subject, const char *details_json, crmgov_time at)
{
    store_lock(s);
    struct strbuf canonical = STRBUF_INIT, details = STRBUF_INIT;
    merkle_frontier tree;
    int rc = CRMGOV_ERROR;
    if (auditlog_tree(s, &tree))
        goto done;
    struct crmgov_audit_entry e = {
        .struct_size = sizeof(e), .seq = tree.size + 1, .at = at,
        .actor = actor ? actor : "unknown", .action = action, .subject = subject ? subject : "",
    };
    if (!action || canonical_details(details_json, &details)) {
        log_error("audit log: cannot append '%s': details are not a JSON object",
                  action ? action : "(no action)");
        goto done;
    }
    e.details_json = sb_str(&details);
    if (auditlog_entry_canonical(&e, &canonical))
        goto done;
    uint8_t leaf[MERKLE_HASH_BYTES];
    merkle_leaf_hash(canonical.buf, canonical.len, leaf);
    if (insert_entry(s, &e, e.details_json, leaf) != CRMGOV_OK ||
        merkle_frontier_append(&tree, leaf) != MERKLE_OK || save_tree(s, &tree) != CRMGOV_OK)
        goto done;
    rc = CRMGOV_OK;
    /* A head that cannot be signed does not undo the action: the entry is
     * recorded, the error logged, and the next checkpoint covers it. */
    const struct audit_signer *signer = s->audit_signer;
    if (signer && signer->checkpoint_every && tree.size % signer->checkpoint_every == 0)
        sign_tree(s, signer, &tree);
done:
    sb_free(&canonical);
    sb_free(&details);
    store_unlock(s);
    return rc;
}

int auditlog_scan(struct store *s, uint64_t since_seq,
                  int (*fn)(void *ctx, const struct crmgov_audit_entry *e), void *ctx)
{
    store_lock(s);
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, at, actor, action, subject, details FROM audit_log "
                           "WHERE seq >= ?1 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = store_fail(s, "audit log scan");
        store_unlock(s);
        return rc;
    }
    sqlite3_bind_int64(st, 1, (int64_t)since_seq);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct crmgov_audit_entry e = {
            .struct_size = sizeof(e),
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .at = sqlite3_column_int64(st, 1),
            .actor = (const char *)sqlite3_column_text(st, 2),
            .action = (const char *)sqlite3_column_text(st, 3),
            .subject = (const char *)sqlite3_column_text(st, 4),
            .details_json = (const char *)sqlite3_column_text(st, 5),
        };
        rc = fn(ctx, &e);
    }
    sqlite3_finalize(st);
    store_unlock(s);
    return rc;
}
