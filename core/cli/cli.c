/*
 * cli.c -- shared plumbing of the subcommands; see cli.h.
 */
#include "cli/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "output.h"

#ifndef CRMGOV_SYSCONFDIR
#define CRMGOV_SYSCONFDIR "/usr/local/etc"
#endif

const struct cli_command *cli_find(const char *name)
{
    for (size_t i = 0; cli_commands[i]; i++)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}

static int find_option(const struct cli_option *options, const char *name, size_t len,
                       char short_name)
{
    for (int i = 0; options && options[i].name; i++) {
        if (short_name && options[i].short_name == short_name)
            return i;
        if (!short_name && strlen(options[i].name) == len &&
            strncmp(options[i].name, name, len) == 0)
            return i;
    }
    return -1;
}

static int usage_error(const char *command, const char *fmt, const char *arg)
{
    fprintf(stderr, "crmgov %s: ", command);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'crmgov help %s')\n", command);
    return EXIT_USAGE;
}

int cli_parse(const char *command, const struct cli_option *options, int argc, char **argv,
              struct cli_args *out)
{
    memset(out, 0, sizeof(*out));
    out->positional = xcalloc((size_t)argc + 1, sizeof(char *));
    int only_positional = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            out->positional[out->n_positional++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        int is_long = arg[1] == '-';
        const char *name = arg + (is_long ? 2 : 1);
        const char *eq = is_long ? strchr(name, '=') : NULL;
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (!is_long && len != 1) {
            cli_args_free(out);
            return usage_error(command, "unknown option '%s'", arg);
        }
        int k = find_option(options, name, len, is_long ? 0 : name[0]);
        if (k < 0) {
            cli_args_free(out);
            return usage_error(command, "unknown option '%s'", arg);
        }
        if (!options[k].has_arg) {
            if (eq) {
                cli_args_free(out);
                return usage_error(command, "option '%s' takes no value", arg);
            }
            out->value[k] = "";
        } else if (eq) {
            out->value[k] = eq + 1;
        } else if (i + 1 < argc) {
            out->value[k] = argv[++i];
        } else {
            cli_args_free(out);
            return usage_error(command, "option '%s' needs a value", arg);
        }
    }
    return 0;
}

void cli_args_free(struct cli_args *a)
{
    free(a->positional);
    a->positional = NULL;
}

const char *cli_get(const struct cli_option *options, const struct cli_args *a,
                    const char *name)
{
    int k = find_option(options, name, strlen(name), 0);
    return k < 0 ? NULL : a->value[k];
}

int cli_has(const struct cli_option *options, const struct cli_args *a, const char *name)
{
    return cli_get(options, a, name) != NULL;
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* conf/crmgov.ini beside the build/ folder holding this binary. */
static char *source_tree_config(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *bin_dir = path_dirname(exe);
    char *candidate = xasprintf("%s/../conf/crmgov.ini", bin_dir);
    free(bin_dir);
    char real[PATH_MAX];
    if (file_exists(candidate) && realpath(candidate, real)) {
        free(candidate);
        return xstrdup(real);
    }
    free(candidate);
    return NULL;
}

static char *find_config(const char *given, int quiet)
{
    if (given)
        return xstrdup(given);
    const char *env = getenv("CRMGOV_CONFIG");
    if (env && *env)
        return xstrdup(env);
    char *path = source_tree_config();
    if (path)
        return path;
    path = xstrdup(CRMGOV_SYSCONFDIR "/crmgov/crmgov.ini");
    if (file_exists(path))
        return path;
    if (!quiet)
        fprintf(stderr,
                "crmgov: no configuration found: give -c FILE, set CRMGOV_CONFIG, or "
                "install %s\n",
                path);
    free(path);
    return NULL;
}

char *cli_config_path(const char *given)
{
    return find_config(given, 0);
}

char *cli_config_path_quiet(void)
{
    return find_config(NULL, 1);
}

int cli_logging(const struct cli_option *options, const struct cli_args *a)
{
    const char *level = cli_get(options, a, "log-level");
    const char *format = cli_get(options, a, "log-format");
    enum crmgov_log_level l = log_level();
    enum log_format f = LOG_FORMAT_TEXT;
    if (level && log_parse_level(level, &l)) {
        fprintf(stderr, "crmgov: --log-level must be error, warn, info or debug\n");
        return EXIT_USAGE;
    }
    if (format && log_parse_format(format, &f)) {
        fprintf(stderr, "crmgov: --log-format must be text or json\n");
        return EXIT_USAGE;
    }
    if (level || format) {
        log_configure(l, f);
        setenv("CRMGOV_LOG_FIXED", "1", 1); /* [core] must not override the command line */
    }
    return 0;
}

int cli_open(struct runtime *rt, const char *config, enum cli_stage stage)
{
    struct strbuf err = STRBUF_INIT;
    int rc = runtime_load_config(rt, config, &err);
    if (rc == 0 && stage >= CLI_STAGE_STORE)
        rc = runtime_open_store(rt, &err);
    if (rc == 0 && stage >= CLI_STAGE_PLUGINS)
        rc = runtime_load_plugins(rt, &err);
    if (rc == 0 && stage >= CLI_STAGE_INIT) {
        rt->dispatcher.synchronous = 1;
        rc = runtime_init_plugins(rt, &err);
    }
    if (rc) {
        fprintf(stderr, "%s\n", sb_str(&err));
        sb_free(&err);
        return EXIT_USAGE;
    }
    sb_free(&err);
    return 0;
}

int cli_check_format(const char *command, const char *format, const char *extra)
{
    if (!format || table_format_valid(format) || (extra && strcmp(format, extra) == 0))
        return 0;
    fprintf(stderr, "crmgov %s: --format must be table, json or csv%s%s\n", command,
            extra ? " or " : "", extra ? extra : "");
    return EXIT_USAGE;
}

int cli_split_automation(const char *text, char **system, char **id)
{
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || !slash[1])
        return -1;
    *system = xstrndup(text, (size_t)(slash - text));
    *id = xstrdup(slash + 1);
    return 0;
}

/* A plugin command runs inside one transaction, committed unless it failed
 * with a usage error (2) or worse. */
static int run_in_transaction(struct runtime *rt, const struct command_entry *c, int argc,
                              char **argv)
{
    if (store_begin(&rt->store) != CRMGOV_OK)
        return EXIT_USAGE;
    int status = c->command->run(c->state, argc, argv);
    fflush(stdout);
    if (status == EXIT_OK || status == EXIT_FINDINGS) {
        if (store_commit(&rt->store) != CRMGOV_OK) {
            fprintf(stderr, "crmgov %s: could not save the result\n", argv[0]);
            status = EXIT_USAGE;
        }
    } else {
        store_rollback(&rt->store);
    }
    return status;
}

int cli_run_plugin_command(const char *name, int argc, char **argv)
{
    static const struct cli_option options[] = { CLI_COMMON_OPTIONS, { NULL, 0, 0 } };
    /* Only -c and logging are read here; the rest belongs to the command. */
    const char *config_arg = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)
            config_arg = argv[i + 1];
    (void)options;
    char *config = cli_config_path(config_arg);
    if (!config)
        return EXIT_USAGE;
    struct runtime rt;
    runtime_init(&rt);
    int status = cli_open(&rt, config, CLI_STAGE_INIT);
    free(config);
    if (status) {
        runtime_free(&rt);
        return status;
    }
    const struct command_entry *c = registry_command(&rt.registry, name);
    if (!c) {
        runtime_free(&rt);
        return -1;
    }
    /* hide -c FILE from the command */
    char **args = xcalloc((size_t)argc + 1, sizeof(char *));
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            i++;
            continue;
        }
        args[n++] = argv[i];
    }
    status = run_in_transaction(&rt, c, n, args);
    free(args);
    runtime_free(&rt);
    return status;
}
