/* See http_util.h. */
#include "signaling/http_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "signaling/documents.h"
#include "signaling/hub.h"
#include "signaling/static_files.h"

void http_send_json(server_http *r, int status, const char *headers, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (!text)
        server_http_respond(r, 500, "text/plain; charset=utf-8", NULL, "internal error\n", 15);
    else
        server_http_respond(r, status, "application/json", headers, text, strlen(text));
    free(text);
    json_decref(doc);
}

void http_send_error(server_http *r, int status, const char *code, const char *message)
{
    http_send_json(r, status, NULL,
                   json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

int http_query_value(const char *q, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    while (q && *q) {
        size_t n = strcspn(q, "&");
        if (n > klen && strncmp(q, key, klen) == 0 && q[klen] == '=') {
            size_t vlen = n - klen - 1;
            if (vlen >= cap) return -1;
            memcpy(out, q + klen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
        q += n;
        if (*q == '&') q++;
    }
    return 0;
}

int http_authenticate(hub *h, server_http *r, bool allow_query, token_claims *c)
{
    const char *auth = server_http_header(r, "authorization");
    char qtok[TOKEN_MAX_LEN + 1];
    const char *tok = NULL;
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
        tok = auth + 7;
    else if (allow_query && http_query_value(server_http_query(r), "token", qtok, sizeof qtok) == 1)
        tok = qtok;
    if (tok && hub_check_token(h, tok, NULL, c) == TOKEN_OK) return 0;
    h->counters.auth_failures++;
    http_send_error(r, 401, "unauthorized", "a valid token is needed");
    return 401;
}

bool http_archive_reader(const token_claims *c)
{
    return c->role == ROLE_ADMIN ||
           (c->role == ROLE_CLERK && strcmp(c->meeting, HTTP_ARCHIVE_MEETING) == 0);
}

void http_actor(const token_claims *c, store_actor *a)
{
    a->role = c->role;
    snprintf(a->site, sizeof a->site, "%s", c->site);
    snprintf(a->token_id, sizeof a->token_id, "%s", c->id);
}

http_file_result http_send_file(server_http *r, int fd, uint64_t size, const char *type,
                                const char *etag, const char *extra, uint64_t *first)
{
    if (first) *first = 0;
    char headers[1600];
    int hn = snprintf(headers, sizeof headers,
                      "ETag: %s\r\nCache-Control: private\r\nAccept-Ranges: bytes\r\n"
                      "%sReferrer-Policy: no-referrer\r\n",
                      etag, extra ? extra : "");
    /* Too long for the buffer (an absurd extra): the answer goes without the optional lines. */
    size_t used = hn > 0 && (size_t)hn < sizeof headers ? (size_t)hn : 0;
    if (!used) headers[0] = '\0';

    if (static_etag_matches(server_http_header(r, "if-none-match"), etag)) {
        close(fd);
        server_http_respond(r, 304, NULL, headers, NULL, 0);
        return HTTP_FILE_NOT_MODIFIED;
    }
    /* A Range applies only to the bytes the client has (If-Range), else the whole file goes. */
    const char *range = server_http_header(r, "range");
    const char *if_range = server_http_header(r, "if-range");
    if (if_range && strcmp(if_range, etag) != 0) range = NULL;
    uint64_t off = 0, len = size;
    switch (doc_range_parse(range, size, &off, &len)) {
    case DOC_RANGE_PARTIAL:
        snprintf(headers + used, sizeof headers - used, "Content-Range: bytes %llu-%llu/%llu\r\n",
                 (unsigned long long)off, (unsigned long long)(off + len - 1),
                 (unsigned long long)size);
        if (first) *first = off;
        server_http_respond_file(r, 206, type, headers, fd, off, len);
        return HTTP_FILE_PARTIAL;
    case DOC_RANGE_UNSATISFIABLE:
        close(fd);
        snprintf(headers + used, sizeof headers - used, "Content-Range: bytes */%llu\r\n",
                 (unsigned long long)size);
        server_http_respond(r, 416, "text/plain; charset=utf-8", headers, "range not satisfiable\n",
                            22);
        return HTTP_FILE_UNSATISFIABLE;
    case DOC_RANGE_WHOLE:
    default:
        server_http_respond_file(r, 200, type, headers, fd, 0, size);
        return HTTP_FILE_WHOLE;
    }
}
