/* The load generator's simulcast publishing as the hub sees it: the RTP header extension writer
 * against the hub's own extension reader, the publish offer through the hub's SDP parser and its
 * publish negotiation (which must find the layers, their RIDs and the extension ids), and the tag
 * that tells a receiver which layer a packet came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clients/load/hdrext.h"
#include "clients/load/latency_tag.h"
#include "clients/load/offer.h"
#include "sfu/proto/rtp.h"
#include "sfu/proto/sdp.h"
#include "signaling/negotiate.h"
#include "tests/unit/check.h"

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"

/* Each row: elements in, the body expected out (0 length: refused). */
static void hdrext_cases(void)
{
    static const struct {
        hdrext_elem el[3];
        size_t n;
        size_t len;
        uint8_t body[40];
    } rows[] = {
        /* MID "1" (id 4) and RID "f" (id 10): 2 + 2 bytes, no padding. */
        {{{4, "1", 1}, {10, "f", 1}}, 2, 4, {0x40, '1', 0xA0, 'f'}},
        /* MID "1" and RID "q1": 5 bytes, padded to 8. */
        {{{4, "1", 1}, {10, "q1", 2}}, 2, 8, {0x40, '1', 0xA1, 'q', '1', 0, 0, 0}},
        /* One element of 16 bytes (the longest): 17, padded to 20. */
        {{{14, "0123456789abcdef", 16}}, 1, 20, {0xEF, '0', '1', '2', '3', '4', '5', '6', '7', '8',
                                                 '9',  'a', 'b', 'c', 'd', 'e', 'f', 0,   0,   0}},
        {{{1, "x", 1}}, 1, 4, {0x10, 'x', 0, 0}},
        {{{0, "x", 1}}, 1, 0, {0}},                  /* id 0 is padding */
        {{{15, "x", 1}}, 1, 0, {0}},                 /* id 15 is reserved */
        {{{4, "", 0}}, 1, 0, {0}},                   /* the one-byte form has no empty data */
        {{{4, "0123456789abcdefg", 17}}, 1, 0, {0}}, /* nor more than 16 bytes */
        {{{4, "1", 1}, {10, "f", 1}, {0, "", 0}}, 0, 0, {0}}, /* nothing: no block at all */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t out[HDREXT_MAX];
        memset(out, 0xFF, sizeof out);
        size_t n = hdrext_write(out, sizeof out, rows[i].el, rows[i].n);
        CHECK_EQ(n, rows[i].len);
        if (n && n == rows[i].len) CHECK(memcmp(out, rows[i].body, n) == 0);
    }
    /* Too small a buffer is refused, never overrun. */
    hdrext_elem two[] = {{4, "1", 1}, {10, "q1", 2}};
    uint8_t small[8];
    CHECK_EQ(hdrext_write(small, 4, two, 2), 0);
    CHECK_EQ(hdrext_write(small, 5, two, 2), 0); /* fits, but its padding does not */
    CHECK_EQ(hdrext_write(small, 8, two, 2), 8);
}

/* What the hub reads back from a packet of ours: the elements at the ids it negotiated. */
static void packet_cases(uint8_t mid_ext, uint8_t rid_ext, const char *rid)
{
    uint8_t ext[HDREXT_MAX];
    hdrext_elem el[] = {{mid_ext, OFFER_MID_VIDEO, 1}, {rid_ext, rid, strlen(rid)}};
    size_t ext_len = hdrext_write(ext, sizeof ext, el, 2);
    CHECK(ext_len > 0);
    uint8_t pkt[200];
    rtp_out_header h = {.payload_type = OFFER_PT_VP8,
                        .seq = 7,
                        .ts = 9000,
                        .ssrc = 0x1234567,
                        .ext_body = ext,
                        .ext_len = ext_len};
    size_t hn = rtp_write_header(pkt, sizeof pkt, &h);
    CHECK_EQ(hn, 12 + 4 + ext_len);
    memset(pkt + hn, 0x5A, 60);
    latency_tag tag = {.sent_us = 123456789, .origin = 3, .layer = 2};
    latency_tag_write(pkt + hn, 60, &tag);
    rtp_view v;
    CHECK_EQ(rtp_parse(pkt, hn + 60, &v), RTP_OK);
    CHECK_EQ(v.ext_profile, 0xBEDE);
    CHECK_EQ(v.header_len, hn);
    const uint8_t *d;
    size_t n;
    CHECK(rtp_ext_find(pkt, &v, mid_ext, &d, &n));
    CHECK(n == 1 && d[0] == '1');
    CHECK(rtp_ext_find(pkt, &v, rid_ext, &d, &n));
    CHECK(n == strlen(rid) && memcmp(d, rid, n) == 0);
    latency_tag back = {0};
    CHECK(latency_tag_read(pkt + v.header_len, v.payload_len, &back));
    CHECK_EQ(back.layer, 2);
    CHECK_EQ(back.origin, 3);
    CHECK_EQ(back.sent_us, 123456789);
}

static const offer_local me = {.ufrag = "abcd",
                               .pwd = "0123456789012345678901",
                               .fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
                                              "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                               .addr = "127.0.0.1",
                               .port = 40000,
                               .session_id = 77};

static void rid_cases(void)
{
    CHECK_STR(offer_rid(3, 0), "q");
    CHECK_STR(offer_rid(3, 1), "h");
    CHECK_STR(offer_rid(3, 2), "f");
    CHECK_STR(offer_rid(2, 0), "h");
    CHECK_STR(offer_rid(2, 1), "f");
    CHECK_STR(offer_rid(1, 0), "f");
    CHECK(offer_rid(3, 3) == NULL);
    CHECK(offer_rid(4, 0) == NULL);
    CHECK(offer_rid(0, 0) == NULL);
}

/* The offer of an n-layer publisher, parsed and negotiated by the hub's own code. */
static void offer_cases(unsigned layers, bool audio)
{
    char text[8192], err[200];
    offer_media om = {.audio_ssrc = audio ? 1111 : 0, .n_layers = layers};
    int n = offer_publish(text, sizeof text, &me, &om);
    CHECK(n > 0);
    sdp_session *s = sdp_session_new(), *answer = sdp_session_new();
    CHECK_EQ(sdp_parse(text, (size_t)n, s, err, sizeof err), 0);
    CHECK_EQ(s->n_media, audio ? 2 : 1);
    const sdp_media *v = &s->media[s->n_media - 1];
    CHECK_EQ(v->kind, SDP_MEDIA_VIDEO);
    CHECK_STR(v->mid, OFFER_MID_VIDEO);
    CHECK(v->simulcast);
    CHECK_EQ(v->n_ssrcs, 0);
    CHECK_EQ(v->n_rids, layers);
    for (unsigned i = 0; i < layers && i < v->n_rids; i++) {
        CHECK_STR(v->rids[i].id, offer_rid(layers, i));
        CHECK(v->rids[i].send);
    }
    CHECK_EQ(sdp_find_extmap(v, URI_MID), OFFER_EXT_MID);
    CHECK_EQ(sdp_find_extmap(v, URI_RID), OFFER_EXT_RID);
    if (audio) CHECK_EQ(s->media[0].n_extmaps, 0);

    sfu_candidate cand = {0};
    snprintf(cand.ip, sizeof cand.ip, "127.0.0.1");
    cand.port = 5000;
    neg_local hub = {.ufrag = "hubU",
                     .pwd = "hubpasswordhubpassword",
                     .fingerprint = me.fingerprint,
                     .cands = &cand,
                     .n_cands = 1,
                     .session_id = 1,
                     .version = 1};
    neg_track tracks[NEG_MAX_TRACKS];
    size_t n_tracks = 0;
    CHECK_EQ(negotiate_publish(s, &hub, CODEC_NONE, answer, tracks, &n_tracks, err, sizeof err), 0);
    CHECK_EQ(n_tracks, audio ? 2 : 1);
    const neg_track *t = &tracks[n_tracks - 1];
    CHECK(t->video);
    CHECK_EQ(t->codec, CODEC_VP8);
    CHECK_EQ(t->n_layers, layers);
    CHECK_EQ(t->ssrc, 0);
    CHECK_EQ(t->rid_ext, OFFER_EXT_RID);
    CHECK_EQ(t->mid_ext, OFFER_EXT_MID);
    CHECK_STR(t->mid, OFFER_MID_VIDEO);
    for (unsigned i = 0; i < layers; i++) {
        CHECK_STR(t->rids[i], offer_rid(layers, i));
        packet_cases(t->mid_ext, t->rid_ext, t->rids[i]);
    }
    /* The answer receives the layers, in our order. */
    const sdp_media *av = &answer->media[answer->n_media - 1];
    CHECK(av->simulcast);
    CHECK_EQ(av->n_rids, layers);
    for (unsigned i = 0; i < layers && i < av->n_rids; i++) {
        CHECK_STR(av->rids[i].id, offer_rid(layers, i));
        CHECK(!av->rids[i].send);
    }
    free(s);
    free(answer);
}

static void tag_cases(void)
{
    uint8_t payload[100];
    memset(payload, 0, sizeof payload);
    latency_tag t = {.sent_us = 0xFFFFFFFFFFF0ull, .origin = 0xBEEF, .layer = 1}, back = {0};
    latency_tag_write(payload, sizeof payload, &t);
    CHECK(memcmp(payload + sizeof payload - LATENCY_TAG_LEN, "DHL", 3) == 0);
    CHECK(latency_tag_read(payload, sizeof payload, &back));
    CHECK_EQ(back.origin, 0xBEEF);
    CHECK_EQ(back.layer, 1);
    CHECK_EQ(back.sent_us, 0xFFFFFFFFFFF0ull);
    /* Ages modulo 48 bits: across the wrap, and a tag from the future comes out huge. */
    CHECK_EQ(latency_tag_age_us(&back, 0x1000000000010ull), 0x20);
    CHECK_EQ(latency_tag_age_us(&back, 0xFFFFFFFFFFFAull), 10);
    CHECK(latency_tag_age_us(&back, 0xFFFFFFFFFF00ull) > LATENCY_TAG_TIME_MASK / 2);
    /* Only the low 48 bits of the time are kept. */
    t.sent_us = 0xABCD000000000001ull;
    latency_tag_write(payload, sizeof payload, &t);
    CHECK(latency_tag_read(payload, sizeof payload, &back));
    CHECK_EQ(back.sent_us, 1);
    /* Too short to carry one: left alone, and not read. */
    uint8_t small[LATENCY_TAG_MIN_PAYLOAD - 1];
    memset(small, 0x33, sizeof small);
    latency_tag_write(small, sizeof small, &t);
    CHECK_EQ(small[sizeof small - 1], 0x33);
    CHECK(!latency_tag_read(small, sizeof small, &back));
    /* Another magic is no tag. */
    payload[sizeof payload - LATENCY_TAG_LEN] = 'X';
    CHECK(!latency_tag_read(payload, sizeof payload, &back));
}

int main(void)
{
    hdrext_cases();
    rid_cases();
    offer_cases(3, true);
    offer_cases(2, true);
    offer_cases(2, false);
    tag_cases();
    CHECK_DONE();
}
