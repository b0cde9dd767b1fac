/*
 * options.h -- declared options: checking a table, parsing values against it,
 * and the typed values a plugin reads back.
 *
 * A plugin never parses its own configuration. It declares a table of options
 * (plugin.h); the core checks the table itself when the plugin loads (every
 * default must parse as its own type), checks each INI value against it, and
 * hands the plugin typed values. The same code checks the core's own [core]
 * section, so the core eats its own cooking.
 */
#ifndef CRMGOV_OPTIONS_H
#define CRMGOV_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "crmgov/plugin.h"
#include "util.h"

/* The i-th option of a table whose entries are `size` bytes apart. */
const struct crmgov_option *option_at(const struct crmgov_option *table, uint32_t size,
                                      size_t i);
size_t option_count(const struct crmgov_option *table, uint32_t size);
const struct crmgov_option *option_find(const struct crmgov_option *table, uint32_t size,
                                        const char *name);

/* Checks a declared table: names, types, defaults, ranges, enum choices. */
int options_check_table(const struct crmgov_option *table, uint32_t size, struct strbuf *why);

struct option_value {
    const struct crmgov_option *option;
    char *text;         /* as written (or the default); NULL when unset */
    int is_set;         /* written in the section, not defaulted */
    int64_t i;          /* INT, SIZE, DURATION (ms), BOOL */
    double d;           /* DOUBLE */
    char **items;       /* LIST */
    size_t n_items;
};

/* Parses text as the option's type and checks its range and choices. */
int option_parse(const struct crmgov_option *opt, const char *text, struct option_value *out,
                 struct strbuf *why);
void option_value_clear(struct option_value *v);

/* The values of one section, one per declared option. */
struct crmgov_config {
    struct option_value *values;
    size_t n_values;
    char *dir;                          /* directory of the configuring file */
    const struct crmgov_host *host;     /* for config_global */
};

const struct option_value *config_value(const struct crmgov_config *c, const char *name);
void config_values_free(struct crmgov_config *c);

/* "did you mean 'x'?" candidate among the table's names, or NULL. */
const char *option_suggest(const struct crmgov_option *table, uint32_t size, const char *name);
/* "a, b, c" of all names into sb. */
void option_names(const struct crmgov_option *table, uint32_t size, struct strbuf *sb);
/* How a type is written, for messages: "a duration (like 15m, 90d)". */
const char *option_type_hint(enum crmgov_option_type type);

#endif
