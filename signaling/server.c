/* The network front on libwebsockets 4.1 (see server.h for the contract): the lws context and
 * its one vhost, the protocol callback, and the websocket side. HTTP is in server_http.c, the
 * static file table in static_files.c.
 *
 * One protocol entry serves both HTTP and the websocket: a connection that names no subprotocol
 * lands on protocols[0], so making "dienhong.v1" the first (and only) entry accepts both kinds of
 * websocket clients without a second callback. */
#include "server_internal.h"

#include "sfu/base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_PATH "/ws"
#define WS_PROTOCOL "dienhong.v1"
#define WS_MAX_QUEUE (4u << 20)
#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct out_msg {
    struct out_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE headroom, then the text */
} out_msg;

struct server_conn {
    server *srv;
    struct lws *wsi;
    void *user;
    char peer[64];
    bool dead; /* ws_close has run: the wsi is gone */
    /* The message being assembled from fragments. */
    char *rx;
    size_t rx_len, rx_cap;
    bool rx_binary;
    out_msg *head, *tail;
    size_t queued;
    bool closing;
    int close_status;
    char close_reason[124]; /* a close frame carries at most 123 bytes of reason */
};

/* ---------------------------------------------------------------- websocket */

static void conn_queue_clear(server_conn *c)
{
    while (c->head) {
        out_msg *m = c->head;
        c->head = m->next;
        free(m);
    }
    c->tail = NULL;
    c->queued = 0;
}

static void conn_free(server_conn *c)
{
    conn_queue_clear(c);
    free(c->rx);
    free(c);
}

void server_conn_send(server_conn *c, const char *text, size_t len)
{
    if (!c || c->dead || c->closing) return;
    if (c->queued + len > WS_MAX_QUEUE) {
        LOGW("ws", "%s: send queue over %u bytes, closing", c->peer, WS_MAX_QUEUE);
        conn_queue_clear(c);
        server_conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "send queue full");
        return;
    }
    out_msg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m) return;
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    c->queued += len;
    lws_callback_on_writable(c->wsi);
}

void server_conn_close(server_conn *c, int status, const char *reason)
{
    if (!c || c->dead || c->closing) return;
    c->closing = true;
    /* 1005, 1006 and 1015 are reserved for reporting and must never be sent. */
    bool sendable =
        status >= 1000 && status <= 4999 && status != 1005 && status != 1006 && status != 1015;
    c->close_status = sendable ? status : LWS_CLOSE_STATUS_NORMAL;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
    /* The close goes out from the writable callback, after what is already queued. */
    lws_callback_on_writable(c->wsi);
}

void server_conn_set_user(server_conn *c, void *user)
{
    c->user = user;
}

void *server_conn_user(const server_conn *c)
{
    return c->user;
}

const char *server_conn_peer(const server_conn *c)
{
    return c->peer;
}

static void ws_error(server_conn *c, const char *code, const char *message)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":null,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
    server_conn_send(c, buf, (size_t)n);
}

static int ws_established(server *s, struct lws *wsi, server_pss *p)
{
    server_conn *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->srv = s;
    c->wsi = wsi;
    lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
    p->conn = c;
    LOGD("ws", "%s: open", c->peer);
    if (s->h.ws_open) s->h.ws_open(s->h.ud, c);
    return 0;
}

static void ws_closed(server *s, server_pss *p)
{
    server_conn *c = p->conn;
    if (!c) return;
    p->conn = NULL;
    c->dead = true;
    LOGD("ws", "%s: closed", c->peer);
    if (s->h.ws_close) s->h.ws_close(s->h.ud, c);
    conn_free(c);
}

static int ws_receive(server *s, struct lws *wsi, server_conn *c, const void *in, size_t len)
{
    if (c->closing) return 0;
    if (lws_is_first_fragment(wsi)) {
        c->rx_len = 0;
        c->rx_binary = lws_frame_is_binary(wsi);
        if (c->rx_binary) ws_error(c, "bad_request", "binary frames are not accepted");
    }
    if (c->rx_binary) return 0; /* dropped as it arrives */
    /* The rest of this frame is known now, so an oversized message is refused before it is
     * buffered. */
    size_t need = c->rx_len + len + lws_remaining_packet_payload(wsi);
    if (need > SERVER_MAX_WS_MESSAGE) {
        LOGI("ws", "%s: message over %d bytes refused", c->peer, SERVER_MAX_WS_MESSAGE);
        ws_error(c, "too_large", "message exceeds " STR(SERVER_MAX_WS_MESSAGE) " bytes");
        server_conn_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
        free(c->rx);
        c->rx = NULL;
        c->rx_len = c->rx_cap = 0;
        return 0;
    }
    if (need > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : 1024;
        while (cap < need)
            cap *= 2;
        if (cap > SERVER_MAX_WS_MESSAGE) cap = SERVER_MAX_WS_MESSAGE;
        char *grown = realloc(c->rx, cap);
        if (!grown) return -1;
        c->rx = grown;
        c->rx_cap = cap;
    }
    if (len) memcpy(c->rx + c->rx_len, in, len); /* empty frames come with in == NULL */
    c->rx_len += len;
    if (!lws_is_final_fragment(wsi)) return 0;
    size_t mlen = c->rx_len;
    c->rx_len = 0;
    if (s->h.ws_message) s->h.ws_message(s->h.ud, c, mlen ? c->rx : "", mlen);
    return 0;
}

static int ws_writeable(struct lws *wsi, server_conn *c)
{
    if (c->head) {
        out_msg *m = c->head;
        c->head = m->next;
        if (!c->head) c->tail = NULL;
        c->queued -= m->len;
        int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
        bool ok = n >= (int)m->len;
        free(m);
        if (!ok) return -1;
        if (c->head || c->closing) lws_callback_on_writable(wsi);
        return 0;
    }
    if (c->closing) {
        lws_close_reason(wsi, (enum lws_close_status)c->close_status,
                         (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- lws glue */

static bool upgrade_allowed(struct lws *wsi, const char *to)
{
    char uri[64];
    if (!to || strcmp(to, "websocket")) return false; /* no h2c or anything else */
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0) return false;
    return !strcmp(uri, WS_PATH);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    server *s = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;
    server_pss *p = user;
    if (!s) return 0;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* Any thread's server_wake/server_stop lands here; only a wake calls the handler. */
        if (atomic_exchange(&s->wake, false) && s->h.wake) s->h.wake(s->h.ud);
        return 0;

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        if (!upgrade_allowed(wsi, in)) {
            LOGI("ws", "upgrade refused: only websocket on " WS_PATH);
            return 1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        return p ? ws_established(s, wsi, p) : -1;
    case LWS_CALLBACK_RECEIVE:
        return p && p->conn ? ws_receive(s, wsi, p->conn, in, len) : 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return p && p->conn ? ws_writeable(wsi, p->conn) : 0;
    case LWS_CALLBACK_CLOSED:
        if (p) ws_closed(s, p);
        return 0;

    case LWS_CALLBACK_HTTP:
        return p ? server_http_begin(s, wsi, p) : -1;
    case LWS_CALLBACK_HTTP_BODY:
        return p ? server_http_on_body(p, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return p ? server_http_on_body_done(s, wsi, p) : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return p ? server_http_on_writeable(s, wsi, p) : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        server_http_drop(p);
        return 0;
    default:
        return 0;
    }
}

static void lws_log_bridge(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        LOGE("lws", "%.*s", (int)n, line);
    else
        LOGW("lws", "%.*s", (int)n, line);
}

server *server_new(const server_config *cfg, const server_handlers *h)
{
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        LOGE("http", "TLS needs both a certificate and a key");
        return NULL;
    }
    server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (h) s->h = *h;
    atomic_init(&s->stop, false);
    atomic_init(&s->wake, false);
    s->wbuf = malloc(LWS_PRE + SERVER_HTTP_CHUNK);
    if (!s->wbuf) goto fail;
    s->files = static_files_load(cfg->web_root);
    if (!s->files) goto fail;

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_bridge);
    bool tls = cfg->tls_cert != NULL;
    struct lws_context_creation_info ci;
    memset(&ci, 0, sizeof ci);
    ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (tls) ci.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    ci.port = CONTEXT_PORT_NO_LISTEN;
    ci.user = s;
    ci.max_http_header_data = 8192; /* room for long bearer tokens */
    ci.pt_serv_buf_size = 16384;
    s->ctx = lws_create_context(&ci);
    if (!s->ctx) {
        LOGE("http", "cannot create the lws context");
        goto fail;
    }

    s->protocols[0] = (struct lws_protocols){
        .name = WS_PROTOCOL,
        .callback = callback,
        .per_session_data_size = sizeof(server_pss),
        .rx_buffer_size = 16384,
    };
    /* protocols[1] stays zeroed: lws 4.1 ends the list there. */
    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof vi);
    vi.vhost_name = "dienhong";
    vi.port = cfg->port;
    vi.iface = cfg->host;
    vi.protocols = s->protocols;
    /* Text frames must be UTF-8 before they reach the JSON parser; lws closes with 1007. */
    vi.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (tls) {
        /* lws 4.1 decides per vhost: without this flag in the vhost's own options it silently
         * serves plain text even with a certificate set. */
        vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        vi.ssl_cert_filepath = cfg->tls_cert;
        vi.ssl_private_key_filepath = cfg->tls_key;
        /* HTTP/1.1 only: the websocket and the request handling assume h1 framing. */
        vi.alpn = "http/1.1";
    }
    s->vh = lws_create_vhost(s->ctx, &vi);
    if (!s->vh) {
        LOGE("http", "cannot listen on %s:%d", cfg->host ? cfg->host : "*", cfg->port);
        goto fail;
    }
    s->port = lws_get_vhost_listen_port(s->vh);
    LOGI("http", "listening on %s://%s:%d, %zu static files", tls ? "https" : "http",
         cfg->host ? cfg->host : "*", s->port, static_files_count(s->files));
    return s;
fail:
    server_free(s);
    return NULL;
}

void server_free(server *s)
{
    if (!s) return;
    /* Destroying the context closes every connection, so ws_close still runs for each. */
    if (s->ctx) lws_context_destroy(s->ctx);
    static_files_free(s->files);
    free(s->wbuf);
    free(s);
}

int server_port(const server *s)
{
    return s->port;
}

int server_run(server *s)
{
    while (!atomic_load(&s->stop))
        if (lws_service(s->ctx, 0) < 0) {
            LOGE("http", "lws_service failed");
            return -1;
        }
    return 0;
}

void server_stop(server *s)
{
    atomic_store(&s->stop, true);
    lws_cancel_service(s->ctx);
}

void server_wake(server *s)
{
    atomic_store(&s->wake, true);
    lws_cancel_service(s->ctx);
}
