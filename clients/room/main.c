/* dienhong-room: the box in a commune's meeting room. It reads its configuration, joins the hub
 * with the room's site token, publishes the camera and microphone, plays the meeting, and keeps
 * doing so without anyone there: every failure ends in a new attempt. Logs go to stderr, the
 * status line to stdout every 2 s. SIGTERM or Ctrl-C leaves the meeting and exits 0. */
#include <glib-unix.h>
#include <gst/gst.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "room_config.h"
#include "session.h"
#include "sfu/base/log.h"
#include "stats.h"

#define TAG "room"
#define DEFAULT_CONFIG "/etc/dienhong/room.conf"
#define STATUS_INTERVAL_MS 2000

typedef struct app {
    GMainLoop *loop;
    session *session;
    room_stats stats;
} app;

static gboolean on_signal(gpointer data)
{
    app *a = data;
    LOGI(TAG, "stopping");
    g_main_loop_quit(a->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean print_status(gpointer data)
{
    app *a = data;
    room_stats_print(&a->stats, session_state_name(a->session));
    return G_SOURCE_CONTINUE;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: dienhong-room [--config FILE] [--check] [--verbose]\n"
               "  --config FILE  the room's configuration (default " DEFAULT_CONFIG ")\n"
               "  --check        read the configuration, report problems and exit\n"
               "  --verbose      debug logging (SDP included)\n");
}

int main(int argc, char **argv)
{
    /* GStreamer takes its own --gst-* options out of argv first. */
    gst_init(&argc, &argv);
    const char *path = DEFAULT_CONFIG;
    gboolean check = FALSE;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--check") == 0) {
            check = TRUE;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            log_set_level(LOG_DEBUG);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }

    static room_config cfg;
    room_config_defaults(&cfg);
    char err[512];
    if (room_config_load(&cfg, path, err, sizeof err) != 0) {
        LOGE(TAG, "%s", err);
        return 1;
    }
    LOGI(TAG, "%s: hub %s, name '%s', %s %dx%d@%d, video %s, audio %s", path, cfg.server, cfg.name,
         room_codec_name(cfg.codec), cfg.width, cfg.height, cfg.fps,
         cfg.video_source == ROOM_VIDEO_V4L2 ? cfg.video_device : "test",
         cfg.audio_source == ROOM_AUDIO_TEST    ? "test"
         : cfg.audio_source == ROOM_AUDIO_PULSE ? "pulse"
                                                : cfg.audio_device);
    if (check) {
        printf("%s: ok\n", path);
        return 0;
    }

    /* A hub that goes away mid-write must not kill the box. */
    signal(SIGPIPE, SIG_IGN);

    static app a;
    a.loop = g_main_loop_new(NULL, FALSE);
    a.session = session_new(&cfg, &a.stats, a.loop);
    if (!a.session) return 1;
    guint sig_term = g_unix_signal_add(SIGTERM, on_signal, &a);
    guint sig_int = g_unix_signal_add(SIGINT, on_signal, &a);
    guint status = g_timeout_add(STATUS_INTERVAL_MS, print_status, &a);

    session_start(a.session);
    g_main_loop_run(a.loop);

    g_source_remove(status);
    g_source_remove(sig_term);
    g_source_remove(sig_int);
    session_free(a.session);
    room_stats_print(&a.stats, "stopped");
    g_main_loop_unref(a.loop);
    gst_deinit();
    LOGI(TAG, "stopped");
    return 0;
}
