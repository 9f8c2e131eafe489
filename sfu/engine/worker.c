/* A media worker: one thread, one epoll loop, one UDP socket. It owns its transports and
 * everything on them (see engine.h), answers ICE checks, runs DTLS, decrypts what publishers send
 * once, fans it out to its own subscribers and hands a copy to every other worker that has
 * subscribers through that pair's SPSC ring. Sends leave in batches at the end of each loop pass.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/engine/ring.h"
#include "sfu/engine/wakeup.h"
#include "sfu/ice/ice_lite.h"
#include "sfu/proto/rtcp.h"

#define RECV_BATCH 32
#define TICK_US 20000
#define OUTBOX_SLOTS 256

enum { MSG_PKT = 1, MSG_SR, MSG_KEYFRAME };

/* What travels through a ring slot, followed by the packet for MSG_PKT. */
typedef struct wmsg {
    uint8_t kind;
    pkt_meta m;
    uint64_t ntp;
    uint32_t rtp_ts;
} wmsg;

struct worker {
    sfu *s;
    int index;
    int fd, tfd, epfd;
    wakeup wake;
    pthread_t thread;
    bool running;
    _Atomic bool stop;
    uint32_t remb_bps;
    uint64_t next_stats_us;
    const dtls_cert *cert;
    outbox *ob;
    spsc_ring *tap; /* copies for the recorder (tap.c) */
    ice_lite *ice;
    idmap *transports;                               /* id -> transport */
    idmap *by_ufrag;                                 /* hash(ufrag) -> transport */
    idmap *by_addr;                                  /* hash(address) -> transport */
    idmap *sources;                                  /* id -> source */
    idmap *outputs;                                  /* id -> output */
    idmap *groups;                                   /* source id -> group */
    uint64_t wake_mask[(SFU_MAX_WORKERS + 63) / 64]; /* workers to wake after this pass */
    pthread_mutex_t cmd_lock;
    cmd *cmd_head, *cmd_tail;
    worker_counters stats;
    uint8_t rx[RECV_BATCH][PKT_MAX + SRTP_MAX_TRAILER];
};

static uint64_t hash_addr(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)a;
        return (uint64_t)in->sin_addr.s_addr << 16 | in->sin_port;
    }
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 16; i++)
        h = (h ^ in6->sin6_addr.s6_addr[i]) * 1099511628211ULL;
    return (h ^ in6->sin6_port) | 1ULL << 63;
}

worker *worker_new(sfu *s, int index, int fd, const dtls_cert *cert)
{
    worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->s = s;
    w->index = index;
    w->fd = fd;
    w->wake.fd = w->tfd = w->epfd = -1;
    w->cert = cert;
    pthread_mutex_init(&w->cmd_lock, NULL);
    w->ob = outbox_new(fd, OUTBOX_SLOTS);
    w->tap = ring_new(TAP_SLOTS, (uint32_t)tap_slot_size());
    w->ice = ice_lite_new();
    w->transports = idmap_new(64);
    w->by_ufrag = idmap_new(64);
    w->by_addr = idmap_new(64);
    w->sources = idmap_new(64);
    w->outputs = idmap_new(64);
    w->groups = idmap_new(64);
    if (!w->ob || !w->tap || !w->ice || !w->transports || !w->by_ufrag || !w->by_addr ||
        !w->sources || !w->outputs || !w->groups) {
        worker_free(w);
        return NULL;
    }
    return w;
}

void worker_free(worker *w)
{
    if (!w) return;
    uint64_t key;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    while (w->outputs && idmap_next(w->outputs, &it, &key, &v))
        free(v);
    it = (idmap_iter)IDMAP_ITER_INIT;
    while (w->sources && idmap_next(w->sources, &it, &key, &v))
        free(v);
    it = (idmap_iter)IDMAP_ITER_INIT;
    while (w->groups && idmap_next(w->groups, &it, &key, &v))
        group_free(v);
    it = (idmap_iter)IDMAP_ITER_INIT;
    while (w->transports && idmap_next(w->transports, &it, &key, &v))
        transport_free(v);
    idmap_free(w->transports);
    idmap_free(w->by_ufrag);
    idmap_free(w->by_addr);
    idmap_free(w->sources);
    idmap_free(w->outputs);
    idmap_free(w->groups);
    ice_lite_free(w->ice);
    outbox_free(w->ob);
    ring_free(w->tap);
    for (cmd *c = w->cmd_head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    pthread_mutex_destroy(&w->cmd_lock);
    wakeup_close(&w->wake);
    if (w->tfd >= 0) close(w->tfd);
    if (w->epfd >= 0) close(w->epfd);
    free(w);
}

size_t worker_ring_slot_size(void)
{
    return sizeof(wmsg) + PKT_MAX;
}

spsc_ring *worker_tap(worker *w)
{
    return w->tap;
}

int worker_index(const worker *w)
{
    return w->index;
}
outbox *worker_outbox(worker *w)
{
    return w->ob;
}
worker_counters *worker_stats(worker *w)
{
    return &w->stats;
}
int worker_fd(const worker *w)
{
    return w->fd;
}
uint32_t worker_remb_bps(const worker *w)
{
    return w->remb_bps;
}
void worker_set_remb_bps(worker *w, uint32_t bps)
{
    w->remb_bps = bps;
}

void worker_wake(worker *w)
{
    wakeup_signal(&w->wake);
}

void worker_emit_event(worker *w, sfu_event_type type, uint32_t transport_id, const char *reason)
{
    if (!w->s) return;
    sfu_event ev = {.type = type, .transport = transport_id};
    snprintf(ev.reason, sizeof ev.reason, "%s", reason ? reason : "");
    sfu_push_event(w->s, &ev, true);
}

void worker_post(worker *w, cmd *c)
{
    c->next = NULL;
    pthread_mutex_lock(&w->cmd_lock);
    if (w->cmd_tail)
        w->cmd_tail->next = c;
    else
        w->cmd_head = c;
    w->cmd_tail = c;
    pthread_mutex_unlock(&w->cmd_lock);
    worker_wake(w);
}

static void remember_addr(worker *w, transport *t, const struct sockaddr_storage *from,
                          socklen_t fromlen);

/* ---- control ---------------------------------------------------------------------------- */

transport *worker_transport_create(worker *w, const sfu_transport_params *p)
{
    transport *t = transport_new(w, p, w->cert);
    if (!t) {
        worker_emit_event(w, SFU_EV_FAILED, p->id, "out of memory");
        return NULL;
    }
    idmap_put(w->transports, t->id, t);
    idmap_put(w->by_ufrag, util_hash_str(t->ufrag), t);
    stat_add(&w->stats.transports, 1);
    return t;
}

void worker_transport_close(worker *w, uint32_t id, const char *why)
{
    transport *t = idmap_del(w->transports, id);
    if (!t) return;
    if (idmap_get(w->by_ufrag, util_hash_str(t->ufrag)) == t)
        idmap_del(w->by_ufrag, util_hash_str(t->ufrag));
    for (uint8_t i = 0; i < t->n_addrs; i++)
        if (idmap_get(w->by_addr, hash_addr(&t->addrs[i])) == t)
            idmap_del(w->by_addr, hash_addr(&t->addrs[i]));
    /* Sources and outputs are removed by their own commands first; these are leftovers of a
     * caller that skipped that. */
    while (t->n_sources)
        worker_source_remove(w, t->sources[0]->id);
    uint64_t key;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    uint32_t ids[64];
    size_t n = 0;
    while (idmap_next(t->outputs_by_ssrc, &it, &key, &v) && n < 64) {
        output *o = v;
        if (o->ssrc == key) ids[n++] = o->id;
    }
    for (size_t i = 0; i < n; i++)
        worker_output_remove(w, ids[i]);
    LOGI("transport", "transport %u closed (%s)", id, why);
    transport_free(t);
    atomic_fetch_sub_explicit(&w->stats.transports, 1, memory_order_relaxed);
}

void worker_transport_remote(worker *w, const sfu_transport_params *p)
{
    transport *t = idmap_get(w->transports, p->id);
    if (t && w->cert && transport_set_remote(t, p, w->cert) != 0)
        transport_fail(t, "dtls: unusable fingerprint");
}

source *worker_source_add(worker *w, const sfu_source_params *p)
{
    transport *t = idmap_get(w->transports, p->transport);
    if (!t || t->n_sources == TRANSPORT_MAX_SOURCES) return NULL;
    source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->id = p->id;
    s->t = t;
    s->codec = p->codec;
    s->video = p->codec == CODEC_VP8 || p->codec == CODEC_H264;
    s->clock = p->clock;
    s->ssrc = p->ssrc;
    s->rtx_ssrc = p->rtx_ssrc;
    s->audio_level_ext = p->audio_level_ext;
    memcpy(s->rid, p->rid, sizeof s->rid);
    memcpy(s->mid, p->mid, sizeof s->mid);
    s->rid[sizeof s->rid - 1] = s->mid[sizeof s->mid - 1] = '\0';
    s->rid_ext = p->rid_ext;
    s->rrid_ext = p->rrid_ext;
    s->mid_ext = p->mid_ext;
    if (p->twcc_ext) transport_use_twcc(t, p->twcc_ext);
    s->min_level = 127;
    recv_stats_init(&s->stats, p->ssrc, p->clock);
    t->sources[t->n_sources++] = s;
    idmap_put(w->sources, s->id, s);
    return s;
}

void worker_source_remove(worker *w, uint32_t id)
{
    source *s = idmap_del(w->sources, id);
    if (!s) return;
    transport *t = s->t;
    for (uint8_t i = 0; i < t->n_sources; i++) {
        if (t->sources[i] == s) {
            t->sources[i] = t->sources[--t->n_sources];
            break;
        }
    }
    free(s);
}

output *worker_output_add(worker *w, const sfu_output_params *p)
{
    transport *t = idmap_get(w->transports, p->transport);
    if (!t) return NULL;
    output *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->id = p->id;
    o->t = t;
    o->codec = p->codec;
    o->video = p->codec == CODEC_VP8 || p->codec == CODEC_H264;
    o->clock = p->clock;
    o->ssrc = p->ssrc;
    o->pt = p->pt;
    o->rtx_ssrc = p->rtx_ssrc;
    o->rtx_pt = p->rtx_pt;
    o->rtx_seq = (uint16_t)util_random_u32();
    rewrite_init(&o->rw, p->clock);
    idmap_put(w->outputs, o->id, o);
    idmap_put(t->outputs_by_ssrc, o->ssrc, o);
    if (o->rtx_ssrc) idmap_put(t->outputs_by_ssrc, o->rtx_ssrc, o);
    return o;
}

/* Frees a group nobody watches or waits for. */
static void release_group(worker *w, group *g)
{
    if (g->n_outs || g->n_pend) return;
    idmap_del(w->groups, g->source_id);
    group_free(g);
}

static void drop_pending(worker *w, output *o)
{
    group *g = o->next;
    if (!g) return;
    group_remove_pending(g, o);
    release_group(w, g);
}

static void unbind(worker *w, output *o)
{
    drop_pending(w, o);
    group *g = o->g;
    if (!g) return;
    group_remove(g, o);
    release_group(w, g);
}

void worker_output_remove(worker *w, uint32_t id)
{
    output *o = idmap_del(w->outputs, id);
    if (!o) return;
    unbind(w, o);
    idmap_del(o->t->outputs_by_ssrc, o->ssrc);
    if (o->rtx_ssrc) idmap_del(o->t->outputs_by_ssrc, o->rtx_ssrc);
    free(o);
}

static void emit_switched(worker *w, const output *o, uint32_t source_id)
{
    if (!w->s) return;
    sfu_event ev = {.type = SFU_EV_OUTPUT_SWITCHED, .output = o->id, .source = source_id};
    sfu_push_event(w->s, &ev, true);
}

static group *group_for(worker *w, uint32_t source_id, int source_worker, codec_id codec,
                        uint32_t clock)
{
    group *g = idmap_get(w->groups, source_id);
    if (!g) {
        g = group_new(source_id, source_worker, codec, clock);
        if (!g) return NULL;
        idmap_put(w->groups, source_id, g);
    }
    return g;
}

void worker_output_bind(worker *w, uint32_t output_id, uint32_t source_id, int source_worker,
                        codec_id codec, uint32_t clock, bool seamless)
{
    output *o = idmap_get(w->outputs, output_id);
    if (!o) return;
    /* Seamless only helps an output that is sending its current source already; one still
     * waiting for that source's first keyframe just waits for the new one instead. */
    bool sending = o->g && o->rw.source == o->g->source_id;
    if (seamless && source_id && o->video && sending) {
        drop_pending(w, o);
        if (o->g->source_id == source_id) {
            emit_switched(w, o, source_id); /* back to what it sends: nothing to wait for */
            return;
        }
        group *g = group_for(w, source_id, source_worker, codec, clock);
        if (!g) return;
        group_add_pending(g, o);
        o->next_kf_us = util_now_us(); /* the new watcher's reference asks for the keyframe */
        return;
    }
    if (o->g && o->g->source_id == source_id && !o->next) return;
    unbind(w, o);
    if (seamless) emit_switched(w, o, source_id);
    if (!source_id) return;
    group *g = group_for(w, source_id, source_worker, codec, clock);
    if (!g) return;
    group_add(g, o);
    o->kf_asked_us = 0;
}

void worker_output_switch(worker *w, output *o)
{
    group *to = o->next;
    if (!to) return;
    group_remove_pending(to, o);
    if (o->g) {
        group *from = o->g;
        group_remove(from, o);
        release_group(w, from);
    }
    group_add(to, o);
    o->kf_asked_us = 0;
    emit_switched(w, o, to->source_id);
}

void worker_source_ref(worker *w, uint32_t source_id, int from_worker, int delta)
{
    source *s = idmap_get(w->sources, source_id);
    if (!s || from_worker < 0 || from_worker >= SFU_MAX_WORKERS) return;
    int v = (int)s->refs[from_worker] + delta;
    s->refs[from_worker] = (uint16_t)(v < 0 ? 0 : v);
    if (s->refs[from_worker])
        s->ref_mask |= 1ULL << from_worker;
    else
        s->ref_mask &= ~(1ULL << from_worker);
    /* A new watcher needs a picture to start from. */
    if (delta > 0 && s->video) worker_ask_keyframe(w, source_id, w->index, util_now_us());
}

int worker_transport_key(worker *w, uint32_t id, const dtls_srtp_keys *keys,
                         const struct sockaddr_storage *peer, socklen_t peer_len)
{
    transport *t = idmap_get(w->transports, id);
    if (!t) return -1;
    t->srtp = srtp_session_new(keys);
    if (!t->srtp) return -1;
    memcpy(&t->peer, peer, peer_len);
    t->peer_len = peer_len;
    remember_addr(w, t, peer, peer_len);
    t->state = T_CONNECTED;
    t->last_check_us = util_now_us();
    return 0;
}

static void run_command(worker *w, cmd *c)
{
    switch (c->type) {
    case CMD_TRANSPORT_CREATE:
        worker_transport_create(w, &c->u.transport);
        break;
    case CMD_TRANSPORT_CLOSE:
        worker_transport_close(w, c->u.id, "closed by signaling");
        break;
    case CMD_SOURCE_ADD:
        worker_source_add(w, &c->u.source);
        break;
    case CMD_SOURCE_REMOVE:
        worker_source_remove(w, c->u.id);
        break;
    case CMD_OUTPUT_ADD:
        worker_output_add(w, &c->u.output);
        break;
    case CMD_OUTPUT_REMOVE:
        worker_output_remove(w, c->u.id);
        break;
    case CMD_OUTPUT_BIND:
        worker_output_bind(w, c->u.bind.output, c->u.bind.source, c->u.bind.source_worker,
                           c->u.bind.codec, c->u.bind.clock, c->u.bind.seamless);
        break;
    case CMD_SOURCE_REF:
        worker_source_ref(w, c->u.ref.source, c->u.ref.from, c->u.ref.delta);
        break;
    case CMD_KEYFRAME:
        worker_ask_keyframe(w, c->u.id, w->index, util_now_us());
        break;
    case CMD_TRANSPORT_REMOTE:
        worker_transport_remote(w, &c->u.transport);
        break;
    case CMD_SOURCE_RECORD: {
        source *src = idmap_get(w->sources, c->u.record.source);
        if (src) src->recording = c->u.record.on;
        break;
    }
    }
}

/* ---- data path -------------------------------------------------------------------------- */

static wmsg *ring_msg(worker *w, int to, uint8_t kind)
{
    spsc_ring *r = sfu_ring(w->s, w->index, to);
    wmsg *msg = r ? ring_claim(r) : NULL;
    if (!msg) return NULL;
    msg->kind = kind;
    w->wake_mask[to / 64] |= 1ULL << (to % 64);
    return msg;
}

void worker_route(worker *w, source *src, const pkt_meta *m, const uint8_t *pkt, size_t len,
                  uint64_t now_us)
{
    if (src->recording) tap_packet(w, src, pkt, len, now_us);
    for (uint64_t mask = src->ref_mask; mask; mask &= mask - 1) {
        int i = __builtin_ctzll(mask);
        if (i == w->index) {
            group *g = idmap_get(w->groups, src->id);
            if (g) group_deliver(w, g, m, pkt, len, now_us);
            continue;
        }
        wmsg *msg = ring_msg(w, i, MSG_PKT);
        if (!msg) continue;
        msg->m = *m;
        memcpy(msg + 1, pkt, len);
        ring_push(sfu_ring(w->s, w->index, i), (uint32_t)(sizeof *msg + len));
    }
}

void worker_route_sr(worker *w, source *src, uint64_t ntp, uint32_t rtp_ts)
{
    if (src->recording) tap_sender_report(w, src, ntp, rtp_ts);
    for (uint64_t mask = src->ref_mask; mask; mask &= mask - 1) {
        int i = __builtin_ctzll(mask);
        if (i == w->index) {
            group *g = idmap_get(w->groups, src->id);
            if (g) group_sender_report(w, g, ntp, rtp_ts);
            continue;
        }
        wmsg *msg = ring_msg(w, i, MSG_SR);
        if (!msg) continue;
        msg->m.source_id = src->id;
        msg->ntp = ntp;
        msg->rtp_ts = rtp_ts;
        ring_push(sfu_ring(w->s, w->index, i), sizeof *msg);
    }
}

static void send_pli(worker *w, source *s)
{
    if (!s->ssrc) return; /* a simulcast layer that has not sent yet: nothing to refresh */
    uint8_t buf[64 + SRTP_MAX_TRAILER];
    size_t n = rtcp_write_pli(buf, 64, s->t->remb_ssrc, s->ssrc);
    if (!n) return;
    transport_send_rtcp(s->t, buf, n);
    stat_add(&w->stats.plis_sent, 1);
}

void worker_ask_keyframe(worker *w, uint32_t source_id, int source_worker, uint64_t now_us)
{
    if (source_worker != w->index) {
        wmsg *msg = ring_msg(w, source_worker, MSG_KEYFRAME);
        if (!msg) return;
        msg->m.source_id = source_id;
        ring_push(sfu_ring(w->s, w->index, source_worker), sizeof *msg);
        return;
    }
    source *s = idmap_get(w->sources, source_id);
    if (s && s->video && keyframe_ask(&s->kf, now_us)) send_pli(w, s);
}

static const char *lookup_ufrag(void *ctx, const char *ufrag, void **out)
{
    worker *w = ctx;
    transport *t = idmap_get(w->by_ufrag, util_hash_str(ufrag));
    if (!t || strcmp(t->ufrag, ufrag) != 0 || t->state == T_FAILED) return NULL;
    *out = t;
    return t->pwd;
}

static void remember_addr(worker *w, transport *t, const struct sockaddr_storage *from,
                          socklen_t fromlen)
{
    uint64_t key = hash_addr(from);
    if (idmap_get(w->by_addr, key) == t) return;
    if (t->n_addrs == TRANSPORT_MAX_ADDRS) {
        /* A browser that changed networks checks from a new address: forget the oldest one that
         * is not where we send, so that media from the new path is accepted. */
        uint8_t victim = 0;
        while (victim < t->n_addrs && t->peer_len &&
               memcmp(&t->addrs[victim], &t->peer, t->peer_len) == 0)
            victim++;
        if (victim == t->n_addrs) victim = 0;
        uint64_t old = hash_addr(&t->addrs[victim]);
        if (idmap_get(w->by_addr, old) == t) idmap_del(w->by_addr, old);
        memmove(&t->addrs[victim], &t->addrs[victim + 1],
                (size_t)(t->n_addrs - victim - 1) * sizeof t->addrs[0]);
        t->n_addrs--;
    }
    memset(&t->addrs[t->n_addrs], 0, sizeof t->addrs[0]);
    memcpy(&t->addrs[t->n_addrs++], from, fromlen);
    idmap_put(w->by_addr, key, t);
}

void worker_on_datagram(worker *w, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                        socklen_t fromlen, uint64_t now_us)
{
    stat_add(&w->stats.rx_packets, 1);
    stat_add(&w->stats.rx_bytes, len);
    if (len < 2) return;
    uint8_t b = buf[0];
    if (b < 4) { /* STUN (RFC 7983 demultiplexing) */
        uint8_t reply[1280];
        size_t rlen = 0;
        ice_lite_check chk;
        ice_lite_result r =
            ice_lite_handle(w->ice, buf, len, from, fromlen, lookup_ufrag, w, reply, &rlen, &chk);
        if (r == ICE_LITE_REPLY) {
            transport *t = chk.transport;
            remember_addr(w, t, from, fromlen);
            transport_on_stun_ok(t, from, fromlen, chk.use_candidate, now_us);
        }
        if (r != ICE_LITE_DROP && rlen) {
            uint8_t *slot = outbox_slot(w->ob);
            memcpy(slot, reply, rlen);
            outbox_commit(w->ob, rlen, from, fromlen);
        }
        return;
    }
    transport *t = idmap_get(w->by_addr, hash_addr(from));
    if (!t) { /* nobody we checked: no crypto is spent on it */
        stat_add(&w->stats.unknown_peer, 1);
        return;
    }
    if (b >= 20 && b <= 63)
        transport_on_dtls(t, buf, len, now_us);
    else if (b >= 128 && b <= 191)
        transport_on_srtp(t, buf, len, now_us);
    else
        stat_add(&w->stats.malformed, 1);
}

static void on_ring_msg(worker *w, const wmsg *msg, uint32_t len, uint64_t now_us)
{
    switch (msg->kind) {
    case MSG_PKT: {
        group *g = idmap_get(w->groups, msg->m.source_id);
        if (g) group_deliver(w, g, &msg->m, (const uint8_t *)(msg + 1), len - sizeof *msg, now_us);
        break;
    }
    case MSG_SR: {
        group *g = idmap_get(w->groups, msg->m.source_id);
        if (g) group_sender_report(w, g, msg->ntp, msg->rtp_ts);
        break;
    }
    case MSG_KEYFRAME:
        worker_ask_keyframe(w, msg->m.source_id, w->index, now_us);
        break;
    }
}

static void drain_rings(worker *w, uint64_t now_us)
{
    for (int f = 0; f < SFU_MAX_WORKERS; f++) {
        spsc_ring *ring = f == w->index ? NULL : sfu_ring(w->s, f, w->index);
        if (!ring) continue;
        const void *slot;
        uint32_t len;
        while ((slot = ring_peek(ring, &len))) {
            on_ring_msg(w, slot, len, now_us);
            ring_pop(ring);
        }
    }
}

static void drain(worker *w, uint64_t now_us)
{
    wakeup_consume(&w->wake);
    pthread_mutex_lock(&w->cmd_lock);
    cmd *c = w->cmd_head;
    w->cmd_head = w->cmd_tail = NULL;
    pthread_mutex_unlock(&w->cmd_lock);
    while (c) {
        cmd *n = c->next;
        run_command(w, c);
        free(c);
        c = n;
    }
    drain_rings(w, now_us);
}

#define STATS_INTERVAL_US 500000u

/* Per-source statistics for the signaling thread: what the operator wall shows and what picks the
 * active speaker. One small event per source per interval. */
static void report_sources(worker *w)
{
    uint64_t key;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    while (idmap_next(w->sources, &it, &key, &v)) {
        source *s = v;
        uint32_t lost = recv_stats_lost(&s->stats);
        sfu_event ev = {.type = SFU_EV_SOURCE_STATS,
                        .transport = s->t->id,
                        .source = s->id,
                        .loudness = (uint8_t)(127 - s->min_level),
                        .packets = s->int_packets,
                        .bytes = s->int_bytes,
                        .lost = lost - s->int_lost_base};
        s->int_lost_base = lost;
        s->int_packets = s->int_bytes = 0;
        s->min_level = 127;
        if (w->s) sfu_push_event(w->s, &ev, false);
    }
    it = (idmap_iter)IDMAP_ITER_INIT;
    while (idmap_next(w->transports, &it, &key, &v)) {
        transport *t = v;
        if (!t->rtt_us && !t->remb_in_bps && !t->reported) continue;
        /* Rounded up: on a LAN a round trip under a millisecond still says "measured". */
        sfu_event ev = {.type = SFU_EV_TRANSPORT_STATS,
                        .transport = t->id,
                        .rtt_ms = (uint32_t)((t->rtt_us + 999) / 1000),
                        .downlink_bps = t->remb_in_bps,
                        .reported = t->reported,
                        .downlink_loss = t->loss_in};
        t->reported = false;
        t->loss_in = 0;
        if (w->s) sfu_push_event(w->s, &ev, false);
    }
    if (w->s) sfu_push_event_wake(w->s);
}

static void on_tick(worker *w, uint64_t now_us)
{
    uint64_t exp;
    ssize_t r = read(w->tfd, &exp, sizeof exp);
    (void)r;
    drain_rings(w, now_us); /* cheap, and bounds the delay of any wake-up race to one tick */
    if (now_us >= w->next_stats_us) {
        w->next_stats_us = now_us + STATS_INTERVAL_US;
        report_sources(w);
    }
    uint64_t key;
    void *v;
    idmap_iter it = IDMAP_ITER_INIT;
    while (idmap_next(w->transports, &it, &key, &v))
        transport_on_timer(v, now_us);
    it = (idmap_iter)IDMAP_ITER_INIT;
    while (idmap_next(w->sources, &it, &key, &v)) {
        source *s = v;
        if (keyframe_due(&s->kf, now_us)) send_pli(w, s);
    }
}

static void receive(worker *w, uint64_t now_us)
{
    struct mmsghdr msgs[RECV_BATCH];
    struct iovec iov[RECV_BATCH];
    struct sockaddr_storage from[RECV_BATCH];
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < RECV_BATCH; i++) {
            iov[i] = (struct iovec){.iov_base = w->rx[i], .iov_len = PKT_MAX};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
                                              .msg_namelen = sizeof from[i],
                                              .msg_iov = &iov[i],
                                              .msg_iovlen = 1};
        }
        int n = recvmmsg(w->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) return;
        for (int i = 0; i < n; i++)
            worker_on_datagram(w, w->rx[i], msgs[i].msg_len, &from[i], msgs[i].msg_hdr.msg_namelen,
                               now_us);
        if (n < RECV_BATCH) return;
    }
}

static void wake_others(worker *w)
{
    for (int i = 0; i < (int)DH_ARRAY_LEN(w->wake_mask); i++) {
        uint64_t m = w->wake_mask[i];
        w->wake_mask[i] = 0;
        while (m) {
            int b = __builtin_ctzll(m);
            m &= m - 1;
            worker_wake(sfu_worker(w->s, i * 64 + b));
        }
    }
}

static void *loop(void *arg)
{
    worker *w = arg;
    struct epoll_event evs[8];
    while (!atomic_load(&w->stop)) {
        int n = epoll_wait(w->epfd, evs, 8, 200);
        if (n < 0 && errno != EINTR) break;
        uint64_t now = util_now_us();
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == w->fd)
                receive(w, now);
            else if (fd == w->wake.fd)
                drain(w, now);
            else if (fd == w->tfd)
                on_tick(w, now);
        }
        outbox_flush(w->ob);
        wake_others(w);
    }
    return NULL;
}

int worker_start(worker *w)
{
    if (wakeup_init(&w->wake) != 0) return -1;
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->tfd < 0 || w->epfd < 0) return -1;
    struct itimerspec its = {.it_interval = {0, TICK_US * 1000}, .it_value = {0, TICK_US * 1000}};
    timerfd_settime(w->tfd, 0, &its, NULL);
    int fds[3] = {w->fd, w->wake.fd, w->tfd};
    for (int i = 0; i < 3; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fds[i], &ev) != 0) return -1;
    }
    if (pthread_create(&w->thread, NULL, loop, w) != 0) return -1;
    w->running = true;
    return 0;
}

void worker_stop(worker *w)
{
    if (!w->running) return;
    atomic_store(&w->stop, true);
    atomic_store(&w->wake.pending, false);
    worker_wake(w);
    pthread_join(w->thread, NULL);
    w->running = false;
}
