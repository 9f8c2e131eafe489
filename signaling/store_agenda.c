/* The agenda of a meeting: its items in order, replaced as a whole when the chair edits it. */
#include <string.h>

#include "signaling/store_internal.h"

int store_agenda_set(store *st, const char *meeting, const store_agenda_item *items, size_t n)
{
    if (!store_ref_ok(meeting, STORE_REF_MAX, false)) return store_fail(st, "bad meeting id");
    if (n > STORE_AGENDA_MAX) return store_fail(st, "at most %d agenda items", STORE_AGENDA_MAX);
    for (size_t i = 0; i < n; i++) {
        size_t tl = strnlen(items[i].title, sizeof items[i].title);
        size_t pl = strnlen(items[i].presenter, sizeof items[i].presenter);
        if (tl == sizeof items[i].title || pl == sizeof items[i].presenter)
            return store_fail(st, "agenda text is not terminated");
        if (store_text_check(st, "agenda title", items[i].title, tl, STORE_TEXT_MAX, false) != 0 ||
            store_text_check(st, "presenter", items[i].presenter, pl, STORE_TEXT_MAX, true) != 0)
            return -1;
    }
    if (store_tx_begin(st) != 0) return -1;
    sqlite3_stmt *del = store_stmt(st, SQ_AGENDA_DEL, "DELETE FROM agenda WHERE meeting = ?1");
    if (!del) goto fail;
    sqlite3_bind_text(del, 1, meeting, -1, SQLITE_STATIC);
    int rc = sqlite3_step(del);
    sqlite3_reset(del);
    if (rc != SQLITE_DONE) {
        store_fail_db(st, "agenda clear");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *add = store_stmt(st, SQ_AGENDA_ADD,
                                       "INSERT INTO agenda (meeting, idx, title, presenter) "
                                       "VALUES (?1, ?2, ?3, ?4)");
        if (!add) goto fail;
        sqlite3_bind_text(add, 1, meeting, -1, SQLITE_STATIC);
        sqlite3_bind_int64(add, 2, (sqlite3_int64)i);
        sqlite3_bind_text(add, 3, items[i].title, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 4, items[i].presenter, -1, SQLITE_STATIC);
        rc = sqlite3_step(add);
        sqlite3_reset(add);
        if (rc != SQLITE_DONE) {
            store_fail_db(st, "agenda add");
            goto fail;
        }
    }
    return store_tx_commit(st);
fail:
    store_tx_rollback(st);
    return -1;
}

int store_agenda_get(store *st, const char *meeting, store_agenda_item *out, size_t cap, size_t *n)
{
    sqlite3_stmt *s = store_stmt(
        st, SQ_AGENDA_GET, "SELECT title, presenter FROM agenda WHERE meeting = ?1 ORDER BY idx");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, meeting, -1, SQLITE_STATIC);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n < cap) {
            store_copy_col(out[*n].title, sizeof out[*n].title, s, 0);
            store_copy_col(out[*n].presenter, sizeof out[*n].presenter, s, 1);
        }
        (*n)++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "agenda get");
}
