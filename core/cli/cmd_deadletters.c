/*
 * cmd_deadletters.c -- `crmgov deadletters`: input that was rejected, with
 * where it came from and why, so nothing is silently lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output.h"
#include "timeutil.h"

static const struct cli_option dl_options[] = {
    CLI_COMMON_OPTIONS, { "format", 0, 1 }, { NULL, 0, 0 },
};

struct dl_listing {
    struct crmgov_table *table;
    int truncate;
};

static int add_row(void *ctx, const struct deadletter *d)
{
    struct dl_listing *l = ctx;
    char id[24], line[24], at[32];
    snprintf(id, sizeof(id), "%lld", (long long)d->id);
    snprintf(line, sizeof(line), "%llu", (unsigned long long)d->line);
    char raw[84];
    const char *shown = d->raw;
    if (l->truncate && strlen(d->raw) > 80) {
        snprintf(raw, sizeof(raw), "%.77s...", d->raw);
        shown = raw;
    }
    const char *row[] = { id, d->source, line, d->reason, shown,
                          time_format_rfc3339(d->received_at, at) };
    table_row(l->table, row);
    return 0;
}

static int cmd_deadletters(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("deadletters", dl_options, argc, argv, &args))
        return EXIT_USAGE;
    const char *format = cli_get(dl_options, &args, "format");
    int rc = cli_logging(dl_options, &args);
    if (!rc)
        rc = cli_check_format("deadletters", format, NULL);
    char *config = rc ? NULL : cli_config_path(cli_get(dl_options, &args, "config"));
    cli_args_free(&args);
    if (!config)
        return EXIT_USAGE;
    struct runtime rt;
    runtime_init(&rt);
    rc = cli_open(&rt, config, CLI_STAGE_STORE);
    if (rc == 0) {
        const char *cols[] = { "id:n", "source", "line:n", "reason", "raw", "received_at" };
        struct dl_listing l = { table_new(cols, 6), !format || strcmp(format, "table") == 0 };
        store_deadletters_scan(&rt.store, add_row, &l);
        table_print(l.table, format);
    }
    runtime_free(&rt);
    free(config);
    return rc;
}

const struct cli_command cli_deadletters = {
    "deadletters", cmd_deadletters, "list rejected input lines with source, line and reason",
    "usage: crmgov deadletters [-c FILE] [--format table|json|csv]\n"
    "\n"
    "Every line a connector could not turn into an event -- invalid JSON, a\n"
    "missing or mistyped field, an unknown type, an over-long line -- is kept\n"
    "with its source, line number, reason and raw text (first 4 KiB).\n"
    "The table shortens the raw text to 80 characters; json and csv do not.\n"
};
