/* Reading a recording's timeline.jsonl (docs/recording.md): what happened when, one JSON object
 * per line, written by the recorder and read back by the exporter.
 *
 * The file is untrusted input (a crash can tear the last line, a disk can hand back garbage, a
 * newer hub may write types this one does not know). The reader never fails on a bad line: it
 * skips it and counts it, as the contract says. It refuses only what it cannot bound: a file
 * larger than TIMELINE_MAX_BYTES or with more than TIMELINE_MAX_EVENTS events.
 *
 * What a line must hold to be kept:
 *   - an object with an integer "t" > 0 (µs since the epoch) and a known string "type";
 *   - t not before the previous kept line (the file is appended in time order; a line that goes
 *     back is damage, not history);
 *   - the fields of its type (below), each text within its array, UTF-8 as jansson checks it
 *     (a `floor` line with more than TIMELINE_MAX_FLOOR sites keeps the first ones);
 *   - `start` only once and first: lines before it and a second `start` are skipped;
 *   - nothing after `stop` is kept.
 * A journal file name must look like "000001.dhj" (digits, ".dhj"): the name becomes a path, so
 * nothing else is accepted. Site codes are [a-z0-9-]{1,63} or "" where "" is allowed.
 *
 * Memory: one allocation for the events array, grown as lines come; the parsed timeline is
 * immutable and owned by the caller (timeline_free). */
#ifndef DH_TIMELINE_READ_H
#define DH_TIMELINE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMELINE_MAX_BYTES (32u << 20) /* the whole file */
#define TIMELINE_MAX_LINE 65536        /* one line; a longer one is skipped */
#define TIMELINE_MAX_EVENTS 100000     /* a speaker change every 2 s for 48 h fits */
#define TIMELINE_MAX_FLOOR 8           /* sites holding the floor at once; more are not kept */
#define TIMELINE_FILE_MAX 32           /* journal file name, NUL included */
#define TIMELINE_ID_MAX 64    /* site codes, peer ids, recording and meeting ids, NUL included */
#define TIMELINE_TEXT_MAX 256 /* names and titles, NUL included (bytes) */

typedef enum {
    TIMELINE_START = 1,
    TIMELINE_TRACK,
    TIMELINE_TRACK_END,
    TIMELINE_FLOOR,
    TIMELINE_SPEAKER,
    TIMELINE_AGENDA,
    TIMELINE_STOP,
} timeline_type;

typedef struct timeline_event {
    timeline_type type;
    uint64_t t; /* µs since the epoch */
    union {
        struct {
            char recording[TIMELINE_ID_MAX];
            char meeting[TIMELINE_ID_MAX];
            char title[TIMELINE_TEXT_MAX];
        } start;
        struct {
            char file[TIMELINE_FILE_MAX];
            char site[TIMELINE_ID_MAX]; /* site code, or the role name for a chair/operator */
            char name[TIMELINE_TEXT_MAX];
            char role[TIMELINE_ID_MAX];
            char conn[TIMELINE_ID_MAX];
            bool video; /* kind: false = audio */
            char codec[TIMELINE_ID_MAX];
        } track;
        struct {
            char file[TIMELINE_FILE_MAX];
        } track_end;
        struct {
            size_t n;
            char sites[TIMELINE_MAX_FLOOR][TIMELINE_ID_MAX];
        } floor;
        struct {
            char site[TIMELINE_ID_MAX]; /* "" when nobody speaks */
        } speaker;
        struct {
            int64_t index;
            char title[TIMELINE_TEXT_MAX];
        } agenda;
        struct {
            char reason[TIMELINE_TEXT_MAX];
        } stop;
    } u;
} timeline_event;

typedef struct timeline timeline;

/* Parses buf (need not be NUL-terminated). NULL only when the input is beyond the bounds above or
 * memory runs out, with the reason in err. A file without a valid `start` line parses to a
 * timeline with has_start false (the caller decides what that means). */
timeline *timeline_parse(const char *buf, size_t len, char *err, size_t cap);
/* Reads and parses a file. NULL with the reason ("open: ...", "too large", ...) on failure. */
timeline *timeline_load(const char *path, char *err, size_t cap);
void timeline_free(timeline *tl);

size_t timeline_count(const timeline *tl);
/* The i-th kept event, in file order; NULL when i is out of range. */
const timeline_event *timeline_at(const timeline *tl, size_t i);
/* The `start` event, or NULL when there was none. */
const timeline_event *timeline_start(const timeline *tl);
/* The `stop` event, or NULL when the recording was cut (crash): its end is the last packet. */
const timeline_event *timeline_stop(const timeline *tl);
/* Lines skipped as torn, malformed, unknown or out of order (blank lines are not counted). */
size_t timeline_skipped(const timeline *tl);
/* The `track` event naming that journal file, or NULL. */
const timeline_event *timeline_track_of(const timeline *tl, const char *file);

/* True when s is a journal name the timeline accepts: 1..24 digits then ".dhj". */
bool timeline_valid_file(const char *s);
/* True when s is a site code or role name: [a-z0-9-]{1,63}. */
bool timeline_valid_code(const char *s);

#endif
