/* Feedback towards a publisher: the keyframe-request throttle (route/keyframe.h) and the receive
 * statistics its receiver reports are built from (route/recv_stats.h; kept here, beside the other
 * publisher-facing unit, as it has no test file of its own). */
#include "sfu/route/keyframe.h"
#include "sfu/route/recv_stats.h"
#include "tests/unit/check.h"

#include <stdbool.h>
#include <stdint.h>

#define S 1000000ull /* one second in microseconds */

/* ---- keyframe throttle ---------------------------------------------------------------------- */

static void test_throttle_table(void)
{
    /* One source's requests in time order: `ask` (a subscriber asks) or `due` (the worker's
     * timer), what each must return, and the coalesced count after it. */
    enum { ASK, DUE };
    static const struct {
        int op;
        uint64_t at;
        bool sends;
        uint32_t coalesced;
    } steps[] = {
        {DUE, 1 * S, false, 0},          /* nothing pending */
        {ASK, 5 * S, true, 0},           /* the first ask goes through */
        {DUE, 5 * S + 1, false, 0},      /* nothing pending */
        {ASK, 5 * S + S / 10, false, 0}, /* inside the interval: pending */
        {ASK, 5 * S + S / 2, false, 1},  /* folded into the pending one */
        {ASK, 5 * S + 9 * S / 10, false, 2},
        {DUE, 5 * S + 999999, false, 2}, /* not yet */
        {DUE, 6 * S, true, 2},           /* one request for the three */
        {DUE, 6 * S + 1, false, 2},      /* and only one */
        {ASK, 6 * S + S / 2, false, 2},  /* the interval restarted at the due request */
        {DUE, 6 * S + S / 2 + 1, false, 2},
        {DUE, 7 * S, true, 2},
        {ASK, 9 * S, true, 2}, /* quiet for a while: straight through again */
        {ASK, 10 * S - 1, false, 2},
        {ASK, 10 * S, true, 2},  /* a late ask after the interval takes the pending */
        {DUE, 11 * S, false, 2}, /* one along: nothing left to send */
    };
    keyframe_throttle k = {0};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        bool sent =
            steps[i].op == ASK ? keyframe_ask(&k, steps[i].at) : keyframe_due(&k, steps[i].at);
        if (sent != steps[i].sends) fprintf(stderr, "throttle step %zu\n", i);
        CHECK_EQ(sent, steps[i].sends);
        CHECK_EQ(k.coalesced, steps[i].coalesced);
    }
}

/* Many subscribers asking over ten seconds: at most one request per interval reaches the
 * publisher, and the last ask is never left waiting for more than an interval plus a tick. */
static void test_throttle_rate(void)
{
    keyframe_throttle k = {0};
    uint64_t t = 100 * S, last_sent = 0, last_ask = 0;
    int sent = 0, too_close = 0;
    for (int tick = 0; tick < 500; tick++, t += 20000) {
        for (int sub = 0; sub < 3; sub++) {
            if ((tick * 7 + sub) % 11 == 0) {
                last_ask = t;
                if (keyframe_ask(&k, t)) {
                    too_close += last_sent && t - last_sent < KEYFRAME_INTERVAL_US;
                    last_sent = t;
                    sent++;
                }
            }
        }
        if (keyframe_due(&k, t)) {
            too_close += last_sent && t - last_sent < KEYFRAME_INTERVAL_US;
            last_sent = t;
            sent++;
        }
    }
    CHECK_EQ(too_close, 0);
    CHECK(sent >= 9 && sent <= 11);
    CHECK(last_ask > 0);
    CHECK(!k.pending || t - last_sent <= KEYFRAME_INTERVAL_US + 20000);
    CHECK(k.coalesced > 50);
}

/* ---- receive statistics --------------------------------------------------------------------- */

static void feed(recv_stats *rs, uint16_t seq, uint32_t ts, uint64_t now_us)
{
    recv_stats_packet(rs, seq, ts, now_us, 100);
}

static void test_loss(void)
{
    static const struct {
        const char *name;
        uint16_t start;
        uint16_t count;
        uint16_t skip_every; /* every Nth seq lost (0 = none) */
        uint16_t dup_every;  /* every Nth seq arrives twice (0 = none) */
        uint32_t lost;
        uint32_t ext_highest;
    } table[] = {
        {"no loss", 1000, 100, 0, 0, 0, 1099},
        {"gaps", 0, 100, 10, 0, 9, 99}, /* 10, 20, .. 90 never arrive */
        {"wrap", 65500, 100, 0, 0, 0, 65536 + 63},
        {"gaps across wrap", 65500, 100, 4, 0, 24, 65536 + 63},
        {"duplicates", 300, 50, 0, 5, 0, 349},
        {"duplicates and gaps", 300, 50, 10, 5, 0, 349}, /* 4 lost, 5 twice: never negative */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        recv_stats rs;
        recv_stats_init(&rs, 0x1234, 48000);
        CHECK_EQ(recv_stats_lost(&rs), 0);
        /* The first packet always arrives. */
        feed(&rs, table[i].start, 0, 1);
        for (uint16_t n = 1; n < table[i].count; n++) {
            uint16_t seq = (uint16_t)(table[i].start + n);
            if (table[i].skip_every && seq % table[i].skip_every == 0) continue;
            feed(&rs, seq, 960u * n, 1 + 20000u * n);
            if (table[i].dup_every && n % table[i].dup_every == 0)
                feed(&rs, seq, 960u * n, 2 + 20000u * n);
        }
        if (recv_stats_lost(&rs) != table[i].lost)
            fprintf(stderr, "loss case: %s\n", table[i].name);
        CHECK_EQ(recv_stats_lost(&rs), table[i].lost);
        rtcp_report_block b;
        CHECK(recv_stats_report(&rs, 10 * S, &b));
        CHECK_EQ(b.ssrc, 0x1234);
        CHECK_EQ(b.ext_highest_seq, table[i].ext_highest);
    }

    /* Reordering is not loss. */
    recv_stats rs;
    recv_stats_init(&rs, 1, 90000);
    static const uint16_t order[] = {10, 12, 11, 14, 13, 15};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        feed(&rs, order[i], 0, i * 1000);
    CHECK_EQ(recv_stats_lost(&rs), 0);
    rtcp_report_block b;
    recv_stats_report(&rs, 1, &b);
    CHECK_EQ(b.ext_highest_seq, 15);
    CHECK_EQ(b.cumulative_lost, 0);
    /* A packet from before the wrap, arriving after it, does not count another cycle. */
    recv_stats_init(&rs, 1, 90000);
    feed(&rs, 65534, 0, 0);
    feed(&rs, 1, 0, 1);
    feed(&rs, 65535, 0, 2);
    feed(&rs, 0, 0, 3);
    feed(&rs, 2, 0, 4);
    recv_stats_report(&rs, 5, &b);
    CHECK_EQ(b.ext_highest_seq, 65536 + 2);
    CHECK_EQ(b.cumulative_lost, 0);
}

static void test_fraction_per_interval(void)
{
    /* Each interval: 100 packets expected, some lost; fraction = lost * 256 / expected. */
    static const struct {
        uint16_t lost_in_interval;
        uint8_t fraction;
        int32_t cumulative;
    } table[] = {
        {10, 25, 10}, {0, 0, 10}, {50, 128, 60}, {1, 2, 61}, {99, 253, 160},
    };
    recv_stats rs;
    recv_stats_init(&rs, 7, 90000);
    rtcp_report_block b;
    CHECK(!recv_stats_report(&rs, 0, &b)); /* nothing received yet */
    uint16_t seq = 0;
    uint64_t t = S;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        for (int n = 0; n < 100; n++, seq++, t += 1000) {
            /* Lose the last ones of the interval except the final packet, which must arrive
             * for the interval's expected count to reach it. */
            bool lost = n >= 99 - table[i].lost_in_interval && n < 99;
            if (!lost) feed(&rs, seq, seq * 90u, t);
        }
        CHECK(recv_stats_report(&rs, t, &b));
        CHECK_EQ(b.fraction_lost, table[i].fraction);
        CHECK_EQ(b.cumulative_lost, table[i].cumulative);
    }
    /* An interval with nothing new: no loss to report, cumulative unchanged. */
    CHECK(recv_stats_report(&rs, t + S, &b));
    CHECK_EQ(b.fraction_lost, 0);
    CHECK_EQ(b.cumulative_lost, 160);
}

static void test_jitter(void)
{
    /* Opus, 20 ms packets, arriving exactly on time: no jitter at all. */
    recv_stats rs;
    recv_stats_init(&rs, 1, 48000);
    for (uint32_t n = 0; n < 500; n++)
        feed(&rs, (uint16_t)n, 5000 + 960 * n, 3 * S + 20000ull * n);
    rtcp_report_block b;
    recv_stats_report(&rs, 20 * S, &b);
    CHECK_EQ(b.jitter, 0);

    /* Every other packet 5 ms late: |D| = 240 ticks each time, so jitter converges on 240. */
    recv_stats_init(&rs, 1, 48000);
    uint32_t prev = 0;
    bool grows = true;
    for (uint32_t n = 0; n < 500; n++) {
        feed(&rs, (uint16_t)n, 5000 + 960 * n, 3 * S + 20000ull * n + (n % 2 ? 5000 : 0));
        if (n > 0 && n < 30) {
            grows &= rs.jitter_q4 > prev;
            prev = rs.jitter_q4;
        }
    }
    CHECK(grows);
    recv_stats_report(&rs, 20 * S, &b);
    CHECK(b.jitter >= 230 && b.jitter <= 240);

    /* Video at 90 kHz, frames of three packets with one timestamp, arriving 1 ms apart within
     * the frame: some jitter, well under a frame interval. */
    recv_stats_init(&rs, 2, 90000);
    for (uint32_t f = 0; f < 100; f++)
        for (uint32_t p = 0; p < 3; p++)
            feed(&rs, (uint16_t)(f * 3 + p), 3000 * f, S + 33333ull * f + 1000 * p);
    recv_stats_report(&rs, 20 * S, &b);
    CHECK(b.jitter > 0 && b.jitter < 3000);
}

static void test_sender_report(void)
{
    recv_stats rs;
    recv_stats_init(&rs, 9, 90000);
    feed(&rs, 1, 0, 1 * S);
    rtcp_report_block b;
    CHECK(recv_stats_report(&rs, 2 * S, &b));
    CHECK_EQ(b.lsr, 0); /* no sender report yet */
    CHECK_EQ(b.dlsr, 0);

    uint64_t ntp = 0x0123456789ABCDEFull;
    recv_stats_sender_report(&rs, ntp, 10 * S);
    CHECK(recv_stats_report(&rs, 10 * S + 1500000, &b));
    CHECK_EQ(b.lsr, 0x456789ABu);
    CHECK_EQ(b.dlsr, 98304); /* 1.5 s in 1/65536 s */
    CHECK(recv_stats_report(&rs, 10 * S, &b));
    CHECK_EQ(b.dlsr, 0);

    /* A newer report replaces the older one. */
    recv_stats_sender_report(&rs, 0xAAAABBBBCCCCDDDDull, 20 * S);
    CHECK(recv_stats_report(&rs, 20 * S + 250000, &b));
    CHECK_EQ(b.lsr, 0xBBBBCCCCu);
    CHECK_EQ(b.dlsr, 16384);
}

int main(void)
{
    test_throttle_table();
    test_throttle_rate();
    test_loss();
    test_fraction_per_interval();
    test_jitter();
    test_sender_report();
    CHECK_DONE();
}
