/*
 * canon.h -- canonical JSON and the automation definition hash.
 *
 * The definition hash is a contract with external change processes: a CI
 * pipeline or ticketing tool computes it for the definition it approves, and
 * crmgov matches it with what the CRM later shows. So the bytes that are hashed
 * are specified exactly (docs/events.md): keys sorted by byte value at every
 * level, no insignificant whitespace, strings escaped only where JSON requires
 * (quote, backslash, control characters as \u00xx in lowercase hex), integers
 * as plain digits, other numbers in their shortest round-trip form.
 */
#ifndef CRMGOV_CANON_H
#define CRMGOV_CANON_H

#include <cjson/cJSON.h>

#include "util.h"

/* Parses text as exactly one JSON value. cJSON alone stops after the first
 * value and ignores whatever follows; here anything but blanks after it
 * makes the text invalid too. NULL then, with *error_at the 1-based byte
 * where it went wrong and *trailing 1 when a whole value came before it. */
cJSON *json_parse_exact(const char *text, size_t len, size_t *error_at, int *trailing);

/* Appends item's canonical JSON. -1 when an object repeats a key. */
int canon_write(struct strbuf *sb, const cJSON *item);

/* The definition object {actions, conditions, kind, object, trigger} of an
 * automation (an `automation` event, or a bare definition with the same
 * members), as canonical JSON, and its SHA-256 as lowercase hex. The input must
 * already be valid (see event.c); -1 with *why set otherwise. */
int canon_definition(const cJSON *automation, struct strbuf *json, char hex[65],
                     const char **why);

/* A JSON array of strings, written without building a cJSON tree. */
void canon_string_array(struct strbuf *sb, const char *const *items, size_t n);

/* SHA-256 of bytes as lowercase hex. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
