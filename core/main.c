/*
 * main.c -- the crmgov command: finds the subcommand and runs it.
 *
 * Built-in subcommands live in core/cli/, one file each. A name that is not
 * built in is looked up among the commands plugins register (`owners`,
 * `change`...), which needs the configuration; `crmgov help` lists both.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "crmgov/version.h"

extern const struct cli_command cli_run, cli_check_config, cli_plugins, cli_plugin, cli_help,
    cli_inventory, cli_history, cli_hash, cli_deadletters, cli_findings, cli_version, cli_log,
    cli_keygen;

const struct cli_command *const cli_commands[] = {
    &cli_run, &cli_check_config, &cli_plugins, &cli_plugin, &cli_inventory, &cli_history,
    &cli_hash, &cli_deadletters, &cli_findings, &cli_log, &cli_keygen, &cli_help, &cli_version,
    NULL,
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0) {
        fprintf(stderr, "crmgov: libsodium could not initialise\n");
        return EXIT_USAGE;
    }
    if (argc < 2) {
        char *help[] = { "help", NULL };
        cli_help.run(1, help);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        name = "version";
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    const struct cli_command *cmd = cli_find(name);
    if (cmd)
        return cmd->run(argc - 1, argv + 1);
    int status = cli_run_plugin_command(name, argc - 1, argv + 1);
    if (status >= 0)
        return status;
    fprintf(stderr, "crmgov: '%s' is neither a built-in command nor offered by a plugin of "
                    "the configuration (see 'crmgov help')\n",
            name);
    return EXIT_USAGE;
}
