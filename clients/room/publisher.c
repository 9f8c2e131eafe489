#define GST_USE_UNSTABLE_API
#include "publisher.h"

#include <gst/webrtc/webrtc.h>
#include <stdio.h>
#include <string.h>

#include "sdp_fixup.h"
#include "sfu/base/log.h"

#define TAG "publisher"

/* Payload types as the hub numbers them in its own offers (not required, easier to read). */
#define PT_VP8 96
#define PT_H264 102
#define PT_OPUS 111

static bool have(const char *factory)
{
    GstElementFactory *f = gst_element_factory_find(factory);
    if (f) gst_object_unref(f);
    return f != NULL;
}

/* Source up to raw frames of the configured size and rate. A USB camera gives raw or MJPEG at
 * sizes of its own: decodebin takes either, the scaler and rate adapter make it what we send. */
static void video_source(GString *d, const room_config *cfg)
{
    if (cfg->video_source == ROOM_VIDEO_V4L2)
        g_string_append_printf(d, "v4l2src device=%s ! decodebin ! ", cfg->video_device);
    else
        g_string_append(d, "videotestsrc is-live=true pattern=ball ! ");
    g_string_append_printf(d,
                           "videoconvert ! videoscale ! videorate ! "
                           "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! ",
                           cfg->width, cfg->height, cfg->fps);
    /* The clock on the test picture shows at a glance whether a far end is live or frozen. */
    if (cfg->video_source == ROOM_VIDEO_TEST && have("timeoverlay"))
        g_string_append(d, "timeoverlay font-desc=\"Sans 16\" ! ");
    /* A slow encoder drops frames here instead of building latency. */
    g_string_append(
        d, "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream ! ");
}

static void video_encoder(GString *d, const room_config *cfg)
{
    int gop = cfg->fps * 2; /* a keyframe every 2 s besides those the hub asks for */
    if (cfg->codec == ROOM_CODEC_H264) {
        g_string_append_printf(d,
                               "x264enc name=venc tune=zerolatency speed-preset=ultrafast "
                               "bitrate=300 key-int-max=%d ! "
                               "video/x-h264,profile=constrained-baseline ! "
                               "rtph264pay config-interval=-1 aggregate-mode=zero-latency ! "
                               "capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,"
                               "payload=%d,clock-rate=90000\"",
                               gop, PT_H264);
    } else {
        g_string_append_printf(d,
                               "vp8enc name=venc deadline=1 cpu-used=8 target-bitrate=300000 "
                               "end-usage=cbr keyframe-max-dist=%d ! "
                               "rtpvp8pay picture-id-mode=15-bit ! "
                               "capsfilter caps=\"application/x-rtp,media=video,encoding-name=VP8,"
                               "payload=%d,clock-rate=90000\"",
                               gop, PT_VP8);
    }
}

static void audio_branch(GString *d, const room_config *cfg)
{
    switch (cfg->audio_source) {
    case ROOM_AUDIO_PULSE:
        g_string_append(d, "pulsesrc");
        if (cfg->audio_device[0]) g_string_append_printf(d, " device=%s", cfg->audio_device);
        g_string_append(d, " ! ");
        break;
    case ROOM_AUDIO_ALSA:
        g_string_append_printf(d, "alsasrc device=%s ! ", cfg->audio_device);
        break;
    default:
        g_string_append(d, "audiotestsrc is-live=true wave=sine volume=0.3 ! ");
        break;
    }
    g_string_append_printf(d,
                           "audioconvert ! audioresample ! audio/x-raw,rate=48000 ! queue ! "
                           "opusenc bitrate=32000 ! rtpopuspay ! "
                           "capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,"
                           "payload=%d,clock-rate=48000\"",
                           PT_OPUS);
}

/* Every caps event on a webrtcbin sink pad may be the last one missing for the offer. */
static GstPadProbeReturn on_sink_event(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS)
        rtc_peer_request_offer(data);
    return GST_PAD_PROBE_OK;
}

/* Parses one branch, adds it and links its last element to a new send-only webrtcbin pad. */
static int add_branch(rtc_peer *p, const char *desc, GstElement **bin_out, char *err, size_t errcap)
{
    GError *error = NULL;
    GstElement *bin = gst_parse_bin_from_description(desc, TRUE, &error);
    if (!bin) {
        snprintf(err, errcap, "%s", error ? error->message : "cannot build the pipeline");
        g_clear_error(&error);
        return -1;
    }
    GstElement *webrtc = rtc_peer_webrtc(p);
    gst_bin_add(GST_BIN(rtc_peer_pipeline(p)), bin);
    GstPad *sink = gst_element_request_pad_simple(webrtc, "sink_%u");
    GstPad *src = gst_element_get_static_pad(bin, "src");
    GstPadLinkReturn lr = sink && src ? gst_pad_link(src, sink) : GST_PAD_LINK_REFUSED;
    if (src) gst_object_unref(src);
    if (lr != GST_PAD_LINK_OK) {
        if (sink) gst_object_unref(sink);
        snprintf(err, errcap, "cannot link to webrtcbin");
        return -1;
    }
    g_object_set(sink, "msid", "dienhong-room", NULL);
    GstWebRTCRTPTransceiver *trans = NULL;
    g_object_get(sink, "transceiver", &trans, NULL);
    if (trans) {
        g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
        gst_object_unref(trans);
    }
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event, p, NULL);
    gst_object_unref(sink);
    *bin_out = bin;
    return 0;
}

int publisher_build(rtc_peer *p, const room_config *cfg, room_stats *stats, char *err,
                    size_t errcap)
{
    GString *v = g_string_new(NULL);
    video_source(v, cfg);
    video_encoder(v, cfg);
    GString *a = g_string_new(NULL);
    audio_branch(a, cfg);
    LOGI(TAG, "video: %s", v->str);
    LOGI(TAG, "audio: %s", a->str);
    GstElement *vbin = NULL, *abin = NULL;
    int rc = add_branch(p, v->str, &vbin, err, errcap);
    if (rc == 0) rc = add_branch(p, a->str, &abin, err, errcap);
    g_string_free(v, TRUE);
    g_string_free(a, TRUE);
    if (rc != 0) return -1;

    GstElement *enc = gst_bin_get_by_name(GST_BIN(vbin), "venc");
    GstPad *enc_src = enc ? gst_element_get_static_pad(enc, "src") : NULL;
    if (enc_src) {
        room_stats_count_pad(enc_src, &stats->sent_video_frames);
        gst_object_unref(enc_src);
    }
    if (enc) gst_object_unref(enc);
    return 0;
}

static char *offer_filter_vp8(const char *sdp)
{
    return sdp_fixup_offer(sdp, false);
}

static char *offer_filter_h264(const char *sdp)
{
    return sdp_fixup_offer(sdp, true);
}

rtc_offer_filter publisher_offer_filter(const room_config *cfg)
{
    return cfg->codec == ROOM_CODEC_H264 ? offer_filter_h264 : offer_filter_vp8;
}
