/* Running a pipeline to its end, and the export's progress (callback + the progress file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "recorder/export_internal.h"

#define POLL_NS (200 * GST_MSECOND)
#define STALL_NS                                                                                   \
    (120 * GST_SECOND) /* no progress this long: a pipeline that hangs is a failure                \
                        */

GstElement *ex_make(const char *factory, char *err, size_t cap)
{
    GstElement *e = gst_element_factory_make(factory, NULL);
    if (!e) snprintf(err, cap, "gstreamer: element %s missing (plugins not installed?)", factory);
    return e;
}

void ex_progress_set(ex_progress *pr, int percent)
{
    if (percent > 100) percent = 100;
    if (percent <= pr->last) return;
    pr->last = percent;
    if (pr->fn) pr->fn(pr->ud, percent);
    if (!pr->path[0]) return;
    /* Rewritten whole through a rename, so that a reader never sees a torn number. */
    char tmp[4300], text[8];
    snprintf(tmp, sizeof tmp, "%s.tmp", pr->path);
    int n = snprintf(text, sizeof text, "%d\n", percent);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    bool ok = write(fd, text, (size_t)n) == n;
    close(fd);
    if (ok) rename(tmp, pr->path);
}

int ex_run(GstElement *pipeline, GstClockTime duration_ns, ex_progress *pr, int lo, int hi,
           char *err, size_t cap)
{
    GstBus *bus = gst_element_get_bus(pipeline);
    int rc = -1;
    bool started = gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
    if (!started) snprintf(err, cap, "gstreamer: the pipeline does not start");
    gint64 last_pos = -1;
    GstClockTime stalled = 0;
    for (;;) {
        /* A pipeline that did not start says why on the bus, if anywhere: look once. */
        GstMessage *m = gst_bus_timed_pop_filtered(bus, started ? POLL_NS : 0,
                                                   GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
        if (!m && !started) break;
        if (!m) {
            gint64 pos = 0;
            if (gst_element_query_position(pipeline, GST_FORMAT_TIME, &pos) && pos > last_pos) {
                last_pos = pos;
                stalled = 0;
                if (duration_ns > 0 && pr)
                    ex_progress_set(
                        pr, lo + (int)((double)(hi - lo) * (double)pos / (double)duration_ns));
            } else if ((stalled += POLL_NS) >= STALL_NS) {
                snprintf(err, cap, "gstreamer: the pipeline stalled");
                break;
            }
            continue;
        }
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
            rc = 0;
        } else {
            GError *e = NULL;
            gchar *dbg = NULL;
            gst_message_parse_error(m, &e, &dbg);
            snprintf(err, cap, "gstreamer: %s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)),
                     e ? e->message : "error");
            g_clear_error(&e);
            g_free(dbg);
        }
        gst_message_unref(m);
        break;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    if (rc == 0 && pr) ex_progress_set(pr, hi);
    return rc;
}
