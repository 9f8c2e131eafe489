/* Loss from sequence ranges, receiver report blocks, latency percentiles. */
#include <stdint.h>

#include "clients/load/latency.h"
#include "clients/load/seq_track.h"
#include "tests/unit/check.h"

static void seq_cases(void)
{
    /* Each row: the sequence numbers received, and what must be expected / lost / highest. */
    static const struct {
        uint16_t seqs[8];
        int n;
        uint64_t expected, lost;
        uint32_t highest;
    } rows[] = {
        {{10, 11, 12, 13}, 4, 4, 0, 13},
        {{10, 12, 13}, 3, 4, 1, 13},
        {{10, 13, 12, 11}, 4, 4, 0, 13},                /* reordered */
        {{65534, 65535, 0, 1}, 4, 4, 0, 65537},         /* wraps */
        {{65535, 2}, 2, 4, 2, 65538},                   /* wraps with loss */
        {{10, 11, 11, 12}, 4, 3, 0, 12},                /* a duplicate never makes loss negative */
        {{40000, 40001, 30000, 30001}, 4, 2, 0, 30001}, /* far behind: the numbering restarted */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        seq_track t;
        seq_track_init(&t, 42);
        for (int k = 0; k < rows[i].n; k++)
            seq_track_packet(&t, rows[i].seqs[k]);
        CHECK_EQ(seq_track_expected(&t), rows[i].expected);
        CHECK_EQ(seq_track_lost(&t), rows[i].lost);
        CHECK_EQ(t.highest, rows[i].highest);
    }

    /* Report blocks: fraction lost per interval, cumulative overall. */
    seq_track t;
    seq_track_init(&t, 5);
    for (uint16_t s = 0; s < 100; s++)
        if (s % 4 != 3) seq_track_packet(&t, s); /* 25 of the 100 lost, 24 within the range */
    rtcp_report_block b;
    seq_track_sender_report(&t, (uint64_t)0x1234567890ABCDEFull, 1000000);
    seq_track_report(&t, 1500000, &b);
    CHECK_EQ(b.ssrc, 5);
    CHECK_EQ(b.ext_highest_seq, 98);
    CHECK_EQ(b.cumulative_lost, 24);
    CHECK_EQ(b.fraction_lost, 24 * 256 / 99);
    CHECK_EQ(b.lsr, 0x567890AB);
    CHECK_EQ(b.dlsr, 32768); /* half a second in 1/65536 s */
    for (uint16_t s = 100; s < 110; s++)
        seq_track_packet(&t, s);
    seq_track_report(&t, 2000000, &b);
    CHECK_EQ(b.fraction_lost, 1 * 256 / 11); /* 99 is now known lost: 1 of the 11 since */
    CHECK_EQ(b.cumulative_lost, 25);

    /* The steady window restarts counting but keeps the last sender report. */
    seq_track_restart(&t);
    CHECK_EQ(seq_track_expected(&t), 0);
    seq_track_packet(&t, 500);
    seq_track_packet(&t, 502);
    CHECK_EQ(seq_track_expected(&t), 3);
    CHECK_EQ(seq_track_lost(&t), 1);
    CHECK_EQ(t.last_sr_mid, 0x567890AB);
}

static void latency_cases(void)
{
    static latency_hist h;
    latency_reset(&h);
    CHECK_EQ(latency_percentile(&h, 50), 0);
    for (uint64_t i = 1; i <= 1000; i++)
        latency_add(&h, i * 10); /* 10 µs .. 10 ms */
    CHECK_EQ(h.count, 1000);
    /* Exact to a 50 µs bin below 50 ms: the answer is the bin's upper edge. */
    CHECK_EQ(latency_percentile(&h, 50), 5050);
    CHECK_EQ(latency_percentile(&h, 99), 9950);
    CHECK_EQ(latency_percentile(&h, 100), 10000);
    /* Coarse bins above 50 ms; the largest sample caps the answer. */
    latency_add(&h, 120000);
    latency_add(&h, 7000000);
    CHECK_EQ(latency_percentile(&h, 100), 7000000);
    CHECK_EQ(h.max_us, 7000000);
    static latency_hist g;
    latency_reset(&g);
    latency_add(&g, 60123);
    CHECK_EQ(latency_percentile(&g, 50), 60123);
    latency_add(&g, 60000);
    latency_add(&g, 200000);
    CHECK_EQ(latency_percentile(&g, 50), 70000); /* the upper edge of 60..70 ms */
    latency_merge(&g, &h);
    CHECK_EQ(g.count, 1005);
    CHECK_EQ(g.max_us, 7000000);

    uint64_t joins[] = {300, 100, 200, 500, 400};
    CHECK_EQ(latency_rank(joins, 5, 50), 300);
    CHECK_EQ(latency_rank(joins, 5, 95), 500);
    CHECK_EQ(latency_rank(joins, 5, 0), 100);
    CHECK_EQ(latency_rank(joins, 0, 50), 0);
}

int main(void)
{
    seq_cases();
    latency_cases();
    CHECK_DONE();
}
