/* SRTP/SRTCP protection of one transport (libsrtp2): one inbound session for what the peer sends,
 * one outbound for what we send, keyed from DTLS. Any SSRC is accepted in both directions.
 *
 * Owned by the worker thread that owns the transport; not thread-safe. No allocation per packet
 * (libsrtp allocates once per new SSRC). */
#ifndef DH_SRTP_SESSION_H
#define DH_SRTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "dtls.h"

/* Bytes that protect may add (auth tag + SRTCP index); callers keep this much room. */
#define SRTP_MAX_TRAILER 32

/* Once per process, before any session. Returns 0 on success. */
int srtp_session_global_init(void);

typedef struct srtp_session srtp_session;

srtp_session *srtp_session_new(const dtls_srtp_keys *keys);
void srtp_session_free(srtp_session *s);

/* In place. *len is updated. Return 0 on success, a negative value on failure (auth failure,
 * replay, malformed), never touching the buffer beyond `cap`. */
int srtp_session_unprotect_rtp(srtp_session *s, uint8_t *buf, size_t *len);
int srtp_session_unprotect_rtcp(srtp_session *s, uint8_t *buf, size_t *len);
int srtp_session_protect_rtp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap);
int srtp_session_protect_rtcp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap);

#endif
