/*
 * conformance.h -- the plugin conformance suite (see conformance.c).
 */
#ifndef CRMGOV_CONFORMANCE_H
#define CRMGOV_CONFORMANCE_H

#include <stdio.h>

#include "crmgov/plugin.h"

/* Prints "ok N - ..." / "not ok N - ..." lines and a PASS/FAIL summary to
 * out; returns the number of failed checks. */
int conformance_run_descriptor(const struct crmgov_plugin *desc, const char *label, FILE *out);
int conformance_run_file(const char *path, FILE *out);

#endif
