/* What the forwarder must know about a video payload without decoding it: does this packet begin
 * a keyframe? (A new subscriber or a layer switch must start there.) */
#ifndef DH_CODEC_H
#define DH_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CODEC_NONE = 0, CODEC_OPUS, CODEC_VP8, CODEC_H264 } codec_id;

/* "opus", "VP8", "H264" (case-insensitive) -> id; anything else -> CODEC_NONE. */
codec_id codec_from_name(const char *name);
const char *codec_name(codec_id c);

/* RFC 7741 payload descriptor + VP8 payload header: true when the packet is the first packet of
 * a VP8 key frame (S=1, PID=0, P bit of the frame header 0). */
bool vp8_is_keyframe(const uint8_t *payload, size_t len);

/* RFC 6184: true when the payload carries an IDR slice or an SPS (single NAL, STAP-A, or the first
 * fragment of an FU-A). */
bool h264_is_keyframe(const uint8_t *payload, size_t len);

bool codec_is_keyframe(codec_id c, const uint8_t *payload, size_t len);

#endif
