#include "signaling/message.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    request_type type;
} types[] = {
    {"join", REQ_JOIN},
    {"publish", REQ_PUBLISH},
    {"unpublish", REQ_UNPUBLISH},
    {"answer", REQ_ANSWER},
    {"trickle", REQ_TRICKLE},
    {"keyframe", REQ_KEYFRAME},
    {"leave", REQ_LEAVE},
    {"raise_hand", REQ_RAISE_HAND},
    {"lower_hand", REQ_LOWER_HAND},
    {"floor_give", REQ_FLOOR_GIVE},
    {"floor_take", REQ_FLOOR_TAKE},
    {"mute_all", REQ_MUTE_ALL},
    {"kick", REQ_KICK},
    {"wall", REQ_WALL},
    {"roll", REQ_ROLL},
    {"document_held", REQ_DOCUMENT_HELD},
    {"present", REQ_PRESENT},
    {"present_page", REQ_PRESENT_PAGE},
    {"present_stop", REQ_PRESENT_STOP},
    {"vote_open", REQ_VOTE_OPEN},
    {"vote_cast", REQ_VOTE_CAST},
    {"vote_close", REQ_VOTE_CLOSE},
    {"agenda_set", REQ_AGENDA_SET},
    {"agenda_go", REQ_AGENDA_GO},
    {"recording_start", REQ_RECORDING_START},
    {"recording_stop", REQ_RECORDING_STOP},
};

/* A page number: 1 .. 100000. */
static bool page_of(json_t *root, uint32_t *out)
{
    json_t *p = json_object_get(root, "page");
    if (!json_is_integer(p) || json_integer_value(p) < 1 || json_integer_value(p) > 100000)
        return false;
    *out = (uint32_t)json_integer_value(p);
    return true;
}

static bool short_string(json_t *root, const char *key, size_t max, const char **out)
{
    *out = json_string_value(json_object_get(root, key));
    return *out && (*out)[0] && strlen(*out) <= max;
}

static int bad(request_error *err, const char *code, const char *msg)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return -1;
}

/* An optional string field: absent is fine, present must be a string. */
static bool opt_string(json_t *root, const char *key, const char **out)
{
    json_t *v = json_object_get(root, key);
    if (!v) return true;
    if (!json_is_string(v)) return false;
    *out = json_string_value(v);
    return true;
}

static int fields(request *r, request_error *err)
{
    json_t *root = r->root;
    switch (r->type) {
    case REQ_JOIN:
        r->name = "";
        if (!opt_string(root, "token", &r->token) || !opt_string(root, "meeting", &r->meeting) ||
            !opt_string(root, "name", &r->name))
            return bad(err, "bad_request", "token, meeting and name must be strings");
        if (strlen(r->name) > MESSAGE_MAX_NAME_BYTES)
            return bad(err, "bad_request", "name too long");
        return 0;
    case REQ_PUBLISH:
    case REQ_ANSWER: {
        json_t *sdp = json_object_get(root, "sdp");
        if (!json_is_string(sdp)) return bad(err, "bad_request", "sdp must be a string");
        r->sdp = json_string_value(sdp);
        r->sdp_len = json_string_length(sdp);
        if (r->type == REQ_PUBLISH) return 0;
        json_t *rev = json_object_get(root, "revision");
        if (!json_is_integer(rev) || json_integer_value(rev) < 0 ||
            json_integer_value(rev) > UINT32_MAX)
            return bad(err, "bad_request", "revision must be a non-negative integer");
        r->revision = (uint32_t)json_integer_value(rev);
        return 0;
    }
    case REQ_TRICKLE: {
        r->target = json_string_value(json_object_get(root, "target"));
        if (!r->target ||
            (strcmp(r->target, "publisher") != 0 && strcmp(r->target, "subscriber") != 0))
            return bad(err, "bad_request", "target must be publisher or subscriber");
        json_t *cand = json_object_get(root, "candidate");
        if (cand && !json_is_object(cand) && !json_is_null(cand))
            return bad(err, "bad_request", "candidate must be an object or null");
        return 0;
    }
    case REQ_KEYFRAME:
        r->mid = json_string_value(json_object_get(root, "mid"));
        if (!r->mid) return bad(err, "bad_request", "mid must be a string");
        return 0;
    case REQ_FLOOR_GIVE:
    case REQ_FLOOR_TAKE:
    case REQ_KICK:
        r->site = json_string_value(json_object_get(root, "site"));
        if (!r->site || !r->site[0] || strlen(r->site) > 64)
            return bad(err, "bad_request", "site must be a site code");
        r->reason = "";
        if (r->type == REQ_KICK && !opt_string(root, "reason", &r->reason))
            return bad(err, "bad_request", "reason must be a string");
        if (strlen(r->reason) > MESSAGE_MAX_NAME_BYTES)
            return bad(err, "bad_request", "reason too long");
        return 0;
    case REQ_WALL: {
        json_t *page = json_object_get(root, "page");
        if (!json_is_integer(page) || json_integer_value(page) < 0 ||
            json_integer_value(page) > 100000)
            return bad(err, "bad_request", "page must be a non-negative integer");
        r->page = (uint32_t)json_integer_value(page);
        return 0;
    }
    case REQ_DOCUMENT_HELD:
        r->doc = json_string_value(json_object_get(root, "document"));
        if (!r->doc || !r->doc[0] || strlen(r->doc) > 32)
            return bad(err, "bad_request", "document must be a document id");
        return 0;
    case REQ_PRESENT:
        if (!short_string(root, "document", 32, &r->doc) || !page_of(root, &r->page))
            return bad(err, "bad_request", "present needs a document id and a page from 1");
        return 0;
    case REQ_PRESENT_PAGE:
        if (!page_of(root, &r->page)) return bad(err, "bad_request", "page must be 1 or more");
        return 0;
    case REQ_VOTE_OPEN:
        r->item = "";
        if (!short_string(root, "question", MESSAGE_MAX_NAME_BYTES, &r->question) ||
            !opt_string(root, "item", &r->item) || strlen(r->item) > 64)
            return bad(err, "bad_request", "vote_open needs a question (and an optional item)");
        return 0;
    case REQ_VOTE_CAST:
        if (!short_string(root, "vote", 16, &r->vote) ||
            !short_string(root, "choice", 16, &r->choice))
            return bad(err, "bad_request", "vote_cast needs a vote id and a choice");
        return 0;
    case REQ_VOTE_CLOSE:
        if (!short_string(root, "vote", 16, &r->vote))
            return bad(err, "bad_request", "vote_close needs a vote id");
        return 0;
    case REQ_AGENDA_SET:
        r->items = json_object_get(root, "items");
        if (!json_is_array(r->items)) return bad(err, "bad_request", "items must be an array");
        return 0;
    case REQ_AGENDA_GO: {
        json_t *ix = json_object_get(root, "index");
        if (!json_is_integer(ix) || json_integer_value(ix) < 0 || json_integer_value(ix) > 1000)
            return bad(err, "bad_request", "index must be 0 or more");
        r->index = (uint32_t)json_integer_value(ix);
        return 0;
    }
    case REQ_PRESENT_STOP:
    case REQ_RECORDING_START:
    case REQ_RECORDING_STOP:
    case REQ_UNPUBLISH:
    case REQ_LEAVE:
    case REQ_RAISE_HAND:
    case REQ_LOWER_HAND:
    case REQ_MUTE_ALL:
    case REQ_ROLL:
        return 0;
    }
    return bad(err, "unknown_type", "unknown type");
}

int request_parse(const char *text, size_t len, request *out, request_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    out->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!out->root) return bad(err, "bad_json", je.text);
    if (!json_is_object(out->root)) return bad(err, "bad_json", "a message is a JSON object");
    json_t *id = json_object_get(out->root, "id");
    if (!id || !(json_is_integer(id) || json_is_string(id)))
        return bad(err, "bad_request", "id must be a number or a string");
    out->id = id;
    const char *type = json_string_value(json_object_get(out->root, "type"));
    if (!type) return bad(err, "bad_request", "type must be a string");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(type, types[i].name) == 0) {
            out->type = types[i].type;
            return fields(out, err);
        }
    }
    char msg[96];
    snprintf(msg, sizeof msg, "unknown type '%.60s'", type);
    return bad(err, "unknown_type", msg);
}

void request_free(request *r)
{
    json_decref(r->root);
    r->root = NULL;
}
