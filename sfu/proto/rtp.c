/* RTP fixed header, CSRCs, header extensions and padding (RFC 3550 5.1, RFC 8285).
 *
 * rtp_parse and rtp_write_header run once per forwarded packet, so they touch only the bytes they
 * must, keep results in locals until the packet is known good, and call nothing. */
#include "sfu/proto/rtp.h"
#include "sfu/proto/bytes.h"

#include <string.h>

int rtp_parse(const uint8_t *buf, size_t len, rtp_view *out)
{
    if (len < 12) return RTP_E_SHORT;
    uint8_t b0 = buf[0];
    if ((b0 & 0xC0) != 0x80) return RTP_E_VERSION;

    size_t cc = b0 & 0x0F;
    size_t off = 12 + cc * 4;
    if (off > len) return RTP_E_SHORT;

    uint16_t profile = 0;
    size_t ext_off = 0, ext_len = 0;
    if (b0 & 0x10) {
        /* A missing 4-byte extension header is reported as an extension overrun too: either way
         * the X bit promised bytes that are not there. */
        if (len - off < 4) return RTP_E_EXT;
        profile = ld16(buf + off);
        ext_len = (size_t)ld16(buf + off + 2) * 4;
        ext_off = off + 4;
        if (len - ext_off < ext_len) return RTP_E_EXT;
        off = ext_off + ext_len;
    }

    size_t pad = 0;
    if (b0 & 0x20) {
        /* The count byte is the packet's last byte and counts itself, so it can never be zero,
         * and it may eat the whole payload (padding-only probes) but not into the header. */
        if (off == len) return RTP_E_PADDING;
        pad = buf[len - 1];
        if (pad == 0 || pad > len - off) return RTP_E_PADDING;
    }

    out->marker = buf[1] >> 7;
    out->payload_type = buf[1] & 0x7F;
    out->seq = ld16(buf + 2);
    out->ts = ld32(buf + 4);
    out->ssrc = ld32(buf + 8);
    out->csrc_count = (uint8_t)cc;
    out->has_padding = (b0 >> 5) & 1;
    out->pad_len = (uint8_t)pad;
    out->ext_profile = profile;
    out->ext_off = ext_off;
    out->ext_len = ext_len;
    out->header_len = off;
    out->payload_len = len - off - pad;
    return RTP_OK;
}

/* One-byte form (RFC 8285 4.2): ID(4) L(4), L+1 data bytes; ID 0 is a padding byte and ID 15 means
 * "stop parsing here". */
static bool find_one_byte(const uint8_t *p, size_t n, uint8_t id, const uint8_t **data,
                          size_t *data_len)
{
    if (id == 0 || id >= 15) return false;
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b == 0) {
            i++;
            continue;
        }
        uint8_t eid = b >> 4;
        if (eid == 15) return false;
        size_t elen = (size_t)(b & 0x0F) + 1;
        if (n - i - 1 < elen) return false;
        if (eid == id) {
            *data = p + i + 1;
            *data_len = elen;
            return true;
        }
        i += 1 + elen;
    }
    return false;
}

/* Two-byte form (RFC 8285 4.3): ID(8) L(8), L data bytes (L may be 0); ID 0 is a padding byte. */
static bool find_two_byte(const uint8_t *p, size_t n, uint8_t id, const uint8_t **data,
                          size_t *data_len)
{
    if (id == 0) return false;
    size_t i = 0;
    while (i < n) {
        uint8_t eid = p[i];
        if (eid == 0) {
            i++;
            continue;
        }
        if (n - i < 2) return false;
        size_t elen = p[i + 1];
        if (n - i - 2 < elen) return false;
        if (eid == id) {
            *data = p + i + 2;
            *data_len = elen;
            return true;
        }
        i += 2 + elen;
    }
    return false;
}

bool rtp_ext_find(const uint8_t *buf, const rtp_view *v, uint8_t id, const uint8_t **data,
                  size_t *data_len)
{
    if (v->ext_len == 0) return false;
    const uint8_t *p = buf + v->ext_off;
    if (v->ext_profile == 0xBEDE) return find_one_byte(p, v->ext_len, id, data, data_len);
    if ((v->ext_profile & 0xFFF0) == 0x1000)
        return find_two_byte(p, v->ext_len, id, data, data_len);
    return false;
}

bool rtp_audio_level(const uint8_t *buf, const rtp_view *v, uint8_t id, uint8_t *level, bool *voice)
{
    const uint8_t *d;
    size_t n;
    /* RFC 6464 3: the element is exactly one byte, V(1) level(7). */
    if (!rtp_ext_find(buf, v, id, &d, &n) || n != 1) return false;
    *level = d[0] & 0x7F;
    *voice = (d[0] & 0x80) != 0;
    return true;
}

bool rtp_is_rtcp(const uint8_t *buf, size_t len)
{
    if (len < 2) return false;
    uint8_t pt = buf[1] & 0x7F;
    return pt >= 64 && pt <= 95;
}

size_t rtp_write_header(uint8_t *out, size_t cap, const rtp_out_header *h)
{
    size_t n = 12;
    uint8_t b0 = 0x80;
    if (h->ext_body) {
        /* The length field counts 32-bit words, so a body that is not whole words or does not fit
         * 16 bits of them cannot be expressed. */
        if ((h->ext_len & 3) || h->ext_len > 0xFFFFu * 4) return 0;
        n += 4 + h->ext_len;
        b0 |= 0x10;
    }
    if (cap < n) return 0;
    if (h->has_padding) b0 |= 0x20;

    out[0] = b0;
    out[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->payload_type & 0x7F));
    st16(out + 2, h->seq);
    st32(out + 4, h->ts);
    st32(out + 8, h->ssrc);
    if (h->ext_body) {
        out[12] = 0xBE;
        out[13] = 0xDE;
        st16(out + 14, (uint16_t)(h->ext_len / 4));
        if (h->ext_len) memcpy(out + 16, h->ext_body, h->ext_len);
    }
    return n;
}
