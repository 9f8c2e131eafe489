/* The room box's configuration: one `key = value` file per meeting room, written once by whoever
 * installs the PC and then never touched. The parser is the box's only file input, so it checks
 * everything here (lengths, UTF-8, device names, the server URL) and the rest of the program can
 * trust a loaded room_config. Pure C, no GLib: it builds alone into its unit test and fuzz target.
 */
#ifndef DH_ROOM_CONFIG_H
#define DH_ROOM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { ROOM_VIDEO_TEST = 0, ROOM_VIDEO_V4L2 } room_video_source;
typedef enum { ROOM_AUDIO_TEST = 0, ROOM_AUDIO_PULSE, ROOM_AUDIO_ALSA } room_audio_source;
typedef enum { ROOM_SINK_AUTO = 0, ROOM_SINK_FAKE } room_sink;
typedef enum { ROOM_CODEC_VP8 = 0, ROOM_CODEC_H264 } room_codec;

/* The hub's websocket address, split the way libwebsockets wants it. */
typedef struct room_url {
    bool tls;       /* wss:// */
    char host[256]; /* without the brackets of an IPv6 literal */
    int port;
    char path[512]; /* starts with '/' */
} room_url;

#define ROOM_NAME_MAX_CHARS 80  /* what the hub accepts as a display name */
#define ROOM_NAME_MAX_BYTES 240 /* 80 Vietnamese characters in UTF-8 */

typedef struct room_config {
    char server[768];
    room_url url; /* parsed from server */
    char token[2048];
    char name[ROOM_NAME_MAX_BYTES + 1]; /* "" when not set: none is sent */
    room_video_source video_source;
    char video_device[128]; /* v4l2: "/dev/video0" */
    room_audio_source audio_source;
    char audio_device[128]; /* alsa: "hw:0"; pulse: "" for the default source */
    room_sink video_sink, audio_sink;
    room_codec codec;
    int width, height, fps;
} room_config;

/* Test sources, automatic sinks, VP8 at 640x480 and 30 fps; no server and no token. */
void room_config_defaults(room_config *c);

/* Sets one key. 0, or -1 with a reason in err (which names the key). */
int room_config_set(room_config *c, const char *key, const char *value, char *err, size_t errcap);

/* Parses a whole file's text over the defaults already in c. Lines are `key = value`; blank
 * lines and comments are skipped. A comment is a line that starts with '#', or the rest of a line
 * from a '#' with blanks on both sides (so a room may still be called "Phòng họp #2"). Each key
 * may appear once. Checks that server and token are set. 0, or -1 with "line N: reason". */
int room_config_parse(room_config *c, const char *text, size_t len, char *err, size_t errcap);

/* Reads and parses a file (at most 64 KiB). 0, or -1 with "PATH: reason" in err. */
int room_config_load(room_config *c, const char *path, char *err, size_t errcap);

/* Splits ws://host[:port][/path] or wss://... ("[::1]" for IPv6). 0, or -1 with a reason. */
int room_url_parse(const char *text, room_url *out, char *err, size_t errcap);

const char *room_codec_name(room_codec c);

#endif
