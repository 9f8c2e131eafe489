/* Meetings, their state and their invitations. */
#include "sfu/base/util.h"
#include "signaling/store_internal.h"

#include <string.h>

#define MEETING_COLUMNS                                                                            \
    "id, title, starts_at, ends_at, state, record_on_start, invite_all, created_at"

static const char *const state_names[] = {"scheduled", "open", "closed"};

const char *store_meeting_state_name(store_meeting_state s)
{
    return (unsigned)s < DH_ARRAY_LEN(state_names) ? state_names[s] : "unknown";
}

int store_meeting_state_from_name(const char *name, store_meeting_state *out)
{
    for (size_t i = 0; name && i < DH_ARRAY_LEN(state_names); i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (store_meeting_state)i;
            return 0;
        }
    }
    return -1;
}

static void read_meeting(sqlite3_stmt *s, store_meeting *m)
{
    store_copy_col(m->id, sizeof m->id, s, 0);
    store_copy_col(m->title, sizeof m->title, s, 1);
    m->starts_at = sqlite3_column_int64(s, 2);
    m->ends_at = sqlite3_column_int64(s, 3);
    store_meeting_state_from_name((const char *)sqlite3_column_text(s, 4), &m->state);
    m->record_on_start = sqlite3_column_int(s, 5) != 0;
    m->invite_all = sqlite3_column_int(s, 6) != 0;
    m->created_at = sqlite3_column_int64(s, 7);
}

int store_meeting_create(store *st, store_meeting *m, int64_t now)
{
    size_t tl = strnlen(m->title, sizeof m->title);
    if (tl == sizeof m->title) return store_fail(st, "title is not terminated");
    if (store_text_check(st, "title", m->title, tl, STORE_TITLE_MAX, false) != 0) return -1;
    if (m->ends_at < m->starts_at) return store_fail(st, "the meeting ends before it starts");

    sqlite3_stmt *s = store_stmt(st, SQ_MEETING_ADD,
                                 "INSERT INTO meetings (" MEETING_COLUMNS
                                 ") VALUES (?1, ?2, ?3, ?4, 'scheduled', ?5, ?6, ?7)");
    if (!s) return -1;
    /* 62^12 ids: a collision is next to impossible, but costs only another try. */
    for (int attempt = 0; attempt < 4; attempt++) {
        char id[STORE_MEETING_ID_LEN + 1] = "m-";
        util_random_token(id + 2, STORE_MEETING_ID_LEN - 2);
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, m->title, (int)tl, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, m->starts_at);
        sqlite3_bind_int64(s, 4, m->ends_at);
        sqlite3_bind_int(s, 5, m->record_on_start ? 1 : 0);
        sqlite3_bind_int(s, 6, m->invite_all ? 1 : 0);
        sqlite3_bind_int64(s, 7, now);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) {
            memcpy(m->id, id, sizeof id);
            m->state = STORE_MEETING_SCHEDULED;
            m->created_at = now;
            return 0;
        }
        if (sqlite3_extended_errcode(st->db) != SQLITE_CONSTRAINT_PRIMARYKEY) break;
    }
    return store_fail_db(st, "meeting create");
}

int store_meeting_get(store *st, const char *id, store_meeting *out)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_MEETING_GET, "SELECT " MEETING_COLUMNS " FROM meetings WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_meeting(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return store_fail_db(st, "meeting get");
}

/* The meeting, which must exist; with its state, for the callers that must not touch a closed
 * one. */
static int existing(store *st, const char *id, store_meeting *m)
{
    int rc = store_meeting_get(st, id, m);
    if (rc == 1)
        return store_fail(st, "no meeting \"%.*s\"", store_quote_len(id, STORE_REF_MAX), id);
    return rc;
}

static int open_for_changes(store *st, const char *id, store_meeting *m)
{
    if (existing(st, id, m) != 0) return -1;
    if (m->state == STORE_MEETING_CLOSED)
        return store_fail(st, "meeting %s is closed; its record is final", m->id);
    return 0;
}

int store_meeting_list(store *st, int64_t from, int64_t to, store_meeting *out, size_t cap,
                       size_t *n)
{
    *n = 0;
    sqlite3_stmt *s = store_stmt(st, SQ_MEETING_LIST,
                                 "SELECT " MEETING_COLUMNS " FROM meetings WHERE starts_at < ?2 "
                                 "AND (ends_at > ?1 OR starts_at >= ?1) ORDER BY starts_at, id");
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n < cap) read_meeting(s, &out[*n]);
        (*n)++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "meeting list");
}

static bool transition_ok(store_meeting_state from, store_meeting_state to)
{
    return from == to || (from == STORE_MEETING_SCHEDULED && to == STORE_MEETING_OPEN) ||
           (from != STORE_MEETING_CLOSED && to == STORE_MEETING_CLOSED);
}

int store_meeting_set_state(store *st, const char *id, store_meeting_state state, int64_t now)
{
    if ((unsigned)state > STORE_MEETING_CLOSED) return store_fail(st, "unknown meeting state");
    /* The read belongs to the transaction: the command line tool may write beside the hub. */
    if (store_tx_begin(st) != 0) return -1;
    store_meeting m;
    if (existing(st, id, &m) != 0) goto fail;
    if (m.state == state) return store_tx_commit(st);
    if (!transition_ok(m.state, state)) {
        store_fail(st, "meeting %s is %s; it cannot become %s", m.id,
                   store_meeting_state_name(m.state), store_meeting_state_name(state));
        goto fail;
    }
    sqlite3_stmt *s =
        store_stmt(st, SQ_MEETING_SET_STATE, "UPDATE meetings SET state = ?2 WHERE id = ?1");
    if (!s) goto fail;
    sqlite3_bind_text(s, 1, m.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, store_meeting_state_name(state), -1, SQLITE_STATIC);
    if (store_step_done(st, s, "meeting state") != 0) goto fail;
    /* The record of a closed meeting is final: nobody is still connected to it. */
    if (state == STORE_MEETING_CLOSED && store_attendance_leave_all(st, m.id, now) != 0) goto fail;
    if (store_tx_commit(st) != 0) goto fail;
    return 0;
fail:
    store_tx_rollback(st);
    return -1;
}

int store_meeting_invite(store *st, const char *id, const char *const *codes, size_t n)
{
    if (store_tx_begin(st) != 0) return -1;
    store_meeting m;
    if (open_for_changes(st, id, &m) != 0) goto fail;
    for (size_t i = 0; i < n; i++) {
        store_site site;
        int found = store_site_get(st, codes[i], &site);
        if (found < 0) goto fail;
        if (found == 1) {
            store_fail(st, "no site \"%.*s\"", store_quote_len(codes[i], STORE_CODE_MAX), codes[i]);
            goto fail;
        }
        sqlite3_stmt *s = store_stmt(
            st, SQ_INVITE_ADD, "INSERT OR IGNORE INTO invitations (meeting, site) VALUES (?1, ?2)");
        if (!s) goto fail;
        sqlite3_bind_text(s, 1, m.id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, site.code, -1, SQLITE_STATIC);
        if (store_step_done(st, s, "invite") != 0) goto fail;
    }
    if (store_tx_commit(st) != 0) goto fail;
    return 0;
fail:
    store_tx_rollback(st);
    return -1;
}

int store_meeting_invite_all(store *st, const char *id, bool all)
{
    store_meeting m;
    if (open_for_changes(st, id, &m) != 0) return -1;
    sqlite3_stmt *s =
        store_stmt(st, SQ_MEETING_SET_ALL, "UPDATE meetings SET invite_all = ?2 WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, m.id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, all ? 1 : 0);
    return store_step_done(st, s, "invite all");
}

int store_meeting_is_invited(store *st, const char *id, const char *code)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_INVITED_ONE,
                   "SELECT CASE WHEN invite_all THEN EXISTS (SELECT 1 FROM sites WHERE code = ?2) "
                   "ELSE EXISTS (SELECT 1 FROM invitations WHERE meeting = ?1 AND site = ?2) END "
                   "FROM meetings WHERE id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int invited = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) != 0 : 0;
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return invited;
    if (rc == SQLITE_DONE)
        return store_fail(st, "no meeting \"%.*s\"", store_quote_len(id, STORE_REF_MAX), id);
    return store_fail_db(st, "is invited");
}

int store_meeting_invited(store *st, const char *id, store_site_fn fn, void *ud)
{
    store_meeting m;
    if (existing(st, id, &m) != 0) return -1;
    sqlite3_stmt *s = store_stmt(st, SQ_INVITED_LIST,
                                 "SELECT code, name, district FROM sites WHERE ?2 OR code IN "
                                 "(SELECT site FROM invitations WHERE meeting = ?1) ORDER BY code");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, m.id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, m.invite_all ? 1 : 0);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_site site;
        store_copy_col(site.code, sizeof site.code, s, 0);
        store_copy_col(site.name, sizeof site.name, s, 1);
        store_copy_col(site.district, sizeof site.district, s, 2);
        if (fn(ud, &site) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "invited list");
}
