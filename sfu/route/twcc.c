/* Transport-cc arrival records and the feedback built from them (see twcc.h).
 *
 * Sequence numbers are extended to 64 bits against the highest one received, so wrapping at 65535
 * is invisible here. Three marks order the ring:
 *   floor <= next <= end
 * where `end` is one past the highest number received, `next` the first not yet reported, and
 * `floor` the oldest number whose slot is known to be current: every slot in [floor, end) holds
 * either that number's arrival or -1 (not received). A slot is cleared when the window grows over
 * it, so a slot left from a number TWCC_RING earlier never reads as an arrival. */
#include "sfu/route/twcc.h"

#include <stdlib.h>

#include "sfu/proto/rtcp.h"

#define MASK (TWCC_RING - 1)
#define TICK_US 250   /* receive deltas count these */
#define REF_TICKS 256 /* the reference time counts 64 ms: 256 ticks */

struct twcc {
    bool started;
    int64_t floor, next, end;
    uint32_t ssrc;         /* the latest packet's: the feedback's media SSRC */
    uint8_t fb_count;      /* feedback packets sent, wrapping */
    uint64_t due_us;       /* the next periodic feedback */
    int64_t at[TWCC_RING]; /* arrival in us by sequence number; -1 = not received */
};

twcc *twcc_new(void)
{
    twcc *tw = calloc(1, sizeof *tw);
    if (!tw) return NULL;
    for (size_t i = 0; i < TWCC_RING; i++)
        tw->at[i] = -1;
    return tw;
}

void twcc_free(twcc *tw)
{
    free(tw);
}

static void clear(twcc *tw, int64_t from, int64_t to)
{
    for (int64_t s = from; s < to; s++)
        tw->at[s & MASK] = -1;
}

void twcc_packet(twcc *tw, uint16_t seq, uint32_t ssrc, uint64_t now_us)
{
    int64_t ext;
    if (!tw->started) {
        tw->started = true;
        ext = (int64_t)1 << 32 | seq; /* kept positive however far a late packet reaches back */
        tw->floor = tw->next = ext;
        tw->end = ext + 1;
    } else {
        int64_t top = tw->end - 1;
        ext = top + (int16_t)(uint16_t)(seq - (uint16_t)top);
    }
    tw->ssrc = ssrc;
    int64_t lo = tw->end - TWCC_RING; /* the oldest number the ring can hold with `end` */
    if (ext >= tw->end) {
        /* Forward: the numbers skipped are not received (yet). Past the ring's reach the oldest
         * ones fall off, reported or not; the clearing is bounded by the ring either way. */
        lo = ext + 1 - TWCC_RING;
        clear(tw, tw->end > lo ? tw->end : lo, ext);
        if (tw->floor < lo) tw->floor = lo;
        if (tw->next < lo) tw->next = lo;
        tw->end = ext + 1;
    } else if (ext < tw->floor) {
        /* Older than anything held (reordered around the first packets): extend the window
         * down to it when the ring still reaches, else it is too late to tell. */
        if (ext < lo) return;
        clear(tw, ext + 1, tw->floor);
        tw->floor = ext;
    } else if (tw->at[ext & MASK] >= 0) {
        return; /* a duplicate keeps its first arrival */
    }
    tw->at[ext & MASK] = (int64_t)now_us;
    /* Reported lost already: report the range from here again. */
    if (ext < tw->next) tw->next = ext;
}

uint32_t twcc_pending(const twcc *tw)
{
    return tw->started ? (uint32_t)(tw->end - tw->next) : 0;
}

bool twcc_due(const twcc *tw, uint64_t now_us)
{
    uint32_t n = twcc_pending(tw);
    return n && (now_us >= tw->due_us || n >= TWCC_EAGER);
}

size_t twcc_feedback(twcc *tw, uint32_t sender_ssrc, uint64_t now_us, uint8_t *out, size_t cap)
{
    if (!twcc_pending(tw)) return 0;
    /* The highest number was received, so a first arrival exists; the reference time is its
     * 64 ms period, which keeps its delta within one byte. */
    int64_t s = tw->next;
    while (tw->at[s & MASK] < 0)
        s++;
    int64_t ref = tw->at[s & MASK] / TICK_US / REF_TICKS;
    rtcp_twcc h = {.sender_ssrc = sender_ssrc,
                   .media_ssrc = tw->ssrc,
                   .base_seq = (uint16_t)tw->next,
                   .ref_time = (int32_t)(ref & 0xFFFFFF),
                   .fb_count = tw->fb_count};
    rtcp_twcc_builder b;
    rtcp_twcc_begin(&b, out, cap, &h);
    /* Deltas are differences of whole ticks, so rounding never accumulates along a feedback. */
    int64_t prev = ref * REF_TICKS;
    for (s = tw->next; s < tw->end; s++) {
        int64_t a = tw->at[s & MASK];
        int32_t d = RTCP_TWCC_LOST;
        if (a >= 0) {
            int64_t dd = a / TICK_US - prev;
            d = dd >= INT16_MIN && dd <= INT16_MAX ? (int32_t)dd : INT32_MAX; /* refused: split */
        }
        if (!rtcp_twcc_add(&b, d)) break;
        if (a >= 0) prev = a / TICK_US;
    }
    size_t n = rtcp_twcc_end(&b);
    if (!n) return 0;
    tw->next = s;
    tw->fb_count++;
    tw->due_us = now_us + TWCC_INTERVAL_US;
    return n;
}
