/* libsrtp2's crypto primitives for our profiles, implemented with OpenSSL (libcrypto).
 *
 * Debian's libsrtp2 is built against NSS, whose per-packet path (a PK11 context per packet
 * through the softoken) cost about a third of the hub's CPU under load. libsrtp lets an
 * application swap the primitives behind its crypto kernel; srtp_ossl_install() swaps in these:
 *
 *   AES-ICM 128/192/256   SRTP_AES_ICM_*  AES_CM_128_HMAC_SHA1_80 and libsrtp's key derivation
 *   AES-GCM 128/256       SRTP_AES_GCM_*  AEAD_AES_128_GCM / AEAD_AES_256_GCM
 *   HMAC-SHA1             SRTP_HMAC_SHA1  the 80- and 32-bit SRTP auth tags
 *
 * Each keeps its OpenSSL context from key setup to free: per packet only the IV is set (ICM, GCM)
 * or a prepared hash state copied (HMAC). No allocation and no lock per packet.
 *
 * Semantics follow libsrtp 2.5.0 (crypto/cipher/aes_icm_ossl.c, aes_gcm_ossl.c,
 * crypto/hash/hmac_ossl.c): key buffers carry the salt after the key (ICM: 14 bytes, used as the
 * counter offset; GCM: 12 bytes, ignored here because srtp.c salts the IV itself); the GCM
 * decrypt buffer ends with the tag. The types are exported for tests; use them through libsrtp's
 * cipher/auth API. */
#ifndef DH_SRTP_OSSL_H
#define DH_SRTP_OSSL_H

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

extern const srtp_cipher_type_t srtp_ossl_aes_icm_128;
extern const srtp_cipher_type_t srtp_ossl_aes_icm_192;
extern const srtp_cipher_type_t srtp_ossl_aes_icm_256;
extern const srtp_cipher_type_t srtp_ossl_aes_gcm_128;
extern const srtp_cipher_type_t srtp_ossl_aes_gcm_256;
extern const srtp_auth_type_t srtp_ossl_hmac_sha1;

/* After srtp_init(), once, before sessions are created on other threads (it edits libsrtp's
 * global type list). libsrtp runs each type's known-answer tests and the replaced type's before
 * accepting it. Sessions created earlier keep the primitives they were created with. Returns 0,
 * or the negated srtp_err_status_t of the first refusal (the types replaced before it stay). */
int srtp_ossl_install(void);

#endif
