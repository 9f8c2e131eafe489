/* What the load generator reads from Janus's API (janus.plugin.videoroom over the websocket
 * transport, subprotocol "janus-protocol"): one received JSON text in, the few fields that move
 * an emulated endpoint on, out. Everything else Janus says is ignored.
 *
 *   {"janus":"success","transaction":"3","data":{"id":8512...}}           create, attach
 *   {"janus":"success","transaction":"5","sender":H,"plugindata":{"plugin":"janus.plugin.videoroom",
 *        "data":{"videoroom":"participants","room":R,"participants":[{"id":F,"publisher":true}]}}}
 *   {"janus":"ack","transaction":"6"}                                      async request taken
 *   {"janus":"event","transaction":"6","sender":H,"plugindata":{...,"data":{"videoroom":"joined",
 *        "id":F,"publishers":[...]}},"jsep":{"type":"offer","sdp":"v=0..."}}
 *   {"janus":"error","transaction":"7","error":{"code":458,"reason":"No such session"}}
 *   {"janus":"hangup","sender":H,"reason":"DTLS alert"}, "webrtcup", "media", "timeout", ...
 *
 * A plugin's refusal arrives as a success or an event whose data holds "error_code" and "error";
 * janus_msg_parse folds both kinds of error into `error_code` and `error`. The strings point into
 * the parsed document, alive until janus_msg_free. */
#ifndef DH_LOAD_JANUS_MSG_H
#define DH_LOAD_JANUS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JANUS_MSG_MAX_FEEDS 16

typedef enum {
    JANUS_MSG_OTHER = 0, /* "media", "slowlink", "trickle", "keepalive", ... */
    JANUS_MSG_SUCCESS,
    JANUS_MSG_ACK,
    JANUS_MSG_EVENT,
    JANUS_MSG_ERROR,
    JANUS_MSG_WEBRTCUP,
    JANUS_MSG_HANGUP,
    JANUS_MSG_DETACHED,
    JANUS_MSG_TIMEOUT,
} janus_msg_kind;

typedef struct janus_msg {
    janus_msg_kind kind;
    const char *transaction; /* NULL when absent */
    uint64_t session_id;     /* 0 when absent */
    uint64_t sender;         /* the handle it concerns; 0 when absent */
    uint64_t data_id;        /* "data":{"id":...} of a create or attach success */
    const char *videoroom;   /* plugindata.data.videoroom: "joined", "attached", "event", ... */
    uint64_t room;           /* plugindata.data.room */
    uint64_t id;             /* plugindata.data.id: our feed id once joined as a publisher */
    bool configured;         /* "configured":"ok" (publish taken) */
    bool started;            /* "started":"ok" (subscription running) */
    int error_code;          /* 0 when no error */
    const char *error;       /* the reason; "" when absent */
    const char *reason;      /* hangup reason; NULL when absent */
    const char *jsep_type;   /* "offer" / "answer"; NULL without jsep */
    const char *jsep_sdp;
    /* Feeds that publish: "publishers" of a joined/event, or "participants" marked publisher. */
    uint32_t n_feeds;
    uint64_t feeds[JANUS_MSG_MAX_FEEDS];
    void *doc_; /* the parsed document */
} janus_msg;

/* 0, or -1 with a reason when the text is not a JSON object with a string "janus". On -1 there is
 * nothing to free. */
int janus_msg_parse(const char *text, size_t len, janus_msg *m, char *err, size_t errcap);
void janus_msg_free(janus_msg *m);

#endif
