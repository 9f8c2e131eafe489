/* Attendance: one row per (meeting, site), kept as counters and the start of the current
 * presence; the state the clerk sees is derived when the row is read. */
#include "signaling/store_internal.h"

#include <string.h>

static const char *const att_names[] = {"absent", "present", "late", "reconnecting"};

const char *store_attendance_state_name(store_attendance_state s)
{
    return (unsigned)s < sizeof att_names / sizeof att_names[0] ? att_names[s] : "unknown";
}

static int no_meeting(store *st, const char *id)
{
    return store_fail(st, "no meeting \"%.*s\"", store_quote_len(id, STORE_REF_MAX), id);
}

int store_attendance_join(store *st, const char *meeting, const char *site, int64_t now,
                          int64_t late_after)
{
    store_meeting m;
    int rc = store_meeting_get(st, meeting, &m);
    if (rc == 1) return no_meeting(st, meeting);
    if (rc != 0) return -1;
    if (m.state == STORE_MEETING_CLOSED)
        return store_fail(st, "meeting %s is closed; its record is final", m.id);
    store_site s_;
    rc = store_site_get(st, site, &s_);
    if (rc == 1)
        return store_fail(st, "no site \"%.*s\"", store_quote_len(site, STORE_CODE_MAX), site);
    if (rc != 0) return -1;

    /* One statement, so the row is right whatever happens next. SET expressions see the row as it
     * was: a presence opens only when no connection was open. */
    sqlite3_stmt *s = store_stmt(
        st, SQ_ATT_JOIN,
        "INSERT INTO attendance (meeting, site, late, first_joined, last_joined, joins, "
        "connections, open_since) VALUES (?1, ?2, ?3 > ?4, ?3, ?3, 1, 1, ?3) "
        "ON CONFLICT (meeting, site) DO UPDATE SET last_joined = excluded.last_joined, "
        "joins = joins + 1, connections = connections + 1, "
        "open_since = CASE WHEN connections = 0 THEN excluded.open_since ELSE open_since END");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, m.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, s_.code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, late_after);
    return store_step_done(st, s, "attendance join");
}

int store_attendance_leave(store *st, const char *meeting, const char *site, int64_t now)
{
    /* A clock that stepped back must not take time away: max(0, ...). */
    sqlite3_stmt *s =
        store_stmt(st, SQ_ATT_LEAVE,
                   "UPDATE attendance SET connections = connections - 1, "
                   "last_left = CASE WHEN connections = 1 THEN ?3 ELSE last_left END, "
                   "seconds_present = seconds_present + "
                   "CASE WHEN connections = 1 THEN max(0, ?3 - open_since) ELSE 0 END, "
                   "open_since = CASE WHEN connections = 1 THEN NULL ELSE open_since END "
                   "WHERE meeting = ?1 AND site = ?2 AND connections > 0");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, meeting, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, site, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    if (store_step_done(st, s, "attendance leave") != 0) return -1;
    if (sqlite3_changes(st->db) == 0)
        return store_fail(st, "site \"%.*s\" is not connected to meeting \"%.*s\"",
                          store_quote_len(site, STORE_CODE_MAX), site,
                          store_quote_len(meeting, STORE_REF_MAX), meeting);
    return 0;
}

int store_attendance_leave_all(store *st, const char *meeting, int64_t now)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_ATT_LEAVE_ALL,
                   "UPDATE attendance SET connections = 0, last_left = ?2, "
                   "seconds_present = seconds_present + max(0, ?2 - open_since), open_since = NULL "
                   "WHERE connections > 0 AND (?1 IS NULL OR meeting = ?1)");
    if (!s) return -1;
    if (meeting) sqlite3_bind_text(s, 1, meeting, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    return store_step_done(st, s, "attendance leave all");
}

int store_attendance_list(store *st, const char *meeting, int64_t now, store_attendance_fn fn,
                          void *ud)
{
    store_meeting m;
    int rc = store_meeting_get(st, meeting, &m);
    if (rc == 1) return no_meeting(st, meeting);
    if (rc != 0) return -1;
    /* Everyone invited (the whole registry under invite_all) and everyone who came. */
    sqlite3_stmt *s = store_stmt(
        st, SQ_ATT_LIST,
        "WITH invited (code) AS ("
        "  SELECT code FROM sites WHERE ?2"
        "  UNION SELECT site FROM invitations WHERE meeting = ?1),"
        " everyone (code) AS ("
        "  SELECT code FROM invited UNION SELECT site FROM attendance WHERE meeting = ?1) "
        "SELECT s.code, s.name, s.district, e.code IN (SELECT code FROM invited), a.late, "
        "  a.first_joined, a.last_joined, a.last_left, a.seconds_present, a.joins, "
        "  a.connections, a.open_since "
        "FROM everyone e JOIN sites s ON s.code = e.code "
        "LEFT JOIN attendance a ON a.meeting = ?1 AND a.site = e.code ORDER BY s.code");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, m.id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, m.invite_all ? 1 : 0);
    bool closed = m.state == STORE_MEETING_CLOSED;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_attendance a;
        memset(&a, 0, sizeof a);
        store_copy_col(a.site.code, sizeof a.site.code, s, 0);
        store_copy_col(a.site.name, sizeof a.site.name, s, 1);
        store_copy_col(a.site.district, sizeof a.site.district, s, 2);
        a.invited = sqlite3_column_int(s, 3) != 0;
        if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
            bool late = sqlite3_column_int(s, 4) != 0;
            a.first_joined = sqlite3_column_int64(s, 5);
            a.last_joined = sqlite3_column_int64(s, 6);
            a.last_left = sqlite3_column_int64(s, 7);
            a.seconds_present = sqlite3_column_int64(s, 8);
            a.joins = (uint32_t)sqlite3_column_int64(s, 9);
            a.connected = sqlite3_column_int64(s, 10) > 0;
            if (a.connected && now > sqlite3_column_int64(s, 11))
                a.seconds_present += now - sqlite3_column_int64(s, 11);
            /* Gone from an open meeting: maybe back in a minute. Gone from a closed one: the
             * meeting is over and the site was there. */
            if (a.connected || closed)
                a.state = late ? STORE_ATT_LATE : STORE_ATT_PRESENT;
            else
                a.state = STORE_ATT_RECONNECTING;
        } else {
            a.state = STORE_ATT_ABSENT;
        }
        if (fn(ud, &a) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "attendance list");
}
