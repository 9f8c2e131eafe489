/* The websocket to the hub: libwebsockets in client mode, serviced by the GLib main loop that
 * GStreamer's bus watches and the session's timers run on, so everything above this file runs
 * on one thread and needs no locks.
 *
 * One connection at a time. Each ws_client_connect() ends in exactly one `closed` call (a failed
 * connect included) unless ws_client_disconnect() abandons it first; `closed` always arrives
 * from the main loop, never from inside a ws_client_* call, so the caller may reconnect from it.
 * Texts are copied; nothing is sent before `opened`. */
#ifndef DH_ROOM_WS_CLIENT_H
#define DH_ROOM_WS_CLIENT_H

#include <glib.h>
#include <stddef.h>

#include "room_config.h"

typedef struct ws_client ws_client;

typedef struct ws_client_events {
    void (*opened)(void *user);
    void (*message)(void *user, const char *text, size_t len);
    /* code: the status of the hub's close frame (4002: another connection of this site took
     * over), 0 when there was none. */
    void (*closed)(void *user, int code, const char *why);
} ws_client_events;

/* Creates the libwebsockets context on `loop`. NULL on failure (logged). */
ws_client *ws_client_new(GMainLoop *loop, const ws_client_events *ev, void *user);

/* Starts connecting to url with subprotocol dienhong.v1. Any earlier connection must have
 * ended (closed) or been abandoned. */
void ws_client_connect(ws_client *c, const room_url *url);

/* Queues one text message on the open connection; false when there is none. */
gboolean ws_client_send(ws_client *c, const char *text, size_t len);

/* Abandons the current connection: it is closed in the background and reports nothing more. */
void ws_client_disconnect(ws_client *c);

void ws_client_free(ws_client *c);

#endif
