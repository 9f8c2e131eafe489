/* Access tokens: signed claims (meeting, role, site, expiry, id) that every request carries.
 *
 * Format: "dh1." base64url(JSON claims) "." base64url(HMAC-SHA256(key, "dh1." base64url(claims))).
 * The algorithm is fixed by the server and not named in the token, so it cannot be downgraded. */
#ifndef DH_TOKEN_H
#define DH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_KEY_LEN 32
#define TOKEN_MAX_LEN 1024

typedef enum {
    ROLE_NONE = 0,
    ROLE_CHAIR,
    ROLE_OPERATOR,
    ROLE_SITE,
    ROLE_CLERK,
    ROLE_OBSERVER,
    ROLE_ADMIN /* manages meetings and mints tokens over HTTP; its token names meeting "_hub" */
} role_t;

const char *role_name(role_t r);      /* "chair", ... ; "none" */
role_t role_from_name(const char *s); /* ROLE_NONE when unknown */

typedef struct token_claims {
    char meeting[65]; /* [A-Za-z0-9_-]{1,64} */
    role_t role;
    char site[65]; /* [A-Za-z0-9_-]{0,64}; "" when none */
    int64_t iat;   /* issued at, unix seconds */
    int64_t exp;   /* expires at, unix seconds */
    char id[33];   /* random token id, for revocation */
} token_claims;

enum {
    TOKEN_OK = 0,
    TOKEN_E_FORMAT = -1,    /* not three parts, bad base64url, bad JSON, missing/invalid claim */
    TOKEN_E_SIGNATURE = -2, /* HMAC does not match */
    TOKEN_E_EXPIRED = -3,
    TOKEN_E_TOO_LONG = -4,
};
const char *token_error_str(int err);

/* Fills id and iat itself when they are empty / zero. Returns the token length or a negative
 * TOKEN_E* value. */
int token_mint(const uint8_t key[TOKEN_KEY_LEN], token_claims *c, char *out, size_t cap);
/* Constant-time signature check, then claims, then expiry against `now`. */
int token_verify(const uint8_t key[TOKEN_KEY_LEN], const char *tok, size_t len, int64_t now,
                 token_claims *out);

/* The server's signing key, kept as DIR/token.key (0600), created on first use. 0 on success. */
int token_key_load_or_create(const char *data_dir, uint8_t key[TOKEN_KEY_LEN]);

#endif
