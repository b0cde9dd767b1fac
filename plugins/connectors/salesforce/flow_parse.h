/*
 * flow_parse.h -- a Salesforce Flow definition as the metadata states it.
 *
 * The parser turns a `*.flow-meta.xml` (source layout) or `*.flow` (retrieve
 * layout) document into this intermediate form and nothing more: it keeps
 * the words Salesforce wrote (processType, triggerType, operator names...)
 * and decides nothing about governance. Mapping to the canonical model
 * (flow_map.h) and the static checks (flow_check.h) read this form, so both
 * can be tested without XML and a later Tooling API front end (the same
 * metadata as JSON) can fill the same structs.
 *
 * Shape: every flow element (assignments, decisions, recordUpdates, ...,
 * and resources such as variables) becomes one struct sf_element. Instead of
 * one struct per element type, an element carries the union of the members
 * the types need; members a type does not use stay NULL / 0. Connectors of
 * any kind (connector, faultConnector, defaultConnector, rules' connectors,
 * nextValueConnector, scheduled paths...) are found generically as links,
 * so element types Salesforce adds later still take part in graph checks.
 *
 * Memory: one arena per flow holds every string and array; sf_flow_free()
 * releases all of it. All strings are UTF-8 as in the document.
 *
 * Caps (bad input never exhausts memory; see docs/connectors/salesforce.md):
 * SF_FLOW_MAX_BYTES per document, SF_FLOW_MAX_ELEMENTS top-level elements,
 * SF_FLOW_MAX_ITEMS items of one list inside an element (filters,
 * assignment items, parameters, links, references, literals).
 */
#ifndef SF_FLOW_PARSE_H
#define SF_FLOW_PARSE_H

#include <stddef.h>

#define SF_FLOW_MAX_BYTES (4u * 1024u * 1024u)
#define SF_FLOW_MAX_ELEMENTS 5000u
#define SF_FLOW_MAX_ITEMS 5000u

struct sf_arena;

/* A yes/no member that may also be absent from the metadata. */
enum sf_tristate { SF_UNSET = 0, SF_FALSE, SF_TRUE };

/* The one child of a <value>/<rightValue>: which kind it was, as text. */
enum sf_value_kind {
    SF_VALUE_NONE = 0,
    SF_VALUE_STRING,        /* stringValue */
    SF_VALUE_NUMBER,        /* numberValue */
    SF_VALUE_BOOLEAN,       /* booleanValue ("true"/"false") */
    SF_VALUE_DATE,          /* dateValue */
    SF_VALUE_DATETIME,      /* dateTimeValue */
    SF_VALUE_REFERENCE,     /* elementReference: not a literal */
    SF_VALUE_OTHER          /* any other child, e.g. formulaExpression */
};

struct sf_value {
    enum sf_value_kind kind;
    const char *text;       /* "" for an empty literal; NULL when NONE */
};

/* start/filters, recordLookups|Updates|Deletes/filters, decision conditions. */
struct sf_filter {
    const char *field;      /* field, or leftValueReference of a condition */
    const char *op;         /* operator as written, e.g. "EqualTo" */
    struct sf_value value;
    const char *group;      /* decision rule name; NULL for record filters */
    unsigned line;
};

/*
 * One entry of assignmentItems (target = assignToReference, op = operator),
 * inputAssignments (target = field or subflow input name), inputParameters
 * (target = name), outputAssignments (target = assignToReference).
 */
enum sf_item_kind {
    SF_ITEM_ASSIGNMENT = 0,
    SF_ITEM_INPUT_ASSIGNMENT,
    SF_ITEM_INPUT_PARAMETER,
    SF_ITEM_OUTPUT_ASSIGNMENT
};

struct sf_item {
    enum sf_item_kind kind;
    const char *target;
    const char *op;
    struct sf_value value;
    unsigned line;
};

/* An outgoing connector. */
struct sf_link {
    const char *role;       /* tag: connector, faultConnector, defaultConnector,
                               nextValueConnector, noMoreValuesConnector... */
    const char *branch;     /* name of the rule / wait event / scheduled path
                               that owns the connector; NULL at element level */
    const char *target;     /* targetReference */
    unsigned line;
};

/* A data reference: an elementReference, *Reference tag or {!merge field}. */
struct sf_ref {
    const char *tag;        /* e.g. "elementReference", "{!}" for merge fields */
    const char *path;       /* as written, e.g. "$Record.Account.Name" */
    unsigned line;
};

/* A literal text that may hide an Id or URL: stringValue, expression, text. */
struct sf_literal {
    const char *tag;
    const char *text;
    unsigned line;
};

enum sf_element_kind {
    /* nodes of the flow graph */
    SF_EL_ASSIGNMENT = 0,
    SF_EL_DECISION,
    SF_EL_LOOP,
    SF_EL_RECORD_LOOKUP,
    SF_EL_RECORD_CREATE,
    SF_EL_RECORD_UPDATE,
    SF_EL_RECORD_DELETE,
    SF_EL_RECORD_ROLLBACK,
    SF_EL_ACTION_CALL,
    SF_EL_APEX_PLUGIN_CALL,
    SF_EL_SUBFLOW,
    SF_EL_SCREEN,
    SF_EL_WAIT,
    SF_EL_COLLECTION_PROCESSOR,
    SF_EL_CUSTOM_ERROR,
    SF_EL_TRANSFORM,
    SF_EL_STEP,
    SF_EL_ORCHESTRATED_STAGE,
    SF_EL_OTHER_NODE,       /* unknown tag with a name and a connector */
    /* resources */
    SF_EL_VARIABLE,
    SF_EL_FORMULA,
    SF_EL_CONSTANT,
    SF_EL_TEXT_TEMPLATE,
    SF_EL_CHOICE,
    SF_EL_DYNAMIC_CHOICE_SET,
    SF_EL_STAGE,
    SF_EL_OTHER_RESOURCE,   /* unknown tag with a name and no connector */
    /* the <start> element (only as sf_flow.start) */
    SF_EL_START
};

struct sf_element {
    enum sf_element_kind kind;
    const char *tag;            /* the element's tag, e.g. "recordUpdates" */
    const char *name;           /* API name; "" when missing; NULL only for start */
    const char *label;
    const char *description;
    unsigned line;

    /* records*: object; recordLookups: also the stored output */
    const char *object;
    const char *input_reference;    /* recordUpdates/Creates/Deletes */
    const char *output_reference;   /* recordLookups */
    const char *filter_logic;       /* records*, start */
    enum sf_tristate get_first_record_only;
    enum sf_tristate store_output_automatically;
    const char **queried_fields;
    size_t n_queried_fields;

    /* actionCalls, subflows, loops, screens */
    const char *action_name;
    const char *action_type;
    const char *flow_name;
    const char *collection_reference;
    enum sf_tristate allow_back;

    /* variables, formulas, constants, textTemplates */
    const char *data_type;
    const char *object_type;
    enum sf_tristate is_collection;
    enum sf_tristate is_input;
    enum sf_tristate is_output;
    struct sf_value value;
    const char *expression;         /* formulas */
    const char *text;               /* textTemplates */

    struct sf_filter *filters;      /* filters, or decision rule conditions */
    size_t n_filters;
    struct sf_item *items;
    size_t n_items;
    struct sf_link *links;
    size_t n_links;
    struct sf_ref *refs;
    size_t n_refs;
    struct sf_literal *literals;
    size_t n_literals;
    /* names declared inside (screen fields, decision outcomes, wait events) */
    const char **inner_names;
    size_t n_inner_names;
};

/* What <start> says beyond the generic element members. */
struct sf_start_info {
    int present;
    const char *trigger_type;           /* RecordBeforeSave, RecordAfterSave,
                                           RecordBeforeDelete, Scheduled,
                                           PlatformEvent, ... */
    const char *record_trigger_type;    /* Create, Update, CreateAndUpdate, Delete */
    const char *filter_formula;
    enum sf_tristate requires_record_changed; /* doesRequireRecordChangedToMeetCriteria */
    const char **scheduled_paths;       /* scheduledPaths names */
    size_t n_scheduled_paths;
};

/* A processMetadataValues entry (Process Builder keeps its trigger there). */
struct sf_meta_value {
    const char *name;
    struct sf_value value;
};

/* A reference whose target is declared nowhere in the flow. */
enum sf_missing_kind { SF_MISSING_CONNECTOR = 0, SF_MISSING_DATA };

struct sf_missing_ref {
    enum sf_missing_kind kind;
    int from_start;             /* from <start> or startElementReference */
    const char *from;           /* element name, or "start" */
    const char *reference;      /* the path as written */
    unsigned line;
};

struct sf_flow {
    const char *api_name;       /* from the file name, or as given */
    const char *file;           /* as given; NULL for a buffer without name */

    const char *process_type;
    const char *status;
    const char *label;
    const char *description;
    const char *run_in_mode;
    const char *api_version;    /* as written, e.g. "58.0" */
    const char *trigger_order;  /* as written, top level */
    const char *start_element_reference; /* pre-start-element flows */

    struct sf_element start;    /* kind SF_EL_START; zeroed when absent */
    struct sf_start_info start_info;

    struct sf_element *elements;
    size_t n_elements;
    struct sf_meta_value *process_metadata;
    size_t n_process_metadata;
    struct sf_missing_ref *missing;
    size_t n_missing;
    size_t n_ignored_tags;      /* top-level tags kept out of the model */

    /* Indexes for the lookups below, sorted case-insensitively. */
    const struct sf_element **by_name;  /* every named element */
    size_t n_by_name;
    const char **declared;              /* every <name> anywhere in the file */
    size_t n_declared;

    struct sf_arena *arena;
};

enum sf_parse_status {
    SF_PARSE_OK = 0,
    SF_PARSE_IO,            /* file cannot be read */
    SF_PARSE_TOO_LARGE,     /* a cap was hit */
    SF_PARSE_XML,           /* not well-formed, or has a DOCTYPE */
    SF_PARSE_NOT_A_FLOW,    /* root is not <Flow> */
    SF_PARSE_NO_MEMORY
};

struct sf_parse_error {
    enum sf_parse_status status;
    unsigned line;          /* 0 when not tied to a line */
    char message[256];      /* "FILE:LINE: reason" (or "FILE: reason") */
};

/*
 * Parse a file; the flow's api_name is the file's base name without
 * ".flow-meta.xml" or ".flow". Returns NULL and fills *error (which may be
 * NULL) on failure.
 */
struct sf_flow *sf_flow_parse_file(const char *path, struct sf_parse_error *error);

/*
 * Parse a buffer. `name` is used for api_name (suffixes stripped as for a
 * file) and for file and messages; it may be NULL ("<memory>").
 */
struct sf_flow *sf_flow_parse_buffer(const char *data, size_t size, const char *name,
                                     struct sf_parse_error *error);

void sf_flow_free(struct sf_flow *flow);

/* Lookups (case-insensitive, as Salesforce treats API names). */
const struct sf_element *sf_flow_find(const struct sf_flow *flow, const char *name);
int sf_element_is_node(enum sf_element_kind kind);
const char *sf_flow_meta_string(const struct sf_flow *flow, const char *name);

/* The API name of a path: base name without ".flow-meta.xml" / ".flow". */
char *sf_flow_api_name_from_path(struct sf_arena *arena, const char *path);

#endif
