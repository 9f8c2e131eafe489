#include "keyframe.h"

bool keyframe_ask(keyframe_throttle *k, uint64_t now_us)
{
    if (k->last_us == 0 || now_us >= k->last_us + KEYFRAME_INTERVAL_US) {
        k->last_us = now_us;
        k->pending = false;
        return true;
    }
    if (k->pending) k->coalesced++;
    k->pending = true;
    return false;
}

bool keyframe_due(keyframe_throttle *k, uint64_t now_us)
{
    if (!k->pending || now_us < k->last_us + KEYFRAME_INTERVAL_US) return false;
    k->pending = false;
    k->last_us = now_us;
    return true;
}
