/* One peer connection's media transport on its worker: the address ICE checks proved, the DTLS
 * handshake, the SRTP contexts, and what arrives over them — RTP of the sources published on it,
 * RTCP feedback about the outputs it receives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/proto/rtcp.h"
#include "sfu/proto/rtp.h"

#define CONNECT_TIMEOUT_US (30u * 1000000u)
#define CONSENT_TIMEOUT_US (30u * 1000000u) /* RFC 7675 */
#define REPORT_INTERVAL_US 1000000u

transport *transport_new(worker *w, const sfu_transport_params *p, const dtls_cert *cert)
{
    transport *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->id = p->id;
    t->w = w;
    snprintf(t->ufrag, sizeof t->ufrag, "%s", p->local_ufrag);
    snprintf(t->pwd, sizeof t->pwd, "%s", p->local_pwd);
    t->created_us = util_now_us();
    t->remb_ssrc = util_random_u32() | 1;
    t->outputs_by_ssrc = idmap_new(8);
    if (!t->outputs_by_ssrc || (cert && p->fp_len && transport_set_remote(t, p, cert) != 0)) {
        transport_free(t);
        return NULL;
    }
    return t;
}

int transport_set_remote(transport *t, const sfu_transport_params *p, const dtls_cert *cert)
{
    if (t->dtls) return 0; /* a renegotiation: the DTLS session stays */
    snprintf(t->fp_alg, sizeof t->fp_alg, "%s", p->fp_alg);
    memcpy(t->fp, p->fp, p->fp_len);
    t->fp_len = p->fp_len;
    t->dtls = dtls_conn_new(cert, true, t->fp_alg, t->fp, t->fp_len);
    if (!t->dtls) return -1;
    if (t->early_dtls_len) {
        uint16_t n = t->early_dtls_len;
        t->early_dtls_len = 0;
        transport_on_dtls(t, t->early_dtls, n, util_now_us());
    }
    return 0;
}

static void send_raw(void *ctx, const uint8_t *buf, size_t len);

void transport_free(transport *t)
{
    if (!t) return;
    /* Tell the browser now rather than letting it wait for consent to expire. */
    if (t->state == T_CONNECTED && t->dtls) dtls_conn_close(t->dtls, send_raw, t);
    dtls_conn_free(t->dtls);
    free(t->early_dtls);
    srtp_session_free(t->srtp);
    idmap_free(t->outputs_by_ssrc);
    twcc_free(t->twcc);
    free(t);
}

void transport_fail(transport *t, const char *why)
{
    if (t->state == T_FAILED) return;
    LOGW("transport", "transport %u failed: %s", t->id, why);
    t->state = T_FAILED;
    worker_emit_event(t->w, SFU_EV_FAILED, t->id, why);
}

static void send_raw(void *ctx, const uint8_t *buf, size_t len)
{
    transport *t = ctx;
    if (!t->peer_len || len > PKT_MAX) return;
    outbox *ob = worker_outbox(t->w);
    uint8_t *slot = outbox_slot(ob);
    memcpy(slot, buf, len);
    outbox_commit(ob, len, &t->peer, t->peer_len);
}

void transport_on_stun_ok(transport *t, const struct sockaddr_storage *from, socklen_t fromlen,
                          bool nominated, uint64_t now_us)
{
    t->last_check_us = now_us;
    if (nominated || !t->peer_len) {
        memcpy(&t->peer, from, fromlen);
        t->peer_len = fromlen;
    }
    if (t->state == T_NEW) t->state = T_CHECKED;
}

static void dtls_progress(transport *t, dtls_state st)
{
    if (st == DTLS_FAILED) {
        char why[96];
        snprintf(why, sizeof why, "dtls: %s", dtls_conn_error(t->dtls));
        transport_fail(t, why);
        return;
    }
    if (st == DTLS_CLOSED) {
        transport_fail(t, "dtls: closed by peer");
        return;
    }
    if (st != DTLS_CONNECTED || t->state == T_CONNECTED || t->srtp) return;
    dtls_srtp_keys keys;
    if (!dtls_conn_srtp_keys(t->dtls, &keys)) {
        transport_fail(t, "dtls: no SRTP profile negotiated");
        return;
    }
    t->srtp = srtp_session_new(&keys);
    if (!t->srtp) {
        transport_fail(t, "srtp: cannot create session");
        return;
    }
    t->state = T_CONNECTED;
    LOGI("transport", "transport %u connected", t->id);
    worker_emit_event(t->w, SFU_EV_CONNECTED, t->id, "");
}

void transport_on_dtls(transport *t, const uint8_t *buf, size_t len, uint64_t now_us)
{
    if (t->state == T_FAILED) return;
    if (!t->dtls) {
        /* The hub offered (a subscriber connection) and the answer with the peer's fingerprint is
         * still on its way over the websocket, while the peer, done with ICE, already says hello.
         * Dropping it would cost the peer its retransmission timer (1 s, then 2 s) before media;
         * the newest one is kept instead, once per transport and at most a datagram. */
        if (len > PKT_MAX) return;
        if (!t->early_dtls && !(t->early_dtls = malloc(PKT_MAX))) return;
        memcpy(t->early_dtls, buf, len);
        t->early_dtls_len = (uint16_t)len;
        return;
    }
    dtls_progress(t, dtls_conn_input(t->dtls, buf, len, send_raw, t));
}

void transport_send_rtcp(transport *t, uint8_t *buf, size_t len)
{
    if (t->state != T_CONNECTED) return;
    if (srtp_session_protect_rtcp(t->srtp, buf, &len, len + SRTP_MAX_TRAILER) != 0) return;
    send_raw(t, buf, len);
}

void transport_use_twcc(transport *t, uint8_t ext_id)
{
    if (!t->twcc) t->twcc = twcc_new();
    if (t->twcc && !t->twcc_ext) t->twcc_ext = ext_id;
}

/* Every transport-cc feedback that is waiting, one packet after another. */
static void send_twcc(transport *t, uint64_t now_us)
{
    uint8_t buf[RTCP_TWCC_MAX_LEN + SRTP_MAX_TRAILER];
    size_t n;
    while ((n = twcc_feedback(t->twcc, t->remb_ssrc, now_us, buf, RTCP_TWCC_MAX_LEN)) > 0)
        transport_send_rtcp(t, buf, n);
}

/* The sender's bandwidth estimate needs the arrival of every packet it numbered, retransmissions
 * and probes on SSRCs no source knows included, so this runs before the SSRC lookup. */
static void note_twcc(transport *t, const uint8_t *buf, const rtp_view *v, uint64_t now_us)
{
    const uint8_t *d;
    size_t n;
    if (!rtp_ext_find(buf, v, t->twcc_ext, &d, &n) || n != 2) return;
    twcc_packet(t->twcc, (uint16_t)(d[0] << 8 | d[1]), v->ssrc, now_us);
    if (twcc_due(t->twcc, now_us)) send_twcc(t, now_us);
}

static source *find_source(transport *t, uint32_t ssrc, bool *is_rtx)
{
    for (uint8_t i = 0; i < t->n_sources; i++) {
        source *s = t->sources[i];
        if (s->ssrc == ssrc) {
            *is_rtx = false;
            return s;
        }
        if (s->rtx_ssrc && s->rtx_ssrc == ssrc) {
            *is_rtx = true;
            return s;
        }
    }
    return NULL;
}

/* The text of header extension `id` equals `want` (a RID or MID, RFC 8852 / 8843). */
static bool ext_is(const uint8_t *buf, const rtp_view *v, uint8_t id, const char *want)
{
    const uint8_t *d;
    size_t n;
    return id && rtp_ext_find(buf, v, id, &d, &n) && n == strlen(want) && memcmp(d, want, n) == 0;
}

/* A simulcast layer's SSRC is not in the SDP: its first packets name the layer by RID (the
 * retransmission stream by repaired RID), and the SSRC is learned once. Only a layer still without
 * an SSRC can learn one, so a stray packet cannot take over a running layer. */
static source *learn_layer(transport *t, const uint8_t *buf, const rtp_view *v, bool *is_rtx)
{
    for (uint8_t i = 0; i < t->n_sources; i++) {
        source *s = t->sources[i];
        if (!s->rid[0] || (s->mid_ext && s->mid[0] && !ext_is(buf, v, s->mid_ext, s->mid)))
            continue;
        if (!s->ssrc && ext_is(buf, v, s->rid_ext, s->rid)) {
            s->ssrc = v->ssrc;
            recv_stats_init(&s->stats, s->ssrc, s->clock);
            *is_rtx = false;
            return s;
        }
        if (!s->rtx_ssrc && ext_is(buf, v, s->rrid_ext, s->rid)) {
            s->rtx_ssrc = v->ssrc;
            *is_rtx = true;
            return s;
        }
    }
    return NULL;
}

/* RFC 3550 6.4.1: a block quoting our last sender report gives the round trip to this peer. */
static void on_report_blocks(transport *t, const rtcp_report_block *b, uint8_t n, uint64_t now_us)
{
    for (uint8_t i = 0; i < n; i++) {
        output *o = idmap_get(t->outputs_by_ssrc, b[i].ssrc);
        /* The worst loss the receiver saw on a video stream since the last stats event: its
         * downlink is congested (or lossy), which moves its simulcast layers down. */
        if (o && o->video && b[i].fraction_lost > t->loss_in) t->loss_in = b[i].fraction_lost;
        if (!o || !b[i].lsr || b[i].lsr != o->sr_mid || !o->sr_sent_us) continue;
        uint64_t dlsr_us = (uint64_t)b[i].dlsr * 1000000u / 65536u;
        uint64_t elapsed = now_us > o->sr_sent_us ? now_us - o->sr_sent_us : 0;
        if (elapsed < dlsr_us) continue;
        uint64_t rtt = elapsed - dlsr_us;
        t->rtt_us = t->rtt_us ? (t->rtt_us * 7 + rtt) / 8 : rtt + 1;
    }
}

static void nack_one(void *ctx, uint16_t seq)
{
    output *o = ctx;
    output_on_nack(o->t->w, o, seq);
}

static void on_rtcp(transport *t, const uint8_t *buf, size_t len, uint64_t now_us)
{
    rtcp_iter it;
    rtcp_view v;
    rtcp_iter_init(&it, buf, len);
    int r;
    while ((r = rtcp_iter_next(&it, &v)) == 1) {
        uint32_t sender, media;
        output *o;
        switch (v.type) {
        case RTCP_SR: {
            rtcp_sr sr;
            bool is_rtx;
            if (rtcp_parse_sr(&v, &sr) != RTCP_OK) break;
            source *s = find_source(t, sr.ssrc, &is_rtx);
            if (!s || is_rtx) break;
            recv_stats_sender_report(&s->stats, sr.ntp, now_us);
            worker_route_sr(t->w, s, sr.ntp, sr.rtp_ts);
            break;
        }
        case RTCP_RR: {
            rtcp_rr rr;
            if (rtcp_parse_rr(&v, &rr) == RTCP_OK) {
                t->reported = true;
                on_report_blocks(t, rr.blocks, rr.n_blocks, now_us);
            }
            break;
        }
        case RTCP_RTPFB:
            if (v.count != 1 || rtcp_parse_fb(&v, &sender, &media) != RTCP_OK) break;
            o = idmap_get(t->outputs_by_ssrc, media);
            if (o) rtcp_parse_nack(&v, nack_one, o);
            break;
        case RTCP_PSFB:
            if (v.count == 1 && rtcp_parse_fb(&v, &sender, &media) == RTCP_OK) {
                o = idmap_get(t->outputs_by_ssrc, media);
                if (o) output_on_keyframe_request(t->w, o, now_us);
            } else if (v.count == 4) {
                uint8_t seq_nr;
                if (rtcp_parse_fir(&v, &media, &seq_nr) != RTCP_OK) break;
                o = idmap_get(t->outputs_by_ssrc, media);
                if (o) output_on_keyframe_request(t->w, o, now_us);
            } else if (v.count == 15) {
                /* The receiver's own estimate of its downlink: what picks its simulcast layers. */
                uint64_t bps;
                uint32_t ssrcs[8];
                size_t n_ssrcs;
                if (rtcp_parse_remb(&v, &bps, ssrcs, 8, &n_ssrcs) == RTCP_OK)
                    t->remb_in_bps = bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps;
            }
            break;
        default:
            break; /* RR, SDES, BYE, REMB, transport-cc: nothing to act on yet */
        }
    }
    if (r < 0) stat_add(&worker_stats(t->w)->malformed, 1);
}

void transport_on_srtp(transport *t, uint8_t *buf, size_t len, uint64_t now_us)
{
    worker_counters *c = worker_stats(t->w);
    if (t->state != T_CONNECTED) return;
    if (rtp_is_rtcp(buf, len)) {
        if (srtp_session_unprotect_rtcp(t->srtp, buf, &len) != 0) {
            stat_add(&c->srtp_errors, 1);
            return;
        }
        /* Authenticated traffic from the peer proves it still wants this session, as a check
         * would: clients that keep the path alive with indications (libnice) are not cut off. */
        t->last_check_us = now_us;
        on_rtcp(t, buf, len, now_us);
        return;
    }
    if (srtp_session_unprotect_rtp(t->srtp, buf, &len) != 0) {
        stat_add(&c->srtp_errors, 1);
        return;
    }
    t->last_check_us = now_us;
    rtp_view v;
    if (rtp_parse(buf, len, &v) != RTP_OK) {
        stat_add(&c->malformed, 1);
        return;
    }
    if (t->twcc_ext) note_twcc(t, buf, &v, now_us);
    bool is_rtx = false;
    source *s = find_source(t, v.ssrc, &is_rtx);
    if (!s) s = learn_layer(t, buf, &v, &is_rtx);
    if (!s) return; /* not (or no longer) announced: nobody subscribed to it */
    if (is_rtx) {
        /* Retransmission stream (RFC 4588): padding-only probes are dropped; a real
         * retransmission is unwrapped into the media stream's sequence space. */
        if (v.payload_len < 2) return;
        uint16_t osn = (uint16_t)(buf[v.header_len] << 8 | buf[v.header_len + 1]);
        memmove(buf + v.header_len, buf + v.header_len + 2, v.payload_len - 2);
        len = v.header_len + v.payload_len - 2;
        buf[0] &= (uint8_t)~0x20; /* padding removed with the shift */
        buf[2] = (uint8_t)(osn >> 8);
        buf[3] = (uint8_t)osn;
        buf[8] = (uint8_t)(s->ssrc >> 24);
        buf[9] = (uint8_t)(s->ssrc >> 16);
        buf[10] = (uint8_t)(s->ssrc >> 8);
        buf[11] = (uint8_t)s->ssrc;
        if (rtp_parse(buf, len, &v) != RTP_OK) return;
    }
    recv_stats_packet(&s->stats, v.seq, v.ts, now_us, (uint32_t)len);
    s->int_packets++;
    s->int_bytes += (uint32_t)len;
    if (s->audio_level_ext) {
        bool voice;
        uint8_t level;
        if (rtp_audio_level(buf, &v, s->audio_level_ext, &level, &voice) && level < s->min_level)
            s->min_level = level;
    }
    pkt_meta m = {.source_id = s->id,
                  .seq = v.seq,
                  .ts = v.ts,
                  .header_len = (uint16_t)v.header_len,
                  .marker = v.marker,
                  .keyframe =
                      s->video && codec_is_keyframe(s->codec, buf + v.header_len, v.payload_len)};
    worker_route(t->w, s, &m, buf, len, now_us);
}

static void send_reports(transport *t, uint64_t now_us)
{
    if (t->n_sources == 0) return;
    rtcp_rr rr = {.ssrc = t->remb_ssrc};
    uint32_t video_ssrcs[TRANSPORT_MAX_SOURCES];
    size_t n_video = 0;
    for (uint8_t i = 0; i < t->n_sources; i++) {
        source *s = t->sources[i];
        if (recv_stats_report(&s->stats, now_us, &rr.blocks[rr.n_blocks])) rr.n_blocks++;
        if (s->video && s->ssrc) video_ssrcs[n_video++] = s->ssrc; /* a layer not seen yet: 0 */
    }
    uint8_t buf[512 + SRTP_MAX_TRAILER];
    size_t n = rtcp_write_rr(buf, 512, &rr);
    uint32_t remb = worker_remb_bps(t->w);
    if (n && n_video && remb)
        n += rtcp_write_remb(buf + n, 512 - n, t->remb_ssrc, remb, video_ssrcs, n_video);
    if (n) transport_send_rtcp(t, buf, n);
}

/* Time since `then`; 0 when `then` is later (it was stamped after this loop pass began). */
static uint64_t since(uint64_t now_us, uint64_t then)
{
    return now_us > then ? now_us - then : 0;
}

void transport_on_timer(transport *t, uint64_t now_us)
{
    if (t->state == T_FAILED) return;
    if (t->state != T_CONNECTED) {
        if (since(now_us, t->created_us) > CONNECT_TIMEOUT_US) {
            transport_fail(t, t->state == T_NEW ? "ice: no connectivity check within 30 s"
                                                : "dtls: no handshake within 30 s");
            return;
        }
        uint64_t due = t->dtls ? dtls_conn_next_timeout(t->dtls) : 0;
        if (due && now_us >= due) dtls_progress(t, dtls_conn_on_timer(t->dtls, send_raw, t));
        return;
    }
    if (t->last_check_us && since(now_us, t->last_check_us) > CONSENT_TIMEOUT_US) {
        transport_fail(t, "ice: consent expired (no check for 30 s)");
        return;
    }
    if (t->twcc && twcc_due(t->twcc, now_us)) send_twcc(t, now_us);
    if (now_us >= t->next_report_us) {
        t->next_report_us = now_us + REPORT_INTERVAL_US;
        send_reports(t, now_us);
    }
}
