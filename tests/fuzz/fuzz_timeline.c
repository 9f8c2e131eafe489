/* Feeds arbitrary bytes to the timeline.jsonl reader. Whatever is kept must obey the reader's
 * promises: a start first and only once, times that never go back, nothing after a stop, journal
 * names without a path, site codes of the allowed characters, floor lists within bounds, every
 * kept line counted once. */
#include "recorder/timeline_read.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

static size_t lines_of(const uint8_t *data, size_t size)
{
    size_t n = size ? 1 : 0;
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\n') n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    timeline *tl = timeline_parse((const char *)data, size, err, sizeof err);
    check(tl != NULL);
    size_t n = timeline_count(tl);
    check(n + timeline_skipped(tl) <= lines_of(data, size));
    const timeline_event *start = timeline_start(tl), *stop = timeline_stop(tl);
    check((n == 0) == (start == NULL));
    if (start) check(timeline_at(tl, 0) == start);
    if (stop) check(timeline_at(tl, n - 1) == stop);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        const timeline_event *e = timeline_at(tl, i);
        check(e->t > 0 && e->t >= prev);
        prev = e->t;
        check((e->type == TIMELINE_START) == (i == 0));
        switch (e->type) {
        case TIMELINE_TRACK:
            check(timeline_valid_file(e->u.track.file) && !strchr(e->u.track.file, '/'));
            check(timeline_valid_code(e->u.track.site));
            check(timeline_track_of(tl, e->u.track.file) != NULL);
            break;
        case TIMELINE_TRACK_END:
            check(timeline_valid_file(e->u.track_end.file));
            break;
        case TIMELINE_FLOOR:
            check(e->u.floor.n <= TIMELINE_MAX_FLOOR);
            for (size_t k = 0; k < e->u.floor.n; k++)
                check(timeline_valid_code(e->u.floor.sites[k]));
            break;
        case TIMELINE_SPEAKER:
            check(!e->u.speaker.site[0] || timeline_valid_code(e->u.speaker.site));
            break;
        case TIMELINE_AGENDA:
            check(e->u.agenda.index >= 0);
            check(strlen(e->u.agenda.title) < TIMELINE_TEXT_MAX);
            break;
        case TIMELINE_START:
        case TIMELINE_STOP:
            break;
        default:
            check(false);
        }
    }
    check(timeline_at(tl, n) == NULL);
    timeline_free(tl);
    return 0;
}
