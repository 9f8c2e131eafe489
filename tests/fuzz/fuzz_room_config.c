/* The room box's configuration file (clients/room/room_config.c), its only file input: arbitrary
 * bytes as a whole file, as one key and value (split at the first newline), and as a server URL.
 * Whatever is accepted must leave a configuration the box can use as it is: every string
 * terminated in its field, every number in its range, a URL libwebsockets can take, a name the
 * hub's JSON can carry. Whatever is refused must say why. */
#include "clients/room/room_config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

#define TERMINATED(field) check(memchr((field), '\0', sizeof(field)) != NULL)

static void check_url(const room_url *u)
{
    TERMINATED(u->host);
    TERMINATED(u->path);
    check(u->host[0] != '\0');
    check(u->path[0] == '/');
    check(u->port >= 1 && u->port <= 65535);
    for (const char *p = u->path; *p; p++)
        check(*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\'');
}

/* The device strings become element properties: no blanks, quotes or '!' may get through. */
static void check_device(const char *d)
{
    for (; *d; d++)
        check(*d != ' ' && *d != '"' && *d != '\'' && *d != '!' && *d != '\t' && *d != '\n');
}

static void check_sane(const room_config *c, bool complete)
{
    TERMINATED(c->server);
    TERMINATED(c->token);
    TERMINATED(c->name);
    TERMINATED(c->video_device);
    TERMINATED(c->audio_device);
    if (complete) {
        check(c->server[0] != '\0' && c->token[0] != '\0');
        check(strncmp(c->token, "dh1.", 4) == 0);
        check_url(&c->url);
    }
    check(strlen(c->name) <= ROOM_NAME_MAX_BYTES);
    for (const unsigned char *p = (const unsigned char *)c->name; *p; p++)
        check(*p >= 0x20 && *p != 0x7f);
    check_device(c->video_device);
    check_device(c->audio_device);
    check(c->video_source == ROOM_VIDEO_TEST || c->video_device[0] != '\0');
    check(c->width >= 16 && c->width <= 4096 && c->width % 2 == 0);
    check(c->height >= 16 && c->height <= 4096 && c->height % 2 == 0);
    check(c->fps >= 1 && c->fps <= 60);
    check(c->codec == ROOM_CODEC_VP8 || c->codec == ROOM_CODEC_H264);
    check(c->video_sink == ROOM_SINK_AUTO || c->video_sink == ROOM_SINK_FAKE);
    check(c->audio_sink == ROOM_SINK_AUTO || c->audio_sink == ROOM_SINK_FAKE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static room_config c;
    char err[400];

    /* A whole file. */
    room_config_defaults(&c);
    err[0] = '\0';
    if (room_config_parse(&c, (const char *)data, size, err, sizeof err) == 0)
        check_sane(&c, true);
    else
        check(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);

    /* One key and value; a refused value names the key (or says it is unknown). */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        room_config_defaults(&c);
        err[0] = '\0';
        if (room_config_set(&c, text, nl + 1, err, sizeof err) == 0)
            check_sane(&c, false);
        else
            check(err[0] != '\0');
    }

    /* A server URL. */
    room_url u;
    if (room_url_parse(text, &u, err, sizeof err) == 0) check_url(&u);
    free(text);
    return 0;
}
