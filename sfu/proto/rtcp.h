/* RTCP (RFC 3550, 4585, 5104, REMB draft, transport-cc draft): walking a compound packet, reading
 * the reports and feedback the forwarder acts on, and writing the ones it sends.
 *
 * Readers never allocate and never read past `len`. Writers return the bytes written, or 0 when
 * `cap` is too small. All lengths are in bytes. */
#ifndef DH_RTCP_H
#define DH_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_RTPFB = 205, /* fmt 1 = generic NACK, 15 = transport-cc */
    RTCP_PSFB = 206,  /* fmt 1 = PLI, 4 = FIR, 15 = application layer (REMB) */
};

enum {
    RTCP_OK = 0,
    RTCP_E_SHORT = -1,
    RTCP_E_VERSION = -2,
    RTCP_E_LENGTH = -3,
    RTCP_E_FORMAT = -4
};

/* One packet of a compound packet. */
typedef struct rtcp_view {
    uint8_t type;  /* packet type, 200..206 and others */
    uint8_t count; /* the 5-bit RC / FMT field */
    uint8_t padding;
    const uint8_t *pkt; /* start of this packet (its 4-byte header) */
    size_t len;         /* whole packet length including the header */
} rtcp_view;

typedef struct rtcp_iter {
    const uint8_t *buf;
    size_t len;
    size_t off;
} rtcp_iter;

void rtcp_iter_init(rtcp_iter *it, const uint8_t *buf, size_t len);
/* 1 and fills *out while there is a next packet; 0 at the end; negative RTCP_E* on malformed input
 * (iteration stops). */
int rtcp_iter_next(rtcp_iter *it, rtcp_view *out);

typedef struct rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed */
    uint32_t ext_highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
} rtcp_report_block;

#define RTCP_MAX_BLOCKS 31

typedef struct rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp; /* 32.32 fixed point */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t n_blocks;
    rtcp_report_block blocks[RTCP_MAX_BLOCKS];
} rtcp_sr;

typedef struct rtcp_rr {
    uint32_t ssrc;
    uint8_t n_blocks;
    rtcp_report_block blocks[RTCP_MAX_BLOCKS];
} rtcp_rr;

int rtcp_parse_sr(const rtcp_view *v, rtcp_sr *out);
int rtcp_parse_rr(const rtcp_view *v, rtcp_rr *out);

/* Feedback header: sender SSRC and media SSRC (RFC 4585 6.1). */
int rtcp_parse_fb(const rtcp_view *v, uint32_t *sender_ssrc, uint32_t *media_ssrc);

/* Generic NACK (RTPFB fmt 1): calls `fn` once per lost sequence number (PID and each BLP bit). */
int rtcp_parse_nack(const rtcp_view *v, void (*fn)(void *ctx, uint16_t seq), void *ctx);

/* FIR (PSFB fmt 4): the first FCI entry's SSRC and command sequence number. */
int rtcp_parse_fir(const rtcp_view *v, uint32_t *media_ssrc, uint8_t *seq_nr);

/* REMB (PSFB fmt 15, "REMB" identifier): bitrate in bit/s and up to `cap` SSRCs. */
int rtcp_parse_remb(const rtcp_view *v, uint64_t *bitrate, uint32_t *ssrcs, size_t cap,
                    size_t *n_ssrcs);

/* Writers. */
size_t rtcp_write_sr(uint8_t *out, size_t cap, const rtcp_sr *sr);
size_t rtcp_write_rr(uint8_t *out, size_t cap, const rtcp_rr *rr);
size_t rtcp_write_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);
size_t rtcp_write_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      uint8_t seq_nr);
/* Packs sorted-or-not `seqs` into PID/BLP pairs. */
size_t rtcp_write_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n);
size_t rtcp_write_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate,
                       const uint32_t *ssrcs, size_t n);

/* Transport-wide congestion control feedback (RTPFB fmt 15,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1): for the transport-wide sequence
 * numbers base_seq, base_seq + 1, ..., whether each packet arrived and, for those that did, a
 * receive delta in 250 us ticks from the previous arrival (the first from ref_time). */
typedef struct rtcp_twcc {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint16_t base_seq;
    uint16_t status_count; /* filled by the parser and by rtcp_twcc_end */
    int32_t ref_time;      /* 24-bit signed, in 64 ms units */
    uint8_t fb_count;      /* counts the feedback packets sent, wrapping */
} rtcp_twcc;

#define RTCP_TWCC_LOST INT32_MIN /* the delta of a packet not received */
#define RTCP_TWCC_MAX_LEN 1200   /* the largest packet the builder writes */
#define RTCP_TWCC_MAX_RUN 8191   /* 13 bits of run length */

/* Builds one feedback packet packet by packet, choosing run-length and status-vector chunks as it
 * goes. Plain data on the caller's stack; nothing is allocated. */
typedef struct rtcp_twcc_builder {
    uint8_t *out;
    size_t cap;
    rtcp_twcc h;
    uint32_t n;        /* statuses added */
    size_t chunks_len; /* chunk bytes written at out + 20 */
    uint8_t pend[14];  /* symbols not yet in a chunk (a longer run keeps its symbol in pend[0]) */
    uint16_t n_pend;   /* up to 14, or up to RTCP_TWCC_MAX_RUN while they are all one symbol */
    bool same, large;  /* all pending symbols are one; one of them needs two bits */
    size_t deltas_len; /* the deltas follow the chunks, whose count is known only at the end */
    uint8_t deltas[RTCP_TWCC_MAX_LEN];
} rtcp_twcc_builder;

/* `cap` above RTCP_TWCC_MAX_LEN is taken as RTCP_TWCC_MAX_LEN. h->status_count is ignored. */
void rtcp_twcc_begin(rtcp_twcc_builder *b, uint8_t *out, size_t cap, const rtcp_twcc *h);
/* Adds the next packet's status: a delta in 250 us ticks, or RTCP_TWCC_LOST. False, with nothing
 * added, when the delta needs more than 16 signed bits or the packet would outgrow the cap (or
 * 0xFFFF statuses): end this packet and start the next feedback at this one. */
bool rtcp_twcc_add(rtcp_twcc_builder *b, int32_t delta);
/* Completes the packet in `out` (zero-padded to a word); its length, or 0 when nothing was
 * added. */
size_t rtcp_twcc_end(rtcp_twcc_builder *b);

/* Reads a transport-cc feedback into *h and calls `fn` once per status, in sequence order, with
 * the delta or RTCP_TWCC_LOST. Checks the whole packet before the first call, so `fn` sees all
 * of a valid packet or none of an invalid one. A zero status count, a reserved symbol, or chunks
 * and deltas that run past the packet are RTCP_E_FORMAT / RTCP_E_SHORT. */
int rtcp_parse_twcc(const rtcp_view *v, rtcp_twcc *h,
                    void (*fn)(void *ctx, uint16_t seq, int32_t delta), void *ctx);

/* NTP 32.32 timestamp of a wall-clock time in microseconds since the Unix epoch. */
uint64_t rtcp_ntp_from_unix_us(uint64_t unix_us);
/* The middle 32 bits of an NTP timestamp (LSR field). */
static inline uint32_t rtcp_ntp_mid32(uint64_t ntp)
{
    return (uint32_t)(ntp >> 16);
}

#endif
