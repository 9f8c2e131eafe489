/* The hub's recording key: Ed25519, kept in DATA/recording.key (PEM, PKCS#8, mode 0600), made on
 * first use. It signs each export's manifest.json so that a clerk can tell later whether a file
 * handed out is the one the hub wrote.
 *
 * Creation is safe against a second process doing the same at once (the hub and an exporter
 * child): the key is written to a temporary file, synced, then linked into place, which fails if
 * another got there first; the loser reads the winner's key. A key file that exists but cannot
 * be read as an Ed25519 private key is an error, never replaced: replacing it would orphan every
 * signature made with it. */
#ifndef DH_SIGN_H
#define DH_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGN_KEY_FILE "recording.key"
#define SIGN_SIG_LEN 64
#define SIGN_PUB_LEN 32
#define SIGN_B64_MAX 89 /* base64 of a signature (88) + NUL; a public key takes 44 + NUL */

typedef struct sign_key sign_key;

/* Loads DATA/recording.key, creating it (and DATA, mode 0700) when missing. NULL on failure with
 * the reason in err. */
sign_key *sign_key_load_or_create(const char *data_dir, char *err, size_t cap);
/* A verify-only key from the base64 of a raw 32-byte public key. NULL when it is not one. */
sign_key *sign_key_from_public(const char *b64);
void sign_key_free(sign_key *k);

/* The public key as standard base64 (44 characters). 0, or -1 when cap is too small. */
int sign_public_b64(const sign_key *k, char *out, size_t cap);

/* Signs data: the signature as standard base64 (88 characters) into out. 0, or -1 (a key
 * without its private half, cap too small, OpenSSL failure). */
int sign_b64(const sign_key *k, const void *data, size_t len, char *out, size_t cap);
/* True when sig_b64 (standard base64, trailing newline and spaces allowed) is a valid signature
 * of data by k. */
bool sign_verify_b64(const sign_key *k, const void *data, size_t len, const char *sig_b64,
                     size_t sig_len);

#endif
