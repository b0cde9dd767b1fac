/*
 * config.c -- reading INI files with inih, safely; see config.h.
 *
 * Debian's libinih is built with a 200-byte line buffer and a handler without
 * line numbers. A longer line would be cut and its overflow parsed as a second
 * `key = value` -- an injection risk -- so inih never reads the file itself:
 * our reader hands it one line at a time, counts lines (so every entry knows
 * its line), and stops the parse with an error on an over-long line. Indented
 * lines are refused too: inih would treat them as continuations of the
 * previous value, which is never what an admin meant in this format.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

struct reader {
    FILE *file;             /* either a file ... */
    const char *text;       /* ... or a string */
    const char *path;       /* as stored in config.files */
    int line;
    struct config *config;
    struct config_section *current;
    struct strbuf *err;
    int err_line;           /* line of the first error we reported, 0 = none */
    char **stack;           /* realpaths of the files being read (loop check) */
    size_t depth;
};

static int load_file(struct reader *parent, const char *path, int from_line);

static int report(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first error; returns 0 so inih's handler contract reads naturally. */
static int report(struct reader *r, const char *fmt, ...)
{
    if (r->err_line)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    sb_reset(r->err);
    sb_addf(r->err, "%s:%d: ", r->path, r->line);
    sb_vaddf(r->err, fmt, ap);
    va_end(ap);
    r->err_line = r->line ? r->line : 1;
    return 0;
}

static const char *intern_file(struct config *c, const char *path)
{
    c->files = grow_array(c->files, &c->cap_files, c->n_files + 1, sizeof(char *));
    c->files[c->n_files] = xstrdup(path);
    return c->files[c->n_files++];
}

static int valid_instance_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static struct config_section *find_section(struct config *c, const char *name)
{
    for (size_t i = 0; i < c->n_sections; i++)
        if (strcmp(c->sections[i].name, name) == 0)
            return &c->sections[i];
    return NULL;
}

/* Sections without a plugin: [core] (checked against the core's options) and
 * [contacts] (free-form: principal id = address, read by sinks through
 * host->config_global). */
static int split_section_name(const char *name, char **kind, char **instance)
{
    if (strcmp(name, "core") == 0 || strcmp(name, "contacts") == 0) {
        *kind = xstrdup(name);
        *instance = xstrdup("");
        return 0;
    }
    static const char *const kinds[] = { "connector", "layer", "sink" };
    const char *colon = strchr(name, ':');
    if (!colon)
        return -1;
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        if (strlen(kinds[i]) == (size_t)(colon - name) &&
            strncmp(name, kinds[i], strlen(kinds[i])) == 0 && valid_instance_name(colon + 1)) {
            *kind = xstrdup(kinds[i]);
            *instance = xstrdup(colon + 1);
            return 0;
        }
    }
    return -1;
}

/* A [section] header: the core section may be continued by included files;
 * a plugin section may not appear twice. */
static int open_section(struct reader *r, const char *name)
{
    struct config *c = r->config;
    struct config_section *s = find_section(c, name);
    if (s && strcmp(name, "core") != 0 && strcmp(name, "contacts") != 0)
        return report(r, "section [%s] appears twice (first at %s:%d)", name, s->file, s->line);
    if (!s) {
        char *kind, *instance;
        if (split_section_name(name, &kind, &instance))
            return report(r, "unknown section [%s] (sections are [core], [contacts], "
                             "[connector:NAME], [layer:NAME] and [sink:NAME]; NAME uses a-z, "
                             "0-9, _ and -)",
                          name);
        c->sections = grow_array(c->sections, &c->cap_sections, c->n_sections + 1,
                                 sizeof(*c->sections));
        s = &c->sections[c->n_sections++];
        memset(s, 0, sizeof(*s));
        s->name = xstrdup(name);
        s->kind = kind;
        s->instance = instance;
        s->file = r->path;
        s->line = r->line;
    }
    r->current = s;
    return 1;
}

static int add_includes(struct reader *r, const char *value)
{
    char *dir = path_dirname(r->path);
    char *list = xstrdup(value);
    char *save = NULL;
    int ok = 1;
    for (char *tok = strtok_r(list, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
        char *pattern = path_join(dir, str_trim(tok));
        glob_t g;
        int rc = glob(pattern, GLOB_ERR, NULL, &g);
        if (rc == GLOB_NOMATCH && !strpbrk(pattern, "*?[")) {
            ok = report(r, "include '%s': no such file", pattern);
        } else if (rc != 0 && rc != GLOB_NOMATCH) {
            ok = report(r, "include '%s': cannot read the folder", pattern);
        } else {
            for (size_t i = 0; rc == 0 && i < g.gl_pathc && ok; i++)
                ok = load_file(r, g.gl_pathv[i], r->line) == 0;
        }
        if (rc == 0)
            globfree(&g);
        free(pattern);
    }
    free(list);
    free(dir);
    return ok;
}

static int handle_entry(void *user, const char *section, const char *name, const char *value)
{
    struct reader *r = user;
    if (!name)
        return 1; /* inih announcing a new section: open_section saw it already */
    if (!section[0] || !r->current)
        return report(r, "'%s' is outside any section", name);
    struct config_section *s = r->current;
    int is_include = strcmp(s->kind, "core") == 0 && strcmp(name, "include") == 0;
    for (size_t i = 0; i < s->n_entries && !is_include; i++) {
        if (strcmp(s->entries[i].key, name) == 0)
            return report(r, "option '%s' is set twice in [%s] (first at %s:%d)", name,
                          s->name, s->entries[i].file, s->entries[i].line);
    }
    s->entries = grow_array(s->entries, &s->cap_entries, s->n_entries + 1, sizeof(*s->entries));
    struct config_entry *e = &s->entries[s->n_entries++];
    e->key = xstrdup(name);
    e->value = xstrdup(value);
    e->file = r->path;
    e->line = r->line;
    if (is_include) /* each file of the tree may include more */
        return add_includes(r, value);
    return 1;
}

/* Fetches the next physical line into buf; NULL at the end. */
static char *next_line(struct reader *r, struct strbuf *buf)
{
    sb_reset(buf);
    if (r->file) {
        int ch;
        while ((ch = fgetc(r->file)) != EOF) {
            sb_addc(buf, (char)ch);
            if (ch == '\n')
                break;
        }
        return buf->len ? buf->buf : NULL;
    }
    if (!*r->text)
        return NULL;
    const char *nl = strchr(r->text, '\n');
    size_t n = nl ? (size_t)(nl - r->text) + 1 : strlen(r->text);
    sb_add(buf, r->text, n);
    r->text += n;
    return buf->buf;
}

static int check_line(struct reader *r, char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len > CONFIG_MAX_LINE) {
        report(r, "line is %zu characters long; the longest allowed is %d", len,
               CONFIG_MAX_LINE);
        return -1;
    }
    if (line[0] == ' ' || line[0] == '\t') {
        const char *t = line + strspn(line, " \t");
        if (*t && *t != ';' && *t != '#') {
            report(r, "indented line: write 'key = value' at the start of the line "
                      "(continuation lines are not supported)");
            return -1;
        }
    }
    const char *t = line + strspn(line, " \t");
    if (*t == '[') {
        const char *end = strchr(t, ']');
        if (!end) {
            report(r, "section header without ']'");
            return -1;
        }
        char *name = xstrndup(t + 1, (size_t)(end - t - 1));
        int ok = strlen(name) < 50 ? open_section(r, name) : report(r, "section name too long");
        free(name);
        if (!ok)
            return -1;
    }
    return 0;
}

static char *reader_fn(char *str, int num, void *stream)
{
    struct reader *r = stream;
    struct strbuf buf = STRBUF_INIT;
    if (r->err_line || !next_line(r, &buf)) {
        sb_free(&buf);
        return NULL;
    }
    r->line++;
    char *line = buf.buf;
    if (check_line(r, line) || (int)strlen(line) + 2 > num) {
        if (!r->err_line)
            report(r, "line too long");
        sb_free(&buf);
        return NULL;
    }
    snprintf(str, (size_t)num, "%s\n", line);
    sb_free(&buf);
    return str;
}

static int run_parse(struct reader *r)
{
    int rc = ini_parse_stream(reader_fn, r, handle_entry, r);
    if (rc > 0 && (!r->err_line || rc < r->err_line)) {
        r->err_line = 0;
        r->line = rc;
        report(r, "syntax error: expected '[section]', 'key = value' or a comment");
    } else if (rc == -2 && !r->err_line) {
        report(r, "out of memory");
    }
    return r->err_line ? -1 : 0;
}

static int load_file(struct reader *parent, const char *path, int from_line)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return report(parent, "include '%s': %s", path, strerror(errno)), -1;
    for (size_t i = 0; parent && i < parent->depth; i++) {
        if (strcmp(parent->stack[i], real) == 0)
            return report(parent, "include loop: '%s' includes itself (through line %d)", path,
                          from_line),
                   -1;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return report(parent, "include '%s': %s", path, strerror(errno)), -1;
    struct reader r = { .file = f, .path = intern_file(parent->config, path),
                        .config = parent->config, .err = parent->err };
    r.stack = xcalloc(parent->depth + 1, sizeof(char *));
    memcpy(r.stack, parent->stack, parent->depth * sizeof(char *));
    r.stack[parent->depth] = real;
    r.depth = parent->depth + 1;
    int rc = run_parse(&r);
    fclose(f);
    free(r.stack);
    if (rc) {
        parent->err_line = parent->line ? parent->line : 1; /* keep the inner message */
        return -1;
    }
    return 0;
}

int config_load(const char *path, struct config *out, struct strbuf *err)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "r");
    if (!f) {
        sb_reset(err);
        sb_addf(err, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char real[PATH_MAX];
    char *stack[1] = { realpath(path, real) ? real : (char *)path };
    struct reader r = { .file = f, .path = intern_file(out, path), .config = out, .err = err,
                        .stack = stack, .depth = 1 };
    int rc = run_parse(&r);
    fclose(f);
    if (rc)
        config_free(out);
    return rc;
}

int config_load_string(const char *text, const char *name, struct config *out,
                       struct strbuf *err)
{
    memset(out, 0, sizeof(*out));
    char *stack[1] = { (char *)name };
    struct reader r = { .text = text, .path = intern_file(out, name), .config = out,
                        .err = err, .stack = stack, .depth = 1 };
    int rc = run_parse(&r);
    if (rc)
        config_free(out);
    return rc;
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < c->n_sections; i++) {
        struct config_section *s = &c->sections[i];
        for (size_t j = 0; j < s->n_entries; j++) {
            free(s->entries[j].key);
            free(s->entries[j].value);
        }
        free(s->entries);
        free(s->name);
        free(s->kind);
        free(s->instance);
    }
    free(c->sections);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    memset(c, 0, sizeof(*c));
}

const struct config_section *config_section(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->n_sections; i++)
        if (strcmp(c->sections[i].name, name) == 0)
            return &c->sections[i];
    return NULL;
}

const struct config_entry *config_entry(const struct config_section *s, const char *key)
{
    for (size_t i = 0; s && i < s->n_entries; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}
