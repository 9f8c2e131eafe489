/* Offer/answer on real Chrome 156 descriptions (tests/unit/data/sdp): the publish answer (passive,
 * ice-lite, our candidates, recvonly, Opus and VP8 or constrained-baseline H.264, RTX with its
 * apt, the offer's SSRCs), offers the hub cannot serve (each refused with a reason), the
 * subscribe offer (sendonly/inactive sections with our SSRCs and FID groups, parsed back), and the
 * WHEP watch answer. Every description the hub writes must parse back to what it meant. */
#include "signaling/negotiate.h"
#include "tests/unit/check.h"
#include "tests/unit/sfu/sdp_compare.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define HUB_FP                                                                                     \
    "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:"   \
    "E8:"                                                                                          \
    "F9"

static const sfu_candidate cands[] = {{"192.0.2.10", 40001}, {"2001:db8::10", 40001}};
static const neg_local local = {.ufrag = "hubU",
                                .pwd = "hubpasswordhubpassword",
                                .fingerprint = HUB_FP,
                                .cands = cands,
                                .n_cands = 2,
                                .session_id = 4242,
                                .version = 3};

static char *load(const char *name, size_t *len)
{
    const char *dir = getenv("DH_TEST_DATA");
    char path[512];
    snprintf(path, sizeof path, "%s/sdp/%s", dir ? dir : "tests/unit/data", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    static char buf[32768];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *copy = malloc(n + 1);
    memcpy(copy, buf, n + 1);
    *len = n;
    return copy;
}

/* Replaces every occurrence of `from` with `to` (to may be ""), in place on a malloc'd text. */
static char *edit(char *text, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    char *out = malloc(strlen(text) * 2 + 1), *o = out;
    for (const char *p = text; *p;) {
        if (strncmp(p, from, fl) == 0) {
            memcpy(o, to, tl);
            o += tl;
            p += fl;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    free(text);
    return out;
}

/* Removes every line that starts with `prefix`. */
static char *drop_lines(char *text, const char *prefix)
{
    size_t pl = strlen(prefix);
    char *out = malloc(strlen(text) + 1), *o = out;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (strncmp(p, prefix, pl) != 0) {
            memcpy(o, p, n);
            o += n;
        }
        p += n;
    }
    *o = '\0';
    free(text);
    return out;
}

static sdp_session *parse(const char *text)
{
    sdp_session *s = sdp_session_new();
    char err[200];
    if (sdp_parse(text, strlen(text), s, err, sizeof err) != 0) {
        fprintf(stderr, "parse: %s\n", err);
        CHECK(false);
    }
    return s;
}

/* Writes `s`, parses the text back, and compares field by field. */
static void check_round_trip(const char *what, const sdp_session *s)
{
    static char text[65536];
    int n = sdp_write(s, text, sizeof text);
    CHECK(n > 0);
    if (n <= 0) return;
    sdp_session *back = sdp_session_new();
    char err[200] = "";
    int rc = sdp_parse(text, (size_t)n, back, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s: written description does not parse: %s\n", what, err);
    CHECK_EQ(rc, 0);
    char where[128] = "";
    /* Rejected sections are written in their short form; compare what was accepted. */
    bool same = back->n_media == s->n_media;
    for (unsigned i = 0; same && i < s->n_media; i++) {
        if (s->media[i].port == 0) {
            same = back->media[i].port == 0 && strcmp(back->media[i].mid, s->media[i].mid) == 0;
            snprintf(where, sizeof where, "rejected media[%u]", i);
            continue;
        }
        char pre[32];
        snprintf(pre, sizeof pre, "media[%u].", i);
        same = sdp_same_media(&s->media[i], &back->media[i], pre, where, sizeof where);
    }
    if (same) {
        sdp_session a = *s, b = *back;
        a.n_media = b.n_media = 0;
        same = sdp_same_session(&a, &b, where, sizeof where);
    }
    if (!same) fprintf(stderr, "%s: round trip differs at %s\n", what, where);
    CHECK(same);
    free(back);
}

static const sdp_codec *codec(const sdp_media *m, const char *name)
{
    for (unsigned i = 0; i < m->n_codecs; i++)
        if (strcmp(m->codecs[i].name, name) == 0) return &m->codecs[i];
    return NULL;
}

/* What every description of the hub carries about itself, in every live section (some stacks read
 * the transport attributes only there). */
static void check_local(const sdp_session *s, sdp_setup setup)
{
    CHECK(s->ice_lite);
    CHECK_EQ(s->origin_id, 4242);
    CHECK_EQ(s->origin_version, 3);
    for (unsigned i = 0; i < s->n_media; i++) {
        const sdp_media *m = &s->media[i];
        if (m->port == 0) continue;
        CHECK_STR(m->ice_ufrag, "hubU");
        CHECK_STR(m->ice_pwd, "hubpasswordhubpassword");
        CHECK_STR(m->fingerprint_alg, "sha-256");
        CHECK_EQ(m->fingerprint_len, 32);
        CHECK_EQ(m->fingerprint[0], 0x0A);
        CHECK_EQ(m->fingerprint[31], 0xF9);
        CHECK_EQ(m->setup, setup);
        CHECK(m->rtcp_mux);
        CHECK_EQ(m->n_candidates, 2);
        CHECK(m->end_of_candidates);
        CHECK_STR(m->candidates[0].addr, "192.0.2.10");
        CHECK_STR(m->candidates[1].addr, "2001:db8::10");
        CHECK_EQ(m->candidates[0].port, 40001);
        CHECK_STR(m->candidates[0].type, "host");
        CHECK_STR(m->candidates[0].transport, "udp");
        CHECK(m->candidates[0].priority > m->candidates[1].priority);
    }
}

/* ---- publish -------------------------------------------------------------------------------- */

static void test_publish_sendonly(void)
{
    printf("publish: chrome156_sendonly, VP8\n");
    size_t len;
    char *text = load("chrome156_sendonly.sdp", &len);
    sdp_session *offer = parse(text), *answer = sdp_session_new();
    neg_track tracks[NEG_MAX_TRACKS];
    size_t n = 99;
    char err[200] = "";
    CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err), 0);
    CHECK_EQ(n, 2);
    check_local(answer, SDP_SETUP_PASSIVE);
    CHECK_EQ(answer->n_media, 2);
    CHECK_EQ(answer->n_bundle, 2);
    CHECK_STR(answer->bundle[0], "0");
    CHECK_STR(answer->bundle[1], "1");

    const sdp_media *a = &answer->media[0];
    CHECK_EQ(a->kind, SDP_MEDIA_AUDIO);
    CHECK_STR(a->mid, "0");
    CHECK_EQ(a->port, 9);
    CHECK_EQ(a->dir, SDP_DIR_RECVONLY);
    CHECK_STR(a->proto, "UDP/TLS/RTP/SAVPF");
    CHECK_EQ(a->n_codecs, 1);
    CHECK_STR(a->codecs[0].name, "opus");
    CHECK_EQ(a->codecs[0].pt, 111);
    CHECK_EQ(a->codecs[0].clock, 48000);
    CHECK_EQ(a->codecs[0].channels, 2);
    CHECK_EQ(sdp_find_extmap(a, URI_LEVEL), 1);
    CHECK_EQ(sdp_find_extmap(a, URI_MID), 4);
    CHECK_EQ(a->n_ssrcs, 0); /* the answerer that only receives announces no SSRC */

    const sdp_media *v = &answer->media[1];
    CHECK_EQ(v->kind, SDP_MEDIA_VIDEO);
    CHECK_STR(v->mid, "1");
    CHECK_EQ(v->dir, SDP_DIR_RECVONLY);
    CHECK_EQ(v->n_codecs, 2);
    CHECK_STR(v->codecs[0].name, "VP8");
    CHECK_EQ(v->codecs[0].pt, 96);
    CHECK(v->codecs[0].fb & SDP_FB_NACK);
    CHECK(v->codecs[0].fb & SDP_FB_PLI);
    CHECK(v->codecs[0].fb & SDP_FB_FIR);
    const sdp_codec *rtx = sdp_find_rtx(v, 96);
    CHECK(rtx != NULL);
    if (rtx) CHECK_EQ(rtx->pt, 97);
    CHECK_EQ(sdp_find_extmap(v, URI_LEVEL), 0);
    CHECK_EQ(sdp_find_extmap(v, URI_MID), 4);

    CHECK_STR(tracks[0].mid, "0");
    CHECK(!tracks[0].video);
    CHECK_EQ(tracks[0].codec, CODEC_OPUS);
    CHECK_EQ(tracks[0].pt, 111);
    CHECK_EQ(tracks[0].clock, 48000);
    CHECK_EQ(tracks[0].ssrc, 3390946354u);
    CHECK_EQ(tracks[0].rtx_ssrc, 0);
    CHECK_EQ(tracks[0].audio_level_ext, 1);
    CHECK_STR(tracks[1].mid, "1");
    CHECK(tracks[1].video);
    CHECK_EQ(tracks[1].codec, CODEC_VP8);
    CHECK_EQ(tracks[1].pt, 96);
    CHECK_EQ(tracks[1].clock, 90000);
    CHECK_EQ(tracks[1].ssrc, 1573815791u);
    CHECK_EQ(tracks[1].rtx_ssrc, 3976000707u);
    CHECK_EQ(tracks[1].audio_level_ext, 0);

    check_round_trip("publish answer", answer);

    /* The peer's transport, as negotiate_remote reads it. */
    neg_remote r;
    CHECK_EQ(negotiate_remote(offer, &r, err, sizeof err), 0);
    CHECK_STR(r.fp_alg, "sha-256");
    CHECK_EQ(r.fp_len, 32);
    CHECK_EQ(r.fp[0], 0x49);
    CHECK_EQ(r.fp[31], 0x07);
    CHECK_STR(r.ufrag, "yiDz");
    free(offer);
    free(answer);
    free(text);
}

/* The video codec the answer takes, by offer and preference: VP8 unless H.264 is preferred and
 * offered, and then H.264 with packetization-mode 1 in constrained baseline (42e01f), the profile
 * the hub itself offers to subscribers, never mode 0 or Main. */
static void test_publish_codec_choice(void)
{
    static const struct {
        const char *file;
        codec_id prefer;
        codec_id want;
        uint8_t pt, rtx_pt;
        const char *plid;
    } table[] = {
        {"chrome156_sendonly.sdp", CODEC_NONE, CODEC_VP8, 96, 97, ""},
        {"chrome156_sendonly.sdp", CODEC_VP8, CODEC_VP8, 96, 97, ""},
        {"chrome156_sendonly.sdp", CODEC_H264, CODEC_H264, 108, 109, "42e01f"},
        {"chrome156_h264.sdp", CODEC_VP8, CODEC_VP8, 96, 97, ""},
        {"chrome156_h264.sdp", CODEC_H264, CODEC_H264, 108, 109, "42e01f"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        printf("publish codec: %s, prefer %s\n", table[i].file, codec_name(table[i].prefer));
        size_t len;
        char *text = load(table[i].file, &len);
        sdp_session *offer = parse(text), *answer = sdp_session_new();
        neg_track tracks[NEG_MAX_TRACKS];
        size_t n = 0;
        char err[200] = "";
        CHECK_EQ(
            negotiate_publish(offer, &local, table[i].prefer, answer, tracks, &n, err, sizeof err),
            0);
        CHECK_EQ(n, 2);
        const sdp_media *v = &answer->media[1];
        CHECK_EQ(codec_from_name(v->codecs[0].name), table[i].want);
        CHECK_EQ(v->codecs[0].pt, table[i].pt);
        CHECK_EQ(tracks[1].codec, table[i].want);
        CHECK_EQ(tracks[1].pt, table[i].pt);
        const sdp_codec *rtx = sdp_find_rtx(v, v->codecs[0].pt);
        CHECK(rtx && rtx->pt == table[i].rtx_pt);
        if (table[i].want == CODEC_H264) {
            char pm[8] = "", plid[16] = "";
            sdp_fmtp_get(&v->codecs[0], "packetization-mode", pm, sizeof pm);
            sdp_fmtp_get(&v->codecs[0], "profile-level-id", plid, sizeof plid);
            if (strcmp(plid, table[i].plid) != 0)
                fprintf(stderr, "H.264 answered with profile-level-id=%s (pt %u), expected %s\n",
                        plid, v->codecs[0].pt, table[i].plid);
            CHECK_STR(pm, "1");
            CHECK_STR(plid, table[i].plid);
        }
        CHECK(tracks[1].rtx_ssrc != 0);
        check_round_trip(table[i].file, answer);
        free(offer);
        free(answer);
        free(text);
    }
}

/* Chrome's simulcast (three rids, no a=ssrc): taken as one track of three layers, lowest first,
 * whose SSRCs the media plane learns from the RID extension; the answer receives all three. */
static void test_publish_simulcast(void)
{
    size_t len;
    char *text = load("chrome156_simulcast.sdp", &len);
    sdp_session *offer = parse(text), *answer = sdp_session_new();
    neg_track tracks[NEG_MAX_TRACKS];
    size_t n = 0;
    char err[200] = "";
    CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err), 0);
    CHECK_EQ(n, 2);
    const neg_track *v = &tracks[1];
    CHECK(v->video);
    CHECK_EQ(v->n_layers, 3);
    CHECK_STR(v->rids[0], "q");
    CHECK_STR(v->rids[1], "h");
    CHECK_STR(v->rids[2], "f");
    CHECK_EQ(v->ssrc, 0);
    CHECK_EQ(v->rid_ext, 10);
    CHECK_EQ(v->rrid_ext, 11);
    CHECK_EQ(v->mid_ext, 4);
    CHECK_EQ(tracks[0].n_layers, 0);
    const sdp_media *am = &answer->media[1];
    CHECK_EQ(am->port, 9);
    CHECK(am->simulcast);
    CHECK_EQ(am->n_rids, 3);
    CHECK(!am->rids[0].send && !am->rids[2].send);
    CHECK_EQ(sdp_find_extmap(am, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"), 10);
    CHECK_EQ(answer->n_bundle, 2);
    char out[16384];
    CHECK(sdp_write(answer, out, sizeof out) > 0);
    CHECK(strstr(out, "a=simulcast:recv q;h;f\r\n") != NULL);
    CHECK(strstr(out, "a=rid:h recv\r\n") != NULL);
    check_round_trip("chrome156_simulcast.sdp", answer);

    /* Without the RID extension the layers cannot be told apart: not taken. */
    sdp_media *ov = &offer->media[1];
    for (uint8_t i = 0; i < ov->n_extmaps; i++)
        if (strstr(ov->extmaps[i].uri, "sdes:rtp-stream-id") &&
            !strstr(ov->extmaps[i].uri, "repaired"))
            ov->extmaps[i].uri[0] = 'x';
    CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(answer->media[1].port, 0);
    free(offer);
    free(answer);
    free(text);
}

/* Offers with sections the hub does not take: they stay in the answer, rejected, in order. */
static void test_publish_partial(void)
{
    static const struct {
        const char *file;
        size_t tracks;
        uint16_t video_port; /* the answer's second section */
        const char *kind_name;
        size_t bundle;
    } table[] = {
        /* sendrecv audio is taken; the data channel is not */
        {"chrome156_datachannel.sdp", 1, 0, "application", 1},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        printf("publish partial: %s\n", table[i].file);
        size_t len;
        char *text = load(table[i].file, &len);
        sdp_session *offer = parse(text), *answer = sdp_session_new();
        neg_track tracks[NEG_MAX_TRACKS];
        size_t n = 0;
        char err[200] = "";
        CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err),
                 0);
        CHECK_EQ(n, table[i].tracks);
        CHECK_EQ(answer->n_media, offer->n_media);
        CHECK_EQ(answer->media[0].port, 9);
        CHECK_EQ(answer->media[1].port, table[i].video_port);
        CHECK_STR(answer->media[1].kind_name, table[i].kind_name);
        CHECK_STR(answer->media[1].mid, offer->media[1].mid);
        CHECK_EQ(answer->n_bundle, table[i].bundle);
        CHECK_EQ(tracks[0].codec, CODEC_OPUS);
        check_round_trip(table[i].file, answer);
        free(offer);
        free(answer);
        free(text);
    }
}

/* Offers the hub cannot answer at all, built from the real one: each refused with a reason. */
static void test_publish_refused(void)
{
    enum { EDIT, DROP };
    static const struct {
        const char *name;
        int how;
        const char *edits[6]; /* EDIT: pairs to replace; DROP: the prefix of lines to drop */
        const char *reason;   /* a part of the error text */
    } table[] = {
        {"no fingerprint", DROP, {"a=fingerprint:"}, "fingerprint"},
        {"no ice-ufrag", DROP, {"a=ice-ufrag:"}, "ice-ufrag"},
        {"no ice-pwd", DROP, {"a=ice-pwd:"}, "ice-pwd"},
        {"setup:passive", EDIT, {"a=setup:actpass", "a=setup:passive"}, "passive"},
        {"only recvonly sections", EDIT, {"a=sendonly", "a=recvonly"}, "no section"},
        {"only inactive sections", EDIT, {"a=sendonly", "a=inactive"}, "no section"},
        {"no a=ssrc", DROP, {"a=ssrc"}, "no section"},
        {"plain RTP/AVP", EDIT, {"UDP/TLS/RTP/SAVPF", "RTP/AVP"}, "no section"},
        {"every section stopped", EDIT, {" 9 UDP/TLS", " 0 UDP/TLS"}, "no active"},
        {"no codec the hub takes",
         EDIT,
         {"opus/48000", "speex/48000", "VP8/90000", "VP7/90000", "H264/90000", "H265/90000"},
         "no section"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t len;
        char *text = load("chrome156_sendonly.sdp", &len);
        if (table[i].how == DROP)
            text = drop_lines(text, table[i].edits[0]);
        else
            for (size_t e = 0; e < 6 && table[i].edits[e]; e += 2)
                text = edit(text, table[i].edits[e], table[i].edits[e + 1]);
        sdp_session *offer = parse(text), *answer = sdp_session_new();
        neg_track tracks[NEG_MAX_TRACKS];
        size_t n = 0;
        char err[200] = "";
        int rc = negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err);
        if (rc == 0 || !strstr(err, table[i].reason))
            fprintf(stderr, "refused offer '%s': rc %d, \"%s\"\n", table[i].name, rc, err);
        CHECK_EQ(rc, -1);
        CHECK(strstr(err, table[i].reason) != NULL);
        free(offer);
        free(answer);
        free(text);
    }

    /* setup:active is fine (the hub is then the DTLS server anyway). */
    size_t len;
    char *text = edit(load("chrome156_sendonly.sdp", &len), "a=setup:actpass", "a=setup:active");
    sdp_session *offer = parse(text), *answer = sdp_session_new();
    neg_track tracks[NEG_MAX_TRACKS];
    size_t n = 0;
    char err[200] = "";
    CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err), 0);
    CHECK_EQ(sdp_media_setup(answer, &answer->media[0]), SDP_SETUP_PASSIVE);
    free(offer);
    free(answer);
    free(text);
}

/* ---- subscribe ------------------------------------------------------------------------------ */

static void test_subscribe_offer(void)
{
    printf("subscribe offer\n");
    const neg_slot slots[] = {
        {.mid = "0",
         .video = false,
         .active = true,
         .codec = CODEC_OPUS,
         .pt = 111,
         .ssrc = 0x01020304,
         .stream = "site-ba-dinh",
         .track = "mic"},
        {.mid = "1",
         .video = true,
         .active = true,
         .codec = CODEC_VP8,
         .pt = 96,
         .rtx_pt = 97,
         .ssrc = 0x0A0B0C0D,
         .rtx_ssrc = 0x0E0F1011,
         .stream = "site-ba-dinh",
         .track = "cam"},
        {.mid = "2", .video = true, .active = false, .codec = CODEC_H264, .pt = 102, .rtx_pt = 103},
        {.mid = "3",
         .video = true,
         .active = true,
         .codec = CODEC_H264,
         .pt = 102,
         .rtx_pt = 103,
         .ssrc = 77,
         .rtx_ssrc = 78,
         .stream = "site-hoan-kiem",
         .track = "cam"},
    };
    sdp_session *offer = sdp_session_new();
    char err[200] = "";
    CHECK_EQ(negotiate_subscribe_offer(slots, 4, &local, offer, err, sizeof err), 0);
    check_local(offer, SDP_SETUP_ACTPASS);
    CHECK_EQ(offer->n_media, 4);
    check_round_trip("subscribe offer", offer);

    /* What a browser reads from the text. */
    static char text[65536];
    int n = sdp_write(offer, text, sizeof text);
    CHECK(n > 0);
    sdp_session *s = parse(text);
    CHECK_EQ(s->n_media, 4);
    CHECK_EQ(s->n_bundle, 4);
    const sdp_media *a = &s->media[0], *v = &s->media[1], *idle = &s->media[2], *h = &s->media[3];
    CHECK_EQ(a->dir, SDP_DIR_SENDONLY);
    CHECK_EQ(a->n_ssrcs, 1);
    CHECK_EQ(a->ssrcs[0].ssrc, 0x01020304);
    CHECK_STR(a->msid, "site-ba-dinh mic");
    CHECK(codec(a, "opus") && codec(a, "opus")->pt == 111 && codec(a, "opus")->clock == 48000);
    CHECK_EQ(v->dir, SDP_DIR_SENDONLY);
    CHECK_EQ(v->n_ssrcs, 2);
    CHECK_EQ(v->ssrcs[0].ssrc, 0x0A0B0C0D);
    CHECK_EQ(v->ssrcs[1].ssrc, 0x0E0F1011);
    CHECK_EQ(v->n_ssrc_groups, 1);
    CHECK_STR(v->ssrc_groups[0].semantics, "FID");
    CHECK_EQ(v->ssrc_groups[0].n, 2);
    CHECK_EQ(v->ssrc_groups[0].ssrcs[0], 0x0A0B0C0D);
    CHECK_EQ(v->ssrc_groups[0].ssrcs[1], 0x0E0F1011);
    CHECK(codec(v, "VP8") && codec(v, "VP8")->pt == 96);
    CHECK(codec(v, "VP8") &&
          (codec(v, "VP8")->fb & (SDP_FB_NACK | SDP_FB_PLI)) == (SDP_FB_NACK | SDP_FB_PLI));
    CHECK(sdp_find_rtx(v, 96) && sdp_find_rtx(v, 96)->pt == 97);
    CHECK_STR(v->msid, "site-ba-dinh cam");
    CHECK_EQ(idle->dir, SDP_DIR_INACTIVE);
    CHECK_EQ(idle->n_ssrcs, 0);
    CHECK_EQ(idle->n_ssrc_groups, 0);
    CHECK_EQ(idle->port, 9); /* kept open for reuse, not rejected */
    CHECK_EQ(h->dir, SDP_DIR_SENDONLY);
    const sdp_codec *h264 = codec(h, "H264");
    CHECK(h264 != NULL);
    if (h264) {
        char pm[8] = "", plid[16] = "";
        sdp_fmtp_get(h264, "packetization-mode", pm, sizeof pm);
        sdp_fmtp_get(h264, "profile-level-id", plid, sizeof plid);
        CHECK_STR(pm, "1");
        CHECK_STR(plid, "42e01f");
    }
    CHECK(sdp_find_rtx(h, 102) && sdp_find_rtx(h, 102)->pt == 103);
    CHECK_EQ(h->ssrc_groups[0].ssrcs[1], 78);

    /* A browser answering it: our description is a valid remote for it, and for us its answer
     * would be read by negotiate_remote. */
    neg_remote r;
    CHECK_EQ(negotiate_remote(s, &r, err, sizeof err), 0);
    CHECK_STR(r.ufrag, "hubU");

    /* No sections: a valid (empty) offer; too many: refused. */
    CHECK_EQ(negotiate_subscribe_offer(slots, 0, &local, offer, err, sizeof err), 0);
    CHECK_EQ(offer->n_media, 0);
    static neg_slot many[SDP_MAX_MEDIA + 1];
    for (size_t i = 0; i < SDP_MAX_MEDIA + 1; i++) {
        many[i] = slots[1];
        snprintf(many[i].mid, sizeof many[i].mid, "%zu", i);
    }
    CHECK_EQ(negotiate_subscribe_offer(many, SDP_MAX_MEDIA, &local, offer, err, sizeof err), 0);
    CHECK_EQ(offer->n_media, SDP_MAX_MEDIA);
    err[0] = '\0';
    CHECK_EQ(negotiate_subscribe_offer(many, SDP_MAX_MEDIA + 1, &local, offer, err, sizeof err),
             -1);
    CHECK(err[0] != '\0');
    free(s);
    free(offer);
}

/* ---- watch (WHEP) --------------------------------------------------------------------------- */

static void test_watch(void)
{
    static const struct {
        codec_id prefer;
        codec_id want;
        uint8_t pt, rtx_pt;
    } table[] = {
        {CODEC_NONE, CODEC_VP8, 96, 97},
        {CODEC_VP8, CODEC_VP8, 96, 97},
        {CODEC_H264, CODEC_H264, 108, 109},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        printf("watch: prefer %s\n", codec_name(table[i].prefer));
        size_t len;
        char *text = load("chrome156_recvonly.sdp", &len);
        sdp_session *offer = parse(text), *answer = sdp_session_new();
        neg_slot slots[NEG_MAX_TRACKS];
        size_t n = 0;
        char err[200] = "";
        CHECK_EQ(
            negotiate_watch(offer, &local, table[i].prefer, answer, slots, &n, err, sizeof err), 0);
        CHECK_EQ(n, 2);
        check_local(answer, SDP_SETUP_PASSIVE);
        check_round_trip("watch answer", answer);
        CHECK_EQ(answer->n_bundle, 2);

        CHECK(!slots[0].video && slots[0].active);
        CHECK_EQ(slots[0].codec, CODEC_OPUS);
        CHECK_EQ(slots[0].pt, 111);
        CHECK(slots[0].ssrc != 0);
        CHECK_EQ(slots[0].rtx_pt, 0);
        CHECK_EQ(slots[0].rtx_ssrc, 0);
        CHECK(slots[1].video && slots[1].active);
        CHECK_EQ(slots[1].codec, table[i].want);
        CHECK_EQ(slots[1].pt, table[i].pt);
        CHECK_EQ(slots[1].rtx_pt, table[i].rtx_pt);
        CHECK(slots[1].ssrc != 0 && slots[1].rtx_ssrc != 0 && slots[1].ssrc != slots[1].rtx_ssrc);
        CHECK_STR(slots[1].mid, "1");

        const sdp_media *a = &answer->media[0], *v = &answer->media[1];
        CHECK_EQ(a->dir, SDP_DIR_SENDONLY);
        CHECK_EQ(v->dir, SDP_DIR_SENDONLY);
        /* The offer's payload types, its formats, and our SSRCs with their FID pair. */
        CHECK_EQ(v->codecs[0].pt, table[i].pt);
        CHECK_EQ(codec_from_name(v->codecs[0].name), table[i].want);
        const sdp_codec *oc = sdp_find_codec(&offer->media[1], v->codecs[0].pt);
        CHECK(oc && strcmp(oc->fmtp, v->codecs[0].fmtp) == 0);
        const sdp_codec *rtx = sdp_find_rtx(v, v->codecs[0].pt);
        CHECK(rtx && rtx->pt == slots[1].rtx_pt);
        CHECK_EQ(v->n_ssrcs, 2);
        CHECK_EQ(v->ssrcs[0].ssrc, slots[1].ssrc);
        CHECK_EQ(v->n_ssrc_groups, 1);
        CHECK_EQ(v->ssrc_groups[0].ssrcs[1], slots[1].rtx_ssrc);
        CHECK_EQ(a->ssrcs[0].ssrc, slots[0].ssrc);
        CHECK_EQ(a->codecs[0].pt, 111);
        free(offer);
        free(answer);
        free(text);
    }

    /* A send-only offer is not something to watch with. */
    size_t len;
    char *text = load("chrome156_sendonly.sdp", &len);
    sdp_session *offer = parse(text), *answer = sdp_session_new();
    neg_slot slots[NEG_MAX_TRACKS];
    size_t n = 0;
    char err[200] = "";
    CHECK_EQ(negotiate_watch(offer, &local, CODEC_NONE, answer, slots, &n, err, sizeof err), -1);
    CHECK(err[0] != '\0');
    free(offer);
    free(text);
    /* Nor one without a fingerprint. */
    text = drop_lines(load("chrome156_recvonly.sdp", &len), "a=fingerprint:");
    offer = parse(text);
    err[0] = '\0';
    CHECK_EQ(negotiate_watch(offer, &local, CODEC_NONE, answer, slots, &n, err, sizeof err), -1);
    CHECK(strstr(err, "fingerprint") != NULL);
    free(offer);
    free(answer);
    free(text);
}

static void test_constants(void)
{
    static const struct {
        codec_id c;
        uint8_t pt, rtx;
        uint32_t clock;
    } table[] = {
        {CODEC_OPUS, 111, 0, 48000},
        {CODEC_VP8, 96, 97, 90000},
        {CODEC_H264, 102, 103, 90000},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        CHECK_EQ(negotiate_pt(table[i].c), table[i].pt);
        CHECK_EQ(negotiate_rtx_pt(table[i].c), table[i].rtx);
        CHECK_EQ(negotiate_clock(table[i].c), table[i].clock);
    }
}

/* What standard WHIP tools send: GStreamer's webrtcbin bundles with a=bundle-only on port 0, and
 * x264 announces constrained baseline as 42c0xx. Both must be taken. */
static void test_publish_other_stacks(void)
{
    size_t len;
    char *text = edit(load("chrome156_sendonly.sdp", &len), "m=video 9 ", "m=video 0 ");
    text = edit(text, "a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
    sdp_session *offer = parse(text), *answer = sdp_session_new();
    neg_track tracks[NEG_MAX_TRACKS];
    size_t n = 0;
    char err[200] = "";
    CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err), 0);
    CHECK_EQ(n, 2); /* the bundle-only video section is live, not rejected */
    CHECK_EQ(answer->n_bundle, 2);
    CHECK(answer->media[1].port != 0);
    free(offer);
    free(text);

    text = edit(load("chrome156_h264.sdp", &len), "profile-level-id=42e01f",
                "profile-level-id=42c015");
    text = edit(text, "profile-level-id=42001f", "profile-level-id=64001f");
    offer = parse(text);
    CHECK_EQ(negotiate_publish(offer, &local, CODEC_H264, answer, tracks, &n, err, sizeof err), 0);
    bool h264 = false;
    for (size_t i = 0; i < n; i++)
        h264 |= tracks[i].codec == CODEC_H264;
    CHECK(h264);
    free(offer);
    free(answer);
    free(text);
}

/* Transport-cc: taken on audio and video when the offer numbers packets (the extmap) and asks for
 * the feedback on the codec (rtcp-fb); goog-remb stays on video beside it. Either half missing:
 * neither is answered, and the hub will send no feedback. */
static void test_publish_twcc(void)
{
    static const struct {
        const char *file;
        const char *drop; /* lines removed from the offer */
        uint8_t audio_ext, video_ext;
    } cases[] = {
        {"chrome156_sendonly.sdp", NULL, 3, 3},
        {"chrome156_simulcast.sdp", NULL, 3, 3},
        {"chrome156_sendonly.sdp", "a=extmap:3 ", 0, 0},
        {"chrome156_sendonly.sdp", "a=rtcp-fb:111 transport-cc", 0, 3},
        {"chrome156_sendonly.sdp", "a=rtcp-fb:96 transport-cc", 3, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *text = load(cases[i].file, &len);
        if (cases[i].drop) text = drop_lines(text, cases[i].drop);
        sdp_session *offer = parse(text), *answer = sdp_session_new();
        neg_track tracks[NEG_MAX_TRACKS];
        size_t n = 0;
        char err[200] = "";
        CHECK_EQ(negotiate_publish(offer, &local, CODEC_NONE, answer, tracks, &n, err, sizeof err),
                 0);
        CHECK_EQ(n, 2);
        const uint8_t want[2] = {cases[i].audio_ext, cases[i].video_ext};
        for (size_t k = 0; k < 2 && k < n; k++) {
            const sdp_media *am = &answer->media[k];
            CHECK_EQ(tracks[k].twcc_ext, want[k]);
            CHECK_EQ(sdp_find_extmap(am, URI_TWCC), want[k]);
            CHECK_EQ(!!(am->codecs[0].fb & SDP_FB_TWCC), want[k] != 0);
            for (uint8_t c = 1; c < am->n_codecs; c++)
                CHECK(!(am->codecs[c].fb & SDP_FB_TWCC)); /* not on RTX */
        }
        CHECK(answer->media[1].codecs[0].fb & SDP_FB_REMB);
        char out[16384];
        CHECK(sdp_write(answer, out, sizeof out) > 0);
        if (want[0]) CHECK(strstr(out, "a=rtcp-fb:111 transport-cc\r\n") != NULL);
        if (want[1]) CHECK(strstr(out, "a=rtcp-fb:96 transport-cc\r\n") != NULL);
        CHECK(strstr(out, "a=rtcp-fb:96 goog-remb\r\n") != NULL);
        CHECK_EQ(strstr(out, "a=extmap:3 " URI_TWCC "\r\n") != NULL, want[0] || want[1]);
        check_round_trip(cases[i].file, answer);
        free(offer);
        free(answer);
        free(text);
    }
}

int main(void)
{
    test_constants();
    test_publish_sendonly();
    test_publish_codec_choice();
    test_publish_simulcast();
    test_publish_partial();
    test_publish_refused();
    test_publish_other_stacks();
    test_publish_twcc();
    test_subscribe_offer();
    test_watch();
    CHECK_DONE();
}
