/* The recorder: one thread that takes the media plane's copies of recorded sources (sfu.h's tap)
 * and writes each source into its own journal (journal.h), syncing every journal to disk at least
 * once a second. It never makes the media path wait: if it falls behind, copies are dropped at the
 * tap and the loss is written into the journal as a GAP and reported.
 *
 * Threads: recorder_new/free and the track and event calls are made from one control thread
 * (the hub's signaling thread); everything else happens on the recorder's own thread. Opening a
 * journal (which syncs its header and directory) happens there too, so that starting to record
 * 580 sites never stalls signaling. */
#ifndef DH_RECORDER_H
#define DH_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "recorder/journal.h"
#include "sfu/engine/sfu.h"

typedef struct recorder recorder;

/* Where copies come from: sfu_tap_drain in the hub, a worker's ring in the benchmark. */
typedef size_t (*recorder_source_fn)(void *ud, sfu_tap_fn fn, void *fn_ud, size_t max);

recorder *recorder_new(recorder_source_fn src, void *src_ud);
/* Stops the thread after writing what is waiting, and closes every journal cleanly. */
void recorder_free(recorder *r);

/* Records copies of `source` into a new journal at `path` (which must not exist). The journal's
 * created-at and every arrival time are wall-clock microseconds. */
void recorder_track_open(recorder *r, uint32_t source, const char *path, const journal_track *t);
/* Writes what is waiting for the source, then closes its journal cleanly (END record). */
void recorder_track_close(recorder *r, uint32_t source);

typedef enum {
    RECORDER_EV_OPENED = 0, /* the journal exists: from now on copies are kept (a video source
                               needs a keyframe now, or its first frames cannot be decoded) */
    RECORDER_EV_FAILED,     /* a journal could not be created or written: the track stopped */
    RECORDER_EV_DROPPED,    /* copies were lost (at most one event per source every 5 s) */
} recorder_event_type;

typedef struct recorder_event {
    recorder_event_type type;
    uint32_t source;
    uint64_t dropped; /* DROPPED: lost since the last event for this source */
    char reason[160]; /* FAILED: "write: No space left on device" */
} recorder_event;

size_t recorder_poll_events(recorder *r, recorder_event *out, size_t cap);

typedef struct recorder_stats {
    uint64_t packets, bytes, dropped, syncs, tracks_open, failures;
} recorder_stats;
void recorder_get_stats(recorder *r, recorder_stats *out);

/* Wall-clock microseconds on the recorder's time base (what journals and timelines use). */
uint64_t recorder_wall_us(void);

#endif
