#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency_tag.h"
#include "sender.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "sfu/proto/rtcp.h"
#include "sfu/proto/rtp.h"

#define TAG "endpoint"
#define SDP_TEXT_MAX 65536
#define REPORT_EVERY_S 1.0

struct endpoint {
    endpoint_env env;
    char label[64];
    char *token, *name;
    const media_file *audio, *video;
    unsigned wall_page;
    sig_session *sig;
    peer *pub, *sub;
    offer_remote sub_remote; /* the hub's side of the receiving transport, from its first offer */
    bool sub_remote_known;
    sender *send_audio, *send_video;
    ev_timer report;
    uint32_t rtcp_ssrc;

    /* What the hub's latest offer says about the SSRCs we receive. */
    uint32_t n_known;
    struct {
        uint32_t ssrc;
        bool video;
    } known[ENDPOINT_MAX_TRACKS * 4];

    uint32_t n_tracks;
    endpoint_track tracks[ENDPOINT_MAX_TRACKS];
    latency_hist *latency;
    uint64_t packets, bytes, untagged;
    uint64_t start_us, open_us, joined_us, first_media_us, first_video_us;
    char error[300];
    bool failed;
};

static void fail(endpoint *e, const char *why)
{
    if (e->failed) return;
    e->failed = true;
    snprintf(e->error, sizeof e->error, "%s", why);
    LOGW(TAG, "%s: %s", e->label, why);
}

/* ---- receiving ---------------------------------------------------------------------------- */

static endpoint_track *track_for(endpoint *e, uint32_t ssrc)
{
    for (uint32_t i = 0; i < e->n_tracks; i++)
        if (e->tracks[i].seq.ssrc == ssrc) return &e->tracks[i];
    if (e->n_tracks == ENDPOINT_MAX_TRACKS) return NULL;
    endpoint_track *t = &e->tracks[e->n_tracks++];
    memset(t, 0, sizeof *t);
    seq_track_init(&t->seq, ssrc);
    for (uint32_t i = 0; i < e->n_known; i++)
        if (e->known[i].ssrc == ssrc) t->video = e->known[i].video;
    return t;
}

static void sub_rtp(void *user, uint8_t *pkt, size_t len, uint64_t now)
{
    endpoint *e = user;
    rtp_view v;
    if (rtp_parse(pkt, len, &v) != RTP_OK) return;
    endpoint_track *t = track_for(e, v.ssrc);
    if (!t) return;
    if (!e->first_media_us) e->first_media_us = now;
    if (t->video && !e->first_video_us) e->first_video_us = now;
    if (*e->env.phase == PHASE_DONE) return;
    seq_track_packet(&t->seq, v.seq);
    t->bytes += len;
    e->packets++;
    e->bytes += len;
    uint64_t sent;
    if (latency_tag_read(pkt + v.header_len, v.payload_len, &sent) && sent <= now)
        latency_add(e->latency, now - sent);
    else
        e->untagged++;
}

static void sub_rtcp(void *user, uint8_t *pkt, size_t len, uint64_t now)
{
    endpoint *e = user;
    rtcp_iter it;
    rtcp_view v;
    rtcp_iter_init(&it, pkt, len);
    while (rtcp_iter_next(&it, &v) == 1) {
        rtcp_sr sr;
        if (v.type != RTCP_SR || rtcp_parse_sr(&v, &sr) != RTCP_OK) continue;
        for (uint32_t i = 0; i < e->n_tracks; i++)
            if (e->tracks[i].seq.ssrc == sr.ssrc)
                seq_track_sender_report(&e->tracks[i].seq, sr.ntp, now);
    }
}

static void peer_failed(void *user, const char *why)
{
    fail(user, why);
}

static const peer_events sub_events = {NULL, sub_rtp, sub_rtcp, peer_failed};

/* ---- publishing --------------------------------------------------------------------------- */

static void pub_ready(void *user)
{
    endpoint *e = user;
    if (e->send_audio) sender_start(e->send_audio);
    if (e->send_video) sender_start(e->send_video);
}

static void pub_rtcp(void *user, uint8_t *pkt, size_t len, uint64_t now)
{
    endpoint *e = user;
    rtcp_iter it;
    rtcp_view v;
    rtcp_iter_init(&it, pkt, len);
    while (rtcp_iter_next(&it, &v) == 1) {
        uint32_t from, media;
        bool pli = v.type == RTCP_PSFB && v.count == 1;
        bool fir = v.type == RTCP_PSFB && v.count == 4;
        if (!pli && !fir) continue;
        if (rtcp_parse_fb(&v, &from, &media) != RTCP_OK) continue;
        if (fir) {
            uint8_t nr;
            if (rtcp_parse_fir(&v, &media, &nr) != RTCP_OK) continue;
        }
        if (e->send_video && sender_ssrc(e->send_video) == media) sender_keyframe(e->send_video);
    }
}

static const peer_events pub_events = {pub_ready, NULL, pub_rtcp, peer_failed};

/* ---- reports ------------------------------------------------------------------------------ */

static void on_report(struct ev_loop *loop, ev_timer *w, int revents)
{
    endpoint *e = w->data;
    uint8_t buf[1400 + PEER_TRAILER];
    uint64_t now = util_now_us();
    if (e->sub && peer_ready(e->sub) && e->n_tracks) {
        rtcp_rr rr = {.ssrc = e->rtcp_ssrc};
        for (uint32_t i = 0; i < e->n_tracks && i < RTCP_MAX_BLOCKS; i++)
            seq_track_report(&e->tracks[i].seq, now, &rr.blocks[rr.n_blocks++]);
        size_t n = rtcp_write_rr(buf, 1400, &rr);
        if (n) peer_send_rtcp(e->sub, buf, n);
    }
    if (e->pub && peer_ready(e->pub)) {
        size_t n = 0;
        if (e->send_audio) n += sender_report(e->send_audio, buf + n, 1400 - n);
        if (e->send_video) n += sender_report(e->send_video, buf + n, 1400 - n);
        if (n) peer_send_rtcp(e->pub, buf, n);
    }
}

/* ---- signaling ---------------------------------------------------------------------------- */

static void sig_opened(void *user)
{
    endpoint *e = user;
    e->open_us = util_now_us();
}

static void sig_joined(void *user)
{
    endpoint *e = user;
    e->joined_us = util_now_us();
    if (e->wall_page) e->env.sig->wall(e->sig, e->wall_page - 1);
    if (!e->audio && !e->video) return;
    char err[200];
    e->pub = peer_new(&e->env.peer, &pub_events, e, err, sizeof err);
    if (!e->pub) {
        fail(e, err);
        return;
    }
    uint32_t a = e->audio ? (util_random_u32() | 1) : 0;
    uint32_t v = e->video ? (util_random_u32() | 1) : 0;
    if (a == v) v ^= 2;
    if (e->audio) e->send_audio = sender_new(e->env.loop, e->audio, e->pub, OFFER_PT_OPUS, a);
    if (e->video) e->send_video = sender_new(e->env.loop, e->video, e->pub, OFFER_PT_VP8, v);
    offer_local l;
    peer_local(e->pub, &l);
    l.session_id = util_random_u32();
    char *sdp = malloc(SDP_TEXT_MAX);
    if (!sdp || offer_publish(sdp, SDP_TEXT_MAX, &l, a, v) < 0) {
        free(sdp);
        fail(e, "cannot write the offer");
        return;
    }
    e->env.sig->publish(e->sig, sdp);
    free(sdp);
}

static void sig_published(void *user, const char *answer)
{
    endpoint *e = user;
    char err[200];
    offer_remote r;
    if (sdp_parse(answer, strlen(answer), e->env.scratch, err, sizeof err) != 0 ||
        offer_remote_params(e->env.scratch, e->env.peer.bind_ip, &r, err, sizeof err) != 0) {
        char why[260];
        snprintf(why, sizeof why, "the hub's answer: %s", err);
        fail(e, why);
        return;
    }
    if (peer_start(e->pub, &r) != 0) fail(e, "cannot start ICE");
}

static void sig_offer(void *user, int64_t revision, const char *sdp)
{
    endpoint *e = user;
    char err[200];
    sdp_session *s = e->env.scratch;
    if (sdp_parse(sdp, strlen(sdp), s, err, sizeof err) != 0) {
        char why[260];
        snprintf(why, sizeof why, "the hub's subscriber offer: %s", err);
        fail(e, why);
        return;
    }
    e->n_known = 0;
    for (uint8_t i = 0; i < s->n_media; i++) {
        for (uint8_t k = 0; k < s->media[i].n_ssrcs && e->n_known < DH_ARRAY_LEN(e->known); k++) {
            e->known[e->n_known].ssrc = s->media[i].ssrcs[k].ssrc;
            e->known[e->n_known].video = s->media[i].kind == SDP_MEDIA_VIDEO;
            e->n_known++;
        }
    }
    for (uint32_t i = 0; i < e->n_tracks; i++)
        e->tracks[i].video = offer_ssrc_is_video(s, e->tracks[i].seq.ssrc) || e->tracks[i].video;
    if (!e->sub) {
        e->sub = peer_new(&e->env.peer, &sub_events, e, err, sizeof err);
        if (!e->sub) {
            fail(e, err);
            return;
        }
        e->latency = calloc(1, sizeof *e->latency);
    }
    if (!e->sub_remote_known) {
        if (offer_remote_params(s, e->env.peer.bind_ip, &e->sub_remote, err, sizeof err) != 0) {
            fail(e, err);
            return;
        }
        e->sub_remote.offered = true; /* a full ICE agent that offers controls (Janus) */
        e->sub_remote_known = true;
        peer_roles(e->sub, &e->sub_remote); /* before the answer: it may check us at once */
    }
    offer_local l;
    peer_local(e->sub, &l);
    l.session_id = (uint64_t)e->rtcp_ssrc;
    char *answer = malloc(SDP_TEXT_MAX);
    if (!answer || offer_answer_subscribe(answer, SDP_TEXT_MAX, s, &l) < 0) {
        free(answer);
        fail(e, "cannot write the answer");
        return;
    }
    e->env.sig->answer(e->sig, revision, answer);
    free(answer);
}

static void sig_answered(void *user, int64_t revision)
{
    endpoint *e = user;
    /* Checks wait for the hub to take the answer: it answers checks as soon as it offered, but
     * drops DTLS until it knows our fingerprint, and a lost ClientHello costs a 1 s retransmit. */
    if (e->sub && e->sub_remote_known && !peer_started(e->sub) &&
        peer_start(e->sub, &e->sub_remote) != 0)
        fail(e, "cannot start ICE");
}

static void sig_failed(void *user, const char *why)
{
    fail(user, why);
}

static const sig_events signal_events = {sig_opened, sig_joined,   sig_published,
                                         sig_offer,  sig_answered, sig_failed};

/* ---- lifetime ----------------------------------------------------------------------------- */

endpoint *endpoint_new(const endpoint_env *env, const endpoint_cfg *cfg)
{
    endpoint *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->env = *env;
    snprintf(e->label, sizeof e->label, "%s", cfg->label);
    e->token = strdup(cfg->token);
    e->name = strdup(cfg->name);
    e->audio = cfg->audio;
    e->video = cfg->video;
    e->wall_page = cfg->wall_page;
    e->rtcp_ssrc = util_random_u32() | 1;
    ev_timer_init(&e->report, on_report, REPORT_EVERY_S * (util_random_u32() % 1000) / 1000.0,
                  REPORT_EVERY_S);
    e->report.data = e;
    return e;
}

void endpoint_start(endpoint *e)
{
    e->start_us = util_now_us();
    sig_join j = {.url = e->env.url,
                  .token = e->token,
                  .name = e->name,
                  .meeting = e->env.meeting,
                  .loop = e->env.loop};
    e->sig = e->env.sig->open(e->env.ws, &j, &signal_events, e);
    if (!e->sig) fail(e, "cannot open the signaling session");
    ev_timer_start(e->env.loop, &e->report);
}

void endpoint_free(endpoint *e)
{
    if (!e) return;
    ev_timer_stop(e->env.loop, &e->report);
    if (e->sig) e->env.sig->close(e->sig);
    sender_free(e->send_audio);
    sender_free(e->send_video);
    peer_free(e->pub);
    peer_free(e->sub);
    free(e->latency);
    free(e->token);
    free(e->name);
    free(e);
}

void endpoint_window_begin(endpoint *e)
{
    for (uint32_t i = 0; i < e->n_tracks; i++) {
        seq_track_restart(&e->tracks[i].seq);
        e->tracks[i].bytes = 0;
    }
    if (e->latency) latency_reset(e->latency);
    e->packets = e->bytes = e->untagged = 0;
}

bool endpoint_joined(const endpoint *e)
{
    return e->joined_us != 0;
}

bool endpoint_publishing(const endpoint *e)
{
    return e->pub && peer_ready(e->pub);
}

bool endpoint_receiving(const endpoint *e)
{
    return e->first_media_us != 0;
}

bool endpoint_failed(const endpoint *e)
{
    return e->failed;
}

void endpoint_floor_give(endpoint *e, const char *site)
{
    if (e->sig && !e->failed) e->env.sig->floor_give(e->sig, site);
}

void endpoint_result_get(const endpoint *e, endpoint_result *r)
{
    memset(r, 0, sizeof *r);
    r->label = e->label;
    r->error = e->failed ? e->error : NULL;
    r->start_us = e->start_us;
    r->open_us = e->open_us;
    r->joined_us = e->joined_us;
    r->first_media_us = e->first_media_us;
    r->first_video_us = e->first_video_us;
    r->packets = e->packets;
    r->bytes = e->bytes;
    r->untagged = e->untagged;
    for (uint32_t i = 0; i < e->n_tracks; i++) {
        r->expected += seq_track_expected(&e->tracks[i].seq);
        r->lost += seq_track_lost(&e->tracks[i].seq);
    }
    r->latency = e->latency;
    r->n_tracks = e->n_tracks;
    r->tracks = e->tracks;
    if (e->send_audio) r->sent_packets += sender_stats(e->send_audio)->packets;
    if (e->send_video) r->sent_packets += sender_stats(e->send_video)->packets;
    if (e->pub) r->srtp_errors += peer_stats(e->pub)->srtp_errors;
    if (e->sub) r->srtp_errors += peer_stats(e->sub)->srtp_errors;
}
