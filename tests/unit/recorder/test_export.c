/* The exporter end to end on real media: GStreamer encodes test pictures and tones to VP8 and
 * Opus RTP, the packets are written to journals as the recorder would (arrival times, sender
 * reports, a few duplicates and swaps), a timeline tells the meeting (a chair and two sites; Ba
 * Đình drops out for 2 s and comes back on a new connection; the floor moves), and the export's
 * files are checked with GStreamer's discoverer: they play, have the streams they should, and the
 * meeting file lasts from start to stop. Then the manifest is checked, before and after a file is
 * changed, and a recording cut by a crash (no stop line) is exported to its last packet. */
#include "recorder/export.h"
#include "recorder/journal.h"
#include "recorder/manifest.h"
#include "recorder/sign.h"
#include "tests/unit/check.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 1795430000000000ull /* the recording's start on the hub's clock, µs */
#define MEETING_US 6000000ull
#define SECOND 1000000ull

static char root[] = "/tmp/dh-export-XXXXXX";

/* One encoded stream: RTP packets with their capture time. */
typedef struct pkt {
    uint64_t pts_us; /* from the stream's first packet */
    size_t len;
    uint8_t data[1500];
} pkt;

typedef struct stream {
    pkt *p;
    size_t n;
    uint32_t clock_rate;
    uint8_t pt;
} stream;

static int encode(const char *desc, uint32_t clock_rate, uint8_t pt, stream *out)
{
    GError *e = NULL;
    GstElement *pipe = gst_parse_launch(desc, &e);
    if (!pipe) {
        fprintf(stderr, "parse: %s\n", e ? e->message : "?");
        g_clear_error(&e);
        return -1;
    }
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "out");
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    out->clock_rate = clock_rate;
    out->pt = pt;
    for (GstSample *s; (s = gst_app_sink_pull_sample(GST_APP_SINK(sink)));) {
        GstBuffer *b = gst_sample_get_buffer(s);
        if (out->n == cap) {
            cap = cap ? cap * 2 : 256;
            out->p = realloc(out->p, cap * sizeof *out->p);
        }
        pkt *p = &out->p[out->n++];
        p->pts_us = GST_BUFFER_PTS(b) / 1000;
        p->len = gst_buffer_extract(b, 0, p->data, sizeof p->data);
        gst_sample_unref(s);
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    /* Some encoders start at 1000 hours to keep DTS positive: count from the first packet. */
    for (size_t i = 1; i < out->n; i++)
        out->p[i].pts_us -= out->p[0].pts_us;
    if (out->n) out->p[0].pts_us = 0;
    return out->n ? 0 : -1;
}

static uint64_t ntp_of_us(uint64_t us)
{
    return (us / SECOND) << 32 | (((us % SECOND) << 32) / SECOND);
}

/* Writes the stream's packets captured in [from, to) to a journal as a publisher would have sent
 * them: its own SSRC and sequence/timestamp offsets, a sender clock of its own, arrival after
 * `delay_us` plus a little jitter, a sender report every second, now and then a packet sent twice
 * or two packets swapped. */
static void write_journal(const char *dir, const char *file, const stream *st, bool video,
                          const char *vcodec, const char *site, const char *conn, uint64_t from,
                          uint64_t to, uint32_t ssrc, uint16_t seq_add, uint32_t ts_add,
                          uint64_t sender_clock, uint64_t delay_us)
{
    char path[256], err[128];
    snprintf(path, sizeof path, "%s/journals/%s", dir, file);
    journal_track t = {.kind = video ? JOURNAL_KIND_VIDEO : JOURNAL_KIND_AUDIO,
                       .payload_type = st->pt,
                       .clock_rate = st->clock_rate,
                       .ssrc = ssrc,
                       .created_us = T0 + from};
    snprintf(t.codec, sizeof t.codec, "%s", video ? vcodec : "opus");
    snprintf(t.meeting, sizeof t.meeting, "m-Ab12Cd34Ef56");
    snprintf(t.site, sizeof t.site, "%s", site);
    snprintf(t.track_id, sizeof t.track_id, "%s/%s", conn, video ? "video" : "audio");
    journal_writer *w = journal_create(path, &t, err, sizeof err);
    CHECK(w != NULL);
    if (!w) return;
    uint64_t next_sr = 0;
    pkt held = {0};
    bool holding = false;
    for (size_t i = 0; i < st->n; i++) {
        pkt p = st->p[i];
        if (p.pts_us < from || p.pts_us >= to) continue;
        uint16_t seq = (uint16_t)((p.data[2] << 8 | p.data[3]) + seq_add);
        uint32_t ts = ((uint32_t)p.data[4] << 24 | (uint32_t)p.data[5] << 16 |
                       (uint32_t)p.data[6] << 8 | p.data[7]) +
                      ts_add;
        p.data[2] = (uint8_t)(seq >> 8);
        p.data[3] = (uint8_t)seq;
        for (int k = 0; k < 4; k++) {
            p.data[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
            p.data[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
        }
        uint64_t arrival = T0 + p.pts_us + delay_us + (i * 7919) % 5000;
        if (p.pts_us >= next_sr) {
            CHECK_EQ(journal_append_sr(w, arrival, ntp_of_us(sender_clock + p.pts_us), ts), 0);
            next_sr = p.pts_us + SECOND;
        }
        if (i % 37 == 5 && !holding) { /* swap with the next one */
            held = p;
            holding = true;
            continue;
        }
        CHECK_EQ(journal_append_rtp(w, arrival, p.data, p.len), 0);
        if (holding) {
            CHECK_EQ(journal_append_rtp(w, arrival + 100, held.data, held.len), 0);
            holding = false;
        }
        if (i % 29 == 3) /* a retransmission arriving late */
            CHECK_EQ(journal_append_rtp(w, arrival + 30000, p.data, p.len), 0);
    }
    if (holding) CHECK_EQ(journal_append_rtp(w, T0 + to + delay_us, held.data, held.len), 0);
    CHECK_EQ(journal_close(w), 0);
}

static void line(FILE *f, uint64_t t_us, const char *rest)
{
    fprintf(f, "{\"t\":%llu,%s}\n", (unsigned long long)(T0 + t_us), rest);
}

static void track_line(FILE *f, uint64_t t, const char *file, const char *site, const char *name,
                       const char *role, const char *conn, bool video, const char *vcodec)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "\"type\":\"track\",\"file\":\"%s\",\"site\":\"%s\",\"name\":\"%s\",\"role\":\"%s\","
             "\"conn\":\"%s\",\"kind\":\"%s\",\"codec\":\"%s\"",
             file, site, name, role, conn, video ? "video" : "audio", video ? vcodec : "opus");
    line(f, t, buf);
}

typedef struct media {
    stream video[3], audio[3];
} media;

static int make_media(media *m)
{
    static const char *patterns[] = {"smpte", "ball", "snow"};
    static const int freqs[] = {440, 660, 880};
    for (int i = 0; i < 3; i++) {
        char desc[1024];
        snprintf(desc, sizeof desc,
                 "videotestsrc num-buffers=%d pattern=%s ! "
                 "video/x-raw,width=320,height=240,framerate=15/1 ! "
                 "vp8enc deadline=1 keyframe-max-dist=15 cpu-used=16 ! "
                 "rtpvp8pay pt=96 mtu=1200 seqnum-offset=%d timestamp-offset=%u ! "
                 "appsink name=out sync=false",
                 (int)(MEETING_US / SECOND * 15), patterns[i], 65000 + i * 100,
                 4000000000u + (unsigned)i);
        if (encode(desc, 90000, 96, &m->video[i]) != 0) return -1;
        snprintf(desc, sizeof desc,
                 "audiotestsrc num-buffers=%d wave=sine freq=%d samplesperbuffer=960 ! "
                 "audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 ! "
                 "rtpopuspay pt=111 seqnum-offset=%d timestamp-offset=%u ! "
                 "appsink name=out sync=false",
                 (int)(MEETING_US / 20000), freqs[i], 100 * i, 1000u * (unsigned)i);
        if (encode(desc, 48000, 111, &m->audio[i]) != 0) return -1;
    }
    return 0;
}

/* The meeting: chair from 0.2 s; Ba Đình from 0.5 s, gone 2.0..4.0 s, back on a new connection;
 * Hoàn Kiếm from 0.6 s. Ba Đình holds the floor from 1 s, Hoàn Kiếm from 4.5 s. */
static void make_recording(const char *dir, const media *m, bool stop)
{
    char path[256];
    snprintf(path, sizeof path, "%s/journals", dir);
    CHECK(mkdir(dir, 0700) == 0 && mkdir(path, 0700) == 0);
    static const struct {
        const char *site, *name, *role, *conn;
        int src;
        uint64_t from, to, clock;
    } pubs[] = {
        {"chair", "Chủ trì", "chair", "p-chair", 0, 200000, MEETING_US, 3900000000ull * SECOND},
        {"ba-dinh", "Phường Ba Đình", "site", "p-bd1", 1, 500000, 2000000, 3900000100ull * SECOND},
        {"hoan-kiem", "Phường Hoàn Kiếm", "site", "p-hk", 2, 600000, MEETING_US,
         3900000200ull * SECOND},
        {"ba-dinh", "Phường Ba Đình", "site", "p-bd2", 1, 4000000, MEETING_US,
         3900000300ull * SECOND},
    };
    snprintf(path, sizeof path, "%s/timeline.jsonl", dir);
    FILE *f = fopen(path, "w");
    line(f, 0,
         "\"type\":\"start\",\"recording\":\"r-AAAABBBBCCCCDDDD\",\"meeting\":\"m-Ab12Cd34Ef56\","
         "\"title\":\"Họp giao ban\"");
    line(f, 100000, "\"type\":\"agenda\",\"index\":1,\"title\":\"Khai mạc\"");
    int file_no = 1;
    for (size_t i = 0; i < 4; i++) {
        if (i == 3) {
            line(f, 1000000, "\"type\":\"floor\",\"sites\":[\"ba-dinh\"]");
            line(f, 1000000, "\"type\":\"speaker\",\"site\":\"ba-dinh\"");
            line(f, 2000000, "\"type\":\"track_end\",\"file\":\"000003.dhj\"");
            line(f, 2000000, "\"type\":\"track_end\",\"file\":\"000004.dhj\"");
            line(f, 3000000, "\"type\":\"speaker\",\"site\":\"hoan-kiem\"");
            line(f, 3500000, "\"type\":\"agenda\",\"index\":2,\"title\":\"Báo cáo\"");
        }
        for (int video = 0; video < 2; video++) {
            char file[32];
            snprintf(file, sizeof file, "%06d.dhj", file_no++);
            track_line(f, pubs[i].from, file, pubs[i].site, pubs[i].name, pubs[i].role,
                       pubs[i].conn, video, "VP8");
            const stream *st = video ? &m->video[pubs[i].src] : &m->audio[pubs[i].src];
            write_journal(dir, file, st, video, "VP8", pubs[i].site, pubs[i].conn, pubs[i].from,
                          pubs[i].to, 0x1000u * (uint32_t)(i + 1) + (uint32_t)video,
                          (uint16_t)(i * 5000), (uint32_t)i * 123456u, pubs[i].clock,
                          video ? 45000 : 30000);
        }
    }
    line(f, 4500000, "\"type\":\"floor\",\"sites\":[\"hoan-kiem\"]");
    line(f, 4500000, "\"type\":\"speaker\",\"site\":\"hoan-kiem\"");
    if (stop) line(f, MEETING_US, "\"type\":\"stop\",\"reason\":\"chair\"");
    fclose(f);
}

typedef struct progress {
    int last, calls;
    bool backwards;
} progress;

static void on_progress(void *ud, int pct)
{
    progress *p = ud;
    if (pct < p->last) p->backwards = true;
    p->last = pct;
    p->calls++;
}

/* Discovers a file: its duration (ns) and how many audio and video streams it has. */
static bool discover(const char *path, GstClockTime *dur, int *audio, int *video, bool *toc)
{
    GError *e = NULL;
    GstDiscoverer *d = gst_discoverer_new(20 * GST_SECOND, &e);
    if (!d) return false;
    char *uri = gst_filename_to_uri(path, NULL);
    GstDiscovererInfo *info = gst_discoverer_discover_uri(d, uri, &e);
    g_free(uri);
    bool ok = info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK;
    if (!ok) fprintf(stderr, "%s: %s\n", path, e ? e->message : "not playable");
    g_clear_error(&e);
    if (ok) {
        *dur = gst_discoverer_info_get_duration(info);
        GList *a = gst_discoverer_info_get_audio_streams(info);
        GList *v = gst_discoverer_info_get_video_streams(info);
        *audio = (int)g_list_length(a);
        *video = (int)g_list_length(v);
        if (v) {
            GstDiscovererVideoInfo *vi = v->data;
            fprintf(stderr, "%s: %ux%u, %.3f s\n", path, gst_discoverer_video_info_get_width(vi),
                    gst_discoverer_video_info_get_height(vi), (double)*dur / GST_SECOND);
        }
        gst_discoverer_stream_info_list_free(a);
        gst_discoverer_stream_info_list_free(v);
        if (toc) *toc = gst_discoverer_info_get_toc(info) != NULL;
    }
    if (info) gst_discoverer_info_unref(info);
    g_object_unref(d);
    return ok;
}

/* The earliest timestamp of the file's first audio buffer: where the site starts in the
 * meeting (audio, since video waits for a keyframe). */
static GstClockTime first_pts(const char *path)
{
    char desc[600];
    snprintf(desc, sizeof desc,
             "filesrc location=%s ! matroskademux name=d d.audio_0 ! appsink name=out sync=false",
             path);
    GstElement *pipe = gst_parse_launch(desc, NULL);
    if (!pipe) return GST_CLOCK_TIME_NONE;
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "out");
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstClockTime t = GST_CLOCK_TIME_NONE;
    GstSample *s = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    if (s) {
        t = GST_BUFFER_PTS(gst_sample_get_buffer(s));
        gst_sample_unref(s);
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    return t;
}

static const export_file *find_kind(const export_result *r, const char *kind, const char *site)
{
    for (size_t i = 0; i < r->n_files; i++)
        if (strcmp(r->files[i].kind, kind) == 0 && (!site || strcmp(r->files[i].site, site) == 0))
            return &r->files[i];
    return NULL;
}

static void check_chapters(const char *path)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    CHECK(doc != NULL);
    json_t *ch = json_object_get(doc, "chapters");
    size_t agenda = 0, speakers = 0;
    for (size_t i = 0; i < json_array_size(ch); i++) {
        json_t *c = json_array_get(ch, i);
        const char *kind = json_string_value(json_object_get(c, "kind"));
        if (kind && strcmp(kind, "agenda") == 0) agenda++;
        if (kind && strcmp(kind, "speaker") == 0) speakers++;
        CHECK(json_integer_value(json_object_get(c, "end_ms")) >
              json_integer_value(json_object_get(c, "start_ms")));
    }
    CHECK_EQ(agenda, 2);
    CHECK_EQ(speakers, 2); /* Ba Đình from 1 s, Hoàn Kiếm from 3 s (again at 4.5 s: same turn) */
    json_t *second = json_array_get(ch, 1);
    CHECK_STR(json_string_value(json_object_get(second, "title")), "Phường Ba Đình");
    CHECK_EQ(json_integer_value(json_object_get(second, "start_ms")), 1000);
    CHECK_EQ(json_integer_value(json_object_get(second, "end_ms")), 3000);
    CHECK_EQ(json_integer_value(json_object_get(doc, "duration_ms")), 6000);
    json_decref(doc);
}

static void test_export(const media *m)
{
    char dir[256], data[256], out[300], path[512], err[512];
    snprintf(dir, sizeof dir, "%s/r-AAAABBBBCCCCDDDD", root);
    snprintf(data, sizeof data, "%s/data", root);
    make_recording(dir, m, true);
    progress pr = {.last = -1};
    export_options o = {
        .recording_dir = dir, .key_dir = data, .progress = on_progress, .progress_ud = &pr};
    export_result res;
    int rc = export_recording(&o, &res, err, sizeof err);
    if (rc != 0) fprintf(stderr, "export: %s\n", err);
    CHECK_EQ(rc, 0);
    if (rc != 0) return;
    CHECK(!pr.backwards && pr.last == 100 && pr.calls > 3);
    snprintf(out, sizeof out, "%s/export", dir);
    snprintf(path, sizeof path, "%s/progress", out);
    FILE *f = fopen(path, "r");
    char text[8] = "";
    CHECK(f && fgets(text, sizeof text, f));
    if (f) fclose(f);
    CHECK_STR(text, "100\n");
    CHECK_STR(res.recording, "r-AAAABBBBCCCCDDDD");
    CHECK_EQ(res.duration_ms, 6000);
    /* Three sites, the meeting, chapters, manifest and its signature. */
    CHECK_EQ(res.n_files, 3 + 1 + 1 + 2);

    const export_file *mf = find_kind(&res, "meeting", NULL);
    CHECK(mf && strcmp(mf->file, "meeting.webm") == 0 && mf->duration_ms == 6000);
    CHECK(mf && strcmp(mf->type, "video/webm") == 0 && mf->size > 0 && strlen(mf->sha256) == 64);
    GstClockTime dur = 0;
    int na = 0, nv = 0;
    bool toc = false;
    snprintf(path, sizeof path, "%s/meeting.webm", out);
    CHECK(discover(path, &dur, &na, &nv, &toc));
    CHECK(na == 1 && nv == 1);
    CHECK(llabs((long long)dur - (long long)(6 * GST_SECOND)) <= (long long)(300 * GST_MSECOND));
    CHECK(toc);

    static const struct {
        const char *site, *file, *name;
        double from, to;
    } sites[] = {{"chair", "site-001.webm", "Chủ trì", 0.2, 6.0},
                 {"ba-dinh", "site-002.webm", "Phường Ba Đình", 0.5, 6.0},
                 {"hoan-kiem", "site-003.webm", "Phường Hoàn Kiếm", 0.6, 6.0}};
    for (size_t i = 0; i < 3; i++) {
        const export_file *sf = find_kind(&res, "site", sites[i].site);
        CHECK(sf != NULL);
        if (!sf) continue;
        CHECK_STR(sf->file, sites[i].file);
        CHECK_STR(sf->name, sites[i].name);
        snprintf(path, sizeof path, "%s/%s", out, sf->file);
        CHECK(discover(path, &dur, &na, &nv, NULL));
        CHECK(na == 1 && nv == 1);
        /* Timestamps are meeting time: a file spans its site's first packet to its last. */
        double want = sites[i].to - sites[i].from;
        CHECK(llabs((long long)dur - (long long)(want * GST_SECOND)) <=
              (long long)(300 * GST_MSECOND));
        CHECK(llabs((long long)sf->duration_ms - (long long)(want * 1000)) <= 300);
        /* ... and starts at the time the site joined. */
        snprintf(path, sizeof path, "%s/%s", out, sf->file);
        GstClockTime first = first_pts(path);
        CHECK(llabs((long long)first - (long long)(sites[i].from * GST_SECOND)) <=
              (long long)(100 * GST_MSECOND));
    }

    snprintf(path, sizeof path, "%s/chapters.json", out);
    check_chapters(path);
    CHECK(find_kind(&res, "chapters", NULL) != NULL);
    CHECK(find_kind(&res, "manifest", NULL) != NULL);

    /* The manifest vouches for every file, and no longer once one is changed. */
    sign_key *key = sign_key_load_or_create(data, err, sizeof err);
    CHECK(key != NULL);
    manifest_check_result mc;
    for (size_t i = 0; i < res.n_files; i++) {
        if (strcmp(res.files[i].kind, "manifest") == 0) continue;
        CHECK_EQ(manifest_check(out, key, res.files[i].file, &mc, err, sizeof err), 0);
    }
    snprintf(path, sizeof path, "%s/site-002.webm", out);
    f = fopen(path, "ab");
    fputc(0, f);
    fclose(f);
    CHECK_EQ(manifest_check(out, key, "site-002.webm", &mc, err, sizeof err), 1);
    CHECK(mc.signature_ok && mc.listed && !mc.hash_ok);
    CHECK_EQ(manifest_check(out, key, "meeting.webm", &mc, err, sizeof err), 0);
    sign_key_free(key);
    export_result_free(&res);
}

/* Cut by a crash: no stop line, and the export goes to the last packet, into another directory.
 */
static void test_crash(const media *m)
{
    char dir[256], data[256], out[300], path[512], err[512];
    snprintf(dir, sizeof dir, "%s/r-crash", root);
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(out, sizeof out, "%s/elsewhere", root);
    make_recording(dir, m, false);
    export_options o = {.recording_dir = dir, .key_dir = data, .out_dir = out};
    export_result res;
    int rc = export_recording(&o, &res, err, sizeof err);
    if (rc != 0) fprintf(stderr, "export: %s\n", err);
    CHECK_EQ(rc, 0);
    if (rc != 0) return;
    /* The last packets: the held one at 6 s + 45 ms, a retransmission 30 ms after a late packet.
     */
    CHECK(res.duration_ms >= 6000 && res.duration_ms < 6200);
    GstClockTime dur = 0;
    int na = 0, nv = 0;
    snprintf(path, sizeof path, "%s/meeting.webm", out);
    CHECK(discover(path, &dur, &na, &nv, NULL));
    CHECK(llabs((long long)dur - (long long)res.duration_ms * (long long)GST_MSECOND) <=
          (long long)(300 * GST_MSECOND));
    snprintf(path, sizeof path, "%s/export", dir);
    CHECK(access(path, F_OK) != 0); /* nothing written beside the journals */
    export_result_free(&res);
}

/* A site that sends H.264: its own file and the meeting file are Matroska. */
static void test_h264(const media *m)
{
    stream h264;
    char desc[1024];
    snprintf(desc, sizeof desc,
             "videotestsrc num-buffers=45 pattern=ball ! "
             "video/x-raw,width=320,height=240,framerate=15/1 ! "
             "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
             "video/x-h264,profile=constrained-baseline ! "
             "rtph264pay pt=102 mtu=1200 config-interval=-1 aggregate-mode=zero-latency ! "
             "appsink name=out sync=false");
    CHECK_EQ(encode(desc, 90000, 102, &h264), 0);
    char dir[256], data[256], path[512], err[512];
    snprintf(dir, sizeof dir, "%s/r-h264", root);
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(path, sizeof path, "%s/journals", dir);
    CHECK(mkdir(dir, 0700) == 0 && mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/timeline.jsonl", dir);
    FILE *f = fopen(path, "w");
    line(f, 0, "\"type\":\"start\",\"recording\":\"r-h264\",\"meeting\":\"m-1\",\"title\":\"\"");
    track_line(f, 0, "000001.dhj", "chair", "Chủ trì", "chair", "p-c", true, "VP8");
    track_line(f, 0, "000002.dhj", "tay-ho", "Tây Hồ", "site", "p-t", true, "H264");
    track_line(f, 0, "000003.dhj", "tay-ho", "Tây Hồ", "site", "p-t", false, "H264");
    line(f, 500000, "\"type\":\"floor\",\"sites\":[\"tay-ho\"]");
    line(f, 3 * SECOND, "\"type\":\"stop\",\"reason\":\"chair\"");
    fclose(f);
    write_journal(dir, "000001.dhj", &m->video[0], true, "VP8", "chair", "p-c", 0, 3 * SECOND, 1, 0,
                  0, 3900000000ull * SECOND, 20000);
    write_journal(dir, "000002.dhj", &h264, true, "H264", "tay-ho", "p-t", 0, 3 * SECOND, 2, 0, 0,
                  3900000000ull * SECOND, 20000);
    write_journal(dir, "000003.dhj", &m->audio[1], false, "H264", "tay-ho", "p-t", 0, 3 * SECOND, 3,
                  0, 0, 3900000000ull * SECOND, 20000);
    free(h264.p);
    export_options o = {.recording_dir = dir, .key_dir = data};
    export_result res;
    int rc = export_recording(&o, &res, err, sizeof err);
    if (rc != 0) fprintf(stderr, "export: %s\n", err);
    CHECK_EQ(rc, 0);
    if (rc != 0) return;
    const export_file *mf = find_kind(&res, "meeting", NULL);
    const export_file *sf = find_kind(&res, "site", "tay-ho");
    CHECK(mf && strcmp(mf->file, "meeting.mkv") == 0 && strcmp(mf->type, "video/x-matroska") == 0);
    CHECK(sf && strcmp(sf->file, "site-002.mkv") == 0 && strcmp(sf->type, "video/x-matroska") == 0);
    GstClockTime dur = 0;
    int na = 0, nv = 0;
    snprintf(path, sizeof path, "%s/export/meeting.mkv", dir);
    CHECK(discover(path, &dur, &na, &nv, NULL));
    CHECK(na == 1 && nv == 1);
    CHECK(llabs((long long)dur - (long long)(3 * GST_SECOND)) <= (long long)(300 * GST_MSECOND));
    snprintf(path, sizeof path, "%s/export/site-002.mkv", dir);
    CHECK(discover(path, &dur, &na, &nv, NULL));
    CHECK(na == 1 && nv == 1);
    export_result_free(&res);
}

static void test_errors(void)
{
    char dir[256], err[512];
    snprintf(dir, sizeof dir, "%s/r-none", root);
    export_options o = {.recording_dir = dir, .key_dir = root};
    export_result res;
    CHECK_EQ(export_recording(&o, &res, err, sizeof err), -1);
    CHECK(strncmp(err, "timeline: open:", 15) == 0);
    CHECK(mkdir(dir, 0700) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/timeline.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"t\":5,\"type\":\"stop\",\"reason\":\"x\"}\n", f);
    fclose(f);
    CHECK_EQ(export_recording(&o, &res, err, sizeof err), -1);
    CHECK_STR(err, "timeline: no start line");
}

int main(void)
{
    gst_init(NULL, NULL);
    if (!mkdtemp(root)) return 1;
    media m;
    CHECK_EQ(make_media(&m), 0);
    test_export(&m);
    test_crash(&m);
    test_h264(&m);
    test_errors();
    for (int i = 0; i < 3; i++) {
        free(m.video[i].p);
        free(m.audio[i].p);
    }
    if (check_failed == 0 && !getenv("DH_KEEP")) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", root);
        if (system(cmd) != 0) fprintf(stderr, "could not clean %s\n", root);
    } else {
        fprintf(stderr, "files kept in %s\n", root);
    }
    CHECK_DONE();
}
