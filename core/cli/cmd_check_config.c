/*
 * cmd_check_config.c -- `crmgov check-config`: everything `run` checks before
 * starting, without starting anything or touching the database.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static const struct cli_option check_options[] = { CLI_COMMON_OPTIONS, { NULL, 0, 0 } };

static int cmd_check_config(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("check-config", check_options, argc, argv, &args))
        return EXIT_USAGE;
    int status = cli_logging(check_options, &args);
    char *config = status ? NULL : cli_config_path(cli_get(check_options, &args, "config"));
    cli_args_free(&args);
    if (!config)
        return EXIT_USAGE;
    struct runtime rt;
    runtime_init(&rt);
    struct strbuf err = STRBUF_INIT;
    if (runtime_load_config(&rt, config, &err) || runtime_load_plugins(&rt, &err)) {
        fprintf(stderr, "%s\n", sb_str(&err));
        status = EXIT_USAGE;
    } else {
        printf("%s: ok (%zu file%s, %zu plugin section%s)\n", config, rt.config.n_files,
               rt.config.n_files == 1 ? "" : "s", rt.n_instances,
               rt.n_instances == 1 ? "" : "s");
        for (size_t i = 0; i < rt.n_instances; i++) {
            const struct instance *in = rt.instances[i];
            printf("  [%s] plugin %s %s (%s:%d)\n", in->label, in->plugin->desc->name,
                   in->plugin->desc->version, in->section->file, in->section->line);
        }
    }
    sb_free(&err);
    free(config);
    runtime_free(&rt);
    return status;
}

const struct cli_command cli_check_config = {
    "check-config", cmd_check_config, "validate the configuration without running anything",
    "usage: crmgov check-config [-c FILE]\n"
    "\n"
    "Reads the configuration and every file it includes, loads each plugin a\n"
    "section names and checks every option against the plugin's declared\n"
    "table. Prints 'FILE: ok' and the sections, or the first error as\n"
    "'file:line: what' with exit status 2. Starts nothing and does not open\n"
    "the database.\n"
};
