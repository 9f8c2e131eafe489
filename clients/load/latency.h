/* A latency histogram with fixed memory: 50 µs steps up to 50 ms, then 10 ms steps up to 5 s,
 * everything slower in the last bin. Percentiles are exact to a bin, which is all a p99 of a
 * live meeting needs, and one histogram per subscriber stays at 6 KiB whatever the run length. */
#ifndef DH_LOAD_LATENCY_H
#define DH_LOAD_LATENCY_H

#include <stdint.h>

#define LATENCY_FINE_BINS 1000  /* 0 .. 50 ms by 50 µs */
#define LATENCY_COARSE_BINS 495 /* 50 ms .. 5 s by 10 ms */
#define LATENCY_BINS (LATENCY_FINE_BINS + LATENCY_COARSE_BINS + 1)

typedef struct latency_hist {
    uint32_t bins[LATENCY_BINS];
    uint64_t count;
    uint64_t max_us;
} latency_hist;

void latency_reset(latency_hist *h);
void latency_add(latency_hist *h, uint64_t us);
/* Adds every sample of `from` into `into`. */
void latency_merge(latency_hist *into, const latency_hist *from);
/* The p-th percentile (0 < p <= 100) in µs: the upper edge of the bin holding it, capped at the
 * largest sample seen; 0 when empty. */
uint64_t latency_percentile(const latency_hist *h, double p);

/* Percentiles of a small array of values (join times): sorts `v` in place. Nearest rank. */
uint64_t latency_rank(uint64_t *v, uint32_t n, double p);

#endif
