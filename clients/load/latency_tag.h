/* The send time a publisher writes into each packet for the subscribers of this same process.
 *
 * The hub rewrites SSRC, sequence numbers and timestamps per subscriber and strips header
 * extensions, but forwards payloads untouched; so the tag rides in the payload's last 12 bytes:
 * "DHLT" and the monotonic send time in µs, big-endian. Only payloads of at least
 * LATENCY_TAG_MIN_PAYLOAD bytes are tagged, which keeps the codec's own header (VP8 payload
 * descriptor and frame tag, the first bytes) intact for the hub's keyframe detection; nothing in
 * the path decodes the media. */
#ifndef DH_LOAD_LATENCY_TAG_H
#define DH_LOAD_LATENCY_TAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LATENCY_TAG_LEN 12
#define LATENCY_TAG_MIN_PAYLOAD 40

static inline void latency_tag_write(uint8_t *payload, size_t len, uint64_t us)
{
    if (len < LATENCY_TAG_MIN_PAYLOAD) return;
    uint8_t *t = payload + len - LATENCY_TAG_LEN;
    memcpy(t, "DHLT", 4);
    for (int i = 0; i < 8; i++)
        t[4 + i] = (uint8_t)(us >> (56 - 8 * i));
}

static inline bool latency_tag_read(const uint8_t *payload, size_t len, uint64_t *us)
{
    if (len < LATENCY_TAG_MIN_PAYLOAD) return false;
    const uint8_t *t = payload + len - LATENCY_TAG_LEN;
    if (memcmp(t, "DHLT", 4) != 0) return false;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | t[4 + i];
    *us = v;
    return true;
}

#endif
