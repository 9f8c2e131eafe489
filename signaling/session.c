/* The websocket protocol (docs/protocol.md): every request gets exactly one reply or one coded
 * error; nothing one connection sends can disturb another. Requests arrive already checked by
 * message.c; this file decides what they mean for the meeting. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"
#include "signaling/hub.h"
#include "signaling/message.h"

#define MAX_BAD_MESSAGES 20

typedef struct session {
    server_conn *c;
    peer *p;
    unsigned bad;
} session;

void session_open(hub *h, server_conn *c)
{
    session *s = calloc(1, sizeof *s);
    if (!s) {
        server_conn_close(c, 1011, "out of memory");
        return;
    }
    s->c = c;
    server_conn_set_user(c, s);
}

void session_close(hub *h, server_conn *c)
{
    session *s = server_conn_user(c);
    if (!s) return;
    if (s->p) {
        s->p->conn = NULL;
        peer_free(s->p);
    }
    server_conn_set_user(c, NULL);
    free(s);
}

void session_forget_peer(server_conn *c)
{
    session *s = server_conn_user(c);
    if (s) s->p = NULL;
}

static void send_json(server_conn *c, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    if (text) server_conn_send(c, text, strlen(text));
    free(text);
    json_decref(v);
}

static void reply(session *s, const request *r, json_t *result)
{
    send_json(s->c,
              json_pack("{s:O, s:o}", "id", r->id, "result", result ? result : json_object()));
}

/* A refusal. Malformed traffic also counts toward closing the connection. */
static void fail(hub *h, session *s, json_t *id, const char *code, const char *message,
                 bool malformed)
{
    h->counters.ws_rejected++;
    LOGI("ws", "%s: %s: %s", server_conn_peer(s->c), code, message);
    send_json(s->c, json_pack("{s:O, s:{s:s, s:s}}", "id", id ? id : json_null(), "error", "code",
                              code, "message", message));
    if (malformed && ++s->bad >= MAX_BAD_MESSAGES)
        server_conn_close(s->c, 1008, "too many malformed messages");
}

static bool can_publish(role_t r)
{
    return r == ROLE_CHAIR || r == ROLE_OPERATOR || r == ROLE_SITE;
}

static void on_join(hub *h, session *s, const request *r)
{
    if (s->p)
        return fail(h, s, r->id, "already_joined", "this connection has joined already", false);
    token_claims c;
    int rc = r->token ? hub_check_token(h, r->token, r->meeting, &c) : TOKEN_E_FORMAT;
    if (rc != TOKEN_OK) {
        h->counters.auth_failures++;
        if (!r->token) return fail(h, s, r->id, "unauthorized", "no token", false);
        if (rc == HUB_TOKEN_REVOKED)
            return fail(h, s, r->id, "revoked", "this token was revoked", false);
        if (rc == HUB_TOKEN_WRONG_MEETING)
            return fail(h, s, r->id, "wrong_meeting", "the token is for another meeting", false);
        if (rc == TOKEN_E_EXPIRED)
            return fail(h, s, r->id, "token_expired", "the token has expired", false);
        return fail(h, s, r->id, "unauthorized", token_error_str(rc), false);
    }
    meeting *m = meeting_get(h, c.meeting, true);
    if (m && meeting_closed(m)) {
        if (meeting_peer_count(m) == 0) meeting_free_empty(h, m);
        return fail(h, s, r->id, "meeting_closed", "this meeting is over", false);
    }
    /* A site is one participant: its new connection replaces an older one still open (a page that
     * reconnected before the hub noticed the old socket die). The floor stays with the site. */
    if (m && c.role == ROLE_SITE) {
        for (peer *q = meeting_peers(m), *next; q; q = next) {
            next = q->next;
            if (q->kind == PEER_WS && q->role == ROLE_SITE && strcmp(q->site, c.site) == 0) {
                bool last = meeting_peer_count(m) == 1;
                peer_disconnect(q, NULL, "replaced", 4002);
                if (last) m = meeting_get(h, c.meeting, true);
                break;
            }
        }
    }
    s->p = m ? peer_new(h, m, PEER_WS, &c, r->name) : NULL;
    if (!s->p) return fail(h, s, r->id, "internal", "out of memory", false);
    s->p->conn = s->c;
    h->counters.joins++;
    reply(s, r,
          json_pack("{s:s, s:s, s:s, s:s}", "peer", s->p->pid, "meeting", c.meeting, "role",
                    role_name(c.role), "site", c.site));
    meeting_welcome(m, s->p);
    peer_update_subscriptions(s->p);
}

/* Chair and operator requests that change the meeting; everyone else is refused and audited. */
static bool control_allowed(hub *h, session *s, const request *r, const char *action)
{
    if (meeting_may_control(s->p)) return true;
    hub_audit(h, meeting_id(s->p->m), s->p, "refused", "%s", action);
    fail(h, s, r->id, "forbidden", "only the chair and operators may do this", false);
    return false;
}

static peer *present_site(meeting *m, const char *site)
{
    for (peer *q = meeting_peers(m); q; q = q->next)
        if (q->role == ROLE_SITE && strcmp(q->site, site) == 0) return q;
    return NULL;
}

static void on_floor(hub *h, session *s, const request *r)
{
    meeting *m = s->p->m;
    floor_state *f = meeting_floor(m);
    switch (r->type) {
    case REQ_RAISE_HAND: {
        if (s->p->role != ROLE_SITE)
            return fail(h, s, r->id, "forbidden", "only sites raise their hand", false);
        size_t pos = floor_raise(f, s->p->site);
        reply(s, r, json_pack("{s:I}", "position", (json_int_t)pos));
        break;
    }
    case REQ_LOWER_HAND:
        if (s->p->role != ROLE_SITE)
            return fail(h, s, r->id, "forbidden", "only sites raise their hand", false);
        floor_lower(f, s->p->site);
        reply(s, r, NULL);
        break;
    case REQ_FLOOR_GIVE:
        if (!control_allowed(h, s, r, "floor_give")) return;
        if (!present_site(m, r->site)) {
            char msg[120];
            snprintf(msg, sizeof msg, "site %.64s is not connected", r->site);
            return fail(h, s, r->id, "not_present", msg, false);
        }
        if (!floor_give(f, r->site))
            return fail(h, s, r->id, "bad_request", "too many sites hold the floor", false);
        hub_audit(h, meeting_id(m), s->p, "floor.give", "%s", r->site);
        reply(s, r, NULL);
        break;
    case REQ_FLOOR_TAKE:
        if (!control_allowed(h, s, r, "floor_take")) return;
        floor_take(f, r->site);
        hub_audit(h, meeting_id(m), s->p, "floor.take", "%s", r->site);
        reply(s, r, NULL);
        break;
    case REQ_MUTE_ALL:
        if (!control_allowed(h, s, r, "mute_all")) return;
        hub_audit(h, meeting_id(m), s->p, "floor.mute_all", "%zu site(s)", floor_clear(f));
        reply(s, r, NULL);
        break;
    default:
        return;
    }
    meeting_floor_changed(m);
}

static void on_kick(hub *h, session *s, const request *r)
{
    if (!control_allowed(h, s, r, "kick")) return;
    meeting *m = s->p->m;
    int n = 0;
    for (peer *q = meeting_peers(m), *next; q; q = next) {
        next = q->next;
        if (q->role != ROLE_SITE || strcmp(q->site, r->site) != 0) continue;
        hub_revoke(h, q->token_id, meeting_id(m), r->reason);
        bool last = meeting_peer_count(m) == 1;
        peer_disconnect(q, "kicked", r->reason, 4001);
        n++;
        if (last) break;
    }
    floor_take(meeting_floor(m), r->site);
    floor_lower(meeting_floor(m), r->site);
    hub_audit(h, meeting_id(m), s->p, "kick", "%s (%d connection(s)): %s", r->site, n, r->reason);
    reply(s, r, json_pack("{s:i}", "disconnected", n));
    meeting_floor_changed(m);
}

static void on_request(hub *h, session *s, const request *r)
{
    char err[160] = "";
    if (r->type == REQ_JOIN) return on_join(h, s, r);
    if (!s->p) return fail(h, s, r->id, "not_joined", "join first", false);
    switch (r->type) {
    case REQ_PUBLISH: {
        if (!can_publish(s->p->role)) {
            hub_audit(h, meeting_id(s->p->m), s->p, "refused", "publish");
            return fail(h, s, r->id, "forbidden", "this role does not publish", false);
        }
        char *answer = peer_publish(s->p, r->sdp, r->sdp_len, err, sizeof err);
        if (!answer) return fail(h, s, r->id, "bad_sdp", err, false);
        reply(s, r, json_pack("{s:s}", "sdp", answer));
        free(answer);
        peer_trickle_local(s->p, false);
        return;
    }
    case REQ_UNPUBLISH:
        peer_unpublish(s->p);
        return reply(s, r, NULL);
    case REQ_ANSWER:
        if (peer_subscriber_answer(s->p, r->revision, r->sdp, r->sdp_len, err, sizeof err) != 0)
            return fail(h, s, r->id, "bad_sdp", err, false);
        return reply(s, r, NULL);
    case REQ_TRICKLE:
        /* ICE-lite: the client's address comes from its checks; candidates are not needed. */
        return reply(s, r, NULL);
    case REQ_KEYFRAME: {
        uint32_t src = peer_source_for_mid(s->p, r->mid);
        if (!src) return fail(h, s, r->id, "bad_request", "no source at that mid", false);
        sfu_request_keyframe(h->media, src);
        return reply(s, r, NULL);
    }
    case REQ_LEAVE:
        reply(s, r, NULL);
        server_conn_close(s->c, 1000, "left");
        return;
    case REQ_RAISE_HAND:
    case REQ_LOWER_HAND:
    case REQ_FLOOR_GIVE:
    case REQ_FLOOR_TAKE:
    case REQ_MUTE_ALL:
        return on_floor(h, s, r);
    case REQ_KICK:
        return on_kick(h, s, r);
    case REQ_WALL: {
        if (!control_allowed(h, s, r, "wall")) return;
        size_t sites = roll_count(meeting_roll(s->p->m));
        size_t pages = (sites + WALL_PAGE_SIZE - 1) / WALL_PAGE_SIZE;
        s->p->wall_page = (int)r->page;
        peer_update_subscriptions(s->p);
        return reply(s, r,
                     json_pack("{s:i, s:I, s:i}", "page", (int)r->page, "pages",
                               (json_int_t)(pages ? pages : 1), "size", WALL_PAGE_SIZE));
    }
    case REQ_ROLL:
        if (!control_allowed(h, s, r, "roll")) return;
        return reply(s, r,
                     json_pack("{s:o}", "rows", meeting_roll_json(s->p->m, util_unix_time())));
    case REQ_DOCUMENT_HELD:
        if (!meeting_document_held(s->p->m, s->p, r->doc))
            return fail(h, s, r->id, "not_found", "no such document in this meeting", false);
        return reply(s, r, NULL);
    case REQ_PRESENT:
    case REQ_PRESENT_PAGE:
    case REQ_PRESENT_STOP: {
        if (!control_allowed(h, s, r, "present")) return;
        const char *msg = NULL, *code = NULL;
        if (r->type == REQ_PRESENT)
            code = meeting_present(s->p->m, r->doc, r->page, &msg);
        else if (r->type == REQ_PRESENT_PAGE)
            code = meeting_present_page(s->p->m, r->page, &msg);
        else
            meeting_present_stop(s->p->m);
        if (code) return fail(h, s, r->id, code, msg, false);
        return reply(s, r, NULL);
    }
    case REQ_VOTE_OPEN:
    case REQ_VOTE_CLOSE: {
        if (s->p->role != ROLE_CHAIR) {
            hub_audit(h, meeting_id(s->p->m), s->p, "refused", "vote");
            return fail(h, s, r->id, "forbidden", "only the chair opens and closes votes", false);
        }
        const char *msg = NULL, *code;
        char id[16] = "";
        if (r->type == REQ_VOTE_OPEN)
            code = meeting_vote_open(s->p->m, s->p, r->question, r->item, id, sizeof id, &msg);
        else
            code = meeting_vote_close(s->p->m, r->vote, &msg);
        if (code) return fail(h, s, r->id, code, msg, false);
        return reply(s, r, r->type == REQ_VOTE_OPEN ? json_pack("{s:s}", "vote", id) : NULL);
    }
    case REQ_VOTE_CAST: {
        if (s->p->role != ROLE_SITE) {
            hub_audit(h, meeting_id(s->p->m), s->p, "refused", "vote_cast");
            return fail(h, s, r->id, "forbidden", "only sites vote", false);
        }
        const char *msg = NULL;
        const char *code = meeting_vote_cast(s->p->m, s->p, r->vote, r->choice, &msg);
        if (code) return fail(h, s, r->id, code, msg, false);
        return reply(s, r, NULL);
    }
    case REQ_AGENDA_SET:
    case REQ_AGENDA_GO: {
        if (!control_allowed(h, s, r, "agenda")) return;
        const char *msg = NULL;
        const char *code = r->type == REQ_AGENDA_SET
                               ? meeting_agenda_set(s->p->m, h, r->items, &msg)
                               : meeting_agenda_go(s->p->m, h, r->index, &msg);
        if (code) return fail(h, s, r->id, code, msg, false);
        return reply(s, r, NULL);
    }
    case REQ_RECORDING_START:
    case REQ_RECORDING_STOP: {
        if (!control_allowed(h, s, r, "recording")) return;
        const char *msg = NULL, *code;
        char id[STORE_REC_ID_LEN + 1] = "";
        const char *mid = meeting_id(s->p->m);
        if (r->type == REQ_RECORDING_START)
            code = recording_start(h, mid, s->p, id, sizeof id, &msg);
        else
            code = recording_stop(h, mid, s->p, role_name(s->p->role), &msg);
        if (code) return fail(h, s, r->id, code, msg, false);
        return reply(s, r, id[0] ? json_pack("{s:s}", "recording", id) : NULL);
    }
    case REQ_JOIN:
        return;
    }
}

void session_message(hub *h, server_conn *c, const char *text, size_t len)
{
    session *s = server_conn_user(c);
    if (!s) return;
    h->counters.ws_messages++;
    request r;
    request_error e;
    if (request_parse(text, len, &r, &e) != 0)
        fail(h, s, r.id, e.code, e.message, true);
    else
        on_request(h, s, &r);
    request_free(&r);
}
