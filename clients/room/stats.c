#include "stats.h"

#include <stdio.h>

static GstPadProbeReturn count_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    _Atomic uint64_t *counter = user;
    uint64_t n = 1;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
        n = gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
    return GST_PAD_PROBE_OK;
}

void room_stats_count_pad(GstPad *pad, _Atomic uint64_t *counter)
{
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, count_probe,
                      (gpointer)counter, NULL);
}

void room_stats_print(const room_stats *s, const char *state)
{
    printf("room: state=%s sent_video_frames=%llu recv_video_frames=%llu "
           "recv_audio_buffers=%llu reconnects=%u\n",
           state, (unsigned long long)atomic_load(&s->sent_video_frames),
           (unsigned long long)atomic_load(&s->recv_video_frames),
           (unsigned long long)atomic_load(&s->recv_audio_buffers), s->reconnects);
    fflush(stdout);
}
