/* The answering side of ICE connectivity checks, for a full ICE peer that checks us as well (Janus;
 * dienhong's hub is ICE-lite and never does). A full agent only counts a pair as valid once its own
 * check on it succeeded, and when it is the controlled side it nominates nothing until then: left
 * unanswered, its checks keep the transport from ever connecting, whoever offered.
 *
 * Requests must carry USERNAME "our-ufrag:their-ufrag" and MESSAGE-INTEGRITY keyed with our
 * password (RFC 8445 7.3); the reply carries XOR-MAPPED-ADDRESS, integrity and FINGERPRINT, built
 * with libnice's STUN library as the requests of ice_check.c are.
 *
 * Plain memory, no I/O. */
#ifndef DH_LOAD_ICE_REPLY_H
#define DH_LOAD_ICE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct ice_reply ice_reply;

typedef enum {
    ICE_REPLY_DROP = 0, /* not a Binding request for us (or not authentic): say nothing */
    ICE_REPLY_SUCCESS,  /* send the reply; `use_candidate` says whether the pair was nominated */
    ICE_REPLY_ERROR,    /* send the reply: an error response (role conflict, unknown attribute) */
} ice_reply_result;

/* Copies the credentials. `controlling` is our role, `tie_breaker` the value our own checks carry
 * (both only matter when the peer claims the same role). */
ice_reply *ice_reply_new(const char *local_ufrag, const char *local_pwd, bool controlling,
                         uint64_t tie_breaker);
void ice_reply_free(ice_reply *r);
void ice_reply_set_controlling(ice_reply *r, bool controlling);

/* Answers a datagram whose first byte is 0..3. `reply` should hold 1280 bytes; *reply_len is set
 * to what to send (0 with ICE_REPLY_DROP). */
ice_reply_result ice_reply_handle(ice_reply *r, const uint8_t *buf, size_t len,
                                  const struct sockaddr_storage *from, socklen_t fromlen,
                                  uint8_t *reply, size_t cap, size_t *reply_len,
                                  bool *use_candidate);

#endif
