/* Votes and ballots. The ballot table's key (vote, site) is what makes "each site votes once" hold
 * across reconnections and restarts. */
#include <stdio.h>
#include <string.h>

#include "sfu/base/util.h"
#include "signaling/store_internal.h"

#define COUNTS                                                                                     \
    "(SELECT count(*) FROM ballots b WHERE b.vote = v.id AND b.choice = 'agree'), "                \
    "(SELECT count(*) FROM ballots b WHERE b.vote = v.id AND b.choice = 'disagree'), "             \
    "(SELECT count(*) FROM ballots b WHERE b.vote = v.id AND b.choice = 'abstain')"
#define VOTE_COLUMNS                                                                               \
    "v.id, v.meeting, v.item, v.question, v.opened_at, v.closed_at, v.eligible, " COUNTS

static void read_vote(sqlite3_stmt *s, store_vote *v)
{
    memset(v, 0, sizeof *v);
    store_copy_col(v->id, sizeof v->id, s, 0);
    store_copy_col(v->meeting, sizeof v->meeting, s, 1);
    store_copy_col(v->item, sizeof v->item, s, 2);
    store_copy_col(v->question, sizeof v->question, s, 3);
    v->opened_at = sqlite3_column_int64(s, 4);
    v->closed_at = sqlite3_column_int64(s, 5);
    v->eligible = (uint32_t)sqlite3_column_int64(s, 6);
    v->agree = (uint32_t)sqlite3_column_int64(s, 7);
    v->disagree = (uint32_t)sqlite3_column_int64(s, 8);
    v->abstain = (uint32_t)sqlite3_column_int64(s, 9);
}

int store_vote_open(store *st, store_vote *v, int64_t now)
{
    if (!store_ref_ok(v->meeting, STORE_REF_MAX, false) ||
        !store_ref_ok(v->item, STORE_REF_MAX, true))
        return store_fail(st, "bad meeting or agenda item");
    size_t ql = strnlen(v->question, sizeof v->question);
    if (ql == sizeof v->question) return store_fail(st, "question is not terminated");
    if (store_text_check(st, "question", v->question, ql, STORE_TEXT_MAX, false) != 0) return -1;
    char rnd[9];
    util_random_token(rnd, 8);
    snprintf(v->id, sizeof v->id, "v-%s", rnd);
    v->opened_at = now;
    v->closed_at = 0;
    sqlite3_stmt *s = store_stmt(st, SQ_VOTE_ADD,
                                 "INSERT INTO votes (id, meeting, item, question, opened_at) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, v->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, v->meeting, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, v->item, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, v->question, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_fail_db(st, "vote open");
}

int store_vote_cast(store *st, const char *vote, const char *site, const char *choice, int64_t at)
{
    if (strcmp(choice, "agree") != 0 && strcmp(choice, "disagree") != 0 &&
        strcmp(choice, "abstain") != 0)
        return store_fail(st, "a choice is agree, disagree or abstain");
    store_vote v;
    int g = store_vote_get(st, vote, &v);
    if (g != 0) return g < 0 ? -1 : store_fail(st, "no such vote");
    if (v.closed_at) return store_fail(st, "the vote is closed");
    sqlite3_stmt *s =
        store_stmt(st, SQ_VOTE_CAST,
                   "INSERT INTO ballots (vote, site, choice, at) VALUES (?1, ?2, ?3, ?4)"
                   " ON CONFLICT (vote, site) DO NOTHING");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, vote, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, choice, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at);
    int rc = sqlite3_step(s);
    int changed = sqlite3_changes(st->db);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_fail_db(st, "vote cast");
    return changed ? 0 : 1;
}

int store_vote_get(store *st, const char *id, store_vote *out)
{
    sqlite3_stmt *s =
        store_stmt(st, SQ_VOTE_GET, "SELECT " VOTE_COLUMNS " FROM votes v WHERE v.id = ?1");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_vote(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : store_fail_db(st, "vote get");
}

int store_vote_close(store *st, store_vote *v, uint32_t eligible, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, SQ_VOTE_CLOSE,
                                 "UPDATE votes SET closed_at = ?2, eligible = ?3 "
                                 "WHERE id = ?1 AND closed_at = 0");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, v->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, eligible);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_fail_db(st, "vote close");
    return store_vote_get(st, v->id, v) == 0 ? 0 : -1;
}

int store_vote_list(store *st, const char *meeting, store_vote_fn fn, void *ud)
{
    sqlite3_stmt *s = store_stmt(st, SQ_VOTE_LIST,
                                 "SELECT " VOTE_COLUMNS " FROM votes v WHERE v.meeting = ?1 "
                                 "ORDER BY v.opened_at, v.rowid");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, meeting, -1, SQLITE_STATIC);
    int rc;
    store_vote v;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_vote(s, &v);
        if (fn(ud, &v)) break;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail_db(st, "vote list");
}

int store_vote_ballots(store *st, const char *vote, store_ballot_fn fn, void *ud)
{
    sqlite3_stmt *s = store_stmt(
        st, SQ_VOTE_BALLOTS, "SELECT site, choice, at FROM ballots WHERE vote = ?1 ORDER BY site");
    if (!s) return -1;
    sqlite3_bind_text(s, 1, vote, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (fn(ud, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
               sqlite3_column_int64(s, 2)))
            break;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail_db(st, "vote ballots");
}
