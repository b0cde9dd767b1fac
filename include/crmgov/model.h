/*
 * crmgov/model.h -- the canonical model: events and findings as C structs.
 *
 * Every fact crmgov knows arrives as an event of one topic (automation,
 * execution, record, principal, ownership, change, finding, tick). The same
 * model has a JSON Lines form, documented in docs/events.md; the core turns
 * one into the other, so a plugin never parses or prints event JSON itself.
 *
 * Memory: everything a plugin receives through a callback is const, belongs to
 * the core and lives until the callback returns. Copy what you keep. When a
 * plugin publishes, the core copies the event before publish() returns.
 *
 * Compatibility: every struct whose first member is struct_size only grows at
 * the end; check struct_size before reading a member added in a later ABI
 * minor (CRMGOV_HAS_MEMBER below). Enums only grow.
 */
#ifndef CRMGOV_MODEL_H
#define CRMGOV_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Event time: milliseconds since 1970-01-01T00:00:00Z. */
typedef int64_t crmgov_time;

#define CRMGOV_TIME_NONE INT64_MIN

/* True when the struct pointed to by p was built with member m present. */
#define CRMGOV_HAS_MEMBER(p, type, m) \
    ((p)->struct_size >= offsetof(type, m) + sizeof(((type *)0)->m))

/* ------------------------------------------------------------------------ */
/* Values: what a condition compares with, or what a field holds.            */

enum crmgov_value_type {
    CRMGOV_VALUE_NONE = 0,   /* absent */
    CRMGOV_VALUE_NULL,       /* JSON null */
    CRMGOV_VALUE_BOOL,
    CRMGOV_VALUE_NUMBER,
    CRMGOV_VALUE_STRING,
    CRMGOV_VALUE_ARRAY,      /* of scalar values (for in / not_in) */
    CRMGOV_VALUE_OBJECT      /* kept as JSON text in `string` */
};

struct crmgov_value {
    enum crmgov_value_type type;
    int boolean;
    double number;
    const char *string;                 /* STRING, or OBJECT as JSON text */
    const struct crmgov_value *items;   /* ARRAY */
    size_t n_items;
};

/* ------------------------------------------------------------------------ */
/* Automations.                                                              */

enum crmgov_automation_kind {
    CRMGOV_KIND_WORKFLOW = 0,   /* the default */
    CRMGOV_KIND_FLOW,
    CRMGOV_KIND_ROBOT,
    CRMGOV_KIND_TRIGGER,
    CRMGOV_KIND_PROCESS,
    CRMGOV_KIND_RULE
};

enum crmgov_trigger_on {
    CRMGOV_ON_CREATE = 0,
    CRMGOV_ON_UPDATE,
    CRMGOV_ON_DELETE,
    CRMGOV_ON_CREATE_OR_UPDATE,
    CRMGOV_ON_SCHEDULE,
    CRMGOV_ON_MANUAL
};

struct crmgov_trigger {
    enum crmgov_trigger_on on;
    const char *const *fields;  /* update only: fires when one changes */
    size_t n_fields;            /* 0 = any field */
};

enum crmgov_condition_op {
    CRMGOV_OP_EQ = 0,
    CRMGOV_OP_NE,
    CRMGOV_OP_IN,
    CRMGOV_OP_NOT_IN,
    CRMGOV_OP_GT,
    CRMGOV_OP_LT,
    CRMGOV_OP_SET,
    CRMGOV_OP_UNSET,
    CRMGOV_OP_CHANGED
};

struct crmgov_condition {
    const char *field;
    enum crmgov_condition_op op;
    struct crmgov_value value;  /* NONE for set / unset / changed */
};

enum crmgov_action_type {
    CRMGOV_ACTION_OTHER = 0,    /* a type this ABI does not know; see type_name */
    CRMGOV_ACTION_SET_FIELD,
    CRMGOV_ACTION_NOTIFY,
    CRMGOV_ACTION_ASSIGN,
    CRMGOV_ACTION_CREATE_TASK,
    CRMGOV_ACTION_EMAIL,
    CRMGOV_ACTION_WEBHOOK,
    CRMGOV_ACTION_CALL
};

struct crmgov_action {
    enum crmgov_action_type type;
    const char *type_name;      /* the type as written, e.g. "set_field" */
    const char *field;          /* set_field */
    struct crmgov_value value;  /* set_field; NONE = value computed at run time */
    const char *to;             /* notify, assign, create_task, email */
    const char *url;            /* webhook */
    const char *target;         /* call: automation id or external action */
    const char *object;         /* set_field on another object; NULL = own */
};

enum crmgov_automation_status {
    CRMGOV_STATUS_ACTIVE = 0,
    CRMGOV_STATUS_INACTIVE,
    CRMGOV_STATUS_DELETED
};

/* Payload of topic "automation": a definition as observed in the CRM. */
struct crmgov_automation {
    uint32_t struct_size;
    const char *id;
    const char *name;
    enum crmgov_automation_kind kind;
    const char *object;
    struct crmgov_trigger trigger;
    const struct crmgov_condition *conditions;
    size_t n_conditions;
    const struct crmgov_action *actions;
    size_t n_actions;
    enum crmgov_automation_status status;
    const char *modified_by;        /* NULL when unknown */
    /* Connector-specific facts that are not part of the definition hash,
     * as a JSON object text (NULL = none). Well-known keys: docs/events.md. */
    const char *attributes_json;
    /* Filled in by the core; ignored when a plugin publishes. */
    const char *definition_hash;    /* 64 lowercase hex digits */
    const char *definition_json;    /* the canonical JSON that was hashed */
};

/* ------------------------------------------------------------------------ */
/* Executions, records, principals, ownership, changes.                      */

enum crmgov_execution_status {
    CRMGOV_EXEC_OK = 0,
    CRMGOV_EXEC_FAILED,
    CRMGOV_EXEC_SKIPPED
};

struct crmgov_execution {
    uint32_t struct_size;
    const char *automation;
    const char *object;         /* NULL when not reported */
    const char *record;
    enum crmgov_execution_status status;
    const char *error;          /* when failed; may be NULL */
    int64_t duration_ms;        /* -1 when not reported */
    const char *const *notified;
    size_t n_notified;
};

enum crmgov_record_op {
    CRMGOV_RECORD_CREATE = 0,
    CRMGOV_RECORD_UPDATE,
    CRMGOV_RECORD_DELETE
};

struct crmgov_field_change {
    const char *field;
    struct crmgov_value old_value;  /* NULL type on create */
    struct crmgov_value new_value;
};

struct crmgov_record {
    uint32_t struct_size;
    const char *object;
    const char *id;
    enum crmgov_record_op op;
    const struct crmgov_field_change *changes;
    size_t n_changes;
};

struct crmgov_principal {
    uint32_t struct_size;
    const char *id;
    const char *name;           /* NULL when unknown */
    const char *email;          /* NULL when unknown */
    int active;
    const char *const *roles;
    size_t n_roles;
};

enum crmgov_owner_role {
    CRMGOV_ROLE_SYSTEM = 0,     /* keeps it running */
    CRMGOV_ROLE_DECISION,       /* owns the business rule */
    CRMGOV_ROLE_OUTCOME         /* owns the result it should produce */
};

struct crmgov_ownership {
    uint32_t struct_size;
    const char *automation;
    enum crmgov_owner_role role;
    const char *principal;      /* NULL removes the assignment(s) of role */
    const char *actor;          /* who made the assignment; NULL = the source */
    /* With principal == NULL and remove_only != NULL: remove just that holder. */
    const char *remove_only;
};

enum crmgov_change_state {
    CRMGOV_CHANGE_APPROVED = 0,
    CRMGOV_CHANGE_REJECTED
};

struct crmgov_change {
    uint32_t struct_size;
    const char *id;
    const char *automation;
    enum crmgov_change_state state;
    const char *author;
    const char *const *approvers;
    size_t n_approvers;
    const char *definition_hash;    /* NULL when the change is status-only */
    int has_status;
    enum crmgov_automation_status status;
};

/* ------------------------------------------------------------------------ */
/* Findings.                                                                 */

enum crmgov_severity {
    CRMGOV_SEVERITY_INFO = 0,
    CRMGOV_SEVERITY_LOW,
    CRMGOV_SEVERITY_MEDIUM,
    CRMGOV_SEVERITY_HIGH,
    CRMGOV_SEVERITY_CRITICAL
};

enum crmgov_finding_state {
    CRMGOV_FINDING_OPEN = 0,
    CRMGOV_FINDING_RESOLVED,
    CRMGOV_FINDING_ACKNOWLEDGED
};

/* What happened to a finding, carried by the "finding" topic. */
enum crmgov_finding_transition {
    CRMGOV_FINDING_RAISED = 0,  /* new, or open again after it resolved */
    CRMGOV_FINDING_ESCALATED,   /* severity went up while open */
    CRMGOV_FINDING_CLEARED      /* the rule resolved it */
};

/* A finding is keyed by (rule, system, automation, subject). */
struct crmgov_finding {
    uint32_t struct_size;
    const char *rule;           /* e.g. "OWN002" */
    const char *name;           /* e.g. "orphaned" */
    const char *layer;          /* e.g. "ownership"; filled by the core */
    enum crmgov_severity severity;
    const char *system;
    const char *automation;     /* NULL when none */
    const char *subject;        /* NULL when none */
    const char *message;
    const char *evidence_json;  /* a JSON object; NULL = {} */
    crmgov_time first_seen;     /* filled by the core */
    crmgov_time last_seen;      /* filled by the core */
    enum crmgov_finding_state state;
    enum crmgov_finding_transition transition;  /* topic "finding" only */
};

/* ------------------------------------------------------------------------ */
/* Events.                                                                   */

enum crmgov_topic {
    CRMGOV_TOPIC_AUTOMATION = 0,
    CRMGOV_TOPIC_EXECUTION,
    CRMGOV_TOPIC_RECORD,
    CRMGOV_TOPIC_PRINCIPAL,
    CRMGOV_TOPIC_OWNERSHIP,
    CRMGOV_TOPIC_CHANGE,
    CRMGOV_TOPIC_FINDING,
    CRMGOV_TOPIC_TICK,
    CRMGOV_TOPIC_COUNT_V1       /* number of topics in ABI 1.0 */
};

struct crmgov_event {
    uint32_t struct_size;
    enum crmgov_topic topic;
    const char *system;         /* the CRM instance id, e.g. "sf-prod" */
    crmgov_time at;             /* event time */
    const char *source;         /* where it came from (file, URL); may be NULL */
    uint64_t source_line;       /* line in source, 0 when none */
    union {
        const struct crmgov_automation *automation;
        const struct crmgov_execution *execution;
        const struct crmgov_record *record;
        const struct crmgov_principal *principal;
        const struct crmgov_ownership *ownership;
        const struct crmgov_change *change;
        const struct crmgov_finding *finding;
        const void *none;       /* tick */
    } u;
    /* ABI 1.1. On automation and execution events delivered to layers and
     * sinks: the store's key for the pair (system, automation id), a positive
     * integer that names that pair for the life of the store and is never
     * reused -- a layer can index its own tables by it instead of hashing two
     * strings per event. 0 when the core has none (before the event is
     * stored, other topics). */
    int64_t automation_key;
};

#ifdef __cplusplus
}
#endif

#endif
