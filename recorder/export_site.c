/* One site's own file: its audio and video depayloaded into WebM (Matroska for H.264), not
 * re-encoded, timestamps in meeting time so that a late site starts late. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "recorder/export_internal.h"

/* appsrc ! depay [! parse] ! queue, linked into mux. */
static int add_branch(GstElement *pipe, GstElement *mux, const ex_plan *p, const ex_site *s,
                      uint8_t kind, char *err, size_t cap)
{
    const char *codec = kind == JOURNAL_KIND_VIDEO ? s->video_codec : s->audio_codec;
    GstElement *src = ex_feed_source(p, s, kind, err, cap);
    GstElement *depay = ex_make(ex_depay_for(codec), err, cap);
    /* The parsers give the muxer what a depayloader leaves out: H.264 in AVC form, the Opus
     * header and rate. */
    const char *parser = strcasecmp(codec, "H264") == 0   ? "h264parse"
                         : strcasecmp(codec, "opus") == 0 ? "opusparse"
                                                          : NULL;
    GstElement *parse = parser ? ex_make(parser, err, cap) : NULL;
    GstElement *queue = ex_make("queue", err, cap);
    bool need_parse = parser != NULL;
    if (!src || !depay || !queue || (need_parse && !parse)) {
        if (src) gst_object_unref(src);
        if (depay) gst_object_unref(depay);
        if (parse) gst_object_unref(parse);
        if (queue) gst_object_unref(queue);
        return -1;
    }
    /* A file that starts on a frame that cannot be decoded plays as garbage until a keyframe. */
    if (kind == JOURNAL_KIND_VIDEO) g_object_set(depay, "wait-for-keyframe", TRUE, NULL);
    gst_bin_add_many(GST_BIN(pipe), src, depay, queue, NULL);
    bool ok;
    if (parse) {
        gst_bin_add(GST_BIN(pipe), parse);
        ok = gst_element_link_many(src, depay, parse, queue, NULL);
    } else {
        ok = gst_element_link_many(src, depay, queue, NULL);
    }
    if (!ok || !gst_element_link(queue, mux)) {
        snprintf(err, cap, "gstreamer: cannot link the %s branch of %s", codec, s->code);
        return -1;
    }
    return 0;
}

int ex_site_export(const ex_plan *p, ex_site *s, const char *out_dir, ex_progress *pr, int lo,
                   int hi, char *err, size_t cap)
{
    bool mkv = strcasecmp(s->video_codec, "H264") == 0;
    char part[4300], final[4200];
    snprintf(final, sizeof final, "%s/%s", out_dir, s->file);
    snprintf(part, sizeof part, "%s.part", final);
    GstElement *pipe = gst_pipeline_new(s->code);
    GstElement *mux = ex_make(mkv ? "matroskamux" : "webmmux", err, cap);
    GstElement *sink = ex_make("filesink", err, cap);
    if (!mux || !sink) {
        if (mux) gst_object_unref(mux);
        if (sink) gst_object_unref(sink);
        gst_object_unref(pipe);
        return -1;
    }
    g_object_set(sink, "location", part, NULL);
    g_object_set(mux, "writing-app", "dienhong", NULL);
    gst_bin_add_many(GST_BIN(pipe), mux, sink, NULL);
    int rc = gst_element_link(mux, sink) ? 0 : -1;
    if (rc == 0 && s->audio_codec[0])
        rc = add_branch(pipe, mux, p, s, JOURNAL_KIND_AUDIO, err, cap);
    if (rc == 0 && s->video_codec[0])
        rc = add_branch(pipe, mux, p, s, JOURNAL_KIND_VIDEO, err, cap);
    uint64_t last = 0;
    for (size_t k = 0; k < s->n_pubs; k++)
        for (int kind = JOURNAL_KIND_AUDIO; kind <= JOURNAL_KIND_VIDEO; kind++) {
            uint64_t l = replay_last_arrival(p->pubs[s->pubs[k]].rp, (uint8_t)kind);
            if (l > last) last = l;
        }
    GstClockTime end = ex_plan_ns(p, last < p->end_us ? last : p->end_us);
    if (rc == 0)
        rc = ex_run(pipe, end, pr, lo, hi, err, cap);
    else
        gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(pipe);
    if (rc == 0 && rename(part, final) != 0) {
        snprintf(err, cap, "disk: %s: rename failed", s->file);
        rc = -1;
    }
    if (rc != 0) remove(part);
    /* What a player shows: the file holds meeting time from the site's first packet on. */
    GstClockTime first = ex_plan_ns(p, s->first_us);
    s->duration_ms = end > first ? (int64_t)((end - first) / GST_MSECOND) : 0;
    return rc;
}
