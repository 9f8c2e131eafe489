#define GST_USE_UNSTABLE_API /* the webrtc library warns without it */
#include "subscriber.h"

#include <gst/webrtc/webrtc.h>
#include <string.h>

#include "sfu/base/log.h"

#define TAG "subscriber"

typedef struct sub_ctx {
    room_sink video_sink, audio_sink;
    room_stats *stats;
    GstElement *pipeline; /* not a reference: the context lives inside it */
    GMutex lock;          /* pads come and go on streaming threads */
    GHashTable *decoders; /* transceiver -> the decoder of its current stream (both held) */
} sub_ctx;

static void sub_ctx_free(gpointer data)
{
    sub_ctx *c = data;
    g_hash_table_unref(c->decoders);
    g_mutex_clear(&c->lock);
    g_free(c);
}

/* The tail after a decoder: a queue (decoding and playing on different threads) and a sink.
 * Fake sinks do not sync: a test counts frames, and nobody watches them. */
static const char *tail_for(const sub_ctx *c, gboolean video)
{
    if (video)
        return c->video_sink == ROOM_SINK_FAKE
                   ? "queue ! fakesink sync=false async=false"
                   : "queue ! videoconvert ! videoscale ! autovideosink sync=true";
    return c->audio_sink == ROOM_SINK_FAKE
               ? "queue ! fakesink sync=false async=false"
               : "queue ! audioconvert ! audioresample ! autoaudiosink sync=true";
}

/* Runs on a streaming thread, which is where a decoder's pads must be linked: data is waiting. */
static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data)
{
    sub_ctx *c = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, NULL);
    const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    gboolean video = g_str_has_prefix(name, "video/x-raw");
    gboolean audio = g_str_has_prefix(name, "audio/x-raw");
    gst_caps_unref(caps);
    if (!video && !audio) {
        LOGW(TAG, "decoder gave %s: not played", name);
        return;
    }
    GError *error = NULL;
    GstElement *tail = gst_parse_bin_from_description(tail_for(c, video), TRUE, &error);
    if (!tail) {
        LOGW(TAG, "cannot build the %s sink: %s", video ? "video" : "audio",
             error ? error->message : "?");
        g_clear_error(&error);
        return;
    }
    gst_bin_add(GST_BIN(c->pipeline), tail);
    gst_element_sync_state_with_parent(tail);
    GstPad *sink = gst_element_get_static_pad(tail, "sink");
    if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK)
        LOGW(TAG, "cannot link the decoded %s", video ? "video" : "audio");
    gst_object_unref(sink);
    room_stats_count_pad(pad, video ? &c->stats->recv_video_frames : &c->stats->recv_audio_buffers);
    LOGI(TAG, "playing decoded %s", video ? "video" : "audio");
}

/* Stops and removes one element from the bin it is in (if it is still in one). */
static void drop_element(GstElement *e)
{
    GstObject *parent = gst_object_get_parent(GST_OBJECT(e));
    if (!parent) return;
    gst_element_set_state(e, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(parent), e);
    gst_object_unref(parent);
}

/* Removes a decoder whose stream has gone, and the sinks after it. Runs on the main loop: this
 * waits for the decoder's streaming thread, which may be the one that found it gone. */
static gboolean drop_decoder(gpointer data)
{
    GstElement *dec = data;
    GstIterator *it = gst_element_iterate_src_pads(dec);
    GValue v = G_VALUE_INIT;
    GPtrArray *tails = g_ptr_array_new_with_free_func(gst_object_unref);
    while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
        GstPad *peer = gst_pad_get_peer(g_value_get_object(&v));
        if (peer) {
            GstElement *tail = gst_pad_get_parent_element(peer);
            if (tail) g_ptr_array_add(tails, tail);
            gst_object_unref(peer);
        }
        g_value_reset(&v);
    }
    g_value_unset(&v);
    gst_iterator_free(it);
    drop_element(dec);
    for (guint i = 0; i < tails->len; i++)
        drop_element(g_ptr_array_index(tails, i));
    g_ptr_array_free(tails, TRUE);
    LOGI(TAG, "stream ended: its decoder is removed");
    return G_SOURCE_REMOVE;
}

static void on_rtp_pad(GstElement *webrtc, GstPad *pad, gpointer data)
{
    sub_ctx *c = data;
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GstElement *dec = gst_element_factory_make("decodebin", NULL);
    if (!dec) {
        LOGE(TAG, "no decodebin element (gstreamer1.0-plugins-base)");
        return;
    }
    g_signal_connect(dec, "pad-added", G_CALLBACK(on_decoded_pad), c);
    gst_bin_add(GST_BIN(c->pipeline), dec);
    /* A chair that leaves and comes back brings a new stream on the same transceiver, and
     * webrtcbin 1.22 keeps the old pad: its decoder (and with real sinks, its frozen window)
     * goes now, or a box that runs for months would gather them. */
    GstWebRTCRTPTransceiver *trans = NULL;
    g_object_get(pad, "transceiver", &trans, NULL);
    if (trans) {
        g_mutex_lock(&c->lock);
        GstElement *old = g_hash_table_lookup(c->decoders, trans);
        if (old) gst_object_ref(old);
        g_hash_table_replace(c->decoders, trans, gst_object_ref(dec)); /* takes trans */
        g_mutex_unlock(&c->lock);
        if (old) g_idle_add_full(G_PRIORITY_DEFAULT, drop_decoder, old, gst_object_unref);
    }
    gst_element_sync_state_with_parent(dec);
    GstPad *sink = gst_element_get_static_pad(dec, "sink");
    if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK)
        LOGW(TAG, "cannot link %s to a decoder", GST_PAD_NAME(pad));
    gst_object_unref(sink);
    LOGI(TAG, "incoming stream on %s", GST_PAD_NAME(pad));
}

void subscriber_attach(rtc_peer *p, const room_config *cfg, room_stats *stats)
{
    sub_ctx *c = g_new0(sub_ctx, 1);
    c->video_sink = cfg->video_sink;
    c->audio_sink = cfg->audio_sink;
    c->stats = stats;
    c->pipeline = rtc_peer_pipeline(p);
    g_mutex_init(&c->lock);
    c->decoders =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, gst_object_unref, gst_object_unref);
    /* Freed with the pipeline, after webrtcbin and the decoders that call back with it. */
    g_object_set_data_full(G_OBJECT(c->pipeline), "dh-subscriber", c, sub_ctx_free);
    g_signal_connect(rtc_peer_webrtc(p), "pad-added", G_CALLBACK(on_rtp_pad), c);
}
