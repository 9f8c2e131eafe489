/* base64url (RFC 4648 section 5) without padding, as tokens and other URL-borne values use it.
 *
 * The decoder is strict: it accepts only the url alphabet, no '=' padding, no whitespace, and only
 * the canonical encoding (the unused low bits of the last character must be zero), so each byte
 * string has exactly one accepted text form. */
#ifndef DH_BASE64URL_H
#define DH_BASE64URL_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed for `n` bytes, not counting the NUL. */
size_t base64url_encoded_len(size_t n);
/* Upper bound on the bytes `n` characters can decode to. */
size_t base64url_decoded_max(size_t n);

/* Writes the encoding and a NUL. Returns its length, or -1 when `cap` cannot hold it and the NUL
 * (out is then left an empty string when cap > 0). */
ptrdiff_t base64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);
/* Returns the number of bytes written, or -1 on an invalid character, an impossible length
 * (len % 4 == 1), non-zero trailing bits, or when `cap` is too small. */
ptrdiff_t base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
