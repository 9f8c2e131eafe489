/* Recordings and their exported files. The hub writes a recording's row as it starts and stops;
 * the exporter (a child process, or `dienhong export`) writes progress and, at the end, the files
 * in one transaction, so a reader never sees half a list. */
#include <stdio.h>
#include <string.h>

#include "sfu/base/util.h"
#include "signaling/store_internal.h"

static const char *const state_names[] = {"recording", "stopped", "exporting",
                                          "ready",     "failed",  "deleted"};

const char *store_rec_state_name(store_rec_state s)
{
    return (unsigned)s < DH_ARRAY_LEN(state_names) ? state_names[s] : "unknown";
}

static store_rec_state state_from(const char *name)
{
    for (size_t i = 0; i < DH_ARRAY_LEN(state_names); i++)
        if (strcmp(name, state_names[i]) == 0) return (store_rec_state)i;
    return STORE_REC_FAILED;
}

/* "r-" or "f-" and 16 of [A-Za-z0-9]. */
static bool rec_id_ok(const char *id, char prefix)
{
    if (id[0] != prefix || id[1] != '-') return false;
    size_t n = 0;
    for (const char *p = id + 2; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return n == STORE_REC_ID_LEN - 2;
}

#define REC_COLUMNS "id, meeting, state, started_at, stopped_at, dir, reason, progress, dropped"

static void read_recording(sqlite3_stmt *s, store_recording *r)
{
    char state[16];
    memset(r, 0, sizeof *r);
    store_copy_col(r->id, sizeof r->id, s, 0);
    store_copy_col(r->meeting, sizeof r->meeting, s, 1);
    store_copy_col(state, sizeof state, s, 2);
    r->state = state_from(state);
    r->started_at = sqlite3_column_int64(s, 3);
    r->stopped_at = sqlite3_column_int64(s, 4);
    store_copy_col(r->dir, sizeof r->dir, s, 5);
    store_copy_col(r->reason, sizeof r->reason, s, 6);
    r->progress = sqlite3_column_int(s, 7);
    r->dropped = sqlite3_column_int64(s, 8);
}

int store_recording_add(store *st, const store_recording *r)
{
    if (!rec_id_ok(r->id, 'r')) return store_fail(st, "bad recording id");
    if (!store_ref_ok(r->meeting, STORE_REF_MAX, false)) return store_fail(st, "bad meeting id");
    size_t dl = strnlen(r->dir, sizeof r->dir);
    if (dl == 0 || dl == sizeof r->dir || r->dir[0] != '/')
        return store_fail(st, "recording directory must be an absolute path");
    sqlite3_stmt *s = store_stmt(st, SQ_REC_ADD,
                                 "INSERT INTO recordings (id, meeting, state, started_at, dir) "
                                 "VALUES (?1, ?2, 'recording', ?3, ?4)");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->meeting, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, r->started_at);
    sqlite3_bind_text(s, 4, r->dir, -1, SQLITE_STATIC);
    return store_step_done(st, s, "recording add");
}

int store_recording_update(store *st, const store_recording *r)
{
    size_t rl = strnlen(r->reason, sizeof r->reason);
    if (rl == sizeof r->reason) return store_fail(st, "reason is not terminated");
    /* The reason may quote the system (strerror), so it is checked like any text coming in. */
    if (store_text_check(st, "reason", r->reason, rl, STORE_TEXT_MAX, true) != 0) return -1;
    if (r->progress < 0 || r->progress > 100) return store_fail(st, "progress out of range");
    sqlite3_stmt *s = store_stmt(st, SQ_REC_UPDATE,
                                 "UPDATE recordings SET state = ?2, stopped_at = ?3, reason = ?4, "
                                 "progress = ?5, dropped = ?6 WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, store_rec_state_name(r->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, r->stopped_at);
    sqlite3_bind_text(s, 4, r->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, r->progress);
    sqlite3_bind_int64(s, 6, r->dropped);
    if (store_step_done(st, s, "recording update") != 0) return -1;
    return sqlite3_changes(st->db) == 1 ? 0 : store_fail(st, "no recording %s", r->id);
}

int store_recording_get(store *st, const char *id, store_recording *out)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_REC_GET, "SELECT " REC_COLUMNS " FROM recordings WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_recording(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : store_fail_db(st, "recording get");
}

/* Lists read a page of rows before calling back, so that a callback may use the store (the same
 * cached statement included) without resetting the one being read. */
enum { PAGE = 32 };

int store_recording_list(store *st, const char *meeting, int state, store_recording_fn fn, void *ud)
{
    store_recording rows[PAGE];
    for (int64_t offset = 0;; offset += PAGE) {
        sqlite3_stmt *s =
            store_stmt(st, SQ_REC_LIST,
                       "SELECT " REC_COLUMNS " FROM recordings "
                       "WHERE (?1 IS NULL OR meeting = ?1) AND (?2 IS NULL OR state = ?2) "
                       "ORDER BY started_at DESC, rowid DESC LIMIT ?3 OFFSET ?4");
        if (!s) return -1;
        if (meeting) sqlite3_bind_text(s, 1, meeting, -1, SQLITE_TRANSIENT);
        if (state >= 0)
            sqlite3_bind_text(s, 2, store_rec_state_name((store_rec_state)state), -1,
                              SQLITE_STATIC);
        sqlite3_bind_int(s, 3, PAGE);
        sqlite3_bind_int64(s, 4, offset);
        size_t n = 0;
        int rc = SQLITE_DONE;
        while (n < PAGE && (rc = sqlite3_step(s)) == SQLITE_ROW)
            read_recording(s, &rows[n++]);
        sqlite3_reset(s);
        if (n < PAGE && rc != SQLITE_DONE) return store_fail_db(st, "recording list");
        for (size_t i = 0; i < n; i++)
            if (fn(ud, &rows[i]) != 0) return 0;
        if (n < PAGE) return 0;
    }
}

static bool file_name_ok(const char *f)
{
    size_t n = strnlen(f, 64);
    if (n == 0 || n == 64 || f[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = f[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

#define FILE_COLUMNS "id, recording, kind, site, name, file, type, size, sha256, duration_ms"

static void read_file_row(sqlite3_stmt *s, store_recording_file *f)
{
    memset(f, 0, sizeof *f);
    store_copy_col(f->id, sizeof f->id, s, 0);
    store_copy_col(f->recording, sizeof f->recording, s, 1);
    store_copy_col(f->kind, sizeof f->kind, s, 2);
    store_copy_col(f->site, sizeof f->site, s, 3);
    store_copy_col(f->name, sizeof f->name, s, 4);
    store_copy_col(f->file, sizeof f->file, s, 5);
    store_copy_col(f->type, sizeof f->type, s, 6);
    f->size = sqlite3_column_int64(s, 7);
    store_copy_col(f->sha256, sizeof f->sha256, s, 8);
    f->duration_ms = sqlite3_column_int64(s, 9);
}

static int check_file(store *st, const store_recording_file *f)
{
    /* The file name becomes a path under the recording's directory: only our own alphabet. */
    if (!file_name_ok(f->file)) return store_fail(st, "bad exported file name");
    if (!store_ref_ok(f->kind, sizeof f->kind - 1, false)) return store_fail(st, "bad file kind");
    if (!store_ref_ok(f->site, STORE_REF_MAX, true)) return store_fail(st, "bad site");
    size_t nl = strnlen(f->name, sizeof f->name);
    if (nl == sizeof f->name) return store_fail(st, "name is not terminated");
    if (store_text_check(st, "name", f->name, nl, STORE_TEXT_MAX, true) != 0) return -1;
    if (strnlen(f->type, sizeof f->type) == sizeof f->type || !f->type[0])
        return store_fail(st, "bad file type");
    if (strnlen(f->sha256, sizeof f->sha256) != 64) return store_fail(st, "bad sha256");
    if (f->size < 0 || f->duration_ms < 0) return store_fail(st, "bad size or duration");
    return 0;
}

int store_recording_files_set(store *st, const char *recording, store_recording_file *files,
                              size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (check_file(st, &files[i]) != 0) return -1;
    if (store_tx_begin(st) != 0) return -1;
    sqlite3_stmt *del =
        store_stmt(st, SQ_REC_FILES_DEL, "DELETE FROM recording_files WHERE recording = ?1");
    if (!del) goto fail;
    sqlite3_bind_text(del, 1, recording, -1, SQLITE_STATIC);
    if (store_step_done(st, del, "recording files clear") != 0) goto fail;
    for (size_t i = 0; i < n; i++) {
        store_recording_file *f = &files[i];
        if (!f->id[0]) {
            char rnd[STORE_REC_ID_LEN - 1];
            util_random_token(rnd, sizeof rnd - 1);
            snprintf(f->id, sizeof f->id, "f-%s", rnd);
        }
        snprintf(f->recording, sizeof f->recording, "%s", recording);
        sqlite3_stmt *add =
            store_stmt(st, SQ_REC_FILE_ADD,
                       "INSERT INTO recording_files (id, recording, idx, kind, site, name, file, "
                       "type, size, sha256, duration_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        if (!add) goto fail;
        sqlite3_bind_text(add, 1, f->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 2, recording, -1, SQLITE_STATIC);
        sqlite3_bind_int64(add, 3, (sqlite3_int64)i);
        sqlite3_bind_text(add, 4, f->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 5, f->site, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 6, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 7, f->file, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 8, f->type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(add, 9, f->size);
        sqlite3_bind_text(add, 10, f->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(add, 11, f->duration_ms);
        if (store_step_done(st, add, "recording file add") != 0) goto fail;
    }
    return store_tx_commit(st);
fail:
    store_tx_rollback(st);
    return -1;
}

int store_recording_files_list(store *st, const char *recording, store_recording_file_fn fn,
                               void *ud)
{
    store_recording_file rows[PAGE];
    for (int64_t offset = 0;; offset += PAGE) {
        sqlite3_stmt *s = store_stmt(st, SQ_REC_FILES_LIST,
                                     "SELECT " FILE_COLUMNS " FROM recording_files "
                                     "WHERE recording = ?1 ORDER BY idx LIMIT ?2 OFFSET ?3");
        if (!s) return -1;
        sqlite3_bind_text(s, 1, recording, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 2, PAGE);
        sqlite3_bind_int64(s, 3, offset);
        size_t n = 0;
        int rc = SQLITE_DONE;
        while (n < PAGE && (rc = sqlite3_step(s)) == SQLITE_ROW)
            read_file_row(s, &rows[n++]);
        sqlite3_reset(s);
        if (n < PAGE && rc != SQLITE_DONE) return store_fail_db(st, "recording files list");
        for (size_t i = 0; i < n; i++)
            if (fn(ud, &rows[i]) != 0) return 0;
        if (n < PAGE) return 0;
    }
}

int store_recording_file_get(store *st, const char *id, store_recording_file *out)
{
    if (!rec_id_ok(id, 'f')) return 1;
    sqlite3_stmt *s = store_stmt(st, SQ_REC_FILE_GET,
                                 "SELECT " FILE_COLUMNS " FROM recording_files WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_file_row(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : store_fail_db(st, "recording file get");
}
