/* RTP packets (RFC 3550) and header extensions (RFC 8285): parsing into a view, and writing the
 * fixed header that the forwarder emits per subscriber.
 *
 * Parsers never allocate and never read past `len`; they return 0 or a negative RTP_E* value.
 * A view points into the caller's buffer and lives as long as it does. */
#ifndef DH_RTP_H
#define DH_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    RTP_OK = 0,
    RTP_E_SHORT = -1,   /* shorter than the fixed header or than what the header announces */
    RTP_E_VERSION = -2, /* version is not 2 */
    RTP_E_PADDING = -3, /* padding count is zero or larger than the payload */
    RTP_E_EXT = -4,     /* header extension length runs past the packet */
};

typedef struct rtp_view {
    uint8_t marker;
    uint8_t payload_type;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    uint8_t csrc_count;
    uint8_t has_padding;
    uint8_t pad_len;      /* bytes of padding at the end, including the count byte */
    uint16_t ext_profile; /* 0xBEDE (one-byte), 0x1000-0x100F (two-byte), else other; 0 if none */
    size_t ext_off;       /* offset of the extension body (after the 4-byte ext header) */
    size_t ext_len;       /* bytes of the extension body */
    size_t header_len;    /* fixed header + CSRCs + extension: the payload starts here */
    size_t payload_len;   /* payload bytes, padding excluded */
} rtp_view;

int rtp_parse(const uint8_t *buf, size_t len, rtp_view *out);

/* Finds the element with `id` in a one-byte or two-byte extension block (RFC 8285).
 * Returns true and sets *data and *data_len (pointing into buf) when found. */
bool rtp_ext_find(const uint8_t *buf, const rtp_view *v, uint8_t id, const uint8_t **data,
                  size_t *data_len);

/* RFC 6464 ssrc-audio-level element: level in -dBov (0 loudest .. 127 silence) and voice flag.
 * Returns false when the element is absent or malformed. */
bool rtp_audio_level(const uint8_t *buf, const rtp_view *v, uint8_t id, uint8_t *level,
                     bool *voice);

/* RFC 5761 demultiplexing of RTP and RTCP on one port: true when the second byte's payload
 * type falls in 64..95 (RTCP packet types 192..223). `len` must be >= 2. */
bool rtp_is_rtcp(const uint8_t *buf, size_t len);

/* The header the forwarder writes for a subscriber: no CSRCs, optionally one one-byte-form
 * extension block built by the caller. Writes 12 bytes (+ ext) and returns the count, or 0 when
 * `cap` is too small. */
typedef struct rtp_out_header {
    uint8_t marker;
    uint8_t payload_type;
    uint8_t has_padding;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    const uint8_t *ext_body; /* already padded to a multiple of 4; NULL for none */
    size_t ext_len;
} rtp_out_header;

size_t rtp_write_header(uint8_t *out, size_t cap, const rtp_out_header *h);

/* Sequence arithmetic with wrap-around (RFC 3550 A.1). */
static inline int16_t rtp_seq_diff(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(a - b);
}

#endif
