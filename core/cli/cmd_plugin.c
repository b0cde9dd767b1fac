/*
 * cmd_plugin.c -- `crmgov plugin check FILE.so`: the conformance suite, for
 * vendors before they ship and for admins before they install.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "conformance.h"

static const struct cli_option plugin_options[] = { CLI_COMMON_OPTIONS, { NULL, 0, 0 } };

static int cmd_plugin(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("plugin", plugin_options, argc, argv, &args))
        return EXIT_USAGE;
    int status = cli_logging(plugin_options, &args);
    if (status == 0 && (args.n_positional < 2 || strcmp(args.positional[0], "check") != 0)) {
        fprintf(stderr, "crmgov plugin: expected 'check FILE.so...' (see 'crmgov help "
                        "plugin')\n");
        status = EXIT_USAGE;
    }
    for (int i = 1; status != EXIT_USAGE && i < args.n_positional; i++)
        if (conformance_run_file(args.positional[i], stdout))
            status = EXIT_FINDINGS;
    cli_args_free(&args);
    return status;
}

const struct cli_command cli_plugin = {
    "plugin", cmd_plugin, "check a plugin file against the conformance suite",
    "usage: crmgov plugin check FILE.so...\n"
    "\n"
    "Loads each file into a scratch host (a temporary folder and database) and\n"
    "runs the conformance suite: descriptor and option table, fini(NULL),\n"
    "init/fini without start, start/stop/stop/fini, two instances side by\n"
    "side, and every mistyped option value refused. Prints one 'ok' or\n"
    "'not ok' line per check. Exit status 0 when every file passes, 1 when a\n"
    "check failed, 2 on a usage error.\n"
};
