/*
 * store_findings.c -- findings and dead letters; see store.h.
 *
 * A finding is one row per key (rule, system, automation, subject) for ever:
 * raising it again refreshes last_seen, resolving it changes its state, and
 * nothing is deleted, so "what did we know and when" can always be answered.
 * The functions report the transition an admin would want to hear about
 * (raised, escalated, cleared) so the dispatcher can tell sinks -- and only
 * then, which keeps notifications from repeating on every re-evaluation.
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "store.h"
#include "timeutil.h"

static const char *key_part(const char *v)
{
    return v ? v : "";
}

static const char sql_finding_get[] =
    "SELECT fid, severity, state, first_seen FROM findings WHERE rule = ?1 AND system = ?2 "
    "AND automation = ?3 AND subject = ?4";
static const char sql_finding_insert[] =
    "INSERT INTO findings (rule, name, layer, severity, system, automation, subject, message, "
    "evidence, first_seen, last_seen, state, state_since) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, 0, ?10)";
static const char sql_finding_refresh[] =
    "UPDATE findings SET name = ?2, layer = ?3, severity = ?4, message = ?5, evidence = ?6, "
    "last_seen = max(last_seen, ?7), state = ?8, state_since = ?9 WHERE fid = ?1";
static const char sql_finding_resolve[] =
    "UPDATE findings SET state = 1, state_since = ?2, last_seen = max(last_seen, ?2) "
    "WHERE fid = ?1";

struct existing {
    int64_t fid;
    int severity;
    int state;
    crmgov_time first_seen;
};

static int find_existing(struct store *s, const char *rule, const char *system,
                         const char *automation, const char *subject, struct existing *out)
{
    sqlite3_stmt *st = store_stmt(s, sql_finding_get);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_part(system), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key_part(automation), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, key_part(subject), -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->fid = sqlite3_column_int64(st, 0);
        out->severity = sqlite3_column_int(st, 1);
        out->state = sqlite3_column_int(st, 2);
        out->first_seen = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return store_fail(s, "finding lookup");
    return step == SQLITE_ROW ? CRMGOV_OK : 1;
}

static int insert_finding(struct store *s, const struct crmgov_finding *f, const char *layer,
                          crmgov_time at)
{
    sqlite3_stmt *st = store_stmt(s, sql_finding_insert);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_text(st, 1, f->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, layer, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)f->severity);
    sqlite3_bind_text(st, 5, key_part(f->system), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, key_part(f->automation), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, key_part(f->subject), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, f->message, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, f->evidence_json ? f->evidence_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, at);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "finding insert");
    sqlite3_reset(st);
    return rc;
}

static int refresh_finding(struct store *s, const struct existing *e,
                           const struct crmgov_finding *f, const char *layer, crmgov_time at,
                           int state, crmgov_time state_since)
{
    sqlite3_stmt *st = store_stmt(s, sql_finding_refresh);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, e->fid);
    sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, layer, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)f->severity);
    sqlite3_bind_text(st, 5, f->message, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, f->evidence_json ? f->evidence_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, at);
    sqlite3_bind_int(st, 8, state);
    sqlite3_bind_int64(st, 9, state_since);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "finding refresh");
    sqlite3_reset(st);
    return rc;
}

static int finding_raise(struct store *s, const struct crmgov_finding *f, const char *layer,
                         crmgov_time at, struct crmgov_finding *now, int *transition)
{
    struct existing e = { 0 };
    *transition = -1;
    *now = *f;
    now->struct_size = sizeof(*now);
    now->layer = layer;
    now->state = CRMGOV_FINDING_OPEN;
    now->first_seen = now->last_seen = at;
    int found = find_existing(s, f->rule, f->system, f->automation, f->subject, &e);
    if (found < 0)
        return found;
    if (found == 1) {
        *transition = CRMGOV_FINDING_RAISED;
        return insert_finding(s, f, layer, at);
    }
    now->first_seen = e.first_seen;
    int state = e.state;
    crmgov_time since = at;
    if (e.state == CRMGOV_FINDING_RESOLVED) {
        state = CRMGOV_FINDING_OPEN;
        *transition = CRMGOV_FINDING_RAISED;
    } else if ((int)f->severity > e.severity) {
        *transition = CRMGOV_FINDING_ESCALATED;
        state = CRMGOV_FINDING_OPEN; /* an acknowledged finding that got worse reopens */
    }
    if (*transition < 0) {
        /* unchanged state: keep its state_since */
        sqlite3_stmt *st = store_stmt(s, "SELECT state_since FROM findings WHERE fid = ?1");
        if (st) {
            sqlite3_bind_int64(st, 1, e.fid);
            if (sqlite3_step(st) == SQLITE_ROW)
                since = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
    }
    now->state = (enum crmgov_finding_state)state;
    return refresh_finding(s, &e, f, layer, at, state, since);
}

static int finding_resolve(struct store *s, const char *rule, const char *system,
                           const char *automation, const char *subject, crmgov_time at,
                           struct crmgov_finding *now, int *transition)
{
    struct existing e = { 0 };
    *transition = -1;
    int found = find_existing(s, rule, system, automation, subject, &e);
    if (found != CRMGOV_OK || e.state == CRMGOV_FINDING_RESOLVED)
        return found < 0 ? found : CRMGOV_OK;
    sqlite3_stmt *st = store_stmt(s, sql_finding_resolve);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, e.fid);
    sqlite3_bind_int64(st, 2, at);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "finding resolve");
    sqlite3_reset(st);
    if (rc == CRMGOV_OK) {
        *transition = CRMGOV_FINDING_CLEARED;
        memset(now, 0, sizeof(*now));
        now->struct_size = sizeof(*now);
        now->rule = rule;
        now->system = system;
        now->automation = automation;
        now->subject = subject;
        now->severity = (enum crmgov_severity)e.severity;
        now->first_seen = e.first_seen;
        now->last_seen = at;
        now->state = CRMGOV_FINDING_RESOLVED;
    }
    return rc;
}

int store_finding_raise(struct store *s, const struct crmgov_finding *f, const char *layer,
                        crmgov_time at, struct crmgov_finding *now, int *transition)
{
    store_lock(s);
    int rc = finding_raise(s, f, layer, at, now, transition);
    store_unlock(s);
    return rc;
}

int store_finding_resolve(struct store *s, const char *rule, const char *system,
                          const char *automation, const char *subject, crmgov_time at,
                          struct crmgov_finding *now, int *transition)
{
    store_lock(s);
    int rc = finding_resolve(s, rule, system, automation, subject, at, now, transition);
    store_unlock(s);
    return rc;
}

static const char sql_findings_scan[] =
    "SELECT fid, rule, name, layer, severity, system, automation, subject, message, evidence, "
    "first_seen, last_seen, state FROM findings "
    "WHERE (?1 IS NULL OR layer = ?1) AND (?2 IS NULL OR rule = ?2) "
    "AND (?3 IS NULL OR system = ?3) AND (?4 IS NULL OR automation = ?4) "
    "AND (?5 < 0 OR state = ?5) AND severity >= ?6 "
    "ORDER BY rule, system, automation, subject";

static const char *none_if_empty(const unsigned char *v)
{
    return v && *v ? (const char *)v : NULL;
}

int store_findings_scan(struct store *s, const struct crmgov_finding_filter *filter,
                        crmgov_finding_fn fn, void *ctx)
{
    store_lock(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql_findings_scan, -1, &st, NULL) != SQLITE_OK) {
        int rc = store_fail(s, "findings scan");
        store_unlock(s);
        return rc;
    }
    const char *texts[4] = { filter ? filter->layer : NULL, filter ? filter->rule : NULL,
                             filter ? filter->system : NULL,
                             filter ? filter->automation : NULL };
    for (int i = 0; i < 4; i++) {
        if (texts[i])
            sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, i + 1);
    }
    sqlite3_bind_int(st, 5, filter ? filter->state : -1);
    sqlite3_bind_int(st, 6, filter && filter->min_severity > 0 ? filter->min_severity : 0);
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct crmgov_finding f = {
            .struct_size = sizeof(f),
            .rule = (const char *)sqlite3_column_text(st, 1),
            .name = (const char *)sqlite3_column_text(st, 2),
            .layer = (const char *)sqlite3_column_text(st, 3),
            .severity = (enum crmgov_severity)sqlite3_column_int(st, 4),
            .system = (const char *)sqlite3_column_text(st, 5),
            .automation = none_if_empty(sqlite3_column_text(st, 6)),
            .subject = none_if_empty(sqlite3_column_text(st, 7)),
            .message = (const char *)sqlite3_column_text(st, 8),
            .evidence_json = (const char *)sqlite3_column_text(st, 9),
            .first_seen = sqlite3_column_int64(st, 10),
            .last_seen = sqlite3_column_int64(st, 11),
            .state = (enum crmgov_finding_state)sqlite3_column_int(st, 12),
        };
        rc = fn(ctx, &f);
    }
    sqlite3_finalize(st);
    store_unlock(s);
    return rc;
}

int store_finding_set_state(struct store *s, int64_t id, enum crmgov_finding_state state,
                            crmgov_time at)
{
    store_lock(s);
    sqlite3_stmt *st =
        store_stmt(s, "UPDATE findings SET state = ?2, state_since = ?3 WHERE fid = ?1");
    int rc = CRMGOV_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, (int)state);
        sqlite3_bind_int64(st, 3, at);
        rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "finding state");
        if (rc == CRMGOV_OK && sqlite3_changes(s->db) == 0)
            rc = 1;
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* dead letters                                                              */

static const char sql_deadletter_add[] =
    "INSERT INTO deadletters (source, line, reason, raw, received_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";

int store_deadletter_add(struct store *s, const char *source, uint64_t line,
                         const char *reason, const char *raw, size_t raw_len)
{
    store_lock(s);
    sqlite3_stmt *st = store_stmt(s, sql_deadletter_add);
    int rc = CRMGOV_ERROR;
    if (st) {
        size_t n = raw_len > DEADLETTER_RAW_MAX ? DEADLETTER_RAW_MAX : raw_len;
        /* never cut a UTF-8 sequence in the middle */
        while (n < raw_len && n > 0 && ((unsigned char)raw[n] & 0xc0) == 0x80)
            n--;
        sqlite3_bind_text(st, 1, source ? source : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t)line);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, raw ? raw : "", (int)n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, wall_clock_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "dead letter");
        sqlite3_reset(st);
    }
    store_unlock(s);
    return rc;
}

int store_deadletters_scan(struct store *s, int (*fn)(void *ctx, const struct deadletter *d),
                           void *ctx)
{
    store_lock(s);
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, source, line, reason, raw, received_at FROM deadletters "
                           "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = store_fail(s, "dead letters");
        store_unlock(s);
        return rc;
    }
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct deadletter d = {
            .id = sqlite3_column_int64(st, 0),
            .source = (const char *)sqlite3_column_text(st, 1),
            .line = (uint64_t)sqlite3_column_int64(st, 2),
            .reason = (const char *)sqlite3_column_text(st, 3),
            .raw = (const char *)sqlite3_column_text(st, 4),
            .received_at = sqlite3_column_int64(st, 5),
        };
        rc = fn(ctx, &d);
    }
    sqlite3_finalize(st);
    store_unlock(s);
    return rc;
}
