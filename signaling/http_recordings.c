/* The clerk's side of recordings (docs/recording.md): finding an archived meeting, its recordings,
 * playing and saving their exported files, and checking a file against the signed manifest.
 *
 *   GET /api/archive?from=YYYY-MM-DD&to=YYYY-MM-DD&q=text  stored meetings by day and title
 *   GET /api/archive/{meeting}                  the meeting's record (record_json) and recordings
 *   GET /api/meetings/{meeting}/recordings      the recordings of a meeting and their files
 *   GET /api/recordings/{file}[?download=1]     one exported file: ETag, Range (a <video> seeks)
 *   GET /api/recordings/{file}/verify           that file against manifest.json and its signature
 *
 * Who: a clerk, chair or operator token of the meeting; a clerk token of meeting "_hub" (an archive
 * clerk) and an admin token, for every meeting. Sites and observers get 403 whatever they ask for.
 * A meeting or file the token may not read gets the same 404 as one that does not exist, so an id
 * never tells whether it exists elsewhere. A file is found through its row: the directory is the
 * recording's (chosen by the hub), the name the exporter's; nothing from the request is a path. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder/manifest.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/archive_text.h"
#include "signaling/documents.h"
#include "signaling/http_util.h"
#include "signaling/hub.h"

#define ARCHIVE_PATH "/api/archive"
#define RECORDINGS_PREFIX "/api/recordings/"
#define ARCHIVE_MAX_RESULTS 200
#define ARCHIVE_QUERY_MAX 200 /* bytes of ?q= */

/* ---- who may read what ---- */

static bool may_read(const token_claims *c, const char *mid)
{
    return http_archive_reader(c) || strcmp(c->meeting, mid) == 0;
}

/* Authenticates and checks the role: 0 with the claims, else the refusal has been answered. A
 * refused role is written to the audit log: a site asking for recordings is worth knowing of. */
static int reader(hub *h, server_http *r, bool allow_query, token_claims *c)
{
    if (http_authenticate(h, r, allow_query, c) != 0) return 401;
    if (c->role == ROLE_CLERK || c->role == ROLE_CHAIR || c->role == ROLE_OPERATOR ||
        c->role == ROLE_ADMIN)
        return 0;
    store_actor a;
    http_actor(c, &a);
    char detail[STORE_TEXT_MAX + 1];
    snprintf(detail, sizeof detail, "%s %.160s by a token of role %s", server_http_method(r),
             server_http_path(r), role_name(c->role));
    if (store_audit_append(h->db, util_unix_time(), c->meeting, &a, "refused", detail) != 0)
        LOGE("recordings", "audit log: %s", store_error(h->db));
    http_send_error(r, 403, "forbidden", "only clerks, the chair and operators read recordings");
    return 403;
}

static bool id_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

/* A meeting id as tokens carry it: [A-Za-z0-9_-]{1,64}. */
static bool meeting_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > STORE_REF_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!id_char(s[i])) return false;
    return true;
}

/* A file id: "f-" and 16 letters or digits. */
static bool file_id_ok(const char *s, size_t n)
{
    if (n != STORE_REC_ID_LEN || s[0] != 'f' || s[1] != '-') return false;
    for (size_t i = 2; i < n; i++)
        if (!id_char(s[i]) || s[i] == '-' || s[i] == '_') return false;
    return true;
}

static void store_failed(hub *h, server_http *r, const char *what)
{
    LOGE("recordings", "%s: %s", what, store_error(h->db));
    http_send_error(r, 500, "internal", "the store cannot be read");
}

/* ---- JSON ---- */

static json_t *file_json(const store_recording_file *f)
{
    char url[sizeof RECORDINGS_PREFIX + STORE_REC_ID_LEN];
    snprintf(url, sizeof url, RECORDINGS_PREFIX "%s", f->id);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "id", f->id, "kind",
                     f->kind, "site", f->site, "name", f->name, "file", f->file, "type", f->type,
                     "size", (json_int_t)f->size, "duration_ms", (json_int_t)f->duration_ms,
                     "sha256", f->sha256, "url", url);
}

static int add_file(void *ud, const store_recording_file *f)
{
    json_array_append_new(ud, file_json(f));
    return 0;
}

typedef struct rec_list {
    hub *h;
    json_t *arr;
    bool failed;
} rec_list;

static int add_recording(void *ud, const store_recording *rec)
{
    rec_list *l = ud;
    json_t *files = json_array();
    if (store_recording_files_list(l->h->db, rec->id, add_file, files) != 0) {
        json_decref(files);
        l->failed = true;
        return 1;
    }
    json_array_append_new(l->arr, json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:o}", "id",
                                            rec->id, "state", store_rec_state_name(rec->state),
                                            "progress", rec->progress, "reason", rec->reason,
                                            "started_at", (json_int_t)rec->started_at, "stopped_at",
                                            (json_int_t)rec->stopped_at, "dropped",
                                            (json_int_t)rec->dropped, "files", files));
    return 0;
}

/* The recordings of a meeting, newest first, each with its files; NULL when the store failed. */
static json_t *recordings_json(hub *h, const char *mid)
{
    rec_list l = {.h = h, .arr = json_array()};
    if (store_recording_list(h->db, mid, -1, add_recording, &l) != 0 || l.failed) {
        json_decref(l.arr);
        return NULL;
    }
    return l.arr;
}

/* ---- GET /api/archive: search ---- */

typedef struct rec_summary {
    size_t count;
    const char *state; /* of the newest; NULL when none */
    int progress;
} rec_summary;

static int summarize(void *ud, const store_recording *rec)
{
    rec_summary *s = ud;
    if (s->count++ == 0) {
        s->state = store_rec_state_name(rec->state);
        s->progress = rec->progress;
    }
    return 0;
}

static json_t *archive_entry(hub *h, const store_meeting *m)
{
    rec_summary s = {0};
    if (store_recording_list(h->db, m->id, -1, summarize, &s) != 0) return NULL;
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:o, s:i}", "id", m->id, "title", m->title,
                     "starts_at", (json_int_t)m->starts_at, "ends_at", (json_int_t)m->ends_at,
                     "state", store_meeting_state_name(m->state), "recordings", (json_int_t)s.count,
                     "recording_state", s.state ? json_string(s.state) : json_null(), "progress",
                     s.progress);
}

/* The stored meetings meeting [from, to) (all of them for an archive clerk; only its own for a
 * meeting's token), newest first. NULL with *n = SIZE_MAX when the store failed. */
static store_meeting *candidates(hub *h, const token_claims *c, int64_t from, int64_t to, size_t *n)
{
    *n = SIZE_MAX;
    if (!http_archive_reader(c)) {
        store_meeting *one = calloc(1, sizeof *one);
        int rc = one ? store_meeting_get(h->db, c->meeting, one) : -1;
        bool in_range = rc == 0 && one->starts_at < to &&
                        (one->ends_at > from || one->starts_at >= from); /* as the store's list */
        if (rc < 0) {
            free(one);
            return NULL;
        }
        *n = in_range ? 1 : 0;
        return one;
    }
    size_t cap = 256, total = 0;
    store_meeting *ms = NULL;
    for (;;) {
        store_meeting *grown = realloc(ms, cap * sizeof *ms);
        if (!grown || store_meeting_list(h->db, from, to, grown, cap, &total) != 0) {
            free(grown ? grown : ms);
            return NULL;
        }
        ms = grown;
        if (total <= cap) break;
        cap = total; /* grew meanwhile: asked again with room for all */
    }
    /* The store gives them by starting time; a clerk looks for the latest first. */
    for (size_t i = 0; i < total / 2; i++) {
        store_meeting tmp = ms[i];
        ms[i] = ms[total - 1 - i];
        ms[total - 1 - i] = tmp;
    }
    *n = total;
    return ms;
}

static void archive_search(hub *h, server_http *r)
{
    token_claims c;
    if (reader(h, r, false, &c) != 0) return;
    const char *q = server_http_query(r);
    char from_s[16] = "", to_s[16] = "", text[ARCHIVE_QUERY_MAX + 1] = "";
    int64_t from = INT64_MIN, to = INT64_MAX;
    if (http_query_value(q, "from", from_s, sizeof from_s) < 0 ||
        http_query_value(q, "to", to_s, sizeof to_s) < 0 ||
        (from_s[0] && !archive_parse_day(from_s, &from)) ||
        (to_s[0] && !archive_parse_day(to_s, &to)))
        return http_send_error(r, 400, "bad_date", "from and to are days: YYYY-MM-DD");
    if (to != INT64_MAX) to += 86400; /* `to` names the last day searched, whole */
    if (http_query_value(q, "q", text, sizeof text) < 0)
        return http_send_error(r, 400, "bad_query", "q is at most 200 bytes");
    char needle[ARCHIVE_QUERY_MAX + 1], hay[STORE_TITLE_MAX + 1];
    archive_fold(text, needle, sizeof needle);

    size_t n;
    store_meeting *ms = candidates(h, &c, from, to, &n);
    if (n == SIZE_MAX) return store_failed(h, r, "archive search");
    json_t *arr = json_array();
    size_t matched = 0;
    for (size_t i = 0; i < n; i++) {
        archive_fold(ms[i].title, hay, sizeof hay);
        if (needle[0] && !strstr(hay, needle)) continue;
        if (++matched > ARCHIVE_MAX_RESULTS) continue; /* counted, not listed */
        json_t *e = archive_entry(h, &ms[i]);
        if (!e) {
            free(ms);
            json_decref(arr);
            return store_failed(h, r, "archive recordings");
        }
        json_array_append_new(arr, e);
    }
    free(ms);
    http_send_json(r, 200, NULL,
                   json_pack("{s:o, s:I, s:b}", "meetings", arr, "matched", (json_int_t)matched,
                             "more", matched > ARCHIVE_MAX_RESULTS));
}

/* ---- one meeting ---- */

/* GET /api/meetings/{meeting}/recordings, and GET /api/archive/{meeting} (with the record). */
static void meeting_recordings(hub *h, server_http *r, const char *mid, bool with_record)
{
    token_claims c;
    if (reader(h, r, false, &c) != 0) return;
    if (!may_read(&c, mid)) return http_send_error(r, 404, "not_found", "no such meeting");
    json_t *recs = recordings_json(h, mid);
    if (!recs) return store_failed(h, r, "recordings list");
    if (!with_record)
        return http_send_json(r, 200, NULL,
                              json_pack("{s:s, s:o}", "meeting", mid, "recordings", recs));
    /* The archive names only meetings that were: stored, or recorded (a meeting named by its
     * tokens alone). */
    store_meeting m;
    int rc = store_meeting_get(h->db, mid, &m);
    if (rc < 0) {
        json_decref(recs);
        return store_failed(h, r, "archive meeting");
    }
    if (rc == 1 && json_array_size(recs) == 0) {
        json_decref(recs);
        return http_send_error(r, 404, "not_found", "no such meeting");
    }
    json_t *doc = record_json(h, mid);
    json_object_set_new(doc, "recordings", recs);
    http_send_json(r, 200, NULL, doc);
}

/* ---- one file ---- */

/* The file's row and its recording's, for a token that may read them: 0; else answered. */
static int find_file(hub *h, server_http *r, const char *fid, bool allow_query, token_claims *c,
                     store_recording_file *f, store_recording *rec)
{
    if (reader(h, r, allow_query, c) != 0) return -1;
    int rc = store_recording_file_get(h->db, fid, f);
    if (rc == 0) rc = store_recording_get(h->db, f->recording, rec);
    if (rc < 0) {
        store_failed(h, r, "recording file");
        return -1;
    }
    if (rc == 1 || !may_read(c, rec->meeting)) {
        http_send_error(r, 404, "not_found", "no such recording file");
        return -1;
    }
    if (rec->state == STORE_REC_DELETED) {
        http_send_error(r, 410, "deleted", "the recording was deleted after its retention period");
        return -1;
    }
    return 0;
}

/* Opens RECORDINGS/<recording>/export/<file> for reading: both parts come from the store, and the
 * name is refused unless it is one plain name. The descriptor with its status, or -1. */
static int open_export(const store_recording *rec, const store_recording_file *f, struct stat *st)
{
    if (!f->file[0] || f->file[0] == '.' || strchr(f->file, '/') || rec->dir[0] != '/') {
        errno = EINVAL;
        return -1;
    }
    char path[PATH_MAX];
    int pn = snprintf(path, sizeof path, "%s/export/%s", rec->dir, f->file);
    if (pn < 0 || (size_t)pn >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* The row's type goes into a header: anything but plain printable ASCII is not sent as is. */
static const char *safe_type(const char *t)
{
    for (const char *p = t; *p; p++)
        if (*p < 0x20 || *p > 0x7E) return "application/octet-stream";
    return t[0] ? t : "application/octet-stream";
}

static void serve_file(hub *h, server_http *r, const char *fid)
{
    token_claims c;
    store_recording_file f;
    store_recording rec;
    if (find_file(h, r, fid, true, &c, &f, &rec) != 0) return;
    struct stat st;
    int fd = open_export(&rec, &f, &st);
    if (fd < 0) {
        LOGE("recordings", "%s: %s/export/%s cannot be opened: %s", fid, rec.dir, f.file,
             strerror(errno));
        return http_send_error(r, 500, "internal", "the recording's file is missing or damaged");
    }
    /* The tag names these bytes as they are on disk (the file, its size and its last change): a
     * player resuming with If-Range after the file changed gets the whole new file. */
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s-%llx-%llx\"", f.id, (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    char dl[8] = "";
    bool attachment = http_query_value(server_http_query(r), "download", dl, sizeof dl) == 1 &&
                      strcmp(dl, "1") == 0;
    char name[STORE_REF_MAX + sizeof f.file + 2], enc[sizeof name * 3 + 1], extra[sizeof enc + 64];
    snprintf(name, sizeof name, "%s-%s", rec.meeting, f.file);
    if (doc_pct_encode(name, strlen(name), enc, sizeof enc) < 0)
        snprintf(enc, sizeof enc, "%s", fid);
    snprintf(extra, sizeof extra, "Content-Disposition: %s; filename*=UTF-8''%s\r\n",
             attachment ? "attachment" : "inline", enc);

    uint64_t first = 0;
    http_file_result res =
        http_send_file(r, fd, (uint64_t)st.st_size, safe_type(f.type), etag, extra, &first);
    /* One entry when a file is fetched or starts playing, none per range a playing video asks
     * for afterwards (a seek), nor for a revalidation or a HEAD. */
    bool fetched = res == HTTP_FILE_WHOLE || (res == HTTP_FILE_PARTIAL && first == 0);
    if (!fetched || strcmp(server_http_method(r), "GET") != 0) return;
    store_actor a;
    http_actor(&c, &a);
    char detail[STORE_TEXT_MAX + 1];
    snprintf(detail, sizeof detail, "%s %s (%s%s%s) of %s, %lld bytes, %s", f.id, f.file, f.kind,
             f.site[0] ? " " : "", f.site, rec.id, (long long)st.st_size,
             attachment ? "downloaded" : "opened");
    if (store_audit_append(h->db, util_unix_time(), rec.meeting, &a, "recording.download",
                           detail) != 0)
        LOGE("recordings", "audit log: %s", store_error(h->db));
}

/* ---- GET /api/recordings/{file}/verify ---- */

/* DATA, the directory of the store's DATA/dienhong.db, where the recording key is kept. */
static int data_dir_of(const char *store_file, char *out, size_t cap)
{
    const char *slash = strrchr(store_file, '/');
    int n = slash ? snprintf(out, cap, "%.*s", (int)(slash - store_file), store_file)
                  : snprintf(out, cap, ".");
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* What the answer to a verify request needs once its check is done. */
typedef struct verify_ctx {
    char file_id[STORE_REC_ID_LEN + 1], file[MANIFEST_NAME_MAX];
    char recording[STORE_REC_ID_LEN + 1], meeting[STORE_REF_MAX + 1];
    store_actor actor;
} verify_ctx;

/* The file on disk against the export's signed manifest. Hashing reads the whole file (about a
 * second per GB), so it runs on a thread of its own (verify_jobs.h) and the request is answered
 * when it is done (http_recordings_poll). */
static void verify_file(hub *h, server_http *r, const char *fid)
{
    token_claims c;
    store_recording_file f;
    store_recording rec;
    if (find_file(h, r, fid, false, &c, &f, &rec) != 0) return;
    char data[PATH_MAX], export_dir[PATH_MAX], err[256] = "";
    int en = snprintf(export_dir, sizeof export_dir, "%s/export", rec.dir);
    sign_key *key = NULL;
    if (data_dir_of(store_path(h->db), data, sizeof data) != 0 || en < 0 ||
        (size_t)en >= sizeof export_dir ||
        !(key = sign_key_load_or_create(data, err, sizeof err))) {
        LOGE("recordings", "verify %s: no recording key: %s", fid, err);
        return http_send_error(r, 500, "internal", "the hub's recording key cannot be read");
    }
    verify_ctx *vc = calloc(1, sizeof *vc);
    if (!vc) {
        sign_key_free(key);
        return http_send_error(r, 500, "internal", "out of memory");
    }
    snprintf(vc->file_id, sizeof vc->file_id, "%s", f.id);
    snprintf(vc->file, sizeof vc->file, "%s", f.file);
    snprintf(vc->recording, sizeof vc->recording, "%s", rec.id);
    snprintf(vc->meeting, sizeof vc->meeting, "%s", rec.meeting);
    http_actor(&c, &vc->actor);
    uint64_t ticket = server_http_defer(r);
    if (verify_jobs_start(h->verify, ticket, export_dir, f.file, key, vc) != 0) {
        free(vc);
        return http_send_error(r, 503, "busy", "other files are being checked: try again soon");
    }
}

static void verify_done(hub *h, const verify_result *v)
{
    const verify_ctx *vc = v->ctx;
    const manifest_check_result *res = &v->res;
    /* Who checked which file, and what the hub found: part of the file's chain of custody, also
     * when the clerk did not wait for the answer. */
    char detail[STORE_TEXT_MAX + 1];
    snprintf(detail, sizeof detail, "%s %s of %s: %s", vc->file_id, vc->file, vc->recording,
             v->rc < 0            ? "could not be checked"
             : v->rc == 0         ? "authentic"
             : !res->signature_ok ? "manifest signature not valid"
             : !res->listed       ? "not in the manifest"
             : !res->present      ? "missing"
                                  : "changed since the export");
    if (store_audit_append(h->db, util_unix_time(), vc->meeting, &vc->actor, "recording.verify",
                           detail) != 0)
        LOGE("recordings", "audit log: %s", store_error(h->db));
    server_http *r = server_http_resume(h->srv, v->ticket);
    if (v->rc < 0) {
        LOGE("recordings", "verify %s (%s): %s", vc->file_id, vc->file, v->err);
        if (r) http_send_error(r, 500, "internal", "the file cannot be checked");
        return;
    }
    if (!r) return;
    json_t *doc = json_pack(
        "{s:s, s:b, s:b, s:b, s:b, s:o, s:o, s:o, s:o}", "file", vc->file_id, "ok", v->rc == 0,
        "signature_ok", res->signature_ok, "listed", res->listed, "present", res->present,
        "sha256_expected", res->listed ? json_string(res->listed_as.sha256) : json_null(),
        "sha256_actual", res->present ? json_string(res->disk_sha256) : json_null(),
        "size_expected", res->listed ? json_integer(res->listed_as.size) : json_null(),
        "size_actual", res->present ? json_integer(res->disk_size) : json_null());
    http_send_json(r, 200, NULL, doc);
}

void http_recordings_poll(hub *h)
{
    if (!h->verify) return;
    verify_result done[VERIFY_JOBS_MAX];
    size_t n = verify_jobs_poll(h->verify, done, VERIFY_JOBS_MAX);
    for (size_t i = 0; i < n; i++) {
        verify_done(h, &done[i]);
        free(done[i].ctx);
    }
}

/* ---- routing ---- */

static bool method_is(server_http *r, bool head_too)
{
    const char *m = server_http_method(r);
    if (strcmp(m, "GET") == 0 || (head_too && strcmp(m, "HEAD") == 0)) return true;
    server_http_respond(r, 405, "text/plain; charset=utf-8",
                        head_too ? "Allow: GET, HEAD\r\n" : "Allow: GET\r\n",
                        "method not allowed\n", 19);
    return false;
}

static void file_route(hub *h, server_http *r, const char *rest)
{
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    char fid[STORE_REC_ID_LEN + 1];
    bool verify = slash && strcmp(slash, "/verify") == 0;
    if (!file_id_ok(rest, n) || (slash && !verify))
        return http_send_error(r, 404, "not_found", "no such recording file");
    memcpy(fid, rest, n);
    fid[n] = '\0';
    if (!method_is(r, !verify)) return;
    if (verify) return verify_file(h, r, fid);
    serve_file(h, r, fid);
}

bool http_recordings_route(hub *h, server_http *r)
{
    const char *path = server_http_path(r);
    char mid[STORE_REF_MAX + 1];
    if (strcmp(path, ARCHIVE_PATH) == 0) {
        if (method_is(r, false)) archive_search(h, r);
        return true;
    }
    if (strncmp(path, ARCHIVE_PATH "/", sizeof ARCHIVE_PATH) == 0) {
        const char *a = path + sizeof ARCHIVE_PATH;
        if (!meeting_id_ok(a, strlen(a)))
            http_send_error(r, 404, "not_found", "no such meeting");
        else if (method_is(r, false)) {
            memcpy(mid, a, strlen(a) + 1);
            meeting_recordings(h, r, mid, true);
        }
        return true;
    }
    if (strcmp(path, "/api/recordings") == 0) {
        http_send_error(r, 404, "not_found", "no such recording file");
        return true;
    }
    if (strncmp(path, RECORDINGS_PREFIX, sizeof RECORDINGS_PREFIX - 1) == 0) {
        file_route(h, r, path + sizeof RECORDINGS_PREFIX - 1);
        return true;
    }
    static const char meetings[] = "/api/meetings/", tail[] = "/recordings";
    if (strncmp(path, meetings, sizeof meetings - 1) != 0) return false;
    const char *a = path + sizeof meetings - 1, *slash = strchr(a, '/');
    if (!slash || strcmp(slash, tail) != 0 || !meeting_id_ok(a, (size_t)(slash - a))) return false;
    memcpy(mid, a, (size_t)(slash - a));
    mid[slash - a] = '\0';
    if (method_is(r, false)) meeting_recordings(h, r, mid, false);
    return true;
}
