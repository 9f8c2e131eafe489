#include "ws_client.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#include "sfu/base/log.h"

#define TAG "ws"
#define WS_MAX_MESSAGE (1u << 20) /* the hub sends at most 64 KiB; room for a newer one */

/* One connection attempt. lws owns the socket; we own this, freed when lws destroys the wsi. */
typedef struct ws_conn {
    ws_client *owner;
    struct lws *wsi;
    GQueue out;     /* GBytes, each with LWS_PRE bytes of headroom before the text */
    GByteArray *in; /* fragments of the message being received */
    gboolean open;  /* established */
    gboolean ended; /* `closed` was reported (or abandoned: nothing more is reported) */
    char why[160];  /* the best reason known for the end */
    int close_code; /* from the hub's close frame; 0 for none */
} ws_conn;

struct ws_client {
    struct lws_context *ctx;
    ws_client_events ev;
    void *user;
    ws_conn *current; /* the connection reporting to the user; NULL when none */
    char url_host[300];
    guint closed_idle; /* a pending `closed` report */
    char closed_why[160];
    int closed_code;
};

static gboolean report_closed(gpointer data)
{
    ws_client *c = data;
    c->closed_idle = 0;
    c->ev.closed(c->user, c->closed_code, c->closed_why);
    return G_SOURCE_REMOVE;
}

/* Ends `conn` for the user: a `closed` report from the main loop, once, for the current one. */
static void end_conn(ws_conn *conn, const char *why)
{
    ws_client *c = conn->owner;
    if (conn->ended) return;
    conn->ended = TRUE;
    if (c->current != conn) return;
    c->current = NULL;
    snprintf(c->closed_why, sizeof c->closed_why, "%s", why);
    c->closed_code = conn->close_code;
    if (!c->closed_idle) c->closed_idle = g_idle_add(report_closed, c);
}

static void free_conn(ws_conn *conn)
{
    GBytes *b;
    while ((b = g_queue_pop_head(&conn->out)) != NULL)
        g_bytes_unref(b);
    g_byte_array_unref(conn->in);
    g_free(conn);
}

static int on_writeable(ws_conn *conn)
{
    if (conn->ended) return -1; /* abandoned: close now */
    GBytes *b = g_queue_pop_head(&conn->out);
    if (!b) return 0;
    gsize size;
    unsigned char *buf = (unsigned char *)g_bytes_get_data(b, &size);
    size_t len = size - LWS_PRE;
    int n = lws_write(conn->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
    g_bytes_unref(b);
    if (n < (int)len) {
        snprintf(conn->why, sizeof conn->why, "write failed");
        return -1;
    }
    if (!g_queue_is_empty(&conn->out)) lws_callback_on_writable(conn->wsi);
    return 0;
}

static int on_receive(ws_conn *conn, const void *in, size_t len)
{
    if (conn->in->len + len > WS_MAX_MESSAGE) {
        snprintf(conn->why, sizeof conn->why, "message over %u bytes from the hub", WS_MAX_MESSAGE);
        return -1;
    }
    g_byte_array_append(conn->in, in, (guint)len);
    if (!lws_is_final_fragment(conn->wsi)) return 0;
    ws_client *c = conn->owner;
    /* NUL-terminated for the JSON parser's benefit; the length excludes it. */
    guint n = conn->in->len;
    g_byte_array_append(conn->in, (const guint8 *)"", 1);
    if (!conn->ended && c->current == conn) c->ev.message(c->user, (const char *)conn->in->data, n);
    g_byte_array_set_size(conn->in, 0);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    ws_conn *conn = lws_get_opaque_user_data(wsi);
    if (!conn) return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        conn->open = TRUE;
        if (!conn->ended) {
            LOGI(TAG, "connected to %s", conn->owner->url_host);
            conn->owner->ev.opened(conn->owner->user);
        } else {
            lws_callback_on_writable(wsi); /* abandoned while connecting: close it */
        }
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(conn, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(conn);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
            const unsigned char *p = in;
            conn->close_code = p[0] << 8 | p[1];
            snprintf(conn->why, sizeof conn->why, "hub closed the connection (%d%s%.*s)",
                     conn->close_code, len > 2 ? " " : "", (int)(len - 2), (const char *)in + 2);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(conn->why, sizeof conn->why, "cannot connect: %s",
                 in ? (const char *)in : "unknown error");
        end_conn(conn, conn->why);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        end_conn(conn, conn->why[0] ? conn->why : "connection closed");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        end_conn(conn, conn->why[0] ? conn->why : "connection lost");
        lws_set_opaque_user_data(wsi, NULL);
        free_conn(conn);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"dienhong.v1", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* lws 4.1 has no LWS_PROTOCOL_LIST_TERM */
};

/* A hub that stops answering without closing the socket (a cut cable, a suspended VM) is found
 * by websocket pings: lws pings after 15 s of silence and hangs up after 40 s. */
static const lws_retry_bo_t keepalive = {
    .secs_since_valid_ping = 15,
    .secs_since_valid_hangup = 40,
};

static void lws_log_to_ours(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        LOGE("lws", "%.*s", (int)n, line);
    else
        LOGW("lws", "%.*s", (int)n, line);
}

ws_client *ws_client_new(GMainLoop *loop, const ws_client_events *ev, void *user)
{
    ws_client *c = g_new0(ws_client, 1);
    c->ev = *ev;
    c->user = user;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours);

    void *loops[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    /* lws joins our GLib loop (its glib event-lib plugin) instead of running its own. */
    info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = loops;
    info.retry_and_idle_policy = &keepalive;
    c->ctx = lws_create_context(&info);
    if (!c->ctx) {
        LOGE(TAG, "cannot create the libwebsockets context (is its glib event-lib plugin there?)");
        g_free(c);
        return NULL;
    }
    return c;
}

void ws_client_connect(ws_client *c, const room_url *url)
{
    ws_client_disconnect(c);
    ws_conn *conn = g_new0(ws_conn, 1);
    conn->owner = c;
    conn->in = g_byte_array_new();
    g_queue_init(&conn->out);
    c->current = conn;

    bool v6 = strchr(url->host, ':') != NULL;
    snprintf(c->url_host, sizeof c->url_host, "%s%s%s:%d", v6 ? "[" : "", url->host, v6 ? "]" : "",
             url->port);
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = c->ctx;
    ci.address = url->host;
    ci.port = url->port;
    ci.path = url->path;
    ci.host = c->url_host;
    ci.origin = c->url_host;
    ci.protocol = "dienhong.v1";
    ci.local_protocol_name = "dienhong.v1";
    ci.ssl_connection = url->tls ? LCCSCF_USE_SSL : 0;
    ci.alpn = "http/1.1"; /* websockets over HTTP/1.1 upgrade, never h2 */
    ci.opaque_user_data = conn;
    ci.retry_and_idle_policy = &keepalive;
    ci.pwsi = &conn->wsi;
    LOGI(TAG, "connecting to %s://%s%s", url->tls ? "wss" : "ws", c->url_host, url->path);
    if (!lws_client_connect_via_info(&ci)) {
        /* lws may already have reported the error (and destroyed the wsi, freeing conn). */
        if (c->current == conn) {
            end_conn(conn, "cannot start connecting");
            if (!conn->wsi) free_conn(conn);
        }
    }
}

gboolean ws_client_send(ws_client *c, const char *text, size_t len)
{
    ws_conn *conn = c->current;
    if (!conn || !conn->open || !conn->wsi) return FALSE;
    /* lws writes in place and needs LWS_PRE bytes in front for the frame header. */
    guint8 *buf = g_malloc(LWS_PRE + len);
    memcpy(buf + LWS_PRE, text, len);
    g_queue_push_tail(&conn->out, g_bytes_new_take(buf, LWS_PRE + len));
    lws_callback_on_writable(conn->wsi);
    return TRUE;
}

void ws_client_disconnect(ws_client *c)
{
    ws_conn *conn = c->current;
    if (!conn) return;
    c->current = NULL;
    conn->ended = TRUE;
    if (conn->wsi) {
        /* Closed from the loop, not here: we may be inside one of its callbacks. */
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

void ws_client_free(ws_client *c)
{
    if (!c) return;
    ws_client_disconnect(c);
    if (c->closed_idle) g_source_remove(c->closed_idle);
    lws_context_destroy(c->ctx);
    g_free(c);
}
