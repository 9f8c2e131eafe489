/* What the room box has done, for the status line it prints every 2 s (the end-to-end test and
 * whoever looks after the PC read it; journald keeps it). Counters are totals since start-up,
 * across reconnects: pad probes on GStreamer's streaming threads add to them. */
#ifndef DH_ROOM_STATS_H
#define DH_ROOM_STATS_H

#include <gst/gst.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct room_stats {
    _Atomic uint64_t sent_video_frames;  /* encoded frames leaving the video encoder */
    _Atomic uint64_t recv_video_frames;  /* decoded frames, every incoming video stream */
    _Atomic uint64_t recv_audio_buffers; /* decoded buffers, every incoming audio stream */
    unsigned reconnects;                 /* sessions lost and started again (main thread) */
} room_stats;

/* Adds one to *counter for every buffer (or buffer list entry) that passes `pad`. */
void room_stats_count_pad(GstPad *pad, _Atomic uint64_t *counter);

/* One line on stdout: "room: state=... sent_video_frames=N recv_video_frames=N
 * recv_audio_buffers=N reconnects=N", flushed at once (stdout may be a pipe). */
void room_stats_print(const room_stats *s, const char *state);

#endif
