/*
 * verify.h -- an independent checker for a generated dataset: re-reads the
 * JSON Lines output and tests the invariants the healthy world promises.
 */
#ifndef CRMGOV_GEN_VERIFY_H
#define CRMGOV_GEN_VERIFY_H

#include <stdio.h>

#include "plant.h"

/* Reads the stream and reports violations to `report`. With `expected`
 * NULL the world must be healthy; otherwise every violation must be one of
 * the expected findings and every expected finding of a rule the checker
 * covers must be observed. Returns 0 when that holds, 1 otherwise. */
int verify_stream(FILE *in, const plant_key *expected, FILE *report);
/* Loads an answer key written by --answer-key; 0 on success. */
int verify_read_key(const char *path, plant_key *key);

#endif
