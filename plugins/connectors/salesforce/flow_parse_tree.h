/*
 * flow_parse_tree.h -- the flow parser's entry for a document tree that was
 * not read from XML text.
 *
 * The Tooling API delivers flow metadata as JSON with the same element names
 * as the XML. Rather than a second parser that would drift from the first,
 * flow_json.c builds a libxml2 tree from the JSON and hands its root here:
 * the one walk of flow_parse.c then fills struct sf_flow either way. The
 * parser's safe XML reader is offered here too, for the other metadata types
 * the connector reads (legacy workflow rules). Kept out of flow_parse.h so
 * that header stays free of libxml2 types.
 */
#ifndef SF_FLOW_PARSE_TREE_H
#define SF_FLOW_PARSE_TREE_H

#include <libxml/tree.h>

#include "flow_parse.h"

/*
 * Parse a tree whose root should be <Flow>. api_name becomes the flow's API
 * name as given (no suffix stripping); name is used for `file` and messages
 * (NULL: "<memory>"). Nodes built in memory carry no line: every line is 0.
 */
struct sf_flow *sf_flow_parse_tree(const xmlNode *root, const char *api_name, const char *name,
                                   struct sf_parse_error *error);

/*
 * Reads any Salesforce metadata XML document with the flow parser's safety
 * rules (size cap, no DOCTYPE, no network, no entity substitution, errors
 * never on stderr). NULL with *error filled when refused; else the caller
 * frees the document with xmlFreeDoc().
 */
xmlDoc *sf_xml_read(const char *data, size_t size, const char *name,
                    struct sf_parse_error *error);

#endif
