#include "recv_stats.h"

#include "sfu/proto/rtp.h"

void recv_stats_init(recv_stats *rs, uint32_t ssrc, uint32_t clock)
{
    *rs = (recv_stats){.ssrc = ssrc, .clock = clock};
}

void recv_stats_packet(recv_stats *rs, uint16_t seq, uint32_t ts, uint64_t now_us, uint32_t bytes)
{
    rs->bytes += bytes;
    if (!rs->started) {
        rs->started = true;
        rs->base_seq = seq;
        rs->max_seq = seq;
        rs->received = 1;
        rs->transit = (int64_t)(now_us * rs->clock / 1000000u) - ts;
        return;
    }
    int16_t d = rtp_seq_diff(seq, rs->max_seq);
    if (d > 0) {
        if (seq < rs->max_seq) rs->cycles += 1u << 16;
        rs->max_seq = seq;
    }
    rs->received++;
    /* Interarrival jitter, only from packets whose timestamp moved forward in order. */
    int64_t transit = (int64_t)(now_us * rs->clock / 1000000u) - ts;
    int64_t delta = transit - rs->transit;
    rs->transit = transit;
    if (delta < 0) delta = -delta;
    if (d > 0 && delta < (int64_t)rs->clock * 10)
        rs->jitter_q4 += (uint32_t)delta - ((rs->jitter_q4 + 8) >> 4);
}

void recv_stats_sender_report(recv_stats *rs, uint64_t ntp, uint64_t now_us)
{
    rs->sr_mid = rtcp_ntp_mid32(ntp);
    rs->sr_us = now_us;
}

static uint32_t expected(const recv_stats *rs)
{
    uint32_t ext_max = rs->cycles + rs->max_seq;
    return ext_max - rs->base_seq + 1;
}

uint32_t recv_stats_lost(const recv_stats *rs)
{
    if (!rs->started) return 0;
    uint32_t e = expected(rs);
    return e > rs->received ? e - rs->received : 0;
}

bool recv_stats_report(recv_stats *rs, uint64_t now_us, rtcp_report_block *out)
{
    if (!rs->started) return false;
    uint32_t exp = expected(rs);
    uint32_t exp_int = exp - rs->expected_prior;
    uint32_t rec_int = rs->received - rs->received_prior;
    rs->expected_prior = exp;
    rs->received_prior = rs->received;
    int64_t lost_int = (int64_t)exp_int - rec_int;
    int64_t lost_total = (int64_t)exp - rs->received;
    if (lost_total > 0x7fffff) lost_total = 0x7fffff;
    if (lost_total < -0x800000) lost_total = -0x800000;
    out->ssrc = rs->ssrc;
    out->fraction_lost = (exp_int == 0 || lost_int <= 0) ? 0 : (uint8_t)((lost_int << 8) / exp_int);
    out->cumulative_lost = (int32_t)lost_total;
    out->ext_highest_seq = rs->cycles + rs->max_seq;
    out->jitter = rs->jitter_q4 >> 4;
    out->lsr = rs->sr_us ? rs->sr_mid : 0;
    /* DLSR in units of 1/65536 s. */
    out->dlsr = rs->sr_us ? (uint32_t)((now_us - rs->sr_us) * 65536u / 1000000u) : 0;
    return true;
}
