/*
 * store_ingest.c -- applying events to the store; see store.h.
 *
 * Automations: the inventory row always holds the latest observation, and a
 * version is appended only when the definition hash or the status changes, so
 * the history is exactly the list of distinct states an automation went
 * through (a full sync that repeats every definition adds nothing).
 *
 * Executions are the volume: each one is one narrow row (integer automation
 * key) plus an update of an in-memory per-day aggregate that is written once
 * per batch. Aggregates stay cached across batches and are evicted once their
 * day is two days behind the event-time watermark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "canon.h"
#include "names.h"
#include "store.h"
#include "timeutil.h"

_Static_assert(CRMGOV_DURATION_BUCKETS % 64 == 0, "hist_used covers whole words");

struct daily_agg {
    int64_t aid;
    crmgov_time day;
    int dirty;
    uint64_t executions, ok, failed, skipped, notifications, timed;
    int64_t duration_sum, duration_max;
    /* which buckets are counted, so a flush visits those, not all 256 (it
     * was 4% of the dispatcher's time with 10,000 automations) */
    uint64_t hist_used[CRMGOV_DURATION_BUCKETS / 64];
    uint32_t hist[CRMGOV_DURATION_BUCKETS];
};

struct object_agg {
    char *system;
    char *object;
    crmgov_time day;
    int dirty;
    uint64_t creates, updates, deletes;
};

/* ------------------------------------------------------------------------ */
/* automation keys                                                           */

static const char sql_key_get[] = "SELECT aid FROM automation_keys WHERE system = ?1 AND id = ?2";
static const char sql_key_add[] = "INSERT INTO automation_keys (system, id) VALUES (?1, ?2)";

int64_t store_automation_key(struct store *s, const char *system, const char *id)
{
    size_t ls = strlen(system), li = strlen(id);
    char stack[256];
    char *key = ls + li + 1 <= sizeof(stack) ? stack : xmalloc(ls + li + 1);
    memcpy(key, system, ls + 1);
    memcpy(key + ls + 1, id, li);
    void *hit = hashmap_get(&s->automation_ids, key, ls + li + 1);
    int64_t aid = hit ? (int64_t)(intptr_t)hit : 0;
    if (!aid) {
        sqlite3_stmt *st = store_stmt(s, sql_key_get);
        if (st) {
            sqlite3_bind_text(st, 1, system, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                aid = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        if (!aid && (st = store_stmt(s, sql_key_add))) {
            sqlite3_bind_text(st, 1, system, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_DONE)
                aid = sqlite3_last_insert_rowid(s->db);
            else
                store_fail(s, "automation key");
            sqlite3_reset(st);
        }
        if (aid)
            hashmap_put(&s->automation_ids, key, ls + li + 1, (void *)(intptr_t)aid);
    }
    if (key != stack)
        free(key);
    return aid;
}

/* ------------------------------------------------------------------------ */
/* automations and versions                                                  */

static const char sql_automation_get[] =
    "SELECT definition_hash, status, versions FROM automations WHERE aid = ?1";
static const char sql_automation_insert[] =
    "INSERT INTO automations (aid, system, id, name, kind, object, trigger_on, status, "
    "definition_hash, definition, attributes, modified_by, first_seen, last_seen, "
    "status_since, versions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "?13, ?13, 1)";
static const char sql_automation_update[] =
    "UPDATE automations SET name = ?2, kind = ?3, object = ?4, trigger_on = ?5, status = ?6, "
    "definition_hash = ?7, definition = ?8, attributes = ?9, "
    "modified_by = coalesce(?10, modified_by), last_seen = max(last_seen, ?11), "
    "status_since = CASE WHEN status = ?6 THEN status_since ELSE ?11 END, versions = ?12 "
    "WHERE aid = ?1";
static const char sql_version_insert[] =
    "INSERT INTO versions (aid, seq, definition_hash, status, name, definition, at, "
    "modified_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int insert_version(struct store *s, int64_t aid, uint32_t seq,
                          const struct crmgov_automation *a, crmgov_time at)
{
    sqlite3_stmt *st = store_stmt(s, sql_version_insert);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, aid);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, a->definition_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name_of(&names_status, (int)a->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->definition_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, at);
    bind_text_or_null(st, 8, a->modified_by);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "version insert");
    sqlite3_reset(st);
    return rc;
}

static int insert_automation(struct store *s, int64_t aid, const struct crmgov_event *ev)
{
    const struct crmgov_automation *a = ev->u.automation;
    sqlite3_stmt *st = store_stmt(s, sql_automation_insert);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, aid);
    sqlite3_bind_text(st, 2, ev->system, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, name_of(&names_kind, (int)a->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->object, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, name_of(&names_trigger_on, (int)a->trigger.on), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, name_of(&names_status, (int)a->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, a->definition_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, a->definition_json, -1, SQLITE_STATIC);
    bind_text_or_null(st, 11, a->attributes_json);
    bind_text_or_null(st, 12, a->modified_by);
    sqlite3_bind_int64(st, 13, ev->at);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "automation insert");
    sqlite3_reset(st);
    return rc;
}

static int update_automation(struct store *s, int64_t aid, const struct crmgov_event *ev,
                             uint32_t versions)
{
    const struct crmgov_automation *a = ev->u.automation;
    sqlite3_stmt *st = store_stmt(s, sql_automation_update);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, aid);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name_of(&names_kind, (int)a->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->object, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, name_of(&names_trigger_on, (int)a->trigger.on), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, name_of(&names_status, (int)a->status), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->definition_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, a->definition_json, -1, SQLITE_STATIC);
    bind_text_or_null(st, 9, a->attributes_json);
    bind_text_or_null(st, 10, a->modified_by);
    sqlite3_bind_int64(st, 11, ev->at);
    sqlite3_bind_int64(st, 12, versions);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "automation update");
    sqlite3_reset(st);
    return rc;
}

static int apply_automation(struct store *s, const struct crmgov_event *ev,
                            struct apply_result *out)
{
    const struct crmgov_automation *a = ev->u.automation;
    int64_t aid = store_automation_key(s, ev->system, a->id);
    if (!aid)
        return CRMGOV_ERROR;
    out->automation_key = aid;
    sqlite3_stmt *st = store_stmt(s, sql_automation_get);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, aid);
    int found = sqlite3_step(st) == SQLITE_ROW;
    int changed = 0;
    uint32_t versions = 1;
    if (found) {
        const char *hash = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        versions = (uint32_t)sqlite3_column_int(st, 2);
        changed = strcmp(hash, a->definition_hash) != 0 ||
                  strcmp(status, name_of(&names_status, (int)a->status)) != 0;
    }
    sqlite3_reset(st);
    if (!found) {
        out->new_automation = out->new_version = 1;
        out->version_seq = 1;
        if (insert_automation(s, aid, ev))
            return CRMGOV_ERROR;
        return insert_version(s, aid, 1, a, ev->at);
    }
    if (changed) {
        versions++;
        out->new_version = 1;
        out->version_seq = versions;
        if (insert_version(s, aid, versions, a, ev->at))
            return CRMGOV_ERROR;
    }
    return update_automation(s, aid, ev, versions);
}

/* ------------------------------------------------------------------------ */
/* principals, ownership, changes                                            */

static const char sql_principal_upsert[] =
    "INSERT INTO principals (system, id, name, email, active, roles, first_seen, last_seen, "
    "active_since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7) "
    "ON CONFLICT (system, id) DO UPDATE SET name = coalesce(excluded.name, name), "
    "email = coalesce(excluded.email, email), roles = excluded.roles, "
    "active_since = CASE WHEN active = excluded.active THEN active_since "
    "ELSE excluded.last_seen END, active = excluded.active, "
    "last_seen = max(last_seen, excluded.last_seen)";

static char *string_array_json(const char *const *items, size_t n)
{
    struct strbuf sb = STRBUF_INIT;
    canon_string_array(&sb, items, n);
    return sb_detach(&sb);
}

static int apply_principal(struct store *s, const struct crmgov_event *ev)
{
    const struct crmgov_principal *u = ev->u.principal;
    sqlite3_stmt *st = store_stmt(s, sql_principal_upsert);
    if (!st)
        return CRMGOV_ERROR;
    char *roles = string_array_json(u->roles, u->n_roles);
    sqlite3_bind_text(st, 1, ev->system, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->id, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, u->name);
    bind_text_or_null(st, 4, u->email);
    sqlite3_bind_int(st, 5, u->active ? 1 : 0);
    sqlite3_bind_text(st, 6, roles, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, ev->at);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "principal");
    sqlite3_reset(st);
    free(roles);
    return rc;
}

static const char sql_owner_add[] =
    "INSERT OR IGNORE INTO owners (system, automation, role, principal, since, assigned_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_owner_remove_one[] =
    "DELETE FROM owners WHERE system = ?1 AND automation = ?2 AND role = ?3 AND principal = ?4";
static const char sql_owner_remove_role[] =
    "DELETE FROM owners WHERE system = ?1 AND automation = ?2 AND role = ?3";

static int apply_ownership(struct store *s, const struct crmgov_event *ev,
                           struct apply_result *out)
{
    const struct crmgov_ownership *w = ev->u.ownership;
    const char *sql = w->principal ? sql_owner_add
                      : w->remove_only ? sql_owner_remove_one
                                       : sql_owner_remove_role;
    sqlite3_stmt *st = store_stmt(s, sql);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_text(st, 1, ev->system, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, w->automation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name_of(&names_role, (int)w->role), -1, SQLITE_STATIC);
    if (w->principal) {
        const char *by = w->actor ? w->actor : ev->source ? ev->source : "event";
        sqlite3_bind_text(st, 4, w->principal, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, ev->at);
        sqlite3_bind_text(st, 6, by, -1, SQLITE_STATIC);
    } else if (w->remove_only) {
        sqlite3_bind_text(st, 4, w->remove_only, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "ownership");
    sqlite3_reset(st);
    out->ownership_changed = rc == CRMGOV_OK && sqlite3_changes(s->db) > 0;
    return rc;
}

static const char sql_change_upsert[] =
    "INSERT INTO changes (system, id, automation, state, author, approvers, definition_hash, "
    "status, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (system, id) DO UPDATE SET automation = excluded.automation, "
    "state = excluded.state, author = excluded.author, approvers = excluded.approvers, "
    "definition_hash = excluded.definition_hash, status = excluded.status, at = excluded.at";

static int apply_change(struct store *s, const struct crmgov_event *ev)
{
    const struct crmgov_change *c = ev->u.change;
    sqlite3_stmt *st = store_stmt(s, sql_change_upsert);
    if (!st)
        return CRMGOV_ERROR;
    char *approvers = string_array_json(c->approvers, c->n_approvers);
    sqlite3_bind_text(st, 1, ev->system, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->automation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name_of(&names_change_state, (int)c->state), -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, c->author);
    sqlite3_bind_text(st, 6, approvers, -1, SQLITE_STATIC);
    bind_text_or_null(st, 7, c->definition_hash);
    bind_text_or_null(st, 8, c->has_status ? name_of(&names_status, (int)c->status) : NULL);
    sqlite3_bind_int64(st, 9, ev->at);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "change");
    sqlite3_reset(st);
    free(approvers);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* executions and their daily aggregates                                     */

static const char sql_execution_insert[] =
    "INSERT INTO executions (aid, at, record, object, status, error, duration_ms, notified, "
    "seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_daily_get[] =
    "SELECT executions, ok, failed, skipped, notifications, timed, duration_sum, "
    "duration_max, hist FROM daily WHERE aid = ?1 AND day = ?2";
static const char sql_daily_put[] =
    "INSERT OR REPLACE INTO daily (aid, day, executions, ok, failed, skipped, notifications, "
    "timed, duration_sum, duration_max, hist) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11)";

static void hist_mark(uint64_t *used, unsigned bucket)
{
    used[bucket / 64] |= 1ull << (bucket % 64);
}

/* Sparse histogram: (bucket u8, count u32 little-endian) per non-empty
 * bucket, in bucket order. `used`, when given, gets a bit per bucket read. */
static void hist_decode(const unsigned char *blob, size_t n, uint32_t *hist, uint64_t *used)
{
    for (size_t i = 0; i + 5 <= n; i += 5) {
        uint32_t c = (uint32_t)blob[i + 1] | (uint32_t)blob[i + 2] << 8 |
                     (uint32_t)blob[i + 3] << 16 | (uint32_t)blob[i + 4] << 24;
        hist[blob[i]] += c;
        if (used)
            hist_mark(used, blob[i]);
    }
}

static size_t hist_encode(const struct daily_agg *agg, unsigned char *out)
{
    size_t n = 0;
    for (unsigned w = 0; w < CRMGOV_DURATION_BUCKETS / 64; w++) {
        for (uint64_t bits = agg->hist_used[w]; bits; bits &= bits - 1) {
            unsigned b = w * 64 + (unsigned)__builtin_ctzll(bits);
            uint32_t c = agg->hist[b];
            if (!c)
                continue;
            out[n++] = (unsigned char)b;
            for (int k = 0; k < 4; k++)
                out[n++] = (unsigned char)(c >> (8 * k));
        }
    }
    return n;
}

void store_decode_hist(const void *blob, size_t n, uint32_t *hist)
{
    memset(hist, 0, CRMGOV_DURATION_BUCKETS * sizeof(uint32_t));
    hist_decode(blob, n, hist, NULL);
}

static void load_daily(struct store *s, struct daily_agg *agg)
{
    sqlite3_stmt *st = store_stmt(s, sql_daily_get);
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, agg->aid);
    sqlite3_bind_int64(st, 2, agg->day);
    if (sqlite3_step(st) == SQLITE_ROW) {
        agg->executions = (uint64_t)sqlite3_column_int64(st, 0);
        agg->ok = (uint64_t)sqlite3_column_int64(st, 1);
        agg->failed = (uint64_t)sqlite3_column_int64(st, 2);
        agg->skipped = (uint64_t)sqlite3_column_int64(st, 3);
        agg->notifications = (uint64_t)sqlite3_column_int64(st, 4);
        agg->timed = (uint64_t)sqlite3_column_int64(st, 5);
        agg->duration_sum = sqlite3_column_int64(st, 6);
        agg->duration_max = sqlite3_column_int64(st, 7);
        hist_decode(sqlite3_column_blob(st, 8), (size_t)sqlite3_column_bytes(st, 8), agg->hist,
                    agg->hist_used);
    }
    sqlite3_reset(st);
}

static const char sql_daily_latest[] = "SELECT max(day) FROM daily";
static const char sql_object_daily_latest[] = "SELECT max(day) FROM object_daily";

/* The latest stored day of a table (see struct stored_latest); sql asks
 * SQLite for it. */
static crmgov_time latest_stored_day(struct store *s, struct stored_latest *l, const char *sql)
{
    if (l->known)
        return l->day;
    l->day = CRMGOV_TIME_NONE;
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            l->day = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    l->known = 1;
    return l->day;
}

/* After a row of `day` was written. */
static void note_stored_day(struct store *s, struct stored_latest *l, const char *sql,
                            crmgov_time day)
{
    crmgov_time latest = latest_stored_day(s, l, sql);
    if (latest == CRMGOV_TIME_NONE || day > latest)
        l->day = day;
}

static struct daily_agg *daily_for(struct store *s, int64_t aid, crmgov_time day)
{
    struct daily_agg *agg = daily_table_get(&s->daily, day, aid);
    if (!agg) {
        agg = xcalloc(1, sizeof(*agg));
        agg->aid = aid;
        agg->day = day;
        crmgov_time latest = latest_stored_day(s, &s->daily_latest, sql_daily_latest);
        if (latest != CRMGOV_TIME_NONE && day <= latest)
            load_daily(s, agg);
        daily_table_put(&s->daily, day, aid, agg);
    }
    return agg;
}

static int apply_execution(struct store *s, const struct crmgov_event *ev,
                           struct apply_result *out)
{
    const struct crmgov_execution *x = ev->u.execution;
    int64_t aid = store_automation_key(s, ev->system, x->automation);
    out->automation_key = aid;
    sqlite3_stmt *st = aid ? store_stmt(s, sql_execution_insert) : NULL;
    if (!st)
        return CRMGOV_ERROR;
    char *notified = x->n_notified ? string_array_json(x->notified, x->n_notified) : NULL;
    sqlite3_bind_int64(st, 1, aid);
    sqlite3_bind_int64(st, 2, ev->at);
    sqlite3_bind_text(st, 3, x->record, -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, x->object);
    sqlite3_bind_int(st, 5, (int)x->status);
    bind_text_or_null(st, 6, x->error);
    if (x->duration_ms >= 0)
        sqlite3_bind_int64(st, 7, x->duration_ms);
    bind_text_or_null(st, 8, notified);
    sqlite3_bind_int64(st, 9, s->execution_seq + 1);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "execution");
    sqlite3_reset(st);
    free(notified);
    if (rc)
        return rc;
    s->execution_seq++;
    struct daily_agg *agg = daily_for(s, aid, time_day_start(ev->at));
    agg->dirty = 1;
    agg->executions++;
    agg->ok += x->status == CRMGOV_EXEC_OK;
    agg->failed += x->status == CRMGOV_EXEC_FAILED;
    agg->skipped += x->status == CRMGOV_EXEC_SKIPPED;
    agg->notifications += x->n_notified;
    if (x->duration_ms >= 0) {
        agg->timed++;
        agg->duration_sum += x->duration_ms;
        if (x->duration_ms > agg->duration_max)
            agg->duration_max = x->duration_ms;
        unsigned b = crmgov_duration_bucket(x->duration_ms);
        agg->hist[b]++;
        hist_mark(agg->hist_used, b);
    }
    return CRMGOV_OK;
}

static const char sql_object_daily_get[] =
    "SELECT creates, updates, deletes FROM object_daily WHERE system = ?1 AND object = ?2 "
    "AND day = ?3";
static const char sql_object_daily_put[] =
    "INSERT OR REPLACE INTO object_daily (system, object, day, creates, updates, deletes) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static struct object_agg *object_daily_for(struct store *s, const char *system,
                                           const char *object, crmgov_time day)
{
    char stack[192];
    struct strbuf key = { stack, 0, sizeof(stack) };
    size_t ls = strlen(system), lo = strlen(object);
    if (ls + lo + 1 + sizeof(day) + 1 > sizeof(stack))
        key = (struct strbuf)STRBUF_INIT;
    sb_add(&key, system, ls);
    sb_addc(&key, '\0');
    sb_add(&key, object, lo);
    sb_add(&key, (const char *)&day, sizeof(day));
    struct object_agg *agg = hashmap_get(&s->object_daily, key.buf, key.len);
    if (!agg) {
        agg = xcalloc(1, sizeof(*agg));
        agg->system = xstrdup(system);
        agg->object = xstrdup(object);
        agg->day = day;
        crmgov_time latest =
            latest_stored_day(s, &s->object_daily_latest, sql_object_daily_latest);
        sqlite3_stmt *st = latest != CRMGOV_TIME_NONE && day <= latest
                               ? store_stmt(s, sql_object_daily_get)
                               : NULL;
        if (st) {
            sqlite3_bind_text(st, 1, system, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, object, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, day);
            if (sqlite3_step(st) == SQLITE_ROW) {
                agg->creates = (uint64_t)sqlite3_column_int64(st, 0);
                agg->updates = (uint64_t)sqlite3_column_int64(st, 1);
                agg->deletes = (uint64_t)sqlite3_column_int64(st, 2);
            }
            sqlite3_reset(st);
        }
        hashmap_put(&s->object_daily, key.buf, key.len, agg);
    }
    if (key.buf != stack)
        sb_free(&key);
    return agg;
}

static int apply_record(struct store *s, const struct crmgov_event *ev)
{
    const struct crmgov_record *r = ev->u.record;
    struct object_agg *agg = object_daily_for(s, ev->system, r->object, time_day_start(ev->at));
    agg->dirty = 1;
    agg->creates += r->op == CRMGOV_RECORD_CREATE;
    agg->updates += r->op == CRMGOV_RECORD_UPDATE;
    agg->deletes += r->op == CRMGOV_RECORD_DELETE;
    return CRMGOV_OK;
}

static int flush_daily(struct store *s, struct daily_agg *agg)
{
    sqlite3_stmt *st = store_stmt(s, sql_daily_put);
    if (!st)
        return CRMGOV_ERROR;
    unsigned char blob[CRMGOV_DURATION_BUCKETS * 5];
    size_t n = hist_encode(agg, blob);
    sqlite3_bind_int64(st, 1, agg->aid);
    sqlite3_bind_int64(st, 2, agg->day);
    sqlite3_bind_int64(st, 3, (int64_t)agg->executions);
    sqlite3_bind_int64(st, 4, (int64_t)agg->ok);
    sqlite3_bind_int64(st, 5, (int64_t)agg->failed);
    sqlite3_bind_int64(st, 6, (int64_t)agg->skipped);
    sqlite3_bind_int64(st, 7, (int64_t)agg->notifications);
    sqlite3_bind_int64(st, 8, (int64_t)agg->timed);
    sqlite3_bind_int64(st, 9, agg->duration_sum);
    sqlite3_bind_int64(st, 10, agg->duration_max);
    sqlite3_bind_blob(st, 11, blob, (int)n, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "daily");
    sqlite3_reset(st);
    agg->dirty = 0;
    if (rc == CRMGOV_OK)
        note_stored_day(s, &s->daily_latest, sql_daily_latest, agg->day);
    return rc;
}

/* Written in primary-key order (the table lists by day, then automation), so
 * SQLite walks the tree's end once. */
static int flush_dirty_daily(struct store *s)
{
    void **all = xcalloc(s->daily.count + 1, sizeof(*all));
    size_t n = daily_table_list(&s->daily, all);
    int rc = CRMGOV_OK;
    for (size_t i = 0; i < n && rc == CRMGOV_OK; i++) {
        struct daily_agg *agg = all[i];
        if (agg->dirty)
            rc = flush_daily(s, agg);
    }
    free(all);
    return rc;
}

static int flush_object_daily(struct store *s, struct object_agg *agg)
{
    sqlite3_stmt *st = store_stmt(s, sql_object_daily_put);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_text(st, 1, agg->system, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, agg->object, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, agg->day);
    sqlite3_bind_int64(st, 4, (int64_t)agg->creates);
    sqlite3_bind_int64(st, 5, (int64_t)agg->updates);
    sqlite3_bind_int64(st, 6, (int64_t)agg->deletes);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "object daily");
    sqlite3_reset(st);
    agg->dirty = 0;
    if (rc == CRMGOV_OK)
        note_stored_day(s, &s->object_daily_latest, sql_object_daily_latest, agg->day);
    return rc;
}

void store_free_object_agg(void *p)
{
    struct object_agg *agg = p;
    free(agg->system);
    free(agg->object);
    free(agg);
}

int store_flush_aggregates(struct store *s)
{
    crmgov_time keep_from = s->watermark == CRMGOV_TIME_NONE
                                ? CRMGOV_TIME_NONE
                                : time_day_start(s->watermark) - 2 * MS_PER_DAY;
    int rc = flush_dirty_daily(s);
    for (size_t i = 0; i < s->object_daily.cap && rc == CRMGOV_OK; i++) {
        struct object_agg *agg =
            s->object_daily.slots[i].key ? s->object_daily.slots[i].value : NULL;
        if (agg && agg->dirty)
            rc = flush_object_daily(s, agg);
    }
    if (rc != CRMGOV_OK)
        return rc;
    /* evict what is two days behind (for object_daily, removing restarts the
     * slot scan) */
    if (keep_from != CRMGOV_TIME_NONE)
        daily_table_drop_before(&s->daily, keep_from, free);
    for (size_t i = 0; i < s->object_daily.cap;) {
        struct hashmap_slot *slot = &s->object_daily.slots[i];
        struct object_agg *agg = slot->key ? slot->value : NULL;
        if (agg && agg->day < keep_from) {
            store_free_object_agg(hashmap_remove(&s->object_daily, slot->key, slot->key_len));
            continue;
        }
        i++;
    }
    return CRMGOV_OK;
}

/* ------------------------------------------------------------------------ */
/* retention                                                                 */

static const char sql_prune[] = "DELETE FROM executions WHERE at < ?1";

int store_prune(struct store *s)
{
    if (s->watermark == CRMGOV_TIME_NONE || s->retention_ms <= 0)
        return CRMGOV_OK;
    crmgov_time cutoff = time_day_start(s->watermark - s->retention_ms);
    if (cutoff <= s->pruned_until)
        return CRMGOV_OK;
    sqlite3_stmt *st = store_stmt(s, sql_prune);
    if (!st)
        return CRMGOV_ERROR;
    sqlite3_bind_int64(st, 1, cutoff);
    int rc = sqlite3_step(st) == SQLITE_DONE ? CRMGOV_OK : store_fail(s, "prune");
    sqlite3_reset(st);
    if (rc == CRMGOV_OK) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", (long long)cutoff);
        rc = store_meta_put(s, "pruned_until", buf);
        s->pruned_until = cutoff;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */

int store_apply(struct store *s, const struct crmgov_event *ev, struct apply_result *out)
{
    memset(out, 0, sizeof(*out));
    if (s->watermark == CRMGOV_TIME_NONE || ev->at > s->watermark)
        s->watermark = ev->at;
    switch (ev->topic) {
    case CRMGOV_TOPIC_AUTOMATION:
        return apply_automation(s, ev, out);
    case CRMGOV_TOPIC_EXECUTION:
        return apply_execution(s, ev, out);
    case CRMGOV_TOPIC_RECORD:
        return apply_record(s, ev);
    case CRMGOV_TOPIC_PRINCIPAL:
        return apply_principal(s, ev);
    case CRMGOV_TOPIC_OWNERSHIP:
        return apply_ownership(s, ev, out);
    case CRMGOV_TOPIC_CHANGE:
        return apply_change(s, ev);
    default:
        return CRMGOV_OK;
    }
}
