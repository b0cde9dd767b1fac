/*
 * config.h -- the INI configuration as written: files, sections, entries,
 * each remembering its file and line.
 *
 * Reading and checking are two steps. config_load() reads the main file and
 * every file its [core] `include` globs name, and refuses anything that is not
 * well-formed INI of the shape crmgov expects (known section kinds, no repeated
 * key, no over-long line, no include loop). Checking values against option
 * tables happens later (runtime.c), once the plugins that declare them are
 * loaded. Both steps report `file:line: what` and fail closed.
 */
#ifndef CRMGOV_CONFIG_H
#define CRMGOV_CONFIG_H

#include <stddef.h>

#include "util.h"

/* Debian's libinih reads lines into a 200-byte buffer that must also hold the
 * newline and the NUL; longer lines would be split silently. */
#define CONFIG_MAX_LINE 198

struct config_entry {
    char *key;
    char *value;
    const char *file;   /* points into config.files */
    int line;
};

struct config_section {
    char *name;         /* "connector:demo" */
    char *kind;         /* "core", "connector", "layer", "sink" */
    char *instance;     /* "demo"; "" for [core] */
    const char *file;
    int line;
    struct config_entry *entries;
    size_t n_entries, cap_entries;
};

struct config {
    struct config_section *sections;
    size_t n_sections, cap_sections;
    char **files;       /* every file read, in order; [0] is the main file */
    size_t n_files, cap_files;
};

/* 0, or -1 with "file:line: what" in err. */
int config_load(const char *path, struct config *out, struct strbuf *err);
/* Parses INI text as if it were the file `name` (for the harness and tests). */
int config_load_string(const char *text, const char *name, struct config *out,
                       struct strbuf *err);
void config_free(struct config *c);

const struct config_section *config_section(const struct config *c, const char *name);
const struct config_entry *config_entry(const struct config_section *s, const char *key);

#endif
