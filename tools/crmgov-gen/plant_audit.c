/*
 * plant_audit.c -- planters for the performance-audit layer (AUD0xx).
 * Empty for now: the audit-layer engineer adds planters here (see plant.h
 * and README.md for the contract) and lists them below.
 */
#include "plant.h"

const gen_planter *const plant_audit_planters[] = {NULL};
