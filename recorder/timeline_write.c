/* Appending to timeline.jsonl. A line is built whole and written with one write() so that a crash
 * leaves at worst one torn last line, which the reader skips. */
#include "recorder/timeline_write.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct timeline_writer {
    int fd;
    bool dirty;
    bool failed;
};

timeline_writer *timeline_open(const char *path, char *err, size_t cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, cap, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    timeline_writer *tw = calloc(1, sizeof *tw);
    if (!tw) {
        close(fd);
        snprintf(err, cap, "no memory");
        return NULL;
    }
    tw->fd = fd;
    return tw;
}

int timeline_append(timeline_writer *tw, uint64_t t_us, const char *type, json_t *obj)
{
    if (!obj) obj = json_object();
    if (!tw || tw->failed || !obj) {
        json_decref(obj);
        return -1;
    }
    /* "t" and "type" first, for a reader of the raw file. */
    json_t *line = json_pack("{s:I, s:s}", "t", (json_int_t)t_us, "type", type);
    json_object_update(line, obj);
    json_decref(obj);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text) return -1;
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps' NUL becomes the line end; n + 1 bytes go out */
    ssize_t w = write(tw->fd, text, n + 1);
    free(text);
    if (w != (ssize_t)(n + 1)) {
        tw->failed = true;
        return -1;
    }
    tw->dirty = true;
    return 0;
}

int timeline_sync(timeline_writer *tw)
{
    if (!tw || tw->failed) return -1;
    if (!tw->dirty) return 0;
    tw->dirty = false;
    if (fdatasync(tw->fd) != 0) {
        tw->failed = true;
        return -1;
    }
    return 0;
}

void timeline_close(timeline_writer *tw)
{
    if (!tw) return;
    timeline_sync(tw);
    close(tw->fd);
    free(tw);
}
