#include "seq_track.h"

#include <string.h>

#define MAX_MISORDER 3000

void seq_track_init(seq_track *t, uint32_t ssrc)
{
    memset(t, 0, sizeof *t);
    t->ssrc = ssrc;
}

void seq_track_packet(seq_track *t, uint16_t seq)
{
    if (!t->started) {
        t->started = true;
        t->first = t->highest = seq;
        t->received = 1;
        t->expected_prior = t->received_prior = 0;
        return;
    }
    uint16_t hi16 = (uint16_t)t->highest;
    int16_t d = (int16_t)(uint16_t)(seq - hi16);
    if (d > 0) {
        t->highest += (uint32_t)d; /* wraps into the cycle count on its own */
    } else if (d < -MAX_MISORDER) {
        /* The numbering restarted (a new source behind the same SSRC): count from here. */
        t->started = false;
        seq_track_packet(t, seq);
        return;
    }
    t->received++;
}

void seq_track_restart(seq_track *t)
{
    uint32_t ssrc = t->ssrc, mid = t->last_sr_mid;
    uint64_t at = t->last_sr_us;
    seq_track_init(t, ssrc);
    t->last_sr_mid = mid;
    t->last_sr_us = at;
}

uint64_t seq_track_expected(const seq_track *t)
{
    return t->started ? (uint64_t)(t->highest - t->first) + 1 : 0;
}

uint64_t seq_track_lost(const seq_track *t)
{
    uint64_t e = seq_track_expected(t);
    return e > t->received ? e - t->received : 0;
}

void seq_track_report(seq_track *t, uint64_t now_us, rtcp_report_block *b)
{
    uint32_t expected = (uint32_t)seq_track_expected(t), received = (uint32_t)t->received;
    uint32_t exp_int = expected - t->expected_prior, rec_int = received - t->received_prior;
    t->expected_prior = expected;
    t->received_prior = received;
    int64_t lost_int = (int64_t)exp_int - (int64_t)rec_int;
    uint64_t lost = seq_track_lost(t);
    memset(b, 0, sizeof *b);
    b->ssrc = t->ssrc;
    b->fraction_lost = exp_int && lost_int > 0 ? (uint8_t)((lost_int << 8) / exp_int) : 0;
    b->cumulative_lost = lost > 0x7fffff ? 0x7fffff : (int32_t)lost;
    b->ext_highest_seq = t->highest;
    b->lsr = t->last_sr_mid;
    if (t->last_sr_us) {
        uint64_t d = now_us - t->last_sr_us; /* in 1/65536 s */
        b->dlsr = (uint32_t)(d * 65536 / 1000000);
    }
}

void seq_track_sender_report(seq_track *t, uint64_t ntp, uint64_t now_us)
{
    t->last_sr_mid = rtcp_ntp_mid32(ntp);
    t->last_sr_us = now_us;
}
