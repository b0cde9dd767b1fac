/*
 * sf_service.h -- the connector's side of the "flow-parser" service
 * (include/crmgov/services/flow_parser.h).
 *
 * The service struct handed to the registry lives inside struct sf_parser,
 * which the connector instance owns; it holds only read-only settings, so
 * any thread may call it at any time while the instance lives.
 */
#ifndef SF_SERVICE_H
#define SF_SERVICE_H

#include <crmgov/services/flow_parser.h>

#include "flow_check.h"

struct sf_parser {
    struct crmgov_flow_parser_service service;  /* service.impl points back here */
    int workflows;
    struct sf_check_options check;
};

/* Fills the service table; the struct must not move afterwards. */
void sf_parser_init(struct sf_parser *parser, int workflows,
                    const struct sf_check_options *check);

#endif
