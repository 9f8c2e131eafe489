/* The forwarding path end to end on one worker with no thread and no socket: a publisher and three
 * subscribers keyed with fixed SRTP keys, SRTP-protected RTP and RTCP played from the clients'
 * side into worker_on_datagram, and every datagram the worker sends captured and opened with the
 * clients' own SRTP sessions.
 *
 * The meeting it plays: a site publishes VP8; three sites watch. Nothing reaches them before a
 * keyframe (the hub asks the publisher for one instead). From the keyframe on, each watcher gets
 * every packet under its own SSRC and payload type, its own random sequence and timestamp start,
 * the payload untouched. A watcher that lost a packet NACKs it and gets it back (RTX where it
 * negotiated RTX). Three watchers asking for a picture within a second cost the publisher one PLI.
 * The publisher's sender reports reach each watcher in its own terms, and its RTX repairs arrive
 * in place. Garbage, forged and stray datagrams change nothing (and what is malformed or fails
 * authentication is counted). When the publisher's network changes and it nominates a new path,
 * the hub sends there and takes its media from there, however often that happens. */
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/proto/rtcp.h"
#include "sfu/proto/rtp.h"
#include "tests/unit/check.h"
#include "tests/unit/sfu/worker_rig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#define SEC 1000000ull
#define SRC_ID 100
#define SRC_SSRC 0x11111111u
#define SRC_RTX_SSRC 0x22222222u
#define N_SUBS 3
#define PUB_TID 1

/* Subscriber j is transport 2 + j, output 200 + j. The first two negotiated RTX, the third
 * retransmits on its media SSRC. */
static const struct {
    uint32_t ssrc, rtx_ssrc;
    uint8_t pt, rtx_pt;
} subs[N_SUBS] = {
    {0xA0000001u, 0xB0000001u, 96, 97},
    {0xA0000002u, 0xB0000002u, 100, 101},
    {0xA0000003u, 0, 120, 0},
};

static client pub, sub[N_SUBS];
static uint64_t t0;

/* Protected with the publisher's client session, as the browser sends it. */
static size_t publish_bytes(uint8_t *out, const src_pkt *p)
{
    size_t n = build_rtp(out, p, SRC_SSRC, 96);
    CHECK_EQ(srtp_session_protect_rtp(pub.srtp, out, &n, PKT_MAX + SRTP_MAX_TRAILER), 0);
    return n;
}

static void publish(const src_pkt *p, uint64_t now_us)
{
    publish_as(&pub, SRC_SSRC, 96, p, now_us);
}

/* ---- the meeting ---------------------------------------------------------------------------- */

/* The publisher's stream from the keyframe on, kept to compare against. */
#define K 30000 /* the keyframe's sequence number */
#define KTS 0x7FFFF000u
static src_pkt stream[40];
static size_t n_stream;

/* Per subscriber, from the first forwarded packet: output seq/ts of source seq K. */
static uint16_t first_seq[N_SUBS];
static uint32_t ts_off[N_SUBS];

static void setup(void)
{
    rig_start();
    client_setup(&pub, PUB_TID);
    for (int j = 0; j < N_SUBS; j++)
        client_setup(&sub[j], 2 + (uint32_t)j);
    CHECK_EQ(counter(&worker_stats(w)->transports), 1 + N_SUBS);

    sfu_source_params sp = {.id = SRC_ID,
                            .transport = PUB_TID,
                            .codec = CODEC_VP8,
                            .clock = 90000,
                            .ssrc = SRC_SSRC,
                            .rtx_ssrc = SRC_RTX_SSRC};
    CHECK(worker_source_add(w, &sp) != NULL);
    for (int j = 0; j < N_SUBS; j++) {
        sfu_output_params op = {.id = 200 + (uint32_t)j,
                                .transport = sub[j].tid,
                                .codec = CODEC_VP8,
                                .clock = 90000,
                                .ssrc = subs[j].ssrc,
                                .pt = subs[j].pt,
                                .rtx_ssrc = subs[j].rtx_ssrc,
                                .rtx_pt = subs[j].rtx_pt};
        CHECK(worker_output_add(w, &op) != NULL);
        worker_output_bind(w, op.id, SRC_ID, 0, CODEC_VP8, 90000, false);
        worker_source_ref(w, SRC_ID, 0, +1);
    }
    outbox_flush(worker_outbox(w));
    /* The first watcher's arrival asks the publisher for a picture; the next two, within the
     * same second, ride on it. */
    printf("setup: %zu datagrams\n", n_captured);
    CHECK_EQ(n_captured, 1);
    CHECK_EQ(count_rtcp(&pub, RTCP_PSFB, 1, SRC_SSRC), 1);
    CHECK_EQ(counter(&worker_stats(w)->plis_sent), 1);
    t0 = util_now_us();
}

/* Inter frames before any keyframe: nothing reaches the watchers; the publisher is asked (once,
 * however many watchers wait). A packet with an SSRC nobody announced goes nowhere. */
static void before_keyframe(void)
{
    printf("before the keyframe\n");
    n_captured = 0;
    uint64_t now = t0 + 2 * SEC;
    for (uint16_t s = K - 5; s != K; s++) {
        src_pkt p =
            vp8(s, KTS - 3000 * (uint32_t)(K - s), s % 2 ? FRAME_INTER : FRAME_CONT, true, 120);
        publish(&p, now);
        now += 20000;
    }
    for (int j = 0; j < N_SUBS; j++)
        CHECK_EQ(captured_to(&sub[j]), 0);
    CHECK_EQ(counter(&worker_stats(w)->forwarded), 0);
    CHECK_EQ(captured_to(&pub), 1);
    CHECK_EQ(count_rtcp(&pub, RTCP_PSFB, 1, SRC_SSRC), 1);
    CHECK_EQ(counter(&worker_stats(w)->plis_sent), 2);
}

static void forward_from_keyframe(void)
{
    printf("from the keyframe on\n");
    n_captured = 0;
    uint64_t now = t0 + 2 * SEC + 500000;
    /* Keyframe: 4 packets; then 6 inter frames of 3 packets; one packet with padding, and one
     * pair out of order on the wire. */
    n_stream = 0;
    stream[n_stream++] = vp8(K, KTS, FRAME_KEY, false, 280);
    for (int i = 1; i < 4; i++)
        stream[n_stream++] = vp8(K + i, KTS, FRAME_CONT, i == 3, 280);
    for (uint32_t f = 1; f <= 6; f++) {
        uint16_t s = (uint16_t)(K + 4 + (f - 1) * 3);
        uint32_t ts = KTS + 3000 * f; /* crosses 2^31, the sign bit of a naive int32 */
        stream[n_stream++] = vp8(s, ts, FRAME_INTER, false, 200);
        stream[n_stream++] = vp8((uint16_t)(s + 1), ts, FRAME_CONT, false, 150);
        stream[n_stream++] = vp8((uint16_t)(s + 2), ts, FRAME_CONT, true, 90 + f);
    }
    stream[10].pad = 4;
    size_t order[40];
    for (size_t i = 0; i < n_stream; i++)
        order[i] = i;
    order[15] = 16, order[16] = 15;
    for (size_t i = 0; i < n_stream; i++) {
        publish(&stream[order[i]], now);
        now += 5000;
    }
    /* A straggler from before the keyframe: too old for everyone, and no new PLI. */
    src_pkt late = vp8(K - 6, KTS - 18000, FRAME_INTER, true, 100);
    publish(&late, now);
    CHECK_EQ(captured_to(&pub), 0);
    CHECK_EQ(counter(&worker_stats(w)->forwarded), N_SUBS * n_stream);

    for (int j = 0; j < N_SUBS; j++) {
        static got_rtp got[64];
        size_t bad = 0;
        /* The third watcher "loses" the packet of source seq K + 5 (left sealed), to NACK it
         * later. Sequence numbers travel in clear: the first datagram to it says where it
         * starts. */
        int skip = -1;
        if (j == 2) {
            for (size_t i = 0; i < n_captured && skip < 0; i++)
                if (to_client(&captured[i], &sub[j]))
                    skip = (uint16_t)(((captured[i].buf[2] << 8) | captured[i].buf[3]) + 5);
        }
        size_t n = open_rtp(&sub[j], got, 64, skip, &bad);
        CHECK_EQ(bad, 0);
        CHECK_EQ(n, n_stream - (j == 2));
        if (n != n_stream - (j == 2)) continue;
        first_seq[j] = got[0].v.seq;
        ts_off[j] = got[0].v.ts - KTS;
        size_t wrong = 0;
        for (size_t i = 0, k = 0; i < n_stream; i++) {
            const src_pkt *p = &stream[order[i]];
            if (j == 2 && p->seq == K + 5) continue;
            const rtp_view *v = &got[k].v;
            wrong += v->ssrc != subs[j].ssrc;
            wrong += v->payload_type != subs[j].pt;
            wrong += v->seq != (uint16_t)(first_seq[j] + (uint16_t)(p->seq - K));
            wrong += v->ts != p->ts + ts_off[j];
            wrong += v->marker != p->marker;
            wrong += v->csrc_count != 0;
            wrong += v->payload_len != p->payload_len || v->pad_len != p->pad;
            wrong += memcmp(got[k].buf + v->header_len, p->payload, p->payload_len) != 0;
            k++;
        }
        if (wrong) fprintf(stderr, "subscriber %d: %zu fields differ\n", j, wrong);
        CHECK_EQ(wrong, 0);
    }
    /* Each watcher starts at its own random place. */
    CHECK(first_seq[0] != first_seq[1] || ts_off[0] != ts_off[1]);
    CHECK(first_seq[1] != first_seq[2] || ts_off[1] != ts_off[2]);
}

/* The publisher's sender report reaches each watcher in the watcher's own terms. */
static void sender_report(void)
{
    printf("sender report\n");
    n_captured = 0;
    uint8_t buf[128 + SRTP_MAX_TRAILER];
    rtcp_sr sr = {.ssrc = SRC_SSRC,
                  .ntp = 0xE1234567ABCD0000ull,
                  .rtp_ts = KTS + 20000,
                  .packet_count = 999,
                  .octet_count = 99999};
    size_t n = rtcp_write_sr(buf, 128, &sr);
    send_rtcp(&pub, buf, n, t0 + 3 * SEC);
    for (int j = 0; j < N_SUBS; j++) {
        int srs = 0;
        for (size_t i = 0; i < n_captured; i++) {
            dgram *d = &captured[i];
            if (!to_client(d, &sub[j])) continue;
            uint8_t b[PKT_MAX + SRTP_MAX_TRAILER];
            size_t len = d->len;
            memcpy(b, d->buf, len);
            if (srtp_session_unprotect_rtcp(sub[j].srtp, b, &len) != 0) continue;
            rtcp_iter it;
            rtcp_view v;
            rtcp_iter_init(&it, b, len);
            rtcp_sr got;
            while (rtcp_iter_next(&it, &v) == 1) {
                if (v.type != RTCP_SR || rtcp_parse_sr(&v, &got) != RTCP_OK) continue;
                srs++;
                CHECK_EQ(got.ssrc, subs[j].ssrc);
                CHECK(got.ntp == sr.ntp);
                CHECK_EQ(got.rtp_ts, sr.rtp_ts + ts_off[j]);
                CHECK_EQ(got.packet_count, n_stream);
            }
        }
        CHECK_EQ(srs, 1);
    }
}

static void nacks(void)
{
    printf("nacks\n");
    uint64_t now = t0 + 3 * SEC;
    got_rtp got[8];
    size_t bad = 0, n;

    /* Watcher 0 (RTX): one lost packet comes back on the RTX stream, original seq in front. */
    n_captured = 0;
    uint16_t lost = (uint16_t)(first_seq[0] + 2);
    send_nack(&sub[0], subs[0].ssrc, &lost, 1, now);
    n = open_rtp(&sub[0], got, 8, -1, &bad);
    CHECK_EQ(bad, 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(n_captured, 1);
    if (n == 1) {
        const rtp_view *v = &got[0].v;
        const src_pkt *p = &stream[2];
        CHECK_EQ(v->ssrc, subs[0].rtx_ssrc);
        CHECK_EQ(v->payload_type, subs[0].rtx_pt);
        CHECK_EQ(v->ts, p->ts + ts_off[0]);
        CHECK_EQ(v->payload_len, 2 + p->payload_len);
        const uint8_t *pl = got[0].buf + v->header_len;
        CHECK_EQ((pl[0] << 8) | pl[1], lost);
        CHECK(memcmp(pl + 2, p->payload, p->payload_len) == 0);
    }
    CHECK_EQ(counter(&worker_stats(w)->nacks_answered), 1);

    /* Watcher 1 (RTX): two packets in one NACK (PID + BLP), including the padded one (RTX
     * carries the payload without the padding). RTX sequence numbers are consecutive. */
    n_captured = 0;
    uint16_t two[] = {(uint16_t)(first_seq[1] + 7), (uint16_t)(first_seq[1] + 10)};
    send_nack(&sub[1], subs[1].ssrc, two, 2, now + 1000);
    n = open_rtp(&sub[1], got, 8, -1, &bad);
    CHECK_EQ(bad, 0);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EQ((uint16_t)(got[1].v.seq - got[0].v.seq), 1);
        for (int i = 0; i < 2; i++) {
            const src_pkt *p = &stream[i ? 10 : 7];
            const uint8_t *pl = got[i].buf + got[i].v.header_len;
            CHECK_EQ(got[i].v.ssrc, subs[1].rtx_ssrc);
            CHECK_EQ((pl[0] << 8) | pl[1], two[i]);
            CHECK_EQ(got[i].v.payload_len, 2 + p->payload_len);
            CHECK(memcmp(pl + 2, p->payload, p->payload_len) == 0);
        }
    }

    /* Watcher 2 (no RTX): the packet comes back as it was first sent, same SSRC, PT and seq. Its
     * first copy is left unopened (lost on the way), so this one is no replay. */
    n_captured = 0;
    uint16_t again = (uint16_t)(first_seq[2] + 5);
    send_nack(&sub[2], subs[2].ssrc, &again, 1, now + 2000);
    n = open_rtp(&sub[2], got, 8, -1, &bad);
    CHECK_EQ(bad, 0);
    CHECK_EQ(n, 1);
    if (n == 1) {
        const rtp_view *v = &got[0].v;
        const src_pkt *p = &stream[5];
        CHECK_EQ(v->ssrc, subs[2].ssrc);
        CHECK_EQ(v->payload_type, subs[2].pt);
        CHECK_EQ(v->seq, again);
        CHECK_EQ(v->ts, p->ts + ts_off[2]);
        CHECK_EQ(v->marker, p->marker);
        CHECK_EQ(v->payload_len, p->payload_len);
        CHECK(memcmp(got[0].buf + v->header_len, p->payload, p->payload_len) == 0);
    }
    CHECK_EQ(counter(&worker_stats(w)->nacks_answered), 4);

    /* Nothing comes back for what was never sent to this watcher: before its first packet, past
     * its last, another watcher's SSRC, or a NACK sealed with another watcher's keys. */
    n_captured = 0;
    uint16_t never[] = {(uint16_t)(first_seq[0] - 1), (uint16_t)(first_seq[0] + n_stream)};
    send_nack(&sub[0], subs[0].ssrc, never, 2, now + 3000);
    send_nack(&sub[0], subs[1].ssrc, &two[0], 1, now + 3000);
    uint64_t srtp_errors = counter(&worker_stats(w)->srtp_errors);
    uint8_t buf[256 + SRTP_MAX_TRAILER];
    size_t len = rtcp_write_nack(buf, 256, 1, subs[0].ssrc, &lost, 1);
    CHECK_EQ(srtp_session_protect_rtcp(sub[1].srtp, buf, &len, sizeof buf), 0);
    deliver(buf, len, &sub[0].addr, sub[0].addrlen, now + 3000);
    CHECK_EQ(n_captured, 0);
    CHECK_EQ(counter(&worker_stats(w)->nacks_answered), 4);
    CHECK_EQ(counter(&worker_stats(w)->srtp_errors), srtp_errors + 1);
}

/* Three watchers ask for a picture within a second (PLI, PLI, FIR): one PLI to the publisher. */
static void keyframe_requests(void)
{
    printf("keyframe requests\n");
    n_captured = 0;
    uint64_t now = t0 + 3 * SEC + 500000; /* the last PLI went out at t0 + 2 s */
    uint64_t plis = counter(&worker_stats(w)->plis_sent);
    for (int j = 0; j < N_SUBS; j++) {
        uint8_t buf[64 + SRTP_MAX_TRAILER];
        size_t n = j == 2 ? rtcp_write_fir(buf, 64, 0x5EED0000u, subs[j].ssrc, 1)
                          : rtcp_write_pli(buf, 64, 0x5EED0000u, subs[j].ssrc);
        CHECK(n > 0);
        send_rtcp(&sub[j], buf, n, now + 100000 * (uint64_t)j);
    }
    CHECK_EQ(n_captured, 1);
    CHECK_EQ(count_rtcp(&pub, RTCP_PSFB, 1, SRC_SSRC), 1);
    CHECK_EQ(counter(&worker_stats(w)->plis_sent), plis + 1);
    for (int j = 0; j < N_SUBS; j++)
        CHECK_EQ(captured_to(&sub[j]), 0);
}

/* Datagrams that must change nothing: no send, no state, and a counter that says why. */
enum { MALFORMED, SRTP_ERROR, IGNORED };
enum { FROM_STRAY = -1, FROM_PUB = 0, FROM_SUB0, FROM_SUB1, FROM_SUB2 };

typedef struct junk {
    const char *name;
    uint8_t bytes[PKT_MAX + SRTP_MAX_TRAILER];
    size_t len;
    int from;
    int counted;
} junk;

static const struct {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    int from;
    int counted;
} literal_junk[] = {
    {"one byte", {0x80}, 1, FROM_PUB, IGNORED},
    {"first byte 4..19 (nothing there)", {0x05, 1, 2, 3, 4, 5, 6, 7}, 8, FROM_PUB, MALFORMED},
    {"first byte 64..127 (TURN channel)", {0x41, 0, 0, 4, 1, 2, 3, 4}, 8, FROM_SUB0, MALFORMED},
    {"first byte 192..255", {0xC8, 0xC8, 0, 1, 2, 3, 4, 5}, 8, FROM_SUB1, MALFORMED},
    {"STUN junk",
     {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
     20,
     FROM_PUB,
     IGNORED},
    {"RTP header, no tag",
     {0x80, 0x60, 1, 2, 0, 0, 0, 1, 0x11, 0x11, 0x11, 0x11},
     12,
     FROM_PUB,
     SRTP_ERROR},
    {"RTCP too short for SRTCP",
     {0x80, 0xC9, 0, 1, 0x11, 0x11, 0x11, 0x11},
     8,
     FROM_SUB2,
     SRTP_ERROR},
};

static void deliver_junk(const junk *j, uint64_t now)
{
    socklen_t stray_len;
    struct sockaddr_storage stray = loopback(49999, &stray_len);
    const client *c = j->from == FROM_PUB ? &pub : j->from > 0 ? &sub[j->from - 1] : NULL;
    if (c)
        deliver(j->bytes, j->len, &c->addr, c->addrlen, now);
    else
        deliver(j->bytes, j->len, &stray, stray_len, now);
}

static void garbage(void)
{
    printf("garbage\n");
    uint64_t now = t0 + 4 * SEC;
    worker_counters *c = worker_stats(w);
    src_pkt next = vp8((uint16_t)(K + n_stream), KTS + 30000, FRAME_INTER, true, 100);

    static junk table[16];
    size_t n = 0;
    for (size_t i = 0; i < sizeof literal_junk / sizeof literal_junk[0]; i++, n++) {
        table[n] = (junk){literal_junk[i].name,
                          {0},
                          literal_junk[i].len,
                          literal_junk[i].from,
                          literal_junk[i].counted};
        memcpy(table[n].bytes, literal_junk[i].bytes, literal_junk[i].len);
    }
    /* Built with the real keys: a forged tag, a stray sender, an unannounced SSRC, and RTCP
     * that decrypts but does not parse. */
    src_pkt small = {.seq = next.seq, .ts = next.ts, .payload_len = 60};
    junk *j = &table[n++];
    *j = (junk){.name = "publisher RTP, auth tag flipped", .from = FROM_PUB, .counted = SRTP_ERROR};
    j->len = publish_bytes(j->bytes, &small);
    j->bytes[j->len - 1] ^= 1;
    j = &table[n++];
    *j = (junk){
        .name = "publisher RTP from an unknown address", .from = FROM_STRAY, .counted = IGNORED};
    j->len = publish_bytes(j->bytes, &small);
    j = &table[n++];
    *j = (junk){.name = "RTP of an SSRC nobody announced", .from = FROM_PUB, .counted = IGNORED};
    src_pkt other = vp8(7, 7, FRAME_KEY, true, 40);
    j->len = build_rtp(j->bytes, &other, 0x0BADBAD0u, 96);
    CHECK_EQ(srtp_session_protect_rtp(pub.srtp, j->bytes, &j->len, sizeof j->bytes), 0);
    j = &table[n++];
    *j = (junk){
        .name = "RTCP whose length runs past its end", .from = FROM_SUB0, .counted = MALFORMED};
    j->len = rtcp_write_pli(j->bytes, 64, 1, subs[0].ssrc);
    j->bytes[3] = 9; /* 40 bytes announced, 12 there */
    CHECK_EQ(srtp_session_protect_rtcp(sub[0].srtp, j->bytes, &j->len, sizeof j->bytes), 0);

    for (size_t i = 0; i < n; i++) {
        n_captured = 0;
        uint64_t malformed = counter(&c->malformed), srtp_errors = counter(&c->srtp_errors),
                 forwarded = counter(&c->forwarded), rx = counter(&c->rx_packets),
                 plis = counter(&c->plis_sent), tx = counter(&c->tx_packets);
        deliver_junk(&table[i], now);
        bool ok = n_captured == 0 && counter(&c->forwarded) == forwarded &&
                  counter(&c->rx_packets) == rx + 1 && counter(&c->plis_sent) == plis &&
                  counter(&c->tx_packets) == tx &&
                  counter(&c->malformed) == malformed + (table[i].counted == MALFORMED) &&
                  counter(&c->srtp_errors) == srtp_errors + (table[i].counted == SRTP_ERROR);
        if (!ok) fprintf(stderr, "garbage: %s\n", table[i].name);
        CHECK(ok);
    }

    /* And the stream goes on exactly where it was. */
    n_captured = 0;
    publish(&next, now + 1000);
    for (int k = 0; k < N_SUBS; k++) {
        got_rtp got[4];
        size_t bad = 0;
        size_t m = open_rtp(&sub[k], got, 4, -1, &bad);
        CHECK_EQ(bad, 0);
        CHECK_EQ(m, 1);
        if (m != 1) continue;
        CHECK_EQ(got[0].v.seq, (uint16_t)(first_seq[k] + n_stream));
        CHECK_EQ(got[0].v.ts, next.ts + ts_off[k]);
        CHECK(memcmp(got[0].buf + got[0].v.header_len, next.payload, next.payload_len) == 0);
    }
}

/* The publisher repairs a loss on its RTX stream (RFC 4588): the hub unwraps it and the watchers
 * get the missing packet in its place. A padding-only RTX probe goes nowhere. */
static void publisher_rtx(void)
{
    printf("publisher rtx\n");
    uint64_t now = t0 + 5 * SEC;
    uint16_t base = (uint16_t)(K + n_stream + 1);
    src_pkt lost = vp8(base, KTS + 33000, FRAME_INTER, false, 180);
    src_pkt after = vp8((uint16_t)(base + 1), KTS + 33000, FRAME_CONT, true, 70);
    n_captured = 0;
    publish(&after, now); /* `lost` never arrives */

    src_pkt rtx = {
        .seq = 4242, .ts = lost.ts, .marker = false, .payload_len = 2 + lost.payload_len};
    rtx.payload[0] = (uint8_t)(lost.seq >> 8);
    rtx.payload[1] = (uint8_t)lost.seq;
    memcpy(rtx.payload + 2, lost.payload, lost.payload_len);
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
    size_t n = build_rtp(buf, &rtx, SRC_RTX_SSRC, 97);
    CHECK_EQ(srtp_session_protect_rtp(pub.srtp, buf, &n, sizeof buf), 0);
    deliver(buf, n, &pub.addr, pub.addrlen, now + 30000);

    src_pkt probe = {.seq = 4243, .ts = lost.ts, .payload_len = 0, .pad = 200};
    n = build_rtp(buf, &probe, SRC_RTX_SSRC, 97);
    CHECK_EQ(srtp_session_protect_rtp(pub.srtp, buf, &n, sizeof buf), 0);
    deliver(buf, n, &pub.addr, pub.addrlen, now + 40000);

    for (int j = 0; j < N_SUBS; j++) {
        got_rtp got[4];
        size_t bad = 0;
        size_t k = open_rtp(&sub[j], got, 4, -1, &bad);
        CHECK_EQ(bad, 0);
        CHECK_EQ(k, 2);
        if (k != 2) continue;
        /* `after` first, then the repaired packet under the seq it was meant to have. */
        CHECK_EQ(got[0].v.seq, (uint16_t)(first_seq[j] + (uint16_t)(after.seq - K)));
        const rtp_view *v = &got[1].v;
        CHECK_EQ(v->ssrc, subs[j].ssrc);
        CHECK_EQ(v->payload_type, subs[j].pt);
        CHECK_EQ(v->seq, (uint16_t)(first_seq[j] + (uint16_t)(lost.seq - K)));
        CHECK_EQ(v->ts, lost.ts + ts_off[j]);
        CHECK_EQ(v->payload_len, lost.payload_len);
        CHECK(memcmp(got[1].buf + v->header_len, lost.payload, lost.payload_len) == 0);
    }
}

/* A connectivity check through the worker: the publisher's network changes (a new address and
 * port each time) and it nominates the new path. Each check is answered at the address it came
 * from; the hub then sends there, and takes media from there. */
static size_t make_check(StunAgent *agent, uint8_t *buf, size_t cap, bool nominate)
{
    static const uint16_t attrs[] = {STUN_ATTRIBUTE_USERNAME,    STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                     STUN_ATTRIBUTE_FINGERPRINT, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                     STUN_ATTRIBUTE_ERROR_CODE,  0};
    static const char user[] = "ufrag1:brws", pwd[] = "password-of-transport-1";
    StunMessage msg;
    stun_agent_init(agent, attrs, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    return stun_usage_ice_conncheck_create(
        agent, &msg, buf, cap, (const uint8_t *)user, sizeof user - 1, (const uint8_t *)pwd,
        sizeof pwd - 1, nominate, true, 1000, 77, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

static void path_changes(void)
{
    printf("path changes\n");
    uint64_t now = t0 + 6 * SEC;
    uint16_t seq = (uint16_t)(K + n_stream + 3);
    for (int move = 1; move <= 6; move++) {
        socklen_t len;
        struct sockaddr_storage addr = loopback((uint16_t)(45000 + move), &len);
        StunAgent agent;
        uint8_t req[512];
        size_t n = make_check(&agent, req, sizeof req, true);
        CHECK(n > 0);
        n_captured = 0;
        deliver(req, n, &addr, len, now);
        client moved = pub;
        moved.addr = addr;
        CHECK_EQ(n_captured, 1);
        if (n_captured == 1) {
            CHECK(to_client(&captured[0], &moved));
            StunMessage resp;
            CHECK_EQ(
                stun_agent_validate(&agent, &resp, captured[0].buf, captured[0].len, NULL, NULL),
                STUN_VALIDATION_SUCCESS);
        }
        /* Media from the new path is forwarded; a keyframe request now goes to it. */
        n_captured = 0;
        src_pkt p = vp8(seq, KTS + 36000 + 3000u * (uint32_t)move, FRAME_INTER, true, 50);
        uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
        n = publish_bytes(buf, &p);
        deliver(buf, n, &addr, len, now + 1000);
        size_t forwarded = 0;
        for (int j = 0; j < N_SUBS; j++)
            forwarded += captured_to(&sub[j]);
        if (forwarded != N_SUBS)
            fprintf(stderr, "path change %d: media from the new address dropped\n", move);
        CHECK_EQ(forwarded, N_SUBS);
        n_captured = 0;
        uint8_t pli[64 + SRTP_MAX_TRAILER];
        n = rtcp_write_pli(pli, 64, 1, subs[0].ssrc);
        send_rtcp(&sub[0], pli, n, now + 2000);
        CHECK_EQ(n_captured, 1);
        CHECK_EQ(count_rtcp(&moved, RTCP_PSFB, 1, SRC_SSRC), 1);
        seq++;
        now += 2 * SEC;
    }
}

int main(void)
{
    setup();
    before_keyframe();
    forward_from_keyframe();
    sender_report();
    nacks();
    keyframe_requests();
    garbage();
    publisher_rtx();
    path_changes();
    CHECK_EQ(overflow, 0);
    worker_free(w);
    srtp_session_free(pub.srtp);
    for (int j = 0; j < N_SUBS; j++)
        srtp_session_free(sub[j].srtp);
    CHECK_DONE();
}
