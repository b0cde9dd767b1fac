/*
 * event.h -- owned, validated events: parsing the JSON Lines format, copying
 * what plugins publish, and printing events back to JSON.
 *
 * An event_box is one event with everything it points to, in one arena: the
 * bus moves boxes, and freeing a box frees the whole event. Every box that
 * exists has passed validation (required fields, types, enum values) and, for
 * automations, carries its definition hash and canonical definition JSON, so
 * nothing downstream re-checks input.
 */
#ifndef CRMGOV_EVENT_H
#define CRMGOV_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "crmgov/model.h"
#include "util.h"

struct event_box {
    struct arena arena;
    struct crmgov_event ev;
};

/* Installs the cJSON allocation hooks the parser relies on; call once before
 * starting threads (event_parse_json also does, for single-threaded users). */
void event_init(void);

/* Parses one JSON Lines line. NULL with the reason in *why on bad input. */
struct event_box *event_parse_json(const char *line, size_t len, const char *source,
                                   uint64_t line_no, struct strbuf *why);

/* Parses an already parsed JSON object (same rules). */
struct event_box *event_from_cjson(const cJSON *root, const char *source, uint64_t line_no,
                                   struct strbuf *why);

/* Deep copy of an event a plugin built, validated like parsed input. */
struct event_box *event_copy(const struct crmgov_event *ev, struct strbuf *why);

/* A bare automation definition (the `automation` shape without type, system
 * or at; id optional) as an automation event of `system` at time 0. */
struct event_box *event_parse_definition(const char *json, size_t len, const char *system,
                                         struct strbuf *why);

/* The same from a cJSON object. */
struct event_box *event_definition_from_cjson(const cJSON *root, const char *system,
                                              struct strbuf *why);

void event_box_free(struct event_box *box);

/* The event in the JSON Lines format (no newline). */
void event_to_json(const struct crmgov_event *ev, struct strbuf *out);
/* The same as a cJSON tree (caller deletes). */
cJSON *event_to_cjson(const struct crmgov_event *ev);
/* An automation payload as cJSON, with id, name, kind, object, trigger,
 * conditions, actions, status, modified_by and attributes. */
cJSON *automation_to_cjson(const struct crmgov_automation *a);
/* A value as cJSON. */
cJSON *value_to_cjson(const struct crmgov_value *v);

#endif
