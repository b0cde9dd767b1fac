/*
 * output.c -- table, JSON and CSV rendering; see output.h.
 *
 * Text tables measure width in UTF-8 code points, not bytes, so names with
 * accents (Ana Ruíz) do not push the columns out of line.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"

struct crmgov_table {
    size_t n_columns;
    char **names;       /* without suffix */
    char *types;        /* 's', 'n', 'b', 'j' */
    char **cells;       /* rows * n_columns; NULL = empty */
    size_t n_rows, cap_rows;
};

struct crmgov_table *table_new(const char *const *columns, size_t n_columns)
{
    struct crmgov_table *t = xcalloc(1, sizeof(*t));
    t->n_columns = n_columns;
    t->names = xcalloc(n_columns ? n_columns : 1, sizeof(char *));
    t->types = xcalloc(n_columns + 1, 1);
    for (size_t i = 0; i < n_columns; i++) {
        const char *colon = strrchr(columns[i], ':');
        if (colon && colon[1] && !colon[2] && strchr("nbj", colon[1])) {
            t->names[i] = xstrndup(columns[i], (size_t)(colon - columns[i]));
            t->types[i] = colon[1];
        } else {
            t->names[i] = xstrdup(columns[i]);
            t->types[i] = 's';
        }
    }
    return t;
}

void table_row(struct crmgov_table *t, const char *const *cells)
{
    size_t need = (t->n_rows + 1) * t->n_columns;
    size_t cap = t->cap_rows * t->n_columns;
    if (need > cap) {
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 16;
        t->cells = xrealloc(t->cells, t->cap_rows * (t->n_columns ? t->n_columns : 1) *
                                          sizeof(char *));
    }
    for (size_t i = 0; i < t->n_columns; i++)
        t->cells[t->n_rows * t->n_columns + i] = cells[i] ? xstrdup(cells[i]) : NULL;
    t->n_rows++;
}

void table_free(struct crmgov_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
        free(t->cells[i]);
    for (size_t i = 0; i < t->n_columns; i++)
        free(t->names[i]);
    free(t->names);
    free(t->types);
    free(t->cells);
    free(t);
}

static size_t display_width(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static void print_text(struct crmgov_table *t, FILE *out)
{
    size_t *width = xcalloc(t->n_columns ? t->n_columns : 1, sizeof(size_t));
    for (size_t c = 0; c < t->n_columns; c++) {
        width[c] = strlen(t->names[c]);
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t w = display_width(t->cells[r * t->n_columns + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r <= t->n_rows; r++) {
        for (size_t c = 0; c < t->n_columns; c++) {
            const char *cell = r == 0 ? NULL : t->cells[(r - 1) * t->n_columns + c];
            if (r == 0) {
                for (const char *p = t->names[c]; *p; p++)
                    fputc(*p >= 'a' && *p <= 'z' ? *p - 32 : *p, out);
                cell = t->names[c];
            } else {
                fputs(cell ? cell : "", out);
            }
            if (c + 1 < t->n_columns)
                for (size_t pad = display_width(cell); pad < width[c] + 2; pad++)
                    fputc(' ', out);
        }
        fputc('\n', out);
    }
    free(width);
}

static cJSON *typed_cell(char type, const char *cell)
{
    if (!cell)
        return cJSON_CreateNull();
    if (type == 'n') {
        char *end;
        double v = strtod(cell, &end);
        return *cell && !*end ? cJSON_CreateNumber(v) : cJSON_CreateString(cell);
    }
    if (type == 'b')
        return cJSON_CreateBool(strcmp(cell, "true") == 0 || strcmp(cell, "yes") == 0 ||
                                strcmp(cell, "1") == 0);
    if (type == 'j') {
        cJSON *j = cJSON_Parse(cell);
        return j ? j : cJSON_CreateString(cell);
    }
    return cJSON_CreateString(cell);
}

static void print_json(struct crmgov_table *t, FILE *out)
{
    cJSON *rows = cJSON_CreateArray();
    for (size_t r = 0; r < t->n_rows; r++) {
        cJSON *o = cJSON_CreateObject();
        for (size_t c = 0; c < t->n_columns; c++)
            cJSON_AddItemToObject(o, t->names[c],
                                  typed_cell(t->types[c], t->cells[r * t->n_columns + c]));
        cJSON_AddItemToArray(rows, o);
    }
    char *text = cJSON_Print(rows);
    fprintf(out, "%s\n", text ? text : "[]");
    cJSON_free(text);
    cJSON_Delete(rows);
}

static void csv_cell(const char *cell, FILE *out)
{
    if (!cell)
        return;
    if (!strpbrk(cell, ",\"\r\n")) {
        fputs(cell, out);
        return;
    }
    fputc('"', out);
    for (const char *p = cell; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void print_csv(struct crmgov_table *t, FILE *out)
{
    for (size_t c = 0; c < t->n_columns; c++) {
        if (c)
            fputc(',', out);
        csv_cell(t->names[c], out);
    }
    fputs("\r\n", out);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_columns; c++) {
            if (c)
                fputc(',', out);
            csv_cell(t->cells[r * t->n_columns + c], out);
        }
        fputs("\r\n", out);
    }
}

int table_format_valid(const char *format)
{
    return format && (strcmp(format, "table") == 0 || strcmp(format, "json") == 0 ||
                      strcmp(format, "csv") == 0);
}

int table_print_to(struct crmgov_table *t, const char *format, FILE *out)
{
    int rc = 0;
    if (!format || strcmp(format, "table") == 0)
        print_text(t, out);
    else if (strcmp(format, "json") == 0)
        print_json(t, out);
    else if (strcmp(format, "csv") == 0)
        print_csv(t, out);
    else
        rc = -1;
    table_free(t);
    return rc;
}

int table_print(struct crmgov_table *t, const char *format)
{
    return table_print_to(t, format, stdout);
}
