/* The hub's network front: one libwebsockets context serving HTTP(S) and the signaling websocket
 * on one port, on the thread that calls server_run(). It knows nothing of meetings: complete
 * websocket messages and complete HTTP requests are handed to the handlers below, which answer
 * synchronously (HTTP) or queue messages (websocket).
 *
 * Threads: every function runs on the service thread, except server_wake() and server_stop(),
 * which any thread (or a signal handler, for server_stop) may call. */
#ifndef DH_SERVER_H
#define DH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVER_MAX_WS_MESSAGE 65536 /* larger: error too_large, close 1009 */
#define SERVER_MAX_HTTP_BODY 65536  /* larger: 413, unless http_body_limit says otherwise */

typedef struct server server;
typedef struct server_conn server_conn;
typedef struct server_http server_http;

typedef struct server_config {
    const char *host;     /* "127.0.0.1" */
    int port;             /* 8080; 0 picks a free port (see server_port()) */
    const char *tls_cert; /* PEM paths; both NULL = plain HTTP/WS */
    const char *tls_key;
    const char *web_root; /* directory of static files, read once at start */
} server_config;

typedef struct server_handlers {
    void *ud;
    void (*ws_open)(void *ud, server_conn *c);
    /* One complete text message (fragments joined), at most SERVER_MAX_WS_MESSAGE bytes, not
     * NUL-terminated. Oversized messages never reach here: the server answers them itself with
     * {"id":null,"error":{"code":"too_large",...}} and closes with 1009. */
    void (*ws_message)(void *ud, server_conn *c, const char *msg, size_t len);
    void (*ws_close)(void *ud, server_conn *c);
    /* A complete HTTP request that is not a static file. The handler must call
     * server_http_respond() exactly once before returning. */
    void (*http_request)(void *ud, server_http *req);
    /* Optional. The head of a request announcing a body of more than SERVER_MAX_HTTP_BODY
     * bytes (`announced`, from Content-Length) is in and no byte of the body has been read; the
     * method, path, query and headers can be read. Returns the most body bytes this request may
     * send: a larger announced body is answered 413 unread; 0 keeps SERVER_MAX_HTTP_BODY.
     * It may instead answer the request now with server_http_respond() (say 401 before a 50 MiB
     * upload): the body is then not read, the connection is closed after the answer, and
     * http_request is not called. An accepted body is collected in memory, allocated as it
     * arrives, handed to http_request whole, and freed after the response. */
    size_t (*http_body_limit)(void *ud, server_http *req, uint64_t announced);
    /* Runs on the service thread after server_wake() was called from any thread. */
    void (*wake)(void *ud);
} server_handlers;

server *server_new(const server_config *cfg, const server_handlers *h);
void server_free(server *s);
int server_port(const server *s); /* the bound port */
/* Serves until server_stop(). Returns 0 on a clean stop. */
int server_run(server *s);
void server_stop(server *s); /* async-signal-safe */
void server_wake(server *s); /* thread-safe */

/* Websocket connections. Messages are queued and written when the socket is writable; a
 * connection whose queue exceeds 4 MiB is closed (a client that does not read must not grow the
 * hub's memory). */
void server_conn_send(server_conn *c, const char *text, size_t len);
void server_conn_close(server_conn *c, int status, const char *reason);
void server_conn_set_user(server_conn *c, void *user);
void *server_conn_user(const server_conn *c);
/* Remote address as text, for logs. */
const char *server_conn_peer(const server_conn *c);

/* HTTP requests. Header names are matched case-insensitively; values returned are NUL-terminated
 * copies owned by the request. */
const char *server_http_method(const server_http *r); /* "GET", "POST", "DELETE", ... */
const char *server_http_path(const server_http *r);   /* the raw path, without the query */
const char *server_http_query(const server_http *r);  /* "" when none */
const char *server_http_header(const server_http *r, const char *name); /* NULL when absent */
const uint8_t *server_http_body(const server_http *r, size_t *len);
/* `headers` is extra header lines "Name: value\r\n..." or NULL. */
void server_http_respond(server_http *r, int status, const char *content_type, const char *headers,
                         const void *body, size_t len);
/* The same, with `length` bytes of the open file `fd` from `offset` as the body: read and written
 * a chunk at a time as the client takes them, so a large file is never in memory. The server owns
 * fd from the call on and closes it when the body is sent or the connection ends (also when the
 * status carries no body, for HEAD, or on failure). A file that turns out shorter than offset +
 * length ends the connection early. A client that takes nothing for
 * SERVER_HTTP_STALL_SECS is dropped. */
void server_http_respond_file(server_http *r, int status, const char *content_type,
                              const char *headers, int fd, uint64_t offset, uint64_t length);
#define SERVER_HTTP_STALL_SECS 60

/* Answering later, for a handler whose answer needs work off the service thread (hashing a large
 * file): it takes a ticket and returns without answering. server_http_resume() finds the request
 * again on the service thread, or gives NULL when its connection has ended meanwhile (lws may
 * only notice a client that left when the answer is written); the answer is then given with
 * server_http_respond() and written when the connection can take it. A request
 * waits at most SERVER_HTTP_DEFER_SECS; a deferred answer cannot be a file. */
uint64_t server_http_defer(server_http *r);
server_http *server_http_resume(server *s, uint64_t ticket);
#define SERVER_HTTP_DEFER_SECS 600

#endif
