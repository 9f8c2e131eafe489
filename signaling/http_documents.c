/* The documents API: the chair or an operator uploads a PDF, PNG or JPEG to a meeting; every token
 * of that meeting lists and reads them.
 *
 *   POST /api/meetings/{meeting}/documents[?item=...]   the raw file as the body
 *   GET  /api/meetings/{meeting}/documents              the list, newest title first
 *   GET  /api/documents/{id}[?token=...]                the file: ETag, Range, If-None-Match
 *
 * Ids in URLs are checked against a strict alphabet and only compared; a file is found by the hash
 * its row holds, never by anything in the request. A token of another meeting reading a document
 * gets 404, as an unknown id does: an id's existence is never revealed. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/documents.h"
#include "signaling/http_util.h"
#include "signaling/hub.h"

#define MEETINGS_PREFIX "/api/meetings/"
#define DOCUMENTS_PREFIX "/api/documents/"

static void not_found(server_http *r)
{
    http_send_error(r, 404, "not_found", "no such document");
}

/* "/api/meetings/{meeting}/documents": the meeting id into mid; false for any other path. */
static bool upload_path(const char *path, char mid[STORE_REF_MAX + 1])
{
    static const char tail[] = "/documents";
    if (strncmp(path, MEETINGS_PREFIX, sizeof MEETINGS_PREFIX - 1) != 0) return false;
    const char *a = path + sizeof MEETINGS_PREFIX - 1;
    const char *slash = strchr(a, '/');
    if (!slash || strcmp(slash, tail) != 0) return false;
    size_t n = (size_t)(slash - a);
    if (n == 0 || n > STORE_REF_MAX) return false;
    memcpy(mid, a, n);
    mid[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!((mid[i] >= 'a' && mid[i] <= 'z') || (mid[i] >= 'A' && mid[i] <= 'Z') ||
              (mid[i] >= '0' && mid[i] <= '9') || mid[i] == '-' || mid[i] == '_'))
            return false;
    return true;
}

/* Everything about an upload that the head tells: the token, its role, the meeting's state, the
 * type. True when the body may come; else the refusal is answered. */
static bool upload_allowed(hub *h, server_http *r, const char *mid, token_claims *c)
{
    if (http_authenticate(h, r, false, c) != 0) return false;
    if (strcmp(c->meeting, mid) != 0 || (c->role != ROLE_CHAIR && c->role != ROLE_OPERATOR)) {
        store_actor a;
        http_actor(c, &a);
        char detail[160];
        snprintf(detail, sizeof detail, "document upload by a %s token of meeting %s",
                 role_name(c->role), c->meeting);
        if (store_audit_append(h->db, util_unix_time(), mid, &a, "refused", detail) != 0)
            LOGE("documents", "audit log: %s", store_error(h->db));
        http_send_error(r, 403, "forbidden",
                        strcmp(c->meeting, mid) != 0
                            ? "the token is for another meeting"
                            : "only the chair or an operator of the meeting uploads documents");
        return false;
    }
    store_meeting m;
    int rc = store_meeting_get(h->db, mid, &m);
    if (rc < 0) {
        LOGE("documents", "meeting %s: %s", mid, store_error(h->db));
        http_send_error(r, 500, "internal", "the store cannot be read");
        return false;
    }
    if (rc == 0 && m.state == STORE_MEETING_CLOSED) {
        http_send_error(r, 409, "meeting_closed", "the meeting is closed; its record is final");
        return false;
    }
    if (doc_type_from_mime(server_http_header(r, "content-type")) == DOC_TYPE_NONE) {
        http_send_error(r, 415, "unsupported_type",
                        "Content-Type must be application/pdf, image/png or image/jpeg");
        return false;
    }
    return true;
}

size_t http_documents_body_limit(hub *h, server_http *r, uint64_t announced)
{
    (void)announced; /* over DOC_MAX_SIZE, the server answers 413 itself */
    char mid[STORE_REF_MAX + 1];
    if (strcmp(server_http_method(r), "POST") != 0 || !upload_path(server_http_path(r), mid))
        return 0;
    token_claims c;
    return upload_allowed(h, r, mid, &c) ? DOC_MAX_SIZE : 0;
}

static json_t *doc_json(const store_document *d)
{
    char url[sizeof DOCUMENTS_PREFIX + STORE_DOC_ID_LEN];
    snprintf(url, sizeof url, DOCUMENTS_PREFIX "%s", d->id);
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:I, s:s}", "id", d->id, "title",
                     d->title, "version", (json_int_t)d->version, "type", d->type, "size",
                     (json_int_t)d->size, "sha256", d->sha256, "item", d->item, "uploaded_at",
                     (json_int_t)d->uploaded_at, "url", url);
}

/* The title: X-Document-Title (percent-decoded UTF-8), else Content-Disposition's file name. */
static const char *read_title(server_http *r, char *out, size_t cap)
{
    const char *xt = server_http_header(r, "x-document-title");
    size_t n = 0;
    if (xt) {
        if (doc_pct_decode(xt, out, cap, &n) != 0)
            return "X-Document-Title is not percent-encoded UTF-8 text of at most 255 bytes";
    } else {
        const char *cd = server_http_header(r, "content-disposition");
        if (!cd || doc_disposition_filename(cd, out, cap, &n) != 0)
            return "a title is needed: X-Document-Title, or a file name in Content-Disposition";
    }
    return doc_title_check(out, n);
}

static void upload(hub *h, server_http *r, const char *mid)
{
    token_claims c;
    if (!upload_allowed(h, r, mid, &c)) return;
    doc_type t = doc_type_from_mime(server_http_header(r, "content-type"));
    size_t len;
    const uint8_t *body = server_http_body(r, &len);
    if (len > DOC_MAX_SIZE) return http_send_error(r, 413, "too_large", "at most 50 MiB");
    const char *why = doc_check(t, body, len);
    if (why) {
        char msg[256];
        doc_type seen = doc_sniff(body, len);
        snprintf(msg, sizeof msg, "the body is not %s: %s%s%s", doc_type_label(t), why,
                 seen ? "; it looks like " : "", seen ? doc_type_label(seen) : "");
        return http_send_error(r, 415, "content_mismatch", msg);
    }
    char title[DOC_TITLE_MAX * 3 + 1];
    why = read_title(r, title, sizeof title);
    if (why) return http_send_error(r, 400, "bad_title", why);
    char item[DOC_ITEM_MAX + 2] = "";
    if (http_query_value(server_http_query(r), "item", item, sizeof item) < 0 || !doc_item_ok(item))
        return http_send_error(r, 400, "bad_item",
                               "item is up to 64 of A-Z, a-z, 0-9, '_' and '-'");

    char dir[PATH_MAX], err[PATH_MAX + 128] = "";
    store_document d = {.size = (int64_t)len};
    bool existed = false, same = false;
    if (doc_dir_for_store(store_path(h->db), dir, sizeof dir) != 0 ||
        doc_blob_put(dir, body, len, d.sha256, &existed, err, sizeof err) != 0) {
        LOGE("documents", "cannot store an upload to %s: %s", mid, err);
        return http_send_error(r, 500, "internal", "the document cannot be stored");
    }
    snprintf(d.meeting, sizeof d.meeting, "%s", mid);
    snprintf(d.item, sizeof d.item, "%s", item);
    memcpy(d.title, title, strlen(title) + 1); /* checked: at most DOC_TITLE_MAX bytes */
    snprintf(d.type, sizeof d.type, "%s", doc_type_mime(t));
    http_actor(&c, &d.uploader);
    int64_t now = util_unix_time();
    if (store_document_add(h->db, &d, now, &same) != 0) {
        LOGE("documents", "cannot record an upload to %s: %s", mid, store_error(h->db));
        return http_send_error(r, 500, "internal", "the document cannot be recorded");
    }
    /* The audit detail holds 255 bytes: the title is cut on a character boundary. */
    char detail[STORE_TEXT_MAX + 1];
    size_t tcut = strlen(d.title);
    if (tcut > 120) {
        tcut = 120;
        while (tcut && ((unsigned char)d.title[tcut] & 0xC0) == 0x80)
            tcut--;
    }
    int dn = snprintf(detail, sizeof detail, "%s v%u %s %lld bytes sha256 %.16s%s: %.*s", d.id,
                      d.version, d.type, (long long)d.size, d.sha256,
                      same ? " (same bytes again)" : "", (int)tcut, d.title);
    (void)dn; /* a cut detail is still a detail */
    if (store_audit_append(h->db, now, mid, &d.uploader, "document.upload", detail) != 0)
        LOGE("documents", "audit log: %s", store_error(h->db));
    LOGI("documents", "%s: %s %s (%lld bytes%s)", mid, same ? "same again" : "uploaded", d.id,
         (long long)d.size, existed ? ", bytes already stored" : "");
    /* Everyone in the live meeting learns of a new document or version (meeting_docs.c). */
    if (!same) meeting_document_added(h, &d);
    char headers[96];
    snprintf(headers, sizeof headers, "Location: " DOCUMENTS_PREFIX "%s\r\n", d.id);
    http_send_json(r, same ? 200 : 201, headers, doc_json(&d));
}

typedef struct list_state {
    json_t *arr;
    json_t *versions; /* of the title being listed */
    char title[STORE_DOC_TITLE_MAX + 1];
} list_state;

static int list_row(void *ud, const store_document *d)
{
    list_state *ls = ud;
    if (ls->versions && strcmp(ls->title, d->title) == 0) {
        json_array_append_new(ls->versions, doc_json(d));
        return 0;
    }
    json_t *entry = doc_json(d);
    ls->versions = json_array();
    json_object_set_new(entry, "versions", ls->versions);
    json_array_append_new(ls->arr, entry);
    snprintf(ls->title, sizeof ls->title, "%s", d->title);
    return 0;
}

static void list(hub *h, server_http *r, const char *mid)
{
    token_claims c;
    if (http_authenticate(h, r, false, &c) != 0) return;
    /* Like GET /api/meetings/{id}: someone else's meeting is not there (but the archive's is). */
    if (strcmp(c.meeting, mid) != 0 && !http_archive_reader(&c))
        return http_send_error(r, 404, "not_found", "no such meeting");
    list_state ls = {.arr = json_array()};
    if (store_document_list(h->db, mid, list_row, &ls) != 0) {
        json_decref(ls.arr);
        LOGE("documents", "list of %s: %s", mid, store_error(h->db));
        return http_send_error(r, 500, "internal", "the store cannot be read");
    }
    http_send_json(r, 200, NULL, ls.arr);
}

static void download(hub *h, server_http *r, const char *id)
{
    const char *method = server_http_method(r);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return server_http_respond(r, 405, "text/plain; charset=utf-8", "Allow: GET, HEAD\r\n",
                                   "method not allowed\n", 19);
    if (!doc_id_ok(id)) return not_found(r);
    token_claims c;
    if (http_authenticate(h, r, true, &c) != 0) return;
    store_document d;
    int rc = store_document_get(h->db, id, &d);
    if (rc < 0) {
        LOGE("documents", "get %s: %s", id, store_error(h->db));
        return http_send_error(r, 500, "internal", "the store cannot be read");
    }
    if (rc == 1 || (strcmp(d.meeting, c.meeting) != 0 && !http_archive_reader(&c)))
        return not_found(r);

    char dir[PATH_MAX];
    uint64_t size = 0;
    int fd = doc_dir_for_store(store_path(h->db), dir, sizeof dir) == 0
                 ? doc_blob_open(dir, d.sha256, &size)
                 : -1;
    if (fd < 0 || size != (uint64_t)d.size) {
        LOGE("documents", "%s: the file of sha256 %s is %s", id, d.sha256,
             fd < 0 ? "missing" : "of the wrong size");
        if (fd >= 0) close(fd);
        return http_send_error(r, 500, "internal", "the document's file is missing or damaged");
    }

    char etag[DOC_SHA_HEX_LEN + 3], fname[DOC_TITLE_MAX * 3 + 1];
    snprintf(etag, sizeof etag, "\"%s\"", d.sha256);
    if (doc_pct_encode(d.title, strlen(d.title), fname, sizeof fname) < 0)
        snprintf(fname, sizeof fname, "%s", d.id);
    char disposition[sizeof fname + 64];
    snprintf(disposition, sizeof disposition,
             "Content-Disposition: inline; filename*=UTF-8''%s\r\n", fname);
    /* Every id names one version: its bytes never change, so the SHA-256 is the entity tag. */
    http_send_file(r, fd, size, d.type, etag, disposition, NULL);
}

bool http_documents_route(hub *h, server_http *r)
{
    const char *path = server_http_path(r), *method = server_http_method(r);
    char mid[STORE_REF_MAX + 1];
    if (strcmp(path, "/api/documents") == 0) {
        download(h, r, "");
        return true;
    }
    if (strncmp(path, DOCUMENTS_PREFIX, sizeof DOCUMENTS_PREFIX - 1) == 0) {
        download(h, r, path + sizeof DOCUMENTS_PREFIX - 1);
        return true;
    }
    if (!upload_path(path, mid)) return false;
    if (strcmp(method, "POST") == 0)
        upload(h, r, mid);
    else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        list(h, r, mid);
    else
        server_http_respond(r, 405, "text/plain; charset=utf-8", "Allow: GET, POST\r\n",
                            "method not allowed\n", 19);
    return true;
}
