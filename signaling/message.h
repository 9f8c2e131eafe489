/* Client requests of the websocket protocol (docs/protocol.md), parsed and checked before any
 * handler sees them: a handler only ever gets a well-formed request of a known type. */
#ifndef DH_MESSAGE_H
#define DH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_t json_t;

#define MESSAGE_MAX_NAME_BYTES 240 /* 80 characters of Vietnamese in UTF-8 */

typedef enum {
    REQ_JOIN = 1,
    REQ_PUBLISH,
    REQ_UNPUBLISH,
    REQ_ANSWER,
    REQ_TRICKLE,
    REQ_KEYFRAME,
    REQ_LEAVE,
    REQ_RAISE_HAND,
    REQ_LOWER_HAND,
    REQ_FLOOR_GIVE,
    REQ_FLOOR_TAKE,
    REQ_MUTE_ALL,
    REQ_KICK,
    REQ_WALL,
    REQ_ROLL,
    REQ_DOCUMENT_HELD,
    REQ_PRESENT,
    REQ_PRESENT_PAGE,
    REQ_PRESENT_STOP,
    REQ_VOTE_OPEN,
    REQ_VOTE_CAST,
    REQ_VOTE_CLOSE,
    REQ_AGENDA_SET,
    REQ_AGENDA_GO,
    REQ_RECORDING_START,
    REQ_RECORDING_STOP,
} request_type;

typedef struct request {
    json_t *root; /* owns every string below */
    json_t *id;   /* NULL when the message had no usable id */
    request_type type;
    const char *token;   /* join; NULL when absent */
    const char *meeting; /* join; NULL when absent */
    const char *name;    /* join; "" when absent */
    const char *sdp;     /* publish, answer */
    size_t sdp_len;
    uint32_t revision;    /* answer */
    const char *target;   /* trickle: "publisher" or "subscriber" */
    const char *mid;      /* keyframe */
    const char *site;     /* floor_give, floor_take, kick */
    const char *reason;   /* kick; "" when absent */
    uint32_t page;        /* wall */
    const char *doc;      /* document_held, present */
    const char *question; /* vote_open */
    const char *item;     /* vote_open; "" when absent */
    const char *vote;     /* vote_cast, vote_close */
    const char *choice;   /* vote_cast */
    json_t *items;        /* agenda_set (owned by root) */
    uint32_t index;       /* agenda_go */
} request;

typedef struct request_error {
    const char *code; /* "bad_json", "bad_request", "unknown_type" */
    char message[160];
} request_error;

/* 0 and a request to free with request_free(), or -1 with the error to send back; out->id is then
 * the id to echo (NULL for null), and out->root must still be freed with request_free(). */
int request_parse(const char *text, size_t len, request *out, request_error *err);
void request_free(request *r);

#endif
