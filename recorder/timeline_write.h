/* The writing side of a recording's timeline.jsonl (format: docs/recording.md): one JSON object
 * per line, appended as things happen. Lines are written at once and synced by timeline_sync,
 * which the owner calls about once a second, so that a crash loses at most that second. */
#ifndef DH_TIMELINE_WRITE_H
#define DH_TIMELINE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_t json_t;
typedef struct timeline_writer timeline_writer;

/* Opens `path` for appending (creating it, 0600). NULL with the reason in err. */
timeline_writer *timeline_open(const char *path, char *err, size_t cap);
/* Adds "t" (µs, recorder_wall_us) and "type" to obj, writes it as one line; steals obj.
 * 0, or -1 once writing has failed (the writer then refuses everything). */
int timeline_append(timeline_writer *tw, uint64_t t_us, const char *type, json_t *obj);
/* fdatasync when anything was written since the last sync. */
int timeline_sync(timeline_writer *tw);
/* Syncs and closes; NULL is a no-op. */
void timeline_close(timeline_writer *tw);

#endif
