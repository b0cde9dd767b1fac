/*
 * output.h -- rows for people and for programs.
 *
 * Every listing command builds a table once and prints it in the format asked
 * for: aligned columns for a terminal, a JSON array of objects, or RFC 4180
 * CSV. Column names carry an optional type suffix (":n" number, ":b" boolean,
 * ":j" raw JSON) so the JSON form has real types; the text forms show the
 * name without it.
 */
#ifndef CRMGOV_OUTPUT_H
#define CRMGOV_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

struct crmgov_table;

struct crmgov_table *table_new(const char *const *columns, size_t n_columns);
void table_row(struct crmgov_table *t, const char *const *cells);
/* "table", "json" or "csv" to stdout; frees t. -1 on an unknown format. */
int table_print(struct crmgov_table *t, const char *format);
int table_print_to(struct crmgov_table *t, const char *format, FILE *out);
void table_free(struct crmgov_table *t);
/* 1 when format is one of table|json|csv. */
int table_format_valid(const char *format);

#endif
