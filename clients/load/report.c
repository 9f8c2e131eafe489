#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

void report_totals_get(const report_run *r, report_totals *t, latency_hist *latency)
{
    memset(t, 0, sizeof *t);
    latency_reset(latency);
    uint64_t *joins = calloc(r->n_endpoints ? r->n_endpoints : 1, sizeof *joins);
    uint32_t n_joins = 0;
    for (size_t i = 0; i < r->n_endpoints; i++) {
        endpoint_result e;
        endpoint_result_get(r->endpoints[i], &e);
        t->endpoints++;
        if (e.error) t->failed++;
        t->sent += e.sent_packets;
        if (!e.latency) continue;
        t->receivers++;
        if (e.first_media_us) {
            t->receiving++;
            if (joins && e.open_us) joins[n_joins++] = e.first_media_us - e.open_us;
        }
        t->packets += e.packets;
        t->expected += e.expected;
        t->lost += e.lost;
        latency_merge(latency, e.latency);
    }
    t->loss_pct = t->expected ? 100.0 * (double)t->lost / (double)t->expected : 0.0;
    t->lat_p50_us = latency_percentile(latency, 50);
    t->lat_p99_us = latency_percentile(latency, 99);
    t->lat_max_us = latency->max_us;
    if (joins) {
        t->join_p50_us = latency_rank(joins, n_joins, 50);
        t->join_p95_us = latency_rank(joins, n_joins, 95);
        t->join_max_us = latency_rank(joins, n_joins, 100);
    }
    free(joins);
    if (r->hub_pid && t->packets) t->hub_us_per_pkt = (double)r->hub_cpu_us / (double)t->packets;
    if (r->window_s > 0) t->pkts_per_s = (double)t->packets / r->window_s;
}

void report_print(FILE *f, const report_run *r, bool per_endpoint)
{
    if (per_endpoint) {
        fprintf(f, "%-12s %9s %9s %7s %8s %8s %9s  %s\n", "endpoint", "packets", "expected",
                "loss%", "p50 ms", "p99 ms", "join ms", "error");
        for (size_t i = 0; i < r->n_endpoints; i++) {
            endpoint_result e;
            endpoint_result_get(r->endpoints[i], &e);
            if (!e.latency && !e.error) continue;
            double loss = e.expected ? 100.0 * (double)e.lost / (double)e.expected : 0.0;
            double join = e.first_media_us && e.open_us ? ms(e.first_media_us - e.open_us) : -1;
            fprintf(f, "%-12s %9llu %9llu %7.3f %8.2f %8.2f %9.1f  %s\n", e.label,
                    (unsigned long long)e.packets, (unsigned long long)e.expected, loss,
                    e.latency ? ms(latency_percentile(e.latency, 50)) : 0.0,
                    e.latency ? ms(latency_percentile(e.latency, 99)) : 0.0, join,
                    e.error ? e.error : "");
        }
    }
    report_totals t;
    latency_hist *all = malloc(sizeof *all);
    if (!all) return;
    report_totals_get(r, &t, all);
    free(all);
    fprintf(f, "\nscenario %s: %u endpoints (%u failed), %u receivers (%u got media)\n",
            r->scenario->name, t.endpoints, t.failed, t.receivers, t.receiving);
    fprintf(f, "steady window: %.1f s, %lld.%03lld .. %lld.%03lld (unix s)\n", r->window_s,
            (long long)(r->window_start_ms / 1000), (long long)(r->window_start_ms % 1000),
            (long long)(r->window_end_ms / 1000), (long long)(r->window_end_ms % 1000));
    fprintf(f, "received: %llu packets (%.0f/s), expected %llu, lost %llu = %.3f %%\n",
            (unsigned long long)t.packets, t.pkts_per_s, (unsigned long long)t.expected,
            (unsigned long long)t.lost, t.loss_pct);
    fprintf(f, "latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", ms(t.lat_p50_us),
            ms(t.lat_p99_us), ms(t.lat_max_us));
    fprintf(f, "join (ws open -> first media): p50 %.0f ms, p95 %.0f ms, max %.0f ms\n",
            ms(t.join_p50_us), ms(t.join_p95_us), ms(t.join_max_us));
    if (r->hub_pid)
        fprintf(
            f,
            "hub pid %d: %.3f s CPU in the window = %.2f us per forwarded packet; RSS %llu KiB\n",
            r->hub_pid, (double)r->hub_cpu_us / 1e6, t.hub_us_per_pkt,
            (unsigned long long)r->hub_rss_kib);
    fprintf(f, "load generator: %.3f s CPU in the window\n", (double)r->load_cpu_us / 1e6);
}

int report_write_json(const char *path, const report_run *r)
{
    report_totals t;
    latency_hist *all = malloc(sizeof *all);
    if (!all) return -1;
    report_totals_get(r, &t, all);
    free(all);
    json_t *eps = json_array();
    for (size_t i = 0; i < r->n_endpoints; i++) {
        endpoint_result e;
        endpoint_result_get(r->endpoints[i], &e);
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "label", e.label, "packets",
                              (json_int_t)e.packets, "expected", (json_int_t)e.expected, "lost",
                              (json_int_t)e.lost, "sent", (json_int_t)e.sent_packets, "srtp_errors",
                              (json_int_t)e.srtp_errors);
        if (e.error) json_object_set_new(o, "error", json_string(e.error));
        /* Per stream, so that two servers' runs can be checked to carry the same media. */
        json_t *tracks = json_array();
        for (uint32_t k = 0; k < e.n_tracks; k++)
            json_array_append_new(tracks, json_pack("{s:b, s:I, s:I}", "video", e.tracks[k].video,
                                                    "packets", (json_int_t)e.tracks[k].seq.received,
                                                    "bytes", (json_int_t)e.tracks[k].bytes));
        json_object_set_new(o, "tracks", tracks);
        if (e.latency) {
            json_object_set_new(o, "latency_p50_ms",
                                json_real(ms(latency_percentile(e.latency, 50))));
            json_object_set_new(o, "latency_p99_ms",
                                json_real(ms(latency_percentile(e.latency, 99))));
        }
        if (e.first_media_us && e.open_us)
            json_object_set_new(o, "join_ms", json_real(ms(e.first_media_us - e.open_us)));
        if (e.first_video_us && e.open_us)
            json_object_set_new(o, "join_video_ms", json_real(ms(e.first_video_us - e.open_us)));
        json_array_append_new(eps, o);
    }
    json_t *tot = json_pack(
        "{s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
        "endpoints", (int)t.endpoints, "failed", (int)t.failed, "receivers", (int)t.receivers,
        "receiving", (int)t.receiving, "packets", (json_int_t)t.packets, "expected",
        (json_int_t)t.expected, "lost", (json_int_t)t.lost, "sent", (json_int_t)t.sent, "loss_pct",
        t.loss_pct, "latency_p50_ms", ms(t.lat_p50_us), "latency_p99_ms", ms(t.lat_p99_us),
        "latency_max_ms", ms(t.lat_max_us), "join_p50_ms", ms(t.join_p50_us), "join_p95_ms",
        ms(t.join_p95_us), "join_max_ms", ms(t.join_max_us), "packets_per_s", t.pkts_per_s);
    json_t *root = json_pack("{s:s, s:i, s:I, s:I, s:f, s:o, s:o, s:f}", "scenario",
                             r->scenario->name, "sites", (int)r->scenario->sites, "window_start_ms",
                             (json_int_t)r->window_start_ms, "window_end_ms",
                             (json_int_t)r->window_end_ms, "window_s", r->window_s, "totals", tot,
                             "endpoints", eps, "load_cpu_s", (double)r->load_cpu_us / 1e6);
    if (r->hub_pid) {
        json_object_set_new(root, "hub",
                            json_pack("{s:i, s:f, s:I, s:f}", "pid", r->hub_pid, "cpu_s",
                                      (double)r->hub_cpu_us / 1e6, "rss_kib",
                                      (json_int_t)r->hub_rss_kib, "us_per_packet",
                                      t.hub_us_per_pkt));
    }
    int rc = json_dump_file(root, path, JSON_INDENT(1)) == 0 ? 0 : -1;
    json_decref(root);
    return rc;
}
