/* Per-subscriber header rewrite: random starts, keyframe gating of video (not audio), continuity
 * across a source switch, out-of-order and too-old packets, 16/32-bit wrap, and the NACK mapping
 * back to the current source's sequence numbers. */
#include "sfu/route/rewrite.h"
#include "tests/unit/check.h"

#include <stdbool.h>
#include <stdint.h>

#define VIDEO true
#define AUDIO false
#define KEY true
#define DELTA false

typedef struct out {
    rewrite_result r;
    uint16_t seq;
    uint32_t ts;
} out;

static out rw(rewrite *w, uint32_t source, uint16_t seq, uint32_t ts, bool video, bool key,
              uint64_t now_us)
{
    out o = {0};
    o.r = rewrite_packet(w, source, seq, ts, video, key, now_us, &o.seq, &o.ts);
    return o;
}

static void test_random_start(void)
{
    /* Ten outputs of the same source start at ten different places (the chance of two equal
     * 48-bit starts is negligible). */
    enum { N = 10 };
    uint16_t seqs[N];
    uint32_t tss[N];
    for (int i = 0; i < N; i++) {
        rewrite w;
        rewrite_init(&w, 90000);
        out o = rw(&w, 5, 1000, 123456, VIDEO, KEY, 1000000);
        CHECK_EQ(o.r, REWRITE_SEND);
        seqs[i] = o.seq;
        tss[i] = o.ts;
    }
    int same = 0;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            same += seqs[i] == seqs[j] && tss[i] == tss[j];
    CHECK_EQ(same, 0);
}

static void test_keyframe_gating(void)
{
    /* A table of first packets of a fresh output: video waits for a keyframe, audio never. */
    static const struct {
        bool video, key;
        rewrite_result want;
    } first[] = {
        {VIDEO, DELTA, REWRITE_WAIT_KEYFRAME},
        {VIDEO, KEY, REWRITE_SEND},
        {AUDIO, DELTA, REWRITE_SEND},
        {AUDIO, KEY, REWRITE_SEND},
    };
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++) {
        rewrite w;
        rewrite_init(&w, first[i].video ? 90000 : 48000);
        CHECK_EQ(rw(&w, 1, 10, 1000, first[i].video, first[i].key, 1000).r, first[i].want);
    }

    /* Video: every delta frame before the keyframe is refused; from the keyframe on, delta
     * frames flow and the first forwarded packet is the keyframe. */
    rewrite w;
    rewrite_init(&w, 90000);
    for (uint16_t s = 100; s < 110; s++)
        CHECK_EQ(rw(&w, 7, s, 3000u * s, VIDEO, DELTA, 1000u * s).r, REWRITE_WAIT_KEYFRAME);
    uint16_t src_seq;
    CHECK(!rewrite_source_seq(&w, 0, &src_seq));
    out k = rw(&w, 7, 110, 330000, VIDEO, KEY, 200000);
    CHECK_EQ(k.r, REWRITE_SEND);
    for (uint16_t s = 111; s < 120; s++) {
        out o = rw(&w, 7, s, 3000u * s, VIDEO, DELTA, 200000 + s);
        CHECK_EQ(o.r, REWRITE_SEND);
        CHECK_EQ(o.seq, (uint16_t)(k.seq + (s - 110)));
        CHECK_EQ(o.ts, k.ts + 3000u * (s - 110));
    }
}

/* Source 1 until t=1 s, then source 2 from a keyframe at t=1.5 s. The first packet of source 2 is
 * last+1, and its timestamp is 0.5 s of clock past the last one sent, wherever source 2's own
 * numbers were. */
static void test_switch_continuity(void)
{
    static const struct {
        bool video;
        uint32_t clock;
        uint16_t seq2;
        uint32_t ts2;
    } table[] = {
        {VIDEO, 90000, 40000, 7},
        {VIDEO, 90000, 65535, 0xFFFFFF00u}, /* source 2 wraps right after the switch */
        {AUDIO, 48000, 1, 0x80000000u},
        {AUDIO, 48000, 30000, 12345},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        uint32_t clock = table[i].clock, frame = clock / 50; /* 20 ms */
        rewrite w;
        rewrite_init(&w, clock);
        out first = rw(&w, 1, 500, 1000, table[i].video, KEY, 20000);
        CHECK_EQ(first.r, REWRITE_SEND);
        out last = first;
        for (uint16_t n = 1; n < 50; n++) {
            last = rw(&w, 1, (uint16_t)(500 + n), 1000 + frame * n, table[i].video, DELTA,
                      20000 + 20000u * n);
            CHECK_EQ(last.r, REWRITE_SEND);
        }
        /* last packet of source 1 sent at t = 1 s */
        if (table[i].video) {
            /* Source 2's delta frames are refused: the output stays on source 1's numbers. */
            CHECK_EQ(rw(&w, 2, (uint16_t)(table[i].seq2 - 1), table[i].ts2 - frame, VIDEO, DELTA,
                        1200000)
                         .r,
                     REWRITE_WAIT_KEYFRAME);
            /* ... while source 1 still goes through. */
            out o = rw(&w, 1, 550, 1000 + frame * 50, VIDEO, DELTA, 1000000);
            CHECK_EQ(o.r, REWRITE_SEND);
            CHECK_EQ(o.seq, (uint16_t)(last.seq + 1));
            last = o;
        }
        out s = rw(&w, 2, table[i].seq2, table[i].ts2, table[i].video, KEY, 1500000);
        CHECK_EQ(s.r, REWRITE_SEND);
        CHECK_EQ(s.seq, (uint16_t)(last.seq + 1));
        uint64_t last_us = table[i].video ? 1000000 : 20000 + 20000u * 49;
        uint32_t step = (uint32_t)((1500000 - last_us) * clock / 1000000);
        CHECK_EQ(s.ts, last.ts + step);
        /* Source 2 then continues with its own spacing, through its own wrap. */
        for (uint16_t n = 1; n < 10; n++) {
            out o = rw(&w, 2, (uint16_t)(table[i].seq2 + n), table[i].ts2 + frame * n,
                       table[i].video, DELTA, 1500000 + 20000u * n);
            CHECK_EQ(o.r, REWRITE_SEND);
            CHECK_EQ(o.seq, (uint16_t)(s.seq + n));
            CHECK_EQ(o.ts, s.ts + frame * n);
        }
        /* Source 1's packets now belong to another source: video waits, and nothing of source
         * 1 maps back any more. */
        uint16_t src_seq;
        CHECK(!rewrite_source_seq(&w, first.seq, &src_seq));
    }
}

/* A switch at the same instant still moves the timestamp forward (by at least one tick). */
static void test_switch_same_instant(void)
{
    rewrite w;
    rewrite_init(&w, 90000);
    out a = rw(&w, 1, 10, 100, VIDEO, KEY, 5000000);
    out b = rw(&w, 2, 900, 77, VIDEO, KEY, 5000000);
    CHECK_EQ(b.r, REWRITE_SEND);
    CHECK_EQ(b.seq, (uint16_t)(a.seq + 1));
    CHECK(b.ts != a.ts);
    CHECK_EQ(b.ts, a.ts + 1);
}

static void test_out_of_order_and_too_old(void)
{
    rewrite w;
    rewrite_init(&w, 90000);
    out a = rw(&w, 1, 1000, 90000, VIDEO, KEY, 100);
    /* 1003 arrives before 1001 and 1002: all keep their distance from the start. */
    out c = rw(&w, 1, 1003, 90000, VIDEO, DELTA, 200);
    out b1 = rw(&w, 1, 1001, 90000, VIDEO, DELTA, 300);
    out b2 = rw(&w, 1, 1002, 90000, VIDEO, DELTA, 400);
    CHECK(c.r == REWRITE_SEND && b1.r == REWRITE_SEND && b2.r == REWRITE_SEND);
    CHECK_EQ(c.seq, (uint16_t)(a.seq + 3));
    CHECK_EQ(b1.seq, (uint16_t)(a.seq + 1));
    CHECK_EQ(b2.seq, (uint16_t)(a.seq + 2));
    /* A late packet does not pull the highest sequence back. */
    out d = rw(&w, 1, 1004, 93000, VIDEO, DELTA, 500);
    CHECK_EQ(d.seq, (uint16_t)(a.seq + 4));

    /* Older than the keyframe the output started on: refused, before and after the switch
     * point of a new source. */
    CHECK_EQ(rw(&w, 1, 999, 87000, VIDEO, DELTA, 600).r, REWRITE_TOO_OLD);
    CHECK_EQ(rw(&w, 1, 900, 87000, VIDEO, DELTA, 600).r, REWRITE_TOO_OLD);
    out s = rw(&w, 2, 5000, 1, VIDEO, KEY, 700);
    CHECK_EQ(s.seq, (uint16_t)(d.seq + 1));
    CHECK_EQ(rw(&w, 2, 4999, 1, VIDEO, DELTA, 800).r, REWRITE_TOO_OLD);
    CHECK_EQ(rw(&w, 2, 4990, 1, VIDEO, DELTA, 800).r, REWRITE_TOO_OLD);
    /* ... and audio likewise (no keyframe, but the switch point is still a floor). */
    rewrite_init(&w, 48000);
    rw(&w, 1, 100, 0, AUDIO, DELTA, 100);
    rw(&w, 2, 300, 0, AUDIO, DELTA, 200);
    CHECK_EQ(rw(&w, 2, 299, 0, AUDIO, DELTA, 300).r, REWRITE_TOO_OLD);
    CHECK_EQ(rw(&w, 2, 301, 960, AUDIO, DELTA, 300).r, REWRITE_SEND);
}

/* 16-bit sequence and 32-bit timestamp wrap on the input side (and, over 200k packets, on the
 * output side several times), with the NACK mapping checked along the way. */
static void test_wrap(void)
{
    rewrite w;
    rewrite_init(&w, 90000);
    out a = rw(&w, 3, 65500, 0xFFFF0000u, VIDEO, KEY, 1);
    size_t errors = 0;
    uint32_t first_bad = 0;
    for (uint32_t n = 1; n < 200000; n++) {
        uint16_t seq = (uint16_t)(65500 + n);
        uint32_t ts = 0xFFFF0000u + 3000u * n;
        out o = rw(&w, 3, seq, ts, VIDEO, DELTA, 1 + n);
        bool bad =
            o.r != REWRITE_SEND || o.seq != (uint16_t)(a.seq + n) || o.ts != a.ts + 3000u * n;
        if (n % 1000 == 0) {
            /* NACK mapping holds across the wrap, for a packet a few hundred back. */
            uint16_t src;
            bad |= !rewrite_source_seq(&w, (uint16_t)(o.seq - 300), &src) ||
                   src != (uint16_t)(seq - 300);
        }
        if (bad && !errors++) first_bad = n;
    }
    if (errors)
        fprintf(stderr, "wrap: %zu packets wrong, the first at packet %u\n", errors, first_bad);
    CHECK_EQ(errors, 0);
}

/* A long meeting: one Opus source for 30 minutes (90,000 packets at 50/s), one VP8 source for
 * 10 minutes (300 packets/s). Every packet is sent, in sequence, and a NACK for a recent packet
 * still maps back, however far the stream has run from its first packet. */
static void test_long_stream(void)
{
    static const struct {
        const char *name;
        bool video;
        uint32_t clock, packets, per_second, ts_step;
    } table[] = {
        {"audio, 30 min", AUDIO, 48000, 90000, 50, 960},
        {"video, 10 min", VIDEO, 90000, 180000, 300, 300},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        rewrite w;
        rewrite_init(&w, table[i].clock);
        uint64_t dt = 1000000 / table[i].per_second;
        out a = rw(&w, 1, 0, 0, table[i].video, KEY, 1000);
        uint32_t refused = 0, first_refused = 0, unmapped = 0;
        for (uint32_t n = 1; n < table[i].packets; n++) {
            out o =
                rw(&w, 1, (uint16_t)n, table[i].ts_step * n, table[i].video, DELTA, 1000 + dt * n);
            if (o.r != REWRITE_SEND || o.seq != (uint16_t)(a.seq + n)) {
                if (!refused++) first_refused = n;
                continue;
            }
            uint16_t src;
            if (n % 100 == 0 && (!rewrite_source_seq(&w, (uint16_t)(o.seq - 50), &src) ||
                                 src != (uint16_t)(n - 50)))
                unmapped++;
        }
        if (refused)
            fprintf(stderr, "%s: %u of %u packets refused, the first at packet %u (%.0f s in)\n",
                    table[i].name, refused, table[i].packets, first_refused,
                    (double)first_refused / table[i].per_second);
        CHECK_EQ(refused, 0);
        CHECK_EQ(unmapped, 0);
    }
}

static void test_source_seq(void)
{
    rewrite w;
    rewrite_init(&w, 90000);
    uint16_t src;
    CHECK(!rewrite_source_seq(&w, 1234, &src)); /* not started */
    out a = rw(&w, 9, 20000, 0, VIDEO, KEY, 10);
    for (uint16_t n = 1; n <= 20; n++)
        rw(&w, 9, (uint16_t)(20000 + n), 0, VIDEO, DELTA, 10 + n);
    /* Every output seq of the current source maps back. */
    size_t errors = 0;
    for (uint16_t n = 0; n <= 20; n++)
        errors += !rewrite_source_seq(&w, (uint16_t)(a.seq + n), &src) || src != 20000 + n;
    CHECK_EQ(errors, 0);
    /* Outside [first sent, highest sent]: refused. */
    CHECK(!rewrite_source_seq(&w, (uint16_t)(a.seq - 1), &src));
    CHECK(!rewrite_source_seq(&w, (uint16_t)(a.seq + 21), &src));
    CHECK(!rewrite_source_seq(&w, (uint16_t)(a.seq + 1000), &src));

    /* After a switch, only the new source's range maps back, to the new source's numbers. */
    out b = rw(&w, 10, 7, 0, VIDEO, KEY, 100);
    CHECK_EQ(b.seq, (uint16_t)(a.seq + 21));
    rw(&w, 10, 8, 0, VIDEO, DELTA, 101);
    CHECK(!rewrite_source_seq(&w, (uint16_t)(a.seq + 20), &src));
    CHECK(rewrite_source_seq(&w, b.seq, &src) && src == 7);
    CHECK(rewrite_source_seq(&w, (uint16_t)(b.seq + 1), &src) && src == 8);
    CHECK(!rewrite_source_seq(&w, (uint16_t)(b.seq + 2), &src));
}

int main(void)
{
    test_random_start();
    test_keyframe_gating();
    test_switch_continuity();
    test_switch_same_instant();
    test_out_of_order_and_too_old();
    test_wrap();
    test_long_stream();
    test_source_seq();
    CHECK_DONE();
}
