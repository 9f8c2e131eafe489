/* The sending side of ICE connectivity checks (RFC 8445 7.2), built on libnice's STUN library as
 * the hub's responder is: Binding requests with USERNAME "remote:local", PRIORITY, short-term
 * MESSAGE-INTEGRITY with the remote password, FINGERPRINT. By default we are the controlling
 * agent (toward an ICE-lite hub, or when we offered): ICE-CONTROLLING and USE-CANDIDATE on every
 * check (aggressive nomination: the far end has one candidate per family, so the first pair that
 * works is the pair). Toward a full agent that offered to us (Janus's subscriber offers) we are
 * controlled: ICE-CONTROLLED, no USE-CANDIDATE, and the far end nominates (ice_reply.h). The
 * same requests later serve as consent freshness (RFC 7675), which the hub enforces.
 *
 * Plain memory, no I/O: the caller sends what it builds and feeds back what it receives. */
#ifndef DH_LOAD_ICE_CHECK_H
#define DH_LOAD_ICE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ice_check ice_check;

typedef enum {
    ICE_CHECK_IGNORED = 0, /* not a response to one of our requests (or not STUN) */
    ICE_CHECK_SUCCESS,     /* a valid success response */
    ICE_CHECK_ERROR,       /* an authenticated error response (487 role conflict, ...) */
} ice_check_result;

ice_check *ice_check_new(const char *local_ufrag, const char *remote_ufrag, const char *remote_pwd);
void ice_check_free(ice_check *c);
/* Our role and the tie-breaker our requests carry (controlling and random unless told). */
void ice_check_set_role(ice_check *c, bool controlling, uint64_t tie_breaker);

/* Builds one request into buf (at least 512 bytes). Returns its length, 0 on failure. */
size_t ice_check_request(ice_check *c, uint8_t *buf, size_t cap);
/* Validates a received datagram whose first byte is 0..3. */
ice_check_result ice_check_response(ice_check *c, const uint8_t *buf, size_t len);
/* The code of the last ICE_CHECK_ERROR response (487: role conflict), 0 when unknown. */
int ice_check_error_code(const ice_check *c);

#endif
