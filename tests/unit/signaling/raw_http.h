/* A raw HTTP/1.1 client over a blocking loopback socket, for the server's tests: what goes on the
 * wire is exactly what a test writes, and responses are read byte by byte as a client would. */
#ifndef DH_TEST_RAW_HTTP_H
#define DH_TEST_RAW_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static inline int raw_dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline bool send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static inline bool recv_exact(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        ssize_t n = recv(fd, p, len, 0);
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads up to and including the blank line that ends a head. */
static inline bool read_head(int fd, char *head, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (recv(fd, head + n, 1, 0) != 1) return false;
        n++;
        if (n >= 4 && !memcmp(head + n - 4, "\r\n\r\n", 4)) {
            head[n] = '\0';
            return true;
        }
    }
    return false;
}

/* The value of a header in a head, copied; "" when absent. */
static const char *head_value(const char *head, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t nlen = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2];
         line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2;
        if (!strncasecmp(l, name, nlen) && l[nlen] == ':') {
            const char *v = l + nlen + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            snprintf(out, cap, "%.*s", (int)(e - v), v);
            return out;
        }
    }
    return out;
}

typedef struct {
    int status;
    char head[4096];
    char *body;
    size_t body_len;
} response;

static inline bool read_response(int fd, response *r, bool head_only)
{
    memset(r, 0, sizeof *r);
    if (!read_head(fd, r->head, sizeof r->head)) return false;
    if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1) return false;
    char v[64];
    head_value(r->head, "content-length", v, sizeof v);
    size_t len = v[0] ? strtoul(v, NULL, 10) : 0;
    if (head_only || r->status == 304 || r->status == 204) len = 0;
    r->body = calloc(1, len + 1);
    r->body_len = len;
    return recv_exact(fd, r->body, len);
}

static inline bool request(int fd, const char *raw, response *r)
{
    return send_all(fd, raw, strlen(raw)) && read_response(fd, r, !strncmp(raw, "HEAD ", 5));
}

static inline bool peer_closed(int fd)
{
    char c;
    return recv(fd, &c, 1, 0) == 0;
}

#endif
