/* Shared by the export_*.c files: the plan of an export (who published what, when, where on the
 * screen) and the pieces each pipeline is built from. Internal to the exporter. */
#ifndef DH_EXPORT_INTERNAL_H
#define DH_EXPORT_INTERNAL_H

#include <gst/gst.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder/export.h"
#include "recorder/replay.h"
#include "recorder/timeline_read.h"

#define EX_NONE ((size_t)-1)
#define EX_MAX_PUBS 4096 /* publishers (peer connections) in one recording */

/* One publisher: a peer connection and its journals. */
typedef struct ex_pub {
    char conn[TIMELINE_ID_MAX];
    size_t site; /* index in ex_plan.sites */
    char *paths[REPLAY_MAX_JOURNALS];
    size_t n_paths;
    replay *rp;
} ex_pub;

typedef struct ex_site {
    char code[TIMELINE_ID_MAX];
    char name[TIMELINE_TEXT_MAX];
    char role[TIMELINE_ID_MAX];
    size_t *pubs; /* indexes in ex_plan.pubs, by first arrival */
    size_t n_pubs;
    char video_codec[32]; /* "VP8", "H264" or "" (no video): journal_track.codec */
    char audio_codec[32]; /* "opus" or "" */
    uint64_t first_us;    /* first arrival of anything */
    bool chair;
    bool show_video; /* appears in the meeting file's picture */
    bool mix_audio;  /* is heard in the meeting file */
    char file[64];   /* its own file, "" when it has none */
    int64_t duration_ms;
} ex_site;

/* The meeting's layout from time t on (µs on the hub's clock). */
typedef struct ex_layout {
    uint64_t t;
    size_t right; /* site shown on the right, EX_NONE for black */
    size_t floor[TIMELINE_MAX_FLOOR];
    size_t n_floor;
} ex_layout;

typedef struct ex_plan {
    timeline *tl;
    char recording[TIMELINE_ID_MAX], meeting[TIMELINE_ID_MAX], title[TIMELINE_TEXT_MAX];
    uint64_t start_us, end_us; /* the meeting file spans exactly this */
    ex_pub *pubs;
    size_t n_pubs;
    ex_site *sites;
    size_t n_sites;
    ex_layout *layout;
    size_t n_layout;
} ex_plan;

int ex_plan_build(const char *recording_dir, ex_plan *p, char *err, size_t cap);
void ex_plan_free(ex_plan *p);
/* Nanoseconds in the meeting file of a time on the hub's clock (clamped at 0). */
GstClockTime ex_plan_ns(const ex_plan *p, uint64_t t_us);
GstClockTime ex_plan_duration_ns(const ex_plan *p);
bool ex_site_in_floor(const ex_layout *l, size_t site);
/* True when the site's `kind` had packets within `margin_us` of t. */
bool ex_site_active(const ex_plan *p, const ex_site *s, uint8_t kind, uint64_t t, uint64_t margin);

/* An appsrc fed in pull mode (need-data) with the RTP packets of one kind of a site, over all its
 * publishers, with meeting-time PTS and DISCONT at each segment. Caps say the site's codec. */
GstElement *ex_feed_source(const ex_plan *p, const ex_site *s, uint8_t kind, char *err, size_t cap);
/* "rtpvp8depay", ... for a codec name; NULL when unknown. */
const char *ex_depay_for(const char *codec);

/* Progress: a range [lo, hi] of the whole for one step. */
typedef struct ex_progress {
    export_progress_fn fn;
    void *ud;
    char path[4200]; /* the progress file */
    int last;
} ex_progress;
void ex_progress_set(ex_progress *pr, int percent);

/* Plays a pipeline to EOS, reporting its position over duration_ns as lo..hi. 0 or -1 with the
 * GStreamer error in err. Sets the pipeline to NULL before returning. */
int ex_run(GstElement *pipeline, GstClockTime duration_ns, ex_progress *pr, int lo, int hi,
           char *err, size_t cap);
/* gst_element_factory_make that says which element is missing. */
GstElement *ex_make(const char *factory, char *err, size_t cap);

int ex_site_export(const ex_plan *p, ex_site *s, const char *out_dir, ex_progress *pr, int lo,
                   int hi, char *err, size_t cap);

/* Chapters: one per agenda item, one per speaker turn, in time order. */
typedef struct ex_chapter {
    bool agenda; /* else a speaker turn */
    int64_t index;
    char title[TIMELINE_TEXT_MAX + 32];
    char site[TIMELINE_ID_MAX];
    GstClockTime start, stop; /* in the meeting file */
} ex_chapter;
int ex_chapters_build(const ex_plan *p, ex_chapter **out, size_t *n);
/* chapters.json: the chapters with their times in `meeting_file`, in milliseconds. */
int ex_chapters_write_json(const ex_plan *p, const ex_chapter *c, size_t n,
                           const char *meeting_file, const char *path, char *err, size_t cap);
GstToc *ex_chapters_toc(const ex_chapter *c, size_t n);

int ex_meeting_export(const ex_plan *p, const char *out_dir, const char *file, GstToc *toc,
                      ex_progress *pr, int lo, int hi, char *err, size_t cap);

#endif
