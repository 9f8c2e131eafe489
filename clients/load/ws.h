/* Websocket client connections for hundreds of emulated endpoints: one libwebsockets context
 * joined to the process's libev loop (lws's libev event-lib plugin), so signaling and media share
 * one epoll loop and one thread, and nothing needs a lock.
 *
 * A link reports `opened` once, `message` per complete text message, and `closed` once (a failed
 * connect included) unless ws_link_abandon() was called first. Texts to send are copied. */
#ifndef DH_LOAD_WS_H
#define DH_LOAD_WS_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ws_hub ws_hub;
typedef struct ws_link ws_link;

typedef struct ws_link_events {
    void (*opened)(void *user);
    /* NUL-terminated; len excludes the NUL. */
    void (*message)(void *user, const char *text, size_t len);
    void (*closed)(void *user, const char *why);
} ws_link_events;

ws_hub *ws_hub_new(struct ev_loop *loop);
/* Closes every link still open. */
void ws_hub_free(ws_hub *h);

/* url: ws://host:port/path (wss:// for TLS, certificates not checked: a test hub). NULL when the
 * URL is malformed or lws refuses at once. */
ws_link *ws_link_open(ws_hub *h, const char *url, const char *subprotocol, const ws_link_events *ev,
                      void *user);
bool ws_link_send(ws_link *l, const char *text, size_t len);
/* No more events; the connection is closed from the loop and its memory freed then. */
void ws_link_abandon(ws_link *l);

#endif
