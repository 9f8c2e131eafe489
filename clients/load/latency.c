#include "latency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FINE_STEP_US 50u
#define COARSE_STEP_US 10000u
#define FINE_END_US (LATENCY_FINE_BINS * FINE_STEP_US)

void latency_reset(latency_hist *h)
{
    memset(h, 0, sizeof *h);
}

static uint32_t bin_of(uint64_t us)
{
    if (us < FINE_END_US) return (uint32_t)(us / FINE_STEP_US);
    uint64_t c = (us - FINE_END_US) / COARSE_STEP_US;
    if (c >= LATENCY_COARSE_BINS) return LATENCY_BINS - 1;
    return LATENCY_FINE_BINS + (uint32_t)c;
}

static uint64_t upper_edge(uint32_t bin)
{
    if (bin < LATENCY_FINE_BINS) return (uint64_t)(bin + 1) * FINE_STEP_US;
    return FINE_END_US + (uint64_t)(bin - LATENCY_FINE_BINS + 1) * COARSE_STEP_US;
}

void latency_add(latency_hist *h, uint64_t us)
{
    h->bins[bin_of(us)]++;
    h->count++;
    if (us > h->max_us) h->max_us = us;
}

void latency_merge(latency_hist *into, const latency_hist *from)
{
    for (uint32_t i = 0; i < LATENCY_BINS; i++)
        into->bins[i] += from->bins[i];
    into->count += from->count;
    if (from->max_us > into->max_us) into->max_us = from->max_us;
}

static uint64_t rank_of(uint64_t n, double p)
{
    if (p <= 0) p = 0.000001;
    if (p > 100) p = 100;
    uint64_t r = (uint64_t)ceil(p / 100.0 * (double)n);
    return r ? r : 1;
}

uint64_t latency_percentile(const latency_hist *h, double p)
{
    if (h->count == 0) return 0;
    uint64_t want = rank_of(h->count, p), seen = 0;
    for (uint32_t i = 0; i < LATENCY_BINS; i++) {
        seen += h->bins[i];
        if (seen >= want) {
            uint64_t e = i == LATENCY_BINS - 1 ? h->max_us : upper_edge(i);
            return e < h->max_us ? e : h->max_us;
        }
    }
    return h->max_us;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t latency_rank(uint64_t *v, uint32_t n, double p)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    return v[rank_of(n, p) - 1];
}
