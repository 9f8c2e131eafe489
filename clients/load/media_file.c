#include "media_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/proto/rtp.h"

typedef struct media_packet {
    uint32_t off; /* into data */
    uint16_t len;
} media_packet;

struct media_file {
    codec_id codec;
    uint32_t clock;
    uint8_t *data;
    size_t n_packets;
    media_packet *packets;
    size_t n_frames;
    media_frame *frames;
    uint64_t period_us;
    uint64_t payload_bytes;
};

static media_file *fail(media_file *m, char *err, size_t cap, const char *why, size_t at)
{
    snprintf(err, cap, "%s (at byte %zu)", why, at);
    media_file_free(m);
    return NULL;
}

media_file *media_file_parse(const uint8_t *buf, size_t len, codec_id codec, char *err,
                             size_t errcap)
{
    if (codec != CODEC_OPUS && codec != CODEC_VP8) {
        snprintf(err, errcap, "only Opus and VP8 files can be replayed");
        return NULL;
    }
    media_file *m = calloc(1, sizeof *m);
    if (!m) return fail(m, err, errcap, "out of memory", 0);
    m->codec = codec;
    m->clock = codec == CODEC_VP8 ? 90000 : 48000;
    /* First pass counts, so that the arrays are allocated once. */
    size_t n = 0, pos = 0;
    while (pos < len) {
        if (len - pos < 2) return fail(m, err, errcap, "truncated length prefix", pos);
        size_t plen = (size_t)buf[pos] << 8 | buf[pos + 1];
        if (plen > len - pos - 2) return fail(m, err, errcap, "truncated packet", pos);
        if (++n > MEDIA_MAX_PACKETS) return fail(m, err, errcap, "too many packets", pos);
        pos += 2 + plen;
    }
    if (n == 0) return fail(m, err, errcap, "no packets", 0);
    m->data = malloc(len);
    m->packets = calloc(n, sizeof *m->packets);
    m->frames = calloc(n, sizeof *m->frames);
    if (!m->data || !m->packets || !m->frames) return fail(m, err, errcap, "out of memory", 0);
    memcpy(m->data, buf, len);
    m->n_packets = n;

    uint32_t ssrc = 0, last_ts = 0;
    uint64_t ext_ts = 0; /* timestamps since the first, unwrapped */
    pos = 0;
    for (size_t i = 0; i < n; i++) {
        size_t plen = (size_t)buf[pos] << 8 | buf[pos + 1];
        const uint8_t *p = buf + pos + 2;
        rtp_view v;
        if (rtp_parse(p, plen, &v) != RTP_OK) return fail(m, err, errcap, "not RTP", pos);
        if (plen > MEDIA_MAX_PACKET) return fail(m, err, errcap, "packet over 1400 bytes", pos);
        if (v.payload_len == 0) return fail(m, err, errcap, "empty payload", pos);
        if (i == 0) {
            ssrc = v.ssrc;
            last_ts = v.ts;
        } else if (v.ssrc != ssrc) {
            return fail(m, err, errcap, "more than one SSRC", pos);
        }
        int32_t step = (int32_t)(v.ts - last_ts);
        if (step < 0) return fail(m, err, errcap, "timestamp goes back", pos);
        ext_ts += (uint32_t)step;
        last_ts = v.ts;
        m->packets[i] = (media_packet){.off = (uint32_t)(pos + 2), .len = (uint16_t)plen};
        m->payload_bytes += v.payload_len;
        media_frame *f = m->n_frames ? &m->frames[m->n_frames - 1] : NULL;
        if (!f || step != 0) {
            f = &m->frames[m->n_frames++];
            f->first = (uint32_t)i;
            f->at_us = ext_ts * 1000000u / m->clock;
            f->keyframe = false;
        }
        if (f->count == 0 && codec == CODEC_VP8)
            f->keyframe = vp8_is_keyframe(p + v.header_len, v.payload_len);
        f->count++;
        pos += 2 + plen;
    }
    uint64_t last = m->frames[m->n_frames - 1].at_us;
    uint64_t interval = m->n_frames > 1 ? last / (m->n_frames - 1) : 20000;
    m->period_us = last + (interval ? interval : 20000);
    return m;
}

media_file *media_file_load(const char *path, codec_id codec, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open %s", path);
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errcap, "%s: too large", path);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    char why[160];
    media_file *m = media_file_parse(buf, len, codec, why, sizeof why);
    free(buf);
    if (!m) snprintf(err, errcap, "%s: %s", path, why);
    return m;
}

void media_file_free(media_file *m)
{
    if (!m) return;
    free(m->data);
    free(m->packets);
    free(m->frames);
    free(m);
}

codec_id media_file_codec(const media_file *m)
{
    return m->codec;
}

uint32_t media_file_clock(const media_file *m)
{
    return m->clock;
}

size_t media_file_frames(const media_file *m)
{
    return m->n_frames;
}

const media_frame *media_file_frame(const media_file *m, size_t i)
{
    return i < m->n_frames ? &m->frames[i] : NULL;
}

const uint8_t *media_file_packet(const media_file *m, size_t i, size_t *len)
{
    if (i >= m->n_packets) return NULL;
    *len = m->packets[i].len;
    return m->data + m->packets[i].off;
}

uint64_t media_file_period_us(const media_file *m)
{
    return m->period_us;
}

uint64_t media_file_bitrate(const media_file *m)
{
    return m->payload_bytes * 8 * 1000000u / m->period_us;
}
