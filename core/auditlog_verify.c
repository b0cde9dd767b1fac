/*
 * auditlog_verify.c -- checking the audit log, and the proofs an outsider
 * checks without trusting this machine; see auditlog.h.
 *
 * Verification walks the entries once in seq order, recomputing each leaf
 * from the entry's columns and the tree from those leaves; every stored
 * artefact (leaf hash, tree state, signed head) is then only something to
 * compare with, never an input. Walking in order is what lets it name the
 * FIRST bad seq: a signed head is checked when the walk reaches its size, so
 * an edit at seq 3 is reported as seq 3 even when a head at size 10 is also
 * broken. The recomputed leaf hashes are kept (32 bytes per entry) for the
 * consistency proof against a saved head.
 */
#include "auditlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "timeutil.h"

/* ---- helpers --------------------------------------------------------------- */

static void hash_hex(const uint8_t hash[MERKLE_HASH_BYTES], char out[2 * MERKLE_HASH_BYTES + 1])
{
    hex_encode(hash, MERKLE_HASH_BYTES, out);
}

/* Exactly 64 lowercase hex digits: one spelling per hash, so no bit of an
 * exported proof can change without changing what it says. */
static int hash_from_hex(const char *text, uint8_t out[MERKLE_HASH_BYTES])
{
    if (!text || strlen(text) != 2 * MERKLE_HASH_BYTES)
        return -1;
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return -1;
    return hex_decode(text, out, MERKLE_HASH_BYTES);
}

static const char *column_text(sqlite3_stmt *st, int column)
{
    const char *text = (const char *)sqlite3_column_text(st, column);
    return text ? text : "";
}

struct leaves {
    uint8_t *hashes;
    uint64_t count;
    size_t cap;
};

static void leaves_push(struct leaves *l, const uint8_t hash[MERKLE_HASH_BYTES])
{
    l->hashes = grow_array(l->hashes, &l->cap, (size_t)l->count + 1, MERKLE_HASH_BYTES);
    memcpy(l->hashes + l->count * MERKLE_HASH_BYTES, hash, MERKLE_HASH_BYTES);
    l->count++;
}

/* ---- verification ---------------------------------------------------------- */

struct stored_head {
    uint64_t size;
    uint8_t root[MERKLE_HASH_BYTES];
    char *problem;                  /* why this head is not acceptable, or NULL */
};

struct verify {
    struct store *s;
    const struct audit_verify_options *o;
    struct audit_verify_result *r;
    char origin[AUDIT_ORIGIN_SIZE];
    merkle_frontier tree;
    struct leaves leaves;
    struct stored_head *heads;
    size_t n_heads, cap_heads, next_head;
    uint64_t verified_to;           /* entries up to here match a signed head */
};

static void fail(struct verify *v, uint64_t first, uint64_t last, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(struct verify *v, uint64_t first, uint64_t last, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->r->problem, sizeof(v->r->problem), fmt, ap);
    va_end(ap);
    v->r->ok = 0;
    v->r->bad_first = first;
    v->r->bad_last = last;
}

/* A stored head's columns must restate its checkpoint, which must name this
 * log and carry a valid signature (when keys were given). */
static char *head_problem(struct verify *v, sqlite3_stmt *st, struct audit_head *head)
{
    struct strbuf why = STRBUF_INIT;
    if (audit_checkpoint_parse(column_text(st, 3), head, &why) == 0) {
        head->signature = xstrdup(column_text(st, 4));
        snprintf(head->key_id, sizeof(head->key_id), "%s", column_text(st, 2));
        if ((uint64_t)sqlite3_column_int64(st, 0) != head->size ||
            sqlite3_column_bytes(st, 1) != MERKLE_HASH_BYTES ||
            memcmp(sqlite3_column_blob(st, 1), head->root, MERKLE_HASH_BYTES) != 0)
            sb_adds(&why, "its size or root column differs from its checkpoint");
        else if (strcmp(head->origin, v->origin) != 0)
            sb_addf(&why, "it belongs to another log (%s)", head->origin);
        else if (v->o->keys)
            audit_head_check_signature(head, v->o->keys, &why);
    }
    return why.len ? sb_detach(&why) : NULL;
}

static int load_heads(struct verify *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->s->db,
                           "SELECT size, root, key_id, checkpoint, signature FROM audit_heads "
                           "ORDER BY size",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(v->s, "audit heads");
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct audit_head head;
        memset(&head, 0, sizeof(head));
        v->heads = grow_array(v->heads, &v->cap_heads, v->n_heads + 1, sizeof(*v->heads));
        struct stored_head *h = &v->heads[v->n_heads++];
        h->problem = head_problem(v, st, &head);
        h->size = (uint64_t)sqlite3_column_int64(st, 0);
        memcpy(h->root, head.root, MERKLE_HASH_BYTES);
        audit_head_free(&head);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Heads whose size the walk just reached. */
static void check_heads_at(struct verify *v)
{
    uint8_t root[MERKLE_HASH_BYTES];
    merkle_frontier_root(&v->tree, root);
    while (v->r->ok && v->next_head < v->n_heads &&
           v->heads[v->next_head].size <= v->tree.size) {
        const struct stored_head *h = &v->heads[v->next_head++];
        uint64_t first = v->verified_to + 1;
        if (h->problem)
            fail(v, first, h->size, "the signed head at size %llu is not valid: %s",
                 (unsigned long long)h->size, h->problem);
        else if (memcmp(h->root, root, MERKLE_HASH_BYTES) != 0)
            fail(v, first, h->size,
                 "the entries do not match the signed head at size %llu (entries and "
                 "leaf hashes were rewritten)",
                 (unsigned long long)h->size);
        else {
            v->verified_to = h->size;
            v->r->heads++;
            v->r->latest_head = h->size;
        }
    }
}

static int details_canonical(const char *details)
{
    cJSON *d = cJSON_Parse(details);
    struct strbuf again = STRBUF_INIT;
    int ok = cJSON_IsObject(d) && canon_write(&again, d) == 0 && strcmp(sb_str(&again), details) == 0;
    cJSON_Delete(d);
    sb_free(&again);
    return ok;
}

/* Why the row is not the entry crmgov appended as seq `expected`, or NULL;
 * on success leaf gets the recomputed leaf hash. */
static const char *entry_problem(sqlite3_stmt *st, uint64_t expected,
                                 uint8_t leaf[MERKLE_HASH_BYTES], char *buf, size_t size)
{
    int64_t seq = sqlite3_column_int64(st, 0);
    if (seq < 1) {
        snprintf(buf, size, "an entry has seq %lld, which crmgov never writes (renumbered)",
                 (long long)seq);
        return buf;
    }
    if ((uint64_t)seq != expected) {
        snprintf(buf, size, "missing (the next entry is seq %lld; deleted)", (long long)seq);
        return buf;
    }
    struct crmgov_audit_entry e = {
        .struct_size = sizeof(e), .seq = (uint64_t)seq, .at = sqlite3_column_int64(st, 1),
        .actor = column_text(st, 2), .action = column_text(st, 3),
        .subject = column_text(st, 4), .details_json = column_text(st, 5),
    };
    if (!details_canonical(e.details_json))
        return "its details are not canonical JSON (edited)";
    struct strbuf canonical = STRBUF_INIT;
    auditlog_entry_canonical(&e, &canonical);
    merkle_leaf_hash(canonical.buf, canonical.len, leaf);
    sb_free(&canonical);
    if (sqlite3_column_bytes(st, 6) != MERKLE_HASH_BYTES ||
        memcmp(sqlite3_column_blob(st, 6), leaf, MERKLE_HASH_BYTES) != 0)
        return "the entry does not match its leaf hash (edited, inserted or reordered)";
    return NULL;
}

static void check_entry(struct verify *v, sqlite3_stmt *st)
{
    uint64_t expected = v->tree.size + 1;
    uint8_t leaf[MERKLE_HASH_BYTES];
    char buf[128];
    const char *problem = entry_problem(st, expected, leaf, buf, sizeof(buf));
    if (problem) {
        fail(v, expected, expected, "%s", problem);
        return;
    }
    merkle_frontier_append(&v->tree, leaf);
    leaves_push(&v->leaves, leaf);
    check_heads_at(v);
}

static int walk_entries(struct verify *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->s->db,
                           "SELECT seq, at, actor, action, subject, details, leaf_hash "
                           "FROM audit_log ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(v->s, "audit log");
    int step;
    while (v->r->ok && (step = sqlite3_step(st)) == SQLITE_ROW)
        check_entry(v, st);
    sqlite3_finalize(st);
    return 0;
}

/* The seqs the i-th peak of a frontier of `size` leaves covers. */
static void peak_range(uint64_t size, unsigned index, uint64_t *first, uint64_t *last)
{
    uint64_t start = 0;
    unsigned seen = 0;
    for (int bit = 63; bit >= 0; bit--) {
        uint64_t width = (uint64_t)1 << bit;
        if (!(size & width))
            continue;
        if (seen++ == index) {
            *first = start + 1;
            *last = start + width;
            return;
        }
        start += width;
    }
    *first = *last = size;
}

static void check_tree_state(struct verify *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->s->db, "SELECT size, peaks FROM audit_tree WHERE id = 1", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    uint64_t n = v->tree.size;
    if (sqlite3_step(st) == SQLITE_ROW) {
        uint64_t size = (uint64_t)sqlite3_column_int64(st, 0);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 1);
        const uint8_t *peaks = sqlite3_column_blob(st, 1);
        if (size > n)
            fail(v, n + 1, n + 1,
                 "missing: crmgov appended %llu entries, the log ends at seq %llu (truncated)",
                 (unsigned long long)size, (unsigned long long)n);
        else if (size < n)
            fail(v, size + 1, size + 1,
                 "not appended by crmgov: its tree ends at seq %llu (inserted)",
                 (unsigned long long)size);
        else if (bytes != v->tree.peak_count * MERKLE_HASH_BYTES)
            fail(v, 1, n, "the stored tree state is damaged");
        for (unsigned i = 0; v->r->ok && i < v->tree.peak_count; i++) {
            if (memcmp(peaks + i * MERKLE_HASH_BYTES, v->tree.peaks[i], MERKLE_HASH_BYTES)) {
                uint64_t first, last;
                peak_range(n, i, &first, &last);
                fail(v, first, last, "the stored tree state does not match these entries");
            }
        }
    }
    sqlite3_finalize(st);
}

static void check_heads_beyond(struct verify *v)
{
    uint64_t n = v->tree.size;
    if (v->r->ok && v->next_head < v->n_heads)
        fail(v, n + 1, n + 1,
             "missing: the signed head at size %llu covers seq 1..%llu, the log ends at seq "
             "%llu (truncated or rolled back)",
             (unsigned long long)v->heads[v->next_head].size,
             (unsigned long long)v->heads[v->next_head].size, (unsigned long long)n);
}

/* Rekor's rule against a head kept off the machine. */
static void check_saved(struct verify *v)
{
    struct audit_head saved = *v->o->saved;
    struct audit_verify_result *r = v->r;
    struct strbuf why = STRBUF_INIT;
    uint64_t n = v->tree.size;
    saved.checkpoint = xstrdup(saved.checkpoint);
    saved.signature = saved.signature ? xstrdup(saved.signature) : NULL;
    if (strcmp(saved.origin, v->origin) != 0)
        fail(v, 0, 0, "the saved head belongs to another log (%s)", saved.origin);
    else if (v->o->keys && saved.signature &&
             audit_head_check_signature(&saved, v->o->keys, &why))
        fail(v, 0, 0, "the saved head is not valid: %s", sb_str(&why));
    else if (saved.size > n)
        fail(v, n + 1, n + 1,
             "the log shrank: the saved head has %llu entries, the log ends at seq %llu "
             "(rolled back or truncated)",
             (unsigned long long)saved.size, (unsigned long long)n);
    else if (saved.size == n) {
        if (memcmp(saved.root, r->root, MERKLE_HASH_BYTES) != 0)
            fail(v, 1, n, "the root differs from the saved head's at the same size %llu",
                 (unsigned long long)n);
        r->saved_checked = 1;
    } else if (saved.size == 0) {
        r->saved_checked = 3; /* the empty tree is a prefix of every tree */
    } else {
        merkle_proof proof;
        merkle_consistency_proof_of_array(v->leaves.hashes, n, saved.size, n, &proof);
        if (merkle_verify_consistency(saved.size, n, saved.root, r->root, proof.nodes[0],
                                      proof.count) != MERKLE_OK)
            fail(v, 1, saved.size,
                 "the log is not consistent with the saved head at size %llu (an entry up "
                 "to seq %llu was changed)",
                 (unsigned long long)saved.size, (unsigned long long)saved.size);
        r->saved_checked = 2;
        r->consistency_nodes = proof.count;
    }
    if (!r->ok)
        r->saved_checked = 0;
    audit_head_free(&saved);
    sb_free(&why);
}

int auditlog_verify(struct store *s, const struct audit_verify_options *options,
                    struct audit_verify_result *r)
{
    memset(r, 0, sizeof(*r));
    r->ok = 1;
    r->signatures_checked = options->keys != NULL;
    struct verify v = { .s = s, .o = options, .r = r };
    merkle_frontier_init(&v.tree);
    store_lock(s);
    int own_tx = !s->in_tx;
    if (own_tx) /* one snapshot of the whole log, without blocking writers */
        sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    int rc = auditlog_origin(s, v.origin) || load_heads(&v) ? -1 : 0;
    for (size_t i = 0; rc == 0 && r->ok && i < v.n_heads && v.heads[i].size == 0; i++, v.next_head++)
        fail(&v, 0, 0, "a signed head claims size 0");
    if (rc == 0 && r->ok)
        rc = walk_entries(&v);
    if (rc == 0 && r->ok)
        check_tree_state(&v);
    if (rc == 0)
        check_heads_beyond(&v);
    r->size = v.tree.size;
    merkle_frontier_root(&v.tree, r->root);
    if (rc == 0 && r->ok && options->saved)
        check_saved(&v);
    if (own_tx)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    store_unlock(s);
    for (size_t i = 0; i < v.n_heads; i++)
        free(v.heads[i].problem);
    free(v.heads);
    free(v.leaves.hashes);
    return rc;
}

/* ---- proofs ---------------------------------------------------------------- */

/* The head a proof is made against: the signed head of tree_size, the
 * latest signed head (tree_size 0), or the current unsigned head when the
 * log has no signed head of that size. */
static int proof_head(struct store *s, uint64_t tree_size, struct audit_head *head,
                      struct strbuf *why)
{
    int rc = tree_size ? auditlog_head_at(s, tree_size, head) : auditlog_latest_head(s, head);
    if (rc <= 0)
        return rc;
    if (auditlog_current_head(s, head))
        return -1;
    if (tree_size && head->size != tree_size) {
        sb_addf(why, "no signed head of size %llu (the log has %llu entries)",
                (unsigned long long)tree_size, (unsigned long long)head->size);
        audit_head_free(head);
        return 1;
    }
    return 0;
}

/* Leaf hashes of seq 1..size as stored, refusing a log with gaps. */
static int read_leaves(struct store *s, uint64_t size, struct leaves *out, struct strbuf *why)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, leaf_hash FROM audit_log WHERE seq <= ?1 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "audit log");
    sqlite3_bind_int64(st, 1, (int64_t)size);
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if ((uint64_t)sqlite3_column_int64(st, 0) != out->count + 1 ||
            sqlite3_column_bytes(st, 1) != MERKLE_HASH_BYTES)
            rc = -1;
        else
            leaves_push(out, sqlite3_column_blob(st, 1));
    }
    sqlite3_finalize(st);
    if (rc || out->count != size) {
        sb_addf(why, "the log is damaged near seq %llu; run 'crmgov log verify'",
                (unsigned long long)out->count + 1);
        return -1;
    }
    return 0;
}

static cJSON *path_json(const merkle_proof *proof)
{
    cJSON *path = cJSON_CreateArray();
    for (size_t i = 0; i < proof->count; i++) {
        char hex[2 * MERKLE_HASH_BYTES + 1];
        hash_hex(proof->nodes[i], hex);
        cJSON_AddItemToArray(path, cJSON_CreateString(hex));
    }
    return path;
}

static cJSON *proof_base(const char *type, const struct audit_head *head)
{
    char hex[2 * MERKLE_HASH_BYTES + 1];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "tree_size", (double)head->size);
    hash_hex(head->root, hex);
    cJSON_AddStringToObject(o, "root", hex);
    return o;
}

/* The canonical text of entry seq, and its leaf hash. */
static int read_entry(struct store *s, uint64_t seq, struct strbuf *canonical,
                      uint8_t leaf[MERKLE_HASH_BYTES])
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT at, actor, action, subject, details FROM audit_log "
                           "WHERE seq = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, "audit log");
    sqlite3_bind_int64(st, 1, (int64_t)seq);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        struct crmgov_audit_entry e = {
            .struct_size = sizeof(e), .seq = seq, .at = sqlite3_column_int64(st, 0),
            .actor = column_text(st, 1), .action = column_text(st, 2),
            .subject = column_text(st, 3), .details_json = column_text(st, 4),
        };
        rc = auditlog_entry_canonical(&e, canonical);
    }
    sqlite3_finalize(st);
    if (rc == 0)
        merkle_leaf_hash(canonical->buf, canonical->len, leaf);
    return rc;
}

/* Shared by both proofs: the head and the leaves under it, checked to
 * produce the head's root (a proof of a damaged log would only mislead). */
static int proof_setup(struct store *s, uint64_t tree_size, struct audit_head *head,
                       struct leaves *leaves, struct strbuf *why)
{
    memset(leaves, 0, sizeof(*leaves));
    int rc = proof_head(s, tree_size, head, why);
    if (rc)
        return rc;
    uint8_t root[MERKLE_HASH_BYTES];
    rc = -1;
    if (head->size == 0) {
        sb_adds(why, "the log is empty");
        rc = 1;
    } else if (read_leaves(s, head->size, leaves, why) == 0) {
        merkle_root_of_array(leaves->hashes, leaves->count, head->size, root);
        if (memcmp(root, head->root, MERKLE_HASH_BYTES) == 0)
            return 0;
        sb_addf(why, "the log does not match its head at size %llu; run 'crmgov log verify'",
                (unsigned long long)head->size);
    }
    audit_head_free(head);
    free(leaves->hashes);
    return rc;
}

int auditlog_prove_inclusion(struct store *s, uint64_t seq, uint64_t tree_size, cJSON **out,
                             struct strbuf *why)
{
    *out = NULL;
    struct audit_head head;
    struct leaves leaves;
    store_lock(s);
    int rc = proof_setup(s, tree_size, &head, &leaves, why);
    if (rc) {
        store_unlock(s);
        return rc;
    }
    struct strbuf canonical = STRBUF_INIT;
    uint8_t leaf[MERKLE_HASH_BYTES];
    merkle_proof proof;
    if (seq < 1 || seq > head.size) {
        sb_addf(why, "seq %llu is not in the tree of size %llu", (unsigned long long)seq,
                (unsigned long long)head.size);
        rc = 1;
    } else if (read_entry(s, seq, &canonical, leaf) ||
               memcmp(leaf, leaves.hashes + (seq - 1) * MERKLE_HASH_BYTES, MERKLE_HASH_BYTES)) {
        sb_addf(why, "entry seq %llu does not match its leaf hash; run 'crmgov log verify'",
                (unsigned long long)seq);
        rc = -1;
    } else {
        merkle_inclusion_proof_of_array(leaves.hashes, leaves.count, seq - 1, head.size, &proof);
        char hex[2 * MERKLE_HASH_BYTES + 1];
        cJSON *o = proof_base("inclusion", &head);
        cJSON_AddNumberToObject(o, "seq", (double)seq);
        cJSON_AddNumberToObject(o, "leaf_index", (double)(seq - 1));
        cJSON_AddStringToObject(o, "entry", sb_str(&canonical));
        hash_hex(leaf, hex);
        cJSON_AddStringToObject(o, "leaf_hash", hex);
        cJSON_AddItemToObject(o, "path", path_json(&proof));
        cJSON_AddItemToObject(o, "head", audit_head_to_json(&head));
        *out = o;
    }
    store_unlock(s);
    sb_free(&canonical);
    audit_head_free(&head);
    free(leaves.hashes);
    return rc;
}

int auditlog_prove_consistency(struct store *s, uint64_t old_size, uint64_t tree_size,
                               cJSON **out, struct strbuf *why)
{
    *out = NULL;
    struct audit_head head;
    struct leaves leaves;
    store_lock(s);
    int rc = proof_setup(s, tree_size, &head, &leaves, why);
    store_unlock(s);
    if (rc)
        return rc;
    if (old_size < 1 || old_size > head.size) {
        sb_addf(why, "size %llu is not between 1 and the head's size %llu",
                (unsigned long long)old_size, (unsigned long long)head.size);
        rc = 1;
    } else {
        merkle_proof proof;
        uint8_t old_root[MERKLE_HASH_BYTES];
        char hex[2 * MERKLE_HASH_BYTES + 1];
        merkle_consistency_proof_of_array(leaves.hashes, leaves.count, old_size, head.size,
                                          &proof);
        merkle_root_of_array(leaves.hashes, leaves.count, old_size, old_root);
        cJSON *o = proof_base("consistency", &head);
        cJSON_AddNumberToObject(o, "old_size", (double)old_size);
        hash_hex(old_root, hex);
        cJSON_AddStringToObject(o, "old_root", hex);
        cJSON_AddItemToObject(o, "path", path_json(&proof));
        cJSON_AddItemToObject(o, "head", audit_head_to_json(&head));
        *out = o;
    }
    audit_head_free(&head);
    free(leaves.hashes);
    return rc;
}

/* ---- checking a proof ------------------------------------------------------ */

/* A JSON number that is a whole number in [0, 2^53]. */
static int get_count(const cJSON *o, const char *name, uint64_t *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(m) || m->valuedouble < 0 || m->valuedouble > 9007199254740992.0 ||
        m->valuedouble != (double)(uint64_t)m->valuedouble)
        return -1;
    *out = (uint64_t)m->valuedouble;
    return 0;
}

static int get_hash(const cJSON *o, const char *name, uint8_t out[MERKLE_HASH_BYTES])
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(m) ? hash_from_hex(m->valuestring, out) : -1;
}

static int get_path(const cJSON *o, merkle_proof *out)
{
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
    if (!cJSON_IsArray(path))
        return -1;
    out->count = 0;
    for (const cJSON *n = path->child; n; n = n->next) {
        if (out->count == MERKLE_MAX_PROOF_NODES || !cJSON_IsString(n) ||
            hash_from_hex(n->valuestring, out->nodes[out->count]))
            return -1;
        out->count++;
    }
    return 0;
}

/* The entry text must be a canonical entry whose seq is the proof's. */
static int check_inclusion(const cJSON *o, const struct audit_head *head, struct strbuf *why)
{
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(o, "entry");
    uint64_t seq, index;
    merkle_proof path;
    uint8_t leaf[MERKLE_HASH_BYTES], claimed[MERKLE_HASH_BYTES];
    if (!cJSON_IsString(entry) || get_count(o, "seq", &seq) || get_count(o, "leaf_index", &index) ||
        get_path(o, &path))
        return sb_adds(why, "proof: needs entry, seq, leaf_index and path"), -1;
    size_t len = strlen(entry->valuestring);
    merkle_leaf_hash(entry->valuestring, len, leaf);
    if (cJSON_GetObjectItemCaseSensitive(o, "leaf_hash") &&
        (get_hash(o, "leaf_hash", claimed) || memcmp(claimed, leaf, MERKLE_HASH_BYTES)))
        return sb_adds(why, "proof: leaf_hash is not the hash of the entry"), -1;
    cJSON *parsed = cJSON_Parse(entry->valuestring);
    uint64_t entry_seq = 0;
    int seq_ok = cJSON_IsObject(parsed) && get_count(parsed, "seq", &entry_seq) == 0 &&
                 entry_seq == seq && seq >= 1 && index == seq - 1;
    cJSON_Delete(parsed);
    if (!seq_ok)
        return sb_adds(why, "proof: the entry's seq, seq and leaf_index disagree"), -1;
    merkle_status status = merkle_verify_inclusion(index, head->size, leaf, path.nodes[0],
                                                   path.count, head->root);
    if (status != MERKLE_OK)
        return sb_addf(why, "inclusion proof: %s", merkle_status_message(status)), -1;
    return 0;
}

static int check_consistency(const cJSON *o, const struct audit_head *head,
                             const struct audit_head *saved, struct strbuf *why)
{
    uint64_t old_size;
    uint8_t old_root[MERKLE_HASH_BYTES];
    merkle_proof path;
    if (get_count(o, "old_size", &old_size) || get_hash(o, "old_root", old_root) ||
        get_path(o, &path))
        return sb_adds(why, "proof: needs old_size, old_root and path"), -1;
    if (saved && (saved->size != old_size || memcmp(saved->root, old_root, MERKLE_HASH_BYTES)))
        return sb_addf(why, "proof: it starts from size %llu, not from your saved head",
                       (unsigned long long)old_size),
               -1;
    if (old_size == 0)
        return 0; /* the empty tree is a prefix of every tree */
    merkle_status status = merkle_verify_consistency(old_size, head->size, old_root,
                                                     head->root, path.nodes[0], path.count);
    if (status != MERKLE_OK)
        return sb_addf(why, "consistency proof: %s", merkle_status_message(status)), -1;
    return 0;
}

int auditlog_check_proof(const char *json_text, size_t len, const minisign_trusted_keys *keys,
                         const struct audit_head *saved, struct strbuf *why)
{
    size_t at;
    int trailing;
    cJSON *o = json_parse_exact(json_text, len, &at, &trailing);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
    struct audit_head head;
    memset(&head, 0, sizeof(head));
    uint64_t size;
    uint8_t root[MERKLE_HASH_BYTES];
    int rc = -1;
    if (!cJSON_IsObject(o) || !cJSON_IsString(type))
        sb_adds(why, "proof: not a JSON object with a 'type'");
    else if (audit_head_from_json(cJSON_GetObjectItemCaseSensitive(o, "head"), &head, why))
        ;
    else if (keys && audit_head_check_signature(&head, keys, why))
        ;
    else if (get_count(o, "tree_size", &size) || get_hash(o, "root", root) ||
             size != head.size || memcmp(root, head.root, MERKLE_HASH_BYTES))
        sb_adds(why, "proof: tree_size and root must be the head's");
    else if (strcmp(type->valuestring, "inclusion") == 0)
        rc = check_inclusion(o, &head, why);
    else if (strcmp(type->valuestring, "consistency") == 0)
        rc = check_consistency(o, &head, saved, why);
    else
        sb_addf(why, "proof: unknown type '%s'", type->valuestring);
    audit_head_free(&head);
    cJSON_Delete(o);
    return rc;
}
