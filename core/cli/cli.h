/*
 * cli.h -- what every subcommand shares: its entry in the command table,
 * option parsing with uniform errors, finding the configuration, and opening
 * a runtime up to the stage the command needs.
 *
 * One file per subcommand (git style): core/cli/cmd_NAME.c defines
 * `int cmd_NAME(int argc, char **argv)` and its `struct cli_command`, whose
 * usage text is the command's documentation (`crmgov help NAME`).
 */
#ifndef CRMGOV_CLI_H
#define CRMGOV_CLI_H

#include "runtime.h"

enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage;
};

extern const struct cli_command *const cli_commands[];
const struct cli_command *cli_find(const char *name);

/* ------------------------------------------------------------------------ */
/* options                                                                   */

#define CLI_MAX_OPTIONS 24

struct cli_option {
    const char *name;       /* long name without dashes */
    char short_name;        /* 0 = none */
    int has_arg;
};

struct cli_args {
    const char *value[CLI_MAX_OPTIONS];     /* by option index; "" for flags */
    char **positional;
    int n_positional;
};

/* 0, or prints "crmgov CMD: ..." and returns EXIT_USAGE. Options may come
 * before or after positional arguments; "--" ends options. */
int cli_parse(const char *command, const struct cli_option *options, int argc, char **argv,
              struct cli_args *out);
void cli_args_free(struct cli_args *a);
/* The value of option `name` (NULL when absent). */
const char *cli_get(const struct cli_option *options, const struct cli_args *a,
                    const char *name);
int cli_has(const struct cli_option *options, const struct cli_args *a, const char *name);

/* Options every config-reading command accepts. */
#define CLI_COMMON_OPTIONS \
    { "config", 'c', 1 }, { "log-level", 0, 1 }, { "log-format", 0, 1 }

/* ------------------------------------------------------------------------ */
/* runtime                                                                   */

enum cli_stage {
    CLI_STAGE_CONFIG,       /* configuration read and checked */
    CLI_STAGE_STORE,        /* + store open */
    CLI_STAGE_PLUGINS,      /* + plugins loaded, their options checked */
    CLI_STAGE_INIT          /* + plugins initialised (commands mode) */
};

/* The configuration file: -c, $CRMGOV_CONFIG, conf/crmgov.ini of the source
 * tree this binary was built in, $PREFIX/etc/crmgov/crmgov.ini. NULL (after
 * printing why) when none is found. Caller frees. */
char *cli_config_path(const char *given);
/* The same search without -c, returning NULL silently. */
char *cli_config_path_quiet(void);
/* Applies --log-level / --log-format. EXIT_USAGE on a bad value. */
int cli_logging(const struct cli_option *options, const struct cli_args *a);
/* Opens a runtime up to stage; prints the error and returns EXIT_USAGE. */
int cli_open(struct runtime *rt, const char *config, enum cli_stage stage);
/* Validates --format against table|json|csv (plus `extra`, may be NULL). */
int cli_check_format(const char *command, const char *format, const char *extra);

/* "SYSTEM/ID" into its parts (the id may itself contain '/'). */
int cli_split_automation(const char *text, char **system, char **id);

/* Runs a plugin-provided command (`crmgov owners ...`). -1 when no plugin
 * offers it. */
int cli_run_plugin_command(const char *name, int argc, char **argv);

#endif
