/*
 * sf_json.h -- canonical JSON text of a cJSON tree.
 *
 * cJSON keeps object members in insertion order and prints control
 * characters with short escapes; the event format (docs/events.md) wants
 * members sorted by byte value at every level, only the escapes JSON needs
 * (\" \\ and \u00xx for control characters), raw UTF-8 otherwise, and
 * integers as plain digits. Building with cJSON and printing here gives the
 * connector exact, comparable text for events, attributes and evidence.
 */
#ifndef SF_JSON_H
#define SF_JSON_H

struct cJSON;

/* A malloc'd string, or NULL when memory runs out. */
char *sf_json_canonical(const struct cJSON *value);

#endif
