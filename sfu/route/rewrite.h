/* Per-subscriber rewriting of one outgoing stream: its own SSRC (chosen by signaling), a
 * sequence number and timestamp that start at random values (libsrtp's rollover estimate breaks
 * on loss around a wrap, and a guessable start helps nobody), and stay continuous when the stream
 * switches to another source (the floor moves, a simulcast layer changes).
 *
 * A video stream only starts, or switches, on a keyframe: the caller drops what is refused and
 * asks the publisher for a keyframe. Plain data; owned by the output's worker. */
#ifndef DH_REWRITE_H
#define DH_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rewrite {
    uint32_t source; /* source id the offsets belong to; 0 = not started */
    uint32_t clock;  /* RTP clock rate */
    uint16_t seq_off;
    uint32_t ts_off;
    uint16_t base_seq; /* first output seq of the current source: nothing older maps back */
    uint16_t last_seq;
    uint32_t last_ts;
    uint64_t last_us;
} rewrite;

void rewrite_init(rewrite *rw, uint32_t clock);

typedef enum { REWRITE_SEND = 0, REWRITE_WAIT_KEYFRAME, REWRITE_TOO_OLD } rewrite_result;

rewrite_result rewrite_packet(rewrite *rw, uint32_t source, uint16_t seq, uint32_t ts, bool video,
                              bool keyframe, uint64_t now_us, uint16_t *out_seq, uint32_t *out_ts);

/* Maps an output sequence number (from a subscriber's NACK) back to the source's. */
bool rewrite_source_seq(const rewrite *rw, uint16_t out_seq, uint16_t *src_seq);

#endif
