/*
 * aud_stats.c -- the statistics behind AUD004 and the metrics: the normal
 * distribution, the two-proportion z-test (with continuity correction) and quantiles of the core's
 * duration histogram. Pure functions, so tests can pin exact values.
 */
#include <math.h>

#include "audit.h"

double aud_normal_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

int aud_two_proportion(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double *z,
                       double *p)
{
    *z = 0.0;
    *p = 1.0;
    if (!n1 || !n2 || x1 > n1 || x2 > n2)
        return 0;
    double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
    double pooled = (double)(x1 + x2) / (double)(n1 + n2);
    double variance = pooled * (1.0 - pooled) * (1.0 / (double)n1 + 1.0 / (double)n2);
    if (!(variance > 0.0))
        return 0;
    /* Yates' continuity correction: the normal approximation of two
     * binomials is optimistic for small samples; this keeps it honest */
    double diff = fabs(p2 - p1) - 0.5 * (1.0 / (double)n1 + 1.0 / (double)n2);
    if (diff < 0.0)
        diff = 0.0;
    *z = (p2 < p1 ? -diff : diff) / sqrt(variance);
    *p = 2.0 * aud_normal_cdf(-fabs(*z));
    return 1;
}

/* The largest duration bucket b holds (its upper end). */
static int64_t bucket_high(unsigned b, int64_t max_ms)
{
    if (b + 1 >= CRMGOV_DURATION_BUCKETS)
        return max_ms;
    return crmgov_duration_bucket_low(b + 1) - 1;
}

int64_t aud_hist_quantile(const uint32_t *hist, uint64_t total, double q, int64_t max_ms)
{
    if (!hist || !total)
        return -1;
    double rank = ceil(q * (double)total);
    if (rank < 1)
        rank = 1;
    uint64_t below = 0;
    for (unsigned b = 0; b < CRMGOV_DURATION_BUCKETS; b++) {
        if (!hist[b])
            continue;
        if ((double)(below + hist[b]) >= rank) {
            int64_t low = crmgov_duration_bucket_low(b);
            int64_t high = bucket_high(b, max_ms);
            if (high < low)
                high = low;
            /* spread the bucket's counts evenly over its range */
            double within = (rank - (double)below - 0.5) / (double)hist[b];
            int64_t v = low + (int64_t)llround(within * (double)(high - low));
            return max_ms >= 0 && v > max_ms ? max_ms : v;
        }
        below += hist[b];
    }
    return max_ms;
}
