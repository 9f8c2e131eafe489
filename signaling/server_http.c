/* HTTP requests on libwebsockets 4.1: static files from the in-memory table, everything else
 * collected (body included) and handed to handlers.http_request; responses are written as a head
 * now and the body, from memory or from a file, over HTTP_WRITEABLE callbacks. */
#include "server_internal.h"

#include "sfu/base/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bodies declared up to this size are read and dropped before answering 413, so the connection
 * stays in sync and the client reads the answer; larger ones are answered at once and closed. */
#define HTTP_DRAIN_MAX (1u << 20)
/* How long a refused body is still read (and dropped) after the answer, see linger(). */
#define HTTP_LINGER_SECS 5

static const char CSP[] =
    "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; "
    "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'";

typedef struct hdr_copy {
    struct hdr_copy *next;
    char *name, *value;
} hdr_copy;

struct server_http {
    server *srv;
    struct lws *wsi;
    char method[16];
    char *path, *query;
    hdr_copy *hdrs;
    uint8_t *body;
    size_t body_len, body_cap;
    size_t body_limit; /* SERVER_MAX_HTTP_BODY unless handlers.http_body_limit raised it */
    bool head, too_large, close_after, responded, failed;
    bool body_unread; /* answered before the body it announced was read */
    bool lingering;   /* see linger() */
    time_t linger_until;
    /* The response body still to write: from memory, */
    const uint8_t *tx;
    uint8_t *tx_owned;
    size_t tx_len, tx_off;
    /* or from a file (tx_fd >= 0). */
    int tx_fd;
    uint64_t tx_foff, tx_fleft;
    /* Deferred (server_http_defer): its ticket, its place in srv->deferred until answered, and
     * the answer kept until the connection is writable (stashed). */
    uint64_t ticket;
    server_http *next_deferred;
    bool waiting, stashed;
    int st_status;
    char *st_ctype, *st_headers;
};

static void unlink_deferred(server_http *r)
{
    if (!r->waiting) return;
    for (server_http **pp = &r->srv->deferred; *pp; pp = &(*pp)->next_deferred) {
        if (*pp == r) {
            *pp = r->next_deferred;
            break;
        }
    }
    r->waiting = false;
}

static void http_free(server_http *r)
{
    if (!r) return;
    unlink_deferred(r);
    free(r->st_ctype);
    free(r->st_headers);
    while (r->hdrs) {
        hdr_copy *h = r->hdrs;
        r->hdrs = h->next;
        free(h->name);
        free(h->value);
        free(h);
    }
    free(r->path);
    free(r->query);
    free(r->body);
    free(r->tx_owned);
    if (r->tx_fd >= 0) close(r->tx_fd);
    free(r);
}

void server_http_drop(server_pss *p)
{
    if (!p) return;
    http_free(p->req);
    p->req = NULL;
}

static int add_header(struct lws *wsi, const char *name_colon, const char *value, size_t vlen,
                      unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name_colon,
                                       (const unsigned char *)value, (int)vlen, p, end);
}

/* Copies the handler's "Name: value\r\n" lines into the response head. */
static int add_extra_headers(struct lws *wsi, const char *headers, unsigned char **p,
                             unsigned char *end)
{
    const char *line = headers;
    while (line && *line) {
        const char *eol = strstr(line, "\r\n");
        size_t llen = eol ? (size_t)(eol - line) : strlen(line);
        const char *colon = memchr(line, ':', llen);
        if (colon && colon > line && (size_t)(colon - line) < 96) {
            char name[100];
            size_t nlen = (size_t)(colon - line);
            /* lws writes the name as given; lower case keeps h1 and h2 spellings alike. */
            for (size_t i = 0; i < nlen; i++)
                name[i] = (char)tolower((unsigned char)line[i]);
            name[nlen] = ':';
            name[nlen + 1] = '\0';
            const char *v = colon + 1;
            size_t vlen = llen - nlen - 1;
            while (vlen && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            if (add_header(wsi, name, v, vlen, p, end)) return 1;
        }
        line = eol ? eol + 2 : NULL;
    }
    return 0;
}

static bool status_has_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

/* Writes the response head now, announcing `len` body bytes; false (and r->failed) when it cannot
 * be written. */
static bool http_head(server_http *r, int status, const char *ctype, const char *etag, bool html,
                      const char *headers, uint64_t len)
{
    r->responded = true;
    struct lws *wsi = r->wsi;
    size_t cap = LWS_PRE + 1024 + sizeof CSP + (headers ? strlen(headers) * 2 : 0);
    unsigned char *buf = malloc(cap);
    if (!buf) {
        r->failed = true;
        return false;
    }
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + cap;
    bool has_body = status_has_body(status);
    int bad = lws_add_http_header_status(wsi, (unsigned int)status, &p, end);
    if (!bad && ctype)
        bad =
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)ctype, (int)strlen(ctype), &p, end);
    if (!bad && has_body)
        bad = lws_add_http_header_content_length(wsi, (lws_filepos_t)len, &p, end);
    if (!bad) bad = add_header(wsi, "x-content-type-options:", "nosniff", 7, &p, end);
    if (!bad && html) bad = add_header(wsi, "content-security-policy:", CSP, strlen(CSP), &p, end);
    if (!bad && etag) bad = add_header(wsi, "etag:", etag, strlen(etag), &p, end);
    if (!bad && etag) bad = add_header(wsi, "cache-control:", "no-cache", 8, &p, end);
    if (!bad && r->close_after) bad = add_header(wsi, "connection:", "close", 5, &p, end);
    if (!bad && headers) bad = add_extra_headers(wsi, headers, &p, end);
    if (!bad) bad = lws_finalize_write_http_header(wsi, start, &p, end);
    free(buf);
    if (bad) {
        LOGW("http", "cannot write the response head for %s %s", r->method, r->path);
        r->failed = true;
        return false;
    }
    return true;
}

/* Writes the response head now; the body (if any) follows on HTTP_WRITEABLE. */
static void http_respond_full(server_http *r, int status, const char *ctype, const char *etag,
                              bool html, const char *headers, const uint8_t *body, size_t len,
                              bool copy_body)
{
    if (!http_head(r, status, ctype, etag, html, headers, len)) return;
    if (!status_has_body(status) || r->head || !len) return;
    if (copy_body) {
        /* The handler's buffer dies when it returns; the write may take several callbacks. */
        r->tx_owned = malloc(len);
        if (!r->tx_owned) {
            r->failed = true;
            return;
        }
        memcpy(r->tx_owned, body, len);
        body = r->tx_owned;
    }
    r->tx = body;
    r->tx_len = len;
}

uint64_t server_http_defer(server_http *r)
{
    if (r->ticket) return r->ticket;
    r->ticket = ++r->srv->last_ticket;
    r->waiting = true;
    r->next_deferred = r->srv->deferred;
    r->srv->deferred = r;
    lws_set_timeout(r->wsi, PENDING_TIMEOUT_HTTP_CONTENT, SERVER_HTTP_DEFER_SECS);
    return r->ticket;
}

server_http *server_http_resume(server *s, uint64_t ticket)
{
    for (server_http *r = s->deferred; r; r = r->next_deferred)
        if (r->ticket == ticket) return r;
    return NULL;
}

static char *dup_or_null(const char *text)
{
    return text ? strdup(text) : NULL;
}

/* A deferred answer is given outside lws's callbacks for this connection: it is kept and
 * written from the next HTTP_WRITEABLE, where lws expects writes. */
static void stash(server_http *r, int status, const char *ctype, const char *headers,
                  const void *body, size_t len)
{
    unlink_deferred(r);
    r->st_status = status;
    r->st_ctype = dup_or_null(ctype);
    r->st_headers = dup_or_null(headers);
    r->tx_owned = len ? malloc(len) : NULL;
    if ((ctype && !r->st_ctype) || (headers && !r->st_headers) || (len && !r->tx_owned)) {
        r->failed = true; /* the next writable callback ends the connection */
    } else {
        if (len) memcpy(r->tx_owned, body, len);
        r->tx_len = len;
    }
    r->stashed = true;
    lws_callback_on_writable(r->wsi);
}

void server_http_respond(server_http *r, int status, const char *content_type, const char *headers,
                         const void *body, size_t len)
{
    if (!r || r->responded || r->stashed) {
        LOGW("http", "a second response to one request is ignored");
        return;
    }
    if (r->waiting) return stash(r, status, content_type, headers, body, len);
    http_respond_full(r, status, content_type, NULL, false, headers, body, len, true);
}

void server_http_respond_file(server_http *r, int status, const char *content_type,
                              const char *headers, int fd, uint64_t offset, uint64_t length)
{
    if (!r || r->responded || r->stashed) {
        LOGW("http", "a second response to one request is ignored");
        if (fd >= 0) close(fd);
        return;
    }
    if (r->waiting) {
        LOGW("http", "%s %s: a deferred answer cannot be a file", r->method, r->path);
        if (fd >= 0) close(fd);
        return stash(r, 500, "text/plain; charset=utf-8", NULL, "internal error\n", 15);
    }
    if (fd < 0) {
        LOGW("http", "%s %s: no file to send", r->method, r->path);
        http_respond_full(r, 500, "text/plain; charset=utf-8", NULL, false, NULL,
                          (const uint8_t *)"internal error\n", 15, false);
        return;
    }
    if (!http_head(r, status, content_type, NULL, false, headers, length) ||
        !status_has_body(status) || r->head || !length) {
        close(fd);
        return;
    }
    r->tx_fd = fd;
    r->tx_foff = offset;
    r->tx_fleft = length;
}

static void respond_text(server_http *r, int status, const char *text)
{
    http_respond_full(r, status, "text/plain; charset=utf-8", NULL, false, NULL,
                      (const uint8_t *)text, strlen(text), false);
}

static int http_finish(struct lws *wsi, server_pss *p)
{
    server_http_drop(p);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* After a response was started: continue it on writable callbacks, or end the transaction. */
static int http_after_respond(struct lws *wsi, server_pss *p)
{
    server_http *r = p->req;
    if (!r || !r->responded) return 0; /* still waiting for the body */
    if (r->failed) return -1;
    if (r->tx_off < r->tx_len || r->tx_fd >= 0 || r->close_after) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    return http_finish(wsi, p);
}

/* The answer to a request whose body was refused unread is out, but the client may still be
 * sending that body: closing now would make the kernel answer its data with a reset, which can
 * destroy the answer before the client has read it (curl and browsers then report a broken
 * connection instead of the 413). So our side is shut and what still comes is read and dropped,
 * for a few seconds at most (nginx's "lingering close"); then the connection is closed. */
static int linger(struct lws *wsi, server_http *r)
{
    if (!r->body_unread || r->lingering) return -1;
    int fd = (int)lws_get_socket_fd(wsi);
    if (fd < 0 || shutdown(fd, SHUT_WR) != 0) return -1;
    r->lingering = true;
    r->linger_until = time(NULL) + HTTP_LINGER_SECS;
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, HTTP_LINGER_SECS);
    return 0;
}

/* The next chunk of a file body. */
static int write_file_chunk(server *s, struct lws *wsi, server_pss *p)
{
    server_http *r = p->req;
    size_t n = r->tx_fleft > SERVER_HTTP_CHUNK ? SERVER_HTTP_CHUNK : (size_t)r->tx_fleft;
    ssize_t got;
    do
        got = pread(r->tx_fd, s->wbuf + LWS_PRE, n, (off_t)r->tx_foff);
    while (got < 0 && errno == EINTR);
    if (got != (ssize_t)n) {
        /* Shorter than announced (changed underneath): the client must see a truncated body. */
        LOGW("http", "%s %s: the file ended early (%s)", r->method, r->path,
             got < 0 ? strerror(errno) : "short read");
        return -1;
    }
    bool last = (uint64_t)n == r->tx_fleft;
    if (lws_write(wsi, s->wbuf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
        (int)n)
        return -1;
    r->tx_foff += n;
    r->tx_fleft -= n;
    if (!last) {
        /* lws's own timeout from the start of the request would cut a long download: a client
         * is dropped only when it stops taking bytes. */
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, SERVER_HTTP_STALL_SECS);
        lws_callback_on_writable(wsi);
        return 0;
    }
    close(r->tx_fd);
    r->tx_fd = -1;
    if (r->close_after) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    return http_finish(wsi, p);
}

int server_http_on_writeable(server *s, struct lws *wsi, server_pss *p)
{
    server_http *r = p->req;
    if (r && r->stashed && !r->responded) {
        if (r->failed) return -1;
        size_t len = r->tx_len;
        r->tx_len = 0;
        http_respond_full(r, r->st_status, r->st_ctype, NULL, false, r->st_headers, r->tx_owned,
                          len, false);
        return http_after_respond(wsi, p);
    }
    if (!r || !r->responded || r->lingering) return 0;
    if (r->tx_fd >= 0) return write_file_chunk(s, wsi, p);
    if (r->tx_off < r->tx_len) {
        size_t n = r->tx_len - r->tx_off;
        if (n > SERVER_HTTP_CHUNK) n = SERVER_HTTP_CHUNK;
        bool last = r->tx_off + n == r->tx_len;
        /* Copied into a buffer with LWS_PRE headroom: lws may write framing in front of it. */
        memcpy(s->wbuf + LWS_PRE, r->tx + r->tx_off, n);
        if (lws_write(wsi, s->wbuf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return -1;
        r->tx_off += n;
        if (!last || r->close_after) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        return http_finish(wsi, p);
    }
    /* Everything is on the wire (lws flushes its own buffer before calling us). */
    if (r->close_after) return linger(wsi, r);
    return http_finish(wsi, p);
}

static void http_dispatch(server *s, server_http *r)
{
    if (s->h.http_request) s->h.http_request(s->h.ud, r);
    if (!r->responded && !r->ticket) {
        LOGW("http", "no answer to %s %s", r->method, r->path);
        respond_text(r, 500, "internal error\n");
    }
}

static void serve_static(server_http *r, const static_file *f)
{
    const char *inm = server_http_header(r, "if-none-match");
    if (static_etag_matches(inm, f->etag))
        http_respond_full(r, 304, NULL, f->etag, false, NULL, NULL, 0, false);
    else
        http_respond_full(r, 200, f->ctype, f->etag, f->html, NULL, f->data, f->len, false);
}

static char *http_query(struct lws *wsi)
{
    /* lws keeps the arguments url-decoded, one fragment each; they are joined back with '&'. */
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    if (total <= 0) return strdup("");
    size_t cap = (size_t)total + 64 + 1;
    char *q = malloc(cap);
    if (!q) return NULL;
    size_t used = 0;
    for (int i = 0; i < 64; i++) {
        int flen = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (flen <= 0) break;
        if (used + (size_t)flen + 2 > cap) break;
        if (used) q[used++] = '&';
        if (lws_hdr_copy_fragment(wsi, q + used, (int)(cap - used), WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
            break;
        used += (size_t)flen;
    }
    q[used] = '\0';
    return q;
}

static const char *method_name(struct lws *wsi, int m, char *buf, size_t cap)
{
    static const char *names[] = {"GET",   "POST",   "OPTIONS", "PUT",
                                  "PATCH", "DELETE", "CONNECT", "HEAD"};
    if (m >= 0 && m < (int)(sizeof names / sizeof names[0])) return names[m];
    /* HTTP/2 carries the method in a pseudo-header instead. */
    if (m == LWSHUMETH_COLON_PATH &&
        lws_hdr_copy(wsi, buf, (int)cap, WSI_TOKEN_HTTP_COLON_METHOD) > 0)
        return buf;
    return NULL;
}

int server_http_begin(server *s, struct lws *wsi, server_pss *p)
{
    server_http_drop(p);
    char *uri = NULL, mbuf[16];
    int ulen = 0;
    int m = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    const char *method = method_name(wsi, m, mbuf, sizeof mbuf);
    if (!method || !uri) return -1;
    server_http *r = calloc(1, sizeof *r);
    if (!r) return -1;
    p->req = r;
    r->srv = s;
    r->wsi = wsi;
    r->tx_fd = -1;
    r->body_limit = SERVER_MAX_HTTP_BODY;
    snprintf(r->method, sizeof r->method, "%s", method);
    r->head = strcmp(method, "HEAD") == 0;
    r->path = strndup(uri, (size_t)ulen);
    r->query = http_query(wsi);
    if (!r->path || !r->query) return -1;

    const char *te = server_http_header(r, "transfer-encoding");
    const char *cl = server_http_header(r, "content-length");
    bool body_method =
        !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    /* lws 4.1 reads a POST/PUT/PATCH without Content-Length as a 100 MB body and passes chunked
     * framing through undecoded; such a connection cannot be reused after the answer. */
    r->close_after = body_method && !cl;
    if (te) {
        r->close_after = true;
        respond_text(r, 411, "length required\n");
        return http_after_respond(wsi, p);
    }

    const static_file *f = NULL;
    if (!strcmp(method, "GET") || r->head) f = static_files_find(s->files, r->path);
    if (f) {
        serve_static(r, f);
        return http_after_respond(wsi, p);
    }

    unsigned long long clen = 0;
    if (cl) {
        char *endp;
        errno = 0;
        clen = strtoull(cl, &endp, 10);
        if (errno || endp == cl || *endp || cl[0] == '-') {
            r->close_after = true;
            respond_text(r, 400, "bad content-length\n");
            return http_after_respond(wsi, p);
        }
    }
    /* lws 4.1 does not answer "Expect: 100-continue" itself; curl-based clients would stall a
     * second before sending the body. A refused body is answered at once instead, unsent. */
    const char *expect = server_http_header(r, "expect");
    bool wants_continue = expect && !strcasecmp(expect, "100-continue");
    if (clen > SERVER_MAX_HTTP_BODY && s->h.http_body_limit) {
        size_t limit = s->h.http_body_limit(s->h.ud, r, clen);
        if (r->responded) {
            /* Refused before the body: it is not read, so the connection cannot be reused. */
            r->close_after = true;
            r->body_unread = true;
            return http_after_respond(wsi, p);
        }
        if (limit > SERVER_MAX_HTTP_BODY) r->body_limit = limit;
    }
    if (clen > r->body_limit) {
        r->too_large = true;
        if (clen > HTTP_DRAIN_MAX || wants_continue) {
            LOGI("http", "%s %s: body of %llu bytes refused", r->method, r->path, clen);
            r->close_after = true;
            r->body_unread = true;
            char msg[96];
            snprintf(msg, sizeof msg, "payload too large: at most %zu bytes here\n", r->body_limit);
            http_respond_full(r, 413, "text/plain; charset=utf-8", NULL, false, NULL,
                              (const uint8_t *)msg, strlen(msg), true);
            return http_after_respond(wsi, p);
        }
        return 0; /* drained by HTTP_BODY, answered at BODY_COMPLETION */
    }
    /* lws calls HTTP_BODY_COMPLETION when a body was announced, and for POST with an explicit
     * zero length; in every other case the request is complete now. */
    if (clen > 0 || (cl && !strcmp(method, "POST"))) {
        if (wants_continue && clen > 0) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            unsigned char buf[LWS_PRE + sizeof cont];
            memcpy(buf + LWS_PRE, cont, sizeof cont - 1);
            if (lws_write(wsi, buf + LWS_PRE, sizeof cont - 1, LWS_WRITE_HTTP_HEADERS) !=
                (int)sizeof cont - 1)
                return -1;
        }
        return 0;
    }
    http_dispatch(s, r);
    return http_after_respond(wsi, p);
}

int server_http_on_body(server_pss *p, const void *in, size_t len)
{
    server_http *r = p->req;
    /* A refused body still coming after the answer: dropped, for a while (see linger()). */
    if (r && r->lingering) return time(NULL) > r->linger_until ? -1 : 0;
    /* lws reports an explicit "Content-Length: 0" as one empty chunk with in == NULL. */
    if (!r || r->responded || r->too_large || !len) return 0;
    if (len > r->body_limit - r->body_len) {
        /* Only reachable if lws delivered more than was announced; refuse all the same. */
        r->too_large = true;
        return 0;
    }
    if (r->body_len + len + 1 > r->body_cap) {
        /* Doubling, so that a 50 MiB body is not copied at every 16 KiB that arrives; the room is
         * bounded by the limit, not by what the client announced and may never send. */
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + len + 1)
            cap *= 2;
        if (cap > r->body_limit + 1) cap = r->body_limit + 1;
        uint8_t *grown = realloc(r->body, cap);
        if (!grown) return -1;
        r->body = grown;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, in, len);
    r->body_len += len;
    return 0;
}

int server_http_on_body_done(server *s, struct lws *wsi, server_pss *p)
{
    server_http *r = p->req;
    if (r && r->lingering) return -1; /* all of the refused body came: now close */
    if (!r || r->responded) return 0;
    if (r->too_large) {
        LOGI("http", "%s %s: body over %zu bytes refused", r->method, r->path, r->body_limit);
        respond_text(r, 413, "payload too large\n");
    } else {
        http_dispatch(s, r);
    }
    return http_after_respond(wsi, p);
}

const char *server_http_method(const server_http *r)
{
    return r->method;
}

const char *server_http_path(const server_http *r)
{
    return r->path;
}

const char *server_http_query(const server_http *r)
{
    return r->query;
}

const uint8_t *server_http_body(const server_http *r, size_t *len)
{
    if (len) *len = r->body_len;
    return r->body ? r->body : (const uint8_t *)"";
}

const char *server_http_header(const server_http *cr, const char *name)
{
    /* The cache of copies is not part of the request's observable state. */
    server_http *r = (server_http *)cr;
    for (hdr_copy *h = r->hdrs; h; h = h->next)
        if (!strcasecmp(h->name, name)) return h->value;
    if (!r->wsi) return NULL;
    char key[128];
    size_t n = strlen(name);
    if (n == 0 || n + 2 > sizeof key) return NULL;
    for (size_t i = 0; i < n; i++)
        key[i] = (char)tolower((unsigned char)name[i]);
    key[n] = ':';
    key[n + 1] = '\0';

    /* lws parses ~90 well-known headers into token slots and keeps the rest as custom headers;
     * the headers are still attached while the handler runs (at HTTP or BODY_COMPLETION). */
    int len = -1, tok = -1;
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const unsigned char *tn = lws_token_to_string((enum lws_token_indexes)t);
        if (tn && !strcmp((const char *)tn, key)) {
            tok = t;
            break;
        }
    }
    if (tok >= 0) {
        len = lws_hdr_total_length(r->wsi, (enum lws_token_indexes)tok);
        if (len <= 0) len = -1; /* lws cannot tell an empty header from an absent one */
    } else {
        len = lws_hdr_custom_length(r->wsi, key, (int)n + 1);
    }
    if (len < 0) return NULL;
    hdr_copy *h = calloc(1, sizeof *h);
    char *value = malloc((size_t)len + 1);
    char *hname = strdup(name);
    if (!h || !value || !hname) goto fail;
    int got = tok >= 0 ? lws_hdr_copy(r->wsi, value, len + 1, (enum lws_token_indexes)tok)
                       : lws_hdr_custom_copy(r->wsi, value, len + 1, key, (int)n + 1);
    if (got < 0) goto fail;
    value[got] = '\0';
    h->name = hname;
    h->value = value;
    h->next = r->hdrs;
    r->hdrs = h;
    return value;
fail:
    free(h);
    free(value);
    free(hname);
    return NULL;
}
