/*
 * auditlog.c -- the record of every governance action.
 *
 * An entry is appended in the same transaction as the change it records (an
 * ownership assignment, an approval, a plugin load), so the log can never
 * claim something that did not happen or miss something that did. Each entry
 * is stored with its RFC 6962 leaf hash, SHA-256(0x00 || canonical entry),
 * where the canonical entry is the sorted-key JSON object
 * {"action","actor","at","details","seq","subject"}; the Merkle tree over
 * these leaves is what `crmgov log verify` recomputes.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "canon.h"
#include "log.h"
#include "store.h"
#include "timeutil.h"

/* The canonical bytes of an entry (what its leaf hash covers). */
static int entry_canonical(const struct crmgov_audit_entry *e, struct strbuf *out)
{
    cJSON *details = cJSON_Parse(e->details_json ? e->details_json : "{}");
    if (!cJSON_IsObject(details)) {
        cJSON_Delete(details);
        return -1;
    }
    char at[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "action", e->action);
    cJSON_AddStringToObject(o, "actor", e->actor);
    cJSON_AddStringToObject(o, "at", time_format_rfc3339(e->at, at));
    cJSON_AddItemToObject(o, "details", details);
    cJSON_AddNumberToObject(o, "seq", (double)e->seq);
    cJSON_AddStringToObject(o, "subject", e->subject);
    int rc = canon_write(out, o);
    cJSON_Delete(o);
    return rc;
}

static void leaf_hash(const struct strbuf *canonical, unsigned char out[32])
{
    crypto_hash_sha256_state st;
    const unsigned char prefix = 0x00;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)canonical->buf, canonical->len);
    crypto_hash_sha256_final(&st, out);
}

static int64_t next_seq(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(max(seq), 0) + 1 FROM audit_log");
    int64_t seq = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        seq = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return seq;
}

static const char sql_append[] =
    "INSERT INTO audit_log (seq, at, actor, action, subject, details, leaf_hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int auditlog_append(struct store *s, const char *actor, const char *action,
                    const char *subject, const char *details_json, crmgov_time at)
{
    pthread_mutex_lock(&s->lock);
    int64_t seq = next_seq(s);
    struct crmgov_audit_entry e = {
        .struct_size = sizeof(e), .seq = (uint64_t)seq, .at = at,
        .actor = actor ? actor : "unknown", .action = action, .subject = subject ? subject : "",
        .details_json = details_json,
    };
    struct strbuf canonical = STRBUF_INIT, details = STRBUF_INIT;
    int rc = CRMGOV_ERROR;
    if (seq < 1 || entry_canonical(&e, &canonical)) {
        log_error("audit log: cannot append '%s': details are not a JSON object", action);
        goto done;
    }
    cJSON *d = cJSON_Parse(details_json ? details_json : "{}");
    canon_write(&details, d);
    cJSON_Delete(d);
    unsigned char hash[32];
    leaf_hash(&canonical, hash);
    sqlite3_stmt *st = store_stmt(s, sql_append);
    if (!st)
        goto done;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_text(st, 3, e.actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e.subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, sb_str(&details), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, hash, sizeof(hash), SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "audit log");
    sqlite3_reset(st);
done:
    sb_free(&canonical);
    sb_free(&details);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int auditlog_scan(struct store *s, uint64_t since_seq,
                  int (*fn)(void *ctx, const struct crmgov_audit_entry *e), void *ctx)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, at, actor, action, subject, details FROM audit_log "
                           "WHERE seq >= ?1 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = store_fail(s, "audit log scan");
        pthread_mutex_unlock(&s->lock);
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
    pthread_mutex_unlock(&s->lock);
    return rc;
}
