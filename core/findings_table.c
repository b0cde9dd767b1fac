/*
 * findings_table.c -- see findings_table.h. The column names are the JSON
 * keys of the findings contract; evidence is raw JSON and automation/subject
 * are null when the finding has none.
 */
#include "findings_table.h"

#include "names.h"
#include "timeutil.h"
#include "util.h"

struct rows {
    struct crmgov_table *table;
    int worst;
};

static int add_row(void *ctx, const struct crmgov_finding *f)
{
    struct rows *r = ctx;
    char first[32], last[32];
    const char *row[] = { f->rule, f->name, f->layer,
                          name_of(&names_severity, (int)f->severity), f->system,
                          f->automation, f->subject, f->message,
                          f->evidence_json ? f->evidence_json : "{}",
                          time_format_rfc3339(f->first_seen, first),
                          time_format_rfc3339(f->last_seen, last),
                          name_of(&names_finding_state, (int)f->state) };
    table_row(r->table, row);
    if ((int)f->severity > r->worst)
        r->worst = (int)f->severity;
    return 0;
}

struct crmgov_table *findings_table(struct store *s, const struct crmgov_finding_filter *filter,
                                    int *worst)
{
    static const char *const cols[] = { "rule", "name", "layer", "severity", "system",
                                        "automation", "subject", "message", "evidence:j",
                                        "first_seen", "last_seen", "state" };
    struct rows r = { table_new(cols, ARRAY_LEN(cols)), -1 };
    store_findings_scan(s, filter, add_row, &r);
    if (worst)
        *worst = r.worst;
    return r.table;
}
