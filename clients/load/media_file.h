/* Pre-encoded media to replay: RTP packets as a GStreamer payloader produced them, framed as in
 * RFC 4571 (a 2-byte big-endian length before each packet), which is what
 * `rtpvp8pay ! rtpstreampay ! filesink` writes (see media.sh here). The timing is the packets' own
 * RTP timestamps; packets with the same timestamp form one frame and leave together.
 *
 * A media_file is read-only after loading and shared by every sender that replays it. */
#ifndef DH_LOAD_MEDIA_FILE_H
#define DH_LOAD_MEDIA_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/proto/codec.h"

/* Largest RTP packet accepted: leaves room for the SRTP trailer under a 1500-byte MTU. */
#define MEDIA_MAX_PACKET 1400
#define MEDIA_MAX_PACKETS 200000

typedef struct media_frame {
    uint32_t first; /* index of its first packet */
    uint32_t count; /* packets in the frame */
    uint64_t at_us; /* time from the first frame */
    bool keyframe;  /* VP8: the frame starts a keyframe */
} media_frame;

typedef struct media_file media_file;

/* Parses a whole file's bytes (copied). `codec` is CODEC_OPUS (48 kHz) or CODEC_VP8 (90 kHz).
 * NULL with a reason in err when the bytes are not a non-empty RFC 4571 stream of RTP version 2
 * packets of one SSRC with timestamps that never go back. */
media_file *media_file_parse(const uint8_t *buf, size_t len, codec_id codec, char *err,
                             size_t errcap);
media_file *media_file_load(const char *path, codec_id codec, char *err, size_t errcap);
void media_file_free(media_file *m);

codec_id media_file_codec(const media_file *m);
uint32_t media_file_clock(const media_file *m);
size_t media_file_frames(const media_file *m);
const media_frame *media_file_frame(const media_file *m, size_t i);
/* The i-th packet: the whole RTP packet as stored (header included). */
const uint8_t *media_file_packet(const media_file *m, size_t i, size_t *len);
/* The length of one pass: the last frame's time plus one mean frame interval, so that a loop
 * keeps the file's pace. */
uint64_t media_file_period_us(const media_file *m);
/* Mean bits per second of the payloads over one pass. */
uint64_t media_file_bitrate(const media_file *m);

#endif
