#include "negotiate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sfu/base/util.h"

#define URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define URI_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errcap, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

uint8_t negotiate_pt(codec_id c)
{
    return c == CODEC_OPUS ? 111 : c == CODEC_VP8 ? 96 : c == CODEC_H264 ? 102 : 0;
}

uint8_t negotiate_rtx_pt(codec_id c)
{
    return c == CODEC_VP8 ? 97 : c == CODEC_H264 ? 103 : 0;
}

uint32_t negotiate_clock(codec_id c)
{
    return c == CODEC_OPUS ? 48000 : 90000;
}

static const char *fmtp_for(codec_id c)
{
    if (c == CODEC_OPUS) return "minptime=10;useinbandfec=1";
    if (c == CODEC_H264)
        return "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";
    return "";
}

int negotiate_remote(const sdp_session *sdp, neg_remote *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    const sdp_media *m = NULL;
    for (uint8_t i = 0; i < sdp->n_media; i++) {
        if (sdp->media[i].port != 0) {
            m = &sdp->media[i];
            break;
        }
    }
    if (!m) FAIL("no active m= section");
    const char *alg;
    const uint8_t *fp;
    size_t fp_len;
    if (!sdp_media_fingerprint(sdp, m, &alg, &fp, &fp_len)) FAIL("no a=fingerprint");
    const char *ufrag = sdp_media_ice_ufrag(sdp, m);
    const char *pwd = sdp_media_ice_pwd(sdp, m);
    if (!ufrag[0] || !pwd[0]) FAIL("no a=ice-ufrag / a=ice-pwd");
    sdp_setup setup = sdp_media_setup(sdp, m);
    if (setup == SDP_SETUP_PASSIVE)
        FAIL("a=setup:passive is not supported: the hub is the DTLS server");
    snprintf(out->fp_alg, sizeof out->fp_alg, "%s", alg);
    memcpy(out->fp, fp, fp_len);
    out->fp_len = (uint8_t)fp_len;
    snprintf(out->ufrag, sizeof out->ufrag, "%s", ufrag);
    return 0;
}

/* Fills the hub's transport attributes for one answer or offer. */
static void put_local(sdp_session *s, const neg_local *local, sdp_setup setup)
{
    s->origin_id = local->session_id;
    s->origin_version = local->version;
    s->ice_lite = true;
    snprintf(s->ice_ufrag, sizeof s->ice_ufrag, "%s", local->ufrag);
    snprintf(s->ice_pwd, sizeof s->ice_pwd, "%s", local->pwd);
    snprintf(s->fingerprint_alg, sizeof s->fingerprint_alg, "sha-256");
    /* The text form is what the sfu exposes; SDP carries the bytes. */
    size_t n = 0;
    for (const char *p = local->fingerprint; p[0] && p[1] && n < sizeof s->fingerprint; p += 3) {
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1) break;
        s->fingerprint[n++] = (uint8_t)v;
        if (!p[2]) break;
    }
    s->fingerprint_len = (uint8_t)n;
    s->setup = setup;
    snprintf(s->msid_semantic, sizeof s->msid_semantic, "WMS *");
}

void negotiate_candidate(size_t i, const sfu_candidate *in, sdp_candidate *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->foundation, sizeof c->foundation, "%zu", i + 1);
    c->component = 1;
    snprintf(c->transport, sizeof c->transport, "udp");
    /* Host candidates only (lite); earlier addresses are preferred. */
    c->priority = (126u << 24) | ((uint32_t)(65535 - i) << 8) | 255u;
    snprintf(c->addr, sizeof c->addr, "%s", in->ip);
    c->port = in->port;
    snprintf(c->type, sizeof c->type, "host");
}

static void put_candidates(sdp_media *m, const neg_local *local)
{
    m->n_candidates = 0;
    for (size_t i = 0; i < local->n_cands && i < SDP_MAX_CANDIDATES; i++)
        negotiate_candidate(i, &local->cands[i], &m->candidates[m->n_candidates++]);
    m->end_of_candidates = true;
}

/* True for H.264 that every browser decodes: constrained baseline (profile_idc 0x42 with
 * constraint_set1) or baseline, packetization-mode 1. */
static bool h264_acceptable(const sdp_codec *c)
{
    char pm[8] = "", plid[16] = "";
    sdp_fmtp_get(c, "packetization-mode", pm, sizeof pm);
    sdp_fmtp_get(c, "profile-level-id", plid, sizeof plid);
    unsigned idc, iop;
    if (strcmp(pm, "1") != 0 || strlen(plid) != 6 || sscanf(plid, "%2x%2x", &idc, &iop) != 2)
        return false;
    /* Baseline (42) with constraint_set1 is constrained baseline whatever the other bits say
     * (42e0, 42c0, 4240: RFC 6184 8.1); plain baseline (4200) is decoded the same way. */
    return idc == 0x42 && ((iop & 0x40) || iop == 0x00);
}

static bool h264_constrained(const sdp_codec *c)
{
    char plid[16] = "";
    unsigned idc, iop;
    sdp_fmtp_get(c, "profile-level-id", plid, sizeof plid);
    return sscanf(plid, "%2x%2x", &idc, &iop) == 2 && idc == 0x42 && (iop & 0x40);
}

/* The codec of `m` the hub takes: Opus for audio; for video `prefer` when offered, else the
 * first of VP8 and acceptable H.264 in the offer's order. */
static const sdp_codec *pick_codec(const sdp_media *m, codec_id prefer, codec_id *which)
{
    const sdp_codec *first = NULL, *preferred = NULL;
    codec_id first_id = CODEC_NONE;
    for (uint8_t i = 0; i < m->n_codecs; i++) {
        const sdp_codec *c = &m->codecs[i];
        codec_id id = codec_from_name(c->name);
        if (m->kind == SDP_MEDIA_AUDIO && id == CODEC_OPUS && c->clock == 48000) {
            *which = id;
            return c;
        }
        if (m->kind != SDP_MEDIA_VIDEO) continue;
        if (id == CODEC_H264 && !h264_acceptable(c)) continue;
        if (id != CODEC_VP8 && id != CODEC_H264) continue;
        /* Of several H.264 entries, constrained baseline (42e0..) is what the hub offers its
         * subscribers; take it over plain baseline (4200..) wherever it appears in the list. */
        if (id == prefer && (!preferred || (id == CODEC_H264 && h264_constrained(c) &&
                                            !h264_constrained(preferred))))
            preferred = c;
        if (!first || (id == first_id && id == CODEC_H264 && h264_constrained(c) &&
                       !h264_constrained(first))) {
            if (!first) first_id = id;
            first = c;
        }
    }
    if (preferred) {
        *which = prefer;
        return preferred;
    }
    *which = first_id;
    return first;
}

static void reject(sdp_media *am, const sdp_media *om)
{
    memset(am, 0, sizeof *am);
    am->kind = om->kind;
    snprintf(am->kind_name, sizeof am->kind_name, "%s", om->kind_name);
    snprintf(am->proto, sizeof am->proto, "%s", om->proto);
    snprintf(am->fmt_list, sizeof am->fmt_list, "%s", om->fmt_list);
    snprintf(am->mid, sizeof am->mid, "%s", om->mid);
    /* A rejected RTP section still names one format. */
    if (om->n_codecs) {
        am->n_codecs = 1;
        am->codecs[0] = om->codecs[0];
        am->codecs[0].fb = 0;
        am->codecs[0].fmtp[0] = '\0';
    }
    am->port = 0;
    am->dir = SDP_DIR_INACTIVE;
}

/* Copies the offer's section header into an accepting answer section. */
static void accept_header(sdp_media *am, const sdp_media *om, const neg_local *local)
{
    memset(am, 0, sizeof *am);
    am->kind = om->kind;
    snprintf(am->kind_name, sizeof am->kind_name, "%s", om->kind_name);
    snprintf(am->proto, sizeof am->proto, "%s", om->proto);
    snprintf(am->mid, sizeof am->mid, "%s", om->mid);
    am->port = 9;
    am->rtcp_mux = true;
    am->rtcp_rsize = om->rtcp_rsize;
    put_candidates(am, local);
}

static void add_codec(sdp_media *am, const sdp_codec *c, bool video)
{
    sdp_codec *ac = &am->codecs[am->n_codecs++];
    *ac = *c;
    ac->fb = video ? (SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_REMB) : 0;
}

/* A section offered with port 0 and a=bundle-only rides the BUNDLE transport (RFC 9143 7.3.3);
 * only a port 0 without it means the offerer rejected or stopped it. */
static bool offered_live(const sdp_media *om)
{
    return om->port != 0 || om->bundle_only;
}

static void bundle_accepted(sdp_session *answer)
{
    answer->n_bundle = 0;
    for (uint8_t i = 0; i < answer->n_media; i++) {
        sdp_media *m = &answer->media[i];
        if (m->port == 0) continue;
        /* Both are char[32]: a plain copy (snprintf here trips gcc's overlap check). */
        memcpy(answer->bundle[answer->n_bundle++], m->mid, sizeof answer->bundle[0]);
        /* Transport attributes in every section, as JSEP writes them: some stacks (GStreamer's
         * webrtcbin) read a=setup only there. */
        memcpy(m->ice_ufrag, answer->ice_ufrag, sizeof m->ice_ufrag);
        memcpy(m->ice_pwd, answer->ice_pwd, sizeof m->ice_pwd);
        memcpy(m->fingerprint_alg, answer->fingerprint_alg, sizeof m->fingerprint_alg);
        memcpy(m->fingerprint, answer->fingerprint, sizeof m->fingerprint);
        m->fingerprint_len = answer->fingerprint_len;
        m->setup = answer->setup;
    }
    answer->ice_ufrag[0] = answer->ice_pwd[0] = answer->fingerprint_alg[0] = '\0';
    answer->fingerprint_len = 0;
    answer->setup = SDP_SETUP_NONE;
}

/* Both answers start alike: the offerer must be usable, the hub is passive and lite. */
static int begin_answer(const sdp_session *offer, const neg_local *local, sdp_session *answer,
                        char *err, size_t errcap)
{
    neg_remote remote;
    if (negotiate_remote(offer, &remote, err, errcap) != 0) return -1;
    memset(answer, 0, sizeof *answer);
    put_local(answer, local, SDP_SETUP_PASSIVE);
    return 0;
}

/* Simulcast the hub takes: video, a=simulcast with 2..NEG_MAX_LAYERS send rids and the RID
 * header extension (without it the layers could not be told apart). 0 otherwise, and the section
 * is then read as one stream (its a=ssrc). */
static uint8_t simulcast_layers(const sdp_media *om)
{
    if (om->kind != SDP_MEDIA_VIDEO || !om->simulcast || !sdp_find_extmap(om, URI_RID)) return 0;
    uint8_t n = 0;
    for (uint8_t i = 0; i < om->n_rids; i++)
        if (om->rids[i].send) n++;
    return n >= 2 && n <= NEG_MAX_LAYERS ? n : 0;
}

/* The answer receives every offered layer (a=rid recv, a=simulcast:recv) and the extensions that
 * name them. */
static void accept_layers(sdp_media *am, const sdp_media *om, neg_track *t, uint8_t layers)
{
    t->rid_ext = sdp_find_extmap(om, URI_RID);
    t->rrid_ext = sdp_find_extmap(om, URI_RRID);
    am->extmaps[am->n_extmaps++] = (sdp_extmap){.id = t->rid_ext, .uri = URI_RID};
    if (t->rrid_ext)
        am->extmaps[am->n_extmaps++] = (sdp_extmap){.id = t->rrid_ext, .uri = URI_RRID};
    for (uint8_t i = 0; i < om->n_rids && t->n_layers < layers; i++) {
        if (!om->rids[i].send) continue;
        snprintf(t->rids[t->n_layers++], sizeof t->rids[0], "%.15s", om->rids[i].id);
        am->rids[am->n_rids++] = (sdp_rid){.send = false};
        snprintf(am->rids[am->n_rids - 1].id, sizeof am->rids[0].id, "%s", om->rids[i].id);
    }
    am->simulcast = true;
}

int negotiate_publish(const sdp_session *offer, const neg_local *local, codec_id prefer,
                      sdp_session *answer, neg_track *tracks, size_t *n_tracks, char *err,
                      size_t errcap)
{
    if (begin_answer(offer, local, answer, err, errcap) != 0) return -1;
    *n_tracks = 0;
    for (uint8_t i = 0; i < offer->n_media; i++) {
        const sdp_media *om = &offer->media[i];
        sdp_media *am = &answer->media[answer->n_media++];
        codec_id id = CODEC_NONE;
        const sdp_codec *c = NULL;
        bool sends = om->dir == SDP_DIR_SENDONLY || om->dir == SDP_DIR_SENDRECV;
        uint8_t layers = simulcast_layers(om);
        if (offered_live(om) && sends && (om->n_ssrcs > 0 || layers) &&
            *n_tracks < NEG_MAX_TRACKS && strstr(om->proto, "SAVPF"))
            c = pick_codec(om, prefer, &id);
        if (!c) {
            reject(am, om);
            continue;
        }
        accept_header(am, om, local);
        am->dir = SDP_DIR_RECVONLY;
        bool video = om->kind == SDP_MEDIA_VIDEO;
        add_codec(am, c, video);
        const sdp_codec *rtx = video ? sdp_find_rtx(om, c->pt) : NULL;
        if (rtx) add_codec(am, rtx, false);
        uint8_t level_id = video ? 0 : sdp_find_extmap(om, URI_AUDIO_LEVEL);
        uint8_t mid_id = sdp_find_extmap(om, URI_MID);
        if (level_id)
            am->extmaps[am->n_extmaps++] = (sdp_extmap){.id = level_id, .uri = URI_AUDIO_LEVEL};
        if (mid_id) am->extmaps[am->n_extmaps++] = (sdp_extmap){.id = mid_id, .uri = URI_MID};
        /* Transport-cc when the publisher offers both halves: it numbers every packet and the
         * hub reports their arrivals, on which the browser's own send estimate runs (it ramps in
         * seconds where REMB alone takes tens). REMB stays, as a ceiling. */
        uint8_t twcc_id = (c->fb & SDP_FB_TWCC) ? sdp_find_extmap(om, URI_TWCC) : 0;
        if (twcc_id) {
            am->extmaps[am->n_extmaps++] = (sdp_extmap){.id = twcc_id, .uri = URI_TWCC};
            am->codecs[0].fb |= SDP_FB_TWCC;
        }

        neg_track *t = &tracks[(*n_tracks)++];
        memset(t, 0, sizeof *t);
        snprintf(t->mid, sizeof t->mid, "%s", om->mid);
        t->video = video;
        t->codec = id;
        t->pt = c->pt;
        t->clock = c->clock;
        t->audio_level_ext = level_id;
        t->twcc_ext = twcc_id;
        if (layers) {
            accept_layers(am, om, t, layers);
            t->mid_ext = mid_id;
            continue;
        }
        t->ssrc = om->ssrcs[0].ssrc;
        for (uint8_t g = 0; g < om->n_ssrc_groups; g++) {
            const sdp_ssrc_group *grp = &om->ssrc_groups[g];
            if (strcmp(grp->semantics, "FID") == 0 && grp->n == 2 && grp->ssrcs[0] == t->ssrc)
                t->rtx_ssrc = rtx ? grp->ssrcs[1] : 0;
        }
    }
    if (*n_tracks == 0)
        FAIL("no section the hub can receive (send-only Opus, VP8 or H.264 "
             "packetization-mode 1, with a=ssrc)");
    bundle_accepted(answer);
    return 0;
}

static void put_slot(sdp_media *m, const neg_slot *s, const neg_local *local)
{
    memset(m, 0, sizeof *m);
    m->kind = s->video ? SDP_MEDIA_VIDEO : SDP_MEDIA_AUDIO;
    snprintf(m->kind_name, sizeof m->kind_name, "%s", s->video ? "video" : "audio");
    snprintf(m->proto, sizeof m->proto, "UDP/TLS/RTP/SAVPF");
    snprintf(m->mid, sizeof m->mid, "%s", s->mid);
    m->port = 9;
    m->rtcp_mux = true;
    m->rtcp_rsize = true;
    m->dir = s->active ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
    sdp_codec *c = &m->codecs[m->n_codecs++];
    c->pt = s->pt;
    snprintf(c->name, sizeof c->name, "%s", codec_name(s->codec));
    c->clock = negotiate_clock(s->codec);
    c->channels = s->video ? 0 : 2;
    snprintf(c->fmtp, sizeof c->fmtp, "%s", fmtp_for(s->codec));
    /* goog-remb: the receiver reports its downlink estimate, which picks its simulcast layers. */
    c->fb = s->video ? (SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_REMB) : 0;
    if (s->rtx_pt) {
        sdp_codec *r = &m->codecs[m->n_codecs++];
        r->pt = s->rtx_pt;
        snprintf(r->name, sizeof r->name, "rtx");
        r->clock = 90000;
        snprintf(r->fmtp, sizeof r->fmtp, "apt=%u", s->pt);
    }
    if (s->active) {
        snprintf(m->msid, sizeof m->msid, "%s %s", s->stream, s->track);
        m->ssrcs[m->n_ssrcs++] = (sdp_ssrc){.ssrc = s->ssrc, .cname = "dienhong"};
        if (s->rtx_ssrc) {
            m->ssrcs[m->n_ssrcs++] = (sdp_ssrc){.ssrc = s->rtx_ssrc, .cname = "dienhong"};
            sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups++];
            snprintf(g->semantics, sizeof g->semantics, "FID");
            g->n = 2;
            g->ssrcs[0] = s->ssrc;
            g->ssrcs[1] = s->rtx_ssrc;
        }
    }
    put_candidates(m, local);
}

int negotiate_subscribe_offer(const neg_slot *slots, size_t n, const neg_local *local,
                              sdp_session *offer, char *err, size_t errcap)
{
    if (n > SDP_MAX_MEDIA) FAIL("too many sources (%zu > %d)", n, SDP_MAX_MEDIA);
    memset(offer, 0, sizeof *offer);
    put_local(offer, local, SDP_SETUP_ACTPASS);
    for (size_t i = 0; i < n; i++)
        put_slot(&offer->media[offer->n_media++], &slots[i], local);
    bundle_accepted(offer);
    return 0;
}

int negotiate_watch(const sdp_session *offer, const neg_local *local, codec_id prefer,
                    sdp_session *answer, neg_slot *slots, size_t *n_slots, char *err, size_t errcap)
{
    if (begin_answer(offer, local, answer, err, errcap) != 0) return -1;
    *n_slots = 0;
    for (uint8_t i = 0; i < offer->n_media; i++) {
        const sdp_media *om = &offer->media[i];
        sdp_media *am = &answer->media[answer->n_media++];
        codec_id id = CODEC_NONE;
        const sdp_codec *c = NULL;
        bool receives = om->dir == SDP_DIR_RECVONLY || om->dir == SDP_DIR_SENDRECV;
        if (offered_live(om) && receives && *n_slots < NEG_MAX_TRACKS && strstr(om->proto, "SAVPF"))
            c = pick_codec(om, prefer, &id);
        if (!c) {
            reject(am, om);
            continue;
        }
        bool video = om->kind == SDP_MEDIA_VIDEO;
        neg_slot *s = &slots[(*n_slots)++];
        memset(s, 0, sizeof *s);
        snprintf(s->mid, sizeof s->mid, "%s", om->mid);
        s->video = video;
        s->active = true;
        s->codec = id;
        s->pt = c->pt;
        const sdp_codec *rtx = video ? sdp_find_rtx(om, c->pt) : NULL;
        s->rtx_pt = rtx ? rtx->pt : 0;
        s->ssrc = util_random_u32() | 1;
        s->rtx_ssrc = rtx ? (util_random_u32() | 1) : 0;
        snprintf(s->stream, sizeof s->stream, "program");
        snprintf(s->track, sizeof s->track, "%s", video ? "program-video" : "program-audio");
        put_slot(am, s, local);
        /* Answer with the offer's own payload type numbers and formats. */
        am->codecs[0] = *c;
        am->codecs[0].fb = video ? (SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR) : 0;
        if (rtx) am->codecs[1] = *rtx;
        am->rtcp_rsize = om->rtcp_rsize;
    }
    if (*n_slots == 0) FAIL("no receive-only audio or video section with Opus, VP8 or H.264");
    bundle_accepted(answer);
    return 0;
}
