/* The transport-cc state of one publisher's transport: arrivals recorded by transport-wide sequence
 * number, read back out of the feedback packets it writes. Each feedback is parsed with the RTCP
 * reader and its deltas summed from the reference time, so every check is on what the browser
 * would reconstruct: which numbers arrived, and when (to the 250 us tick).
 *
 * Then through a worker (no thread, no socket, fixed SRTP keys): a publisher whose source brought
 * the extension id gets SRTCP-protected feedback for every numbered packet, one on an SSRC no
 * source knows included; a publisher without it gets none. */
#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/proto/rtcp.h"
#include "sfu/route/twcc.h"
#include "tests/unit/check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#define MS 1000u
#define T0 (64u * MS * 1000) /* a reference period boundary: 64 s */

/* What the feedback packets said, in the order they said it. */
typedef struct report {
    size_t n_fb;
    rtcp_twcc fb[64];
    size_t n;
    uint16_t seq[4096];
    int64_t tick[4096]; /* arrival in 250 us ticks, or -1 for not received */
    int64_t cur;        /* running time of the feedback being read */
} report;

static report rep;

static void on_status(void *ctx, uint16_t seq, int32_t delta)
{
    report *r = ctx;
    if (r->n == DH_ARRAY_LEN(r->seq)) return;
    r->seq[r->n] = seq;
    if (delta == RTCP_TWCC_LOST) {
        r->tick[r->n++] = -1;
        return;
    }
    r->cur += delta;
    r->tick[r->n++] = r->cur;
}

/* Every feedback waiting, each at most `cap` bytes, parsed into `rep` (reset first). */
static size_t drain(twcc *tw, size_t cap, uint64_t now_us)
{
    memset(&rep, 0, sizeof rep);
    uint8_t buf[RTCP_TWCC_MAX_LEN];
    size_t n;
    while ((n = twcc_feedback(tw, 0xABCD, now_us, buf, cap)) > 0) {
        CHECK(n <= cap && n % 4 == 0);
        rtcp_iter it;
        rtcp_view v;
        rtcp_iter_init(&it, buf, n);
        CHECK_EQ(rtcp_iter_next(&it, &v), 1);
        CHECK_EQ(v.len, n);
        rtcp_twcc h;
        size_t before = rep.n;
        /* ref_time is 24-bit signed on the wire; these tests stay far from its wrap. */
        int32_t ref = (int32_t)(((uint32_t)buf[16] << 16) | ((uint32_t)buf[17] << 8) | buf[18]);
        rep.cur = (int64_t)ref * 256;
        CHECK_EQ(rtcp_parse_twcc(&v, &h, on_status, &rep), RTCP_OK);
        CHECK_EQ(h.sender_ssrc, 0xABCD);
        CHECK_EQ(rep.n - before, h.status_count);
        if (rep.n_fb < DH_ARRAY_LEN(rep.fb)) rep.fb[rep.n_fb] = h;
        rep.n_fb++;
        if (rep.n_fb > 1000) break; /* a bug would loop forever */
    }
    return rep.n_fb;
}

static int64_t ticks(uint64_t us)
{
    return (int64_t)(us / 250);
}

static void test_in_order(void)
{
    twcc *tw = twcc_new();
    CHECK(tw != NULL);
    CHECK_EQ(twcc_pending(tw), 0);
    CHECK(!twcc_due(tw, T0));
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0), 0);

    for (uint16_t k = 0; k < 5; k++)
        twcc_packet(tw, (uint16_t)(10 + k), 0x1234, T0 + 100 + k * MS);
    CHECK_EQ(twcc_pending(tw), 5);
    CHECK(twcc_due(tw, T0 + 5 * MS)); /* the first feedback does not wait */
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 5 * MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 10);
    CHECK_EQ(rep.fb[0].status_count, 5);
    CHECK_EQ(rep.fb[0].media_ssrc, 0x1234);
    CHECK_EQ(rep.fb[0].ref_time, 1000); /* 64 s in 64 ms units */
    CHECK_EQ(rep.fb[0].fb_count, 0);
    for (size_t k = 0; k < 5; k++) {
        CHECK_EQ(rep.seq[k], 10 + k);
        CHECK_EQ(rep.tick[k], ticks(T0 + 100 + k * MS));
    }
    CHECK_EQ(twcc_pending(tw), 0);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 6 * MS), 0);

    /* The next one waits for the interval, unless many packets wait. */
    twcc_packet(tw, 15, 0x1234, T0 + 10 * MS);
    CHECK(!twcc_due(tw, T0 + 10 * MS));
    CHECK(twcc_due(tw, T0 + 5 * MS + TWCC_INTERVAL_US));
    for (uint16_t k = 16; k < 14 + TWCC_EAGER; k++)
        twcc_packet(tw, k, 0x1234, T0 + 11 * MS);
    CHECK_EQ(twcc_pending(tw), TWCC_EAGER - 1);
    CHECK(!twcc_due(tw, T0 + 11 * MS));
    twcc_packet(tw, 14 + TWCC_EAGER, 0x1234, T0 + 11 * MS);
    CHECK(twcc_due(tw, T0 + 11 * MS));
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 11 * MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 15);
    CHECK_EQ(rep.fb[0].status_count, TWCC_EAGER);
    CHECK_EQ(rep.fb[0].fb_count, 1);
    twcc_free(tw);
}

static void test_loss_and_reorder(void)
{
    twcc *tw = twcc_new();
    /* 1, 2, 4, 3 (late), 6: 5 never comes; 4 arrived before 3, a negative delta. */
    const uint16_t order[] = {1, 2, 4, 3, 6};
    for (size_t k = 0; k < DH_ARRAY_LEN(order); k++)
        twcc_packet(tw, order[k], 1, T0 + k * MS);
    twcc_packet(tw, 2, 1, T0 + 9 * MS); /* a duplicate keeps its first arrival */
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 9 * MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 1);
    CHECK_EQ(rep.n, 6);
    const int64_t want[] = {ticks(T0), ticks(T0 + MS),    ticks(T0 + 3 * MS), ticks(T0 + 2 * MS),
                            -1,        ticks(T0 + 4 * MS)};
    for (size_t k = 0; k < 6; k++) {
        CHECK_EQ(rep.seq[k], 1 + k);
        CHECK_EQ(rep.tick[k], want[k]);
    }

    /* 5 turns up after it was reported lost: reported again from there, with what followed. */
    twcc_packet(tw, 8, 1, T0 + 10 * MS);
    twcc_packet(tw, 5, 1, T0 + 11 * MS);
    CHECK_EQ(twcc_pending(tw), 4);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 11 * MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 5);
    const int64_t want2[] = {ticks(T0 + 11 * MS), ticks(T0 + 4 * MS), -1, ticks(T0 + 10 * MS)};
    CHECK_EQ(rep.n, 4);
    for (size_t k = 0; k < 4; k++)
        CHECK_EQ(rep.tick[k], want2[k]);
    twcc_free(tw);
}

static void test_reorder_at_start(void)
{
    twcc *tw = twcc_new();
    twcc_packet(tw, 5, 1, T0);
    twcc_packet(tw, 3, 1, T0 + MS); /* older than the first: the window reaches down to it */
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 3);
    CHECK_EQ(rep.n, 3);
    CHECK_EQ(rep.tick[0], ticks(T0 + MS));
    CHECK_EQ(rep.tick[1], -1);
    CHECK_EQ(rep.tick[2], ticks(T0));
    twcc_free(tw);
}

static void test_wrap(void)
{
    twcc *tw = twcc_new();
    const uint16_t seqs[] = {65533, 65535, 0, 65534, 1};
    for (size_t k = 0; k < DH_ARRAY_LEN(seqs); k++)
        twcc_packet(tw, seqs[k], 1, T0 + k * MS);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 5 * MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 65533);
    CHECK_EQ(rep.n, 5);
    const int64_t want[] = {ticks(T0), ticks(T0 + 3 * MS), ticks(T0 + MS), ticks(T0 + 2 * MS),
                            ticks(T0 + 4 * MS)};
    for (size_t k = 0; k < 5; k++) {
        CHECK_EQ(rep.seq[k], (uint16_t)(65533 + k));
        CHECK_EQ(rep.tick[k], want[k]);
    }
    /* Across many wraps nothing is lost or doubled. */
    uint16_t s = 2;
    for (int round = 0; round < 300; round++) {
        for (int k = 0; k < 1000; k++)
            twcc_packet(tw, s++, 1, T0 + (uint64_t)round * 100 * MS + (uint64_t)k * 50);
        CHECK(drain(tw, RTCP_TWCC_MAX_LEN, T0) >= 1);
        CHECK_EQ(rep.n, 1000);
        CHECK_EQ(rep.seq[0], (uint16_t)(s - 1000));
        CHECK_EQ(rep.tick[999], ticks(T0 + (uint64_t)round * 100 * MS + 999 * 50));
    }
    twcc_free(tw);
}

static void test_gaps(void)
{
    twcc *tw = twcc_new();
    /* A gap the ring holds is reported lost, number by number. */
    twcc_packet(tw, 100, 1, T0);
    twcc_packet(tw, 700, 1, T0 + MS);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + MS), 1);
    CHECK_EQ(rep.n, 601);
    CHECK_EQ(rep.tick[0], ticks(T0));
    CHECK_EQ(rep.tick[300], -1);
    CHECK_EQ(rep.tick[600], ticks(T0 + MS));

    /* A jump past the ring: only its last TWCC_RING numbers are reported. */
    twcc_packet(tw, 5700, 1, T0 + 2 * MS);
    CHECK_EQ(twcc_pending(tw), TWCC_RING);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 2 * MS), 1);
    CHECK_EQ(rep.fb[0].base_seq, 5700 - TWCC_RING + 1);
    CHECK_EQ(rep.n, TWCC_RING);
    CHECK_EQ(rep.tick[0], -1);
    CHECK_EQ(rep.tick[TWCC_RING - 1], ticks(T0 + 2 * MS));

    /* Unreported arrivals pushed out of the ring by a jump are dropped, not misreported. */
    twcc_packet(tw, 5701, 1, T0 + 3 * MS);
    twcc_packet(tw, 5701 + 3 * TWCC_RING, 1, T0 + 4 * MS);
    CHECK_EQ(twcc_pending(tw), TWCC_RING);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 4 * MS), 1);
    for (size_t k = 0; k + 1 < rep.n; k++)
        CHECK_EQ(rep.tick[k], -1);

    /* A packet older than the ring reaches is too late to report; it changes nothing. */
    twcc_packet(tw, 5702, 1, T0 + 5 * MS);
    CHECK_EQ(twcc_pending(tw), 0);
    twcc_free(tw);
}

static void test_splits(void)
{
    twcc *tw = twcc_new();
    /* Ten seconds of silence does not fit 16 bits of 250 us: a second feedback with its own
     * reference time. */
    twcc_packet(tw, 1, 1, T0);
    twcc_packet(tw, 2, 1, T0 + 10000 * MS);
    CHECK_EQ(drain(tw, RTCP_TWCC_MAX_LEN, T0 + 10000 * MS), 2);
    CHECK_EQ(rep.fb[0].base_seq, 1);
    CHECK_EQ(rep.fb[0].status_count, 1);
    CHECK_EQ(rep.fb[1].base_seq, 2);
    CHECK_EQ(rep.fb[1].status_count, 1);
    CHECK_EQ(rep.fb[1].fb_count, (uint8_t)(rep.fb[0].fb_count + 1));
    CHECK_EQ(rep.tick[1], ticks(T0 + 10000 * MS));

    /* More than one packet holds: split by size, nothing lost or repeated, times exact. */
    uint64_t at[900];
    for (uint16_t k = 0; k < 900; k++) {
        at[k] = T0 + 20000 * MS + k * 700u + (k % 3 ? 0 : 90 * MS); /* small and large deltas */
        if (k % 7 != 4) twcc_packet(tw, (uint16_t)(3 + k), 1, at[k]);
    }
    size_t fbs = drain(tw, 200, T0 + 30000 * MS);
    CHECK(fbs > 5);
    CHECK_EQ(rep.n, 900);
    for (size_t k = 0; k < 900; k++) {
        CHECK_EQ(rep.seq[k], 3 + k);
        CHECK_EQ(rep.tick[k], k % 7 == 4 ? -1 : ticks(at[k]));
    }
    twcc_free(tw);
}

/* ---- through a worker ----------------------------------------------------------------------- */

typedef struct peer {
    uint32_t tid;
    transport *t;
    srtp_session *srtp; /* the client's side */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    uint8_t got[0x10000 / 8]; /* transport-wide numbers reported received */
    size_t feedbacks;
} peer;

static peer peers[2];

static void fb_status(void *ctx, uint16_t seq, int32_t delta)
{
    peer *p = ctx;
    if (delta != RTCP_TWCC_LOST) p->got[seq >> 3] |= (uint8_t)(1u << (seq & 7));
}

/* Every datagram the worker sends: opened with the client's session, feedback tallied. */
static void capture(void *ctx, struct mmsghdr *msgs, unsigned n)
{
    (void)ctx;
    for (unsigned i = 0; i < n; i++) {
        const struct sockaddr_in *to = msgs[i].msg_hdr.msg_name;
        for (size_t k = 0; k < 2; k++) {
            peer *p = &peers[k];
            if (to->sin_port != ((const struct sockaddr_in *)&p->addr)->sin_port) continue;
            uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER];
            size_t len = msgs[i].msg_hdr.msg_iov[0].iov_len;
            memcpy(buf, msgs[i].msg_hdr.msg_iov[0].iov_base, len);
            CHECK_EQ(srtp_session_unprotect_rtcp(p->srtp, buf, &len), 0);
            rtcp_iter it;
            rtcp_view v;
            rtcp_iter_init(&it, buf, len);
            while (rtcp_iter_next(&it, &v) == 1) {
                rtcp_twcc h;
                if (v.type != RTCP_RTPFB || v.count != 15) continue;
                CHECK_EQ(rtcp_parse_twcc(&v, &h, fb_status, p), RTCP_OK);
                p->feedbacks++;
            }
        }
    }
}

static void peer_setup(worker *w, peer *p, uint32_t tid, uint8_t twcc_ext)
{
    sfu_transport_params tp = {.id = tid};
    snprintf(tp.local_ufrag, sizeof tp.local_ufrag, "u%u", tid);
    snprintf(tp.local_pwd, sizeof tp.local_pwd, "password-of-transport-%u", tid);
    p->tid = tid;
    p->t = worker_transport_create(w, &tp);
    CHECK(p->t != NULL);
    dtls_srtp_keys hub = {.profile = DTLS_SRTP_AES128_CM_SHA1_80, .key_len = 30}, cli;
    for (size_t i = 0; i < hub.key_len; i++) {
        hub.local[i] = (uint8_t)(tid * 31 + i * 7 + 1);
        hub.remote[i] = (uint8_t)(tid * 17 + i * 13 + 5);
    }
    cli = hub;
    memcpy(cli.local, hub.remote, sizeof cli.local);
    memcpy(cli.remote, hub.local, sizeof cli.remote);
    p->srtp = srtp_session_new(&cli);
    CHECK(p->srtp != NULL);
    struct sockaddr_in *in = (struct sockaddr_in *)&p->addr;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)(41000 + tid));
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->addrlen = sizeof *in;
    CHECK_EQ(worker_transport_key(w, tid, &hub, &p->addr, p->addrlen), 0);
    sfu_source_params sp = {.id = 100 + tid,
                            .transport = tid,
                            .codec = CODEC_VP8,
                            .clock = 90000,
                            .ssrc = 0x1000 + tid,
                            .twcc_ext = twcc_ext};
    CHECK(worker_source_add(w, &sp) != NULL);
}

/* An RTP packet with the transport-wide number in a one-byte extension (id 3), as Chrome sends. */
static void send_numbered(worker *w, peer *p, uint32_t ssrc, uint16_t seq, uint16_t tseq,
                          uint64_t now_us)
{
    uint8_t buf[PKT_MAX + SRTP_MAX_TRAILER] = {0x90, 96, (uint8_t)(seq >> 8), (uint8_t)seq};
    for (int i = 0; i < 4; i++)
        buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    const uint8_t ext[] = {0xBE, 0xDE, 0x00, 0x01, 0x31, (uint8_t)(tseq >> 8), (uint8_t)tseq, 0};
    memcpy(buf + 12, ext, sizeof ext);
    memset(buf + 20, 0x55, 100);
    size_t n = 120;
    CHECK_EQ(srtp_session_protect_rtp(p->srtp, buf, &n, sizeof buf), 0);
    worker_on_datagram(w, buf, n, &p->addr, p->addrlen, now_us);
    outbox_flush(worker_outbox(w));
}

static void test_through_worker(void)
{
    CHECK_EQ(srtp_session_global_init(), 0);
    worker *w = worker_new(NULL, 0, -1, NULL);
    CHECK(w != NULL);
    outbox_set_sender(worker_outbox(w), capture, NULL);
    peer_setup(w, &peers[0], 1, 3);
    peer_setup(w, &peers[1], 2, 0);
    uint64_t now = util_now_us();
    for (uint16_t k = 0; k < 30; k++) {
        uint16_t tseq = (uint16_t)(65530 + k); /* across the wrap */
        if (k == 7) continue;                  /* lost */
        /* One in ten is a probe on an SSRC no source announced: it counts all the same. */
        for (size_t j = 0; j < 2; j++)
            send_numbered(w, &peers[j], k % 10 == 9 ? 0xDEAD : 0x1000 + peers[j].tid, k, tseq,
                          now + k * 1000u);
    }
    transport_on_timer(peers[0].t, now + 200000);
    transport_on_timer(peers[1].t, now + 200000);
    outbox_flush(worker_outbox(w));
    CHECK(peers[0].feedbacks >= 2); /* the first at once, the rest on the timer */
    for (uint16_t k = 0; k < 30; k++) {
        uint16_t tseq = (uint16_t)(65530 + k);
        bool got = peers[0].got[tseq >> 3] & (1u << (tseq & 7));
        CHECK_EQ(got, k != 7);
    }
    CHECK_EQ(peers[1].feedbacks, 0);
    for (size_t j = 0; j < 2; j++)
        srtp_session_free(peers[j].srtp);
    worker_free(w);
}

int main(void)
{
    test_in_order();
    test_loss_and_reorder();
    test_reorder_at_start();
    test_wrap();
    test_gaps();
    test_splits();
    test_through_worker();
    CHECK_DONE();
}
