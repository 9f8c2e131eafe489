/* The meeting file: 1280x720, chair on the left, the floor holder (else the active speaker) on the
 * right, the chair's and the floor holders' audio mixed; VP8 + Opus.
 *
 * Every source that ever appears is decoded for the whole meeting and placed on the compositor;
 * who is seen is the pads' alpha and who is heard the mixer pads' volume, both driven by control
 * sources computed from the timeline before the pipeline starts. Black video and silence from
 * base sources underneath make the file last exactly from start to stop, whatever was received:
 * non-live aggregators run until the longest input ends, and the base sources are the longest. */
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>
#include <gst/tag/tag.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recorder/export_internal.h"

#define WIDTH 1280
#define HEIGHT 720
#define FPS 25
#define AUDIO_RATE 48000
#define AUDIO_BUFFER_SAMPLES 960 /* 20 ms */
#define VIDEO_LINGER_US 300000   /* a picture stays this long after its last packet */

typedef struct builder {
    const ex_plan *p;
    GstElement *pipe, *comp, *mixer;
    char *err;
    size_t cap;
} builder;

static const ex_layout *layout_at(const ex_plan *p, uint64_t t)
{
    size_t lo = 0, hi = p->n_layout;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->layout[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &p->layout[lo ? lo - 1 : 0];
}

static GstTimedValueControlSource *bind_control(GstObject *obj, const char *prop)
{
    GstControlSource *cs = gst_interpolation_control_source_new();
    g_object_set(cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
    gst_object_add_control_binding(obj, gst_direct_control_binding_new_absolute(obj, prop, cs));
    gst_object_unref(cs); /* the binding holds it */
    return GST_TIMED_VALUE_CONTROL_SOURCE(cs);
}

static bool visible(const ex_plan *p, size_t si, uint64_t t)
{
    const ex_site *s = &p->sites[si];
    if (!s->chair && layout_at(p, t)->right != si) return false;
    return ex_site_active(p, s, JOURNAL_KIND_VIDEO, t, VIDEO_LINGER_US);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Alpha of a site's pad: 1 while it is on screen and sending, else 0. The value can only change
 * where the layout changes or a span of packets begins or ends, so only those times are tried. */
static int set_alpha(const ex_plan *p, size_t si, GstPad *pad)
{
    const ex_site *s = &p->sites[si];
    size_t n = p->n_layout + 1;
    for (size_t k = 0; k < s->n_pubs; k++) {
        size_t ns;
        replay_spans(p->pubs[s->pubs[k]].rp, JOURNAL_KIND_VIDEO, &ns);
        n += 2 * ns;
    }
    uint64_t *t = malloc(n * sizeof *t);
    if (!t) return -1;
    size_t m = 0;
    t[m++] = p->start_us;
    for (size_t i = 0; i < p->n_layout; i++)
        t[m++] = p->layout[i].t;
    for (size_t k = 0; k < s->n_pubs; k++) {
        size_t ns;
        const replay_span *sp = replay_spans(p->pubs[s->pubs[k]].rp, JOURNAL_KIND_VIDEO, &ns);
        for (size_t i = 0; i < ns; i++) {
            t[m++] = sp[i].start_us > VIDEO_LINGER_US ? sp[i].start_us - VIDEO_LINGER_US : 0;
            t[m++] = sp[i].end_us + VIDEO_LINGER_US + 1;
        }
    }
    qsort(t, m, sizeof *t, cmp_u64);
    GstTimedValueControlSource *cs = bind_control(GST_OBJECT(pad), "alpha");
    int last = -1;
    for (size_t i = 0; i < m; i++) {
        if (t[i] < p->start_us || t[i] > p->end_us) continue;
        int v = visible(p, si, t[i]);
        if (v == last) continue;
        gst_timed_value_control_source_set(cs, ex_plan_ns(p, t[i]), v ? 1.0 : 0.0);
        last = v;
    }
    free(t);
    return 0;
}

/* Volume of a site's mixer pad: 1 while it holds the floor (always for a chair), else 0. */
static void set_volume(const ex_plan *p, size_t si, GstPad *pad)
{
    if (p->sites[si].chair) return;
    GstTimedValueControlSource *cs = bind_control(GST_OBJECT(pad), "volume");
    int last = -1;
    for (size_t i = 0; i < p->n_layout; i++) {
        int v = ex_site_in_floor(&p->layout[i], si);
        if (v == last) continue;
        gst_timed_value_control_source_set(cs, ex_plan_ns(p, p->layout[i].t), v ? 1.0 : 0.0);
        last = v;
    }
}

/* Adds the elements (NULL-terminated) to the pipeline unless already there and links them in
 * order; returns the first and sets *last, or NULL with the reason in b->err. */
static GstElement *chain(builder *b, GstElement **last, ...)
{
    va_list ap;
    va_start(ap, last);
    GstElement *first = NULL, *prev = NULL;
    for (GstElement *e; (e = va_arg(ap, GstElement *));) {
        if (!GST_OBJECT_PARENT(e)) gst_bin_add(GST_BIN(b->pipe), e);
        if (prev && !gst_element_link(prev, e)) {
            snprintf(b->err, b->cap, "gstreamer: cannot link %s to %s", GST_OBJECT_NAME(prev),
                     GST_OBJECT_NAME(e));
            va_end(ap);
            return NULL;
        }
        if (!first) first = e;
        prev = e;
    }
    va_end(ap);
    *last = prev;
    return first;
}

static GstElement *make_caps(builder *b, const char *text)
{
    GstElement *f = ex_make("capsfilter", b->err, b->cap);
    if (!f) return NULL;
    GstCaps *caps = gst_caps_from_string(text);
    g_object_set(f, "caps", caps, NULL);
    gst_caps_unref(caps);
    return f;
}

static GstPad *link_to_aggregator(builder *b, GstElement *from, GstElement *agg)
{
    GstPad *sink = gst_element_request_pad_simple(agg, "sink_%u");
    GstPad *src = gst_element_get_static_pad(from, "src");
    bool ok = sink && src && gst_pad_link(src, sink) == GST_PAD_LINK_OK;
    if (src) gst_object_unref(src);
    if (!ok) {
        snprintf(b->err, b->cap, "gstreamer: cannot link %s to %s", GST_OBJECT_NAME(from),
                 GST_OBJECT_NAME(agg));
        if (sink) gst_object_unref(sink);
        return NULL;
    }
    gst_object_unref(sink); /* the element keeps its request pad */
    return sink;
}

static const char *decoder_for(const char *codec)
{
    if (strcasecmp(codec, "VP8") == 0) return "vp8dec";
    if (strcasecmp(codec, "opus") == 0) return "opusdec";
    GstElementFactory *f = gst_element_factory_find("avdec_h264");
    if (f) {
        gst_object_unref(f);
        return "avdec_h264";
    }
    return "openh264dec";
}

static int add_video(builder *b, size_t si)
{
    const ex_site *s = &b->p->sites[si];
    GstElement *src = ex_feed_source(b->p, s, JOURNAL_KIND_VIDEO, b->err, b->cap);
    GstElement *depay = ex_make(ex_depay_for(s->video_codec), b->err, b->cap);
    bool h264 = strcasecmp(s->video_codec, "H264") == 0;
    GstElement *parse = h264 ? ex_make("h264parse", b->err, b->cap) : NULL;
    GstElement *dec = ex_make(decoder_for(s->video_codec), b->err, b->cap);
    GstElement *conv = ex_make("videoconvert", b->err, b->cap);
    if (!src || !depay || (h264 && !parse) || !dec || !conv) return -1;
    g_object_set(depay, "wait-for-keyframe", TRUE, NULL);
    /* A picture that cannot be decoded (a lost reference) is skipped, not fatal. */
    g_object_set(dec, "max-errors", -1, NULL);
    GstElement *last;
    if (!(h264 ? chain(b, &last, src, depay, parse, dec, conv, NULL)
               : chain(b, &last, src, depay, dec, conv, NULL)))
        return -1;
    GstPad *pad = link_to_aggregator(b, last, b->comp);
    if (!pad) return -1;
    g_object_set(pad, "xpos", s->chair ? 0 : WIDTH / 2, "ypos", 0, "width", WIDTH / 2, "height",
                 HEIGHT, "zorder", 1u, NULL);
    gst_util_set_object_arg(G_OBJECT(pad), "sizing-policy", "keep-aspect-ratio");
    return set_alpha(b->p, si, pad);
}

static int add_audio(builder *b, size_t si)
{
    const ex_site *s = &b->p->sites[si];
    GstElement *src = ex_feed_source(b->p, s, JOURNAL_KIND_AUDIO, b->err, b->cap);
    GstElement *depay = ex_make(ex_depay_for(s->audio_codec), b->err, b->cap);
    GstElement *dec = ex_make(decoder_for(s->audio_codec), b->err, b->cap);
    GstElement *conv = ex_make("audioconvert", b->err, b->cap);
    GstElement *res = ex_make("audioresample", b->err, b->cap);
    if (!src || !depay || !dec || !conv || !res) return -1;
    GstElement *last;
    if (!chain(b, &last, src, depay, dec, conv, res, NULL)) return -1;
    GstPad *pad = link_to_aggregator(b, last, b->mixer);
    if (!pad) return -1;
    set_volume(b->p, si, pad);
    return 0;
}

/* The black picture and the silence the whole meeting lasts. */
static int add_bases(builder *b, GstClockTime dur)
{
    GstElement *v = ex_make("videotestsrc", b->err, b->cap);
    GstElement *a = ex_make("audiotestsrc", b->err, b->cap);
    char vcaps[128], acaps[128];
    snprintf(vcaps, sizeof vcaps, "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1",
             WIDTH, HEIGHT, FPS);
    snprintf(acaps, sizeof acaps, "audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=2",
             AUDIO_RATE);
    GstElement *vf = make_caps(b, vcaps), *af = make_caps(b, acaps);
    if (!v || !a || !vf || !af) return -1;
    guint64 frames = (dur * FPS + GST_SECOND - 1) / GST_SECOND;
    guint64 chunk = GST_SECOND * AUDIO_BUFFER_SAMPLES / AUDIO_RATE;
    guint64 chunks = (dur + chunk - 1) / chunk;
    gst_util_set_object_arg(G_OBJECT(v), "pattern", "black");
    g_object_set(v, "num-buffers", (gint)frames, NULL);
    gst_util_set_object_arg(G_OBJECT(a), "wave", "silence");
    g_object_set(a, "num-buffers", (gint)chunks, "samplesperbuffer", AUDIO_BUFFER_SAMPLES, NULL);
    GstElement *last;
    if (!chain(b, &last, v, vf, NULL)) return -1;
    GstPad *pad = link_to_aggregator(b, last, b->comp);
    if (!pad) return -1;
    g_object_set(pad, "xpos", 0, "ypos", 0, "width", WIDTH, "height", HEIGHT, "zorder", 0u, NULL);
    if (!chain(b, &last, a, af, NULL) || !link_to_aggregator(b, last, b->mixer)) return -1;
    return 0;
}

/* compositor ! caps ! vp8enc ! queue ! mux, audiomixer ! caps ! opusenc ! queue ! mux,
 * mux ! filesink. */
static GstElement *add_outputs(builder *b, bool mkv, const char *location)
{
    char vcaps[128], acaps[128];
    snprintf(vcaps, sizeof vcaps, "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1",
             WIDTH, HEIGHT, FPS);
    snprintf(acaps, sizeof acaps, "audio/x-raw,rate=%d,channels=2", AUDIO_RATE);
    GstElement *vf = make_caps(b, vcaps), *af = make_caps(b, acaps);
    GstElement *venc = ex_make("vp8enc", b->err, b->cap);
    GstElement *aconv = ex_make("audioconvert", b->err, b->cap);
    GstElement *aenc = ex_make("opusenc", b->err, b->cap);
    GstElement *vq = ex_make("queue", b->err, b->cap), *aq = ex_make("queue", b->err, b->cap);
    GstElement *mux = ex_make(mkv ? "matroskamux" : "webmmux", b->err, b->cap);
    GstElement *sink = ex_make("filesink", b->err, b->cap);
    if (!vf || !af || !venc || !aconv || !aenc || !vq || !aq || !mux || !sink) return NULL;
    /* Realtime speed: an export should take less time than the meeting did. */
    g_object_set(venc, "deadline", (gint64)1, "cpu-used", 8, "threads", 2, "target-bitrate",
                 1500000, "keyframe-max-dist", FPS * 5, NULL);
    g_object_set(mux, "writing-app", "dienhong", NULL);
    g_object_set(sink, "location", location, NULL);
    GstElement *last;
    gst_bin_add(GST_BIN(b->pipe), mux);
    if (!chain(b, &last, b->comp, vf, venc, vq, mux, sink, NULL)) return NULL;
    if (!chain(b, &last, b->mixer, af, aconv, aenc, aq, NULL) || !gst_element_link(aq, mux))
        return NULL;
    return mux;
}

int ex_meeting_export(const ex_plan *p, const char *out_dir, const char *file, GstToc *toc,
                      ex_progress *pr, int lo, int hi, char *err, size_t cap)
{
    char part[4300], final[4200];
    snprintf(final, sizeof final, "%s/%s", out_dir, file);
    snprintf(part, sizeof part, "%s.part", final);
    builder b = {.p = p, .pipe = gst_pipeline_new("meeting"), .err = err, .cap = cap};
    b.comp = ex_make("compositor", err, cap);
    b.mixer = ex_make("audiomixer", err, cap);
    int rc = -1;
    if (!b.comp || !b.mixer) goto out;
    gst_util_set_object_arg(G_OBJECT(b.comp), "background", "black");
    bool mkv = strstr(file, ".mkv") != NULL;
    GstElement *mux = add_outputs(&b, mkv, part);
    if (!mux) goto out;
    if (toc) gst_toc_setter_set_toc(GST_TOC_SETTER(mux), toc);
    GstTagList *tags = gst_tag_list_new(GST_TAG_TITLE, p->title, NULL);
    gst_tag_setter_merge_tags(GST_TAG_SETTER(mux), tags, GST_TAG_MERGE_REPLACE);
    gst_tag_list_unref(tags);
    GstClockTime dur = ex_plan_duration_ns(p);
    if (add_bases(&b, dur) != 0) goto out;
    for (size_t i = 0; i < p->n_sites; i++) {
        if (p->sites[i].show_video && add_video(&b, i) != 0) goto out;
        if (p->sites[i].mix_audio && add_audio(&b, i) != 0) goto out;
    }
    rc = ex_run(b.pipe, dur, pr, lo, hi, err, cap);
out:
    if (b.comp && !GST_OBJECT_PARENT(b.comp)) gst_object_unref(b.comp);
    if (b.mixer && !GST_OBJECT_PARENT(b.mixer)) gst_object_unref(b.mixer);
    gst_element_set_state(b.pipe, GST_STATE_NULL);
    gst_object_unref(b.pipe);
    if (rc == 0 && rename(part, final) != 0) {
        snprintf(err, cap, "disk: %s: rename failed", file);
        rc = -1;
    }
    if (rc != 0) remove(part);
    return rc;
}
