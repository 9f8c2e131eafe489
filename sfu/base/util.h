/* Small helpers shared by every module: clocks, randomness, hex. */
#ifndef DH_UTIL_H
#define DH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock in microseconds; never goes back. */
uint64_t util_now_us(void);
/* Wall clock in seconds since the epoch (token expiry, logs). */
int64_t util_unix_time(void);

/* Cryptographically strong random bytes (getrandom); aborts if the kernel cannot give them. */
void util_random(void *buf, size_t len);
uint32_t util_random_u32(void);
/* Random string of `len` characters from [A-Za-z0-9] plus a NUL: ICE ufrag/pwd, opaque ids. */
void util_random_token(char *out, size_t len);

/* FNV-1a of a string: keys for the hash maps (ufrags, site codes); not for security. */
uint64_t util_hash_str(const char *s);

/* "AB:CD:..." upper-case with colons, as SDP fingerprints are written. Returns chars written. */
size_t util_hex_colon(const uint8_t *in, size_t len, char *out, size_t cap);

#define DH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
