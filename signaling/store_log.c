/* Revocations and the audit log: the two append-only records of what was done to whom. */
#include "signaling/csv.h"
#include "signaling/store_internal.h"

#include <stdint.h>
#include <string.h>

int store_revoke(store *st, const char *token_id, const char *meeting, int64_t at,
                 const char *reason)
{
    if (!reason) reason = "";
    if (!store_ref_ok(token_id, STORE_TOKEN_ID_MAX, false))
        return store_fail(st, "bad token id (1 to %d of A-Z, a-z, 0-9, '_' and '-')",
                          STORE_TOKEN_ID_MAX);
    if (!store_ref_ok(meeting, STORE_REF_MAX, false))
        return store_fail(st, "bad meeting id (1 to %d of A-Z, a-z, 0-9, '_' and '-')",
                          STORE_REF_MAX);
    if (store_text_check(st, "reason", reason, strlen(reason), STORE_TEXT_MAX, true) != 0)
        return -1;
    /* The first revocation is the one that counts; a second kick changes nothing. */
    sqlite3_stmt *s =
        store_stmt(st, SQ_REVOKE,
                   "INSERT OR IGNORE INTO revocations (token_id, meeting, at, reason) "
                   "VALUES (?1, ?2, ?3, ?4)");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, token_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, meeting, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at);
    sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
    return store_step_done(st, s, "revoke");
}

int store_is_revoked(store *st, const char *token_id)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_IS_REVOKED, "SELECT 1 FROM revocations WHERE token_id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, token_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return store_fail_db(st, "is revoked");
}

/* Length of the UTF-8 sequence a lead byte announces (1 for anything that is not a lead). */
static size_t seq_len(unsigned char c)
{
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

/* Copies in into out[STORE_TEXT_MAX + 1] as text the log can always hold: malformed bytes and
 * control characters become '?', and the text is cut before the character that would not fit. */
static void sanitize(char *out, const char *in)
{
    size_t len = strlen(in), o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)in[i];
        size_t k = seq_len(c);
        bool ok = c >= 0x80 ? i + k <= len && csv_utf8_valid(in + i, k) : true;
        bool control =
            c < 0x20 || c == 0x7F || (ok && c == 0xC2 && (unsigned char)in[i + 1] <= 0x9F);
        if (!ok || control) {
            k = ok ? k : 1;
            if (o + 1 > STORE_TEXT_MAX) break;
            out[o++] = '?';
            i += k;
            continue;
        }
        if (o + k > STORE_TEXT_MAX) break;
        memcpy(out + o, in + i, k);
        o += k;
        i += k;
    }
    out[o] = '\0';
}

int store_audit_append(store *st, int64_t at, const char *meeting, const store_actor *actor,
                       const char *action, const char *detail)
{
    static const store_actor hub = {ROLE_NONE, "", ""};
    if (!actor) actor = &hub;
    if (!meeting) meeting = "";
    if (!detail) detail = "";
    if (!store_ref_ok(meeting, STORE_REF_MAX, true)) return store_fail(st, "bad meeting id");
    if (!store_ref_ok(actor->site, STORE_REF_MAX, true)) return store_fail(st, "bad actor site");
    if (!store_ref_ok(actor->token_id, STORE_TOKEN_ID_MAX, true))
        return store_fail(st, "bad actor token id");
    if (!store_action_ok(action))
        return store_fail(st, "bad audit action (1 to %d of a-z, 0-9, '.', '_' and '-')",
                          STORE_ACTION_MAX);
    char text[STORE_TEXT_MAX + 1];
    sanitize(text, detail);
    sqlite3_stmt *s = store_stmt(st, SQ_AUDIT_ADD,
                                 "INSERT INTO audit (at, meeting, role, site, token_id, action, "
                                 "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, at);
    sqlite3_bind_text(s, 2, meeting, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, role_name(actor->role), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, actor->site, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, actor->token_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, text, -1, SQLITE_STATIC);
    return store_step_done(st, s, "audit append");
}

int store_audit_list(store *st, const char *meeting, int64_t before_id, store_audit *out,
                     size_t cap, size_t *n)
{
    *n = 0;
    sqlite3_stmt *s = store_stmt(st, SQ_AUDIT_LIST,
                                 "SELECT id, at, meeting, role, site, token_id, action, detail "
                                 "FROM audit WHERE meeting = ?1 AND id < ?2 ORDER BY id DESC "
                                 "LIMIT ?3");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, meeting ? meeting : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, before_id > 0 ? before_id : INT64_MAX);
    sqlite3_bind_int64(s, 3, cap > (size_t)INT64_MAX ? INT64_MAX : (int64_t)cap);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < cap) {
        store_audit *a = &out[(*n)++];
        char role[16];
        a->id = sqlite3_column_int64(s, 0);
        a->at = sqlite3_column_int64(s, 1);
        store_copy_col(a->meeting, sizeof a->meeting, s, 2);
        store_copy_col(role, sizeof role, s, 3);
        a->actor.role = role_from_name(role);
        store_copy_col(a->actor.site, sizeof a->actor.site, s, 4);
        store_copy_col(a->actor.token_id, sizeof a->actor.token_id, s, 5);
        store_copy_col(a->action, sizeof a->action, s, 6);
        store_copy_col(a->detail, sizeof a->detail, s, 7);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail_db(st, "audit list");
}
