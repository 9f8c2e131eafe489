/* The figures of a run (BENCH.md): per receiving endpoint, packets, loss from sequence ranges,
 * one-way latency p50/p99, join time; the totals; and the hub's CPU per forwarded packet when
 * its pid was given. Printed as a table and written as JSON.
 *
 * With simulcast, also which layer each receiver got from whom (the tags, latency_tag.h): per
 * receiving role (chair, operator, site) and kind of publisher (the chair, a site holding the
 * floor, any other site), the share of video packets per layer. */
#ifndef DH_LOAD_REPORT_H
#define DH_LOAD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "endpoint.h"
#include "scenario.h"

typedef struct report_run {
    const load_scenario *scenario;
    endpoint *const *endpoints;
    size_t n_endpoints;
    int64_t window_start_ms, window_end_ms; /* wall clock, ms since the epoch */
    double window_s;                        /* its length (monotonic clock) */
    int hub_pid;                            /* 0: not measured */
    uint64_t hub_cpu_us;                    /* utime + stime over the window */
    uint64_t hub_rss_kib;                   /* at the window's end */
    uint64_t load_cpu_us;                   /* our own, over the window */
} report_run;

typedef struct report_totals {
    uint32_t endpoints, failed, receivers, receiving; /* receiving: got media */
    uint64_t packets, expected, lost, sent;
    double loss_pct;
    uint64_t lat_p50_us, lat_p99_us, lat_max_us;
    uint64_t join_p50_us, join_p95_us, join_max_us; /* ws open -> first media packet */
    double hub_us_per_pkt;                          /* 0 when not measured */
    double pkts_per_s;
} report_totals;

/* Publishers as the layer figures group them. */
typedef enum { PUB_CHAIR = 0, PUB_FLOOR, PUB_SITE, PUB_KINDS } report_pub_kind;

/* What receivers of one role got from publishers of one kind, over the window. */
typedef struct report_layers {
    uint32_t receivers; /* receivers that got video from such publishers */
    unsigned n_layers;  /* the most layers one of those publishers sends */
    uint64_t packets[ENDPOINT_MAX_LAYERS], bytes[ENDPOINT_MAX_LAYERS];
} report_layers;

/* Fills layers[receiver role][publisher kind]. */
void report_layers_get(const report_run *r, report_layers layers[EP_ROLES][PUB_KINDS]);

/* Computes the totals; `latency` receives every receiver's histogram merged. */
void report_totals_get(const report_run *r, report_totals *t, latency_hist *latency);
void report_print(FILE *f, const report_run *r, bool per_endpoint);
/* 0, or -1 when the file cannot be written. */
int report_write_json(const char *path, const report_run *r);

#endif
