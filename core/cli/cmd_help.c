/*
 * cmd_help.c -- `crmgov help [COMMAND]`: the built-in commands, and those
 * that the configured plugins add when a configuration can be found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "log.h"

/* Plugin commands need a loaded configuration; help stays quiet when there is
 * none, since a newcomer asking for help has not configured anything yet. */
static int with_plugin_commands(int (*fn)(struct runtime *rt, void *ctx), void *ctx)
{
    char *config = cli_config_path_quiet();
    if (!config)
        return -1;
    enum crmgov_log_level saved = log_level();
    log_configure(CRMGOV_LOG_ERROR, LOG_FORMAT_TEXT);
    struct runtime rt;
    runtime_init(&rt);
    struct strbuf err = STRBUF_INIT;
    int rc = -1;
    if (runtime_load_config(&rt, config, &err) == 0 && runtime_open_store(&rt, &err) == 0 &&
        runtime_load_plugins(&rt, &err) == 0) {
        rt.dispatcher.synchronous = 1;
        if (runtime_init_plugins(&rt, &err) == 0)
            rc = fn(&rt, ctx);
    }
    runtime_free(&rt);
    sb_free(&err);
    free(config);
    log_configure(saved, LOG_FORMAT_TEXT);
    return rc;
}

static int list_plugin_commands(struct runtime *rt, void *ctx)
{
    (void)ctx;
    if (!rt->registry.n_commands)
        return 0;
    printf("\nCommands of the configured plugins:\n");
    for (size_t i = 0; i < rt->registry.n_commands; i++) {
        const struct crmgov_command *c = rt->registry.commands[i].command;
        printf("  %-14s %s\n", c->name, c->summary ? c->summary : "");
    }
    return 0;
}

static int usage_of_plugin_command(struct runtime *rt, void *ctx)
{
    const struct command_entry *c = registry_command(&rt->registry, ctx);
    if (!c)
        return -1;
    fputs(c->command->usage ? c->command->usage : c->command->summary, stdout);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc >= 2) {
        const struct cli_command *cmd = cli_find(argv[1]);
        if (cmd) {
            fputs(cmd->usage, stdout);
            return EXIT_OK;
        }
        if (with_plugin_commands(usage_of_plugin_command, argv[1]) == 0)
            return EXIT_OK;
        fprintf(stdout, "crmgov: no help for '%s': not a command\n", argv[1]);
        return EXIT_USAGE;
    }
    printf("usage: crmgov COMMAND [OPTIONS]\n\n"
           "crmgov keeps CRM automations governed: who owns them, how they change and\n"
           "how they perform. Commands:\n");
    for (size_t i = 0; cli_commands[i]; i++)
        printf("  %-14s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fflush(stdout);
    with_plugin_commands(list_plugin_commands, NULL);
    printf("\n'crmgov help COMMAND' shows a command's options.\n");
    return EXIT_OK;
}

const struct cli_command cli_help = {
    "help", cmd_help, "show the commands, or the options of one",
    "usage: crmgov help [COMMAND]\n"
    "\n"
    "Without a command: the built-in commands, then those the configured\n"
    "plugins add (found through $CRMGOV_CONFIG or the default configuration).\n"
};
