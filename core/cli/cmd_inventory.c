/*
 * cmd_inventory.c -- `crmgov inventory`: every automation ever seen, active,
 * inactive and deleted, with its current definition hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "names.h"
#include "output.h"
#include "timeutil.h"

static const struct cli_option inventory_options[] = {
    CLI_COMMON_OPTIONS, { "system", 0, 1 }, { "status", 0, 1 }, { "object", 0, 1 },
    { "format", 0, 1 }, { NULL, 0, 0 },
};

struct listing {
    struct crmgov_table *table;
    const char *object;
    int status; /* -1 = all */
    int short_hash;
};

static int add_row(void *ctx, const struct crmgov_inventory_item *item)
{
    struct listing *l = ctx;
    const struct crmgov_automation *a = item->automation;
    if (l->status >= 0 && (int)a->status != l->status)
        return 0;
    if (l->object && strcmp(a->object, l->object) != 0)
        return 0;
    char first[32], last[32], versions[16], hash[65];
    snprintf(versions, sizeof(versions), "%u", item->versions);
    snprintf(hash, sizeof(hash), "%s", a->definition_hash);
    if (l->short_hash)
        hash[12] = '\0';
    const char *row[] = { item->system, a->id, a->name, name_of(&names_kind, (int)a->kind),
                          a->object, name_of(&names_trigger_on, (int)a->trigger.on),
                          name_of(&names_status, (int)a->status), versions,
                          time_format_rfc3339(item->first_seen, first),
                          time_format_rfc3339(item->last_seen, last), hash };
    table_row(l->table, row);
    return 0;
}

static int cmd_inventory(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("inventory", inventory_options, argc, argv, &args))
        return EXIT_USAGE;
    const char *format = cli_get(inventory_options, &args, "format");
    const char *status = cli_get(inventory_options, &args, "status");
    const char *system = cli_get(inventory_options, &args, "system");
    struct listing l = { .object = cli_get(inventory_options, &args, "object"), .status = -1 };
    int rc = cli_logging(inventory_options, &args);
    if (!rc)
        rc = cli_check_format("inventory", format, NULL);
    if (!rc && status && strcmp(status, "all") != 0 &&
        (l.status = name_lookup(&names_status, status)) < 0) {
        fprintf(stderr, "crmgov inventory: --status must be active, inactive, deleted or all\n");
        rc = EXIT_USAGE;
    }
    char *config = rc ? NULL : cli_config_path(cli_get(inventory_options, &args, "config"));
    if (!config) {
        cli_args_free(&args);
        return EXIT_USAGE;
    }
    struct runtime rt;
    runtime_init(&rt);
    rc = cli_open(&rt, config, CLI_STAGE_STORE);
    if (rc == 0) {
        const char *cols[] = { "system", "id", "name", "kind", "object", "trigger", "status",
                               "versions:n", "first_seen", "last_seen", "hash" };
        l.table = table_new(cols, ARRAY_LEN(cols));
        l.short_hash = !format || strcmp(format, "table") == 0;
        store_inventory_scan(&rt.store, system, add_row, &l);
        table_print(l.table, format);
    }
    runtime_free(&rt);
    free(config);
    cli_args_free(&args);
    return rc;
}

const struct cli_command cli_inventory = {
    "inventory", cmd_inventory, "list every automation ever seen",
    "usage: crmgov inventory [-c FILE] [--system S] [--status STATUS] [--object O]\n"
    "                        [--format table|json|csv]\n"
    "\n"
    "Lists the inventory: one row per automation ever observed, with its\n"
    "current status, number of versions, first and last sighting and\n"
    "definition hash (12 characters in the table, 64 in json and csv).\n"
    "\n"
    "  --system S        only automations of system S\n"
    "  --status STATUS   active, inactive, deleted or all (default all)\n"
    "  --object O        only automations on object O (lead, deal...)\n"
    "  --format FORMAT   table (default), json or csv\n"
};
