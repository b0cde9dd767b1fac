/*
 * store_query.c -- reading the store back as the structs of host.h.
 *
 * Every scan prepares its own statement: callbacks may call back into the
 * store (a layer looking up an owner while scanning the inventory), which
 * would reset a shared cached statement under the running scan. Definitions
 * are stored as canonical JSON and parsed back through the same validator as
 * input, so what a plugin reads has exactly the shape of what it received.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "event.h"
#include "log.h"
#include "names.h"
#include "store.h"

struct scan {
    struct store *store;
    sqlite3_stmt *st;
    int rc;
};

static int scan_prepare(struct scan *sc, struct store *s, const char *sql)
{
    store_lock(s);
    sc->store = s;
    sc->rc = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &sc->st, NULL) != SQLITE_OK) {
        sc->rc = store_fail(s, "query");
        store_unlock(s);
        return -1;
    }
    return 0;
}

static int scan_finish(struct scan *sc)
{
    sqlite3_finalize(sc->st);
    store_unlock(sc->store);
    return sc->rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* ------------------------------------------------------------------------ */
/* inventory                                                                 */

#define INVENTORY_COLUMNS                                                                    \
    "SELECT system, id, name, status, definition, attributes, modified_by, first_seen, "    \
    "last_seen, status_since, versions FROM automations "

static const char sql_inventory_get[] = INVENTORY_COLUMNS
    "WHERE (?1 IS NULL OR system = ?1) AND id = ?2 ORDER BY system";
static const char sql_inventory_scan[] = INVENTORY_COLUMNS
    "WHERE (?1 IS NULL OR system = ?1) ORDER BY system, id";

/* Rebuilds the automation of the current row. */
static struct event_box *row_automation(sqlite3_stmt *st)
{
    cJSON *o = cJSON_Parse(col_text(st, 4));
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", col_text(st, 1));
    cJSON_AddStringToObject(o, "name", col_text(st, 2));
    cJSON_AddStringToObject(o, "status", col_text(st, 3));
    if (col_text(st, 6))
        cJSON_AddStringToObject(o, "modified_by", col_text(st, 6));
    cJSON *attrs = col_text(st, 5) ? cJSON_Parse(col_text(st, 5)) : NULL;
    if (attrs)
        cJSON_AddItemToObject(o, "attributes", attrs);
    struct strbuf why = STRBUF_INIT;
    struct event_box *box = event_definition_from_cjson(o, col_text(st, 0), &why);
    if (!box)
        log_error("store: stored definition of %s/%s no longer parses: %s", col_text(st, 0),
                  col_text(st, 1), sb_str(&why));
    sb_free(&why);
    cJSON_Delete(o);
    return box;
}

static int inventory_rows(struct scan *sc, crmgov_inventory_fn fn, void *ctx)
{
    while (sc->rc == 0 && sqlite3_step(sc->st) == SQLITE_ROW) {
        struct event_box *box = row_automation(sc->st);
        if (!box)
            continue;
        struct crmgov_inventory_item item = {
            .struct_size = sizeof(item),
            .system = col_text(sc->st, 0),
            .automation = box->ev.u.automation,
            .first_seen = sqlite3_column_int64(sc->st, 7),
            .last_seen = sqlite3_column_int64(sc->st, 8),
            .status_since = sqlite3_column_int64(sc->st, 9),
            .versions = (uint32_t)sqlite3_column_int(sc->st, 10),
        };
        sc->rc = fn(ctx, &item);
        event_box_free(box);
    }
    return scan_finish(sc);
}

int store_inventory_get(struct store *s, const char *system, const char *id,
                        crmgov_inventory_fn fn, void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_inventory_get))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, id);
    return inventory_rows(&sc, fn, ctx);
}

int store_inventory_scan(struct store *s, const char *system, crmgov_inventory_fn fn,
                         void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_inventory_scan))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    return inventory_rows(&sc, fn, ctx);
}

static const char sql_inventory_counts[] =
    "SELECT status, count(*) FROM automations GROUP BY status";

int store_inventory_counts(struct store *s, uint64_t by_status[3])
{
    struct scan sc;
    by_status[0] = by_status[1] = by_status[2] = 0;
    if (scan_prepare(&sc, s, sql_inventory_counts))
        return sc.rc;
    while (sqlite3_step(sc.st) == SQLITE_ROW) {
        int status = name_lookup(&names_status, col_text(sc.st, 0));
        if (status >= 0 && status < 3)
            by_status[status] += (uint64_t)sqlite3_column_int64(sc.st, 1);
    }
    return scan_finish(&sc);
}

static const char sql_versions[] =
    "SELECT k.system, k.id, v.seq, v.definition_hash, v.definition, v.status, v.name, v.at, "
    "v.modified_by FROM versions v JOIN automation_keys k ON k.aid = v.aid "
    "WHERE k.system = ?1 AND k.id = ?2 ORDER BY v.seq";

int store_versions_scan(struct store *s, const char *system, const char *id,
                        crmgov_version_fn fn, void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_versions))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, id);
    while (sc.rc == 0 && sqlite3_step(sc.st) == SQLITE_ROW) {
        struct crmgov_version v = {
            .struct_size = sizeof(v),
            .system = col_text(sc.st, 0),
            .automation = col_text(sc.st, 1),
            .seq = (uint32_t)sqlite3_column_int(sc.st, 2),
            .definition_hash = col_text(sc.st, 3),
            .definition_json = col_text(sc.st, 4),
            .status = (enum crmgov_automation_status)name_lookup(&names_status,
                                                                 col_text(sc.st, 5)),
            .name = col_text(sc.st, 6),
            .at = sqlite3_column_int64(sc.st, 7),
            .modified_by = col_text(sc.st, 8),
        };
        sc.rc = fn(ctx, &v);
    }
    return scan_finish(&sc);
}

/* ------------------------------------------------------------------------ */
/* principals and owners                                                     */

#define PRINCIPAL_COLUMNS                                                                  \
    "SELECT system, id, name, email, active, roles, first_seen, last_seen, active_since " \
    "FROM principals "

static const char sql_principal_get[] = PRINCIPAL_COLUMNS "WHERE system = ?1 AND id = ?2";
static const char sql_principal_scan[] = PRINCIPAL_COLUMNS
    "WHERE (?1 IS NULL OR system = ?1) ORDER BY system, id";

static int principal_rows(struct scan *sc, crmgov_principal_fn fn, void *ctx)
{
    while (sc->rc == 0 && sqlite3_step(sc->st) == SQLITE_ROW) {
        cJSON *roles = cJSON_Parse(col_text(sc->st, 5));
        size_t n = (size_t)cJSON_GetArraySize(roles), i = 0;
        const char **list = xcalloc(n + 1, sizeof(char *));
        for (const cJSON *r = roles ? roles->child : NULL; r; r = r->next)
            if (cJSON_IsString(r))
                list[i++] = r->valuestring;
        struct crmgov_principal p = {
            .struct_size = sizeof(p),
            .id = col_text(sc->st, 1),
            .name = col_text(sc->st, 2),
            .email = col_text(sc->st, 3),
            .active = sqlite3_column_int(sc->st, 4),
            .roles = list,
            .n_roles = i,
        };
        struct crmgov_principal_item item = {
            .struct_size = sizeof(item),
            .system = col_text(sc->st, 0),
            .principal = &p,
            .first_seen = sqlite3_column_int64(sc->st, 6),
            .last_seen = sqlite3_column_int64(sc->st, 7),
            .active_since = sqlite3_column_int64(sc->st, 8),
        };
        sc->rc = fn(ctx, &item);
        free(list);
        cJSON_Delete(roles);
    }
    return scan_finish(sc);
}

int store_principal_get(struct store *s, const char *system, const char *id,
                        crmgov_principal_fn fn, void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_principal_get))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, id);
    return principal_rows(&sc, fn, ctx);
}

int store_principals_scan(struct store *s, const char *system, crmgov_principal_fn fn,
                          void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_principal_scan))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    return principal_rows(&sc, fn, ctx);
}

static const char sql_owners[] =
    "SELECT system, automation, role, principal, since, assigned_by FROM owners "
    "WHERE (?1 IS NULL OR system = ?1) AND (?2 IS NULL OR automation = ?2) "
    "ORDER BY system, automation, role, principal";

int store_owners_scan(struct store *s, const char *system, const char *automation,
                      crmgov_owner_fn fn, void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_owners))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, automation);
    while (sc.rc == 0 && sqlite3_step(sc.st) == SQLITE_ROW) {
        struct crmgov_owner_item item = {
            .struct_size = sizeof(item),
            .system = col_text(sc.st, 0),
            .automation = col_text(sc.st, 1),
            .role = (enum crmgov_owner_role)name_lookup(&names_role, col_text(sc.st, 2)),
            .principal = col_text(sc.st, 3),
            .since = sqlite3_column_int64(sc.st, 4),
            .assigned_by = col_text(sc.st, 5),
        };
        sc.rc = fn(ctx, &item);
    }
    return scan_finish(&sc);
}

/* ------------------------------------------------------------------------ */
/* changes                                                                   */

static const char sql_changes[] =
    "SELECT system, id, automation, state, author, approvers, definition_hash, status, at "
    "FROM changes WHERE (?1 IS NULL OR system = ?1) AND (?2 IS NULL OR automation = ?2) "
    "ORDER BY at, system, id";

int store_changes_scan(struct store *s, const char *system, const char *automation,
                       crmgov_change_fn fn, void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_changes))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, automation);
    while (sc.rc == 0 && sqlite3_step(sc.st) == SQLITE_ROW) {
        cJSON *approvers = cJSON_Parse(col_text(sc.st, 5));
        size_t n = (size_t)cJSON_GetArraySize(approvers), i = 0;
        const char **list = xcalloc(n + 1, sizeof(char *));
        for (const cJSON *a = approvers ? approvers->child : NULL; a; a = a->next)
            if (cJSON_IsString(a))
                list[i++] = a->valuestring;
        const char *status = col_text(sc.st, 7);
        struct crmgov_change c = {
            .struct_size = sizeof(c),
            .id = col_text(sc.st, 1),
            .automation = col_text(sc.st, 2),
            .state = (enum crmgov_change_state)name_lookup(&names_change_state,
                                                           col_text(sc.st, 3)),
            .author = col_text(sc.st, 4),
            .approvers = list,
            .n_approvers = i,
            .definition_hash = col_text(sc.st, 6),
            .has_status = status != NULL,
            .status = status ? (enum crmgov_automation_status)name_lookup(&names_status, status)
                             : CRMGOV_STATUS_ACTIVE,
        };
        struct crmgov_change_item item = {
            .struct_size = sizeof(item),
            .system = col_text(sc.st, 0),
            .change = &c,
            .at = sqlite3_column_int64(sc.st, 8),
        };
        sc.rc = fn(ctx, &item);
        free(list);
        cJSON_Delete(approvers);
    }
    return scan_finish(&sc);
}

/* ------------------------------------------------------------------------ */
/* executions and aggregates                                                 */

static const char sql_executions[] =
    "SELECT k.system, k.id, e.at, e.record, e.object, e.status, e.error, e.duration_ms, "
    "e.notified FROM executions e JOIN automation_keys k ON k.aid = e.aid "
    "WHERE (?1 IS NULL OR k.system = ?1) AND (?2 IS NULL OR k.id = ?2) "
    "AND e.at >= ?3 AND e.at < ?4 ORDER BY e.at, e.seq";

int store_executions_scan(struct store *s, const char *system, const char *automation,
                          crmgov_time since, crmgov_time until, crmgov_execution_fn fn,
                          void *ctx)
{
    struct scan sc;
    if (scan_prepare(&sc, s, sql_executions))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, automation);
    sqlite3_bind_int64(sc.st, 3, since);
    sqlite3_bind_int64(sc.st, 4, until);
    while (sc.rc == 0 && sqlite3_step(sc.st) == SQLITE_ROW) {
        cJSON *notified = col_text(sc.st, 8) ? cJSON_Parse(col_text(sc.st, 8)) : NULL;
        size_t n = (size_t)cJSON_GetArraySize(notified), i = 0;
        const char **list = xcalloc(n + 1, sizeof(char *));
        for (const cJSON *a = notified ? notified->child : NULL; a; a = a->next)
            if (cJSON_IsString(a))
                list[i++] = a->valuestring;
        struct crmgov_execution x = {
            .struct_size = sizeof(x),
            .automation = col_text(sc.st, 1),
            .record = col_text(sc.st, 3),
            .object = col_text(sc.st, 4),
            .status = (enum crmgov_execution_status)sqlite3_column_int(sc.st, 5),
            .error = col_text(sc.st, 6),
            .duration_ms = sqlite3_column_type(sc.st, 7) == SQLITE_NULL
                               ? -1
                               : sqlite3_column_int64(sc.st, 7),
            .notified = list,
            .n_notified = i,
        };
        struct crmgov_event ev = {
            .struct_size = sizeof(ev),
            .topic = CRMGOV_TOPIC_EXECUTION,
            .system = col_text(sc.st, 0),
            .at = sqlite3_column_int64(sc.st, 2),
        };
        ev.u.execution = &x;
        sc.rc = fn(ctx, &ev);
        free(list);
        cJSON_Delete(notified);
    }
    return scan_finish(&sc);
}

static const char sql_daily[] =
    "SELECT k.system, k.id, d.day, d.executions, d.ok, d.failed, d.skipped, d.notifications, "
    "d.timed, d.duration_sum, d.duration_max, d.hist FROM daily d "
    "JOIN automation_keys k ON k.aid = d.aid WHERE (?1 IS NULL OR k.system = ?1) "
    "AND (?2 IS NULL OR k.id = ?2) AND d.day >= ?3 ORDER BY k.system, k.id, d.day";

int store_daily_scan(struct store *s, const char *system, const char *automation,
                     crmgov_time since, crmgov_daily_fn fn, void *ctx)
{
    /* What the current batch holds in memory must be visible too. */
    if (s->in_tx && store_flush_aggregates(s))
        return CRMGOV_ERROR;
    struct scan sc;
    if (scan_prepare(&sc, s, sql_daily))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, automation);
    sqlite3_bind_int64(sc.st, 3, since);
    uint32_t hist[CRMGOV_DURATION_BUCKETS];
    while (sc.rc == 0 && sqlite3_step(sc.st) == SQLITE_ROW) {
        store_decode_hist(sqlite3_column_blob(sc.st, 11),
                          (size_t)sqlite3_column_bytes(sc.st, 11), hist);
        struct crmgov_daily d = {
            .struct_size = sizeof(d),
            .system = col_text(sc.st, 0),
            .automation = col_text(sc.st, 1),
            .day = sqlite3_column_int64(sc.st, 2),
            .executions = (uint64_t)sqlite3_column_int64(sc.st, 3),
            .ok = (uint64_t)sqlite3_column_int64(sc.st, 4),
            .failed = (uint64_t)sqlite3_column_int64(sc.st, 5),
            .skipped = (uint64_t)sqlite3_column_int64(sc.st, 6),
            .notifications = (uint64_t)sqlite3_column_int64(sc.st, 7),
            .timed = (uint64_t)sqlite3_column_int64(sc.st, 8),
            .duration_sum_ms = sqlite3_column_int64(sc.st, 9),
            .duration_max_ms = sqlite3_column_int64(sc.st, 10),
            .hist = hist,
        };
        sc.rc = fn(ctx, &d);
    }
    return scan_finish(&sc);
}

static const char sql_object_daily[] =
    "SELECT system, object, day, creates, updates, deletes FROM object_daily "
    "WHERE (?1 IS NULL OR system = ?1) AND (?2 IS NULL OR object = ?2) AND day >= ?3 "
    "ORDER BY system, object, day";

int store_object_daily_scan(struct store *s, const char *system, const char *object,
                            crmgov_time since, crmgov_object_daily_fn fn, void *ctx)
{
    if (s->in_tx && store_flush_aggregates(s))
        return CRMGOV_ERROR;
    struct scan sc;
    if (scan_prepare(&sc, s, sql_object_daily))
        return sc.rc;
    bind_opt(sc.st, 1, system);
    bind_opt(sc.st, 2, object);
    sqlite3_bind_int64(sc.st, 3, since);
    while (sc.rc == 0 && sqlite3_step(sc.st) == SQLITE_ROW) {
        struct crmgov_object_daily d = {
            .struct_size = sizeof(d),
            .system = col_text(sc.st, 0),
            .object = col_text(sc.st, 1),
            .day = sqlite3_column_int64(sc.st, 2),
            .creates = (uint64_t)sqlite3_column_int64(sc.st, 3),
            .updates = (uint64_t)sqlite3_column_int64(sc.st, 4),
            .deletes = (uint64_t)sqlite3_column_int64(sc.st, 5),
        };
        sc.rc = fn(ctx, &d);
    }
    return scan_finish(&sc);
}
