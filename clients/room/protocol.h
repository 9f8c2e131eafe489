/* The room box's side of the websocket protocol (docs/protocol.md) as JSON text: the requests it
 * sends and the replies and events it reads. No I/O here; the session decides what to do. */
#ifndef DH_ROOM_PROTOCOL_H
#define DH_ROOM_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_t json_t;

/* Requests, as NUL-terminated JSON to free() with free(); NULL if a string is not valid UTF-8
 * or memory ran out. `name` may be "" (not sent). A NULL candidate ends the candidates. */
char *proto_join(int64_t id, const char *token, const char *name);
char *proto_publish(int64_t id, const char *sdp);
char *proto_answer(int64_t id, uint32_t revision, const char *sdp);
char *proto_trickle(int64_t id, const char *target, const char *mid, const char *candidate);

typedef enum {
    PROTO_RESULT = 1,  /* {"id", "result"} */
    PROTO_ERROR,       /* {"id", "error": {"code", "message"}}; id may be null */
    PROTO_OFFER,       /* event subscriber_offer */
    PROTO_TRANSPORT,   /* event transport */
    PROTO_KICKED,      /* event kicked: the chair or an operator sent this site away */
    PROTO_OTHER_EVENT, /* an event this box has no use for */
} proto_kind;

typedef struct proto_msg {
    json_t *root; /* owns every string below */
    proto_kind kind;
    bool has_id; /* false for "id": null */
    int64_t id;
    const char *error_code, *error_message; /* PROTO_ERROR */
    json_t *result;                         /* PROTO_RESULT: an object */
    uint32_t revision;                      /* PROTO_OFFER */
    const char *sdp;                        /* PROTO_OFFER */
    size_t n_sources;                       /* PROTO_OFFER */
    const char *target, *state, *reason;    /* PROTO_TRANSPORT; reason may be "" */
                                            /* PROTO_KICKED: reason */
    const char *event;                      /* any event: its name */
} proto_msg;

/* 0 and a message to release with proto_msg_free(), or -1 with a reason (nothing to free). */
int proto_parse(const char *text, size_t len, proto_msg *out, char *err, size_t errcap);
void proto_msg_free(proto_msg *m);

/* A string member of a result object, or "" when absent or not a string. */
const char *proto_result_string(const proto_msg *m, const char *key);

/* The error codes after which retrying soon cannot help: the token must change (unauthorized,
 * token_expired, wrong_meeting, revoked). */
bool proto_error_is_auth(const char *code);

#endif
