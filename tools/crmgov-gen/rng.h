/*
 * rng.h -- the generator's own pseudo-random numbers: splitmix64 to expand a
 * seed, xoshiro256** for the stream.
 *
 * Why not rand(): its sequence differs between C libraries, so "same seed,
 * same bytes" would break across machines. Both algorithms here are fully
 * specified by their published reference, so a seed names one dataset
 * everywhere. Independent streams (records, executions, planters...) are
 * forked by name, so adding draws to one part of the world does not shift
 * every other part.
 */
#ifndef CRMGOV_GEN_RNG_H
#define CRMGOV_GEN_RNG_H

#include <stdint.h>

typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

/* One step of splitmix64 on *state (advances it). */
uint64_t gen_splitmix64(uint64_t *state);
void gen_rng_seed(gen_rng *r, uint64_t seed);
/* A stream derived from a seed and a name; same inputs, same stream. */
void gen_rng_fork(gen_rng *r, uint64_t seed, const char *stream_name);
uint64_t gen_rng_next(gen_rng *r);
/* Uniform in [0, n) without modulo bias; n == 0 yields 0. */
uint32_t gen_rng_below(gen_rng *r, uint32_t n);
/* Uniform in [lo, hi] inclusive. */
int64_t gen_rng_range(gen_rng *r, int64_t lo, int64_t hi);
/* Uniform double in [0, 1) with 53 random bits. */
double gen_rng_unit(gen_rng *r);
int gen_rng_chance(gen_rng *r, double p);

#endif
