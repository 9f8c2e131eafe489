/* The media file: RFC 4571-framed RTP. Built byte by byte here, so every field is visible. */
#include <stdlib.h>
#include <string.h>

#include "clients/load/media_file.h"
#include "tests/unit/check.h"

typedef struct {
    uint8_t b[8192];
    size_t n;
} buf_t;

/* Appends one framed RTP packet: 12-byte header, then `payload` bytes of `fill`. */
static void add(buf_t *f, uint8_t pt, uint8_t marker, uint16_t seq, uint32_t ts, uint32_t ssrc,
                const uint8_t *payload, size_t plen)
{
    size_t len = 12 + plen;
    f->b[f->n++] = (uint8_t)(len >> 8);
    f->b[f->n++] = (uint8_t)len;
    uint8_t h[12] = {0x80,
                     (uint8_t)(marker << 7 | pt),
                     (uint8_t)(seq >> 8),
                     (uint8_t)seq,
                     (uint8_t)(ts >> 24),
                     (uint8_t)(ts >> 16),
                     (uint8_t)(ts >> 8),
                     (uint8_t)ts,
                     (uint8_t)(ssrc >> 24),
                     (uint8_t)(ssrc >> 16),
                     (uint8_t)(ssrc >> 8),
                     (uint8_t)ssrc};
    memcpy(f->b + f->n, h, 12);
    memcpy(f->b + f->n + 12, payload, plen);
    f->n += len;
}

int main(void)
{
    /* VP8: a keyframe of two packets (S=1 PID=0, frame tag P bit 0), then a delta frame. */
    static const uint8_t key_start[] = {0x10, 0x00, 0x9d, 0x01, 0x2a, 1, 2, 3};
    static const uint8_t cont[] = {0x00, 4, 5, 6, 7};
    static const uint8_t delta[] = {0x10, 0x01, 8, 9};
    buf_t f = {.n = 0};
    add(&f, 96, 0, 100, 90000, 7, key_start, sizeof key_start);
    add(&f, 96, 1, 101, 90000, 7, cont, sizeof cont);
    add(&f, 96, 1, 102, 93000, 7, delta, sizeof delta);
    char err[200];
    media_file *m = media_file_parse(f.b, f.n, CODEC_VP8, err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ(media_file_clock(m), 90000);
        CHECK_EQ(media_file_frames(m), 2);
        const media_frame *a = media_file_frame(m, 0), *b = media_file_frame(m, 1);
        CHECK_EQ(a->first, 0);
        CHECK_EQ(a->count, 2);
        CHECK_EQ(a->at_us, 0);
        CHECK(a->keyframe);
        CHECK_EQ(b->first, 2);
        CHECK_EQ(b->count, 1);
        CHECK_EQ(b->at_us, 33333);
        CHECK(!b->keyframe);
        CHECK(media_file_frame(m, 2) == NULL);
        size_t len;
        const uint8_t *p = media_file_packet(m, 1, &len);
        CHECK_EQ(len, 12 + sizeof cont);
        CHECK(p && memcmp(p + 12, cont, sizeof cont) == 0);
        CHECK(media_file_packet(m, 3, &len) == NULL);
        /* One pass: the last frame plus one mean interval. */
        CHECK_EQ(media_file_period_us(m), 66666);
        media_file_free(m);
    }

    /* Opus at 48 kHz, timestamps wrapping around 2^32 without going back. */
    static const uint8_t opus[] = {0xfc, 1, 2, 3};
    buf_t o = {.n = 0};
    add(&o, 111, 0, 1, 0xFFFFFC40u, 9, opus, sizeof opus);
    add(&o, 111, 0, 2, 0x00000000u, 9, opus, sizeof opus);
    add(&o, 111, 0, 3, 0x000003C0u, 9, opus, sizeof opus);
    m = media_file_parse(o.b, o.n, CODEC_OPUS, err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ(media_file_frames(m), 3);
        CHECK_EQ(media_file_frame(m, 1)->at_us, 20000);
        CHECK_EQ(media_file_frame(m, 2)->at_us, 40000);
        CHECK_EQ(media_file_period_us(m), 60000);
        media_file_free(m);
    }

    /* What is refused, each with its reason. */
    static const struct {
        size_t cut; /* parse only the first `cut` bytes of f (0: special cases below) */
        const char *why;
    } truncs[] = {{1, "truncated length prefix"}, {10, "truncated packet"}};
    for (size_t i = 0; i < sizeof truncs / sizeof truncs[0]; i++) {
        CHECK(media_file_parse(f.b, truncs[i].cut, CODEC_VP8, err, sizeof err) == NULL);
        CHECK(strstr(err, truncs[i].why) != NULL);
    }
    CHECK(media_file_parse(f.b, 0, CODEC_VP8, err, sizeof err) == NULL);
    CHECK(strstr(err, "no packets") != NULL);
    CHECK(media_file_parse(f.b, f.n, CODEC_H264, err, sizeof err) == NULL);

    buf_t bad = {.n = 0};
    add(&bad, 96, 0, 1, 1000, 7, delta, sizeof delta);
    add(&bad, 96, 0, 2, 900, 7, delta, sizeof delta);
    CHECK(media_file_parse(bad.b, bad.n, CODEC_VP8, err, sizeof err) == NULL);
    CHECK(strstr(err, "timestamp goes back") != NULL);

    bad.n = 0;
    add(&bad, 96, 0, 1, 1000, 7, delta, sizeof delta);
    add(&bad, 96, 0, 2, 1000, 8, delta, sizeof delta);
    CHECK(media_file_parse(bad.b, bad.n, CODEC_VP8, err, sizeof err) == NULL);
    CHECK(strstr(err, "more than one SSRC") != NULL);

    bad.n = 0;
    add(&bad, 96, 0, 1, 1000, 7, delta, sizeof delta);
    bad.b[2] = 0x40; /* RTP version 1 */
    CHECK(media_file_parse(bad.b, bad.n, CODEC_VP8, err, sizeof err) == NULL);
    CHECK(strstr(err, "not RTP") != NULL);

    bad.n = 0;
    add(&bad, 96, 0, 1, 1000, 7, delta, 0);
    CHECK(media_file_parse(bad.b, bad.n, CODEC_VP8, err, sizeof err) == NULL);
    CHECK(strstr(err, "empty payload") != NULL);

    uint8_t big[1500] = {0};
    bad.n = 0;
    add(&bad, 96, 0, 1, 1000, 7, big, 1400);
    CHECK(media_file_parse(bad.b, bad.n, CODEC_VP8, err, sizeof err) == NULL);
    CHECK(strstr(err, "over 1400") != NULL);

    /* The file the build made, when there is one: real VP8 from GStreamer has keyframes. */
    const char *dir = getenv("DH_LOAD_MEDIA");
    if (dir) {
        char path[600];
        snprintf(path, sizeof path, "%s/vp8-360p.rtp", dir);
        m = media_file_load(path, CODEC_VP8, err, sizeof err);
        if (m) {
            CHECK(media_file_frame(m, 0)->keyframe);
            CHECK(media_file_frames(m) >= 290);
            media_file_free(m);
        }
    }
    CHECK_DONE();
}
