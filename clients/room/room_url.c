/* ws:// and wss:// addresses of the hub. Only what a websocket client needs: no user info, no
 * query rewriting; the path (with any query) goes to the server as written. */
#include "room_config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errcap, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

static bool host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_';
}

static bool path_char(char ch)
{
    /* Printable ASCII except space, quotes and the fragment mark. */
    return ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\'' && ch != '#' && ch != '\\';
}

int room_url_parse(const char *text, room_url *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    const char *p;
    if (strncasecmp(text, "ws://", 5) == 0) {
        p = text + 5;
        out->port = 80;
    } else if (strncasecmp(text, "wss://", 6) == 0) {
        p = text + 6;
        out->tls = true;
        out->port = 443;
    } else {
        FAIL("expected ws://HOST[:PORT]/PATH or wss://...");
    }

    const char *host = p, *host_end;
    if (*p == '[') { /* IPv6 literal */
        host = ++p;
        while (*p && *p != ']' && *p != '/') {
            if (!(host_char(*p) || *p == ':')) FAIL("bad character in IPv6 address");
            p++;
        }
        if (*p != ']') FAIL("missing ']' after IPv6 address");
        host_end = p++;
    } else {
        while (*p && host_char(*p))
            p++;
        host_end = p;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0) FAIL("no host");
    if (hlen >= sizeof out->host) FAIL("host longer than %zu bytes", sizeof out->host - 1);
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';

    if (*p == ':') {
        p++;
        long port = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 6) {
            port = port * 10 + (*p++ - '0');
            digits++;
        }
        if (digits == 0 || port < 1 || port > 65535) FAIL("port must be 1-65535");
        out->port = (int)port;
    }

    if (*p == '\0') {
        snprintf(out->path, sizeof out->path, "/");
        return 0;
    }
    if (*p != '/') FAIL("unexpected character after the host");
    size_t plen = strlen(p);
    if (plen >= sizeof out->path) FAIL("path longer than %zu bytes", sizeof out->path - 1);
    for (size_t i = 0; i < plen; i++)
        if (!path_char(p[i])) FAIL("bad character in path at offset %zu", i);
    memcpy(out->path, p, plen + 1);
    return 0;
}
