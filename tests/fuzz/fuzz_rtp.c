/* Feeds arbitrary bytes to rtp_parse and, when it accepts them, to every reader of a parsed
 * packet: extension lookup for each one-byte id, the audio level, and both keyframe detectors on
 * the payload. The view's arithmetic must add up, every pointer handed out must lie inside the
 * input, and a header rewritten from the view must parse back to the same fields. */
#include "sfu/proto/codec.h"
#include "sfu/proto/rtp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

/* Rewrites the fixed header (and a one-byte extension block) from the view, then parses that
 * header alone: the forwarder's writer and the parser must agree on every field. */
static void rewrite(const uint8_t *data, const rtp_view *v)
{
    static uint8_t out[12 + 4 + 0xFFFF * 4];
    bool one_byte = v->ext_profile == 0xBEDE && v->ext_len > 0;
    rtp_out_header h = {
        .marker = v->marker,
        .payload_type = v->payload_type,
        .has_padding = 0,
        .seq = v->seq,
        .ts = v->ts,
        .ssrc = v->ssrc,
        .ext_body = one_byte ? data + v->ext_off : NULL,
        .ext_len = one_byte ? v->ext_len : 0,
    };
    size_t n = rtp_write_header(out, sizeof out, &h);
    check(n == 12 + (one_byte ? 4 + v->ext_len : 0));
    check(rtp_write_header(out, n - 1, &h) == 0);

    rtp_view w;
    check(rtp_parse(out, n, &w) == RTP_OK);
    check(w.marker == v->marker && w.payload_type == v->payload_type && w.seq == v->seq &&
          w.ts == v->ts && w.ssrc == v->ssrc && w.csrc_count == 0 && w.has_padding == 0);
    check(w.header_len == n && w.payload_len == 0);
    if (one_byte) {
        check(w.ext_profile == 0xBEDE && w.ext_len == v->ext_len);
        check(memcmp(out + w.ext_off, data + v->ext_off, v->ext_len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 2) (void)rtp_is_rtcp(data, size);

    rtp_view v;
    int rc = rtp_parse(data, size, &v);
    if (rc != RTP_OK) {
        check(rc == RTP_E_SHORT || rc == RTP_E_VERSION || rc == RTP_E_PADDING || rc == RTP_E_EXT);
        return 0;
    }
    check(v.header_len + v.payload_len + v.pad_len == size);
    check(v.header_len >= 12 + 4u * v.csrc_count);
    check(v.ext_off + v.ext_len <= v.header_len);
    check(v.has_padding == (v.pad_len != 0));

    for (uint8_t id = 1; id <= 14; id++) {
        const uint8_t *d = NULL;
        size_t n = 0;
        if (rtp_ext_find(data, &v, id, &d, &n)) {
            check(d >= data + v.ext_off && d + n <= data + v.ext_off + v.ext_len);
            volatile uint8_t sink = n ? d[n - 1] : 0;
            (void)sink;
        }
        uint8_t level;
        bool voice;
        if (rtp_audio_level(data, &v, id, &level, &voice)) check(level <= 127);
    }
    /* Two-byte ids beyond the one-byte range. */
    const uint8_t *d;
    size_t n;
    (void)rtp_ext_find(data, &v, 255, &d, &n);

    /* An exact-size copy, so a detector reading into the padding is caught by ASan too. */
    uint8_t *payload = malloc(v.payload_len ? v.payload_len : 1);
    if (payload) {
        memcpy(payload, data + v.header_len, v.payload_len);
        (void)codec_is_keyframe(CODEC_VP8, payload, v.payload_len);
        (void)codec_is_keyframe(CODEC_H264, payload, v.payload_len);
        free(payload);
    }

    rewrite(data, &v);
    return 0;
}
