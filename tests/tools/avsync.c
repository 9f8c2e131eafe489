/* dh-avsync: measures lip sync in a media file that carries a flash/beep test signal.
 *
 *   dh-avsync FILE [--video-track N] [--audio-track N] [--region full|left|right]
 *
 * The file is decoded with GStreamer (uridecodebin). One video stream (the Nth, 0-based, default 0)
 * is scaled down to GRAY8 and one audio stream (the Nth, default 0) is converted to S16 mono; both
 * go to appsinks as fast as they decode. Then:
 *
 *   flash  the first frame of a bright flash: at least FLASH_CELLS_FRACTION of the cells (a grid
 *          of GRID_W x GRID_H over the region) got brighter by FLASH_RISE luma since the frame
 *          before and were dark before (< FLASH_DARK), and no flash began in the last REFRACTORY_S.
 *   beep   the first sample of a tone after silence: a WINDOW_S window's RMS rises above
 *          BEEP_RMS (of full scale) after QUIET_S of windows below BEEP_RMS / 4; the onset is the
 *          first sample in the window (or the one before) whose magnitude passes BEEP_RMS.
 *
 * Each flash is paired with the nearest beep within PAIR_MAX_S; offset = beep - flash (positive:
 * the sound comes late). Prints one JSON object on stdout:
 *
 *   {"flashes":[s...],"beeps":[s...],"offsets_ms":[...],"pairs":n,
 *    "median_offset_ms":x,"max_abs_offset_ms":y,"video":b,"audio":b,"frames":n,
 *    "lit_frames":n,"duration_s":d}
 *
 * (frames: the video frames decoded; lit_frames: those whose region is not black, a mean luma
 * above LIT_LUMA: a file whose video never shows a picture reads 0.)
 * (median and max are null when no pair was found). Exit status 0 when the file decoded, 1 on a
 * usage or decoding error (the reason on stderr). A test tool: it judges files made by the hub's
 * exporter in tests/e2e and is itself tested on files with a known offset (tests/tools).
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE_W 64
#define SCALE_H 36
#define GRID_W 16
#define GRID_H 9
#define FLASH_RISE 40.0
#define FLASH_DARK 110.0
#define FLASH_CELLS_FRACTION 0.25
#define REFRACTORY_S 0.4
#define AUDIO_RATE 48000
#define WINDOW_N (AUDIO_RATE / 200) /* 5 ms */
#define WINDOW_S ((double)WINDOW_N / AUDIO_RATE)
#define QUIET_S 0.1
#define BEEP_RMS 0.05
#define PAIR_MAX_S 0.45
#define LIT_LUMA 30.0

enum region { REGION_FULL, REGION_LEFT, REGION_RIGHT };

/* A growable array of times in seconds. */
struct times {
    double *v;
    size_t n, cap;
};

static void times_push(struct times *t, double s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
        if (!t->v) {
            fprintf(stderr, "dh-avsync: out of memory\n");
            exit(1);
        }
    }
    t->v[t->n++] = s;
}

/* Video analysis state: touched only by the video appsink's streaming thread. */
struct video_state {
    enum region region;
    double prev[GRID_W * GRID_H];
    int have_prev;
    double last_flash;
    struct times flashes;
    double last_pts;
    size_t frames;     /* frames analysed */
    size_t lit_frames; /* of which the region's mean luma is above LIT_LUMA: not black */
};

/* Audio analysis state: touched only by the audio appsink's streaming thread. */
struct audio_state {
    int16_t window[2 * WINDOW_N]; /* the window before, then the current one */
    size_t fill;                  /* samples in the current window */
    uint64_t samples;             /* samples seen, to time a window without timestamps */
    double window_start;          /* time of the current window's first sample */
    int have_start;
    double quiet_for;
    double last_beep;
    struct times beeps;
    double last_pts;
};

struct app {
    GstElement *pipeline;
    GMutex lock; /* guards the pad counters */
    int video_want, audio_want;
    int video_seen, audio_seen;
    int video_linked, audio_linked;
    struct video_state video;
    struct audio_state audio;
};

/* --- video ------------------------------------------------------------------------------- */

static void analyse_frame(struct video_state *vs, const GstVideoFrame *frame, double t)
{
    const guint8 *pix = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
    int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
    int w = GST_VIDEO_FRAME_WIDTH(frame), h = GST_VIDEO_FRAME_HEIGHT(frame);
    int x0 = 0, x1 = w;
    if (vs->region == REGION_LEFT)
        x1 = w / 2;
    else if (vs->region == REGION_RIGHT)
        x0 = w / 2;
    double cells[GRID_W * GRID_H];
    for (int gy = 0; gy < GRID_H; gy++) {
        for (int gx = 0; gx < GRID_W; gx++) {
            int cx0 = x0 + (x1 - x0) * gx / GRID_W, cx1 = x0 + (x1 - x0) * (gx + 1) / GRID_W;
            int cy0 = h * gy / GRID_H, cy1 = h * (gy + 1) / GRID_H;
            double sum = 0;
            int count = 0;
            for (int y = cy0; y < cy1; y++)
                for (int x = cx0; x < cx1; x++) {
                    sum += pix[y * stride + x];
                    count++;
                }
            cells[gy * GRID_W + gx] = count ? sum / count : 0;
        }
    }
    double mean = 0;
    for (int i = 0; i < GRID_W * GRID_H; i++)
        mean += cells[i];
    vs->frames++;
    if (mean / (GRID_W * GRID_H) > LIT_LUMA) vs->lit_frames++;
    if (vs->have_prev) {
        int rising = 0;
        for (int i = 0; i < GRID_W * GRID_H; i++)
            if (vs->prev[i] < FLASH_DARK && cells[i] - vs->prev[i] > FLASH_RISE) rising++;
        if (rising >= (int)(FLASH_CELLS_FRACTION * GRID_W * GRID_H) &&
            t - vs->last_flash > REFRACTORY_S) {
            times_push(&vs->flashes, t);
            vs->last_flash = t;
        }
    }
    memcpy(vs->prev, cells, sizeof cells);
    vs->have_prev = 1;
}

static GstFlowReturn on_video_sample(GstAppSink *sink, gpointer data)
{
    struct video_state *vs = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample) return GST_FLOW_EOS;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstVideoInfo info;
    if (buf && GST_BUFFER_PTS_IS_VALID(buf) &&
        gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) {
        GstVideoFrame frame;
        if (gst_video_frame_map(&frame, &info, buf, GST_MAP_READ)) {
            double t = (double)GST_BUFFER_PTS(buf) / GST_SECOND;
            analyse_frame(vs, &frame, t);
            vs->last_pts = t;
            gst_video_frame_unmap(&frame);
        }
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

/* --- audio ------------------------------------------------------------------------------- */

static double rms(const int16_t *s, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)s[i] * s[i];
    return n ? sqrt(acc / n) / 32768.0 : 0;
}

/* One full window at window[WINDOW_N .. 2*WINDOW_N); window[0 .. WINDOW_N) is the one before. */
static void analyse_window(struct audio_state *as)
{
    const int16_t *cur = as->window + WINDOW_N;
    double r = rms(cur, WINDOW_N);
    if (r > BEEP_RMS) {
        if (as->quiet_for >= QUIET_S && as->window_start - as->last_beep > REFRACTORY_S) {
            /* The onset: the first sample, in the window before or this one, that passes the level.
             */
            double level = BEEP_RMS * 32768.0;
            size_t first = 2 * WINDOW_N - 1;
            for (size_t i = 0; i < 2 * WINDOW_N; i++)
                if (fabs((double)as->window[i]) > level) {
                    first = i;
                    break;
                }
            double t = as->window_start + ((double)first - (double)WINDOW_N) / AUDIO_RATE;
            times_push(&as->beeps, t);
            as->last_beep = t;
        }
        as->quiet_for = 0;
    } else if (r < BEEP_RMS / 4) {
        as->quiet_for += WINDOW_S;
    }
    memmove(as->window, cur, WINDOW_N * sizeof *as->window);
}

static GstFlowReturn on_audio_sample(GstAppSink *sink, gpointer data)
{
    struct audio_state *as = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample) return GST_FLOW_EOS;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        const int16_t *s = (const int16_t *)map.data;
        size_t n = map.size / sizeof(int16_t);
        double pts = GST_BUFFER_PTS_IS_VALID(buf) ? (double)GST_BUFFER_PTS(buf) / GST_SECOND : -1;
        for (size_t i = 0; i < n; i++) {
            if (as->fill == 0) {
                /* A window starts: its time from the buffer's timestamp where there is one. */
                if (pts >= 0)
                    as->window_start = pts + (double)i / AUDIO_RATE;
                else
                    as->window_start = (double)as->samples / AUDIO_RATE;
            }
            as->window[WINDOW_N + as->fill++] = s[i];
            as->samples++;
            if (as->fill == WINDOW_N) {
                analyse_window(as);
                as->fill = 0;
            }
        }
        if (pts >= 0) as->last_pts = pts + (double)n / AUDIO_RATE;
        gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

/* --- pipeline ---------------------------------------------------------------------------- */

/* Links pad to a new bin made from desc; its element "sink", if any, is an appsink whose samples go
 * to on_sample(data). */
static gboolean link_branch(struct app *app, GstPad *pad, const char *desc,
                            GstFlowReturn (*on_sample)(GstAppSink *, gpointer), gpointer data)
{
    GError *err = NULL;
    GstElement *bin = gst_parse_bin_from_description(desc, TRUE, &err);
    if (!bin) {
        fprintf(stderr, "dh-avsync: %s: %s\n", desc, err ? err->message : "?");
        g_clear_error(&err);
        return FALSE;
    }
    gst_bin_add(GST_BIN(app->pipeline), bin);
    GstAppSink *sink = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(bin), "sink"));
    if (sink) {
        GstAppSinkCallbacks cb = {0};
        cb.new_sample = on_sample;
        gst_app_sink_set_callbacks(sink, &cb, data, NULL);
        gst_object_unref(sink);
    }
    gst_element_sync_state_with_parent(bin);
    GstPad *sinkpad = gst_element_get_static_pad(bin, "sink");
    gboolean ok = gst_pad_link(pad, sinkpad) == GST_PAD_LINK_OK;
    gst_object_unref(sinkpad);
    return ok;
}

static void on_pad_added(GstElement *src, GstPad *pad, gpointer data)
{
    struct app *app = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, NULL);
    const char *kind = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    int video = g_str_has_prefix(kind, "video/"), audio = g_str_has_prefix(kind, "audio/");
    gst_caps_unref(caps);

    int take = 0;
    g_mutex_lock(&app->lock);
    if (video && app->video_seen++ == app->video_want) {
        take = 1;
        app->video_linked = 1;
    } else if (audio && app->audio_seen++ == app->audio_want) {
        take = 2;
        app->audio_linked = 1;
    }
    g_mutex_unlock(&app->lock);

    char desc[512];
    if (take == 1)
        snprintf(
            desc, sizeof desc,
            "queue ! videoconvert ! videoscale ! video/x-raw,format=GRAY8,width=%d,height=%d ! "
            "appsink name=sink sync=false max-buffers=8",
            SCALE_W, SCALE_H);
    else if (take == 2)
        snprintf(desc, sizeof desc,
                 "queue ! audioconvert ! audioresample ! "
                 "audio/x-raw,format=S16LE,channels=1,rate=%d,layout=interleaved ! "
                 "appsink name=sink sync=false max-buffers=8",
                 AUDIO_RATE);
    else
        snprintf(desc, sizeof desc, "queue ! fakesink sync=false");
    gboolean linked;
    if (take == 1)
        linked = link_branch(app, pad, desc, on_video_sample, &app->video);
    else if (take == 2)
        linked = link_branch(app, pad, desc, on_audio_sample, &app->audio);
    else
        linked = link_branch(app, pad, desc, NULL, NULL);
    if (!linked) fprintf(stderr, "dh-avsync: could not link a %s stream\n", kind);
}

static int run_pipeline(struct app *app, const char *path)
{
    GError *err = NULL;
    char *uri = gst_filename_to_uri(path, &err);
    if (!uri) {
        fprintf(stderr, "dh-avsync: %s: %s\n", path, err ? err->message : "bad path");
        g_clear_error(&err);
        return -1;
    }
    app->pipeline = gst_pipeline_new("avsync");
    GstElement *src = gst_element_factory_make("uridecodebin", "src");
    if (!src) {
        fprintf(stderr, "dh-avsync: uridecodebin is missing (gstreamer1.0-plugins-base)\n");
        g_free(uri);
        return -1;
    }
    g_object_set(src, "uri", uri, NULL);
    g_free(uri);
    gst_bin_add(GST_BIN(app->pipeline), src);
    g_signal_connect(src, "pad-added", G_CALLBACK(on_pad_added), app);

    int rc = 0;
    if (gst_element_set_state(app->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        fprintf(stderr, "dh-avsync: %s: the pipeline would not start\n", path);
        rc = -1;
    }
    GstBus *bus = gst_element_get_bus(app->pipeline);
    while (rc == 0) {
        GstMessage *msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                                     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
        if (!msg) break;
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            GError *e = NULL;
            gst_message_parse_error(msg, &e, NULL);
            fprintf(stderr, "dh-avsync: %s: %s\n", path, e ? e->message : "decoding error");
            g_clear_error(&e);
            rc = -1;
        }
        gst_message_unref(msg);
        break;
    }
    gst_object_unref(bus);
    gst_element_set_state(app->pipeline, GST_STATE_NULL);
    gst_object_unref(app->pipeline);
    return rc;
}

/* --- result ------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_times(const char *name, const double *v, size_t n, double scale, int prec)
{
    printf("\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        printf("%s%.*f", i ? "," : "", prec, v[i] * scale);
    printf("]");
}

static void report(const struct app *app)
{
    const struct times *f = &app->video.flashes, *b = &app->audio.beeps;
    double *offsets = calloc(f->n + 1, sizeof *offsets);
    size_t pairs = 0;
    for (size_t i = 0; i < f->n; i++) {
        double best = 0;
        int found = 0;
        for (size_t j = 0; j < b->n; j++) {
            double d = b->v[j] - f->v[i];
            if (fabs(d) <= PAIR_MAX_S && (!found || fabs(d) < fabs(best))) {
                best = d;
                found = 1;
            }
        }
        if (found) offsets[pairs++] = best;
    }
    printf("{");
    print_times("flashes", f->v, f->n, 1.0, 3);
    printf(",");
    print_times("beeps", b->v, b->n, 1.0, 3);
    printf(",");
    print_times("offsets_ms", offsets, pairs, 1000.0, 1);
    printf(",\"pairs\":%zu", pairs);
    if (pairs) {
        double max_abs = 0;
        for (size_t i = 0; i < pairs; i++)
            if (fabs(offsets[i]) > max_abs) max_abs = fabs(offsets[i]);
        qsort(offsets, pairs, sizeof *offsets, cmp_double);
        double median =
            pairs % 2 ? offsets[pairs / 2] : (offsets[pairs / 2 - 1] + offsets[pairs / 2]) / 2;
        printf(",\"median_offset_ms\":%.1f,\"max_abs_offset_ms\":%.1f", median * 1000,
               max_abs * 1000);
    } else {
        printf(",\"median_offset_ms\":null,\"max_abs_offset_ms\":null");
    }
    double dur =
        app->video.last_pts > app->audio.last_pts ? app->video.last_pts : app->audio.last_pts;
    printf(",\"video\":%s,\"audio\":%s,\"frames\":%zu,\"lit_frames\":%zu,\"duration_s\":%.3f}\n",
           app->video_linked ? "true" : "false", app->audio_linked ? "true" : "false",
           app->video.frames, app->video.lit_frames, dur);
    free(offsets);
}

static void usage(void)
{
    fprintf(stderr, "usage: dh-avsync FILE [--video-track N] [--audio-track N] "
                    "[--region full|left|right]\n");
}

static int parse_index(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 64) return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    struct app app;
    memset(&app, 0, sizeof app);
    app.video.last_flash = -1e9;
    app.audio.last_beep = -1e9;
    app.audio.quiet_for = QUIET_S; /* the file's start counts as silence */
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--video-track") && i + 1 < argc) {
            if (parse_index(argv[++i], &app.video_want) < 0) return usage(), 1;
        } else if (!strcmp(a, "--audio-track") && i + 1 < argc) {
            if (parse_index(argv[++i], &app.audio_want) < 0) return usage(), 1;
        } else if (!strcmp(a, "--region") && i + 1 < argc) {
            const char *r = argv[++i];
            if (!strcmp(r, "full"))
                app.video.region = REGION_FULL;
            else if (!strcmp(r, "left"))
                app.video.region = REGION_LEFT;
            else if (!strcmp(r, "right"))
                app.video.region = REGION_RIGHT;
            else
                return usage(), 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (a[0] == '-' || path) {
            usage();
            return 1;
        } else {
            path = a;
        }
    }
    if (!path) {
        usage();
        return 1;
    }
    gst_init(NULL, NULL);
    g_mutex_init(&app.lock);
    int rc = run_pipeline(&app, path);
    if (rc == 0) report(&app);
    g_mutex_clear(&app.lock);
    free(app.video.flashes.v);
    free(app.audio.beeps.v);
    return rc == 0 ? 0 : 1;
}
