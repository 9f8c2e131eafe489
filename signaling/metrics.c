/* GET /metrics: the hub in Prometheus text format, for whoever watches a commune-wide meeting from
 * outside: what the media plane forwards and loses, per worker (how the load spreads over the
 * cores), endpoints by state, simulcast layer switches, and the recorder. Counters are read without
 * locks; each is exact for its own writer, the set is a snapshot within a few microseconds. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "recorder/recorder.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

typedef struct out {
    char *buf;
    size_t len, cap;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static void counter(out *o, const char *name, unsigned long long v)
{
    put(o, "# TYPE dienhong_%s counter\ndienhong_%s %llu\n", name, name, v);
}

static void gauge(out *o, const char *name, unsigned long long v)
{
    put(o, "# TYPE dienhong_%s gauge\ndienhong_%s %llu\n", name, name, v);
}

static void media(out *o, hub *h)
{
    sfu_counters c;
    sfu_get_counters(h->media, &c);
    counter(o, "rx_packets_total", c.rx_packets);
    counter(o, "rx_bytes_total", c.rx_bytes);
    counter(o, "tx_packets_total", c.tx_packets);
    counter(o, "tx_bytes_total", c.tx_bytes);
    counter(o, "forwarded_packets_total", c.forwarded);
    counter(o, "rx_lost_packets_total", h->counters.rx_lost);
    counter(o, "nacks_answered_total", c.nacks_answered);
    counter(o, "plis_sent_total", c.plis_sent);
    counter(o, "srtp_errors_total", c.srtp_errors);
    counter(o, "malformed_packets_total", c.malformed);
    counter(o, "unknown_peer_packets_total", c.unknown_peer);
    counter(o, "ring_drops_total", c.ring_drops);
    gauge(o, "transports", c.transports);
    counter(o, "layer_switches_total", h->counters.layer_switches);
    static const char *const per_worker[] = {"rx_packets", "tx_packets", "forwarded", "transports"};
    for (size_t k = 0; k < DH_ARRAY_LEN(per_worker); k++) {
        put(o, "# TYPE dienhong_worker_%s %s\n", per_worker[k], k == 3 ? "gauge" : "counter");
        for (int i = 0; i < sfu_worker_count(h->media); i++) {
            sfu_get_worker_counters(h->media, i, &c);
            uint64_t v = k == 0   ? c.rx_packets
                         : k == 1 ? c.tx_packets
                         : k == 2 ? c.forwarded
                                  : c.transports;
            put(o, "dienhong_worker_%s{worker=\"%d\"} %llu\n", per_worker[k], i,
                (unsigned long long)v);
        }
    }
}

/* Endpoints by state: joined but without media yet, with media, with a failed transport. */
static void endpoints(out *o, hub *h)
{
    unsigned long long n[3] = {0};
    size_t meetings = 0;
    for (meeting *m = h->meetings; m; m = meeting_next(m)) {
        meetings++;
        for (peer *p = meeting_peers(m); p; p = p->next)
            if (p->media_state < DH_ARRAY_LEN(n)) n[p->media_state]++;
    }
    static const char *const names[] = {"joining", "connected", "failed"};
    put(o, "# TYPE dienhong_endpoints gauge\n");
    for (size_t i = 0; i < DH_ARRAY_LEN(names); i++)
        put(o, "dienhong_endpoints{state=\"%s\"} %llu\n", names[i], n[i]);
    gauge(o, "meetings", meetings);
}

static void recording(out *o, hub *h)
{
    recorder_stats rs = {0};
    if (h->rec) recorder_get_stats(h->rec, &rs);
    size_t active = 0;
    for (meeting *m = h->meetings; m; m = meeting_next(m))
        active += recording_active(h, meeting_id(m));
    gauge(o, "recordings_active", active);
    gauge(o, "recorder_tracks", rs.tracks_open);
    counter(o, "recorder_packets_total", rs.packets);
    counter(o, "recorder_bytes_total", rs.bytes);
    counter(o, "recorder_dropped_total", sfu_tap_drops(h->media));
    counter(o, "recorder_failures_total", rs.failures);
}

void http_metrics(hub *h, server_http *r)
{
    out o = {.cap = 64 * 1024};
    o.buf = malloc(o.cap);
    if (!o.buf) {
        server_http_respond(r, 503, "text/plain", NULL, "no memory\n", 10);
        return;
    }
    o.buf[0] = '\0';
    media(&o, h);
    endpoints(&o, h);
    recording(&o, h);
    counter(&o, "ws_rejected_total", h->counters.ws_rejected);
    counter(&o, "auth_failures_total", h->counters.auth_failures);
    server_http_respond(r, 200, "text/plain; version=0.0.4", NULL, o.buf, o.len);
    free(o.buf);
}
