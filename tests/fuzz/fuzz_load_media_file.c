/* dienhong-load's media files (clients/load/media_file.c): arbitrary bytes as an RFC 4571 stream,
 * as VP8 and as Opus. Whatever is accepted must describe itself consistently: frames cover the
 * packets in order without gaps, times never go back, every packet lies inside the file and is
 * RTP a sender can rewrite. */
#include "clients/load/media_file.h"
#include "sfu/proto/rtp.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

static void check_file(const media_file *m)
{
    size_t frames = media_file_frames(m), next = 0;
    uint64_t last = 0;
    check(frames > 0);
    for (size_t i = 0; i < frames; i++) {
        const media_frame *f = media_file_frame(m, i);
        check(f->first == next && f->count > 0);
        check(f->at_us >= last);
        last = f->at_us;
        for (uint32_t k = 0; k < f->count; k++) {
            size_t len;
            const uint8_t *p = media_file_packet(m, f->first + k, &len);
            rtp_view v;
            check(p != NULL && len <= MEDIA_MAX_PACKET);
            check(rtp_parse(p, len, &v) == RTP_OK && v.payload_len > 0);
        }
        next = f->first + f->count;
    }
    size_t len;
    check(media_file_packet(m, next, &len) == NULL);
    check(media_file_period_us(m) > last);
    (void)media_file_bitrate(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const codec_id codecs[] = {CODEC_VP8, CODEC_OPUS};
    for (size_t c = 0; c < 2; c++) {
        char err[200];
        err[0] = '\0';
        media_file *m = media_file_parse(data, size, codecs[c], err, sizeof err);
        if (m) {
            check_file(m);
            media_file_free(m);
        } else {
            check(err[0] != '\0');
        }
    }
    return 0;
}
