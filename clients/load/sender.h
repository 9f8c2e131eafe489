/* Replays one media file as one outgoing RTP stream at real-time pace, looping: SSRC, sequence
 * numbers and timestamps are our own (timestamps follow the wall clock, so a jump to a keyframe
 * or a late timer never makes time go back), and every packet carries its send time, its
 * publisher and its layer so that a subscriber in this process measures one-way latency and sees
 * which layer the hub chose for it (latency_tag.h).
 *
 * A simulcast publisher runs one sender per layer, each with its own SSRC and a header extension
 * (hdrext.h: MID and RID) in every packet, which is how the hub tells the layers apart.
 *
 * A keyframe request (PLI/FIR from the hub, on a new subscriber) makes the next frame sent the
 * file's next keyframe, as an encoder would answer with a fresh picture. */
#ifndef DH_LOAD_SENDER_H
#define DH_LOAD_SENDER_H

#include <ev.h>
#include <stdint.h>

#include "media_file.h"
#include "peer.h"

typedef struct sender sender;

typedef struct sender_cfg {
    const media_file *m; /* shared, outlives the sender */
    peer *p;
    uint8_t pt;
    uint32_t ssrc;
    uint16_t origin;    /* the publisher's number, for the tag */
    uint8_t layer;      /* the simulcast layer, 0 = lowest (0 for plain streams) */
    const uint8_t *ext; /* a header extension body for every packet (copied), NULL for none */
    size_t ext_len;     /* a multiple of 4, at most HDREXT_MAX */
} sender_cfg;

/* NULL when out of memory or the extension body is malformed. */
sender *sender_new(struct ev_loop *loop, const sender_cfg *cfg);
void sender_free(sender *s);

/* Starts sending now (the peer is ready); idempotent. */
void sender_start(sender *s);
void sender_keyframe(sender *s);
uint32_t sender_ssrc(const sender *s);

/* Writes a sender report for this stream (RFC 3550 6.4.1) into out; 0 when cap is too small or
 * nothing was sent yet. */
size_t sender_report(const sender *s, uint8_t *out, size_t cap);

typedef struct sender_counters {
    uint64_t packets, bytes, keyframes_asked;
} sender_counters;
const sender_counters *sender_stats(const sender *s);

#endif
