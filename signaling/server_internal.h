/* Shared between server.c (lws glue, websocket) and server_http.c (HTTP requests); not part of
 * the contract, which is server.h. Everything here runs on the service thread, except the two
 * atomics. */
#ifndef DH_SERVER_INTERNAL_H
#define DH_SERVER_INTERNAL_H

#include "server.h"
#include "static_files.h"

#include <libwebsockets.h>
#include <stdatomic.h>

#define SERVER_HTTP_CHUNK 32768 /* most body bytes handed to one lws_write */

struct server {
    server_handlers h;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    struct lws_protocols protocols[2];
    int port;
    atomic_bool stop, wake;
    static_files *files;
    unsigned char *wbuf;   /* LWS_PRE + SERVER_HTTP_CHUNK, reused for every HTTP body write */
    server_http *deferred; /* requests waiting for server_http_resume, linked by next_deferred */
    uint64_t last_ticket;
};

/* lws's per-session data: which of the two roles this connection currently plays. */
typedef struct server_pss {
    server_conn *conn; /* websocket: from ESTABLISHED to CLOSED */
    server_http *req;  /* HTTP: the transaction in progress */
} server_pss;

/* The HTTP side of the protocol callback; each returns what the callback returns. */
int server_http_begin(server *s, struct lws *wsi, server_pss *p);        /* HTTP */
int server_http_on_body(server_pss *p, const void *in, size_t len);      /* HTTP_BODY */
int server_http_on_body_done(server *s, struct lws *wsi, server_pss *p); /* .._COMPLETION */
int server_http_on_writeable(server *s, struct lws *wsi, server_pss *p); /* HTTP_WRITEABLE */
void server_http_drop(server_pss *p); /* frees the transaction, if any */

#endif
