/* What a publisher writes into each packet for the subscribers of this same process: when it was
 * sent, who sent it and from which simulcast layer.
 *
 * The hub rewrites SSRC, sequence numbers and timestamps per subscriber, strips header extensions
 * and switches a subscriber between layers on one SSRC, but forwards payloads untouched; so the tag
 * rides in the payload's last 12 bytes: "DHL", the layer (0 = lowest), the publisher's number
 * (16 bits) and the monotonic send time in µs (48 bits, about 8.9 years before it wraps), all
 * big-endian. Only payloads of at least LATENCY_TAG_MIN_PAYLOAD bytes are tagged, which keeps the
 * codec's own header (VP8 payload descriptor and frame tag, the first bytes) intact for the hub's
 * keyframe detection; nothing in the path decodes the media. */
#ifndef DH_LOAD_LATENCY_TAG_H
#define DH_LOAD_LATENCY_TAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LATENCY_TAG_LEN 12
#define LATENCY_TAG_MIN_PAYLOAD 40
#define LATENCY_TAG_TIME_MASK 0xFFFFFFFFFFFFull

typedef struct latency_tag {
    uint64_t sent_us; /* the low 48 bits of the sender's monotonic clock */
    uint16_t origin;  /* the publisher's number (0: not said) */
    uint8_t layer;    /* the simulcast layer, 0 = lowest; 0 for plain streams */
} latency_tag;

static inline void latency_tag_write(uint8_t *payload, size_t len, const latency_tag *tag)
{
    if (len < LATENCY_TAG_MIN_PAYLOAD) return;
    uint8_t *t = payload + len - LATENCY_TAG_LEN;
    memcpy(t, "DHL", 3);
    t[3] = tag->layer;
    t[4] = (uint8_t)(tag->origin >> 8);
    t[5] = (uint8_t)tag->origin;
    for (int i = 0; i < 6; i++)
        t[6 + i] = (uint8_t)(tag->sent_us >> (40 - 8 * i));
}

static inline bool latency_tag_read(const uint8_t *payload, size_t len, latency_tag *tag)
{
    if (len < LATENCY_TAG_MIN_PAYLOAD) return false;
    const uint8_t *t = payload + len - LATENCY_TAG_LEN;
    if (memcmp(t, "DHL", 3) != 0) return false;
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | t[6 + i];
    tag->layer = t[3];
    tag->origin = (uint16_t)(t[4] << 8 | t[5]);
    tag->sent_us = v;
    return true;
}

/* now - sent on the same clock, modulo the tag's 48 bits (so a wrap between the two is no jump);
 * a tag "from the future" (a corrupt one) comes out huge, which the caller drops. */
static inline uint64_t latency_tag_age_us(const latency_tag *tag, uint64_t now_us)
{
    return (now_us - tag->sent_us) & LATENCY_TAG_TIME_MASK;
}

#endif
