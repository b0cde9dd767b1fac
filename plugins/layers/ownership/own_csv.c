/*
 * own_csv.c -- the reader of `crmgov owners import` files: RFC 4180 CSV as
 * spreadsheets write it (quoted fields, "" inside quotes, CRLF or LF line
 * ends, an optional UTF-8 byte order mark), into rows that remember the
 * line they start on, so a bad row can be named by its line number.
 *
 * The whole file is parsed before anything is applied: an import is all or
 * nothing. Bytes after a closing quote, a quote inside an unquoted field, an
 * unterminated quote and a NUL byte are errors, not guesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "own.h"

struct field_buf {
    char *buf;
    size_t len, cap;
};

static void field_add(struct field_buf *f, char c)
{
    if (f->len + 1 >= f->cap) {
        f->cap = f->cap ? f->cap * 2 : 32;
        char *grown = realloc(f->buf, f->cap);
        if (!grown)
            abort();
        f->buf = grown;
    }
    f->buf[f->len++] = c;
    f->buf[f->len] = '\0';
}

static char *field_take(struct field_buf *f)
{
    char *out = f->buf ? f->buf : own_strdup("");
    memset(f, 0, sizeof(*f));
    return out;
}

struct parser {
    const char *p, *end;
    size_t line;
    char *err;
    size_t errlen;
};

static int fail(struct parser *ps, size_t line, const char *what)
{
    snprintf(ps->err, ps->errlen, "%zu: %s", line, what);
    return -1;
}

static int at_line_end(const struct parser *ps)
{
    return ps->p == ps->end || *ps->p == '\n' || (*ps->p == '\r' && (ps->p + 1 == ps->end ||
                                                                      ps->p[1] == '\n'));
}

static void skip_line_end(struct parser *ps)
{
    if (ps->p < ps->end && *ps->p == '\r')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '\n') {
        ps->p++;
        ps->line++;
    }
}

/* A quoted field, from the opening quote to just after the closing one. */
static int quoted_field(struct parser *ps, struct field_buf *f, size_t start_line)
{
    ps->p++;
    for (;;) {
        if (ps->p == ps->end)
            return fail(ps, start_line, "a quoted field is never closed");
        char c = *ps->p++;
        if (c == '\0')
            return fail(ps, ps->line, "a NUL byte");
        if (c == '"') {
            if (ps->p < ps->end && *ps->p == '"') {
                field_add(f, '"');
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p != ',' && !at_line_end(ps))
                return fail(ps, ps->line, "text after a closing quote");
            return 0;
        }
        if (c == '\n')
            ps->line++;
        field_add(f, c);
    }
}

static int plain_field(struct parser *ps, struct field_buf *f)
{
    while (ps->p < ps->end && *ps->p != ',' && !at_line_end(ps)) {
        char c = *ps->p++;
        if (c == '"')
            return fail(ps, ps->line, "a quote inside an unquoted field");
        if (c == '\0')
            return fail(ps, ps->line, "a NUL byte");
        field_add(f, c);
    }
    return 0;
}

static void row_add(struct own_csv_row *row, char *field)
{
    char **fields = realloc(row->fields, (row->n_fields + 1) * sizeof(char *));
    if (!fields)
        abort();
    row->fields = fields;
    row->fields[row->n_fields++] = field;
}

static void row_free(struct own_csv_row *row)
{
    for (size_t i = 0; i < row->n_fields; i++)
        free(row->fields[i]);
    free(row->fields);
}

static int parse_row(struct parser *ps, struct own_csv_row *row)
{
    row->line = ps->line;
    for (;;) {
        struct field_buf f = { 0 };
        int rc = ps->p < ps->end && *ps->p == '"' ? quoted_field(ps, &f, ps->line)
                                                  : plain_field(ps, &f);
        row_add(row, field_take(&f));
        if (rc)
            return rc;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        skip_line_end(ps);
        return 0;
    }
}

static void push_row(struct own_csv *csv, const struct own_csv_row *row)
{
    struct own_csv_row *rows = realloc(csv->rows, (csv->n_rows + 1) * sizeof(*rows));
    if (!rows)
        abort();
    csv->rows = rows;
    csv->rows[csv->n_rows++] = *row;
}

int own_csv_parse(const char *text, size_t len, struct own_csv *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct parser ps = { .p = text, .end = text + len, .line = 1, .err = err,
                         .errlen = errlen };
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3;
    while (ps.p < ps.end) {
        if (at_line_end(&ps)) { /* an empty line */
            if (*ps.p == '\r')
                ps.p++;
            skip_line_end(&ps);
            continue;
        }
        struct own_csv_row row = { 0 };
        if (parse_row(&ps, &row)) {
            row_free(&row);
            own_csv_free(out);
            return -1;
        }
        push_row(out, &row);
    }
    return 0;
}

void own_csv_free(struct own_csv *csv)
{
    for (size_t i = 0; i < csv->n_rows; i++)
        row_free(&csv->rows[i]);
    free(csv->rows);
    memset(csv, 0, sizeof(*csv));
}
