/* timeline.jsonl reader: one line at a time through jansson, each line checked against its type's
 * table of fields, bad lines skipped and counted. */
#include "recorder/timeline_read.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct timeline {
    timeline_event *ev;
    size_t n, cap;
    size_t skipped;
    size_t start_i, stop_i; /* index + 1; 0 when absent */
};

typedef enum { CHARS_TEXT, CHARS_CODE, CHARS_ID } chars_kind;

static bool valid_chars(const char *s, chars_kind k)
{
    if (k == CHARS_TEXT) {
        for (; *s; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
        return true;
    }
    if (!*s) return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (k == CHARS_ID) ok = ok || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool timeline_valid_code(const char *s)
{
    return s && strlen(s) < TIMELINE_ID_MAX && valid_chars(s, CHARS_CODE);
}

bool timeline_valid_file(const char *s)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n < 5 || n > 28 || strcmp(s + n - 4, ".dhj") != 0) return false;
    for (size_t i = 0; i < n - 4; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* Copies string field `key` of o into dst (cap bytes). Missing, not a string, too long or with
 * the wrong characters: false. An empty string passes only when allow_empty. */
static bool get_str(json_t *o, const char *key, char *dst, size_t cap, chars_kind k,
                    bool allow_empty)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap || strlen(s) != n) return false; /* embedded NUL */
    if (n == 0) {
        if (!allow_empty) return false;
        dst[0] = '\0';
        return true;
    }
    if (!valid_chars(s, k)) return false;
    memcpy(dst, s, n + 1);
    return true;
}

static bool parse_start(json_t *o, timeline_event *e)
{
    return get_str(o, "recording", e->u.start.recording, TIMELINE_ID_MAX, CHARS_ID, false) &&
           get_str(o, "meeting", e->u.start.meeting, TIMELINE_ID_MAX, CHARS_ID, false) &&
           get_str(o, "title", e->u.start.title, TIMELINE_TEXT_MAX, CHARS_TEXT, true);
}

static bool parse_track(json_t *o, timeline_event *e)
{
    char kind[8];
    if (!get_str(o, "file", e->u.track.file, TIMELINE_FILE_MAX, CHARS_ID, false) ||
        !timeline_valid_file(e->u.track.file) ||
        !get_str(o, "site", e->u.track.site, TIMELINE_ID_MAX, CHARS_CODE, false) ||
        !get_str(o, "name", e->u.track.name, TIMELINE_TEXT_MAX, CHARS_TEXT, true) ||
        !get_str(o, "role", e->u.track.role, TIMELINE_ID_MAX, CHARS_CODE, false) ||
        !get_str(o, "conn", e->u.track.conn, TIMELINE_ID_MAX, CHARS_ID, false) ||
        !get_str(o, "kind", kind, sizeof kind, CHARS_CODE, false) ||
        !get_str(o, "codec", e->u.track.codec, TIMELINE_ID_MAX, CHARS_ID, false))
        return false;
    if (strcmp(kind, "audio") == 0)
        e->u.track.video = false;
    else if (strcmp(kind, "video") == 0)
        e->u.track.video = true;
    else
        return false;
    return true;
}

static bool parse_track_end(json_t *o, timeline_event *e)
{
    return get_str(o, "file", e->u.track_end.file, TIMELINE_FILE_MAX, CHARS_ID, false) &&
           timeline_valid_file(e->u.track_end.file);
}

static bool parse_floor(json_t *o, timeline_event *e)
{
    json_t *a = json_object_get(o, "sites");
    if (!json_is_array(a)) return false;
    /* Every entry is checked, so that a damaged list is refused whole, but only the first
     * TIMELINE_MAX_FLOOR are kept: the layout shows one of them anyway. */
    e->u.floor.n = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *v = json_array_get(a, i);
        const char *s = json_string_value(v);
        if (!s || json_string_length(v) != strlen(s) || !timeline_valid_code(s)) return false;
        if (e->u.floor.n < TIMELINE_MAX_FLOOR)
            memcpy(e->u.floor.sites[e->u.floor.n++], s, strlen(s) + 1);
    }
    return true;
}

static bool parse_speaker(json_t *o, timeline_event *e)
{
    return get_str(o, "site", e->u.speaker.site, TIMELINE_ID_MAX, CHARS_CODE, true);
}

static bool parse_agenda(json_t *o, timeline_event *e)
{
    json_t *i = json_object_get(o, "index");
    if (!json_is_integer(i) || json_integer_value(i) < 0 || json_integer_value(i) > 1000000)
        return false;
    e->u.agenda.index = json_integer_value(i);
    return get_str(o, "title", e->u.agenda.title, TIMELINE_TEXT_MAX, CHARS_TEXT, true);
}

static bool parse_stop(json_t *o, timeline_event *e)
{
    /* A stop without a (valid) reason still ends the recording: its time is what matters. */
    if (!get_str(o, "reason", e->u.stop.reason, TIMELINE_TEXT_MAX, CHARS_TEXT, true))
        e->u.stop.reason[0] = '\0';
    return true;
}

static const struct {
    const char *name;
    timeline_type type;
    bool (*parse)(json_t *o, timeline_event *e);
} types[] = {
    {"start", TIMELINE_START, parse_start},
    {"track", TIMELINE_TRACK, parse_track},
    {"track_end", TIMELINE_TRACK_END, parse_track_end},
    {"floor", TIMELINE_FLOOR, parse_floor},
    {"speaker", TIMELINE_SPEAKER, parse_speaker},
    {"agenda", TIMELINE_AGENDA, parse_agenda},
    {"stop", TIMELINE_STOP, parse_stop},
};

/* True and *e filled when the line is a well-formed event. */
static bool parse_line(const char *line, size_t len, timeline_event *e)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) return false;
    bool ok = false;
    json_t *t = json_object_get(o, "t");
    const char *type = json_string_value(json_object_get(o, "type"));
    if (json_is_object(o) && json_is_integer(t) && json_integer_value(t) > 0 && type) {
        memset(e, 0, sizeof *e);
        e->t = (uint64_t)json_integer_value(t);
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            if (strcmp(type, types[i].name) == 0) {
                e->type = types[i].type;
                ok = types[i].parse(o, e);
                break;
            }
        }
    }
    json_decref(o);
    return ok;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
    return true;
}

/* Applies the ordering rules of the header; false when the event is to be skipped. */
static bool admissible(const timeline *tl, const timeline_event *e)
{
    if (tl->stop_i) return false;
    if (!tl->start_i) return e->type == TIMELINE_START;
    if (e->type == TIMELINE_START) return false;
    return e->t >= tl->ev[tl->n - 1].t;
}

static int append(timeline *tl, const timeline_event *e)
{
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 64;
        if (cap > TIMELINE_MAX_EVENTS) cap = TIMELINE_MAX_EVENTS;
        timeline_event *ev = realloc(tl->ev, cap * sizeof *ev);
        if (!ev) return -1;
        tl->ev = ev;
        tl->cap = cap;
    }
    tl->ev[tl->n++] = *e;
    if (e->type == TIMELINE_START) tl->start_i = tl->n;
    if (e->type == TIMELINE_STOP) tl->stop_i = tl->n;
    return 0;
}

timeline *timeline_parse(const char *buf, size_t len, char *err, size_t cap)
{
    if (len > TIMELINE_MAX_BYTES) {
        snprintf(err, cap, "too large: %zu bytes", len);
        return NULL;
    }
    timeline *tl = calloc(1, sizeof *tl);
    timeline_event *e = malloc(sizeof *e);
    if (!tl || !e) {
        free(tl);
        free(e);
        snprintf(err, cap, "no memory");
        return NULL;
    }
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        const char *line = buf + pos;
        size_t n = end - pos;
        pos = nl ? end + 1 : len;
        if (blank(line, n)) continue;
        if (n > TIMELINE_MAX_LINE || !parse_line(line, n, e) || !admissible(tl, e)) {
            tl->skipped++;
            continue;
        }
        if (tl->n == TIMELINE_MAX_EVENTS) {
            snprintf(err, cap, "more than %u events", (unsigned)TIMELINE_MAX_EVENTS);
            goto fail;
        }
        if (append(tl, e) != 0) {
            snprintf(err, cap, "no memory");
            goto fail;
        }
    }
    free(e);
    return tl;
fail:
    free(e);
    timeline_free(tl);
    return NULL;
}

timeline *timeline_load(const char *path, char *err, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, cap, "open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, cap, "not a file");
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > TIMELINE_MAX_BYTES) {
        snprintf(err, cap, "too large: %lld bytes", (long long)st.st_size);
        close(fd);
        return NULL;
    }
    size_t want = (size_t)st.st_size, got = 0;
    char *buf = malloc(want ? want : 1);
    if (!buf) {
        snprintf(err, cap, "no memory");
        close(fd);
        return NULL;
    }
    /* Read what is there now; the file may still grow (a recording in progress), the rest is
     * simply not seen. */
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(err, cap, "read: %s", strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    timeline *tl = timeline_parse(buf, got, err, cap);
    free(buf);
    return tl;
}

void timeline_free(timeline *tl)
{
    if (!tl) return;
    free(tl->ev);
    free(tl);
}

size_t timeline_count(const timeline *tl)
{
    return tl->n;
}

const timeline_event *timeline_at(const timeline *tl, size_t i)
{
    return i < tl->n ? &tl->ev[i] : NULL;
}

const timeline_event *timeline_start(const timeline *tl)
{
    return tl->start_i ? &tl->ev[tl->start_i - 1] : NULL;
}

const timeline_event *timeline_stop(const timeline *tl)
{
    return tl->stop_i ? &tl->ev[tl->stop_i - 1] : NULL;
}

size_t timeline_skipped(const timeline *tl)
{
    return tl->skipped;
}

const timeline_event *timeline_track_of(const timeline *tl, const char *file)
{
    for (size_t i = 0; i < tl->n; i++)
        if (tl->ev[i].type == TIMELINE_TRACK && strcmp(tl->ev[i].u.track.file, file) == 0)
            return &tl->ev[i];
    return NULL;
}
