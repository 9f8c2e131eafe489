/* The room box's configuration file (clients/room/room_config.c): whole files in, either the
 * settings that came out or the error a person at the room PC will read. */
#include "room_config.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define TOKEN "dh1.eyJtIjoiZGVtbyJ9.c2ln"
#define BASE "server = ws://127.0.0.1:8080/ws\ntoken = " TOKEN "\n"

typedef struct want {
    bool tls;
    const char *host;
    int port;
    const char *path;
    const char *name;
    room_video_source video;
    const char *video_device;
    room_audio_source audio;
    const char *audio_device;
    room_sink video_sink, audio_sink;
    room_codec codec;
    int width, height, fps;
} want;

/* want, positionally: tls, host, port, path, name, video source and device, audio source and
 * device, video and audio sink, codec, width, height, fps. */
#define W(tls, host, port, path, name, v, vd, a, ad, vs, as, codec, w, h, fps)                     \
    {                                                                                              \
        tls, host, port, path, name, v, vd, a, ad, vs, as, codec, w, h, fps                        \
    }
/* The defaults, with BASE's server, and a name. */
#define W_DEFAULT(name)                                                                            \
    W(false, "127.0.0.1", 8080, "/ws", name, VT, "", AT, "", AUTO, AUTO, VP8, 640, 480, 30)
#define VT ROOM_VIDEO_TEST
#define V4 ROOM_VIDEO_V4L2
#define AT ROOM_AUDIO_TEST
#define AUTO ROOM_SINK_AUTO
#define VP8 ROOM_CODEC_VP8

typedef struct ok_case {
    const char *what;
    const char *text;
    want w;
} ok_case;

static const ok_case ok_cases[] = {
    {"the smallest file", BASE, W_DEFAULT("")},
    {"every key, with comments and blank lines",
     "# Phòng họp UBND phường Ba Đình\n"
     "\n"
     "server = wss://hop.hanoi.gov.vn/ws\n"
     "token = " TOKEN "   # from the city hall\n"
     "name = UBND phường Ba Đình\n"
     "video_source = v4l2:/dev/v4l/by-id/usb-Logitech_C920-video-index0\n"
     "audio_source = alsa:plughw:CARD=Device,DEV=0\n"
     "video_sink = fake\n"
     "audio_sink = auto\n"
     "codec = H264\n"
     "width = 1280\n"
     "height = 720\n"
     "fps = 25\n",
     W(true, "hop.hanoi.gov.vn", 443, "/ws", "UBND phường Ba Đình", V4,
       "/dev/v4l/by-id/usb-Logitech_C920-video-index0", ROOM_AUDIO_ALSA, "plughw:CARD=Device,DEV=0",
       ROOM_SINK_FAKE, AUTO, ROOM_CODEC_H264, 1280, 720, 25)},
    {"CRLF line ends, a byte-order mark, tabs, '#' inside a value, no final newline",
     "\xef\xbb\xbfserver\t=\tws://10.0.0.5:9000/ws\r\ntoken = " TOKEN "\r\nname = Phòng họp #2",
     W(false, "10.0.0.5", 9000, "/ws", "Phòng họp #2", VT, "", AT, "", AUTO, AUTO, VP8, 640, 480,
       30)},
    {"a bare v4l2 and pulse take the default devices",
     BASE "video_source = v4l2\naudio_source = pulse\n",
     W(false, "127.0.0.1", 8080, "/ws", "", V4, "/dev/video0", ROOM_AUDIO_PULSE, "", AUTO, AUTO,
       VP8, 640, 480, 30)},
    {"a named pulse source", BASE "audio_source = pulse:alsa_input.usb-Jabra-00.mono-fallback\n",
     W(false, "127.0.0.1", 8080, "/ws", "", VT, "", ROOM_AUDIO_PULSE,
       "alsa_input.usb-Jabra-00.mono-fallback", AUTO, AUTO, VP8, 640, 480, 30)},
    {"bare alsa is the default device", BASE "audio_source = alsa\n",
     W(false, "127.0.0.1", 8080, "/ws", "", VT, "", ROOM_AUDIO_ALSA, "default", AUTO, AUTO, VP8,
       640, 480, 30)},
    {"an IPv6 hub, no path", "server = ws://[::1]:8080\ntoken = " TOKEN "\n",
     W(false, "::1", 8080, "/", "", VT, "", AT, "", AUTO, AUTO, VP8, 640, 480, 30)},
    {"ws without a port is 80", "server = ws://hub.local/ws?x=1\ntoken = " TOKEN "\n",
     W(false, "hub.local", 80, "/ws?x=1", "", VT, "", AT, "", AUTO, AUTO, VP8, 640, 480, 30)},
    {"80 Vietnamese characters are a valid name",
     BASE "name = "
          "ĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐ\n",
     W_DEFAULT("ĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐ")},
};

/* What a person gets wrong, and what they read. */
typedef struct error_case {
    const char *what;
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *error;
} error_case;

#define NUL_FILE BASE "name = a\0b\n"

static const error_case error_cases[] = {
    {"no server", "token = " TOKEN "\n", 0, "server is not set"},
    {"no token", "server = ws://127.0.0.1:8080/ws\n", 0, "token is not set"},
    {"an empty file", "", 0, "server is not set"},
    {"an unknown key", BASE "camera = /dev/video0\n", 0, "line 3: unknown setting 'camera'"},
    {"a line without '='", BASE "fps 30\n", 0, "line 3: expected key = value"},
    {"a key set twice", BASE "fps = 30\nfps = 25\n", 0, "line 4: 'fps' already set on line 3"},
    {"http instead of ws", "server = http://127.0.0.1:8080/ws\ntoken = " TOKEN "\n", 0,
     "line 1: server: expected ws://"},
    {"a port out of range", "server = ws://127.0.0.1:70000/ws\ntoken = " TOKEN "\n", 0,
     "port must be 1-65535"},
    {"a port of 0", "server = ws://127.0.0.1:0/ws\ntoken = " TOKEN "\n", 0, "port must be 1-65535"},
    {"no host", "server = ws:///ws\ntoken = " TOKEN "\n", 0, "no host"},
    {"an unclosed IPv6 literal", "server = ws://[::1/ws\ntoken = " TOKEN "\n", 0, "missing ']'"},
    {"a space in the path", "server = ws://h/a b\ntoken = " TOKEN "\n", 0, "bad character in path"},
    {"a token of another kind", "server = ws://h/ws\ntoken = eyJhbGciOi.x.y\n", 0,
     "expected a dienhong token"},
    {"a token with a quote", "server = ws://h/ws\ntoken = dh1.ab\"c\n", 0, "unexpected character"},
    {"a name that is not UTF-8", BASE "name = Ph\xf2ng\n", 0, "not valid UTF-8"},
    {"an overlong UTF-8 form", BASE "name = \xc0\xaf\n", 0, "not valid UTF-8"},
    {"a UTF-16 surrogate in UTF-8", BASE "name = \xed\xa0\x80\n", 0, "not valid UTF-8"},
    {"a control character in the name", BASE "name = a\x01z\n", 0, "not valid UTF-8"},
    {"81 characters of name",
     BASE "name = "
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
     0, "name: at most 80 characters"},
    {"a camera that is not a device path", BASE "video_source = v4l2:/dev/video0 ! fakesink\n", 0,
     "is not a device path"},
    {"an unknown video source", BASE "video_source = screen\n", 0, "video_source: one of"},
    {"an unknown audio source", BASE "audio_source = jack\n", 0, "audio_source: one of"},
    {"an audio device with a quote", BASE "audio_source = alsa:hw:0\"\n", 0,
     "is not a device name"},
    {"an unknown sink", BASE "video_sink = window\n", 0, "video_sink: one of auto, fake"},
    {"an unknown codec", BASE "codec = vp9\n", 0, "codec: one of vp8, h264"},
    {"an odd width", BASE "width = 641\n", 0, "width: an even number"},
    {"a width with a unit", BASE "width = 640px\n", 0, "width: an even number"},
    {"a negative height", BASE "height = -480\n", 0, "height: an even number"},
    {"fps of 0", BASE "fps = 0\n", 0, "fps: a number, 1-60"},
    {"fps of 120", BASE "fps = 120\n", 0, "fps: a number, 1-60"},
    {"a NUL byte", NUL_FILE, sizeof NUL_FILE - 1, "line 3: NUL byte"},
};

static void check_ok(const ok_case *c)
{
    room_config cfg;
    room_config_defaults(&cfg);
    char err[400] = "";
    int rc = room_config_parse(&cfg, c->text, strlen(c->text), err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s: %s\n", c->what, err);
    CHECK_EQ(rc, 0);
    const want *w = &c->w;
    CHECK_EQ(cfg.url.tls, w->tls);
    CHECK_STR(cfg.url.host, w->host);
    CHECK_EQ(cfg.url.port, w->port);
    CHECK_STR(cfg.url.path, w->path);
    CHECK_STR(cfg.token, TOKEN);
    CHECK_STR(cfg.name, w->name);
    CHECK_EQ(cfg.video_source, w->video);
    CHECK_STR(cfg.video_device, w->video_device);
    CHECK_EQ(cfg.audio_source, w->audio);
    CHECK_STR(cfg.audio_device, w->audio_device);
    CHECK_EQ(cfg.video_sink, w->video_sink);
    CHECK_EQ(cfg.audio_sink, w->audio_sink);
    CHECK_EQ(cfg.codec, w->codec);
    CHECK_EQ(cfg.width, w->width);
    CHECK_EQ(cfg.height, w->height);
    CHECK_EQ(cfg.fps, w->fps);
}

static void check_error(const error_case *c)
{
    room_config cfg;
    room_config_defaults(&cfg);
    char err[400] = "";
    size_t len = c->len ? c->len : strlen(c->text);
    CHECK_EQ(room_config_parse(&cfg, c->text, len, err, sizeof err), -1);
    if (!strstr(err, c->error))
        fprintf(stderr, "%s: error '%s' does not say '%s'\n", c->what, err, c->error);
    CHECK(strstr(err, c->error) != NULL);
}

/* Lines longer than the parser's line buffer are refused, not cut. */
static void test_long_line(void)
{
    static char text[10000];
    int n = snprintf(text, sizeof text, "%sname = ", BASE);
    memset(text + n, 'a', 5000);
    text[n + 5000] = '\n';
    room_config cfg;
    room_config_defaults(&cfg);
    char err[200];
    CHECK_EQ(room_config_parse(&cfg, text, (size_t)n + 5001, err, sizeof err), -1);
    CHECK(strstr(err, "line 3: longer than") != NULL);
}

/* A file on disk: the sample shipped with the box parses, and a missing file says so. */
static void test_load(void)
{
    room_config cfg;
    room_config_defaults(&cfg);
    char err[400];
    int rc = room_config_load(&cfg, DH_ROOM_SAMPLE_CONF, err, sizeof err);
    if (rc) fprintf(stderr, "sample: %s\n", err);
    CHECK_EQ(rc, 0);
    room_config_defaults(&cfg);
    CHECK_EQ(room_config_load(&cfg, "/nonexistent/room.conf", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/room.conf: No such file") != NULL);
}

int main(void)
{
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++)
        check_ok(&ok_cases[i]);
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++)
        check_error(&error_cases[i]);
    test_long_line();
    test_load();
    CHECK_DONE();
}
