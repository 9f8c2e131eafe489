/* Receive statistics of one incoming RTP stream (RFC 3550 A.1, A.3, A.8): extended highest
 * sequence number, loss, interarrival jitter, and the last sender report, from which the hub's
 * receiver reports to the publisher are built. Plain data; owned by the publisher's worker. */
#ifndef DH_RECV_STATS_H
#define DH_RECV_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "sfu/proto/rtcp.h"

typedef struct recv_stats {
    uint32_t ssrc;
    uint32_t clock;
    bool started;
    uint16_t max_seq;
    uint32_t cycles; /* shifted count of sequence wraps */
    uint32_t base_seq;
    uint32_t received;
    uint32_t expected_prior;
    uint32_t received_prior;
    uint64_t bytes;
    int64_t transit;    /* previous relative transit time, in clock units */
    uint32_t jitter_q4; /* jitter * 16 (A.8's fixed-point form) */
    uint32_t sr_mid;    /* middle 32 bits of the last SR's NTP time */
    uint64_t sr_us;     /* when it arrived (monotonic); 0 = none */
} recv_stats;

void recv_stats_init(recv_stats *rs, uint32_t ssrc, uint32_t clock);
void recv_stats_packet(recv_stats *rs, uint16_t seq, uint32_t ts, uint64_t now_us, uint32_t bytes);
void recv_stats_sender_report(recv_stats *rs, uint64_t ntp, uint64_t now_us);
/* Fills one report block and starts a new reporting interval. False when nothing was received. */
bool recv_stats_report(recv_stats *rs, uint64_t now_us, rtcp_report_block *out);
/* Packets lost so far (expected - received), never negative. */
uint32_t recv_stats_lost(const recv_stats *rs);

#endif
