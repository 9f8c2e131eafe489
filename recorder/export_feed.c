/* An appsrc per (site, kind): the packets of the site's publishers one after the other, pulled by
 * appsrc's own thread through need-data, so that no feeder ever blocks another: each source of an
 * aggregator has its own thread and waits only on its own queue. */
#include <gst/app/gstappsrc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "recorder/export_internal.h"
#include "sfu/base/log.h"

#define TAG "export"
#define FEED_BATCH 64 /* packets pushed per need-data */

typedef struct feed {
    const ex_plan *p;
    const ex_site *s;
    uint8_t kind;
    char codec[32];
    size_t k; /* index in s->pubs of the publisher being read */
    replay_stream *st;
    uint64_t cutoff_us; /* the next publisher's first arrival: the old one stops there */
    bool discont;
    bool done;
    GstClockTime end_ns, last_ns;
    uint64_t dropped;
} feed;

static const struct {
    const char *codec, *depay, *caps;
} codecs[] = {
    {"opus", "rtpopusdepay",
     "application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,encoding-params=(string)2"},
    {"VP8", "rtpvp8depay", "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8"},
    {"H264", "rtph264depay", "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264"},
};

const char *ex_depay_for(const char *codec)
{
    for (size_t i = 0; i < G_N_ELEMENTS(codecs); i++)
        if (strcasecmp(codec, codecs[i].codec) == 0) return codecs[i].depay;
    return NULL;
}

static const char *caps_for(const char *codec)
{
    for (size_t i = 0; i < G_N_ELEMENTS(codecs); i++)
        if (strcasecmp(codec, codecs[i].codec) == 0) return codecs[i].caps;
    return NULL;
}

static void feed_free(gpointer ud)
{
    feed *f = ud;
    replay_stream_free(f->st);
    g_free(f);
}

/* Opens the next publisher that has this kind; false when there is none left. */
static bool next_publisher(feed *f)
{
    for (; f->k < f->s->n_pubs; f->k++) {
        const replay *rp = f->p->pubs[f->s->pubs[f->k]].rp;
        if (!replay_has(rp, f->kind)) continue;
        char err[160];
        f->st = replay_stream_new(rp, f->kind, err, sizeof err);
        if (!f->st) {
            LOGW(TAG, "%s: %s", f->s->code, err);
            continue;
        }
        f->cutoff_us = UINT64_MAX;
        for (size_t n = f->k + 1; n < f->s->n_pubs; n++) {
            uint64_t first = replay_first_arrival(f->p->pubs[f->s->pubs[n]].rp, f->kind);
            if (first) {
                f->cutoff_us = first;
                break;
            }
        }
        f->discont = true;
        return true;
    }
    return false;
}

/* The next packet to push, as a buffer; NULL at the end. */
static GstBuffer *next_buffer(feed *f)
{
    for (;;) {
        if (!f->st && !next_publisher(f)) return NULL;
        replay_packet pkt;
        int rc = replay_stream_next(f->st, &pkt);
        if (rc <= 0) {
            if (rc < 0) LOGW(TAG, "%s: %s", f->s->code, replay_stream_error(f->st));
            f->dropped += replay_stream_dropped(f->st);
            replay_stream_free(f->st);
            f->st = NULL;
            f->k++;
            continue;
        }
        const replay *rp = f->p->pubs[f->s->pubs[f->k]].rp;
        const journal_track *t = replay_journal_track(rp, pkt.journal);
        if (pkt.arrival_us >= f->cutoff_us || strcasecmp(t->codec, f->codec) != 0 ||
            pkt.time_us < (int64_t)f->p->start_us)
            continue;
        GstClockTime ns = ex_plan_ns(f->p, (uint64_t)pkt.time_us);
        if (ns >= f->end_ns) continue;
        if (ns < f->last_ns) ns = f->last_ns;
        f->last_ns = ns;
        GstBuffer *b = gst_buffer_new_memdup(pkt.data, pkt.len);
        GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = ns;
        if (pkt.discont || f->discont) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
        f->discont = false;
        return b;
    }
}

static void need_data(GstAppSrc *src, guint length, gpointer ud)
{
    feed *f = ud;
    if (f->done) return;
    for (int i = 0; i < FEED_BATCH; i++) {
        GstBuffer *b = next_buffer(f);
        if (!b) {
            f->done = true;
            if (f->dropped)
                LOGI(TAG, "%s: %llu packets dropped (duplicates, late, foreign)", f->s->code,
                     (unsigned long long)f->dropped);
            gst_app_src_end_of_stream(src);
            return;
        }
        if (gst_app_src_push_buffer(src, b) != GST_FLOW_OK) return; /* flushing or stopped */
    }
}

/* The payload type the site's first journal of that codec negotiated. Depayloaders accept only
 * dynamic types in their caps and never look at a packet's own, so a static one is mapped. */
static int payload_type(const ex_plan *p, const ex_site *s, uint8_t kind, const char *codec)
{
    for (size_t k = 0; k < s->n_pubs; k++) {
        const replay *rp = p->pubs[s->pubs[k]].rp;
        for (size_t j = 0; j < replay_journal_count(rp); j++) {
            const journal_track *t = replay_journal_track(rp, j);
            if (t->kind == kind && strcasecmp(t->codec, codec) == 0)
                return t->payload_type >= 96 ? t->payload_type : 96;
        }
    }
    return 96;
}

GstElement *ex_feed_source(const ex_plan *p, const ex_site *s, uint8_t kind, char *err, size_t cap)
{
    const char *codec = kind == JOURNAL_KIND_VIDEO ? s->video_codec : s->audio_codec;
    const char *caps_text = caps_for(codec);
    if (!caps_text) {
        snprintf(err, cap, "%s: no codec for %s", s->code,
                 kind == JOURNAL_KIND_VIDEO ? "video" : "audio");
        return NULL;
    }
    GstElement *src = ex_make("appsrc", err, cap);
    if (!src) return NULL;
    feed *f = g_new0(feed, 1);
    f->p = p;
    f->s = s;
    f->kind = kind;
    snprintf(f->codec, sizeof f->codec, "%s", codec);
    f->end_ns = ex_plan_duration_ns(p);
    GstCaps *caps = gst_caps_from_string(caps_text);
    gst_caps_set_simple(caps, "payload", G_TYPE_INT, payload_type(p, s, kind, codec), NULL);
    g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "stream-type",
                 GST_APP_STREAM_TYPE_STREAM, "max-bytes", (guint64)(1 << 20), "block", FALSE, NULL);
    gst_caps_unref(caps);
    GstAppSrcCallbacks cb = {.need_data = need_data};
    gst_app_src_set_callbacks(GST_APP_SRC(src), &cb, f, feed_free);
    return src;
}
