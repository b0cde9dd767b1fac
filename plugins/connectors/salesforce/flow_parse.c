/*
 * flow_parse.c -- Flow metadata XML to the intermediate form of flow_parse.h.
 *
 * libxml2 builds a DOM of the (size-capped) document; this file then walks
 * it once. Top-level children are dispatched on their tag: scalars of the
 * flow, <start>, <processMetadataValues>, and flow elements. For an element,
 * its direct children fill the typed members, and one generic walk over all
 * its descendants collects connectors (any tag named *Connector or
 * "connector" with a targetReference), data references (any *Reference tag
 * but targetReference, and {!merge fields} in any text) and literals, so
 * nested shapes (rules, wait events, scheduled paths, screen fields) need no
 * code of their own. After the walk, references are resolved against the
 * declared names and the unresolved ones are recorded for the checks.
 *
 * Safety: XML_PARSE_NONET, no XML_PARSE_NOENT (no entity substitution), no
 * DTD loading, and a document with a DOCTYPE is refused outright (a raw
 * "<!DOCTYPE" anywhere, even in a comment or CDATA, before libxml2 runs, and
 * any DTD libxml2 still reports afterwards); libxml2's
 * default depth and text limits stay on (no XML_PARSE_HUGE). Errors go to a
 * per-context handler, never to stderr and never through libxml2 globals.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "flow_parse.h"
#include "flow_parse_tree.h"

#include "sf_arena.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>
#include <libxml/xmlerror.h>

/* ------------------------------------------------------------------------ */
/* Parse context and small helpers.                                          */

/* An arena-backed growable array; old copies stay in the arena (<= 2x). */
struct avec {
    void *data;
    size_t n;
    size_t cap;
};

struct parse_ctx {
    struct sf_flow *flow;
    struct sf_arena *arena;
    const char *display_name;
    enum sf_parse_status status;
    unsigned error_line;
    char error_reason[200];
    struct avec declared;       /* const char * */
};

static int ctx_fail(struct parse_ctx *ctx, enum sf_parse_status status, unsigned line,
                    const char *format, ...) __attribute__((format(printf, 4, 5)));

static int ctx_fail(struct parse_ctx *ctx, enum sf_parse_status status, unsigned line,
                    const char *format, ...)
{
    if (ctx->status != SF_PARSE_OK)
        return -1;
    ctx->status = status;
    ctx->error_line = line;
    va_list args;
    va_start(args, format);
    vsnprintf(ctx->error_reason, sizeof ctx->error_reason, format, args);
    va_end(args);
    return -1;
}

static void *avec_push(struct parse_ctx *ctx, struct avec *vec, size_t elem_size, size_t limit)
{
    if (ctx->status != SF_PARSE_OK)
        return NULL;
    if (vec->n >= limit) {
        ctx_fail(ctx, SF_PARSE_TOO_LARGE, 0, "more than %zu items in one list", limit);
        return NULL;
    }
    if (vec->n == vec->cap) {
        size_t cap = vec->cap != 0 ? vec->cap * 2 : 4;
        void *data = sf_arena_array(ctx->arena, cap, elem_size);
        if (data == NULL) {
            ctx_fail(ctx, SF_PARSE_NO_MEMORY, 0, "out of memory");
            return NULL;
        }
        if (vec->n != 0)
            memcpy(data, vec->data, vec->n * elem_size);
        vec->data = data;
        vec->cap = cap;
    }
    return (char *)vec->data + vec->n++ * elem_size;
}

static int tag_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

static int ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

static unsigned node_line(const xmlNode *node)
{
    long line = xmlGetLineNo(node);
    return line > 0 ? (unsigned)line : 0;
}

/* The element's own text (text and CDATA children), copied; "" when empty. */
static const char *node_text_raw(struct parse_ctx *ctx, const xmlNode *node)
{
    size_t total = 0;
    for (const xmlNode *child = node->children; child != NULL; child = child->next)
        if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
            child->content != NULL)
            total += strlen((const char *)child->content);
    char *text = sf_arena_alloc(ctx->arena, total + 1);
    if (text == NULL) {
        ctx_fail(ctx, SF_PARSE_NO_MEMORY, 0, "out of memory");
        return "";
    }
    size_t at = 0;
    for (const xmlNode *child = node->children; child != NULL; child = child->next) {
        if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
            child->content != NULL) {
            size_t length = strlen((const char *)child->content);
            memcpy(text + at, child->content, length);
            at += length;
        }
    }
    text[at] = '\0';
    return text;
}

/* Text with surrounding white space removed: for names and enum words. */
static const char *node_text(struct parse_ctx *ctx, const xmlNode *node)
{
    char *text = (char *)node_text_raw(ctx, node);
    char *start = text;
    while (*start != '\0' && isspace((unsigned char)*start))
        start++;
    size_t length = strlen(start);
    while (length > 0 && isspace((unsigned char)start[length - 1]))
        length--;
    start[length] = '\0';
    return start;
}

static enum sf_tristate node_bool(struct parse_ctx *ctx, const xmlNode *node)
{
    const char *text = node_text(ctx, node);
    if (strcmp(text, "true") == 0)
        return SF_TRUE;
    if (strcmp(text, "false") == 0)
        return SF_FALSE;
    return SF_UNSET;
}

static const xmlNode *child_named(const xmlNode *node, const char *name)
{
    for (const xmlNode *child = node->children; child != NULL; child = child->next)
        if (tag_is(child, name))
            return child;
    return NULL;
}

static const char *child_text(struct parse_ctx *ctx, const xmlNode *node, const char *name)
{
    const xmlNode *child = child_named(node, name);
    return child != NULL ? node_text(ctx, child) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Values.                                                                   */

static const struct {
    const char *tag;
    enum sf_value_kind kind;
} value_tags[] = {
    {"stringValue", SF_VALUE_STRING},   {"numberValue", SF_VALUE_NUMBER},
    {"booleanValue", SF_VALUE_BOOLEAN}, {"dateValue", SF_VALUE_DATE},
    {"dateTimeValue", SF_VALUE_DATETIME}, {"elementReference", SF_VALUE_REFERENCE},
};

/* <value>/<rightValue>: its first element child decides the kind. */
static struct sf_value parse_value(struct parse_ctx *ctx, const xmlNode *holder)
{
    struct sf_value value = {SF_VALUE_NONE, NULL};
    if (holder == NULL)
        return value;
    for (const xmlNode *child = holder->children; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        value.kind = SF_VALUE_OTHER;
        for (size_t i = 0; i < sizeof value_tags / sizeof value_tags[0]; i++)
            if (tag_is(child, value_tags[i].tag))
                value.kind = value_tags[i].kind;
        value.text = value.kind == SF_VALUE_STRING ? node_text_raw(ctx, child)
                                                   : node_text(ctx, child);
        return value;
    }
    return value;
}

/* ------------------------------------------------------------------------ */
/* Element tags.                                                             */

static const struct {
    const char *tag;
    enum sf_element_kind kind;
} element_tags[] = {
    {"assignments", SF_EL_ASSIGNMENT},
    {"decisions", SF_EL_DECISION},
    {"loops", SF_EL_LOOP},
    {"recordLookups", SF_EL_RECORD_LOOKUP},
    {"recordCreates", SF_EL_RECORD_CREATE},
    {"recordUpdates", SF_EL_RECORD_UPDATE},
    {"recordDeletes", SF_EL_RECORD_DELETE},
    {"recordRollbacks", SF_EL_RECORD_ROLLBACK},
    {"actionCalls", SF_EL_ACTION_CALL},
    {"apexPluginCalls", SF_EL_APEX_PLUGIN_CALL},
    {"subflows", SF_EL_SUBFLOW},
    {"screens", SF_EL_SCREEN},
    {"waits", SF_EL_WAIT},
    {"collectionProcessors", SF_EL_COLLECTION_PROCESSOR},
    {"customErrors", SF_EL_CUSTOM_ERROR},
    {"transforms", SF_EL_TRANSFORM},
    {"steps", SF_EL_STEP},
    {"orchestratedStages", SF_EL_ORCHESTRATED_STAGE},
    {"variables", SF_EL_VARIABLE},
    {"formulas", SF_EL_FORMULA},
    {"constants", SF_EL_CONSTANT},
    {"textTemplates", SF_EL_TEXT_TEMPLATE},
    {"choices", SF_EL_CHOICE},
    {"dynamicChoiceSets", SF_EL_DYNAMIC_CHOICE_SET},
    {"stages", SF_EL_STAGE},
};

static int element_kind_of(const char *tag, enum sf_element_kind *kind)
{
    for (size_t i = 0; i < sizeof element_tags / sizeof element_tags[0]; i++) {
        if (strcmp(tag, element_tags[i].tag) == 0) {
            *kind = element_tags[i].kind;
            return 1;
        }
    }
    return 0;
}

int sf_element_is_node(enum sf_element_kind kind)
{
    return kind <= SF_EL_OTHER_NODE;
}

/* ------------------------------------------------------------------------ */
/* One element: the generic descendant walk.                                 */

struct element_builder {
    struct avec filters, items, links, refs, literals, queried, inner_names;
};

static int is_connector_tag(const char *tag)
{
    return strcmp(tag, "connector") == 0 || ends_with(tag, "Connector");
}

static int is_reference_tag(const char *tag)
{
    if (strcmp(tag, "targetReference") == 0 || strcmp(tag, "startElementReference") == 0)
        return 0;
    return ends_with(tag, "Reference") || strcmp(tag, "choiceReferences") == 0;
}

static int is_literal_tag(const char *tag)
{
    return strcmp(tag, "stringValue") == 0 || strcmp(tag, "expression") == 0 ||
           strcmp(tag, "formulaExpression") == 0 || strcmp(tag, "text") == 0;
}

/* Tags whose <name> declares something another element may refer to. */
static int declares_inner_name(const char *tag)
{
    static const char *const tags[] = {"fields", "rules", "waitEvents", "scheduledPaths",
                                       "outcomes", "stageSteps"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strcmp(tag, tags[i]) == 0)
            return 1;
    return 0;
}

static void add_ref(struct parse_ctx *ctx, struct element_builder *builder, const char *tag,
                    const char *path, unsigned line)
{
    if (path == NULL || *path == '\0')
        return;
    struct sf_ref *ref = avec_push(ctx, &builder->refs, sizeof *ref, SF_FLOW_MAX_ITEMS);
    if (ref != NULL)
        *ref = (struct sf_ref){tag, path, line};
}

/* {!name} merge fields inside any text become references. */
static void collect_merge_fields(struct parse_ctx *ctx, struct element_builder *builder,
                                 const char *text, unsigned line)
{
    const char *cursor = text;
    while ((cursor = strstr(cursor, "{!")) != NULL) {
        const char *start = cursor + 2;
        const char *end = strchr(start, '}');
        if (end == NULL)
            return;
        while (start < end && isspace((unsigned char)*start))
            start++;
        const char *stop = end;
        while (stop > start && isspace((unsigned char)stop[-1]))
            stop--;
        if (stop > start)
            add_ref(ctx, builder, "{!}", sf_arena_strndup(ctx->arena, start, (size_t)(stop - start)),
                    line);
        cursor = end + 1;
    }
}

static void declare_name(struct parse_ctx *ctx, const char *name)
{
    if (name == NULL || *name == '\0')
        return;
    const char **slot = avec_push(ctx, &ctx->declared, sizeof *slot, SIZE_MAX);
    if (slot != NULL)
        *slot = name;
}

/* The name of the nearest named ancestor below the element itself. */
static const char *branch_of(struct parse_ctx *ctx, const xmlNode *connector, const xmlNode *top)
{
    const xmlNode *parent = connector->parent;
    if (parent == NULL || parent == top)
        return NULL;
    return child_text(ctx, parent, "name");
}

static void walk_descendants(struct parse_ctx *ctx, struct element_builder *builder,
                             const xmlNode *top, const xmlNode *node)
{
    for (const xmlNode *child = node->children; child != NULL && ctx->status == SF_PARSE_OK;
         child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
            if (child->content != NULL && strstr((const char *)child->content, "{!") != NULL)
                collect_merge_fields(ctx, builder, (const char *)child->content,
                                     node_line(node));
            continue;
        }
        if (child->type != XML_ELEMENT_NODE)
            continue;
        const char *tag = (const char *)child->name;
        unsigned line = node_line(child);
        if (is_connector_tag(tag)) {
            const char *target = child_text(ctx, child, "targetReference");
            if (target != NULL) {
                struct sf_link *link =
                    avec_push(ctx, &builder->links, sizeof *link, SF_FLOW_MAX_ITEMS);
                if (link != NULL)
                    *link = (struct sf_link){sf_arena_strdup(ctx->arena, tag),
                                             branch_of(ctx, child, top), target, line};
            }
        } else if (is_reference_tag(tag)) {
            add_ref(ctx, builder, sf_arena_strdup(ctx->arena, tag), node_text(ctx, child), line);
        } else if (is_literal_tag(tag)) {
            struct sf_literal *literal =
                avec_push(ctx, &builder->literals, sizeof *literal, SF_FLOW_MAX_ITEMS);
            if (literal != NULL)
                *literal = (struct sf_literal){sf_arena_strdup(ctx->arena, tag),
                                               node_text_raw(ctx, child), line};
        } else if (strcmp(tag, "name") == 0) {
            declare_name(ctx, node_text(ctx, child));
            if (node != top && declares_inner_name((const char *)node->name)) {
                const char **slot = avec_push(ctx, &builder->inner_names, sizeof *slot,
                                              SF_FLOW_MAX_ITEMS);
                if (slot != NULL)
                    *slot = node_text(ctx, child);
            }
        }
        walk_descendants(ctx, builder, top, child);
    }
}

/* ------------------------------------------------------------------------ */
/* One element: the typed members.                                          */

static void add_filter(struct parse_ctx *ctx, struct element_builder *builder,
                       const xmlNode *node, const char *group)
{
    struct sf_filter *filter = avec_push(ctx, &builder->filters, sizeof *filter,
                                         SF_FLOW_MAX_ITEMS);
    if (filter == NULL)
        return;
    const char *field = child_text(ctx, node, "field");
    if (field == NULL)
        field = child_text(ctx, node, "leftValueReference");
    const xmlNode *value = child_named(node, "value");
    if (value == NULL)
        value = child_named(node, "rightValue");
    *filter = (struct sf_filter){field, child_text(ctx, node, "operator"),
                                 parse_value(ctx, value), group, node_line(node)};
}

static void add_item(struct parse_ctx *ctx, struct element_builder *builder,
                     const xmlNode *node, enum sf_item_kind kind)
{
    struct sf_item *item = avec_push(ctx, &builder->items, sizeof *item, SF_FLOW_MAX_ITEMS);
    if (item == NULL)
        return;
    const char *target = NULL;
    if (kind == SF_ITEM_ASSIGNMENT || kind == SF_ITEM_OUTPUT_ASSIGNMENT)
        target = child_text(ctx, node, "assignToReference");
    else if (kind == SF_ITEM_INPUT_ASSIGNMENT)
        target = child_text(ctx, node, "field");
    if (target == NULL)
        target = child_text(ctx, node, "name");
    *item = (struct sf_item){kind, target, child_text(ctx, node, "operator"),
                             parse_value(ctx, child_named(node, "value")), node_line(node)};
}

static void parse_decision_rule(struct parse_ctx *ctx, struct element_builder *builder,
                                const xmlNode *rule)
{
    const char *group = child_text(ctx, rule, "name");
    for (const xmlNode *child = rule->children; child != NULL; child = child->next)
        if (tag_is(child, "conditions"))
            add_filter(ctx, builder, child, group);
}

/* Members that are plain text children. */
static void parse_text_member(struct parse_ctx *ctx, struct sf_element *element,
                              const xmlNode *child)
{
    const char *tag = (const char *)child->name;
    static const struct {
        const char *tag;
        size_t offset;
    } members[] = {
        {"name", offsetof(struct sf_element, name)},
        {"label", offsetof(struct sf_element, label)},
        {"object", offsetof(struct sf_element, object)},
        {"inputReference", offsetof(struct sf_element, input_reference)},
        {"outputReference", offsetof(struct sf_element, output_reference)},
        {"filterLogic", offsetof(struct sf_element, filter_logic)},
        {"actionName", offsetof(struct sf_element, action_name)},
        {"actionType", offsetof(struct sf_element, action_type)},
        {"flowName", offsetof(struct sf_element, flow_name)},
        {"collectionReference", offsetof(struct sf_element, collection_reference)},
        {"dataType", offsetof(struct sf_element, data_type)},
        {"objectType", offsetof(struct sf_element, object_type)},
    };
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        if (strcmp(tag, members[i].tag) == 0) {
            *(const char **)((char *)element + members[i].offset) = node_text(ctx, child);
            return;
        }
    }
    if (strcmp(tag, "description") == 0)
        element->description = node_text_raw(ctx, child);
    else if (strcmp(tag, "expression") == 0)
        element->expression = node_text_raw(ctx, child);
    else if (strcmp(tag, "text") == 0)
        element->text = node_text_raw(ctx, child);
}

static void parse_flag_member(struct parse_ctx *ctx, struct sf_element *element,
                              const xmlNode *child)
{
    static const struct {
        const char *tag;
        size_t offset;
    } flags[] = {
        {"getFirstRecordOnly", offsetof(struct sf_element, get_first_record_only)},
        {"storeOutputAutomatically", offsetof(struct sf_element, store_output_automatically)},
        {"allowBack", offsetof(struct sf_element, allow_back)},
        {"isCollection", offsetof(struct sf_element, is_collection)},
        {"isInput", offsetof(struct sf_element, is_input)},
        {"isOutput", offsetof(struct sf_element, is_output)},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (tag_is(child, flags[i].tag))
            *(enum sf_tristate *)((char *)element + flags[i].offset) = node_bool(ctx, child);
}

static void parse_start_member(struct parse_ctx *ctx, const xmlNode *child,
                               struct avec *scheduled_paths)
{
    struct sf_start_info *info = &ctx->flow->start_info;
    if (tag_is(child, "triggerType"))
        info->trigger_type = node_text(ctx, child);
    else if (tag_is(child, "recordTriggerType"))
        info->record_trigger_type = node_text(ctx, child);
    else if (tag_is(child, "filterFormula"))
        info->filter_formula = node_text_raw(ctx, child);
    else if (tag_is(child, "doesRequireRecordChangedToMeetCriteria"))
        info->requires_record_changed = node_bool(ctx, child);
    else if (tag_is(child, "scheduledPaths")) {
        const char **slot = avec_push(ctx, scheduled_paths, sizeof *slot, SF_FLOW_MAX_ITEMS);
        if (slot != NULL)
            *slot = child_text(ctx, child, "name");
    }
}

static void parse_list_member(struct parse_ctx *ctx, struct element_builder *builder,
                              const xmlNode *child)
{
    if (tag_is(child, "filters") || tag_is(child, "conditions"))
        add_filter(ctx, builder, child, NULL);
    else if (tag_is(child, "rules"))
        parse_decision_rule(ctx, builder, child);
    else if (tag_is(child, "assignmentItems"))
        add_item(ctx, builder, child, SF_ITEM_ASSIGNMENT);
    else if (tag_is(child, "inputAssignments"))
        add_item(ctx, builder, child, SF_ITEM_INPUT_ASSIGNMENT);
    else if (tag_is(child, "inputParameters"))
        add_item(ctx, builder, child, SF_ITEM_INPUT_PARAMETER);
    else if (tag_is(child, "outputAssignments"))
        add_item(ctx, builder, child, SF_ITEM_OUTPUT_ASSIGNMENT);
    else if (tag_is(child, "queriedFields")) {
        const char **slot = avec_push(ctx, &builder->queried, sizeof *slot, SF_FLOW_MAX_ITEMS);
        if (slot != NULL)
            *slot = node_text(ctx, child);
    }
}

static void parse_element(struct parse_ctx *ctx, struct sf_element *element, const xmlNode *node,
                          enum sf_element_kind kind)
{
    struct element_builder builder;
    struct avec scheduled_paths = {0};
    memset(&builder, 0, sizeof builder);
    element->kind = kind;
    element->tag = sf_arena_strdup(ctx->arena, (const char *)node->name);
    element->line = node_line(node);
    for (const xmlNode *child = node->children; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        parse_text_member(ctx, element, child);
        parse_flag_member(ctx, element, child);
        parse_list_member(ctx, &builder, child);
        if (tag_is(child, "value"))
            element->value = parse_value(ctx, child);
        if (kind == SF_EL_START)
            parse_start_member(ctx, child, &scheduled_paths);
    }
    walk_descendants(ctx, &builder, node, node);
    element->filters = builder.filters.data;
    element->n_filters = builder.filters.n;
    element->items = builder.items.data;
    element->n_items = builder.items.n;
    element->links = builder.links.data;
    element->n_links = builder.links.n;
    element->refs = builder.refs.data;
    element->n_refs = builder.refs.n;
    element->literals = builder.literals.data;
    element->n_literals = builder.literals.n;
    element->queried_fields = builder.queried.data;
    element->n_queried_fields = builder.queried.n;
    element->inner_names = builder.inner_names.data;
    element->n_inner_names = builder.inner_names.n;
    if (kind == SF_EL_START) {
        ctx->flow->start_info.scheduled_paths = scheduled_paths.data;
        ctx->flow->start_info.n_scheduled_paths = scheduled_paths.n;
    }
}

/* ------------------------------------------------------------------------ */
/* Top level.                                                                */

static int parse_flow_scalar(struct parse_ctx *ctx, const xmlNode *child)
{
    struct sf_flow *flow = ctx->flow;
    static const struct {
        const char *tag;
        size_t offset;
        int raw;
    } scalars[] = {
        {"processType", offsetof(struct sf_flow, process_type), 0},
        {"status", offsetof(struct sf_flow, status), 0},
        {"label", offsetof(struct sf_flow, label), 0},
        {"description", offsetof(struct sf_flow, description), 1},
        {"runInMode", offsetof(struct sf_flow, run_in_mode), 0},
        {"apiVersion", offsetof(struct sf_flow, api_version), 0},
        {"triggerOrder", offsetof(struct sf_flow, trigger_order), 0},
        {"startElementReference", offsetof(struct sf_flow, start_element_reference), 0},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (tag_is(child, scalars[i].tag)) {
            *(const char **)((char *)flow + scalars[i].offset) =
                scalars[i].raw ? node_text_raw(ctx, child) : node_text(ctx, child);
            return 1;
        }
    }
    return 0;
}

static void parse_process_metadata(struct parse_ctx *ctx, struct avec *metadata,
                                   const xmlNode *node)
{
    struct sf_meta_value *entry = avec_push(ctx, metadata, sizeof *entry, SF_FLOW_MAX_ITEMS);
    if (entry != NULL) {
        entry->name = child_text(ctx, node, "name");
        entry->value = parse_value(ctx, child_named(node, "value"));
    }
}

/* A tag this parser does not know becomes an element when it has a name. */
static int parse_unknown(struct parse_ctx *ctx, struct avec *elements, const xmlNode *child)
{
    if (child_named(child, "name") == NULL)
        return 0;
    struct sf_element *element =
        avec_push(ctx, elements, sizeof *element, SF_FLOW_MAX_ELEMENTS);
    if (element == NULL)
        return 1;
    parse_element(ctx, element, child, SF_EL_OTHER_RESOURCE);
    if (element->n_links != 0)
        element->kind = SF_EL_OTHER_NODE;
    return 1;
}

static void parse_top_level(struct parse_ctx *ctx, const xmlNode *root)
{
    struct sf_flow *flow = ctx->flow;
    struct avec elements = {0}, metadata = {0};
    for (const xmlNode *child = root->children; child != NULL && ctx->status == SF_PARSE_OK;
         child = child->next) {
        if (child->type != XML_ELEMENT_NODE || parse_flow_scalar(ctx, child))
            continue;
        enum sf_element_kind kind;
        if (tag_is(child, "start")) {
            parse_element(ctx, &flow->start, child, SF_EL_START);
            flow->start_info.present = 1;
        } else if (tag_is(child, "processMetadataValues")) {
            parse_process_metadata(ctx, &metadata, child);
        } else if (element_kind_of((const char *)child->name, &kind)) {
            struct sf_element *element =
                avec_push(ctx, &elements, sizeof *element, SF_FLOW_MAX_ELEMENTS);
            if (element != NULL)
                parse_element(ctx, element, child, kind);
            if (element != NULL && element->name == NULL)
                element->name = "";
        } else if (!parse_unknown(ctx, &elements, child)) {
            flow->n_ignored_tags++;
        }
    }
    flow->elements = elements.data;
    flow->n_elements = elements.n;
    flow->process_metadata = metadata.data;
    flow->n_process_metadata = metadata.n;
}

/* ------------------------------------------------------------------------ */
/* Indexes and reference resolution.                                         */

static int compare_element_names(const void *left, const void *right)
{
    const struct sf_element *a = *(const struct sf_element *const *)left;
    const struct sf_element *b = *(const struct sf_element *const *)right;
    return strcasecmp(a->name, b->name);
}

static int compare_strings(const void *left, const void *right)
{
    return strcasecmp(*(const char *const *)left, *(const char *const *)right);
}

static void build_indexes(struct parse_ctx *ctx)
{
    struct sf_flow *flow = ctx->flow;
    const struct sf_element **by_name =
        sf_arena_array(ctx->arena, flow->n_elements + 1, sizeof *by_name);
    if (by_name == NULL) {
        ctx_fail(ctx, SF_PARSE_NO_MEMORY, 0, "out of memory");
        return;
    }
    size_t count = 0;
    for (size_t i = 0; i < flow->n_elements; i++)
        if (flow->elements[i].name != NULL && flow->elements[i].name[0] != '\0')
            by_name[count++] = &flow->elements[i];
    qsort(by_name, count, sizeof *by_name, compare_element_names);
    flow->by_name = by_name;
    flow->n_by_name = count;
    flow->declared = ctx->declared.data;
    flow->n_declared = ctx->declared.n;
    if (flow->n_declared != 0)
        qsort(flow->declared, flow->n_declared, sizeof *flow->declared, compare_strings);
}

const struct sf_element *sf_flow_find(const struct sf_flow *flow, const char *name)
{
    if (flow == NULL || name == NULL || flow->n_by_name == 0)
        return NULL;
    struct sf_element key = {.name = name};
    const struct sf_element *key_pointer = &key;
    const struct sf_element *const *found = bsearch(&key_pointer, flow->by_name, flow->n_by_name,
                                                    sizeof *flow->by_name,
                                                    compare_element_names);
    return found != NULL ? *found : NULL;
}

static int is_declared(const struct sf_flow *flow, const char *name)
{
    if (flow->n_declared == 0)
        return 0;
    return bsearch(&name, flow->declared, flow->n_declared, sizeof *flow->declared,
                   compare_strings) != NULL;
}

static void add_missing(struct parse_ctx *ctx, struct avec *missing, enum sf_missing_kind kind,
                        const char *from, const char *reference, unsigned line)
{
    struct sf_missing_ref *entry = avec_push(ctx, missing, sizeof *entry, SIZE_MAX);
    if (entry != NULL)
        *entry = (struct sf_missing_ref){kind, from == NULL, from != NULL ? from : "start",
                                         reference, line};
}

/* A data path names a resource by its first segment; $globals are built in. */
static int data_ref_resolves(struct parse_ctx *ctx, const char *path)
{
    if (path[0] == '$')
        return 1;
    size_t length = strcspn(path, ".");
    if (length == 0)
        return 1;
    const char *head = sf_arena_strndup(ctx->arena, path, length);
    return head == NULL || is_declared(ctx->flow, head);
}

static void resolve_element(struct parse_ctx *ctx, struct avec *missing,
                            const struct sf_element *element)
{
    const char *from = element->kind == SF_EL_START ? NULL : element->name;
    for (size_t i = 0; i < element->n_links; i++)
        if (sf_flow_find(ctx->flow, element->links[i].target) == NULL)
            add_missing(ctx, missing, SF_MISSING_CONNECTOR, from, element->links[i].target,
                        element->links[i].line);
    for (size_t i = 0; i < element->n_refs; i++)
        if (!data_ref_resolves(ctx, element->refs[i].path))
            add_missing(ctx, missing, SF_MISSING_DATA, from, element->refs[i].path,
                        element->refs[i].line);
}

static void resolve_references(struct parse_ctx *ctx)
{
    struct sf_flow *flow = ctx->flow;
    struct avec missing = {0};
    if (flow->start_element_reference != NULL &&
        sf_flow_find(flow, flow->start_element_reference) == NULL)
        add_missing(ctx, &missing, SF_MISSING_CONNECTOR, NULL, flow->start_element_reference,
                    0);
    if (flow->start_info.present)
        resolve_element(ctx, &missing, &flow->start);
    for (size_t i = 0; i < flow->n_elements; i++)
        resolve_element(ctx, &missing, &flow->elements[i]);
    flow->missing = missing.data;
    flow->n_missing = missing.n;
}

/* ------------------------------------------------------------------------ */
/* Entry points.                                                             */

/* libxml2 reports through this per-context hook instead of stderr. */
#if LIBXML_VERSION >= 21200
static void quiet_structured_error(void *user_data, const xmlError *error)
#else
static void quiet_structured_error(void *user_data, xmlErrorPtr error)
#endif
{
    (void)user_data;
    (void)error;
}

static void fill_error(struct sf_parse_error *error, enum sf_parse_status status,
                       const char *display_name, unsigned line, const char *reason)
{
    if (error == NULL)
        return;
    error->status = status;
    error->line = line;
    if (line != 0)
        snprintf(error->message, sizeof error->message, "%s:%u: %s", display_name, line, reason);
    else
        snprintf(error->message, sizeof error->message, "%s: %s", display_name, reason);
}

static xmlDoc *read_document(struct parse_ctx *ctx, const char *data, size_t size)
{
    xmlParserCtxt *parser = xmlNewParserCtxt();
    if (parser == NULL) {
        ctx_fail(ctx, SF_PARSE_NO_MEMORY, 0, "out of memory");
        return NULL;
    }
    parser->sax->serror = quiet_structured_error;
    parser->sax->warning = NULL;
    parser->sax->error = NULL;
    parser->vctxt.error = NULL;
    parser->vctxt.warning = NULL;
    /*
     * Flow metadata is UTF-8. Forcing it keeps libxml2 away from its iconv
     * converters, whose failures it reports on stderr, not to this context.
     */
    xmlDoc *doc = xmlCtxtReadMemory(parser, data, (int)size, ctx->display_name, "UTF-8",
                                    XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA |
                                        XML_PARSE_IGNORE_ENC);
    if (doc == NULL) {
        const xmlError *last = xmlCtxtGetLastError(parser);
        char reason[160] = "not well-formed XML";
        unsigned line = 0;
        if (last != NULL && last->message != NULL) {
            snprintf(reason, sizeof reason, "%s", last->message);
            reason[strcspn(reason, "\r\n")] = '\0';
            line = last->line > 0 ? (unsigned)last->line : 0;
        }
        ctx_fail(ctx, SF_PARSE_XML, line, "malformed XML: %s", reason);
    }
    xmlFreeParserCtxt(parser);
    return doc;
}

/* libxml2 keeps no line for a DTD node; find the keyword in the text. */
static unsigned doctype_line(const char *data, size_t size)
{
    const char *found = memmem(data, size, "<!DOCTYPE", 9);
    if (found == NULL)
        return 0;
    unsigned line = 1;
    for (const char *cursor = data; cursor < found; cursor++)
        line += *cursor == '\n';
    return line;
}

/* Everything after the document is read: shared by XML text and DOM input. */
static void parse_root(struct parse_ctx *ctx, const xmlNode *root)
{
    if (root == NULL || root->name == NULL || strcmp((const char *)root->name, "Flow") != 0) {
        ctx_fail(ctx, SF_PARSE_NOT_A_FLOW, root != NULL ? node_line(root) : 0,
                 "root element is <%s>, not <Flow>",
                 root != NULL && root->name != NULL ? (const char *)root->name : "(none)");
        return;
    }
    parse_top_level(ctx, root);
    if (ctx->status == SF_PARSE_OK)
        build_indexes(ctx);
    if (ctx->status == SF_PARSE_OK)
        resolve_references(ctx);
}

static void parse_document(struct parse_ctx *ctx, const char *data, size_t size)
{
    /* Refused before libxml2 sees it, so no entity declaration is ever parsed. */
    unsigned doctype = doctype_line(data, size);
    if (doctype != 0) {
        ctx_fail(ctx, SF_PARSE_XML, doctype, "a DOCTYPE is not allowed in flow metadata");
        return;
    }
    xmlDoc *doc = read_document(ctx, data, size);
    if (doc == NULL)
        return;
    if (doc->intSubset != NULL || doc->extSubset != NULL)
        ctx_fail(ctx, SF_PARSE_XML, doctype_line(data, size),
                 "a DOCTYPE is not allowed in flow metadata");
    else
        parse_root(ctx, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
}

xmlDoc *sf_xml_read(const char *data, size_t size, const char *name,
                    struct sf_parse_error *error)
{
    const char *display_name = name != NULL ? name : "<memory>";
    struct parse_ctx ctx = {.display_name = display_name};
    if (error != NULL)
        memset(error, 0, sizeof *error);
    if (data == NULL || size > SF_FLOW_MAX_BYTES) {
        fill_error(error, data == NULL ? SF_PARSE_IO : SF_PARSE_TOO_LARGE, display_name, 0,
                   data == NULL ? "no data" : "larger than the 4 MiB cap");
        return NULL;
    }
    unsigned doctype = doctype_line(data, size);
    xmlDoc *doc = NULL;
    if (doctype != 0)
        ctx_fail(&ctx, SF_PARSE_XML, doctype, "a DOCTYPE is not allowed in metadata");
    else
        doc = read_document(&ctx, data, size);
    if (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL)) {
        ctx_fail(&ctx, SF_PARSE_XML, 0, "a DOCTYPE is not allowed in metadata");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (doc == NULL)
        fill_error(error, ctx.status, display_name, ctx.error_line, ctx.error_reason);
    return doc;
}

char *sf_flow_api_name_from_path(struct sf_arena *arena, const char *path)
{
    if (path == NULL)
        return NULL;
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t length = strlen(base);
    static const char *const suffixes[] = {".flow-meta.xml", ".flow"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t suffix_length = strlen(suffixes[i]);
        if (length > suffix_length && strcmp(base + length - suffix_length, suffixes[i]) == 0) {
            length -= suffix_length;
            break;
        }
    }
    return sf_arena_strndup(arena, base, length);
}

/* A new, empty flow in its own arena; NULL (error filled) without memory. */
static struct sf_flow *flow_new(const char *name, const char *api_name, const char *display_name,
                                struct sf_parse_error *error)
{
    struct sf_arena *arena = sf_arena_new();
    struct sf_flow *flow = arena != NULL ? sf_arena_alloc(arena, sizeof *flow) : NULL;
    if (flow == NULL) {
        sf_arena_free(arena);
        fill_error(error, SF_PARSE_NO_MEMORY, display_name, 0, "out of memory");
        return NULL;
    }
    flow->arena = arena;
    flow->file = sf_arena_strdup(arena, name);
    if (api_name != NULL)
        flow->api_name = sf_arena_strdup(arena, api_name);
    else
        flow->api_name = name != NULL ? sf_flow_api_name_from_path(arena, name) : "";
    return flow;
}

/* The flow when the context ended well; else NULL with the error filled. */
static struct sf_flow *flow_finish(struct parse_ctx *ctx, struct sf_parse_error *error)
{
    if (ctx->status == SF_PARSE_OK && sf_arena_failed(ctx->arena))
        ctx_fail(ctx, SF_PARSE_NO_MEMORY, 0, "out of memory");
    if (ctx->status != SF_PARSE_OK) {
        fill_error(error, ctx->status, ctx->display_name, ctx->error_line, ctx->error_reason);
        sf_arena_free(ctx->arena);
        return NULL;
    }
    return ctx->flow;
}

struct sf_flow *sf_flow_parse_buffer(const char *data, size_t size, const char *name,
                                     struct sf_parse_error *error)
{
    const char *display_name = name != NULL ? name : "<memory>";
    if (error != NULL)
        memset(error, 0, sizeof *error);
    if (data == NULL || size > SF_FLOW_MAX_BYTES) {
        fill_error(error, data == NULL ? SF_PARSE_IO : SF_PARSE_TOO_LARGE, display_name, 0,
                   data == NULL ? "no data" : "larger than the 4 MiB cap");
        return NULL;
    }
    struct sf_flow *flow = flow_new(name, NULL, display_name, error);
    if (flow == NULL)
        return NULL;
    struct parse_ctx ctx = {.flow = flow, .arena = flow->arena, .display_name = display_name};
    parse_document(&ctx, data, size);
    return flow_finish(&ctx, error);
}

struct sf_flow *sf_flow_parse_tree(const xmlNode *root, const char *api_name, const char *name,
                                   struct sf_parse_error *error)
{
    const char *display_name = name != NULL ? name : "<memory>";
    if (error != NULL)
        memset(error, 0, sizeof *error);
    struct sf_flow *flow = flow_new(name, api_name != NULL ? api_name : "", display_name, error);
    if (flow == NULL)
        return NULL;
    struct parse_ctx ctx = {.flow = flow, .arena = flow->arena, .display_name = display_name};
    parse_root(&ctx, root);
    return flow_finish(&ctx, error);
}

static char *read_whole_file(const char *path, size_t *size, struct sf_parse_error *error)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fill_error(error, SF_PARSE_IO, path, 0, strerror(errno));
        return NULL;
    }
    struct stat info;
    if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
        fill_error(error, SF_PARSE_IO, path, 0, "not a regular file");
        fclose(file);
        return NULL;
    }
    if ((unsigned long long)info.st_size > SF_FLOW_MAX_BYTES) {
        fill_error(error, SF_PARSE_TOO_LARGE, path, 0, "larger than the 4 MiB cap");
        fclose(file);
        return NULL;
    }
    char *data = malloc((size_t)info.st_size + 1);
    size_t got = data != NULL ? fread(data, 1, (size_t)info.st_size, file) : 0;
    int failed = data == NULL || ferror(file) || got != (size_t)info.st_size;
    fclose(file);
    if (failed) {
        fill_error(error, data == NULL ? SF_PARSE_NO_MEMORY : SF_PARSE_IO, path, 0,
                   data == NULL ? "out of memory" : "read failed");
        free(data);
        return NULL;
    }
    *size = got;
    return data;
}

struct sf_flow *sf_flow_parse_file(const char *path, struct sf_parse_error *error)
{
    if (error != NULL)
        memset(error, 0, sizeof *error);
    if (path == NULL) {
        fill_error(error, SF_PARSE_IO, "<null>", 0, "no path");
        return NULL;
    }
    size_t size = 0;
    char *data = read_whole_file(path, &size, error);
    if (data == NULL)
        return NULL;
    struct sf_flow *flow = sf_flow_parse_buffer(data, size, path, error);
    free(data);
    return flow;
}

void sf_flow_free(struct sf_flow *flow)
{
    if (flow != NULL)
        sf_arena_free(flow->arena);
}

const char *sf_flow_meta_string(const struct sf_flow *flow, const char *name)
{
    for (size_t i = 0; flow != NULL && i < flow->n_process_metadata; i++) {
        const struct sf_meta_value *entry = &flow->process_metadata[i];
        if (entry->name != NULL && strcmp(entry->name, name) == 0 &&
            entry->value.kind == SF_VALUE_STRING)
            return entry->value.text;
    }
    return NULL;
}
