/*
 * plant_change.c -- planters for the change-control layer (CHG0xx).
 * Empty for now: the change-layer engineer adds planters here (see
 * plant.h and README.md for the contract) and lists them below.
 */
#include "plant.h"

const gen_planter *const plant_change_planters[] = {NULL};
