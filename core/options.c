/*
 * options.c -- option tables and typed values; see options.h.
 *
 * Tables are walked with the stride the plugin was built with
 * (option_size), so a plugin built against an older, smaller struct
 * crmgov_option still reads correctly.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "timeutil.h"

const struct crmgov_option *option_at(const struct crmgov_option *table, uint32_t size,
                                      size_t i)
{
    return (const struct crmgov_option *)(const void *)((const char *)table + i * size);
}

size_t option_count(const struct crmgov_option *table, uint32_t size)
{
    size_t n = 0;
    if (!table)
        return 0;
    while (option_at(table, size, n)->name)
        n++;
    return n;
}

const struct crmgov_option *option_find(const struct crmgov_option *table, uint32_t size,
                                        const char *name)
{
    size_t n = option_count(table, size);
    for (size_t i = 0; i < n; i++)
        if (strcmp(option_at(table, size, i)->name, name) == 0)
            return option_at(table, size, i);
    return NULL;
}

const char *option_type_hint(enum crmgov_option_type type)
{
    switch (type) {
    case CRMGOV_OPT_INT:
        return "a whole number";
    case CRMGOV_OPT_BOOL:
        return "a boolean (true/false, yes/no, on/off, 1/0)";
    case CRMGOV_OPT_DOUBLE:
        return "a number";
    case CRMGOV_OPT_SIZE:
        return "a size (like 512, 64k, 1M)";
    case CRMGOV_OPT_DURATION:
        return "a duration (like 30s, 15m, 90d, 1h30m)";
    default:
        return "a string";
    }
}

/* Is item one of "a|b|c"? */
static int choice_allowed(const char *allowed, const char *item)
{
    size_t n = strlen(item);
    const char *p = allowed;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static void choices_text(const char *allowed, struct strbuf *sb)
{
    for (const char *p = allowed; *p; p++)
        sb_addc(sb, *p == '|' ? ',' : *p);
    /* "a,b,c" reads better as "a, b, c" */
    struct strbuf spaced = STRBUF_INIT;
    for (size_t i = 0; i < sb->len; i++) {
        sb_addc(&spaced, sb->buf[i]);
        if (sb->buf[i] == ',')
            sb_addc(&spaced, ' ');
    }
    sb_reset(sb);
    sb_add(sb, sb_str(&spaced), spaced.len);
    sb_free(&spaced);
}

static int parse_bool(const char *t, int64_t *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(t, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(t, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

static int parse_int(const char *t, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (errno || end == t || *end || isspace((unsigned char)*t))
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *t, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(t, &end);
    if (errno || end == t || *end || !isfinite(v) || isspace((unsigned char)*t))
        return -1;
    *out = v;
    return 0;
}

/* Parses a scalar of a numeric type into i or d; -1 when malformed. */
static int parse_number(enum crmgov_option_type type, const char *t, int64_t *i, double *d)
{
    switch (type) {
    case CRMGOV_OPT_INT:
        return parse_int(t, i);
    case CRMGOV_OPT_DOUBLE:
        return parse_double(t, d);
    case CRMGOV_OPT_SIZE:
        return (*i = size_parse(t)) < 0 ? -1 : 0;
    case CRMGOV_OPT_DURATION:
        return (*i = duration_parse(t)) < 0 ? -1 : 0;
    default:
        return -1;
    }
}

static int check_range(const struct crmgov_option *opt, const struct option_value *v,
                       struct strbuf *why)
{
    const char *bounds[2] = { opt->min, opt->max };
    for (int k = 0; k < 2; k++) {
        if (!bounds[k])
            continue;
        int64_t bi = 0;
        double bd = 0;
        if (parse_number(opt->type, bounds[k], &bi, &bd))
            continue; /* a malformed bound is caught by options_check_table */
        int below = opt->type == CRMGOV_OPT_DOUBLE ? v->d < bd : v->i < bi;
        int above = opt->type == CRMGOV_OPT_DOUBLE ? v->d > bd : v->i > bi;
        if ((k == 0 && below) || (k == 1 && above)) {
            sb_addf(why, "'%s' is %s than the %s, %s", v->text, k ? "more" : "less",
                    k ? "maximum" : "minimum", bounds[k]);
            return -1;
        }
    }
    return 0;
}

static int parse_list(const struct crmgov_option *opt, const char *text,
                      struct option_value *out, struct strbuf *why)
{
    char *copy = xstrdup(text);
    char *save = NULL;
    int rc = 0;
    if (!*str_trim(copy)) {
        free(copy);
        return 0; /* an empty list */
    }
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *item = str_trim(tok);
        if (!*item) {
            sb_addf(why, "'%s' has an empty item", text);
            rc = -1;
            break;
        }
        if (opt->allowed && !choice_allowed(opt->allowed, item)) {
            struct strbuf choices = STRBUF_INIT;
            choices_text(opt->allowed, &choices);
            sb_addf(why, "'%s' is not one of %s", item, sb_str(&choices));
            sb_free(&choices);
            rc = -1;
            break;
        }
        out->items = xrealloc(out->items, (out->n_items + 1) * sizeof(char *));
        out->items[out->n_items++] = xstrdup(item);
    }
    free(copy);
    return rc;
}

int option_parse(const struct crmgov_option *opt, const char *text, struct option_value *out,
                 struct strbuf *why)
{
    memset(out, 0, sizeof(*out));
    out->option = opt;
    out->text = xstrdup(text);
    int rc = 0;
    switch (opt->type) {
    case CRMGOV_OPT_STRING:
    case CRMGOV_OPT_SECRET:
        break;
    case CRMGOV_OPT_BOOL:
        if (parse_bool(text, &out->i))
            rc = -1, sb_addf(why, "'%s' is not %s", text, option_type_hint(opt->type));
        break;
    case CRMGOV_OPT_ENUM:
        if (!opt->allowed || !choice_allowed(opt->allowed, text)) {
            struct strbuf choices = STRBUF_INIT;
            choices_text(opt->allowed ? opt->allowed : "", &choices);
            sb_addf(why, "'%s' is not one of %s", text, sb_str(&choices));
            sb_free(&choices);
            rc = -1;
        }
        break;
    case CRMGOV_OPT_LIST:
        rc = parse_list(opt, text, out, why);
        break;
    default:
        if (parse_number(opt->type, text, &out->i, &out->d)) {
            sb_addf(why, "'%s' is not %s", text, option_type_hint(opt->type));
            rc = -1;
        } else {
            rc = check_range(opt, out, why);
        }
    }
    if (rc)
        option_value_clear(out);
    return rc;
}

void option_value_clear(struct option_value *v)
{
    free(v->text);
    for (size_t i = 0; i < v->n_items; i++)
        free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof(*v));
}

static int valid_option_name(const char *name)
{
    if (!*name)
        return 0;
    for (const char *c = name; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
            return 0;
    return 1;
}

static int check_one_option(const struct crmgov_option *opt, struct strbuf *why)
{
    if (!valid_option_name(opt->name))
        return sb_addf(why, "option '%s': names use only a-z, 0-9 and _", opt->name), -1;
    if ((unsigned)opt->type > CRMGOV_OPT_SECRET)
        return sb_addf(why, "option '%s': unknown type %d", opt->name, (int)opt->type), -1;
    if (!opt->doc || !*opt->doc)
        return sb_addf(why, "option '%s': no documentation line", opt->name), -1;
    if (opt->type == CRMGOV_OPT_ENUM && (!opt->allowed || !*opt->allowed))
        return sb_addf(why, "option '%s': an enum needs its allowed values", opt->name), -1;
    const char *bounds[2] = { opt->min, opt->max };
    for (int k = 0; k < 2; k++) {
        int64_t i;
        double d;
        if (bounds[k] && parse_number(opt->type, bounds[k], &i, &d))
            return sb_addf(why, "option '%s': bad %s '%s'", opt->name, k ? "max" : "min",
                           bounds[k]),
                   -1;
    }
    if ((opt->flags & CRMGOV_OPT_REQUIRED) && opt->default_value)
        return sb_addf(why, "option '%s': required options have no default", opt->name), -1;
    const char *samples[2] = { opt->default_value, opt->example };
    for (int k = 0; k < 2; k++) {
        if (!samples[k])
            continue;
        struct option_value v;
        struct strbuf inner = STRBUF_INIT;
        if (option_parse(opt, samples[k], &v, &inner)) {
            sb_addf(why, "option '%s': %s %s", opt->name, k ? "example" : "default",
                    sb_str(&inner));
            sb_free(&inner);
            return -1;
        }
        option_value_clear(&v);
        sb_free(&inner);
    }
    return 0;
}

int options_check_table(const struct crmgov_option *table, uint32_t size, struct strbuf *why)
{
    if (!table)
        return 0;
    if (size < sizeof(struct crmgov_option)) {
        sb_addf(why, "option table entries are %u bytes, ABI 1.0 needs %zu", size,
                sizeof(struct crmgov_option));
        return -1;
    }
    size_t n = option_count(table, size);
    for (size_t i = 0; i < n; i++) {
        const struct crmgov_option *opt = option_at(table, size, i);
        if (check_one_option(opt, why))
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(option_at(table, size, j)->name, opt->name) == 0) {
                sb_addf(why, "option '%s' is declared twice", opt->name);
                return -1;
            }
        }
    }
    return 0;
}

const struct option_value *config_value(const struct crmgov_config *c, const char *name)
{
    for (size_t i = 0; c && i < c->n_values; i++)
        if (strcmp(c->values[i].option->name, name) == 0)
            return &c->values[i];
    return NULL;
}

void config_values_free(struct crmgov_config *c)
{
    for (size_t i = 0; i < c->n_values; i++)
        option_value_clear(&c->values[i]);
    free(c->values);
    free(c->dir);
    memset(c, 0, sizeof(*c));
}

const char *option_suggest(const struct crmgov_option *table, uint32_t size, const char *name)
{
    const char *best = NULL;
    size_t best_distance = 3;
    size_t n = option_count(table, size);
    for (size_t i = 0; i < n; i++) {
        const char *candidate = option_at(table, size, i)->name;
        size_t d = str_distance(name, candidate, 2);
        if (d < best_distance || (!best && (str_starts(candidate, name) ||
                                            (strlen(candidate) >= 3 &&
                                             str_starts(name, candidate))))) {
            best = candidate;
            best_distance = d < best_distance ? d : best_distance;
        }
    }
    return best;
}

void option_names(const struct crmgov_option *table, uint32_t size, struct strbuf *sb)
{
    size_t n = option_count(table, size);
    for (size_t i = 0; i < n; i++)
        sb_addf(sb, "%s%s", i ? ", " : "", option_at(table, size, i)->name);
}
