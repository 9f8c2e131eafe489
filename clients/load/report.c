#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

static const char *const pub_kind_names[PUB_KINDS] = {"chair", "floor site", "site"};
static const char *const pub_kind_short[PUB_KINDS] = {"chair", "floor", "site"};

/* The kind of the publisher numbered `origin` (its index + 1, endpoint_cfg.number), or -1 when
 * that is none of our publishers. */
static int pub_kind(const report_run *r, uint16_t origin, unsigned *n_layers)
{
    if (origin == 0 || origin > r->n_endpoints) return -1;
    endpoint_result p;
    endpoint_result_get(r->endpoints[origin - 1], &p);
    *n_layers = p.n_video;
    if (p.role == EP_CHAIR) return PUB_CHAIR;
    if (p.role == EP_SITE) return p.floor ? PUB_FLOOR : PUB_SITE;
    return -1;
}

/* One receiver's video by publisher kind and layer. */
static void receiver_layers(const report_run *r, const endpoint_result *e,
                            report_layers out[PUB_KINDS])
{
    memset(out, 0, PUB_KINDS * sizeof *out);
    for (uint32_t k = 0; k < e->n_tracks; k++) {
        const endpoint_track *t = &e->tracks[k];
        unsigned n_layers = 0;
        int kind = t->video ? pub_kind(r, t->origin, &n_layers) : -1;
        if (kind < 0) continue;
        report_layers *l = &out[kind];
        l->receivers = 1;
        if (n_layers > l->n_layers) l->n_layers = n_layers;
        for (unsigned i = 0; i < ENDPOINT_MAX_LAYERS; i++) {
            l->packets[i] += t->layer_packets[i];
            l->bytes[i] += t->layer_bytes[i];
        }
    }
}

void report_layers_get(const report_run *r, report_layers layers[EP_ROLES][PUB_KINDS])
{
    memset(layers, 0, EP_ROLES * sizeof *layers);
    for (size_t i = 0; i < r->n_endpoints; i++) {
        endpoint_result e;
        endpoint_result_get(r->endpoints[i], &e);
        if (e.role >= EP_ROLES) continue;
        report_layers mine[PUB_KINDS];
        receiver_layers(r, &e, mine);
        for (int k = 0; k < PUB_KINDS; k++) {
            report_layers *l = &layers[e.role][k];
            l->receivers += mine[k].receivers;
            if (mine[k].n_layers > l->n_layers) l->n_layers = mine[k].n_layers;
            for (unsigned n = 0; n < ENDPOINT_MAX_LAYERS; n++) {
                l->packets[n] += mine[k].packets[n];
                l->bytes[n] += mine[k].bytes[n];
            }
        }
    }
}

static uint64_t sum(const uint64_t *v, unsigned n)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += v[i];
    return s;
}

static unsigned shown_layers(const report_layers *l)
{
    unsigned n = l->n_layers ? l->n_layers : 1;
    for (unsigned i = n; i < ENDPOINT_MAX_LAYERS; i++)
        if (l->packets[i]) n = i + 1; /* a tag past what the publisher says it sends */
    return n;
}

static double kbps(uint64_t bytes, double window_s)
{
    return window_s > 0 ? (double)bytes * 8.0 / window_s / 1000.0 : 0.0;
}

/* "chair 0/0/1180 site 105/0": one receiver's video kbit/s per layer, by publisher kind. */
static void layers_cell(const report_run *r, const endpoint_result *e, char *out, size_t cap)
{
    report_layers mine[PUB_KINDS];
    receiver_layers(r, e, mine);
    size_t len = 0;
    out[0] = '\0';
    for (int k = 0; k < PUB_KINDS && len < cap; k++) {
        if (!mine[k].receivers) continue;
        len += (size_t)snprintf(out + len, cap - len, "%s%s ", len ? " " : "", pub_kind_short[k]);
        for (unsigned i = 0; i < shown_layers(&mine[k]) && len < cap; i++)
            len += (size_t)snprintf(out + len, cap - len, "%s%.0f", i ? "/" : "",
                                    kbps(mine[k].bytes[i], r->window_s));
    }
}

static void print_layers(FILE *f, const report_run *r)
{
    report_layers layers[EP_ROLES][PUB_KINDS];
    report_layers_get(r, layers);
    bool header = false;
    for (int role = 0; role < EP_ROLES; role++) {
        for (int k = 0; k < PUB_KINDS; k++) {
            const report_layers *l = &layers[role][k];
            uint64_t total = sum(l->packets, ENDPOINT_MAX_LAYERS);
            if (!total) continue;
            if (!header) fprintf(f, "video by layer (share of packets, layer 0 = lowest):\n");
            header = true;
            char who[40];
            snprintf(who, sizeof who, "%s <- %s", endpoint_role_name((endpoint_role)role),
                     pub_kind_names[k]);
            fprintf(f, "  %-22s", who);
            for (unsigned i = 0; i < shown_layers(l); i++)
                fprintf(f, " L%u %5.1f %%", i, 100.0 * (double)l->packets[i] / (double)total);
            fprintf(f, "   (%u receivers, %.0f kbit/s each)\n", l->receivers,
                    kbps(sum(l->bytes, ENDPOINT_MAX_LAYERS), r->window_s) / l->receivers);
        }
    }
}

/* The endpoint that asked for the recording, if one did. */
static bool recording_of(const report_run *r, endpoint_result *out)
{
    for (size_t i = 0; i < r->n_endpoints; i++) {
        endpoint_result_get(r->endpoints[i], out);
        if (out->recording != REC_NONE) return true;
    }
    return false;
}

static void print_recording(FILE *f, const report_run *r)
{
    endpoint_result e;
    if (!recording_of(r, &e)) return;
    const char *info = e.recording_info ? e.recording_info : "";
    switch (e.recording) {
    case REC_CONFIRMED:
        fprintf(f, "recording: started by the %s, the hub confirmed %s\n", e.label, info);
        break;
    case REC_REFUSED:
        fprintf(f, "recording: the hub refused (%s)\n", info);
        break;
    case REC_ASKED:
        fprintf(f, "recording: asked by the %s, no reply from the hub\n", e.label);
        break;
    default:
        fprintf(f, "recording: %s\n", info);
        break;
    }
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
        fprintf(f, "%-12s %9s %9s %7s %8s %8s %9s  %-38s %s\n", "endpoint", "packets", "expected",
                "loss%", "p50 ms", "p99 ms", "join ms", "video kbit/s by layer", "error");
        for (size_t i = 0; i < r->n_endpoints; i++) {
            endpoint_result e;
            endpoint_result_get(r->endpoints[i], &e);
            if (!e.latency && !e.error) continue;
            double loss = e.expected ? 100.0 * (double)e.lost / (double)e.expected : 0.0;
            double join = e.first_media_us && e.open_us ? ms(e.first_media_us - e.open_us) : -1;
            char cell[96];
            layers_cell(r, &e, cell, sizeof cell);
            fprintf(f, "%-12s %9llu %9llu %7.3f %8.2f %8.2f %9.1f  %-38s %s\n", e.label,
                    (unsigned long long)e.packets, (unsigned long long)e.expected, loss,
                    e.latency ? ms(latency_percentile(e.latency, 50)) : 0.0,
                    e.latency ? ms(latency_percentile(e.latency, 99)) : 0.0, join, cell,
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
    print_layers(f, r);
    print_recording(f, r);
    if (r->hub_pid)
        fprintf(
            f,
            "hub pid %d: %.3f s CPU in the window = %.2f us per forwarded packet; RSS %llu KiB\n",
            r->hub_pid, (double)r->hub_cpu_us / 1e6, t.hub_us_per_pkt,
            (unsigned long long)r->hub_rss_kib);
    fprintf(f, "load generator: %.3f s CPU in the window\n", (double)r->load_cpu_us / 1e6);
}

static json_t *u64_array(const uint64_t *v, unsigned n)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

/* A received stream: which publisher, and its packets and bytes per layer (from the tags). */
static json_t *track_json(const report_run *r, const endpoint_track *t)
{
    json_t *o = json_pack("{s:b, s:I, s:I}", "video", t->video, "packets",
                          (json_int_t)t->seq.received, "bytes", (json_int_t)t->bytes);
    if (t->origin && t->origin <= r->n_endpoints) {
        endpoint_result p;
        endpoint_result_get(r->endpoints[t->origin - 1], &p);
        json_object_set_new(o, "from", json_string(p.label));
        unsigned n_layers = 0;
        int kind = pub_kind(r, t->origin, &n_layers);
        if (kind >= 0) json_object_set_new(o, "from_kind", json_string(pub_kind_names[kind]));
        json_object_set_new(o, "layer_packets", u64_array(t->layer_packets, ENDPOINT_MAX_LAYERS));
        json_object_set_new(o, "layer_bytes", u64_array(t->layer_bytes, ENDPOINT_MAX_LAYERS));
    }
    return o;
}

static json_t *layers_json(const report_run *r)
{
    report_layers layers[EP_ROLES][PUB_KINDS];
    report_layers_get(r, layers);
    json_t *a = json_array();
    for (int role = 0; role < EP_ROLES; role++) {
        for (int k = 0; k < PUB_KINDS; k++) {
            const report_layers *l = &layers[role][k];
            uint64_t total = sum(l->packets, ENDPOINT_MAX_LAYERS);
            if (!total) continue;
            json_t *share = json_array(), *each = json_array();
            for (unsigned i = 0; i < shown_layers(l); i++) {
                json_array_append_new(share, json_real((double)l->packets[i] / (double)total));
                json_array_append_new(
                    each, json_real(kbps(l->bytes[i], r->window_s) / (double)l->receivers));
            }
            json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i, s:o, s:o, s:o}", "receiver",
                                               endpoint_role_name((endpoint_role)role), "publisher",
                                               pub_kind_names[k], "receivers", (int)l->receivers,
                                               "n_layers", (int)shown_layers(l), "packets",
                                               u64_array(l->packets, shown_layers(l)), "share",
                                               share, "kbps_each", each));
        }
    }
    return a;
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
            json_array_append_new(tracks, track_json(r, &e.tracks[k]));
        json_object_set_new(o, "tracks", tracks);
        json_object_set_new(o, "role", json_string(endpoint_role_name(e.role)));
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
    json_object_set_new(tot, "layers", layers_json(r));
    endpoint_result rec;
    if (recording_of(r, &rec)) {
        json_t *o =
            json_pack("{s:s, s:b}", "by", rec.label, "confirmed", rec.recording == REC_CONFIRMED);
        if (rec.recording_info)
            json_object_set_new(o, rec.recording == REC_CONFIRMED ? "id" : "error",
                                json_string(rec.recording_info));
        json_object_set_new(root, "recording", o);
    }
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
