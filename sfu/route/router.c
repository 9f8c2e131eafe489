/* The fan-out: one decrypted packet of a source, to every output on this worker that watches it.
 * Per output the packet is rebuilt in an outbox slot (new header, payload copied once), encrypted
 * with the subscriber's SRTP context and queued for the batched send. Nothing is allocated and no
 * lock is taken here. */
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/proto/rtcp.h"
#include "sfu/proto/rtp.h"

#define RTX_SLOTS 512

group *group_new(uint32_t source_id, int source_worker, codec_id codec, uint32_t clock)
{
    group *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->source_id = source_id;
    g->source_worker = source_worker;
    g->codec = codec;
    g->video = codec == CODEC_VP8 || codec == CODEC_H264;
    g->clock = clock;
    if (g->video) g->rtx = rtx_buffer_new(RTX_SLOTS, PKT_MAX);
    return g;
}

void group_free(group *g)
{
    if (!g) return;
    rtx_buffer_free(g->rtx);
    free(g->outs);
    free(g->pend);
    free(g);
}

void group_add(group *g, output *o)
{
    if (g->n_outs == g->cap_outs) {
        uint32_t ncap = g->cap_outs ? g->cap_outs * 2 : 8;
        output **n = realloc(g->outs, ncap * sizeof *n);
        if (!n) return;
        g->outs = n;
        g->cap_outs = ncap;
    }
    g->outs[g->n_outs++] = o;
    o->g = g;
}

void group_remove(group *g, output *o)
{
    for (uint32_t i = 0; i < g->n_outs; i++) {
        if (g->outs[i] == o) {
            g->outs[i] = g->outs[--g->n_outs];
            break;
        }
    }
    o->g = NULL;
}

void group_add_pending(group *g, output *o)
{
    if (g->n_pend == g->cap_pend) {
        uint32_t ncap = g->cap_pend ? g->cap_pend * 2 : 4;
        output **n = realloc(g->pend, ncap * sizeof *n);
        if (!n) return;
        g->pend = n;
        g->cap_pend = ncap;
    }
    g->pend[g->n_pend++] = o;
    o->next = g;
}

void group_remove_pending(group *g, output *o)
{
    for (uint32_t i = 0; i < g->n_pend; i++) {
        if (g->pend[i] == o) {
            g->pend[i] = g->pend[--g->n_pend];
            break;
        }
    }
    o->next = NULL;
}

/* Outputs waiting to move here go on sending their old source until this one's keyframe starts;
 * then they move, and the keyframe is the first packet they send from here. */
static void take_pending(worker *w, group *g, const pkt_meta *m, uint64_t now_us)
{
    /* Backwards: a move swaps the last entry into slot i, which was already looked at. */
    for (uint32_t i = g->n_pend; i-- > 0;) {
        output *o = g->pend[i];
        if (m->keyframe) {
            worker_output_switch(w, o);
        } else if (now_us >= o->next_kf_us + KEYFRAME_INTERVAL_US) {
            o->next_kf_us = now_us;
            worker_ask_keyframe(w, g->source_id, g->source_worker, now_us);
        }
    }
}

/* Encrypts the datagram built in `slot` for transport t and queues it. */
static void send_built(worker *w, transport *t, uint8_t *slot, size_t n)
{
    worker_counters *c = worker_stats(w);
    if (srtp_session_protect_rtp(t->srtp, slot, &n, PKT_MAX + SRTP_MAX_TRAILER) != 0) {
        stat_add(&c->srtp_errors, 1);
        return;
    }
    outbox_commit(worker_outbox(w), n, &t->peer, t->peer_len);
    stat_add(&c->tx_packets, 1);
    stat_add(&c->tx_bytes, n);
}

void group_deliver(worker *w, group *g, const pkt_meta *m, const uint8_t *pkt, size_t len,
                   uint64_t now_us)
{
    if (g->rtx) rtx_buffer_put(g->rtx, m->seq, pkt, len);
    if (g->n_pend) take_pending(w, g, m, now_us);
    size_t body = len - m->header_len;
    /* Padding stays as the publisher sent it: the P bit travels with the payload bytes. */
    uint8_t has_padding = (pkt[0] & 0x20) != 0;
    for (uint32_t i = 0; i < g->n_outs; i++) {
        output *o = g->outs[i];
        transport *t = o->t;
        if (t->state != T_CONNECTED) continue;
        uint16_t seq;
        uint32_t ts;
        rewrite_result r = rewrite_packet(&o->rw, g->source_id, m->seq, m->ts, g->video,
                                          m->keyframe, now_us, &seq, &ts);
        if (r == REWRITE_WAIT_KEYFRAME) {
            if (now_us >= o->kf_asked_us + KEYFRAME_INTERVAL_US || o->kf_asked_us == 0) {
                o->kf_asked_us = now_us;
                worker_ask_keyframe(w, g->source_id, g->source_worker, now_us);
            }
            continue;
        }
        if (r != REWRITE_SEND) continue;
        uint8_t *slot = outbox_slot(worker_outbox(w));
        rtp_out_header h = {.marker = m->marker,
                            .payload_type = o->pt,
                            .has_padding = has_padding,
                            .seq = seq,
                            .ts = ts,
                            .ssrc = o->ssrc};
        size_t n = rtp_write_header(slot, PKT_MAX, &h);
        if (n == 0 || n + body > PKT_MAX) continue;
        memcpy(slot + n, pkt + m->header_len, body);
        o->packets++;
        o->octets += (uint32_t)body;
        send_built(w, t, slot, n + body);
        stat_add(&worker_stats(w)->forwarded, 1);
    }
}

void group_sender_report(worker *w, group *g, uint64_t ntp, uint32_t rtp_ts)
{
    for (uint32_t i = 0; i < g->n_outs; i++) {
        output *o = g->outs[i];
        if (o->t->state != T_CONNECTED || o->rw.source != g->source_id) continue;
        rtcp_sr sr = {.ssrc = o->ssrc,
                      .ntp = ntp,
                      .rtp_ts = rtp_ts + o->rw.ts_off,
                      .packet_count = o->packets,
                      .octet_count = o->octets};
        uint8_t buf[128 + SRTP_MAX_TRAILER];
        size_t n = rtcp_write_sr(buf, 128, &sr);
        if (!n) continue;
        o->sr_mid = rtcp_ntp_mid32(ntp);
        o->sr_sent_us = util_now_us();
        transport_send_rtcp(o->t, buf, n);
    }
}

void output_on_nack(worker *w, output *o, uint16_t out_seq)
{
    group *g = o->g;
    uint16_t src_seq;
    if (!g || !g->rtx || o->t->state != T_CONNECTED) return;
    if (!rewrite_source_seq(&o->rw, out_seq, &src_seq)) return;
    size_t len;
    const uint8_t *pkt = rtx_buffer_get(g->rtx, src_seq, &len);
    if (!pkt) return;
    rtp_view v;
    if (rtp_parse(pkt, len, &v) != RTP_OK) return;
    size_t body = len - v.header_len;
    uint8_t *slot = outbox_slot(worker_outbox(w));
    rtp_out_header h = {.marker = v.marker, .ts = v.ts + o->rw.ts_off};
    size_t n;
    if (o->rtx_pt) {
        /* RFC 4588: the retransmission has its own SSRC and sequence, and carries the original
         * sequence number in front of the payload. */
        h.payload_type = o->rtx_pt;
        h.seq = o->rtx_seq++;
        h.ssrc = o->rtx_ssrc;
        h.has_padding = 0;
        n = rtp_write_header(slot, PKT_MAX, &h);
        size_t payload = v.payload_len;
        if (n == 0 || n + 2 + payload > PKT_MAX) return;
        slot[n] = (uint8_t)(out_seq >> 8);
        slot[n + 1] = (uint8_t)out_seq;
        memcpy(slot + n + 2, pkt + v.header_len, payload);
        n += 2 + payload;
    } else {
        h.payload_type = o->pt;
        h.seq = out_seq;
        h.ssrc = o->ssrc;
        h.has_padding = v.has_padding;
        n = rtp_write_header(slot, PKT_MAX, &h);
        if (n == 0 || n + body > PKT_MAX) return;
        memcpy(slot + n, pkt + v.header_len, body);
        n += body;
    }
    send_built(w, o->t, slot, n);
    stat_add(&worker_stats(w)->nacks_answered, 1);
}

void output_on_keyframe_request(worker *w, output *o, uint64_t now_us)
{
    if (!o->g) return;
    worker_ask_keyframe(w, o->g->source_id, o->g->source_worker, now_us);
}
