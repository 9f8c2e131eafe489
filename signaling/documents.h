/* Documents of a paperless meeting: what the chair or an operator uploads (PDF, PNG, JPEG) and
 * every participant reads.
 *
 * Three parts, each usable alone:
 * - content checks: the body of an upload must be what its Content-Type says (network input,
 *   fuzzed by tests/fuzz/fuzz_doctype.c), and the small parsers of the HTTP route (titles, file
 *   names, Range);
 * - storage by content hash: DIR/documents/ab/cdef....bin, the path made from the SHA-256 alone,
 *   so no name a client sends ever reaches the filesystem, and the same bytes are kept once;
 * - the HTTP route (http_documents.c), with the metadata in the store (store_documents.c).
 *
 * Nothing here keeps state; everything runs on the signaling thread. */
#ifndef DH_DOCUMENTS_H
#define DH_DOCUMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOC_MAX_SIZE ((size_t)50 << 20) /* bytes of one upload; more: 413 */
#define DOC_TAIL 1024      /* "%%EOF" (PDF) and FF D9 (JPEG) must be in the last DOC_TAIL bytes */
#define DOC_SHA_HEX_LEN 64 /* lower-case hex */
#define DOC_TITLE_MAX 255  /* bytes of UTF-8 */
#define DOC_ITEM_MAX 64    /* agenda item: [A-Za-z0-9_-]{0,64} */
#define DOC_ID_LEN 18      /* "d-" + 16 of [A-Za-z0-9] */
#define DOC_DIR_NAME "documents"

/* ---- content checks ---- */

typedef enum { DOC_TYPE_NONE = 0, DOC_TYPE_PDF, DOC_TYPE_PNG, DOC_TYPE_JPEG } doc_type;

/* "application/pdf", "image/png", "image/jpeg"; NULL for DOC_TYPE_NONE. */
const char *doc_type_mime(doc_type t);
/* "a PDF document", "a PNG image", "a JPEG image", "" for DOC_TYPE_NONE: for messages. */
const char *doc_type_label(doc_type t);
/* The type a Content-Type value names: case-insensitive, spaces around it and parameters after
 * ';' ignored. DOC_TYPE_NONE for a NULL value and for every other type. */
doc_type doc_type_from_mime(const char *content_type);
/* NULL when the bytes are what `t` says, else why not (a static sentence fragment, e.g. "it does
 * not start with \"%PDF-\""):
 * - PDF: starts with "%PDF-", has "%%EOF" in its last DOC_TAIL bytes;
 * - PNG: the 8-byte signature, then the IHDR chunk (13 bytes long) as the spec requires;
 * - JPEG: starts with FF D8 FF (SOI and the next marker), has FF D9 (EOI) in its last DOC_TAIL
 *   bytes. */
const char *doc_check(doc_type t, const uint8_t *p, size_t len);
/* The one type whose checks the bytes pass (the signatures exclude each other), or NONE. */
doc_type doc_sniff(const uint8_t *p, size_t len);

/* ---- small parsers of the HTTP route ---- */

/* Percent-decodes in (RFC 3986: "%41" is 'A'; '+' stays '+') into out[cap], NUL-terminated, the
 * length in *outlen. -1 when a '%' is not followed by two hex digits, when a %00 would put a NUL
 * inside the text, or when it does not fit. */
int doc_pct_decode(const char *in, char *out, size_t cap, size_t *outlen);
/* Percent-encodes len bytes of in for a filename*=UTF-8''... parameter (RFC 8187: everything but
 * the attr-chars A-Z a-z 0-9 !#$&+-.^_`|~ is encoded). The length written, or -1 when it does not
 * fit in cap (which counts the NUL). */
int doc_pct_encode(const char *in, size_t len, char *out, size_t cap);
/* The file name a Content-Disposition value carries: filename*=UTF-8''<pct> first (RFC 6266),
 * else filename="quoted" (backslash escapes) or filename=token. What precedes the last '/' or
 * '\\' is dropped (old browsers sent whole paths). 0 with out NUL-terminated and *outlen, -1 when
 * there is none or it does not fit. */
int doc_disposition_filename(const char *value, char *out, size_t cap, size_t *outlen);
/* NULL when s[len] may be a title: 1 to DOC_TITLE_MAX bytes of UTF-8 without control characters;
 * else why not. */
const char *doc_title_check(const char *s, size_t len);
bool doc_item_ok(const char *s);    /* [A-Za-z0-9_-]{0,64} */
bool doc_id_ok(const char *s);      /* "d-" + 16 of [A-Za-z0-9] */
bool doc_sha_hex_ok(const char *s); /* 64 of [0-9a-f] */

typedef enum {
    DOC_RANGE_WHOLE = 0,     /* no Range, or one answered with the whole file (200) */
    DOC_RANGE_PARTIAL,       /* one satisfiable range: 206, *off and *len set */
    DOC_RANGE_UNSATISFIABLE, /* 416, with a Content-Range that gives the size only */
} doc_range;

/* One Range header value against a file of `size` bytes (RFC 9110 section 14): "bytes=a-b",
 * "bytes=a-" and "bytes=-n" (the last n). Several ranges, another unit, or a malformed value are
 * answered with the whole file, as the RFC allows; a first byte at or past the end, or a suffix
 * of 0, is unsatisfiable. */
doc_range doc_range_parse(const char *value, uint64_t size, uint64_t *off, uint64_t *len);

/* ---- storage by content hash ---- */

/* SHA-256 of the bytes, as 64 lower-case hex digits and a NUL. */
void doc_sha256_hex(const uint8_t *p, size_t len, char out[DOC_SHA_HEX_LEN + 1]);
/* dir/ab/cdef....bin for the hash ab cdef... (64 hex digits). -1 when sha is not 64 lower-case
 * hex digits or the path does not fit. */
int doc_blob_path(const char *dir, const char *sha_hex, char *out, size_t cap);
/* Keeps the bytes under their SHA-256 in dir (DIR/documents, created 0700 when missing): a
 * temporary file in the same directory, written and synced, then renamed over the final name, so
 * a reader or a crash sees the whole file or none. When a file of that size is already there,
 * nothing is written and *existed is true. The hash goes into sha_hex. 0, or -1 with the reason
 * in err. */
int doc_blob_put(const char *dir, const uint8_t *p, size_t len, char sha_hex[DOC_SHA_HEX_LEN + 1],
                 bool *existed, char *err, size_t errcap);
/* Opens the blob of that hash for reading (O_NOFOLLOW): the descriptor and its size, or -1 with
 * errno set (EINVAL for a malformed hash). */
int doc_blob_open(const char *dir, const char *sha_hex, uint64_t *size);
/* DIR/documents for the store's DIR/dienhong.db. -1 when it does not fit. */
int doc_dir_for_store(const char *store_path, char *out, size_t cap);

/* ---- the HTTP route (http_documents.c) ---- */

typedef struct hub hub;
typedef struct server_http server_http;

/* POST and GET /api/meetings/{meeting}/documents, GET and HEAD /api/documents/{id}: true when the
 * request was one of them (and has been answered). Anything under /api/documents/ is answered,
 * 404 when it is not a document id. */
bool http_documents_route(hub *h, server_http *r);
/* For server_handlers.http_body_limit: the head of a request announcing a body over
 * SERVER_MAX_HTTP_BODY. An upload to /api/meetings/{meeting}/documents by a chair or operator
 * token of that meeting may send up to DOC_MAX_SIZE; any other caller is answered now (401, 403,
 * 415) so that no large body is read for nothing. 0 (the default limit) for every other route. */
size_t http_documents_body_limit(hub *h, server_http *r, uint64_t announced);

#endif
