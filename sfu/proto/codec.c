/* Codec names and keyframe detection from the RTP payload alone (RFC 7741 for VP8, RFC 6184 for
 * H.264). Every read is bounds-checked: payloads come straight from the network. */
#include "sfu/proto/codec.h"

/* ASCII-only and locale-free: SDP encoding names are ASCII tokens, and strcasecmp would follow
 * the process locale. */
static bool name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
        if (ca != cb) return false;
        if (ca == '\0') return true;
    }
}

codec_id codec_from_name(const char *name)
{
    if (!name) return CODEC_NONE;
    if (name_eq(name, "opus")) return CODEC_OPUS;
    if (name_eq(name, "VP8")) return CODEC_VP8;
    if (name_eq(name, "H264")) return CODEC_H264;
    return CODEC_NONE;
}

const char *codec_name(codec_id c)
{
    switch (c) {
    case CODEC_OPUS:
        return "opus";
    case CODEC_VP8:
        return "VP8";
    case CODEC_H264:
        return "H264";
    case CODEC_NONE:
        break;
    }
    return "none";
}

bool vp8_is_keyframe(const uint8_t *payload, size_t len)
{
    if (len < 1) return false;
    uint8_t b0 = payload[0];
    /* Only the first packet of partition 0 carries the frame header: S=1 and PID=0. */
    if (!(b0 & 0x10) || (b0 & 0x07) != 0) return false;
    size_t off = 1;
    if (b0 & 0x80) { /* X: extension byte I L T K */
        if (len < 2) return false;
        uint8_t x = payload[1];
        off = 2;
        if (x & 0x80) { /* I: PictureID, 15 bits when its M bit is set, else 7 */
            if (off >= len) return false;
            off += (payload[off] & 0x80) ? 2 : 1;
        }
        if (x & 0x40) off++; /* L: TL0PICIDX */
        if (x & 0x30) off++; /* T or K: one shared TID|Y|KEYIDX byte */
    }
    if (off >= len) return false;
    /* RFC 6386 9.1 frame tag: bit 0 is the inverse key-frame flag. */
    return (payload[off] & 0x01) == 0;
}

static bool h264_nal_is_key(uint8_t nal_type)
{
    return nal_type == 5 || nal_type == 7; /* IDR slice, SPS */
}

/* STAP-A / STAP-B body: a run of (16-bit size, NAL unit). */
static bool h264_stap_has_key(const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (len - off >= 3) {
        size_t sz = ((size_t)p[off] << 8) | p[off + 1];
        off += 2;
        if (sz == 0 || sz > len - off) return false;
        if (h264_nal_is_key(p[off] & 0x1F)) return true;
        off += sz;
    }
    return false;
}

bool h264_is_keyframe(const uint8_t *payload, size_t len)
{
    if (len < 1) return false;
    uint8_t type = payload[0] & 0x1F;
    if (type >= 1 && type <= 23) return h264_nal_is_key(type);
    switch (type) {
    case 24: /* STAP-A */
        return h264_stap_has_key(payload + 1, len - 1);
    case 25: /* STAP-B: a 16-bit DON precedes the units */
        return len >= 3 && h264_stap_has_key(payload + 3, len - 3);
    case 28: /* FU-A */
    case 29: /* FU-B: its DON follows the FU header, which is all we read */
        /* Only the start fragment says where a frame begins. */
        return len >= 2 && (payload[1] & 0x80) && h264_nal_is_key(payload[1] & 0x1F);
    default: /* MTAP is for interleaved mode, which WebRTC never negotiates */
        return false;
    }
}

bool codec_is_keyframe(codec_id c, const uint8_t *payload, size_t len)
{
    switch (c) {
    case CODEC_VP8:
        return vp8_is_keyframe(payload, len);
    case CODEC_H264:
        return h264_is_keyframe(payload, len);
    case CODEC_OPUS:
        /* Every Opus packet decodes on its own, so any of them is a place to start. */
        return true;
    case CODEC_NONE:
        break;
    }
    return false;
}
