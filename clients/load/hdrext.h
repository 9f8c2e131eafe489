/* RTP header extension elements in the one-byte form (RFC 8285 4.2), written into the body that
 * rtp_write_header (sfu/proto/rtp.h) puts after the 0xBEDE profile: a simulcast layer names its
 * section and itself in every packet (the MID and RID extensions, RFC 8843 / RFC 8852), since the
 * hub learns a layer's SSRC from them, not from the SDP. */
#ifndef DH_LOAD_HDREXT_H
#define DH_LOAD_HDREXT_H

#include <stddef.h>
#include <stdint.h>

/* Room for a MID and a RID of the longest the one-byte form allows, padded. */
#define HDREXT_MAX 36

typedef struct hdrext_elem {
    uint8_t id;       /* 1..14: 0 is padding and 15 is reserved in the one-byte form */
    const char *data; /* 1..16 bytes */
    size_t len;
} hdrext_elem;

/* Writes the elements in order, then zero padding to a multiple of 4 bytes. Returns the body's
 * length, or 0 when an id or a length does not fit the one-byte form or the body exceeds cap. */
size_t hdrext_write(uint8_t *out, size_t cap, const hdrext_elem *elems, size_t n);

#endif
