/*
 * flow_json.c -- Tooling API flow metadata (JSON) into struct sf_flow.
 *
 * The JSON object is rebuilt as the XML document it stands for -- a member
 * becomes a child element named by its key, an array becomes the element
 * repeated, null is left out, booleans and numbers become their text -- and
 * that tree goes through the XML parser's own walk (flow_parse_tree.h). One
 * walk means one set of rules: whatever the XML parser learns, the API
 * source knows too.
 *
 * Numbers print as the XML writes them: an integral value with one decimal
 * ("60.0" for apiVersion 60, "100000.0" for a numberValue), so messages read
 * the same whichever source a flow came from; anything else with the digits
 * needed to read back the same value.
 */
#include "flow_json.h"

#include "flow_parse_tree.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

struct build {
    size_t nodes;
    int too_large;
    int no_memory;
};

static void number_text(double number, char *text, size_t size)
{
    if (isfinite(number) && number == floor(number) && fabs(number) < 9007199254740992.0)
        snprintf(text, size, "%.1f", number);
    else if (isfinite(number))
        snprintf(text, size, "%.17g", number);
    else
        snprintf(text, size, "0");
}

static void add_member(struct build *build, xmlNode *parent, const char *key,
                       const cJSON *value, unsigned depth);

static void add_children(struct build *build, xmlNode *element, const cJSON *object,
                         unsigned depth)
{
    for (const cJSON *member = object->child; member != NULL; member = member->next)
        if (member->string != NULL)
            add_member(build, element, member->string, member, depth + 1);
}

/* One scalar as the text of a new child element. */
static void add_text(struct build *build, xmlNode *parent, const char *key, const char *text)
{
    if (xmlNewTextChild(parent, NULL, (const xmlChar *)key, (const xmlChar *)text) == NULL)
        build->no_memory = 1;
}

static void add_member(struct build *build, xmlNode *parent, const char *key,
                       const cJSON *value, unsigned depth)
{
    if (build->too_large || build->no_memory || cJSON_IsNull(value) || key[0] == '\0')
        return;
    if (depth > SF_FLOW_JSON_MAX_DEPTH || ++build->nodes > SF_FLOW_JSON_MAX_NODES) {
        build->too_large = 1;
        return;
    }
    char text[64];
    if (cJSON_IsArray(value)) {
        for (const cJSON *item = value->child; item != NULL; item = item->next)
            add_member(build, parent, key, item, depth + 1);
    } else if (cJSON_IsObject(value)) {
        xmlNode *element = xmlNewChild(parent, NULL, (const xmlChar *)key, NULL);
        if (element == NULL)
            build->no_memory = 1;
        else
            add_children(build, element, value, depth);
    } else if (cJSON_IsString(value)) {
        add_text(build, parent, key, value->valuestring);
    } else if (cJSON_IsBool(value)) {
        add_text(build, parent, key, cJSON_IsTrue(value) ? "true" : "false");
    } else if (cJSON_IsNumber(value)) {
        number_text(value->valuedouble, text, sizeof text);
        add_text(build, parent, key, text);
    }
}

static void fail(struct sf_parse_error *error, enum sf_parse_status status, const char *name,
                 const char *reason)
{
    if (error == NULL)
        return;
    memset(error, 0, sizeof *error);
    error->status = status;
    snprintf(error->message, sizeof error->message, "%s: %s", name, reason);
}

struct sf_flow *sf_flow_from_json(const cJSON *metadata, const char *api_name, const char *name,
                                  struct sf_parse_error *error)
{
    const char *display_name = name != NULL ? name : "<memory>";
    if (!cJSON_IsObject(metadata)) {
        fail(error, SF_PARSE_NOT_A_FLOW, display_name, "the flow's Metadata is not an object");
        return NULL;
    }
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = doc != NULL ? xmlNewNode(NULL, (const xmlChar *)"Flow") : NULL;
    if (root == NULL) {
        xmlFreeDoc(doc);
        fail(error, SF_PARSE_NO_MEMORY, display_name, "out of memory");
        return NULL;
    }
    xmlDocSetRootElement(doc, root);
    struct build build = {0};
    add_children(&build, root, metadata, 0);
    struct sf_flow *flow = NULL;
    if (build.too_large)
        fail(error, SF_PARSE_TOO_LARGE, display_name,
             "the flow's Metadata is nested too deeply or has too many members");
    else if (build.no_memory)
        fail(error, SF_PARSE_NO_MEMORY, display_name, "out of memory");
    else
        flow = sf_flow_parse_tree(root, api_name, name, error);
    xmlFreeDoc(doc);
    return flow;
}
