#include "room_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errcap, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

void room_config_defaults(room_config *c)
{
    memset(c, 0, sizeof *c);
    c->video_source = ROOM_VIDEO_TEST;
    c->audio_source = ROOM_AUDIO_TEST;
    c->video_sink = ROOM_SINK_AUTO;
    c->audio_sink = ROOM_SINK_AUTO;
    c->codec = ROOM_CODEC_VP8;
    c->width = 640;
    c->height = 480;
    c->fps = 30;
}

const char *room_codec_name(room_codec c)
{
    return c == ROOM_CODEC_H264 ? "h264" : "vp8";
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* Device names end up as GStreamer element properties: keeping them to the characters that real
 * ones use ("/dev/v4l/by-id/usb-...-video-index0", "plughw:CARD=Device,DEV=0") rules out
 * quoting surprises further down. */
static bool device_ok(const char *s)
{
    if (!*s) return false;
    for (; *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || strchr("/_.:,=+-@", ch) != NULL;
        if (!ok) return false;
    }
    return true;
}

/* Counts UTF-8 characters; -1 if the bytes are not well-formed UTF-8 (overlong forms,
 * surrogates and code points past U+10FFFF included) or contain a control character. */
static long utf8_chars(const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    long n = 0;
    while (*p) {
        uint32_t cp;
        int extra;
        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f) return -1;
            p++;
            n++;
            continue;
        } else if ((*p & 0xe0) == 0xc0) {
            cp = *p & 0x1f;
            extra = 1;
        } else if ((*p & 0xf0) == 0xe0) {
            cp = *p & 0x0f;
            extra = 2;
        } else if ((*p & 0xf8) == 0xf0) {
            cp = *p & 0x07;
            extra = 3;
        } else {
            return -1;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80) return -1;
            cp = (cp << 6) | (*p & 0x3f);
        }
        static const uint32_t min_for[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
        n++;
    }
    return n;
}

static int copy(char *dst, size_t cap, const char *key, const char *value, char *err, size_t errcap)
{
    if (strlen(value) >= cap) FAIL("%s: longer than %zu bytes", key, cap - 1);
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int set_server(room_config *c, const char *v, char *err, size_t errcap)
{
    char why[160];
    if (room_url_parse(v, &c->url, why, sizeof why) != 0) FAIL("server: %s", why);
    return copy(c->server, sizeof c->server, "server", v, err, errcap);
}

static int set_token(room_config *c, const char *v, char *err, size_t errcap)
{
    if (strncmp(v, "dh1.", 4) != 0)
        FAIL("token: expected a dienhong token (dh1....) from `dienhong token`");
    for (const char *p = v; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            FAIL("token: unexpected character at offset %ld", (long)(p - v));
    }
    return copy(c->token, sizeof c->token, "token", v, err, errcap);
}

static int set_name(room_config *c, const char *v, char *err, size_t errcap)
{
    long chars = utf8_chars(v);
    if (chars < 0) FAIL("name: not valid UTF-8 text (save the file as UTF-8)");
    if (chars > ROOM_NAME_MAX_CHARS || strlen(v) > ROOM_NAME_MAX_BYTES)
        FAIL("name: at most %d characters", ROOM_NAME_MAX_CHARS);
    return copy(c->name, sizeof c->name, "name", v, err, errcap);
}

/* "kind" or "kind:device": splits at the first ':' into the kind and the device. */
static const char *device_part(const char *v, const char *kind)
{
    size_t n = strlen(kind);
    if (strncmp(v, kind, n) != 0) return NULL;
    if (v[n] == '\0') return "";
    if (v[n] == ':') return v + n + 1;
    return NULL;
}

static int set_video_source(room_config *c, const char *v, char *err, size_t errcap)
{
    const char *dev;
    if (strcmp(v, "test") == 0) {
        c->video_source = ROOM_VIDEO_TEST;
        c->video_device[0] = '\0';
        return 0;
    }
    if ((dev = device_part(v, "v4l2")) != NULL) {
        if (!*dev) dev = "/dev/video0";
        if (!device_ok(dev)) FAIL("video_source: '%s' is not a device path", dev);
        c->video_source = ROOM_VIDEO_V4L2;
        return copy(c->video_device, sizeof c->video_device, "video_source", dev, err, errcap);
    }
    FAIL("video_source: one of test, v4l2, v4l2:/dev/videoN");
}

static int set_audio_source(room_config *c, const char *v, char *err, size_t errcap)
{
    const char *dev;
    if (strcmp(v, "test") == 0) {
        c->audio_source = ROOM_AUDIO_TEST;
        c->audio_device[0] = '\0';
        return 0;
    }
    room_audio_source kind;
    if ((dev = device_part(v, "pulse")) != NULL) {
        kind = ROOM_AUDIO_PULSE;
    } else if ((dev = device_part(v, "alsa")) != NULL) {
        kind = ROOM_AUDIO_ALSA;
        if (!*dev) dev = "default";
    } else {
        FAIL("audio_source: one of test, pulse, pulse:SOURCE, alsa, alsa:hw:0");
    }
    if (*dev && !device_ok(dev)) FAIL("audio_source: '%s' is not a device name", dev);
    c->audio_source = kind;
    return copy(c->audio_device, sizeof c->audio_device, "audio_source", dev, err, errcap);
}

static int set_sink(room_sink *out, const char *key, const char *v, char *err, size_t errcap)
{
    if (strcmp(v, "auto") == 0)
        *out = ROOM_SINK_AUTO;
    else if (strcmp(v, "fake") == 0)
        *out = ROOM_SINK_FAKE;
    else
        FAIL("%s: one of auto, fake", key);
    return 0;
}

static int set_video_sink(room_config *c, const char *v, char *err, size_t errcap)
{
    return set_sink(&c->video_sink, "video_sink", v, err, errcap);
}

static int set_audio_sink(room_config *c, const char *v, char *err, size_t errcap)
{
    return set_sink(&c->audio_sink, "audio_sink", v, err, errcap);
}

static int set_codec(room_config *c, const char *v, char *err, size_t errcap)
{
    if (strcasecmp(v, "vp8") == 0)
        c->codec = ROOM_CODEC_VP8;
    else if (strcasecmp(v, "h264") == 0 || strcasecmp(v, "h.264") == 0)
        c->codec = ROOM_CODEC_H264;
    else
        FAIL("codec: one of vp8, h264");
    return 0;
}

/* Encoders want even sizes (4:2:0 chroma); 4096 covers every room camera. */
static int set_width(room_config *c, const char *v, char *err, size_t errcap)
{
    if (parse_int(v, 16, 4096, &c->width) || c->width % 2) FAIL("width: an even number, 16-4096");
    return 0;
}

static int set_height(room_config *c, const char *v, char *err, size_t errcap)
{
    if (parse_int(v, 16, 4096, &c->height) || c->height % 2)
        FAIL("height: an even number, 16-4096");
    return 0;
}

static int set_fps(room_config *c, const char *v, char *err, size_t errcap)
{
    if (parse_int(v, 1, 60, &c->fps)) FAIL("fps: a number, 1-60");
    return 0;
}

typedef int (*setter)(room_config *c, const char *v, char *err, size_t errcap);

static const struct {
    const char *key;
    setter set;
} keys[] = {
    {"server", set_server},
    {"token", set_token},
    {"name", set_name},
    {"video_source", set_video_source},
    {"audio_source", set_audio_source},
    {"video_sink", set_video_sink},
    {"audio_sink", set_audio_sink},
    {"codec", set_codec},
    {"width", set_width},
    {"height", set_height},
    {"fps", set_fps},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static int key_index(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].key, key) == 0) return (int)i;
    return -1;
}

int room_config_set(room_config *c, const char *key, const char *value, char *err, size_t errcap)
{
    int i = key_index(key);
    if (i < 0) FAIL("unknown setting '%.60s'", key);
    return keys[i].set(c, value, err, errcap);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\0';
}

/* Cuts a comment: a line whose first non-blank is '#', or a '#' with blanks on both sides
 * ("fps = 25   # the camera's best"); "Phòng họp #2" keeps its '#'. */
static void cut_comment(char *line)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '#') {
        *p = '\0';
        return;
    }
    for (; *p; p++) {
        if (*p == '#' && p > line && blank(p[-1]) && blank(p[1])) {
            *p = '\0';
            return;
        }
    }
}

int room_config_parse(room_config *c, const char *text, size_t len, char *err, size_t errcap)
{
    int first_line[N_KEYS] = {0};
    size_t off = 0;
    /* Notepad on the room PC may have saved a byte-order mark. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) off = 3;
    int lineno = 0;
    while (off < len) {
        lineno++;
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t seg = end - off;
        char line[4096];
        if (seg >= sizeof line) FAIL("line %d: longer than %zu bytes", lineno, sizeof line - 1);
        if (memchr(text + off, '\0', seg)) FAIL("line %d: NUL byte", lineno);
        memcpy(line, text + off, seg);
        line[seg] = '\0';
        off = end + 1;
        cut_comment(line);
        char *l = trim(line);
        if (!*l) continue;
        char *eq = strchr(l, '=');
        if (!eq) FAIL("line %d: expected key = value", lineno);
        *eq = '\0';
        char *key = trim(l), *value = trim(eq + 1);
        int k = key_index(key);
        if (k < 0) FAIL("line %d: unknown setting '%.60s'", lineno, key);
        if (first_line[k]) FAIL("line %d: '%s' already set on line %d", lineno, key, first_line[k]);
        first_line[k] = lineno;
        char why[240];
        if (keys[k].set(c, value, why, sizeof why) != 0) FAIL("line %d: %s", lineno, why);
    }
    if (!c->server[0]) FAIL("server is not set (server = ws://HOST:PORT/ws)");
    if (!c->token[0]) FAIL("token is not set (token = dh1....)");
    return 0;
}

int room_config_load(room_config *c, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) FAIL("%s: %s", path, strerror(errno));
    char buf[65536 + 1]; /* one more byte tells a 64 KiB file from a longer one */
    size_t n = fread(buf, 1, sizeof buf, f);
    bool too_big = n > 65536;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) FAIL("%s: read error", path);
    if (too_big) FAIL("%s: larger than 64 KiB", path);
    char why[300];
    if (room_config_parse(c, buf, n, why, sizeof why) != 0) FAIL("%s: %s", path, why);
    return 0;
}
