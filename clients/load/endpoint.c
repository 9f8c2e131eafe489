#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdrext.h"
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
    endpoint_role role;
    uint16_t number;
    const media_file *audio, *video[ENDPOINT_MAX_LAYERS];
    unsigned n_video;
    unsigned wall_page;
    bool record, floor;
    rec_state recording;
    char recording_info[300];
    sig_session *sig;
    peer *pub, *sub;
    offer_remote sub_remote; /* the hub's side of the receiving transport, from its first offer */
    bool sub_remote_known;
    sender *send_audio, *send_video[ENDPOINT_MAX_LAYERS];
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
    bool tracks_full;
    latency_hist *latency;
    uint64_t packets, bytes, untagged;
    uint64_t start_us, open_us, joined_us, first_media_us, first_video_us;
    char error[300];
    bool failed;
};

const char *endpoint_role_name(endpoint_role r)
{
    static const char *const names[] = {"chair", "operator", "site"};
    return r < EP_ROLES ? names[r] : "?";
}

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
    if (e->n_tracks == ENDPOINT_MAX_TRACKS) {
        if (!e->tracks_full)
            LOGW(TAG, "%s: more than %d streams: the rest is not counted", e->label,
                 ENDPOINT_MAX_TRACKS);
        e->tracks_full = true;
        return NULL;
    }
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
    latency_tag tag;
    if (latency_tag_read(pkt + v.header_len, v.payload_len, &tag)) {
        uint64_t age = latency_tag_age_us(&tag, now);
        if (age < LATENCY_TAG_TIME_MASK / 2) latency_add(e->latency, age);
        t->origin = tag.origin;
        t->layer = tag.layer;
    } else {
        e->untagged++;
    }
    if (t->origin && t->layer < ENDPOINT_MAX_LAYERS) {
        t->layer_packets[t->layer]++;
        t->layer_bytes[t->layer] += len;
    }
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
    for (unsigned i = 0; i < e->n_video; i++)
        if (e->send_video[i]) sender_start(e->send_video[i]);
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
        /* Each simulcast layer has its own SSRC, and the hub asks the layer it needs. */
        for (unsigned i = 0; i < e->n_video; i++)
            if (e->send_video[i] && sender_ssrc(e->send_video[i]) == media)
                sender_keyframe(e->send_video[i]);
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
        /* One report per RTCP_MAX_BLOCKS streams: an operator's wall needs several. */
        for (uint32_t first = 0; first < e->n_tracks; first += RTCP_MAX_BLOCKS) {
            rtcp_rr rr = {.ssrc = e->rtcp_ssrc};
            for (uint32_t i = first; i < e->n_tracks && rr.n_blocks < RTCP_MAX_BLOCKS; i++)
                seq_track_report(&e->tracks[i].seq, now, &rr.blocks[rr.n_blocks++]);
            size_t n = rtcp_write_rr(buf, 1400, &rr);
            if (n) peer_send_rtcp(e->sub, buf, n);
        }
    }
    if (e->pub && peer_ready(e->pub)) {
        size_t n = 0;
        if (e->send_audio) n += sender_report(e->send_audio, buf + n, 1400 - n);
        for (unsigned i = 0; i < e->n_video; i++)
            if (e->send_video[i]) n += sender_report(e->send_video[i], buf + n, 1400 - n);
        if (n) peer_send_rtcp(e->pub, buf, n);
    }
}

/* ---- signaling ---------------------------------------------------------------------------- */

static void sig_opened(void *user)
{
    endpoint *e = user;
    e->open_us = util_now_us();
}

/* One sender per video layer, each with an SSRC of its own; simulcast layers carry the MID and
 * their RID in every packet. 0, or -1 when one cannot be made. */
static int make_video_senders(endpoint *e, offer_media *om)
{
    bool simulcast = e->n_video >= 2;
    for (unsigned i = 0; i < e->n_video; i++) {
        uint32_t ssrc;
        bool taken;
        do { /* distinct from the audio's and the other layers' */
            ssrc = util_random_u32() | 1;
            taken = ssrc == om->audio_ssrc;
            for (unsigned k = 0; k < i; k++)
                taken = taken || ssrc == sender_ssrc(e->send_video[k]);
        } while (taken);
        uint8_t ext[HDREXT_MAX];
        size_t ext_len = 0;
        if (simulcast) {
            const char *rid = offer_rid(e->n_video, i);
            hdrext_elem el[] = {{OFFER_EXT_MID, OFFER_MID_VIDEO, strlen(OFFER_MID_VIDEO)},
                                {OFFER_EXT_RID, rid, strlen(rid)}};
            ext_len = hdrext_write(ext, sizeof ext, el, DH_ARRAY_LEN(el));
            if (!ext_len) return -1;
        }
        sender_cfg c = {.m = e->video[i],
                        .p = e->pub,
                        .pt = OFFER_PT_VP8,
                        .ssrc = ssrc,
                        .origin = e->number,
                        .layer = (uint8_t)i,
                        .ext = ext_len ? ext : NULL,
                        .ext_len = ext_len};
        e->send_video[i] = sender_new(e->env.loop, &c);
        if (!e->send_video[i]) return -1;
    }
    om->n_layers = simulcast ? e->n_video : 0;
    om->video_ssrc = e->n_video == 1 ? sender_ssrc(e->send_video[0]) : 0;
    return 0;
}

static void sig_joined(void *user)
{
    endpoint *e = user;
    e->joined_us = util_now_us();
    if (e->wall_page) e->env.sig->wall(e->sig, e->wall_page - 1);
    if (e->record) {
        if (e->env.sig->record) {
            e->recording = REC_ASKED;
            e->env.sig->record(e->sig);
        } else {
            e->recording = REC_UNSUPPORTED;
            snprintf(e->recording_info, sizeof e->recording_info,
                     "not asked: the %s backend has no recording request", e->env.sig->name);
        }
    }
    if (!e->audio && !e->n_video) return;
    char err[200];
    e->pub = peer_new(&e->env.peer, &pub_events, e, err, sizeof err);
    if (!e->pub) {
        fail(e, err);
        return;
    }
    offer_media om = {.audio_ssrc = e->audio ? (util_random_u32() | 1) : 0};
    if (e->audio) {
        sender_cfg c = {.m = e->audio,
                        .p = e->pub,
                        .pt = OFFER_PT_OPUS,
                        .ssrc = om.audio_ssrc,
                        .origin = e->number};
        e->send_audio = sender_new(e->env.loop, &c);
    }
    if ((e->audio && !e->send_audio) || make_video_senders(e, &om) != 0) {
        fail(e, "cannot make the senders");
        return;
    }
    offer_local l;
    peer_local(e->pub, &l);
    l.session_id = util_random_u32();
    char *sdp = malloc(SDP_TEXT_MAX);
    if (!sdp || offer_publish(sdp, SDP_TEXT_MAX, &l, &om) < 0) {
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

static void sig_recording(void *user, const char *id, const char *refused)
{
    endpoint *e = user;
    e->recording = id ? REC_CONFIRMED : REC_REFUSED;
    snprintf(e->recording_info, sizeof e->recording_info, "%s", id ? id : refused);
    if (!id) LOGW(TAG, "%s: the hub refused to record: %s", e->label, refused);
}

static const sig_events signal_events = {
    .opened = sig_opened,
    .joined = sig_joined,
    .published = sig_published,
    .offer = sig_offer,
    .answered = sig_answered,
    .failed = sig_failed,
    .recording = sig_recording,
};

/* ---- lifetime ----------------------------------------------------------------------------- */

endpoint *endpoint_new(const endpoint_env *env, const endpoint_cfg *cfg)
{
    endpoint *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->env = *env;
    snprintf(e->label, sizeof e->label, "%s", cfg->label);
    e->token = strdup(cfg->token);
    e->name = strdup(cfg->name);
    e->role = cfg->role;
    e->number = cfg->number;
    e->audio = cfg->audio;
    e->n_video = cfg->n_video < ENDPOINT_MAX_LAYERS ? cfg->n_video : ENDPOINT_MAX_LAYERS;
    for (unsigned i = 0; i < e->n_video; i++)
        e->video[i] = cfg->video[i];
    e->wall_page = cfg->wall_page;
    e->record = cfg->record;
    e->floor = cfg->floor;
    e->rtcp_ssrc = util_random_u32() | 1;
    ev_timer_init(&e->report, on_report, REPORT_EVERY_S * (util_random_u32() % 1000) / 1000.0,
                  REPORT_EVERY_S);
    e->report.data = e;
    return e;
}

void endpoint_start(endpoint *e)
{
    static const sig_role roles[EP_ROLES] = {
        [EP_CHAIR] = SIG_ROLE_CHAIR, [EP_OPERATOR] = SIG_ROLE_OPERATOR, [EP_SITE] = SIG_ROLE_SITE};
    e->start_us = util_now_us();
    sig_join j = {.url = e->env.url,
                  .token = e->token,
                  .name = e->name,
                  .meeting = e->env.meeting,
                  .loop = e->env.loop,
                  .thumbnails = e->wall_page != 0,
                  .label = e->label,
                  .role = roles[e->role],
                  .plan = e->env.plan};
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
    for (unsigned i = 0; i < e->n_video; i++)
        sender_free(e->send_video[i]);
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
        endpoint_track *t = &e->tracks[i];
        seq_track_restart(&t->seq);
        t->bytes = 0;
        memset(t->layer_packets, 0, sizeof t->layer_packets);
        memset(t->layer_bytes, 0, sizeof t->layer_bytes);
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
    r->role = e->role;
    r->number = e->number;
    r->n_video = e->n_video;
    r->floor = e->floor;
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
    for (unsigned i = 0; i < e->n_video; i++)
        if (e->send_video[i]) r->sent_packets += sender_stats(e->send_video[i])->packets;
    r->recording = e->recording;
    r->recording_info = e->recording_info[0] ? e->recording_info : NULL;
    if (e->pub) r->srtp_errors += peer_stats(e->pub)->srtp_errors;
    if (e->sub) r->srtp_errors += peer_stats(e->sub)->srtp_errors;
}
