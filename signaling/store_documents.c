/* Documents' metadata: one row per version, versions numbered per (meeting, title). */
#include "sfu/base/util.h"
#include "signaling/store_internal.h"

#include <string.h>

#define DOC_COLUMNS                                                                                \
    "id, meeting, item, title, version, type, size, sha256, uploaded_at, role, site, token_id"

static void read_document(sqlite3_stmt *s, store_document *d)
{
    char role[16];
    store_copy_col(d->id, sizeof d->id, s, 0);
    store_copy_col(d->meeting, sizeof d->meeting, s, 1);
    store_copy_col(d->item, sizeof d->item, s, 2);
    store_copy_col(d->title, sizeof d->title, s, 3);
    d->version = (uint32_t)sqlite3_column_int64(s, 4);
    store_copy_col(d->type, sizeof d->type, s, 5);
    d->size = sqlite3_column_int64(s, 6);
    store_copy_col(d->sha256, sizeof d->sha256, s, 7);
    d->uploaded_at = sqlite3_column_int64(s, 8);
    store_copy_col(role, sizeof role, s, 9);
    d->uploader.role = role_from_name(role);
    store_copy_col(d->uploader.site, sizeof d->uploader.site, s, 10);
    store_copy_col(d->uploader.token_id, sizeof d->uploader.token_id, s, 11);
}

static bool sha_ok(const char *s)
{
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return s[64] == '\0';
}

/* A media type as the route writes it: lower-case type/subtype, nothing else. */
static bool type_ok(const char *s)
{
    size_t n = 0, slash = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (c == '/') slash++;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
              c == '+' || c == '-'))
            return false;
        if (n == STORE_DOC_TYPE_MAX) return false;
    }
    return n > 2 && slash == 1;
}

static int check_new(store *st, const store_document *d, size_t *title_len)
{
    if (!store_ref_ok(d->meeting, STORE_REF_MAX, false))
        return store_fail(st, "bad meeting id (1 to %d of A-Z, a-z, 0-9, '_' and '-')",
                          STORE_REF_MAX);
    if (!store_ref_ok(d->item, STORE_DOC_ITEM_MAX, true))
        return store_fail(st, "bad agenda item (up to %d of A-Z, a-z, 0-9, '_' and '-')",
                          STORE_DOC_ITEM_MAX);
    size_t tl = strnlen(d->title, sizeof d->title);
    if (tl == sizeof d->title) return store_fail(st, "title is not terminated");
    if (store_text_check(st, "title", d->title, tl, STORE_DOC_TITLE_MAX, false) != 0) return -1;
    if (!type_ok(d->type)) return store_fail(st, "bad document type");
    if (d->size < 0) return store_fail(st, "bad document size");
    if (!sha_ok(d->sha256)) return store_fail(st, "bad sha256 (64 lower-case hex digits)");
    if (!store_ref_ok(d->uploader.site, STORE_REF_MAX, true))
        return store_fail(st, "bad uploader site");
    if (!store_ref_ok(d->uploader.token_id, STORE_TOKEN_ID_MAX, true))
        return store_fail(st, "bad uploader token id");
    *title_len = tl;
    return 0;
}

int store_document_add(store *st, store_document *d, int64_t now, bool *same)
{
    size_t tl = 0;
    if (same) *same = false;
    if (check_new(st, d, &tl) != 0) return -1;
    /* The version is read and written in one transaction: the command line tool may write too. */
    if (store_tx_begin(st) != 0) return -1;
    sqlite3_stmt *s = store_stmt(st, SQ_DOC_NEWEST,
                                 "SELECT " DOC_COLUMNS " FROM documents WHERE meeting = ?1 AND "
                                 "title = ?2 ORDER BY version DESC LIMIT 1");
    if (!s) goto fail;
    sqlite3_bind_text(s, 1, d->meeting, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, d->title, (int)tl, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    store_document newest;
    if (rc == SQLITE_ROW) read_document(s, &newest);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail_db(st, "document newest");
        goto fail;
    }
    if (rc == SQLITE_ROW && strcmp(newest.sha256, d->sha256) == 0 &&
        strcmp(newest.type, d->type) == 0) {
        *d = newest;
        if (same) *same = true;
        return store_tx_commit(st);
    }
    uint32_t version = rc == SQLITE_ROW ? newest.version + 1 : 1;

    s = store_stmt(st, SQ_DOC_ADD,
                   "INSERT INTO documents (" DOC_COLUMNS
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!s) goto fail;
    /* 62^16 ids: a collision is next to impossible, but costs only another try. */
    for (int attempt = 0; attempt < 4; attempt++) {
        char id[STORE_DOC_ID_LEN + 1] = "d-";
        util_random_token(id + 2, STORE_DOC_ID_LEN - 2);
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, d->meeting, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, d->item, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, d->title, (int)tl, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, version);
        sqlite3_bind_text(s, 6, d->type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, d->size);
        sqlite3_bind_text(s, 8, d->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 9, now);
        sqlite3_bind_text(s, 10, role_name(d->uploader.role), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 11, d->uploader.site, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, d->uploader.token_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) {
            if (store_tx_commit(st) != 0) goto fail;
            memcpy(d->id, id, sizeof id);
            d->version = version;
            d->uploaded_at = now;
            return 0;
        }
        if (sqlite3_extended_errcode(st->db) != SQLITE_CONSTRAINT_PRIMARYKEY) break;
    }
    store_fail_db(st, "document add");
fail:
    store_tx_rollback(st);
    return -1;
}

int store_document_get(store *st, const char *id, store_document *out)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_DOC_GET, "SELECT " DOC_COLUMNS " FROM documents WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_document(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return store_fail_db(st, "document get");
}

int store_document_list(store *st, const char *meeting, store_document_fn fn, void *ud)
{
    sqlite3_stmt *s = store_stmt(
        st, SQ_DOC_LIST,
        "SELECT d.id, d.meeting, d.item, d.title, d.version, d.type, d.size, d.sha256, "
        "d.uploaded_at, d.role, d.site, d.token_id FROM documents d JOIN (SELECT title, "
        "max(rowid) AS newest FROM documents WHERE meeting = ?1 GROUP BY title) g ON g.title = "
        "d.title WHERE d.meeting = ?1 ORDER BY g.newest DESC, d.version DESC");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, meeting, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_document d;
        read_document(s, &d);
        if (fn(ud, &d) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "document list");
}

int store_document_count_sha(store *st, const char *sha256, size_t *n)
{
    *n = 0;
    sqlite3_stmt *s =
        store_stmt(st, SQ_DOC_COUNT_SHA, "SELECT count(*) FROM documents WHERE sha256 = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *n = (size_t)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_db(st, "document count");
}
