/* What one received RTP stream tells about loss (RFC 3550 A.1 and A.3): the extended highest
 * sequence number, how many packets arrived, and the report block a receiver report carries.
 *
 * Loss is counted from sequence ranges: expected = highest - first + 1, lost = expected -
 * received (duplicates can make it negative; reports clamp it). Plain data, no allocation. */
#ifndef DH_LOAD_SEQ_TRACK_H
#define DH_LOAD_SEQ_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "sfu/proto/rtcp.h"

typedef struct seq_track {
    uint32_t ssrc;
    bool started;
    uint32_t first;    /* extended sequence number of the first packet counted */
    uint32_t highest;  /* extended highest sequence number */
    uint64_t received; /* packets counted (duplicates included) */
    uint32_t expected_prior, received_prior; /* at the last report (fraction lost) */
    uint32_t last_sr_mid; /* the middle 32 bits of the last sender report's NTP time */
    uint64_t last_sr_us;  /* when it arrived (monotonic) */
} seq_track;

void seq_track_init(seq_track *t, uint32_t ssrc);
/* Counts one packet. A packet far behind (more than 3000 before the highest) is taken as a
 * restart of the stream's numbering, as RFC 3550 A.1 does after two in a row; here after one,
 * since the hub never reorders that much. */
void seq_track_packet(seq_track *t, uint16_t seq);
/* Starts counting afresh at the next packet (the steady window begins). */
void seq_track_restart(seq_track *t);
uint64_t seq_track_expected(const seq_track *t);
/* expected - received, never negative. */
uint64_t seq_track_lost(const seq_track *t);
/* Fills a report block for now (monotonic µs) and starts the next reporting interval. */
void seq_track_report(seq_track *t, uint64_t now_us, rtcp_report_block *b);
/* Remembers a sender report for LSR/DLSR. */
void seq_track_sender_report(seq_track *t, uint64_t ntp, uint64_t now_us);

#endif
