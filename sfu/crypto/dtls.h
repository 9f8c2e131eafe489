/* DTLS 1.2 for DTLS-SRTP (RFC 5763, 5764) over OpenSSL memory BIOs: the caller moves datagrams,
 * this module only turns received records into records to send and, once connected, SRTP keys.
 *
 * Threads: a dtls_cert is read-only after creation and may be shared by all workers; a dtls_conn
 * belongs to the one thread that owns its transport. */
#ifndef DH_DTLS_H
#define DH_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dtls_cert dtls_cert;
typedef struct dtls_conn dtls_conn;

/* A fresh self-signed ECDSA P-256 certificate (30 days) and its SSL contexts. NULL on failure. */
dtls_cert *dtls_cert_new(void);
void dtls_cert_free(dtls_cert *c);
/* SHA-256 fingerprint of the certificate: 32 raw bytes and "AB:CD:..." text. */
const uint8_t *dtls_cert_fingerprint(const dtls_cert *c, size_t *len);
const char *dtls_cert_fingerprint_text(const dtls_cert *c);

typedef enum {
    DTLS_HANDSHAKING = 0,
    DTLS_CONNECTED,
    DTLS_FAILED, /* handshake error, or the peer's certificate does not match its fingerprint */
    DTLS_CLOSED, /* close_notify received */
} dtls_state;

/* SRTP protection profiles that may be negotiated. */
typedef enum {
    DTLS_SRTP_NONE = 0,
    DTLS_SRTP_AES128_CM_SHA1_80,
    DTLS_SRTP_AEAD_AES_128_GCM
} dtls_srtp_profile;

typedef struct dtls_srtp_keys {
    dtls_srtp_profile profile;
    /* key || salt, ordered for this side: `local` protects what we send, `remote` unprotects
     * what we receive. 16+14 bytes for AES-CM, 16+12 for AES-GCM. */
    uint8_t local[32];
    uint8_t remote[32];
    size_t key_len; /* bytes used in each of local and remote */
} dtls_srtp_keys;

typedef void (*dtls_send_fn)(void *ctx, const uint8_t *buf, size_t len);

/* `expected_fp` is the peer's SDP fingerprint (algorithm name as in SDP, e.g. "sha-256",
 * "sha-1", "sha-384", "sha-512"); the handshake fails unless the peer's certificate matches it. */
dtls_conn *dtls_conn_new(const dtls_cert *cert, bool is_server, const char *expected_fp_alg,
                         const uint8_t *expected_fp, size_t expected_fp_len);
void dtls_conn_free(dtls_conn *d);

/* Client side only: sends the ClientHello. */
dtls_state dtls_conn_start(dtls_conn *d, dtls_send_fn send, void *ctx);
/* Feeds one received datagram (first byte 20..63) and sends whatever the handshake answers. */
dtls_state dtls_conn_input(dtls_conn *d, const uint8_t *buf, size_t len, dtls_send_fn send,
                           void *ctx);
/* Retransmits lost handshake flights; call when util_now_us() >= dtls_conn_next_timeout(). */
dtls_state dtls_conn_on_timer(dtls_conn *d, dtls_send_fn send, void *ctx);
/* Monotonic microseconds of the next retransmission, or 0 when none is pending. */
uint64_t dtls_conn_next_timeout(dtls_conn *d);
dtls_state dtls_conn_state(const dtls_conn *d);
/* Why the connection failed, for the log ("fingerprint mismatch", OpenSSL's reason, ...). */
const char *dtls_conn_error(const dtls_conn *d);
/* Valid once connected. Returns false when no SRTP profile was negotiated. */
bool dtls_conn_srtp_keys(const dtls_conn *d, dtls_srtp_keys *out);
/* Sends close_notify. */
void dtls_conn_close(dtls_conn *d, dtls_send_fn send, void *ctx);

#endif
