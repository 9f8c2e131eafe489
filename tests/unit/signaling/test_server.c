/* The network front end to end over loopback: a server on port 0 in a thread, driven by a tiny
 * HTTP/1.1 client and a tiny websocket client written on plain POSIX sockets, so that what is
 * checked is the bytes on the wire and not another library's reading of them. */
#include "signaling/server.h"
#include "tests/unit/check.h"
#include "tests/unit/signaling/raw_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- handler side */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int http_calls;
    char method[16], path[256], query[256], auth[128], custom[64];
    char *body;
    size_t body_len;
    int ws_open, ws_close, ws_messages;
    size_t last_len;
    pthread_t service_thread;
    atomic_int woke;
    atomic_bool woke_on_service_thread;
    /* Deferred answers: the ticket a /later request took, and what the wake does with it. */
    _Atomic uint64_t ticket;
    atomic_bool answer_now;
    atomic_int answered, gone;
} st;

static server *srv;

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "(null)");
}

static void on_http(void *ud, server_http *r)
{
    (void)ud;
    size_t len;
    const uint8_t *body = server_http_body(r, &len);
    pthread_mutex_lock(&mu);
    st.http_calls++;
    copy_str(st.method, sizeof st.method, server_http_method(r));
    copy_str(st.path, sizeof st.path, server_http_path(r));
    copy_str(st.query, sizeof st.query, server_http_query(r));
    copy_str(st.auth, sizeof st.auth, server_http_header(r, "Authorization"));
    copy_str(st.custom, sizeof st.custom, server_http_header(r, "x-custom-thing"));
    free(st.body);
    st.body = malloc(len + 1);
    memcpy(st.body, body, len);
    st.body[len] = '\0';
    st.body_len = len;
    pthread_mutex_unlock(&mu);

    const char *path = server_http_path(r);
    if (!strncmp(path, "/whip/", 6)) {
        server_http_respond(r, 201, "application/sdp", "Location: /whip/x/res1\r\nX-Two: 2\r\n",
                            "answer", 6);
    } else if (!strcmp(path, "/big")) {
        size_t n = 150 * 1024;
        char *big = malloc(n);
        for (size_t i = 0; i < n; i++)
            big[i] = (char)('a' + i % 26);
        server_http_respond(r, 200, "text/plain", NULL, big, n);
        free(big); /* the server must have taken a copy */
    } else if (!strcmp(path, "/nothing")) {
        server_http_respond(r, 204, NULL, NULL, NULL, 0);
    } else if (!strcmp(path, "/later")) {
        atomic_store(&st.ticket, server_http_defer(r)); /* answered from on_wake */
    } else {
        server_http_respond(r, 404, "text/plain", NULL, "not found\n", 10);
    }
}

static void on_ws_open(void *ud, server_conn *c)
{
    (void)ud;
    server_conn_set_user(c, c);
    pthread_mutex_lock(&mu);
    st.ws_open++;
    pthread_mutex_unlock(&mu);
}

static void on_ws_message(void *ud, server_conn *c, const char *msg, size_t len)
{
    (void)ud;
    pthread_mutex_lock(&mu);
    st.ws_messages++;
    st.last_len = len;
    pthread_mutex_unlock(&mu);
    if (server_conn_user(c) != c) return;
    if (len == 5 && !memcmp(msg, "flood", 5)) {
        /* 5 MiB queued within one callback: over the 4 MiB cap before any write can happen. */
        static char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < 80; i++)
            server_conn_send(c, chunk, sizeof chunk);
    } else if (len == 3 && !memcmp(msg, "bye", 3)) {
        server_conn_send(c, "ok", 2);
        server_conn_close(c, 1000, "bye");
    } else {
        server_conn_send(c, msg, len);
    }
}

static void on_ws_close(void *ud, server_conn *c)
{
    (void)ud;
    (void)c;
    pthread_mutex_lock(&mu);
    st.ws_close++;
    pthread_mutex_unlock(&mu);
}

static void on_wake(void *ud)
{
    (void)ud;
    atomic_store(&st.woke_on_service_thread, pthread_equal(pthread_self(), st.service_thread));
    atomic_fetch_add(&st.woke, 1);
    uint64_t ticket = atomic_load(&st.ticket);
    if (!ticket || !atomic_exchange(&st.answer_now, false)) return;
    atomic_store(&st.ticket, 0);
    server_http *r = server_http_resume(srv, ticket);
    if (!r) {
        atomic_fetch_add(&st.gone, 1);
        return;
    }
    server_http_respond(r, 200, "text/plain", "X-Later: yes\r\n", "answered later", 14);
    atomic_fetch_add(&st.answered, 1);
}

static int run_rc = -99;

static void *service(void *arg)
{
    run_rc = server_run(arg);
    return NULL;
}

static int counter(int *field)
{
    pthread_mutex_lock(&mu);
    int v = *field;
    pthread_mutex_unlock(&mu);
    return v;
}

/* ---------------------------------------------------------------- sockets */

static int port;

static int dial(void)
{
    return raw_dial(port);
}

/* ---------------------------------------------------------------- websocket client */

static int ws_connect(const char *path, const char *protocol, char *head, size_t cap)
{
    int fd = dial();
    char req[512];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s%s%s"
             "\r\n",
             path, protocol ? "Sec-WebSocket-Protocol: " : "", protocol ? protocol : "",
             protocol ? "\r\n" : "");
    if (fd < 0 || !send_all(fd, req, strlen(req)) || !read_head(fd, head, cap)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static bool ws_send(int fd, bool fin, int opcode, const void *payload, size_t len)
{
    uint8_t hdr[14];
    size_t h = 0;
    hdr[h++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        hdr[h++] = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (uint8_t)(len >> 8);
        hdr[h++] = (uint8_t)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(hdr + h, mask, 4);
    h += 4;
    uint8_t *buf = malloc(h + len);
    memcpy(buf, hdr, h);
    for (size_t i = 0; i < len; i++)
        buf[h + i] = ((const uint8_t *)payload)[i] ^ mask[i % 4];
    bool ok = send_all(fd, buf, h + len);
    free(buf);
    return ok;
}

/* One whole frame from the server (which never masks); returns the payload length or -1. */
static long ws_recv(int fd, int *opcode, char *buf, size_t cap)
{
    uint8_t h[2];
    if (!recv_exact(fd, h, 2)) return -1;
    *opcode = h[0] & 0x0f;
    uint64_t len = h[1] & 0x7f;
    if (len == 126) {
        uint8_t e[2];
        if (!recv_exact(fd, e, 2)) return -1;
        len = (uint64_t)e[0] << 8 | e[1];
    } else if (len == 127) {
        uint8_t e[8];
        if (!recv_exact(fd, e, 8)) return -1;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | e[i];
    }
    char *tmp = malloc(len ? len : 1);
    bool ok = recv_exact(fd, tmp, len);
    if (ok) memcpy(buf, tmp, len < cap ? len : cap);
    free(tmp);
    return ok ? (long)len : -1;
}

/* ---------------------------------------------------------------- setup */

static char root[64];

static void write_file(const char *rel, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    fputs(content, f);
    fclose(f);
}

static void make_root(void)
{
    snprintf(root, sizeof root, "/tmp/dh_test_server_XXXXXX");
    if (!mkdtemp(root)) abort();
    char dir[128];
    snprintf(dir, sizeof dir, "%s/js", root);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/vendor", root);
    mkdir(dir, 0700);
    write_file("index.html", "<!doctype html><title>dienhong</title>\n");
    write_file("js/a.js", "export const a = 1;\n");
    write_file(".secret", "hidden\n");
    /* Larger than one write, so the body goes out over several writable callbacks. */
    char *big = malloc(200001);
    for (int i = 0; i < 200000; i++)
        big[i] = (char)('A' + i % 26);
    big[200000] = '\0';
    write_file("vendor/big.js", big);
    free(big);
}

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", root);
}

/* ---------------------------------------------------------------- tests */

static void test_static(void)
{
    int fd = dial();
    response r;
    char v[256], etag[64];
    CHECK(request(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    CHECK_STR(head_value(r.head, "content-type", v, sizeof v), "text/html; charset=utf-8");
    CHECK_STR(r.body, "<!doctype html><title>dienhong</title>\n");
    CHECK_STR(head_value(r.head, "cache-control", v, sizeof v), "no-cache");
    CHECK_STR(head_value(r.head, "x-content-type-options", v, sizeof v), "nosniff");
    CHECK(strstr(head_value(r.head, "content-security-policy", v, sizeof v), "default-src 'self'"));
    head_value(r.head, "etag", etag, sizeof etag);
    CHECK(etag[0] == '"');
    free(r.body);

    /* Same connection: keep-alive works, and a matching tag gives 304 with no body. */
    char req[256];
    snprintf(req, sizeof req, "GET /index.html HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n",
             etag);
    CHECK(request(fd, req, &r));
    CHECK_EQ(r.status, 304);
    CHECK_STR(head_value(r.head, "etag", v, sizeof v), etag);
    free(r.body);
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\", W/%s\r\n\r\n",
             etag);
    CHECK(request(fd, req, &r));
    CHECK_EQ(r.status, 304);
    free(r.body);
    CHECK(request(fd, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"other\"\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    free(r.body);

    CHECK(request(fd, "GET /js/a.js HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    CHECK_STR(head_value(r.head, "content-type", v, sizeof v), "text/javascript; charset=utf-8");
    CHECK_STR(head_value(r.head, "content-security-policy", v, sizeof v), "");
    CHECK_STR(r.body, "export const a = 1;\n");
    free(r.body);

    CHECK(request(fd, "HEAD /js/a.js HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    CHECK_STR(head_value(r.head, "content-length", v, sizeof v), "20");
    free(r.body);

    CHECK(request(fd, "GET /vendor/big.js HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    CHECK_EQ(r.body_len, 200000);
    CHECK(r.body_len == 200000 && r.body[0] == 'A' && r.body[199999] == 'A' + 199999 % 26);
    free(r.body);
    close(fd);
}

static void test_not_from_disk(void)
{
    const char *paths[] = {"/../etc/passwd", "/%2e%2e/etc/passwd", "/js/../../x",
                           "/.secret",       "/js/../.secret",     "/nope.html"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int before = counter(&st.http_calls);
        int fd = dial();
        char req[256];
        response r;
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i]);
        CHECK(request(fd, req, &r));
        CHECK_EQ(r.status, 404);
        CHECK_STR(r.body, "not found\n");
        CHECK_EQ(counter(&st.http_calls), before + 1);
        free(r.body);
        close(fd);
    }
}

static void test_methods(void)
{
    int fd = dial();
    response r;
    char v[128];
    const char *post = "POST /whip/x?room=abc&n=1 HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer tok123\r\nX-Custom-Thing: yes\r\n"
                       "Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\no=- 1";
    CHECK(request(fd, post, &r));
    CHECK_EQ(r.status, 201);
    CHECK_STR(head_value(r.head, "location", v, sizeof v), "/whip/x/res1");
    CHECK_STR(head_value(r.head, "x-two", v, sizeof v), "2");
    CHECK_STR(head_value(r.head, "content-type", v, sizeof v), "application/sdp");
    CHECK_STR(head_value(r.head, "x-content-type-options", v, sizeof v), "nosniff");
    CHECK_STR(r.body, "answer");
    free(r.body);
    pthread_mutex_lock(&mu);
    CHECK_STR(st.method, "POST");
    CHECK_STR(st.path, "/whip/x");
    CHECK_STR(st.query, "room=abc&n=1");
    CHECK_STR(st.auth, "Bearer tok123");
    CHECK_STR(st.custom, "yes");
    CHECK_STR(st.body, "v=0\r\no=- 1");
    pthread_mutex_unlock(&mu);

    const char *reqs[][2] = {
        {"DELETE /whip/x/res1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n", "DELETE"},
        {"PATCH /whip/x/res1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd", "PATCH"},
        {"OPTIONS /whip/x HTTP/1.1\r\nHost: x\r\n\r\n", "OPTIONS"},
        {"PUT /whip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", "PUT"},
        {"HEAD /whip/x HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD"},
        {"POST /whip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "POST"},
        {"GET /whip/x HTTP/1.1\r\nHost: x\r\n\r\n", "GET"},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        int before = counter(&st.http_calls);
        CHECK(request(fd, reqs[i][0], &r)); /* all on one keep-alive connection */
        CHECK_EQ(r.status, 201);
        CHECK_EQ(counter(&st.http_calls), before + 1);
        pthread_mutex_lock(&mu);
        CHECK_STR(st.method, reqs[i][1]);
        if (!strcmp(reqs[i][1], "PATCH")) CHECK_STR(st.body, "abcd");
        if (!strcmp(reqs[i][1], "HEAD")) CHECK_EQ(r.body_len, 0);
        pthread_mutex_unlock(&mu);
        free(r.body);
    }

    /* A large dynamic body, copied by the server and written over several callbacks. */
    CHECK(request(fd, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    CHECK_EQ(r.body_len, 150 * 1024);
    CHECK(r.body_len == 150 * 1024 && r.body[150 * 1024 - 1] == 'a' + (150 * 1024 - 1) % 26);
    free(r.body);
    CHECK(request(fd, "DELETE /nothing HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 204);
    free(r.body);
    close(fd);

    /* Expect: 100-continue gets the interim answer before the body is sent. */
    fd = dial();
    const char *expect = "POST /whip/z HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                         "Expect: 100-continue\r\n\r\n";
    CHECK(send_all(fd, expect, strlen(expect)));
    char interim[256];
    CHECK(read_head(fd, interim, sizeof interim));
    CHECK(!strncmp(interim, "HTTP/1.1 100", 12));
    CHECK(send_all(fd, "sdp", 3));
    CHECK(read_response(fd, &r, false));
    CHECK_EQ(r.status, 201);
    free(r.body);
    pthread_mutex_lock(&mu);
    CHECK_STR(st.body, "sdp");
    pthread_mutex_unlock(&mu);
    close(fd);

    /* A POST without Content-Length has no body; lws 4.1 cannot reuse the connection after it. */
    fd = dial();
    CHECK(request(fd, "POST /whip/y HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 201);
    CHECK_STR(head_value(r.head, "connection", v, sizeof v), "close");
    CHECK(peer_closed(fd));
    pthread_mutex_lock(&mu);
    CHECK_STR(st.path, "/whip/y");
    CHECK_EQ(st.body_len, 0);
    pthread_mutex_unlock(&mu);
    free(r.body);
    close(fd);
}

static void test_too_large_body(void)
{
    int before = counter(&st.http_calls);
    int fd = dial();
    size_t n = 70 * 1024;
    char head[128];
    snprintf(head, sizeof head, "POST /whip/x HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
             n);
    char *body = malloc(n);
    memset(body, 'b', n);
    CHECK(send_all(fd, head, strlen(head)) && send_all(fd, body, n));
    free(body);
    response r;
    CHECK(read_response(fd, &r, false));
    CHECK_EQ(r.status, 413);
    free(r.body);
    /* The body was drained, so the connection is still good for the next request. */
    CHECK(request(fd, "GET /js/a.js HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 200);
    free(r.body);
    close(fd);

    /* Announced far over the limit: answered at once, before any body is read, then closed. */
    fd = dial();
    CHECK(request(fd, "POST /whip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n", &r));
    CHECK_EQ(r.status, 413);
    CHECK(peer_closed(fd));
    free(r.body);
    close(fd);

    /* Too large with Expect: refused before the client sends the body. */
    fd = dial();
    CHECK(request(fd,
                  "POST /whip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n"
                  "Expect: 100-continue\r\n\r\n",
                  &r));
    CHECK_EQ(r.status, 413);
    CHECK(peer_closed(fd));
    free(r.body);
    close(fd);

    /* Chunked bodies are not decoded by lws 4.1: refused rather than misread. */
    fd = dial();
    CHECK(request(fd,
                  "POST /whip/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "2\r\nhi\r\n0\r\n\r\n",
                  &r));
    CHECK_EQ(r.status, 411);
    free(r.body);
    close(fd);
    CHECK_EQ(counter(&st.http_calls), before);
}

static void test_websocket(void)
{
    char head[1024], v[128], buf[256];
    int op;
    int opened = counter(&st.ws_open);
    int fd = ws_connect("/ws", "dienhong.v1", head, sizeof head);
    CHECK(fd >= 0);
    CHECK(!strncmp(head, "HTTP/1.1 101", 12));
    CHECK_STR(head_value(head, "sec-websocket-accept", v, sizeof v),
              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK_STR(head_value(head, "sec-websocket-protocol", v, sizeof v), "dienhong.v1");

    CHECK(ws_send(fd, true, 1, "hello", 5));
    long n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 1);
    CHECK(n == 5 && !memcmp(buf, "hello", 5));
    /* Checked after the echo: lws sends the 101 before it runs ESTABLISHED. */
    CHECK_EQ(counter(&st.ws_open), opened + 1);

    /* An empty message is a message too. */
    CHECK(ws_send(fd, true, 1, "", 0));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK(op == 1 && n == 0);

    /* Three frames, with a ping between them, reach the handler as one message. */
    int msgs = counter(&st.ws_messages);
    CHECK(ws_send(fd, false, 1, "abc", 3));
    CHECK(ws_send(fd, false, 0, "def", 3));
    CHECK(ws_send(fd, true, 9, "p", 1));
    CHECK(ws_send(fd, true, 0, "ghi", 3));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 10); /* the pong comes first */
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 1);
    CHECK(n == 9 && !memcmp(buf, "abcdefghi", 9));
    CHECK_EQ(counter(&st.ws_messages), msgs + 1);

    /* A 60 KiB message is under the limit and comes back whole. */
    size_t mid = 60 * 1024;
    char *big = malloc(100 * 1024);
    memset(big, 'm', 100 * 1024);
    CHECK(ws_send(fd, true, 1, big, mid));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(n, (long)mid);

    CHECK(ws_send(fd, true, 2, "\x01\x02", 2));
    n = ws_recv(fd, &op, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_STR(buf, "{\"id\":null,\"error\":{\"code\":\"bad_request\","
                   "\"message\":\"binary frames are not accepted\"}}");

    /* 100 KiB: the error, then a close frame with 1009. */
    msgs = counter(&st.ws_messages);
    CHECK(ws_send(fd, true, 1, big, 100 * 1024));
    n = ws_recv(fd, &op, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK_EQ(op, 1);
    CHECK(strstr(buf, "{\"id\":null,\"error\":{\"code\":\"too_large\"") == buf);
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 8);
    CHECK(n >= 2 && (((uint8_t)buf[0] << 8) | (uint8_t)buf[1]) == 1009);
    CHECK_EQ(counter(&st.ws_messages), msgs);
    free(big);
    close(fd);

    /* No subprotocol named: accepted all the same. */
    fd = ws_connect("/ws", NULL, head, sizeof head);
    CHECK(fd >= 0 && !strncmp(head, "HTTP/1.1 101", 12));
    CHECK(ws_send(fd, true, 1, "plain", 5));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK(n == 5 && !memcmp(buf, "plain", 5));
    /* server_conn_close from the handler: queued messages first, then the close frame. */
    CHECK(ws_send(fd, true, 1, "bye", 3));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK(op == 1 && n == 2 && !memcmp(buf, "ok", 2));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 8);
    CHECK(n == 5 && (((uint8_t)buf[0] << 8) | (uint8_t)buf[1]) == 1000 &&
          !memcmp(buf + 2, "bye", 3));
    close(fd);

    /* A client that does not read while 5 MiB is queued for it is closed. */
    fd = ws_connect("/ws", "dienhong.v1", head, sizeof head);
    CHECK(ws_send(fd, true, 1, "flood", 5));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 8);
    CHECK(n >= 2 && (((uint8_t)buf[0] << 8) | (uint8_t)buf[1]) == 1008);
    close(fd);

    /* Upgrades anywhere else are refused. */
    fd = ws_connect("/other", "dienhong.v1", head, sizeof head);
    CHECK(fd < 0 || strncmp(head, "HTTP/1.1 101", 12) != 0);
    if (fd >= 0) close(fd);

    /* A client close: ws_close runs once for every opened connection. */
    fd = ws_connect("/ws", "dienhong.v1", head, sizeof head);
    CHECK(ws_send(fd, true, 8, "\x03\xe8", 2));
    n = ws_recv(fd, &op, buf, sizeof buf);
    CHECK_EQ(op, 8);
    close(fd);
    for (int i = 0; i < 200 && counter(&st.ws_close) != counter(&st.ws_open); i++)
        usleep(10000);
    CHECK_EQ(counter(&st.ws_close), counter(&st.ws_open));
    CHECK_EQ(counter(&st.ws_open), opened + 4);
}

static void test_wake(void)
{
    server_wake(srv);
    for (int i = 0; i < 200 && !atomic_load(&st.woke); i++)
        usleep(10000);
    CHECK_EQ(atomic_load(&st.woke), 1);
    CHECK(atomic_load(&st.woke_on_service_thread));
}

/* A deferred request: the handler returns without an answer, the server goes on serving others,
 * and the answer given later (from the wake, on the service thread) reaches the client, whose
 * connection then serves further requests. An answer to a client that left meanwhile (lws may
 * not notice before it writes) harms nothing. */
static bool wait_ticket(void)
{
    for (int i = 0; i < 200 && !atomic_load(&st.ticket); i++)
        usleep(10000);
    return atomic_load(&st.ticket) != 0;
}

static void answer_later(void)
{
    atomic_store(&st.answer_now, true);
    server_wake(srv);
}

static void test_deferred(void)
{
    response r;
    int fd = dial();
    const char later[] = "GET /later HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(send_all(fd, later, strlen(later)));
    CHECK(wait_ticket());
    int other = dial();
    CHECK(request(other, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 204);
    free(r.body);
    close(other);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    CHECK_EQ(poll(&pfd, 1, 300), 0); /* nothing yet */

    answer_later();
    CHECK(read_response(fd, &r, false));
    CHECK_EQ(r.status, 200);
    CHECK(r.body && !strcmp(r.body, "answered later"));
    char v[16];
    CHECK(!strcmp(head_value(r.head, "x-later", v, sizeof v), "yes"));
    CHECK_EQ(atomic_load(&st.answered), 1);
    free(r.body);
    CHECK(request(fd, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 204);
    free(r.body);
    close(fd);

    fd = dial();
    CHECK(send_all(fd, later, strlen(later)));
    CHECK(wait_ticket());
    close(fd);
    usleep(100000);
    answer_later();
    for (int i = 0; i < 200 && atomic_load(&st.gone) + atomic_load(&st.answered) < 2; i++)
        usleep(10000);
    CHECK_EQ(atomic_load(&st.gone) + atomic_load(&st.answered), 2);
    fd = dial();
    CHECK(request(fd, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", &r));
    CHECK_EQ(r.status, 204);
    free(r.body);
    close(fd);
}

/* ---------------------------------------------------------------- TLS */

static bool make_cert(const char *cert_path, const char *key_path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    bool ok = key && x;
    if (ok) {
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        X509_NAME *n = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                                   -1, 0);
        X509_set_issuer_name(x, n);
        ok = X509_sign(x, key, EVP_sha256()) > 0;
    }
    FILE *cf = fopen(cert_path, "w"), *kf = fopen(key_path, "w");
    ok = ok && cf && kf && PEM_write_X509(cf, x) &&
         PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL);
    if (cf) fclose(cf);
    if (kf) fclose(kf);
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

/* The same server over TLS: a static file and a websocket echo, and HTTP/1.1 as the only ALPN. */
static void test_tls(void)
{
    char cert[128], key[128];
    snprintf(cert, sizeof cert, "%s/.cert.pem", root);
    snprintf(key, sizeof key, "%s/.key.pem", root);
    CHECK(make_cert(cert, key));
    server_config cfg = {
        .host = "127.0.0.1", .port = 0, .tls_cert = cert, .tls_key = key, .web_root = root};
    server_handlers h = {.ws_message = on_ws_message, .http_request = on_http};
    server *ts = server_new(&cfg, &h);
    CHECK(ts != NULL);
    if (!ts) return;
    int saved_port = port;
    port = server_port(ts);
    pthread_t t;
    pthread_create(&t, NULL, service, ts);

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    SSL_set_alpn_protos(ssl, alpn, sizeof alpn - 1);
    int fd = dial();
    SSL_set_fd(ssl, fd);
    CHECK_EQ(SSL_connect(ssl), 1);
    const unsigned char *proto = NULL;
    unsigned plen = 0;
    SSL_get0_alpn_selected(ssl, &proto, &plen);
    CHECK(plen == 8 && !memcmp(proto, "http/1.1", 8));
    const char *req = "GET /js/a.js HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK_EQ(SSL_write(ssl, req, (int)strlen(req)), (int)strlen(req));
    char buf[2048] = "";
    size_t got = 0;
    while (got < sizeof buf - 1 && !strstr(buf, "export const a = 1;")) {
        int n = SSL_read(ssl, buf + got, (int)(sizeof buf - 1 - got));
        if (n <= 0) break;
        got += (size_t)n;
        buf[got] = '\0';
    }
    CHECK(!strncmp(buf, "HTTP/1.1 200", 12));
    CHECK(strstr(buf, "export const a = 1;") != NULL);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);

    /* Plain HTTP on the TLS port gets no HTTP answer. */
    fd = dial();
    response r;
    CHECK(!request(fd, "GET /js/a.js HTTP/1.1\r\nHost: x\r\n\r\n", &r) || r.status != 200);
    free(r.body);
    close(fd);

    server_stop(ts);
    pthread_join(t, NULL);
    CHECK_EQ(run_rc, 0);
    server_free(ts);
    port = saved_port;
}

int main(void)
{
    make_root();
    server_config cfg = {.host = "127.0.0.1", .port = 0, .web_root = root};
    server_handlers h = {.ws_open = on_ws_open,
                         .ws_message = on_ws_message,
                         .ws_close = on_ws_close,
                         .http_request = on_http,
                         .wake = on_wake};
    srv = server_new(&cfg, &h);
    CHECK(srv != NULL);
    if (!srv) CHECK_DONE();
    port = server_port(srv);
    CHECK(port > 0);
    pthread_t t;
    pthread_create(&t, NULL, service, srv);
    st.service_thread = t;

    test_static();
    test_not_from_disk();
    test_methods();
    test_too_large_body();
    test_websocket();
    test_wake();
    test_deferred();

    /* An open websocket at stop: its ws_close comes from server_free. */
    char head[512];
    int fd = ws_connect("/ws", "dienhong.v1", head, sizeof head);
    server_stop(srv);
    pthread_join(t, NULL);
    CHECK_EQ(run_rc, 0);
    server_free(srv);
    CHECK_EQ(st.ws_close, st.ws_open);
    if (fd >= 0) close(fd);
    test_tls();
    free(st.body);
    remove_root();
    CHECK_DONE();
}
