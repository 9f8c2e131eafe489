#include "ws.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"

#define TAG "ws"
#define WS_MAX_MESSAGE (1u << 20)

struct ws_hub {
    struct lws_context *ctx;
};

typedef struct out_msg {
    struct out_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE of headroom, then the text */
} out_msg;

struct ws_link {
    ws_hub *hub;
    struct lws *wsi;
    ws_link_events ev;
    void *user;
    out_msg *head, *tail;
    char *in;
    size_t in_len, in_cap;
    bool open, abandoned, ended;
    char why[160];
};

static void drop_queue(ws_link *l)
{
    while (l->head) {
        out_msg *m = l->head;
        l->head = m->next;
        free(m);
    }
    l->tail = NULL;
}

static void end_link(ws_link *l, const char *why)
{
    if (l->ended) return;
    l->ended = true;
    if (!l->abandoned && l->ev.closed) l->ev.closed(l->user, why);
}

static int on_receive(ws_link *l, const void *in, size_t len)
{
    if (l->in_len + len + 1 > WS_MAX_MESSAGE) {
        snprintf(l->why, sizeof l->why, "message over %u bytes", WS_MAX_MESSAGE);
        return -1;
    }
    if (l->in_len + len + 1 > l->in_cap) {
        size_t cap = l->in_cap ? l->in_cap : 4096;
        while (cap < l->in_len + len + 1)
            cap *= 2;
        char *nb = realloc(l->in, cap);
        if (!nb) return -1;
        l->in = nb;
        l->in_cap = cap;
    }
    memcpy(l->in + l->in_len, in, len);
    l->in_len += len;
    if (!lws_is_final_fragment(l->wsi)) return 0;
    l->in[l->in_len] = '\0';
    size_t n = l->in_len;
    l->in_len = 0;
    if (!l->abandoned && l->ev.message) l->ev.message(l->user, l->in, n);
    return 0;
}

static int on_writeable(ws_link *l)
{
    if (l->abandoned) return -1;
    out_msg *m = l->head;
    if (!m) return 0;
    l->head = m->next;
    if (!l->head) l->tail = NULL;
    int n = lws_write(l->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
    size_t len = m->len;
    free(m);
    if (n < (int)len) {
        snprintf(l->why, sizeof l->why, "write failed");
        return -1;
    }
    if (l->head) lws_callback_on_writable(l->wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    ws_link *l = lws_get_opaque_user_data(wsi);
    if (!l) return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        l->open = true;
        if (l->abandoned) {
            lws_callback_on_writable(wsi); /* closes it */
        } else if (l->ev.opened) {
            l->ev.opened(l->user);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(l, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(l);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
            const unsigned char *p = in;
            snprintf(l->why, sizeof l->why, "hub closed the connection (%d %.*s)", p[0] << 8 | p[1],
                     (int)(len - 2), (const char *)in + 2);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(l->why, sizeof l->why, "cannot connect: %s", in ? (const char *)in : "?");
        end_link(l, l->why);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        end_link(l, l->why[0] ? l->why : "connection closed");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        end_link(l, l->why[0] ? l->why : "connection lost");
        lws_set_opaque_user_data(wsi, NULL);
        drop_queue(l);
        free(l->in);
        free(l);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"load", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* lws 4.1 has no LWS_PROTOCOL_LIST_TERM */
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

ws_hub *ws_hub_new(struct ev_loop *loop)
{
    ws_hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours);
    void *loops[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = loops;
    h->ctx = lws_create_context(&info);
    if (!h->ctx) {
        LOGE(TAG, "cannot create the libwebsockets context (is its libev event-lib plugin there?)");
        free(h);
        return NULL;
    }
    return h;
}

void ws_hub_free(ws_hub *h)
{
    if (!h) return;
    lws_context_destroy(h->ctx);
    free(h);
}

ws_link *ws_link_open(ws_hub *h, const char *url, const char *subprotocol, const ws_link_events *ev,
                      void *user)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", url);
    const char *prot, *addr, *path;
    int port;
    if (lws_parse_uri(copy, &prot, &addr, &port, &path) != 0) return NULL;
    bool tls = strcmp(prot, "wss") == 0 || strcmp(prot, "https") == 0;
    char fullpath[300], host[300];
    snprintf(fullpath, sizeof fullpath, "/%s", path);
    snprintf(host, sizeof host, "%s:%d", addr, port);

    ws_link *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->hub = h;
    l->ev = *ev;
    l->user = user;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = h->ctx;
    ci.address = addr;
    ci.port = port;
    ci.path = fullpath;
    ci.host = host;
    ci.origin = host;
    ci.protocol = subprotocol;
    ci.local_protocol_name = "load";
    ci.ssl_connection =
        tls ? LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK : 0;
    ci.alpn = "http/1.1";
    ci.opaque_user_data = l;
    ci.pwsi = &l->wsi;
    if (!lws_client_connect_via_info(&ci)) {
        /* lws may have reported the error already and freed `l` in WSI_DESTROY. */
        return NULL;
    }
    return l;
}

bool ws_link_send(ws_link *l, const char *text, size_t len)
{
    if (!l->open || l->abandoned || l->ended || !l->wsi) return false;
    out_msg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m) return false;
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    if (l->tail)
        l->tail->next = m;
    else
        l->head = m;
    l->tail = m;
    lws_callback_on_writable(l->wsi);
    return true;
}

void ws_link_abandon(ws_link *l)
{
    if (!l) return;
    l->abandoned = true;
    if (l->wsi && !l->ended) lws_set_timeout(l->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}
