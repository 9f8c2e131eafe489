#include "rewrite.h"

#include "sfu/base/util.h"
#include "sfu/proto/rtp.h"

/* How far back (in packets) a late packet or a NACK is still mapped to the current source. */
#define REWRITE_WINDOW 8192

void rewrite_init(rewrite *rw, uint32_t clock)
{
    *rw = (rewrite){.clock = clock};
}

rewrite_result rewrite_packet(rewrite *rw, uint32_t source, uint16_t seq, uint32_t ts, bool video,
                              bool keyframe, uint64_t now_us, uint16_t *out_seq, uint32_t *out_ts)
{
    if (rw->source != source) {
        if (video && !keyframe) return REWRITE_WAIT_KEYFRAME;
        uint16_t first_seq;
        uint32_t first_ts;
        if (rw->source == 0 && rw->last_us == 0) {
            first_seq = (uint16_t)util_random_u32();
            first_ts = util_random_u32();
        } else {
            /* Continue where the previous source left off, advancing the timestamp by the real
             * time that passed so that the receiver's jitter buffer sees no jump. */
            uint64_t elapsed = now_us > rw->last_us ? now_us - rw->last_us : 0;
            uint32_t step = (uint32_t)(elapsed * rw->clock / 1000000u);
            first_seq = (uint16_t)(rw->last_seq + 1);
            first_ts = rw->last_ts + (step ? step : 1);
        }
        rw->source = source;
        rw->seq_off = (uint16_t)(first_seq - seq);
        rw->ts_off = first_ts - ts;
        rw->base_seq = first_seq;
        rw->last_seq = (uint16_t)(first_seq - 1);
        rw->last_ts = first_ts;
    }
    uint16_t s = (uint16_t)(seq + rw->seq_off);
    if (rtp_seq_diff(s, rw->base_seq) < 0) return REWRITE_TOO_OLD;
    uint32_t t = ts + rw->ts_off;
    if (rtp_seq_diff(s, rw->last_seq) > 0) {
        rw->last_seq = s;
        rw->last_ts = t;
        rw->last_us = now_us;
        /* The switch point only guards against stragglers of the previous source; it must trail
         * the stream, or after 32768 packets every new one would look older than it. */
        if (rtp_seq_diff(s, rw->base_seq) > REWRITE_WINDOW)
            rw->base_seq = (uint16_t)(s - REWRITE_WINDOW);
    }
    *out_seq = s;
    *out_ts = t;
    return REWRITE_SEND;
}

bool rewrite_source_seq(const rewrite *rw, uint16_t out_seq, uint16_t *src_seq)
{
    if (rw->source == 0) return false;
    if (rtp_seq_diff(out_seq, rw->base_seq) < 0 || rtp_seq_diff(out_seq, rw->last_seq) > 0)
        return false;
    *src_seq = (uint16_t)(out_seq - rw->seq_off);
    return true;
}
