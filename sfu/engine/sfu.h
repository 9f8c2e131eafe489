/* The media plane as the signaling thread sees it: a fixed pool of media workers that own
 * transports (one per peer connection), the sources published on them and the outputs that
 * subscribers receive. Every call here is made from the signaling thread, returns at once and is
 * carried out by the owning worker through its command queue; what happens later (a transport
 * connected or failed) comes back as events.
 *
 * Ids are chosen by the caller, unique per kind for the life of the sfu, never 0. */
#ifndef DH_SFU_H
#define DH_SFU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/proto/codec.h"

#define SFU_MAX_WORKERS 64
#define SFU_MAX_ANNOUNCE 8

typedef struct sfu sfu;

typedef struct sfu_config {
    int workers;         /* 0 = one per online core */
    const char *bind_ip; /* address the workers' UDP sockets bind; "0.0.0.0" when NULL */
    uint16_t port_min;   /* UDP port range; one port per worker */
    uint16_t port_max;
    /* Addresses written as host candidates. None = every IPv4 address of the machine. */
    const char *announce[SFU_MAX_ANNOUNCE];
    size_t n_announce;
    uint32_t remb_bps; /* bitrate the hub tells publishers they may use (REMB) */
} sfu_config;

typedef enum {
    SFU_EV_CONNECTED = 1,   /* ICE and DTLS done, SRTP keyed */
    SFU_EV_FAILED,          /* handshake failed, fingerprint mismatch, ICE or consent timeout */
    SFU_EV_SOURCE_STATS,    /* twice a second per source: level and counters below */
    SFU_EV_TRANSPORT_STATS, /* twice a second per transport that measured a round trip: rtt_ms */
    SFU_EV_OUTPUT_SWITCHED, /* internal: handled by sfu_poll_events, never returned */
} sfu_event_type;

typedef struct sfu_event {
    sfu_event_type type;
    uint32_t transport;
    char reason[96];
    /* SFU_EV_SOURCE_STATS */
    uint32_t source;
    uint8_t loudness; /* audio: 127 - the loudest RFC 6464 level of the interval (0 = silence) */
    uint32_t packets; /* received in the interval */
    uint32_t bytes;
    uint32_t lost;         /* lost in the interval (expected - received) */
    uint32_t rtt_ms;       /* SFU_EV_TRANSPORT_STATS */
    uint32_t downlink_bps; /* SFU_EV_TRANSPORT_STATS: the peer's REMB estimate; 0 = none */
    bool reported;         /* SFU_EV_TRANSPORT_STATS: the peer sent receiver reports since... */
    uint8_t downlink_loss; /* ...and the worst fraction of video it lost in them (/256) */
    uint32_t output;       /* SFU_EV_OUTPUT_SWITCHED: this output now sends `source` */
} sfu_event;

typedef struct sfu_candidate {
    char ip[64];
    uint16_t port;
} sfu_candidate;

/* `wake` is called from worker threads when events are waiting; it must be thread-safe. */
sfu *sfu_new(const sfu_config *cfg, void (*wake)(void *ud), void *ud);
/* Stops the workers and frees everything. */
void sfu_free(sfu *s);
int sfu_worker_count(const sfu *s);
/* The DTLS certificate's SHA-256 fingerprint, "AB:CD:...". */
const char *sfu_fingerprint(const sfu *s);
/* The host candidates a transport on `worker` announces. */
size_t sfu_candidates(const sfu *s, int worker, sfu_candidate *out, size_t cap);
/* Events waiting for the signaling thread. */
size_t sfu_poll_events(sfu *s, sfu_event *out, size_t cap);

typedef struct sfu_transport_params {
    uint32_t id;
    char local_ufrag[33]; /* ours, as written in our SDP */
    char local_pwd[65];
    char fp_alg[16]; /* the peer's fingerprint from its SDP */
    uint8_t fp[64];
    uint8_t fp_len; /* 0: not known yet (we offered first); see sfu_transport_set_remote */
} sfu_transport_params;

/* Places the transport on the least loaded worker and returns that worker's index. */
int sfu_transport_create(sfu *s, const sfu_transport_params *p);
/* The peer's fingerprint, once its answer arrives; DTLS can only start after this. */
void sfu_transport_set_remote(sfu *s, uint32_t id, const char *fp_alg, const uint8_t *fp,
                              uint8_t fp_len);
/* Removes the transport with every source and output on it. */
void sfu_transport_close(sfu *s, uint32_t id);

typedef struct sfu_source_params {
    uint32_t id;
    uint32_t transport;
    codec_id codec;
    uint32_t clock;
    uint32_t ssrc;           /* media SSRC as the publisher announced it; 0: learned by rid */
    uint32_t rtx_ssrc;       /* 0 when none (or learned by repaired rid) */
    uint8_t audio_level_ext; /* RFC 6464 extension id, 0 when not negotiated */
    /* A simulcast layer (RFC 8853) announces no SSRC: its first packets carry the RID (RFC 8852)
     * and, when rids repeat across sections, the MID. The SSRCs are learned from them. */
    char rid[16];
    char mid[16];
    uint8_t rid_ext, rrid_ext, mid_ext; /* header extension ids; 0 = not negotiated */
    /* Transport-wide sequence number extension id (one per transport: the first non-zero one a
     * source brings is used); 0 = no transport-cc feedback. */
    uint8_t twcc_ext;
} sfu_source_params;

int sfu_source_add(sfu *s, const sfu_source_params *p);
void sfu_source_remove(sfu *s, uint32_t id);

typedef struct sfu_output_params {
    uint32_t id;
    uint32_t transport; /* the subscriber's */
    codec_id codec;
    uint32_t clock;
    uint32_t ssrc;
    uint8_t pt;
    uint32_t rtx_ssrc; /* 0 = retransmit on ssrc itself */
    uint8_t rtx_pt;
} sfu_output_params;

int sfu_output_add(sfu *s, const sfu_output_params *p);
void sfu_output_remove(sfu *s, uint32_t id);
/* How a video output that is already sending moves to another source. */
typedef enum {
    /* It goes on with the old source until the new one's keyframe, so the picture never freezes
     * (a floor change, a simulcast layer up, a thumbnail made big). */
    SFU_SWITCH_AT_KEYFRAME = 0,
    /* It stops the old source now and resumes at the new one's keyframe: for a viewer whose link
     * is congested, where more of the old layer would only lengthen the queue. */
    SFU_SWITCH_NOW,
} sfu_switch;

/* Points the output at a source (0 = at nothing, at once). The new source's keyframe is requested;
 * an output that is not sending yet starts at it. Sequence numbers and timestamps stay continuous
 * across switches. */
void sfu_output_bind(sfu *s, uint32_t output_id, uint32_t source_id, sfu_switch how);
/* Asks the publisher of `source` for a keyframe (throttled per source). */
void sfu_request_keyframe(sfu *s, uint32_t source_id);

/* Counters for /health and /metrics, summed over workers (read without locks; approximate). */
typedef struct sfu_counters {
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
    uint64_t forwarded, nacks_answered, plis_sent, srtp_errors, malformed, unknown_peer, ring_drops;
    uint64_t transports;
} sfu_counters;
void sfu_get_counters(const sfu *s, sfu_counters *out);
/* One worker's share (ring_drops left 0): how the load spreads over the cores. */
void sfu_get_worker_counters(const sfu *s, int index, sfu_counters *out);

/* ---- Recording tap ----
 * While a source is recorded, its worker copies each decrypted packet (and each sender report)
 * into that worker's tap ring for one consumer thread, the recorder. The copy is a memcpy into a
 * pre-allocated slot: no lock, no system call. A full ring drops the copy and counts it; the next
 * copy of that source that gets through says how many went missing before it. */
void sfu_source_record(sfu *s, uint32_t source_id, bool on);

typedef enum { SFU_TAP_RTP = 1, SFU_TAP_SR } sfu_tap_kind;

typedef struct sfu_tap_rec {
    uint8_t kind; /* sfu_tap_kind */
    uint32_t source;
    uint32_t dropped;    /* copies of this source lost (ring full) just before this one */
    uint64_t arrival_us; /* util_now_us() on the worker when the packet arrived */
    uint64_t ntp;        /* SR */
    uint32_t rtp_ts;     /* SR */
    uint32_t len;        /* RTP: bytes of the packet that follows */
} sfu_tap_rec;

typedef void (*sfu_tap_fn)(void *ud, const sfu_tap_rec *rec, const uint8_t *pkt);
/* The consumer (one thread only): hands every waiting copy, at most `max` of them, to fn, in
 * order per worker. Returns how many. */
size_t sfu_tap_drain(sfu *s, sfu_tap_fn fn, void *ud, size_t max);
/* Copies dropped so far because a tap ring was full. */
uint64_t sfu_tap_drops(const sfu *s);

#endif
