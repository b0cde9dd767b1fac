/*
 * cmd_version.c -- `crmgov version` / `crmgov --version`.
 */
#include <stdio.h>

#include <sqlite3.h>

#include "cli/cli.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("crmgov %s (plugin ABI %d.%d, schema %d, SQLite %s)\n", CRMGOV_VERSION_STRING,
           CRMGOV_ABI_MAJOR, CRMGOV_ABI_MINOR, STORE_SCHEMA_VERSION, sqlite3_libversion());
    return EXIT_OK;
}

const struct cli_command cli_version = {
    "version", cmd_version, "print the version, the plugin ABI and the schema version",
    "usage: crmgov version\n"
    "       crmgov --version\n"
};
