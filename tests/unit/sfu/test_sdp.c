/* SDP parser and writer: real Chrome 156 offers (tests/unit/data/sdp, captured with
 * scripts run against /usr/bin/chromium), a hand-written description covering the corners, round
 * trips, capacities, and a table of malformed inputs with the reason each must give. */
#include "sfu/proto/sdp.h"
#include "tests/unit/check.h"
#include "tests/unit/sfu/sdp_compare.h"

#include <stdlib.h>
#include <string.h>

#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define MID_URI "urn:ietf:params:rtp-hdrext:sdes:mid"
#define RID_URI "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define RRID_URI "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define ALL_FB (SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_REMB | SDP_FB_TWCC)

/* Exactly `len` bytes with no NUL after them, so ASan reports any read past the end. */
static char *heap_copy(const char *text, size_t len)
{
    char *p = malloc(len ? len : 1);
    if (len) memcpy(p, text, len);
    return p;
}

static int parse_exact(const char *text, size_t len, sdp_session *s, char *err, size_t cap)
{
    char *copy = heap_copy(text, len);
    int r = sdp_parse(copy, len, s, err, cap);
    free(copy);
    return r;
}

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
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    *len = n;
    return heap_copy(buf, n);
}

/* "AB:CD:.." into bytes; the test's own decoder, independent of the parser's. */
static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (*s) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        s += s[2] == ':' ? 3 : 2;
    }
    return n;
}

/* Parse, write, parse again: the two structs must match field by field, and writing the second
 * must reproduce the first text byte for byte. */
static void check_round_trip(const char *name, const char *text, size_t len)
{
    static char out1[1 << 20], out2[1 << 20];
    sdp_session *a = sdp_session_new(), *b = sdp_session_new();
    char err[160] = "", where[96] = "";
    CHECK_EQ(parse_exact(text, len, a, err, sizeof err), 0);
    int n1 = sdp_write(a, out1, sizeof out1);
    CHECK(n1 > 0);
    CHECK_EQ(parse_exact(out1, (size_t)(n1 > 0 ? n1 : 0), b, err, sizeof err), 0);
    bool same = sdp_same_session(a, b, where, sizeof where);
    if (!same) fprintf(stderr, "%s: round trip differs at %s (%s)\n", name, where, err);
    CHECK(same);
    /* Catches a field the helper above forgets: parse zeroes the struct first. */
    CHECK(memcmp(a, b, sizeof *a) == 0);
    int n2 = sdp_write(b, out2, sizeof out2);
    CHECK_EQ(n2, n1);
    CHECK(n1 > 0 && n1 == n2 && memcmp(out1, out2, (size_t)n1) == 0);
    free(a);
    free(b);
}

/* ---- real offers ---- */

typedef struct {
    const char *file;
    uint64_t origin_id;
    const char *ufrag, *pwd, *fp;
    const char *msid_semantic;
    sdp_direction dir;
    bool datachannel;    /* second section is m=application */
    uint8_t video_first; /* the first (preferred) video payload type */
    uint8_t video_codecs;
    uint32_t audio_ssrc, fid[2]; /* 0 when the offer has none */
    const char *cname;
    bool simulcast; /* rids q, h, f and no video ssrcs */
} offer_case;

#define WMS "WMS 3217b208-1afa-4505-9e30-8a015ef8c10e"
/* clang-format off */
static const offer_case offers[] = {
    {"chrome156_sendonly.sdp", 3752399128784586153u, "yiDz", "p93xyLArVMY4m1qTrdgrKe3M",
     "49:5C:49:D4:B0:D8:52:D6:14:78:63:72:61:03:6F:78:2C:CB:B4:DF:74:AC:68:23:DC:64:F3:D9:28:F3:EF:07",
     WMS, SDP_DIR_SENDONLY, false, 96, 23, 3390946354u, {1573815791u, 3976000707u}, "M2GQPo7tVSYkqd2d", false},
    {"chrome156_h264.sdp", 0, "q9Vm", "Kqj7KLYHvka+pdVGf+1EPkMG",
     "E7:B6:9E:82:7D:C9:4A:C0:E7:BD:07:0A:0F:80:8D:AD:AA:9F:6E:FF:D0:38:F1:BA:2C:F7:0A:D4:8D:D2:F5:B7",
     WMS, SDP_DIR_SENDONLY, false, 102, 23, 3950379059u, {4170460452u, 28026277u}, "QfdMvPk+BqYcJlfI", false},
    {"chrome156_recvonly.sdp", 0, "hQhf", "DM2vWOjmFSmx1wGFbt6UFS07",
     "77:51:77:4C:31:E2:51:27:4C:CB:DA:CE:A4:86:5B:7D:BF:D0:29:0E:15:8F:FA:8C:FF:53:15:A6:4D:E2:00:9A",
     "WMS", SDP_DIR_RECVONLY, false, 96, 34, 0, {0, 0}, "", false},
    {"chrome156_simulcast.sdp", 0, "n1IJ", "VT7uwDYq5KTWj9HqgKz1PylD",
     "53:91:20:7F:38:8A:3F:0A:3D:BD:36:D9:BB:D0:88:61:1A:AE:50:D4:9F:11:7D:27:AA:14:69:74:A4:CE:63:68",
     WMS, SDP_DIR_SENDONLY, false, 96, 23, 2136409165u, {0, 0}, "AkNjiaWK1Y2PlxS+", true},
    {"chrome156_datachannel.sdp", 0, "TrX5", "7A7uGPq5dHh78HmUGDIrwvDr",
     "EF:E4:F4:92:A0:25:5E:A3:E4:5F:8C:E5:B1:98:9E:26:90:BE:9F:6E:29:4C:1A:77:E4:E6:38:5E:88:7E:32:65",
     WMS, SDP_DIR_SENDRECV, true, 0, 0, 3311070483u, {0, 0}, "IDWNMnzHvt7zVI3b", false},
};
/* clang-format on */

static void check_transport(const offer_case *t, const sdp_session *s, const sdp_media *m)
{
    uint8_t want[64];
    size_t want_len = unhex(t->fp, want);
    const char *alg;
    const uint8_t *fp;
    size_t fp_len = 0;
    CHECK_STR(sdp_media_ice_ufrag(s, m), t->ufrag);
    CHECK_STR(sdp_media_ice_pwd(s, m), t->pwd);
    CHECK(sdp_media_fingerprint(s, m, &alg, &fp, &fp_len));
    CHECK_STR(alg, "sha-256");
    CHECK_EQ(fp_len, 32);
    CHECK(fp_len == want_len && memcmp(fp, want, fp_len) == 0);
    CHECK_EQ(sdp_media_setup(s, m), SDP_SETUP_ACTPASS);
    CHECK_EQ(m->n_candidates, 2);
    for (unsigned i = 0; i < m->n_candidates; i++) {
        CHECK_STR(m->candidates[i].transport, "udp");
        CHECK_STR(m->candidates[i].type, "host");
        CHECK_EQ(m->candidates[i].component, 1);
        /* Chrome hides host addresses behind mDNS names. */
        CHECK(strstr(m->candidates[i].addr, ".local") != NULL);
    }
}

static void check_audio(const offer_case *t, const sdp_media *m)
{
    CHECK_EQ(m->kind, SDP_MEDIA_AUDIO);
    CHECK_EQ(m->dir, t->dir);
    CHECK(m->rtcp_mux && m->rtcp_rsize);
    CHECK_STR(m->fmt_list, "");
    CHECK_EQ(m->n_codecs, 8);
    const sdp_codec *opus = sdp_find_codec(m, 111);
    CHECK(opus == &m->codecs[0]);
    if (opus) {
        CHECK_STR(opus->name, "opus");
        CHECK_EQ(opus->clock, 48000);
        CHECK_EQ(opus->channels, 2);
        CHECK_STR(opus->fmtp, "minptime=10;useinbandfec=1");
        CHECK_EQ(opus->fb, SDP_FB_TWCC);
    }
    const sdp_codec *pcmu = sdp_find_codec(m, 0);
    CHECK(pcmu && strcmp(pcmu->name, "PCMU") == 0 && pcmu->clock == 8000 && !pcmu->channels);
    CHECK_EQ(sdp_find_extmap(m, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"), 1);
    CHECK_EQ(sdp_find_extmap(m, TWCC_URI), 3);
    CHECK_EQ(sdp_find_extmap(m, MID_URI), 4);
    CHECK_EQ(sdp_find_extmap(m, RID_URI), 0);
    CHECK_EQ(m->n_ssrcs, t->audio_ssrc ? 1 : 0);
    if (t->audio_ssrc && m->n_ssrcs) {
        /* The msid line for the same ssrc must not record it twice. */
        CHECK_EQ(m->ssrcs[0].ssrc, t->audio_ssrc);
        CHECK_STR(m->ssrcs[0].cname, t->cname);
        CHECK(strncmp(m->msid, "3217b208-1afa-4505-9e30-8a015ef8c10e ", 37) == 0);
    }
}

static void check_video(const offer_case *t, const sdp_media *m)
{
    char v[64];
    CHECK_EQ(m->kind, SDP_MEDIA_VIDEO);
    CHECK_EQ(m->dir, t->dir);
    CHECK_EQ(m->n_codecs, t->video_codecs);
    CHECK_EQ(m->codecs[0].pt, t->video_first);
    const sdp_codec *vp8 = sdp_find_codec(m, 96), *h264 = sdp_find_codec(m, 108);
    CHECK(vp8 && strcmp(vp8->name, "VP8") == 0 && vp8->clock == 90000 && vp8->channels == 0);
    CHECK(vp8 && vp8->fb == ALL_FB);
    CHECK(h264 && strcmp(h264->name, "H264") == 0 && h264->fb == ALL_FB);
    CHECK(h264 && sdp_fmtp_get(h264, "packetization-mode", v, sizeof v) && !strcmp(v, "1"));
    CHECK(h264 && sdp_fmtp_get(h264, "profile-level-id", v, sizeof v) && !strcmp(v, "42e01f"));
    const sdp_codec *rtx = sdp_find_rtx(m, 96);
    CHECK(rtx && rtx->pt == 97 && rtx->clock == 90000 && rtx->fb == 0);
    rtx = sdp_find_rtx(m, 108);
    CHECK(rtx && rtx->pt == 109);
    CHECK(sdp_find_rtx(m, 120) == NULL); /* ulpfec has no rtx */
    const sdp_codec *red = sdp_find_codec(m, 118), *fec = sdp_find_codec(m, 120);
    CHECK(red && strcmp(red->name, "red") == 0 && red->fb == 0);
    CHECK(fec && strcmp(fec->name, "ulpfec") == 0);
    if (t->video_first == 102) {
        /* setCodecPreferences put Constrained Baseline 42001f first. */
        const sdp_codec *c = &m->codecs[0];
        CHECK_STR(c->name, "H264");
        CHECK(sdp_fmtp_get(c, "profile-level-id", v, sizeof v) && !strcmp(v, "42001f"));
    }
    CHECK_EQ(sdp_find_extmap(m, "urn:ietf:params:rtp-hdrext:toffset"), 14);
    CHECK_EQ(sdp_find_extmap(m, TWCC_URI), 3);
    CHECK_EQ(sdp_find_extmap(m, MID_URI), 4);
    CHECK_EQ(sdp_find_extmap(m, RID_URI), 10);
    CHECK_EQ(sdp_find_extmap(m, RRID_URI), 11);
    if (t->fid[0]) {
        CHECK_EQ(m->n_ssrcs, 2);
        CHECK_EQ(m->n_ssrc_groups, 1);
        CHECK_STR(m->ssrc_groups[0].semantics, "FID");
        CHECK_EQ(m->ssrc_groups[0].n, 2);
        CHECK_EQ(m->ssrc_groups[0].ssrcs[0], t->fid[0]);
        CHECK_EQ(m->ssrc_groups[0].ssrcs[1], t->fid[1]);
        CHECK_EQ(m->ssrcs[0].ssrc, t->fid[0]);
        CHECK_EQ(m->ssrcs[1].ssrc, t->fid[1]);
        CHECK_STR(m->ssrcs[1].cname, t->cname);
    } else {
        /* Chrome 156 signals a simulcast sender by rids alone, without a=ssrc lines. */
        CHECK_EQ(m->n_ssrcs, 0);
        CHECK_EQ(m->n_ssrc_groups, 0);
    }
    CHECK_EQ(m->simulcast, t->simulcast);
    if (t->simulcast) {
        CHECK_EQ(m->n_rids, 3);
        static const char *const rids[] = {"q", "h", "f"};
        for (unsigned i = 0; i < 3 && i < m->n_rids; i++) {
            CHECK_STR(m->rids[i].id, rids[i]);
            CHECK(m->rids[i].send);
        }
        CHECK_EQ(sdp_find_extmap(m, "https://aomediacodec.github.io/av1-rtp-spec/"
                                    "#dependency-descriptor-rtp-header-extension"),
                 12);
    } else {
        CHECK_EQ(m->n_rids, 0);
    }
}

static void test_real_offers(void)
{
    for (size_t i = 0; i < sizeof offers / sizeof offers[0]; i++) {
        const offer_case *t = &offers[i];
        size_t len = 0;
        char *text = load(t->file, &len);
        CHECK(text != NULL);
        if (!text) continue;
        sdp_session *s = sdp_session_new();
        char err[160] = "";
        int r = parse_exact(text, len, s, err, sizeof err);
        if (r != 0) fprintf(stderr, "%s: %s\n", t->file, err);
        CHECK_EQ(r, 0);
        if (t->origin_id) CHECK_EQ(s->origin_id, t->origin_id);
        CHECK_EQ(s->origin_version, 2);
        CHECK(!s->ice_lite);
        CHECK_STR(s->ice_ufrag, ""); /* Chrome repeats the credentials in every section */
        CHECK_EQ(s->fingerprint_len, 0);
        CHECK_STR(s->msid_semantic, t->msid_semantic);
        CHECK_EQ(s->n_bundle, 2);
        CHECK_STR(s->bundle[0], "0");
        CHECK_STR(s->bundle[1], "1");
        CHECK_EQ(s->n_media, 2);
        CHECK_STR(s->media[0].mid, "0");
        CHECK_STR(s->media[1].mid, "1");
        for (unsigned k = 0; k < 2; k++)
            check_transport(t, s, &s->media[k]);
        check_audio(t, &s->media[0]);
        const sdp_media *m1 = &s->media[1];
        if (t->datachannel) {
            CHECK_EQ(m1->kind, SDP_MEDIA_APPLICATION);
            CHECK_STR(m1->proto, "UDP/DTLS/SCTP");
            CHECK_STR(m1->fmt_list, "webrtc-datachannel");
            CHECK_EQ(m1->n_codecs, 0);
            CHECK(!m1->rtcp_mux);
        } else {
            check_video(t, m1);
        }
        check_round_trip(t->file, text, len);

        /* The same offer with bare LF line ends parses to the very same struct. */
        char *lf = malloc(len);
        size_t n = 0;
        for (size_t k = 0; k < len; k++)
            if (text[k] != '\r') lf[n++] = text[k];
        sdp_session *s2 = sdp_session_new();
        CHECK_EQ(parse_exact(lf, n, s2, err, sizeof err), 0);
        CHECK(memcmp(s, s2, sizeof *s) == 0);
        free(lf);
        free(s2);
        free(s);
        free(text);
    }
}

/* Every prefix of a real offer either parses or fails cleanly, and ASan sees no read past it. */
static void test_prefixes(void)
{
    size_t len = 0;
    char *text = load("chrome156_sendonly.sdp", &len);
    CHECK(text != NULL);
    if (!text) return;
    sdp_session *s = sdp_session_new();
    char err[160];
    int ok = 0;
    for (size_t k = 0; k <= len; k++)
        ok += parse_exact(text, k, s, err, sizeof err) == 0;
    CHECK(ok > 0);
    free(s);
    free(text);
}

/* ---- a hand-written description for the corners Chrome does not exercise ---- */

static const char hand[] =
    "v=0\n"
    "o=- 42 7 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n"
    "a=ice-ufrag:sessUfrag\n"
    "a=ice-pwd:sessionPasswordSessionPwd\n"
    "a=fingerprint:SHA-256 0a:1B:2c:3D\n"
    "a=setup:actpass\n"
    "a=group:BUNDLE a v d\n"
    "a=msid-semantic:WMS *\n"
    "a=extmap:3 " TWCC_URI "\n"
    "a=x-unknown-session:whatever\n"
    "a=mid:ignored-at-session-level\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\n"
    "c=IN IP4 0.0.0.0\n"
    "a=mid:a\n"
    "a=rtcp-mux\n"
    "a=rtpmap:111 opus/48000/2\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\n"
    "a=rtcp-fb:111 transport-cc\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:77 ignored=1\n"
    "a=ssrc:1111 cname:audiocname\n"
    "a=ssrc:1111 msid:stream track\n"
    "a=x-unknown:1\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102\n"
    "c=IN IP4 0.0.0.0\n"
    "a=mid:v\n"
    "a=ice-ufrag:mediaUfrag\n"
    "a=ice-pwd:mediaPasswordMediaPassword\n"
    "a=fingerprint:sha-1 AA:BB:CC\n"
    "a=fingerprint:sha-256 01:02\n"
    "a=setup:active\n"
    "a=extmap:4/sendonly " MID_URI " some-ext-attr\n"
    "a=recvonly\n"
    "a=rtcp-rsize\n"
    "a=rtcp-fb:* nack\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtcp-fb:96 ccm fir\n"
    "a=rtcp-fb:96 nack pli\n"
    "a=rtcp-fb:96 goog-remb\n"
    "a=rtcp-fb:96 ccm tmmbr\n"
    "a=rtpmap:97 rtx/90000\n"
    "a=fmtp:97 apt=96\n"
    "a=rtpmap:102 H264/90000\n"
    "a=fmtp:102 level-asymmetry-allowed=1; packetization-mode = 1; profile-level-id=42e01f\n"
    "a=ssrc-group:FID 2222 3333\n"
    "a=ssrc:2222 cname:videocname\n"
    "a=ssrc:3333 cname:videocname\n"
    "a=rid:r0 recv\n"
    "a=simulcast:recv r0\n"
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 40000 typ host generation 0\n"
    "a=end-of-candidates\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
    "c=IN IP4 0.0.0.0\n"
    "a=mid:d\n"
    "a=sctp-port:5000\n"
    "a=rtpmap:5 ignored/1\n";

static void test_hand_written(void)
{
    sdp_session *s = sdp_session_new();
    char err[160] = "", v[64];
    int r = parse_exact(hand, sizeof hand - 1, s, err, sizeof err);
    if (r) fprintf(stderr, "hand: %s\n", err);
    CHECK_EQ(r, 0);
    CHECK(s->origin_id == 42 && s->origin_version == 7);
    CHECK_STR(s->msid_semantic, "WMS *");
    CHECK_EQ(s->n_bundle, 3);
    CHECK_STR(s->bundle[2], "d");
    CHECK_EQ(s->fingerprint_len, 4);
    CHECK_STR(s->fingerprint_alg, "sha-256");
    CHECK(memcmp(s->fingerprint, "\x0a\x1b\x2c\x3d", 4) == 0);
    CHECK_EQ(s->n_media, 3);
    const sdp_media *a = &s->media[0], *vid = &s->media[1], *d = &s->media[2];

    /* Session-level transport attributes are the audio section's effective ones. */
    CHECK_STR(a->ice_ufrag, "");
    CHECK_STR(sdp_media_ice_ufrag(s, a), "sessUfrag");
    CHECK_STR(sdp_media_ice_pwd(s, a), "sessionPasswordSessionPwd");
    CHECK_EQ(sdp_media_setup(s, a), SDP_SETUP_ACTPASS);
    const char *alg;
    const uint8_t *fp;
    size_t fp_len;
    CHECK(sdp_media_fingerprint(s, a, &alg, &fp, &fp_len) && fp_len == 4 && fp == s->fingerprint);
    CHECK_STR(sdp_media_ice_ufrag(s, vid), "mediaUfrag");
    CHECK_EQ(sdp_media_setup(s, vid), SDP_SETUP_ACTIVE);
    /* Of two fingerprints the first is kept. */
    CHECK(sdp_media_fingerprint(s, vid, &alg, &fp, &fp_len) && fp_len == 3);
    CHECK_STR(alg, "sha-1");

    CHECK_EQ(a->dir, SDP_DIR_SENDRECV);
    CHECK(a->rtcp_mux && !a->rtcp_rsize);
    CHECK_EQ(a->n_codecs, 3); /* 111 and 0 from m=, 101 from an rtpmap outside the list */
    CHECK(sdp_find_codec(a, 0) && sdp_find_codec(a, 0)->name[0] == '\0');
    CHECK(sdp_find_codec(a, 101) && sdp_find_codec(a, 101)->clock == 8000);
    CHECK(sdp_find_codec(a, 77) == NULL);
    CHECK_EQ(a->n_ssrcs, 1);
    CHECK_STR(a->ssrcs[0].cname, "audiocname");
    CHECK_EQ(sdp_find_extmap(a, TWCC_URI), 3); /* session-level extmap */

    CHECK_EQ(vid->dir, SDP_DIR_RECVONLY);
    CHECK_EQ(vid->n_extmaps, 2);
    CHECK_EQ(sdp_find_extmap(vid, TWCC_URI), 3);
    CHECK_EQ(sdp_find_extmap(vid, MID_URI), 4);
    /* The wildcard reaches every codec, including those whose rtpmap follows it. */
    CHECK_EQ(sdp_find_codec(vid, 96)->fb, SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_REMB);
    CHECK_EQ(sdp_find_codec(vid, 97)->fb, SDP_FB_NACK);
    CHECK_EQ(sdp_find_codec(vid, 102)->fb, SDP_FB_NACK);
    CHECK_EQ(sdp_find_codec(a, 111)->fb, SDP_FB_TWCC);
    const sdp_codec *h264 = sdp_find_codec(vid, 102);
    CHECK(sdp_fmtp_get(h264, "packetization-mode", v, sizeof v) && !strcmp(v, "1"));
    CHECK(sdp_fmtp_get(h264, "PROFILE-LEVEL-ID", v, sizeof v) && !strcmp(v, "42e01f"));
    CHECK(!sdp_fmtp_get(h264, "profile-level-id", v, 6)); /* too small: no silent cut */
    CHECK(sdp_fmtp_get(h264, "profile-level-id", v, 7));
    CHECK(!sdp_fmtp_get(h264, "sprop-parameter-sets", v, sizeof v));
    CHECK(!sdp_fmtp_get(h264, "level", v, sizeof v));
    CHECK(sdp_find_rtx(vid, 97) == NULL);
    CHECK_EQ(vid->n_rids, 1);
    CHECK(!vid->rids[0].send && vid->simulcast);
    CHECK_EQ(vid->n_candidates, 1);
    const sdp_candidate *c = &vid->candidates[0];
    CHECK(!strcmp(c->foundation, "1") && c->component == 1 && c->priority == 2130706431u);
    CHECK(!strcmp(c->addr, "192.0.2.1") && c->port == 40000 && !strcmp(c->type, "host"));
    CHECK_STR(c->transport, "udp"); /* lower-cased */
    CHECK(vid->end_of_candidates && !a->end_of_candidates);

    CHECK(d->kind == SDP_MEDIA_APPLICATION && d->n_codecs == 0 && d->n_extmaps == 0);
    CHECK_STR(d->fmt_list, "webrtc-datachannel");
    free(s);
    check_round_trip("hand", hand, sizeof hand - 1);
}

/* Things outside the main table: defaults and leniencies. */
static void test_edges(void)
{
    sdp_session *s = sdp_session_new();
    char err[160], buf[1024], big[300];
    /* A session-level direction is every section's default. */
    const char *t = "v=0\na=sendonly\nm=audio 9 RTP/AVP 0\nm=video 9 RTP/AVP 96\na=inactive\n";
    CHECK_EQ(parse_exact(t, strlen(t), s, err, sizeof err), 0);
    CHECK_EQ(s->media[0].dir, SDP_DIR_SENDONLY);
    CHECK_EQ(s->media[1].dir, SDP_DIR_INACTIVE);

    t = "v=0\nm=image 9 udptl t38\n";
    CHECK_EQ(parse_exact(t, strlen(t), s, err, sizeof err), 0);
    CHECK_EQ(s->media[0].kind, SDP_MEDIA_OTHER);
    CHECK_STR(s->media[0].kind_name, "image");
    CHECK_STR(s->media[0].fmt_list, "t38");

    /* An ssrc without cname is recorded, once, with an empty cname. */
    t = "v=0\nm=video 9 RTP/AVP 96\na=ssrc:5 msid:a b\na=ssrc:5 label:x\n";
    CHECK_EQ(parse_exact(t, strlen(t), s, err, sizeof err), 0);
    CHECK_EQ(s->media[0].n_ssrcs, 1);
    CHECK_EQ(s->media[0].ssrcs[0].ssrc, 5);
    CHECK_STR(s->media[0].ssrcs[0].cname, "");

    /* A value of the field's size minus one fits; one more character is an error. */
    static const struct {
        const char *fmt, *err;
        int max;
    } sizes[] = {
        {"v=0\na=ice-ufrag:%s\n", "line 2: a=ice-ufrag: value too long (max 256)", 256},
        {"v=0\na=ice-pwd:%s\n", "line 2: a=ice-pwd: value too long (max 256)", 256},
        {"v=0\nm=audio 9 RTP/AVP 0\na=mid:%s\n", "line 3: a=mid: value too long (max 31)", 31},
        {"v=0\nm=audio 9 RTP/AVP 0\na=msid:%s\n", "line 3: a=msid: value too long (max 127)", 127},
        {"v=0\nm=audio 9 RTP/AVP 0\na=fmtp:0 %s\n", "line 3: a=fmtp: value too long (max 255)",
         255},
        {"v=0\nm=audio 9 RTP/AVP 0\na=extmap:1 %s\n",
         "line 3: a=extmap URI: value too long (max 127)", 127},
        {"v=0\nm=audio 9 RTP/AVP 0\na=ssrc:1 cname:%s\n",
         "line 3: a=ssrc cname: value too long (max 63)", 63},
        {"v=0\nm=audio 9 RTP/AVP 0\na=rid:%s send\n", "line 3: a=rid: value too long (max 31)", 31},
        {"v=0\na=group:BUNDLE %s\n", "line 2: a=group:BUNDLE mid: value too long (max 31)", 31},
        {"v=0\nm=application 9 UDP/DTLS/SCTP %s\n", "line 2: m= format list too long (max 127)",
         127},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int n = sizes[i].max; n <= sizes[i].max + 1; n++) {
            memset(big, 'u', (size_t)n);
            big[n] = '\0';
            snprintf(buf, sizeof buf, sizes[i].fmt, big);
            int r = parse_exact(buf, strlen(buf), s, err, sizeof err);
            CHECK_EQ(r, n > sizes[i].max ? -1 : 0);
            if (n > sizes[i].max) CHECK_STR(err, sizes[i].err);
        }
    }

    /* err may be absent or tiny. */
    CHECK(sdp_parse("x", 1, s, NULL, 0) < 0);
    char tiny[4];
    CHECK(sdp_parse("x", 1, s, tiny, sizeof tiny) < 0);
    CHECK_STR(tiny, "lin");
    CHECK(sdp_parse(NULL, 0, s, err, sizeof err) < 0);
    CHECK_STR(err, "line 1: missing v=0 first line");
    free(s);
}

/* ---- accepted oddities, and malformed input with exactly the reason it must give ---- */

#define M "v=0\nm=video 9 UDP/TLS/RTP/SAVPF 96\n" /* lines 1-2 */
#define FP "a=fingerprint:sha-256 "

static void test_table(void)
{
    static const struct {
        const char *text;
        size_t len;      /* 0: strlen */
        const char *err; /* NULL: must parse */
    } cases[] = {
        /* clang-format off */
        {"v=0", 0, NULL},
        {"v=0\r\n\r\n\r\n", 0, NULL},
        {"v=0\ns=-  \t\n", 0, NULL},
        {"v=0\nm=audio 9/2 RTP/AVP 0\n", 0, NULL},
        {"v=0\nm=image 9 udptl t38\na=rtpmap:5 x/1\n", 0, NULL},
        {"v=0\nm=audio 9 RTP/AVP 0\na=rtcp-fb:0 nack sli\na=rtcp-fb:5 nack\n", 0, NULL},
        {"v=0\nm=audio 9 RTP/AVP 0\na=ssrc:5\na=ssrc:5 cname\n", 0, NULL},
        {"v=0\nm=audio 9 RTP/AVP 0\na=extmap:1/recvonly urn:x ext-attr\n", 0, NULL},
        {"", 0, "line 1: missing v=0 first line"},
        {"v=1\n", 0, "line 1: missing v=0 first line"},
        {"s=-\nv=0\n", 0, "line 1: missing v=0 first line"},
        {"\nv=0\n", 0, "line 1: missing v=0 first line"},
        {"v=0\nhello\n", 0, "line 2: not of the form x=..."},
        {"v=0\n=x\n", 0, "line 2: not of the form x=..."},
        {"v=0\nA=x\n", 0, "line 2: not of the form x=..."},
        {"v=0\n\ns=-\n", 0, "line 2: empty line"},
        {"v=0\ns=\x01\n", 0, "line 2: control character in line"},
        {"v=0\rs=-\n", 0, "line 1: control character in line"},
        {"v=0\ns=a\0b\n", 10, "line 2: control character in line"},
        {"v=0\no=- x 1 IN IP4 0.0.0.0\n", 0, "line 2: o= line malformed"},
        {"v=0\no=- 1 99999999999999999999 IN IP4 0.0.0.0\n", 0, "line 2: o= line malformed"},
        {"v=0\nm=audio 9 UDP/TLS/RTP/SAVPF\n", 0, "line 2: m= line malformed"},
        {"v=0\nm=audio\n", 0, "line 2: m= line malformed"},
        {"v=0\nm=audio x RTP/AVP 0\n", 0, "line 2: m= line malformed: bad port"},
        {"v=0\nm=audio 65536 RTP/AVP 0\n", 0, "line 2: m= line malformed: bad port"},
        {"v=0\nm=audio 9/x RTP/AVP 0\n", 0, "line 2: m= line malformed: bad port"},
        {"v=0\nm=audio 9/ RTP/AVP 0\n", 0, "line 2: m= line malformed: bad port"},
        {"v=0\nm=audio 9 RTP/AVP 128\n", 0, "line 2: m=: bad payload type"},
        {"v=0\nm=audio 9 RTP/AVP 0 -1\n", 0, "line 2: m=: bad payload type"},
        {"v=0\nm=audio 9 RTP/AVP 8 8\n", 0, "line 2: m= line malformed: duplicate payload type"},
        {"v=0\nm=audiovideoaudiovideo 9 RTP/AVP 0\n", 0, "line 2: m= media: value too long (max 15)"},
        {M "a=rtpmap:128 VP8/90000\n", 0, "line 3: a=rtpmap: bad payload type"},
        {M "a=rtpmap:x VP8/90000\n", 0, "line 3: a=rtpmap: bad payload type"},
        {M "a=rtpmap:96 VP8\n", 0, "line 3: a=rtpmap: malformed"},
        {M "a=rtpmap:96 /90000\n", 0, "line 3: a=rtpmap: malformed"},
        {M "a=rtpmap:96 VP8/9x\n", 0, "line 3: a=rtpmap: bad clock rate"},
        {M "a=rtpmap:96 opus/48000/x\n", 0, "line 3: a=rtpmap: bad channel count"},
        {M "a=rtpmap:96 abcdefghijklmnopqrstuvwxyz0123456/90000\n", 0,
         "line 3: a=rtpmap encoding name: value too long (max 31)"},
        {M "a=fmtp:200 apt=1\n", 0, "line 3: a=fmtp: bad payload type"},
        {M "a=rtcp-fb:1000 nack\n", 0, "line 3: a=rtcp-fb: bad payload type"},
        {M FP "AB:CD:E\n", 0, "line 3: a=fingerprint: bad fingerprint hex"},
        {M FP "AB:XY\n", 0, "line 3: a=fingerprint: bad fingerprint hex"},
        {M FP "ABCD\n", 0, "line 3: a=fingerprint: bad fingerprint hex"},
        {M FP "AB:\n", 0, "line 3: a=fingerprint: bad fingerprint hex"},
        {M FP "AB::CD\n", 0, "line 3: a=fingerprint: bad fingerprint hex"},
        {M FP "AB CD\n", 0, "line 3: a=fingerprint: malformed"},
        {M "a=fingerprint:sha-256\n", 0, "line 3: a=fingerprint: malformed"},
        {M "a=fingerprint:sha-256-is-long-x AB\n", 0,
         "line 3: a=fingerprint algorithm: value too long (max 15)"},
        {M "a=setup:holdconn\n", 0, "line 3: a=setup: unsupported value"},
        {M "a=extmap:0 urn:x\n", 0, "line 3: a=extmap: bad id"},
        {M "a=extmap:256 urn:x\n", 0, "line 3: a=extmap: bad id"},
        {M "a=extmap:1/sideways urn:x\n", 0, "line 3: a=extmap: bad direction"},
        {M "a=extmap:1\n", 0, "line 3: a=extmap: missing URI"},
        {M "a=ssrc:x cname:a\n", 0, "line 3: a=ssrc: bad ssrc"},
        {M "a=ssrc:4294967296 cname:a\n", 0, "line 3: a=ssrc: bad ssrc"},
        {M "a=ssrc-group:FID 1 2 3 4 5\n", 0, "line 3: a=ssrc-group: too many ssrcs (max 4)"},
        {M "a=ssrc-group:FID\n", 0, "line 3: a=ssrc-group: no ssrcs"},
        {M "a=ssrc-group:FID 1 x\n", 0, "line 3: a=ssrc-group: bad ssrc"},
        {M "a=rid:q sideways\n", 0, "line 3: a=rid: bad direction"},
        {M "a=candidate:1 1 udp 1 192.0.2.1 9\n", 0, "line 3: a=candidate: malformed"},
        {M "a=candidate:1 1 udp 1 192.0.2.1 65536 typ host\n", 0, "line 3: a=candidate: bad port"},
        {M "a=candidate:1 0 udp 1 192.0.2.1 9 typ host\n", 0, "line 3: a=candidate: bad component"},
        {M "a=candidate:1 1 udp x 192.0.2.1 9 typ host\n", 0, "line 3: a=candidate: bad priority"},
        {M "a=candidate:1 1 udp 1 192.0.2.1 9 typ hostessss\n", 0,
         "line 3: a=candidate type: value too long (max 7)"},
        {"v=0\na=group:BUNDLE 0\na=group:BUNDLE 1\n", 0,
         "line 3: a=group:BUNDLE: only one BUNDLE group is supported"},
        {"v=0\na=msid-semantic: WMS 0123456789012345678901234567890123456789012345678901234567890\n",
         0, "line 2: a=msid-semantic: value too long (max 63)"},
        /* clang-format on */
    };
    sdp_session *s = sdp_session_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[160] = "";
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        int r = parse_exact(cases[i].text, len, s, err, sizeof err);
        const char *want = cases[i].err ? cases[i].err : "";
        if ((r < 0) != (cases[i].err != NULL) || strcmp(err, want) != 0)
            fprintf(stderr, "table case %zu: got %d \"%s\"\n", i, r, err);
        CHECK_EQ(r, cases[i].err ? -1 : 0);
        CHECK_STR(err, want);
    }
    free(s);
}

/* ---- capacities: exactly at the limit parses, one more fails naming the limit ---- */

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_capacities(void)
{
    static const struct {
        const char *head; /* m= line (its payload types appended when "%s" ends it) */
        const char *item; /* printf with the item index; repeated `n` times */
        unsigned max;
        int line; /* > 0: the line that fails; <= 0: counted back from the last line */
        const char *err;
    } cases[] = {
        /* clang-format off */
        {"", "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:%u\n", SDP_MAX_MEDIA, -1,
         "too many media sections (max 64)"},
        {"m=video 9 UDP/TLS/RTP/SAVPF%s\n", "", SDP_MAX_CODECS, 2, "m=: too many codecs (max 48)"},
        {"a=group:BUNDLE%s\n", "", SDP_MAX_BUNDLE, 2, "a=group:BUNDLE: too many mids (max 64)"},
        {"m=video 9 RTP/AVP 96\n", "a=extmap:%u urn:x\n", SDP_MAX_EXTMAPS, 0,
         "too many extmaps (max 16)"},
        {"m=video 9 RTP/AVP 96\n", "a=ssrc:%1$u msid:a b\na=ssrc:%1$u cname:c\n", SDP_MAX_SSRCS, -1,
         "too many ssrcs (max 8)"},
        {"m=video 9 RTP/AVP 96\n", "a=ssrc-group:SIM %u 7 8\n", SDP_MAX_SSRC_GROUPS, 0,
         "too many ssrc-groups (max 4)"},
        {"m=video 9 RTP/AVP 96\n", "a=rid:r%u send\n", SDP_MAX_RIDS, 0, "too many rids (max 4)"},
        /* clang-format on */
    };
    static char buf[1 << 16];
    sdp_session *s = sdp_session_new();
    char err[160], want[160];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (unsigned n = cases[i].max; n <= cases[i].max + 1u; n++) {
            char list[512] = "";
            size_t len = 0, ll = 0;
            for (unsigned k = 0; k < n; k++)
                ll += (size_t)snprintf(list + ll, sizeof list - ll, " %u", k + 1);
            len += (size_t)snprintf(buf, sizeof buf, "v=0\n");
            len += (size_t)snprintf(buf + len, sizeof buf - len, cases[i].head, list);
            for (unsigned k = 0; cases[i].item[0] && k < n; k++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, cases[i].item, k + 1);
            int r = parse_exact(buf, len, s, err, sizeof err);
            if (n == cases[i].max) {
                if (r) fprintf(stderr, "capacity case %zu at the limit: %s\n", i, err);
                CHECK_EQ(r, 0);
                continue;
            }
            long line = cases[i].line > 0 ? cases[i].line : (long)count_lines(buf) + cases[i].line;
            snprintf(want, sizeof want, "line %ld: %s", line, cases[i].err);
            CHECK(r < 0);
            CHECK_STR(err, want);
        }
    }
    /* The limit counts codecs from m= and from rtpmaps outside it together. */
    size_t len = (size_t)snprintf(buf, sizeof buf, "v=0\nm=video 9 RTP/AVP");
    for (unsigned k = 0; k < SDP_MAX_CODECS; k++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, " %u", k);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "\na=rtpmap:120 extra/90000\n");
    CHECK(parse_exact(buf, len, s, err, sizeof err) < 0);
    CHECK_STR(err, "line 3: a=rtpmap: too many codecs (max 48)");
    free(s);
}

/* ---- writing an answer the way the SFU will ---- */

static const char answer_text[] =
    "v=0\r\no=- 1234 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "a=ice-lite\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=msid-semantic: WMS *\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:sfuUfrag\r\n"
    "a=ice-pwd:sfuPasswordSfuPasswordSfu\r\n"
    "a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:F0:F1:F2:F3:F4:F5:F6:"
    "F7:F8:F9:FA:FB:FC:FD:FE:FF\r\n"
    "a=setup:passive\r\n"
    "a=mid:0\r\n"
    "a=extmap:3 " TWCC_URI "\r\n"
    "a=sendonly\r\n"
    "a=msid:sfu-stream sfu-track\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=ssrc:12345 cname:sfu\r\n"
    "a=candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host\r\n"
    "a=end-of-candidates\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:1\r\n"
    "a=inactive\r\n";

static void build_answer(sdp_session *s)
{
    s->origin_id = 1234;
    s->origin_version = 2;
    s->ice_lite = true;
    strcpy(s->msid_semantic, "WMS *");
    s->n_bundle = 2;
    strcpy(s->bundle[0], "0");
    strcpy(s->bundle[1], "1");
    s->n_media = 2;
    sdp_media *m = &s->media[0];
    m->kind = SDP_MEDIA_AUDIO; /* kind_name and proto left empty: derived from kind */
    m->port = 9;
    strcpy(m->mid, "0");
    m->dir = SDP_DIR_SENDONLY;
    m->rtcp_mux = m->rtcp_rsize = true;
    strcpy(m->ice_ufrag, "sfuUfrag");
    strcpy(m->ice_pwd, "sfuPasswordSfuPasswordSfu");
    strcpy(m->fingerprint_alg, "sha-256");
    for (unsigned i = 0; i < 32; i++)
        m->fingerprint[i] = (uint8_t)(i < 16 ? i : 0xe0 + i);
    m->fingerprint_len = 32;
    m->setup = SDP_SETUP_PASSIVE;
    strcpy(m->msid, "sfu-stream sfu-track");
    m->n_codecs = 1;
    m->codecs[0] = (sdp_codec){.pt = 111,
                               .name = "opus",
                               .clock = 48000,
                               .channels = 2,
                               .fmtp = "minptime=10;useinbandfec=1",
                               .fb = SDP_FB_TWCC};
    m->n_extmaps = 1;
    m->extmaps[0] = (sdp_extmap){.id = 3, .uri = TWCC_URI};
    m->n_ssrcs = 2;
    m->ssrcs[0] = (sdp_ssrc){.ssrc = 12345, .cname = "sfu"};
    m->ssrcs[1] = (sdp_ssrc){.ssrc = 999}; /* no cname: not written */
    m->n_candidates = 1;
    m->candidates[0] = (sdp_candidate){.foundation = "1",
                                       .component = 1,
                                       .transport = "udp",
                                       .priority = 2130706431u,
                                       .addr = "192.0.2.1",
                                       .port = 40000,
                                       .type = "host"};
    m->end_of_candidates = true;
    /* A rejected section keeps only its format list and mid, whatever else it holds. */
    m = &s->media[1];
    m->kind = SDP_MEDIA_VIDEO;
    strcpy(m->kind_name, "video");
    strcpy(m->proto, "UDP/TLS/RTP/SAVPF");
    strcpy(m->mid, "1");
    strcpy(m->ice_ufrag, "dropped");
    m->rtcp_mux = true;
    m->n_codecs = 1;
    m->codecs[0] = (sdp_codec){.pt = 96, .name = "VP8", .clock = 90000, .fb = ALL_FB};
}

static void test_write_answer(void)
{
    sdp_session *s = sdp_session_new(), *p = sdp_session_new();
    build_answer(s);
    static char out[8192];
    int n = sdp_write(s, out, sizeof out);
    CHECK_EQ(n, (int)sizeof answer_text - 1);
    CHECK_STR(out, answer_text);
    if (n > 0 && strcmp(out, answer_text) != 0) fprintf(stderr, "written:\n%s", out);
    CHECK(strstr(out, "\r\na=ice-lite\r\n") && strstr(out, "\r\na=setup:passive\r\n"));
    CHECK(strstr(out, "\r\na=end-of-candidates\r\n"));

    /* Every buffer too small by even one byte is refused rather than cut. */
    for (size_t cap = 0; cap < sizeof answer_text; cap++) {
        char *small = malloc(cap ? cap : 1);
        CHECK(sdp_write(s, small, cap) < 0);
        free(small);
    }
    char *exact = malloc(sizeof answer_text);
    CHECK_EQ(sdp_write(s, exact, sizeof answer_text), (int)sizeof answer_text - 1);
    CHECK(memcmp(exact, answer_text, sizeof answer_text) == 0); /* NUL included */
    free(exact);

    char err[160] = "";
    CHECK_EQ(parse_exact(out, (size_t)(n > 0 ? n : 0), p, err, sizeof err), 0);
    CHECK(p->ice_lite);
    CHECK_EQ(p->media[0].setup, SDP_SETUP_PASSIVE);
    CHECK(p->media[0].n_candidates == 1 && p->media[0].candidates[0].port == 40000);
    CHECK(memcmp(p->media[0].fingerprint, s->media[0].fingerprint, 32) == 0);
    CHECK(p->media[1].port == 0 && p->media[1].dir == SDP_DIR_INACTIVE);
    CHECK_STR(p->media[1].ice_ufrag, "");
    check_round_trip("answer", out, (size_t)(n > 0 ? n : 0));

    /* Session-level transport attributes go before the first m=. */
    memset(s, 0, sizeof *s);
    strcpy(s->ice_ufrag, "u");
    strcpy(s->ice_pwd, "p");
    strcpy(s->fingerprint_alg, "sha-1");
    s->fingerprint[0] = 0xab;
    s->fingerprint_len = 1;
    s->setup = SDP_SETUP_ACTIVE;
    s->n_media = 1;
    s->media[0].kind = SDP_MEDIA_APPLICATION;
    s->media[0].port = 9;
    n = sdp_write(s, out, sizeof out);
    CHECK_STR(out, "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:u\r\n"
                   "a=ice-pwd:p\r\na=fingerprint:sha-1 AB\r\na=setup:active\r\n"
                   "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n");
    free(s);
    free(p);
}

int main(void)
{
    test_real_offers();
    test_prefixes();
    test_hand_written();
    test_edges();
    test_table();
    test_capacities();
    test_write_answer();
    CHECK_DONE();
}
