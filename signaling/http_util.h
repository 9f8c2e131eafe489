/* What the hub's JSON routes share: answering JSON and errors, reading the query, authenticating a
 * request, and sending a file from disk with ETag, If-None-Match, Range and If-Range. The
 * documents route (http_documents.c) and the recordings routes (http_recordings.c) both serve
 * files a browser plays or saves, so the rules for revalidation and ranges live here once.
 *
 * Everything runs on the signaling thread. */
#ifndef DH_HTTP_UTIL_H
#define DH_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/store.h"
#include "signaling/token.h"

typedef struct hub hub;
typedef struct server_http server_http;
typedef struct json_t json_t;

/* Answers doc (stolen; NULL answers 500) as compact JSON. `headers` as for server_http_respond. */
void http_send_json(server_http *r, int status, const char *headers, json_t *doc);
/* {"error": {"code": code, "message": message}} */
void http_send_error(server_http *r, int status, const char *code, const char *message);

/* The value of `key` in the query (lws hands it over decoded, its parts joined by '&') into
 * out[cap]. 1 when present, 0 when absent, -1 when longer than cap - 1. */
int http_query_value(const char *query, const char *key, char *out, size_t cap);

/* The token of the request: "Authorization: Bearer ...", or ?token=... where allow_query (so that
 * a browser's <video>, <embed> or <img> can fetch a file). 0 with the claims; else 401 has been
 * answered, counted as an authentication failure, and 401 is returned. */
int http_authenticate(hub *h, server_http *r, bool allow_query, token_claims *c);
/* An archive reader: a clerk whose token names the meeting "_hub" (the city's archive clerks) or
 * an admin. Such a token reads the records, documents and recordings of every meeting. */
#define HTTP_ARCHIVE_MEETING "_hub"
bool http_archive_reader(const token_claims *c);
/* The audit log's actor for a token. */
void http_actor(const token_claims *c, store_actor *a);

/* What http_send_file answered. */
typedef enum {
    HTTP_FILE_WHOLE = 0,     /* 200 */
    HTTP_FILE_PARTIAL,       /* 206 of one range */
    HTTP_FILE_NOT_MODIFIED,  /* 304: If-None-Match held the ETag */
    HTTP_FILE_UNSATISFIABLE, /* 416 */
} http_file_result;

/* Answers the request with `size` bytes of the open file fd (owned from the call on, closed in
 * every case), of Content-Type `type`. `etag` is the quoted entity tag: it names these exact bytes,
 * so that a Range with an If-Range of another tag gets the whole file. `extra` is header lines
 * added as they are ("Content-Disposition: ...\r\n") or NULL. Every answer carries ETag,
 * Cache-Control: private, Accept-Ranges: bytes and Referrer-Policy: no-referrer. A single range
 * (RFC 9110, doc_range_parse) is answered 206, one past the end 416, anything else 200. *first
 * (may be NULL) is the first byte sent: 0 unless 206. */
http_file_result http_send_file(server_http *r, int fd, uint64_t size, const char *type,
                                const char *etag, const char *extra, uint64_t *first);

#endif
