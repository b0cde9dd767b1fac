/*
 * rng.c -- splitmix64 seeding and xoshiro256** generation (see rng.h).
 * Constants and rotations are those of the published reference algorithms.
 */
#include "rng.h"

uint64_t gen_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gen_rng_seed(gen_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = gen_splitmix64(&st);
}

void gen_rng_fork(gen_rng *r, uint64_t seed, const char *stream_name)
{
    /* FNV-1a of the name keeps stream identity independent of call order. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)stream_name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    uint64_t st = seed ^ h;
    gen_rng_seed(r, gen_splitmix64(&st));
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t gen_rng_below(gen_rng *r, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t m = (uint64_t)(uint32_t)(gen_rng_next(r) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(0U - n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(gen_rng_next(r) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

int64_t gen_rng_range(gen_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)gen_rng_below(r, (uint32_t)(hi - lo + 1));
}

double gen_rng_unit(gen_rng *r)
{
    return (double)(gen_rng_next(r) >> 11) * 0x1.0p-53;
}

int gen_rng_chance(gen_rng *r, double p)
{
    return gen_rng_unit(r) < p;
}
