/* Keyframe-request economy for one publisher stream: however many subscribers ask (a site joins,
 * a packet was lost, the floor moved), the publisher's encoder gets at most one request per
 * interval. A request inside the interval is remembered and sent when the interval ends, so no
 * subscriber waits forever. Plain data; owned by the publisher's worker. */
#ifndef DH_KEYFRAME_H
#define DH_KEYFRAME_H

#include <stdbool.h>
#include <stdint.h>

#define KEYFRAME_INTERVAL_US 1000000u

typedef struct keyframe_throttle {
    uint64_t last_us; /* when a request last went to the publisher; 0 = never */
    bool pending;
    uint32_t coalesced; /* requests folded into another (for metrics) */
} keyframe_throttle;

/* A subscriber asks. True when a request must go to the publisher now. */
bool keyframe_ask(keyframe_throttle *k, uint64_t now_us);
/* Called on the worker's timer. True when a pending request is now due. */
bool keyframe_due(keyframe_throttle *k, uint64_t now_us);

#endif
