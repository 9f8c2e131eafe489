/* The media plane's front door (sfu.h): creates the workers, their sockets and the rings between
 * them, and turns each call of the signaling thread into commands for the owning workers. The
 * bookkeeping here (which worker owns what, which output watches which source) is touched only by
 * the signaling thread. */
#include "sfu/engine/sfu.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfu/base/log.h"
#include "sfu/engine/engine.h"
#include "sfu/engine/ring.h"

#define EVENT_QUEUE 4096

typedef struct src_info {
    int worker;
    uint32_t transport;
    codec_id codec;
    uint32_t clock;
} src_info;

typedef struct out_info {
    int worker;
    uint32_t transport;
    uint32_t source; /* bound source, 0 = none */
    /* During a seamless switch, the source the worker still sends until `source`'s keyframe: its
     * flow to the worker is kept (its reference held) until SFU_EV_OUTPUT_SWITCHED. */
    uint32_t prev;
    bool video;
} out_info;

typedef struct tr_info {
    int worker;
} tr_info;

struct sfu {
    int n;
    worker *workers[SFU_MAX_WORKERS];
    int fds[SFU_MAX_WORKERS];
    uint16_t ports[SFU_MAX_WORKERS];
    uint32_t load[SFU_MAX_WORKERS];
    spsc_ring **rings; /* n*n, [from*n+to] */
    dtls_cert *cert;
    sfu_candidate ips[SFU_MAX_ANNOUNCE];
    size_t n_ips;
    idmap *transports, *sources, *outputs;
    void (*wake)(void *);
    void *wake_ud;
    pthread_mutex_t ev_lock;
    sfu_event events[EVENT_QUEUE];
    size_t ev_head, ev_count;
};

spsc_ring *sfu_ring(sfu *s, int from, int to)
{
    if (!s || from >= s->n || to >= s->n || from == to) return NULL;
    return s->rings[from * s->n + to];
}

worker *sfu_worker(sfu *s, int index)
{
    return index < s->n ? s->workers[index] : NULL;
}

void sfu_push_event(sfu *s, const sfu_event *ev, bool wake)
{
    pthread_mutex_lock(&s->ev_lock);
    if (s->ev_count < EVENT_QUEUE) {
        s->events[(s->ev_head + s->ev_count) % EVENT_QUEUE] = *ev;
        s->ev_count++;
    }
    pthread_mutex_unlock(&s->ev_lock);
    if (wake && s->wake) s->wake(s->wake_ud);
}

void sfu_push_event_wake(sfu *s)
{
    if (s->wake) s->wake(s->wake_ud);
}

static void post(sfu *s, int worker, const cmd *c);
static void output_switched(sfu *s, const sfu_event *ev);

size_t sfu_poll_events(sfu *s, sfu_event *out, size_t cap)
{
    pthread_mutex_lock(&s->ev_lock);
    size_t n = 0, taken = 0;
    while (n < cap && s->ev_count) {
        out[n++] = s->events[s->ev_head];
        s->ev_head = (s->ev_head + 1) % EVENT_QUEUE;
        s->ev_count--;
    }
    pthread_mutex_unlock(&s->ev_lock);
    /* Our own bookkeeping events are consumed here, outside the lock (they post commands). */
    for (size_t i = 0; i < n; i++) {
        if (out[i].type == SFU_EV_OUTPUT_SWITCHED)
            output_switched(s, &out[i]);
        else
            out[taken++] = out[i];
    }
    return taken;
}

static int bind_udp(const char *ip, uint16_t *port_io, uint16_t max)
{
    for (uint32_t port = *port_io; port <= max; port++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
            close(fd);
            return -1;
        }
        /* Room for bursts: a keyframe fanned out to hundreds of subscribers. */
        int sz = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            *port_io = (uint16_t)port;
            return fd;
        }
        close(fd);
    }
    return -1;
}

static void collect_ips(sfu *s, const sfu_config *cfg)
{
    for (size_t i = 0; i < cfg->n_announce && s->n_ips < SFU_MAX_ANNOUNCE; i++)
        snprintf(s->ips[s->n_ips++].ip, sizeof s->ips[0].ip, "%s", cfg->announce[i]);
    if (s->n_ips) return;
    const char *bind_ip = cfg->bind_ip ? cfg->bind_ip : "0.0.0.0";
    if (strcmp(bind_ip, "0.0.0.0") != 0) {
        snprintf(s->ips[s->n_ips++].ip, sizeof s->ips[0].ip, "%s", bind_ip);
        return;
    }
    struct ifaddrs *ifs, *i;
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i && s->n_ips < SFU_MAX_ANNOUNCE; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP)) continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, s->ips[s->n_ips].ip,
                  sizeof s->ips[0].ip);
        s->n_ips++;
    }
    freeifaddrs(ifs);
}

sfu *sfu_new(const sfu_config *cfg, void (*wake)(void *ud), void *ud)
{
    if (srtp_session_global_init() != 0) return NULL;
    sfu *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->ev_lock, NULL);
    s->wake = wake;
    s->wake_ud = ud;
    s->n = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (s->n < 1) s->n = 1;
    if (s->n > SFU_MAX_WORKERS) s->n = SFU_MAX_WORKERS;
    for (int i = 0; i < SFU_MAX_WORKERS; i++)
        s->fds[i] = -1;
    s->cert = dtls_cert_new();
    s->transports = idmap_new(256);
    s->sources = idmap_new(256);
    s->outputs = idmap_new(1024);
    s->rings = calloc((size_t)s->n * s->n, sizeof *s->rings);
    if (!s->cert || !s->transports || !s->sources || !s->outputs || !s->rings) goto fail;
    collect_ips(s, cfg);
    /* Smaller rings when there are many workers: n*n of them. */
    uint32_t slots = s->n <= 4 ? 1024 : 256;
    for (int f = 0; f < s->n; f++)
        for (int t = 0; t < s->n; t++)
            if (f != t &&
                !(s->rings[f * s->n + t] = ring_new(slots, (uint32_t)worker_ring_slot_size())))
                goto fail;
    uint16_t port = cfg->port_min ? cfg->port_min : 40000;
    uint16_t max = cfg->port_max ? cfg->port_max : (uint16_t)(port + 999);
    const char *bind_ip = cfg->bind_ip ? cfg->bind_ip : "0.0.0.0";
    for (int i = 0; i < s->n; i++) {
        s->fds[i] = bind_udp(bind_ip, &port, max);
        if (s->fds[i] < 0) {
            LOGE("sfu", "no free UDP port for worker %d in %u-%u on %s", i, cfg->port_min, max,
                 bind_ip);
            goto fail;
        }
        s->ports[i] = port++;
        s->workers[i] = worker_new(s, i, s->fds[i], s->cert);
        if (!s->workers[i]) goto fail;
        worker_set_remb_bps(s->workers[i], cfg->remb_bps ? cfg->remb_bps : 2500000);
    }
    for (int i = 0; i < s->n; i++)
        if (worker_start(s->workers[i]) != 0) goto fail;
    LOGI("sfu", "%d media workers on UDP %s:%u-%u", s->n, bind_ip, s->ports[0], s->ports[s->n - 1]);
    return s;
fail:
    sfu_free(s);
    return NULL;
}

void sfu_free(sfu *s)
{
    if (!s) return;
    for (int i = 0; i < s->n; i++)
        if (s->workers[i]) worker_stop(s->workers[i]);
    for (int i = 0; i < s->n; i++) {
        worker_free(s->workers[i]);
        if (s->fds[i] >= 0) close(s->fds[i]);
    }
    if (s->rings)
        for (int i = 0; i < s->n * s->n; i++)
            ring_free(s->rings[i]);
    free(s->rings);
    uint64_t k;
    void *v;
    idmap *maps[] = {s->transports, s->sources, s->outputs};
    for (size_t m = 0; m < 3; m++) {
        if (!maps[m]) continue;
        idmap_iter it = IDMAP_ITER_INIT;
        while (idmap_next(maps[m], &it, &k, &v))
            free(v);
        idmap_free(maps[m]);
    }
    dtls_cert_free(s->cert);
    pthread_mutex_destroy(&s->ev_lock);
    free(s);
}

int sfu_worker_count(const sfu *s)
{
    return s->n;
}

const char *sfu_fingerprint(const sfu *s)
{
    return dtls_cert_fingerprint_text(s->cert);
}

size_t sfu_candidates(const sfu *s, int w, sfu_candidate *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_ips && n < cap; i++) {
        out[n] = s->ips[i];
        out[n++].port = s->ports[w];
    }
    return n;
}

static void post(sfu *s, int w, const cmd *c)
{
    cmd *copy = malloc(sizeof *copy);
    if (!copy) return;
    *copy = *c;
    worker_post(s->workers[w], copy);
}

int sfu_transport_create(sfu *s, const sfu_transport_params *p)
{
    int best = 0;
    for (int i = 1; i < s->n; i++)
        if (s->load[i] < s->load[best]) best = i;
    tr_info *ti = malloc(sizeof *ti);
    if (!ti) return -1;
    ti->worker = best;
    idmap_put(s->transports, p->id, ti);
    s->load[best]++;
    post(s, best, &(cmd){.type = CMD_TRANSPORT_CREATE, .u.transport = *p});
    return best;
}

void sfu_transport_set_remote(sfu *s, uint32_t id, const char *fp_alg, const uint8_t *fp,
                              uint8_t fp_len)
{
    tr_info *ti = idmap_get(s->transports, id);
    if (!ti || fp_len > sizeof(((sfu_transport_params *)0)->fp)) return;
    cmd c = {.type = CMD_TRANSPORT_REMOTE};
    c.u.transport.id = id;
    snprintf(c.u.transport.fp_alg, sizeof c.u.transport.fp_alg, "%s", fp_alg);
    memcpy(c.u.transport.fp, fp, fp_len);
    c.u.transport.fp_len = fp_len;
    post(s, ti->worker, &c);
}

/* Stops the flow of a source to the worker of an output (one reference fewer). */
static void release_ref(sfu *s, uint32_t source_id, const out_info *oi)
{
    src_info *si = source_id ? idmap_get(s->sources, source_id) : NULL;
    if (si)
        post(s, si->worker,
             &(cmd){.type = CMD_SOURCE_REF,
                    .u.ref = {.source = source_id, .from = oi->worker, .delta = -1}});
}

static void unbind_output(sfu *s, uint32_t out_id, out_info *oi)
{
    if (!oi->source && !oi->prev) return;
    release_ref(s, oi->source, oi);
    release_ref(s, oi->prev, oi);
    post(s, oi->worker, &(cmd){.type = CMD_OUTPUT_BIND, .u.bind = {.output = out_id}});
    oi->source = oi->prev = 0;
}

void sfu_output_bind(sfu *s, uint32_t output_id, uint32_t source_id, sfu_switch how)
{
    out_info *oi = idmap_get(s->outputs, output_id);
    if (!oi || oi->source == source_id) return;
    src_info *si = source_id ? idmap_get(s->sources, source_id) : NULL;
    bool seamless = si && oi->video && oi->source && how == SFU_SWITCH_AT_KEYFRAME;
    bool held = false; /* the new source's flow to this worker is already ours */
    if (!seamless) {
        unbind_output(s, output_id, oi);
        if (!si) return;
    } else if (!oi->prev) {
        oi->prev = oi->source; /* what the worker sends until the switch: keep it flowing */
    } else if (oi->prev == source_id) {
        /* Back to what the worker still sends: the pending source was never needed, and the
         * reference held for the old one serves again. */
        release_ref(s, oi->source, oi);
        oi->prev = 0;
        held = true;
    } else {
        release_ref(s, oi->source, oi); /* a pending source superseded before its keyframe */
    }
    oi->source = source_id;
    /* The watcher's worker learns first, so the source's first packet finds the group there. */
    post(s, oi->worker,
         &(cmd){.type = CMD_OUTPUT_BIND,
                .u.bind = {.output = output_id,
                           .source = source_id,
                           .source_worker = si->worker,
                           .codec = si->codec,
                           .clock = si->clock,
                           .seamless = seamless}});
    if (!held)
        post(s, si->worker,
             &(cmd){.type = CMD_SOURCE_REF,
                    .u.ref = {.source = source_id, .from = oi->worker, .delta = 1}});
}

static void output_switched(sfu *s, const sfu_event *ev)
{
    out_info *oi = idmap_get(s->outputs, ev->output);
    /* A late event about an earlier switch changes nothing. */
    if (!oi || !oi->prev || oi->source != ev->source) return;
    release_ref(s, oi->prev, oi);
    oi->prev = 0;
}

int sfu_source_add(sfu *s, const sfu_source_params *p)
{
    tr_info *ti = idmap_get(s->transports, p->transport);
    if (!ti) return -1;
    src_info *si = malloc(sizeof *si);
    if (!si) return -1;
    *si = (src_info){
        .worker = ti->worker, .transport = p->transport, .codec = p->codec, .clock = p->clock};
    idmap_put(s->sources, p->id, si);
    post(s, ti->worker, &(cmd){.type = CMD_SOURCE_ADD, .u.source = *p});
    return 0;
}

void sfu_source_remove(sfu *s, uint32_t id)
{
    src_info *si = idmap_get(s->sources, id);
    if (!si) return;
    /* Outputs watching it go quiet (their subscribers keep the stream, and see it resume when the
     * output is pointed elsewhere). */
    uint64_t k;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    while (idmap_next(s->outputs, &it, &k, &v)) {
        out_info *oi = v;
        if (oi->prev == id) oi->prev = 0; /* its flow ends with it */
        if (oi->source == id) unbind_output(s, (uint32_t)k, oi);
    }
    post(s, si->worker, &(cmd){.type = CMD_SOURCE_REMOVE, .u.id = id});
    free(idmap_del(s->sources, id));
}

int sfu_output_add(sfu *s, const sfu_output_params *p)
{
    tr_info *ti = idmap_get(s->transports, p->transport);
    if (!ti) return -1;
    out_info *oi = malloc(sizeof *oi);
    if (!oi) return -1;
    *oi = (out_info){.worker = ti->worker,
                     .transport = p->transport,
                     .video = p->codec == CODEC_VP8 || p->codec == CODEC_H264};
    idmap_put(s->outputs, p->id, oi);
    post(s, ti->worker, &(cmd){.type = CMD_OUTPUT_ADD, .u.output = *p});
    return 0;
}

void sfu_output_remove(sfu *s, uint32_t id)
{
    out_info *oi = idmap_get(s->outputs, id);
    if (!oi) return;
    unbind_output(s, id, oi);
    post(s, oi->worker, &(cmd){.type = CMD_OUTPUT_REMOVE, .u.id = id});
    free(idmap_del(s->outputs, id));
}

void sfu_transport_close(sfu *s, uint32_t id)
{
    tr_info *ti = idmap_get(s->transports, id);
    if (!ti) return;
    /* Collect first: removing while iterating an idmap is not allowed. */
    uint32_t *ids = NULL;
    size_t n = 0, cap = 0;
    uint64_t k;
    void *v;
    for (int pass = 0; pass < 2; pass++) {
        idmap *m = pass == 0 ? s->sources : s->outputs;
        idmap_iter it = IDMAP_ITER_INIT;
        n = 0;
        while (idmap_next(m, &it, &k, &v)) {
            uint32_t tr = pass == 0 ? ((src_info *)v)->transport : ((out_info *)v)->transport;
            if (tr != id) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                uint32_t *nids = realloc(ids, cap * sizeof *ids);
                if (!nids) break;
                ids = nids;
            }
            ids[n++] = (uint32_t)k;
        }
        for (size_t i = 0; i < n; i++) {
            if (pass == 0)
                sfu_source_remove(s, ids[i]);
            else
                sfu_output_remove(s, ids[i]);
        }
    }
    free(ids);
    post(s, ti->worker, &(cmd){.type = CMD_TRANSPORT_CLOSE, .u.id = id});
    s->load[ti->worker]--;
    free(idmap_del(s->transports, id));
}

void sfu_request_keyframe(sfu *s, uint32_t source_id)
{
    src_info *si = idmap_get(s->sources, source_id);
    if (si) post(s, si->worker, &(cmd){.type = CMD_KEYFRAME, .u.id = source_id});
}

void sfu_source_record(sfu *s, uint32_t source_id, bool on)
{
    src_info *si = idmap_get(s->sources, source_id);
    if (si)
        post(s, si->worker,
             &(cmd){.type = CMD_SOURCE_RECORD, .u.record = {.source = source_id, .on = on}});
}

size_t sfu_tap_drain(sfu *s, sfu_tap_fn fn, void *ud, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < s->n && n < max; i++)
        n += tap_drain_ring(worker_tap(s->workers[i]), fn, ud, max - n);
    return n;
}

uint64_t sfu_tap_drops(const sfu *s)
{
    uint64_t n = 0;
    for (int i = 0; i < s->n; i++)
        n += ring_drops(worker_tap(s->workers[i]));
    return n;
}

/* Adds one worker's counters into out. */
static void add_worker(const sfu *s, int i, sfu_counters *out)
{
    worker_counters *c = worker_stats(s->workers[i]);
    out->rx_packets += atomic_load_explicit(&c->rx_packets, memory_order_relaxed);
    out->rx_bytes += atomic_load_explicit(&c->rx_bytes, memory_order_relaxed);
    out->tx_packets += atomic_load_explicit(&c->tx_packets, memory_order_relaxed);
    out->tx_bytes += atomic_load_explicit(&c->tx_bytes, memory_order_relaxed);
    out->forwarded += atomic_load_explicit(&c->forwarded, memory_order_relaxed);
    out->nacks_answered += atomic_load_explicit(&c->nacks_answered, memory_order_relaxed);
    out->plis_sent += atomic_load_explicit(&c->plis_sent, memory_order_relaxed);
    out->srtp_errors += atomic_load_explicit(&c->srtp_errors, memory_order_relaxed);
    out->malformed += atomic_load_explicit(&c->malformed, memory_order_relaxed);
    out->unknown_peer += atomic_load_explicit(&c->unknown_peer, memory_order_relaxed);
    out->transports += atomic_load_explicit(&c->transports, memory_order_relaxed);
}

void sfu_get_worker_counters(const sfu *s, int index, sfu_counters *out)
{
    memset(out, 0, sizeof *out);
    if (index >= 0 && index < s->n) add_worker(s, index, out);
}

void sfu_get_counters(const sfu *s, sfu_counters *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s->n; i++)
        add_worker(s, i, out);
    for (int i = 0; s->rings && i < s->n * s->n; i++)
        if (s->rings[i]) out->ring_drops += ring_drops(s->rings[i]);
}
