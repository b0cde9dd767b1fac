/*
 * cmd_plugins.c -- `crmgov plugins`: what is installed, what each plugin
 * accepts, and the JSON Schema of its section.
 *
 * Everything shown comes from the plugins' own descriptors and option
 * tables, so the documentation cannot drift from what the core validates.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "names.h"
#include "output.h"
#include "trust.h"

static const struct cli_option plugins_options[] = {
    CLI_COMMON_OPTIONS, { "info", 0, 1 }, { "schema", 0, 1 }, { "format", 0, 1 },
    { NULL, 0, 0 },
};

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.so of dir into the registry under [core] plugin_policy (so
 * listing never runs code the policy would refuse); refusals are printed. */
static int load_all(struct runtime *rt, struct registry *reg, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "crmgov plugins: cannot read plugin_dir %s\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!str_ends(e->d_name, ".so"))
            continue;
        names = grow_array(names, &cap, n + 1, sizeof(char *));
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(char *), compare_names);
    int refused = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct plugin *p = NULL;
        struct strbuf why = STRBUF_INIT;
        struct loader_trust trust;
        char pin[65];
        char *name = xstrndup(names[i], strlen(names[i]) - 3);
        trust_for_listing(rt, name, pin, &trust);
        free(name);
        int rc = loader_open_trusted(path, &trust, NULL, &p, &why);
        if (rc == 0 && registry_add_plugin(reg, p, &why)) {
            loader_close(p);
            rc = -1;
        }
        if (rc) {
            fprintf(stderr, "crmgov: %s: %s\n", path, sb_str(&why));
            refused++;
        }
        sb_free(&why);
        free(path);
        free(names[i]);
    }
    free(names);
    return refused;
}

static void option_flags(const struct crmgov_option *o, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", (o->flags & CRMGOV_OPT_REQUIRED) ? "required " : "",
             (o->flags & CRMGOV_OPT_SENSITIVE) || o->type == CRMGOV_OPT_SECRET ? "secret " : "",
             (o->flags & CRMGOV_OPT_DEPRECATED) ? "deprecated " : "");
    size_t len = strlen(buf);
    if (len)
        buf[len - 1] = '\0';
}

static void option_range(const struct crmgov_option *o, struct strbuf *sb)
{
    if (o->allowed)
        sb_addf(sb, "one of %s", o->allowed);
    if (o->min)
        sb_addf(sb, "%smin %s", sb->len ? "; " : "", o->min);
    if (o->max)
        sb_addf(sb, "%smax %s", sb->len ? "; " : "", o->max);
}

static void list_plugins(const struct registry *reg, const char *format)
{
    const char *cols[] = { "name", "kind", "version", "abi", "description", "options" };
    struct crmgov_table *t = table_new(cols, 6);
    for (size_t i = 0; i < reg->n_plugins; i++) {
        const struct crmgov_plugin *d = reg->plugins[i]->desc;
        char abi[16];
        snprintf(abi, sizeof(abi), "%u.%u", d->abi_major, d->abi_minor);
        struct strbuf opts = STRBUF_INIT;
        option_names(d->options, d->option_size, &opts);
        const char *row[] = { d->name, name_of(&names_plugin_kind, (int)d->kind), d->version,
                              abi, d->description ? d->description : "", sb_str(&opts) };
        table_row(t, row);
        sb_free(&opts);
    }
    table_print(t, format);
}

static void info_plugin(const struct plugin *p, const char *format)
{
    const struct crmgov_plugin *d = p->desc;
    if (!format || strcmp(format, "table") == 0) {
        printf("%s %s -- %s\n", d->name, d->version, d->description ? d->description : "");
        printf("  kind:    %s\n", name_of(&names_plugin_kind, (int)d->kind));
        printf("  abi:     %u.%u\n", d->abi_major, d->abi_minor);
        printf("  vendor:  %s\n", d->vendor ? d->vendor : "-");
        printf("  license: %s\n", d->license ? d->license : "-");
        printf("  file:    %s\n", p->path);
        printf("  sha256:  %s\n\n", p->sha256);
    }
    const char *cols[] = { "option", "type", "default", "flags", "allowed", "doc" };
    struct crmgov_table *t = table_new(cols, 6);
    size_t n = option_count(d->options, d->option_size);
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_option *o = option_at(d->options, d->option_size, i);
        char flags[64];
        option_flags(o, flags, sizeof(flags));
        struct strbuf range = STRBUF_INIT;
        option_range(o, &range);
        const char *row[] = { o->name, name_of(&names_option_type, (int)o->type),
                              o->default_value ? o->default_value : "", flags, sb_str(&range),
                              o->doc };
        table_row(t, row);
        sb_free(&range);
    }
    table_print(t, format);
}

static cJSON *option_schema(const struct crmgov_option *o)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "description", o->doc);
    cJSON_AddStringToObject(s, "x-crmgov-type", name_of(&names_option_type, (int)o->type));
    if (o->default_value)
        cJSON_AddStringToObject(s, "default", o->default_value);
    if (o->example)
        cJSON_AddItemToObject(s, "examples", cJSON_CreateStringArray(&o->example, 1));
    if ((o->flags & CRMGOV_OPT_SENSITIVE) || o->type == CRMGOV_OPT_SECRET)
        cJSON_AddBoolToObject(s, "writeOnly", 1);
    if (o->flags & CRMGOV_OPT_DEPRECATED)
        cJSON_AddBoolToObject(s, "deprecated", 1);
    /* INI values are text; the pattern says which text each type accepts. */
    cJSON_AddStringToObject(s, "type", "string");
    switch (o->type) {
    case CRMGOV_OPT_INT:
        cJSON_AddStringToObject(s, "pattern", "^[-+]?[0-9]+$");
        break;
    case CRMGOV_OPT_DOUBLE:
        cJSON_AddStringToObject(s, "pattern", "^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$");
        break;
    case CRMGOV_OPT_BOOL:
        cJSON_AddStringToObject(s, "pattern", "^(?i:true|false|yes|no|on|off|1|0)$");
        break;
    case CRMGOV_OPT_SIZE:
        cJSON_AddStringToObject(s, "pattern", "^[0-9]+([bB]|[kK]|KB|KiB|kB|[mM]|MB|MiB|[gG]|GB|GiB|T|TB|TiB)?$");
        break;
    case CRMGOV_OPT_DURATION:
        cJSON_AddStringToObject(s, "pattern", "^(0|([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m(?!s))?([0-9]+s)?([0-9]+ms)?)$");
        break;
    case CRMGOV_OPT_ENUM: {
        cJSON *e = cJSON_AddArrayToObject(s, "enum");
        char *copy = xstrdup(o->allowed);
        char *save = NULL;
        for (char *tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
            cJSON_AddItemToArray(e, cJSON_CreateString(tok));
        free(copy);
        break;
    }
    default:
        break;
    }
    if (o->min)
        cJSON_AddStringToObject(s, "x-crmgov-min", o->min);
    if (o->max)
        cJSON_AddStringToObject(s, "x-crmgov-max", o->max);
    if (o->allowed && o->type == CRMGOV_OPT_LIST)
        cJSON_AddStringToObject(s, "x-crmgov-items", o->allowed);
    return s;
}

static void schema_plugin(const struct plugin *p)
{
    const struct crmgov_plugin *d = p->desc;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "$schema", "https://json-schema.org/draft/2020-12/schema");
    char *id = xasprintf("urn:crmgov:plugin:%s:%s", d->name, d->version);
    cJSON_AddStringToObject(root, "$id", id);
    free(id);
    char *title = xasprintf("[%s:NAME] section of plugin %s",
                            name_of(&names_plugin_kind, (int)d->kind), d->name);
    cJSON_AddStringToObject(root, "title", title);
    free(title);
    cJSON_AddStringToObject(root, "type", "object");
    cJSON *props = cJSON_AddObjectToObject(root, "properties");
    cJSON *plugin = cJSON_AddObjectToObject(props, "plugin");
    cJSON_AddStringToObject(plugin, "const", d->name);
    cJSON *enabled = cJSON_AddObjectToObject(props, "enabled");
    cJSON_AddStringToObject(enabled, "type", "string");
    cJSON_AddStringToObject(enabled, "pattern", "^(?i:true|false|yes|no|on|off|1|0)$");
    cJSON *required = cJSON_AddArrayToObject(root, "required");
    size_t n = option_count(d->options, d->option_size);
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_option *o = option_at(d->options, d->option_size, i);
        cJSON_AddItemToObject(props, o->name, option_schema(o));
        if (o->flags & CRMGOV_OPT_REQUIRED)
            cJSON_AddItemToArray(required, cJSON_CreateString(o->name));
    }
    cJSON_AddBoolToObject(root, "additionalProperties", 0);
    char *text = cJSON_Print(root);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(root);
}

static int cmd_plugins(int argc, char **argv)
{
    struct cli_args args;
    if (cli_parse("plugins", plugins_options, argc, argv, &args))
        return EXIT_USAGE;
    const char *format = cli_get(plugins_options, &args, "format");
    const char *info = cli_get(plugins_options, &args, "info");
    const char *schema = cli_get(plugins_options, &args, "schema");
    int status = cli_logging(plugins_options, &args);
    if (!status)
        status = cli_check_format("plugins", format, NULL);
    char *config = status ? NULL : cli_config_path(cli_get(plugins_options, &args, "config"));
    cli_args_free(&args);
    if (!config)
        return EXIT_USAGE;
    struct runtime rt;
    runtime_init(&rt);
    status = cli_open(&rt, config, CLI_STAGE_CONFIG);
    free(config);
    struct strbuf err = STRBUF_INIT;
    if (status == 0 && trust_setup(&rt, &err)) {
        fprintf(stderr, "%s\n", sb_str(&err));
        status = EXIT_USAGE;
    }
    sb_free(&err);
    if (status == 0) {
        char *dir = runtime_core_path(&rt, "plugin_dir");
        int refused = load_all(&rt, &rt.registry, dir);
        free(dir);
        const char *wanted = info ? info : schema;
        const struct plugin *p = wanted ? registry_plugin(&rt.registry, wanted) : NULL;
        if (refused < 0) {
            status = EXIT_USAGE;
        } else if (wanted && !p) {
            fprintf(stderr, "crmgov plugins: no plugin named '%s'\n", wanted);
            status = EXIT_USAGE;
        } else if (info) {
            info_plugin(p, format);
        } else if (schema) {
            schema_plugin(p);
        } else {
            list_plugins(&rt.registry, format);
            status = refused ? EXIT_FINDINGS : EXIT_OK;
        }
    }
    runtime_free(&rt);
    return status;
}

const struct cli_command cli_plugins = {
    "plugins", cmd_plugins, "list installed plugins, their options and schemas",
    "usage: crmgov plugins [-c FILE] [--format table|json|csv]\n"
    "       crmgov plugins --info NAME [--format table|json|csv]\n"
    "       crmgov plugins --schema NAME\n"
    "\n"
    "Loads every .so in [core] plugin_dir and lists name, kind, version, ABI\n"
    "and option names. Files load under [core] plugin_policy (unsigned or\n"
    "unpinned files are not loaded when the policy asks for them). A file that\n"
    "is refused is reported on stderr with the reason, and the exit status is 1.\n"
    "\n"
    "  --info NAME       everything about one plugin, with its option table\n"
    "                    (type, default, flags, allowed values, documentation)\n"
    "  --schema NAME     the JSON Schema (draft 2020-12) of its INI section\n"
    "  --format FORMAT   table (default), json or csv\n"
};
