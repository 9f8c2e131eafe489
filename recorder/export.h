/* The exporter (docs/recording.md "Export"): from a recording's timeline.jsonl and journals to
 * files that play: one per site (depayloaded, not re-encoded), the meeting file (1280x720, chair
 * left, floor holder or else active speaker right, VP8 + Opus), chapters.json and Matroska
 * chapters, and a manifest signed with the hub's key.
 *
 * Runs GStreamer pipelines in the calling thread and blocks until done; it calls gst_init itself.
 * The hub runs it in a child process (`dienhong export`), so that a GStreamer failure cannot take
 * the hub down. Files are written under temporary names and renamed when complete; an export run
 * again replaces the previous one.
 *
 * Files in out_dir: site-NNN.webm (or .mkv for H.264), numbered in the order the sites first sent
 * something; meeting.webm (meeting.mkv when a recorded video is H.264); chapters.json;
 * manifest.json + manifest.sig (manifest.h); progress ("NN\n", rewritten as it goes).
 *
 * chapters.json, times in milliseconds of the meeting file:
 *   {"recording": "r-...", "meeting": "m-...", "title": "...", "file": "meeting.webm",
 *    "duration_ms": 6000,
 *    "chapters": [{"kind": "agenda", "title": "Khai mạc", "start_ms": 100, "end_ms": 3500,
 *                  "index": 1},
 *                 {"kind": "speaker", "title": "Phường Ba Đình", "start_ms": 1000,
 *                  "end_ms": 3000, "site": "ba-dinh"}, ...]}
 * sorted by start; an agenda item lasts until the next one, a speaker turn until another site
 * (or nobody) speaks; both end at the end of the file at the latest. The same chapters are in the
 * meeting file as Matroska chapters (one edition, titles as above).
 *
 * Site files carry meeting time: a site that joined 3 s in starts at 3 s, and a player shows the
 * span from its first packet to its last (export_file.duration_ms says the same). */
#ifndef DH_EXPORT_H
#define DH_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT_PROGRESS_FILE "progress"

/* Called with 0..100, never going back, from the thread that called export_recording. */
typedef void (*export_progress_fn)(void *ud, int percent);

typedef struct export_options {
    const char *recording_dir; /* holds timeline.jsonl and journals/ */
    const char *out_dir;       /* NULL: recording_dir/export (created when missing) */
    const char *key_dir;       /* where recording.key lives (the hub's DATA directory) */
    export_progress_fn progress;
    void *progress_ud;
} export_options;

typedef struct export_file {
    char kind[16];  /* "meeting", "site", "chapters", "manifest" */
    char site[64];  /* kind "site": the site code (or "chair"/"operator") */
    char name[256]; /* what a person reads: the site's name, the meeting's title */
    char file[64];  /* name inside out_dir */
    char type[64];  /* "video/webm", "video/x-matroska", "application/json" */
    int64_t size;
    char sha256[65];
    int64_t duration_ms; /* 0 when not media */
} export_file;

typedef struct export_result {
    char recording[64], meeting[64];
    int64_t duration_ms; /* of the meeting file: start to stop (or to the last packet) */
    export_file *files;  /* owned; export_result_free */
    size_t n_files;
} export_result;

/* Exports one recording. 0 and *res filled (free it with export_result_free), or -1 with the
 * reason in err ("timeline: ...", "journal 000003.dhj: ...", "gstreamer: ...", "disk: ..."). */
int export_recording(const export_options *o, export_result *res, char *err, size_t cap);
void export_result_free(export_result *res);

#endif
