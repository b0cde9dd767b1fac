/*
 * own_cli.c -- `crmgov owners`: how an admin assigns, removes, imports,
 * hands over and lists the owners of automations.
 *
 * Every change is made the way a connector would make it: the command
 * publishes `ownership` events (actor = --by), which the core applies,
 * records in the audit log ("ownership.assign" / "ownership.unassign") and
 * delivers to every layer inside the command's one transaction. So the CLI
 * never writes the owners table itself, and what an admin does is
 * indistinguishable downstream from what a CRM reports. Bulk operations add
 * one summary entry of their own ("ownership.import", "ownership.transfer").
 *
 * Everything is checked before the first event is published: a usage error
 * or a bad import row exits 2 and applies nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "own.h"

#define EXIT_DONE 0
#define EXIT_NOTHING 1
#define EXIT_USAGE 2

/* ------------------------------------------------------------------------ */
/* arguments                                                                 */

struct own_args {
    const char *sub;
    const char *positional[2];
    size_t n_positional;
    const char *role, *to, *from, *by, *at, *system, *principal, *format;
    int unowned;
};

struct flag {
    const char *name;
    size_t offset;      /* of the const char * member; 0 = the --unowned switch */
};

#define FLAG(n, member) { n, offsetof(struct own_args, member) }

static const struct flag assign_flags[] = { FLAG("role", role), FLAG("to", to), FLAG("by", by),
                                            FLAG("at", at), { NULL, 0 } };
static const struct flag unassign_flags[] = { FLAG("role", role), FLAG("from", from),
                                              FLAG("by", by), FLAG("at", at), { NULL, 0 } };
static const struct flag import_flags[] = { FLAG("by", by), FLAG("at", at),
                                            FLAG("format", format), { NULL, 0 } };
static const struct flag transfer_flags[] = { FLAG("from", from), FLAG("to", to),
                                              FLAG("system", system), FLAG("role", role),
                                              FLAG("by", by), FLAG("at", at),
                                              FLAG("format", format), { NULL, 0 } };
static const struct flag list_flags[] = { FLAG("system", system), FLAG("principal", principal),
                                          FLAG("format", format), { "unowned", 0 },
                                          { NULL, 0 } };

static int usage_error(const struct own_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const struct own_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "crmgov owners%s%s: ", a->sub ? " " : "", a->sub ? a->sub : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

static const struct flag *flag_find(const struct flag *flags, const char *name, size_t len)
{
    for (const struct flag *f = flags; f->name; f++)
        if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
            return f;
    return NULL;
}

/* The core reads -c and the log options before the command runs; they
 * arrive here too and are skipped. */
static int is_core_option(const char *name, size_t len)
{
    return (len == 9 && strncmp(name, "log-level", 9) == 0) ||
           (len == 10 && strncmp(name, "log-format", 10) == 0);
}

static int parse_one(struct own_args *a, const struct flag *flags, int argc, char **argv, int *i)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct flag *f = flag_find(flags, arg, len);
    if (!f && !is_core_option(arg, len))
        return usage_error(a, "unknown option --%.*s (see crmgov help owners)", (int)len, arg);
    if (f && f->offset == 0) {
        if (eq)
            return usage_error(a, "--%s takes no value", f->name);
        a->unowned = 1;
        return 0;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
        if (*i + 1 >= argc)
            return usage_error(a, "--%.*s needs a value", (int)len, arg);
        value = argv[++*i];
    }
    if (f)
        *(const char **)((char *)a + f->offset) = value;
    return 0;
}

static int parse_args(struct own_args *a, const struct flag *flags, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
            if (parse_one(a, flags, argc, argv, &i))
                return EXIT_USAGE;
        } else if (a->n_positional < 2) {
            a->positional[a->n_positional++] = argv[i];
        } else {
            return usage_error(a, "unexpected argument '%s'", argv[i]);
        }
    }
    return 0;
}

static int require(const struct own_args *a, const char *value, const char *flag)
{
    if (value && *value)
        return 0;
    return usage_error(a, "--%s is required", flag);
}

static int check_format(const struct own_args *a)
{
    const char *f = a->format;
    if (!f || strcmp(f, "table") == 0 || strcmp(f, "json") == 0 || strcmp(f, "csv") == 0)
        return 0;
    return usage_error(a, "--format must be table, json or csv");
}

static int parse_role(const struct own_args *a, int *role)
{
    if (require(a, a->role, "role"))
        return EXIT_USAGE;
    *role = own_role_parse(a->role);
    if (*role < 0)
        return usage_error(a, "--role must be system, decision or outcome (not '%s')", a->role);
    return 0;
}

/* --at, else event time, else (an empty store) the wall clock. */
static int event_time(const struct own_layer *l, const struct own_args *a, crmgov_time *at)
{
    if (a->at) {
        *at = l->host->time_parse(a->at);
        if (*at == CRMGOV_TIME_NONE)
            return usage_error(a, "--at '%s' is not an RFC 3339 time", a->at);
        return 0;
    }
    *at = l->host->now(l->host);
    if (*at == CRMGOV_TIME_NONE)
        *at = (crmgov_time)time(NULL) * 1000;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* checks shared by assign, import and transfer                              */

/* NULL when SYSTEM/ID names an automation an owner can be given, else why
 * not (in buf). */
static const char *automation_problem(const struct own_layer *l, const char *system,
                                      const char *id, char *buf, size_t len)
{
    const struct own_automation *a = own_automation_find(l, system, id);
    if (!a || !a->in_inventory)
        snprintf(buf, len, "%s/%s is not in the inventory", system, id);
    else if (a->status == CRMGOV_STATUS_DELETED)
        snprintf(buf, len, "%s/%s is deleted", system, id);
    else
        return NULL;
    return buf;
}

/* NULL when principal may hold role in system, else why not (in buf). */
static const char *principal_problem(const struct own_layer *l, const char *system,
                                     const char *principal, int role, char *buf, size_t len)
{
    const struct own_principal *p = own_principal_find(l, system, principal);
    if (p && p->known && !p->active)
        snprintf(buf, len, "%s is deactivated in %s", principal, system);
    else if (p && p->service && role != CRMGOV_ROLE_SYSTEM)
        snprintf(buf, len, "%s is a service account; it may hold role system only", principal);
    else
        return NULL;
    return buf;
}

static void note_unknown(const struct own_layer *l, const char *where, const char *system,
                         const char *principal)
{
    const struct own_principal *p = own_principal_find(l, system, principal);
    if (!p || !p->known)
        fprintf(stderr, "note: %s%s is not a known principal of %s yet; it counts as an owner "
                        "until grace/settle pass without it being seen\n",
                where, principal, system);
}

static int split_target(const struct own_args *a, char **system, const char **id)
{
    if (a->n_positional != 1)
        return usage_error(a, a->n_positional ? "give one SYSTEM/ID"
                                              : "SYSTEM/ID is required");
    const char *text = a->positional[0];
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || !slash[1])
        return usage_error(a, "'%s' is not SYSTEM/ID", text);
    *system = own_alloc((size_t)(slash - text) + 1);
    memcpy(*system, text, (size_t)(slash - text));
    *id = slash + 1;
    return 0;
}

static int publish_ownership(const struct own_layer *l, const char *system,
                             const char *automation, int role, const char *principal,
                             const char *remove_only, const char *actor, const char *source,
                             uint64_t line, crmgov_time at)
{
    struct crmgov_ownership w = { .struct_size = sizeof(w), .automation = automation,
                                  .role = (enum crmgov_owner_role)role, .principal = principal,
                                  .actor = actor, .remove_only = remove_only };
    struct crmgov_event ev = { .struct_size = sizeof(ev), .topic = CRMGOV_TOPIC_OWNERSHIP,
                               .system = system, .at = at, .source = source,
                               .source_line = line, .u.ownership = &w };
    if (l->host->publish(l->host, &ev) == CRMGOV_OK)
        return 0;
    fprintf(stderr, "crmgov owners: the core refused the ownership event for %s/%s\n", system,
            automation);
    return -1;
}

/* After a removal: tell the admin when a required role is now left bare. */
static void warn_if_bare(const struct own_layer *l, const char *system, const char *id,
                         int role, crmgov_time at)
{
    const struct own_automation *a = own_automation_find(l, system, id);
    if (!a || !a->in_inventory || a->status != CRMGOV_STATUS_ACTIVE ||
        !(l->required_roles & (1u << role)))
        return;
    crmgov_time pending;
    enum own_role_verdict v = own_role_verdict(l, a, (enum crmgov_owner_role)role, at, &pending);
    if (v == OWN_ROLE_UNOWNED)
        printf("warning: %s/%s now has no %s owner (OWN001 unowned)\n", system, id,
               own_role_name((enum crmgov_owner_role)role));
    else if (v == OWN_ROLE_ORPHANED)
        printf("warning: %s/%s now has no active %s owner (OWN002 orphaned)\n", system, id,
               own_role_name((enum crmgov_owner_role)role));
}

/* ------------------------------------------------------------------------ */
/* assign / unassign                                                         */

static int cmd_assign(struct own_layer *l, struct own_args *a)
{
    char *system = NULL, why[512];
    const char *id;
    int role;
    crmgov_time at;
    int rc = split_target(a, &system, &id);
    if (!rc)
        rc = parse_role(a, &role) || require(a, a->to, "to") || require(a, a->by, "by") ||
             event_time(l, a, &at) ? EXIT_USAGE : 0;
    const char *problem = NULL;
    if (!rc && ((problem = automation_problem(l, system, id, why, sizeof(why))) ||
                (problem = principal_problem(l, system, a->to, role, why, sizeof(why)))))
        rc = usage_error(a, "%s", problem);
    if (rc) {
        free(system);
        return rc;
    }
    const struct own_automation *au = own_automation_find(l, system, id);
    if (own_holding_find(au, (enum crmgov_owner_role)role, a->to)) {
        printf("%s/%s: %s already holds role %s\n", system, id, a->to, a->role);
        free(system);
        return EXIT_DONE;
    }
    note_unknown(l, "", system, a->to);
    if (publish_ownership(l, system, id, role, a->to, NULL, a->by, "crmgov owners assign", 0,
                          at)) {
        free(system);
        return EXIT_USAGE;
    }
    printf("%s/%s: %s now holds role %s (by %s)\n", system, id, a->to, a->role, a->by);
    free(system);
    return EXIT_DONE;
}

static int cmd_unassign(struct own_layer *l, struct own_args *a)
{
    char *system = NULL;
    const char *id;
    int role;
    crmgov_time at;
    int rc = split_target(a, &system, &id);
    if (!rc)
        rc = parse_role(a, &role) || require(a, a->by, "by") || event_time(l, a, &at)
                 ? EXIT_USAGE : 0;
    if (!rc && a->from && !*a->from)
        rc = usage_error(a, "--from needs a principal");
    if (rc) {
        free(system);
        return rc;
    }
    const struct own_automation *au = own_automation_find(l, system, id);
    if (!au) {
        rc = usage_error(a, "%s/%s is not in the inventory", system, id);
        free(system);
        return rc;
    }
    size_t holders = 0;
    for (size_t i = 0; i < au->holdings.n; i++) {
        const struct own_holding *h = au->holdings.items[i];
        holders += (int)h->role == role && (!a->from || strcmp(h->principal->id, a->from) == 0);
    }
    if (!holders) {
        fprintf(stderr, "crmgov owners unassign: nothing to remove: %s hold%s role %s on "
                        "%s/%s\n", a->from ? a->from : "nobody", a->from ? "s no" : "s",
                a->role, system, id);
        free(system);
        return EXIT_NOTHING;
    }
    if (publish_ownership(l, system, id, role, NULL, a->from, a->by, "crmgov owners unassign",
                          0, at)) {
        free(system);
        return EXIT_USAGE;
    }
    if (a->from)
        printf("%s/%s: %s no longer holds role %s (by %s)\n", system, id, a->from, a->role,
               a->by);
    else
        printf("%s/%s: removed %zu holder%s of role %s (by %s)\n", system, id, holders,
               holders == 1 ? "" : "s", a->role, a->by);
    warn_if_bare(l, system, id, role, at);
    free(system);
    return EXIT_DONE;
}

/* ------------------------------------------------------------------------ */
/* import                                                                    */

static const char *const import_columns[4] = { "system", "automation", "role", "principal" };

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Maps header positions to system, automation, role, principal. */
static int read_header(const struct own_args *a, const char *file, struct own_csv_row *row,
                       int order[4])
{
    int seen[4] = { 0 };
    int ok = row->n_fields == 4;
    for (size_t i = 0; ok && i < 4; i++) {
        const char *name = trim(row->fields[i]);
        int col = -1;
        for (int c = 0; c < 4; c++)
            if (strcmp(name, import_columns[c]) == 0)
                col = c;
        ok = col >= 0 && !seen[col];
        if (ok) {
            seen[col] = 1;
            order[col] = (int)i;
        }
    }
    if (!ok)
        return usage_error(a, "%s:%zu: the header must name the columns system,automation,"
                              "role,principal", file, row->line);
    return 0;
}

struct import_row {
    size_t line;
    const char *field[4];   /* system, automation, role, principal */
    int role;
};

static int check_row(const struct own_layer *l, const struct own_args *a, const char *file,
                     const struct own_csv_row *row, const int order[4], struct import_row *out)
{
    char why[512];
    out->line = row->line;
    if (row->n_fields != 4)
        return usage_error(a, "%s:%zu: expected 4 fields, got %zu", file, row->line,
                           row->n_fields);
    for (int c = 0; c < 4; c++) {
        out->field[c] = trim(row->fields[order[c]]);
        if (!*out->field[c])
            return usage_error(a, "%s:%zu: empty %s", file, row->line, import_columns[c]);
    }
    out->role = own_role_parse(out->field[2]);
    if (out->role < 0)
        return usage_error(a, "%s:%zu: role '%s' is not system, decision or outcome", file,
                           row->line, out->field[2]);
    const char *problem = automation_problem(l, out->field[0], out->field[1], why, sizeof(why));
    if (!problem)
        problem = principal_problem(l, out->field[0], out->field[3], out->role, why,
                                    sizeof(why));
    if (problem)
        return usage_error(a, "%s:%zu: %s", file, row->line, problem);
    return 0;
}

static char *read_whole_file(const struct own_args *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        usage_error(a, "cannot read %s: %s", path, f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    char *buf = own_alloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        usage_error(a, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    return buf;
}

static char *sha256_hex(const char *buf, size_t len)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)buf, len);
    char *hex = own_alloc(sizeof(digest) * 2 + 1);
    sodium_bin2hex(hex, sizeof(digest) * 2 + 1, digest, sizeof(digest));
    return hex;
}

/* Checks every row; 0 with rows filled, or EXIT_USAGE naming the bad line. */
static int check_import(const struct own_layer *l, const struct own_args *a, const char *file,
                        struct own_csv *csv, struct import_row *rows)
{
    int order[4];
    if (!csv->n_rows)
        return usage_error(a, "%s is empty (expected the header system,automation,role,"
                              "principal)", file);
    if (read_header(a, file, &csv->rows[0], order))
        return EXIT_USAGE;
    if (csv->n_rows == 1)
        return usage_error(a, "%s has a header but no rows", file);
    for (size_t i = 1; i < csv->n_rows; i++)
        if (check_row(l, a, file, &csv->rows[i], order, &rows[i - 1]))
            return EXIT_USAGE;
    return 0;
}

static int apply_import(struct own_layer *l, const struct own_args *a, const char *file,
                        const struct import_row *rows, size_t n, crmgov_time at,
                        size_t *assigned)
{
    const char *cols[] = { "line:n", "system", "automation", "role", "principal", "result" };
    struct crmgov_table *t = l->host->table_new(l->host, cols, 6);
    char *source = own_printf("crmgov owners import %s", file);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct import_row *r = &rows[i];
        const struct own_automation *au = own_automation_find(l, r->field[0], r->field[1]);
        int held = own_holding_find(au, (enum crmgov_owner_role)r->role, r->field[3]) != NULL;
        char where[64];
        snprintf(where, sizeof(where), "%s:%zu: ", file, r->line);
        if (!held) {
            note_unknown(l, where, r->field[0], r->field[3]);
            rc = publish_ownership(l, r->field[0], r->field[1], r->role, r->field[3], NULL,
                                   a->by, source, r->line, at);
            *assigned += !rc;
        }
        char line[32];
        snprintf(line, sizeof(line), "%zu", r->line);
        const char *cells[] = { line, r->field[0], r->field[1], r->field[2], r->field[3],
                                held ? "unchanged" : "assigned" };
        l->host->table_row(t, cells);
    }
    free(source);
    l->host->table_print(t, a->format ? a->format : "table");
    return rc;
}

static int audit_import(const struct own_layer *l, const struct own_args *a, const char *file,
                        const char *hex, size_t rows, size_t assigned, crmgov_time at)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "file", file);
    cJSON_AddStringToObject(d, "sha256", hex);
    cJSON_AddNumberToObject(d, "rows", (double)rows);
    cJSON_AddNumberToObject(d, "assigned", (double)assigned);
    cJSON_AddNumberToObject(d, "unchanged", (double)(rows - assigned));
    char *text = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    int rc = l->host->audit_append(l->host, a->by, "ownership.import", file, text, at);
    cJSON_free(text);
    return rc;
}

static int cmd_import(struct own_layer *l, struct own_args *a)
{
    crmgov_time at;
    if (a->n_positional != 1)
        return usage_error(a, a->n_positional ? "give one FILE" : "FILE.csv is required");
    if (require(a, a->by, "by") || check_format(a) || event_time(l, a, &at))
        return EXIT_USAGE;
    const char *file = a->positional[0];
    size_t len;
    char *text = read_whole_file(a, file, &len), err[256];
    if (!text)
        return EXIT_USAGE;
    struct own_csv csv;
    if (own_csv_parse(text, len, &csv, err, sizeof(err))) {
        usage_error(a, "%s:%s", file, err); /* err is "LINE: reason" */
        free(text);
        return EXIT_USAGE;
    }
    struct import_row *rows = own_alloc(csv.n_rows * sizeof(*rows));
    int rc = check_import(l, a, file, &csv, rows);
    size_t assigned = 0;
    if (!rc) {
        char *hex = sha256_hex(text, len);
        rc = apply_import(l, a, file, rows, csv.n_rows - 1, at, &assigned) ||
                     audit_import(l, a, file, hex, csv.n_rows - 1, assigned, at)
                 ? EXIT_USAGE : EXIT_DONE;
        if (!rc && (!a->format || strcmp(a->format, "table") == 0))
            printf("imported %zu assignment%s from %s (%zu unchanged, by %s)\n", assigned,
                   assigned == 1 ? "" : "s", file, csv.n_rows - 1 - assigned, a->by);
        free(hex);
    }
    free(rows);
    own_csv_free(&csv);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* transfer                                                                  */

/* Every holding of --from (in --system, of --role), sorted. */
static void collect_holdings(const struct own_layer *l, const struct own_args *a, int role,
                             struct own_vec *out)
{
    for (size_t i = 0; i < l->principals.cap; i++) {
        const struct own_principal *p =
            l->principals.slots[i].key ? l->principals.slots[i].value : NULL;
        if (!p || strcmp(p->id, a->from) != 0 || (a->system && strcmp(p->system, a->system)))
            continue;
        for (size_t j = 0; j < p->holdings.n; j++) {
            struct own_holding *h = p->holdings.items[j];
            if (role < 0 || (int)h->role == role)
                own_vec_push(out, h);
        }
    }
    if (out->n)
        qsort(out->items, out->n, sizeof(void *), own_holding_cmp);
}

/* A transfer to someone who cannot hold every role is refused whole. */
static int check_receiver(const struct own_layer *l, const struct own_args *a,
                          const struct own_vec *moves)
{
    char why[512];
    for (size_t i = 0; i < moves->n; i++) {
        const struct own_holding *h = moves->items[i];
        const char *problem = principal_problem(l, h->automation->system, a->to, (int)h->role,
                                                why, sizeof(why));
        if (problem)
            return usage_error(a, "%s (it would receive role %s of %s/%s)", problem,
                               own_role_name(h->role), h->automation->system,
                               h->automation->id);
    }
    return 0;
}

struct move {
    char *system, *automation;
    int role;
    int merged;     /* --to already held it */
};

static int audit_transfer(const struct own_layer *l, const struct own_args *a,
                          const struct move *moves, size_t n, crmgov_time at)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "from", a->from);
    cJSON_AddStringToObject(d, "to", a->to);
    if (a->system)
        cJSON_AddStringToObject(d, "system", a->system);
    if (a->role)
        cJSON_AddStringToObject(d, "role", a->role);
    cJSON *list = cJSON_AddArrayToObject(d, "assignments");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "system", moves[i].system);
        cJSON_AddStringToObject(o, "automation", moves[i].automation);
        cJSON_AddStringToObject(o, "role", own_role_name((enum crmgov_owner_role)moves[i].role));
        cJSON_AddItemToArray(list, o);
    }
    char *text = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    int rc = l->host->audit_append(l->host, a->by, "ownership.transfer", a->from, text, at);
    cJSON_free(text);
    return rc;
}

static int apply_transfer(struct own_layer *l, const struct own_args *a, struct move *moves,
                          size_t n, crmgov_time at)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct move *m = &moves[i];
        const struct own_automation *au = own_automation_find(l, m->system, m->automation);
        m->merged = own_holding_find(au, (enum crmgov_owner_role)m->role, a->to) != NULL;
        if (!m->merged)
            rc = publish_ownership(l, m->system, m->automation, m->role, a->to, NULL, a->by,
                                   "crmgov owners transfer", 0, at);
        if (!rc)
            rc = publish_ownership(l, m->system, m->automation, m->role, NULL, a->from, a->by,
                                   "crmgov owners transfer", 0, at);
    }
    return rc || audit_transfer(l, a, moves, n, at) ? EXIT_USAGE : EXIT_DONE;
}

static void print_transfer(const struct own_layer *l, const struct own_args *a,
                           const struct move *moves, size_t n)
{
    const char *cols[] = { "system", "automation", "role", "from", "to", "result" };
    struct crmgov_table *t = l->host->table_new(l->host, cols, 6);
    for (size_t i = 0; i < n; i++) {
        const char *cells[] = { moves[i].system, moves[i].automation,
                                own_role_name((enum crmgov_owner_role)moves[i].role), a->from,
                                a->to, moves[i].merged ? "merged" : "transferred" };
        l->host->table_row(t, cells);
    }
    l->host->table_print(t, a->format ? a->format : "table");
    if (!a->format || strcmp(a->format, "table") == 0)
        printf("transferred %zu assignment%s from %s to %s (by %s)\n", n, n == 1 ? "" : "s",
               a->from, a->to, a->by);
}

static int cmd_transfer(struct own_layer *l, struct own_args *a)
{
    crmgov_time at;
    int role = -1;
    if (a->n_positional)
        return usage_error(a, "unexpected argument '%s'", a->positional[0]);
    if (require(a, a->from, "from") || require(a, a->to, "to") || require(a, a->by, "by") ||
        (a->role && parse_role(a, &role)) || check_format(a) || event_time(l, a, &at))
        return EXIT_USAGE;
    if (strcmp(a->from, a->to) == 0)
        return usage_error(a, "--from and --to name the same principal");
    struct own_vec found = { 0 };
    collect_holdings(l, a, role, &found);
    if (!found.n) {
        fprintf(stderr, "crmgov owners transfer: nothing to transfer: %s holds no %s%srole%s%s\n",
                a->from, a->role ? a->role : "", a->role ? " " : "", a->system ? " in " : "",
                a->system ? a->system : "");
        own_vec_free(&found);
        return EXIT_NOTHING;
    }
    if (check_receiver(l, a, &found)) {
        own_vec_free(&found);
        return EXIT_USAGE;
    }
    /* copies: publishing removes the holdings these pointers name */
    struct move *moves = own_alloc(found.n * sizeof(*moves));
    for (size_t i = 0; i < found.n; i++) {
        const struct own_holding *h = found.items[i];
        moves[i] = (struct move){ own_strdup(h->automation->system),
                                  own_strdup(h->automation->id), (int)h->role, 0 };
    }
    size_t n = found.n;
    own_vec_free(&found);
    for (size_t i = 0; i < n; i++)
        note_unknown(l, "", moves[i].system, a->to);
    int rc = apply_transfer(l, a, moves, n, at);
    if (rc == EXIT_DONE)
        print_transfer(l, a, moves, n);
    for (size_t i = 0; i < n; i++) {
        free(moves[i].system);
        free(moves[i].automation);
    }
    free(moves);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* list                                                                      */

static int by_automation_id(const void *x, const void *y)
{
    const struct own_automation *a = *(const struct own_automation *const *)x;
    const struct own_automation *b = *(const struct own_automation *const *)y;
    int c = strcmp(a->system, b->system);
    return c ? c : strcmp(a->id, b->id);
}

static void sorted_automations(const struct own_layer *l, const char *system,
                               struct own_vec *out)
{
    for (size_t i = 0; i < l->automations.cap; i++) {
        struct own_automation *a =
            l->automations.slots[i].key ? l->automations.slots[i].value : NULL;
        if (a && (!system || strcmp(a->system, system) == 0))
            own_vec_push(out, a);
    }
    if (out->n)
        qsort(out->items, out->n, sizeof(void *), by_automation_id);
}

static const char *status_text(const struct own_automation *a)
{
    static const char *const names[] = { "active", "inactive", "deleted" };
    return a->in_inventory && (unsigned)a->status < 3 ? names[a->status] : "not seen";
}

static const char *standing_text(enum crmgov_owner_standing s)
{
    static const char *const names[] = { "active", "grace", "deactivated", "unknown" };
    return names[s];
}

static crmgov_time list_time(const struct own_layer *l)
{
    crmgov_time t = l->host->now(l->host);
    return t == CRMGOV_TIME_NONE ? 0 : t;
}

static void list_assignments(const struct own_layer *l, const struct own_args *a,
                             const struct own_vec *autos)
{
    const char *cols[] = { "system", "automation", "name", "status", "role", "principal",
                           "principal_name", "standing", "service:b", "since", "assigned_by" };
    struct crmgov_table *t = l->host->table_new(l->host, cols, 11);
    crmgov_time now = list_time(l);
    for (size_t i = 0; i < autos->n; i++) {
        const struct own_automation *au = autos->items[i];
        for (size_t j = 0; j < au->holdings.n; j++) {
            const struct own_holding *h = au->holdings.items[j];
            if (a->principal && strcmp(h->principal->id, a->principal) != 0)
                continue;
            crmgov_time ends;
            char since[32];
            const char *cells[] = {
                au->system, au->id, au->name, status_text(au), own_role_name(h->role),
                h->principal->id, h->principal->name,
                standing_text(own_standing(l, h, now, &ends)),
                h->principal->service ? "true" : "false", l->host->time_format(h->since, since),
                h->assigned_by,
            };
            l->host->table_row(t, cells);
        }
    }
    l->host->table_print(t, a->format ? a->format : "table");
}

/* "u-9 (deactivated), svc (service)" for the unowned listing. */
static char *holders_text(const struct own_layer *l, const struct own_automation *au, int role,
                          crmgov_time now)
{
    char *out = own_strdup("");
    for (size_t i = 0; i < au->holdings.n; i++) {
        const struct own_holding *h = au->holdings.items[i];
        if ((int)h->role != role)
            continue;
        crmgov_time ends;
        const char *state = own_holder_eligible(h) ? standing_text(own_standing(l, h, now, &ends))
                                                   : "service account";
        char *next = own_printf("%s%s%s (%s)", out, *out ? ", " : "", h->principal->id, state);
        free(out);
        out = next;
    }
    return out;
}

static void list_unowned(const struct own_layer *l, const struct own_args *a,
                         const struct own_vec *autos)
{
    const char *cols[] = { "system", "automation", "name", "role", "problem", "owners" };
    struct crmgov_table *t = l->host->table_new(l->host, cols, 6);
    crmgov_time now = list_time(l);
    for (size_t i = 0; i < autos->n; i++) {
        const struct own_automation *au = autos->items[i];
        if (!au->in_inventory || au->status != CRMGOV_STATUS_ACTIVE)
            continue;
        for (int role = 0; role < OWN_ROLES; role++) {
            if (!(l->required_roles & (1u << role)))
                continue;
            crmgov_time pending;
            enum own_role_verdict v =
                own_role_verdict(l, au, (enum crmgov_owner_role)role, now, &pending);
            if (v == OWN_ROLE_OK)
                continue;
            char *owners = holders_text(l, au, role, now);
            const char *cells[] = { au->system, au->id, au->name,
                                    own_role_name((enum crmgov_owner_role)role),
                                    v == OWN_ROLE_UNOWNED ? "unowned" : "orphaned", owners };
            l->host->table_row(t, cells);
            free(owners);
        }
    }
    l->host->table_print(t, a->format ? a->format : "table");
}

static int cmd_list(struct own_layer *l, struct own_args *a)
{
    if (a->n_positional)
        return usage_error(a, "unexpected argument '%s'", a->positional[0]);
    if (check_format(a))
        return EXIT_USAGE;
    if (a->unowned && a->principal)
        return usage_error(a, "--unowned and --principal cannot be combined");
    struct own_vec autos = { 0 };
    sorted_automations(l, a->system, &autos);
    if (a->unowned)
        list_unowned(l, a, &autos);
    else
        list_assignments(l, a, &autos);
    own_vec_free(&autos);
    return EXIT_DONE;
}

/* ------------------------------------------------------------------------ */
/* dispatch                                                                  */

static const struct {
    const char *name;
    const struct flag *flags;
    int (*run)(struct own_layer *l, struct own_args *a);
} subcommands[] = {
    { "assign", assign_flags, cmd_assign },
    { "unassign", unassign_flags, cmd_unassign },
    { "import", import_flags, cmd_import },
    { "transfer", transfer_flags, cmd_transfer },
    { "list", list_flags, cmd_list },
};

int own_cli_run(void *state, int argc, char **argv)
{
    struct own_layer *l = state;
    struct own_args a = { 0 };
    if (argc < 2 || strncmp(argv[1], "--", 2) == 0) {
        fputs(own_cli_usage, stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) != 0)
            continue;
        a.sub = subcommands[i].name;
        if (parse_args(&a, subcommands[i].flags, argc, argv))
            return EXIT_USAGE;
        return subcommands[i].run(l, &a);
    }
    fprintf(stderr, "crmgov owners: unknown subcommand '%s' (assign, unassign, import, "
                    "transfer or list)\n", argv[1]);
    return EXIT_USAGE;
}
