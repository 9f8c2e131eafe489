/* Votes of a meeting: the chair opens one on a question (agree / disagree / abstain), each site
 * votes once, the chair and operators watch the tally, and on close the result goes to everyone
 * and stays in the store. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"

static json_t *result_json(const store_vote *v)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i}", "agree", (int)v->agree, "disagree",
                     (int)v->disagree, "abstain", (int)v->abstain, "voted",
                     (int)(v->agree + v->disagree + v->abstain), "eligible", (int)v->eligible);
}

static json_t *vote_json(const store_vote *v)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "id", v->id, "question", v->question, "item",
                          v->item, "state", v->closed_at ? "closed" : "open");
    if (v->closed_at) json_object_set_new(j, "result", result_json(v));
    return j;
}

void meeting_send_vote(meeting *m, peer *p)
{
    store_vote v;
    char *open = meeting_open_vote(m);
    if (!open[0] || p->kind != PEER_WS || store_vote_get(p->h->db, open, &v) != 0) return;
    peer_send_event(p, "vote", vote_json(&v));
}

static void broadcast(meeting *m, const store_vote *v)
{
    for (peer *p = meeting_peers(m); p; p = p->next)
        if (p->kind == PEER_WS) peer_send_event(p, "vote", vote_json(v));
}

/* Sites that may vote: those on the roll (invited, or joined). */
static uint32_t eligible(meeting *m)
{
    return (uint32_t)roll_count(meeting_roll(m));
}

const char *meeting_vote_open(meeting *m, const peer *by, const char *question, const char *item,
                              char *id_out, size_t cap, const char **msg)
{
    char *open = meeting_open_vote(m);
    if (open[0]) return *msg = "a vote is already open", "bad_request";
    store_vote v = {0};
    snprintf(v.meeting, sizeof v.meeting, "%s", meeting_id(m));
    snprintf(v.item, sizeof v.item, "%s", item ? item : "");
    if (strlen(question) >= sizeof v.question) return *msg = "question too long", "bad_request";
    snprintf(v.question, sizeof v.question, "%s", question);
    if (store_vote_open(by->h->db, &v, util_unix_time()) != 0)
        return *msg = store_error(by->h->db), "bad_request";
    snprintf(open, 16, "%s", v.id);
    snprintf(id_out, cap, "%s", v.id);
    hub_audit(by->h, meeting_id(m), by, "vote.open", "%s: %.200s", v.id, v.question);
    broadcast(m, &v);
    return NULL;
}

const char *meeting_vote_cast(meeting *m, const peer *p, const char *vote, const char *choice,
                              const char **msg)
{
    if (strcmp(vote, meeting_open_vote(m)) != 0)
        return *msg = "that vote is not open", "vote_closed";
    int rc = store_vote_cast(p->h->db, vote, p->site, choice, util_unix_time());
    if (rc == 1) return *msg = "this site has voted", "already_voted";
    if (rc != 0) return *msg = store_error(p->h->db), "bad_request";
    store_vote v;
    if (store_vote_get(p->h->db, vote, &v) != 0) return NULL;
    v.eligible = eligible(m);
    json_t *tally = result_json(&v);
    json_object_set_new(tally, "vote", json_string(v.id));
    for (peer *q = meeting_peers(m); q; q = q->next)
        if (meeting_may_control(q) && q->conn) peer_send_event(q, "vote_tally", json_incref(tally));
    json_decref(tally);
    return NULL;
}

const char *meeting_vote_close(meeting *m, const char *vote, const char **msg)
{
    char *open = meeting_open_vote(m);
    peer *any = meeting_peers(m);
    if (!open[0] || strcmp(vote, open) != 0 || !any)
        return *msg = "that vote is not open", "vote_closed";
    store_vote v;
    snprintf(v.id, sizeof v.id, "%s", vote);
    if (store_vote_close(any->h->db, &v, eligible(m), util_unix_time()) != 0)
        return *msg = store_error(any->h->db), "internal";
    open[0] = '\0';
    hub_audit(any->h, meeting_id(m), NULL, "vote.close", "%s: %u agree, %u disagree, %u abstain",
              v.id, v.agree, v.disagree, v.abstain);
    broadcast(m, &v);
    return NULL;
}

static int add_ballot(void *ud, const char *site, const char *choice, int64_t at)
{
    json_array_append_new(
        ud, json_pack("{s:s, s:s, s:I}", "site", site, "choice", choice, "at", (json_int_t)at));
    return 0;
}

typedef struct list_ctx {
    hub *h;
    json_t *arr;
} list_ctx;

static int add_vote(void *ud, const store_vote *v)
{
    list_ctx *c = ud;
    json_t *j = vote_json(v);
    json_t *ballots = json_array();
    store_vote_ballots(c->h->db, v->id, add_ballot, ballots);
    json_object_set_new(j, "ballots", ballots);
    json_object_set_new(j, "opened_at", json_integer(v->opened_at));
    json_object_set_new(j, "closed_at", json_integer(v->closed_at));
    json_array_append_new(c->arr, j);
    return 0;
}

json_t *votes_json(hub *h, const char *meeting_id_)
{
    list_ctx c = {h, json_array()};
    store_vote_list(h->db, meeting_id_, add_vote, &c);
    return c.arr;
}
