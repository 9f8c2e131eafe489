/* Feeds arbitrary bytes to token_verify (fixed key, fixed clock) and to the base64url decoder.
 * A forged token can only verify by guessing an HMAC-SHA256, so in practice every input is
 * rejected; the point is that no path through splitting, decoding or JSON parsing misbehaves. */
#include "signaling/base64url.h"
#include "signaling/token.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000

static const uint8_t fuzz_key[TOKEN_KEY_LEN] = "dienhong-fuzz-key-0123456789abcd";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy sized exactly, so reads past `size` are caught by ASan. */
    char *tok = malloc(size ? size : 1);
    if (!tok) return 0;
    if (size) memcpy(tok, data, size);

    token_claims c;
    int r = token_verify(fuzz_key, tok, size, NOW, &c);
    if (r == TOKEN_OK) {
        /* Only the seed corpus's own minted tokens get here; what verified must be well-formed. */
        if (c.role == ROLE_NONE || c.meeting[0] == '\0' || c.exp <= NOW || strlen(c.meeting) > 64 ||
            strlen(c.site) > 64 || strlen(c.id) > 32)
            abort();
    } else if (r != TOKEN_E_FORMAT && r != TOKEN_E_SIGNATURE && r != TOKEN_E_EXPIRED &&
               r != TOKEN_E_TOO_LONG) {
        abort();
    }

    /* Whatever decodes must encode back to the very same text: the decoder is canonical. */
    size_t cap = base64url_decoded_max(size);
    uint8_t *dec = malloc(cap ? cap : 1);
    if (dec) {
        ptrdiff_t n = base64url_decode(tok, size, dec, cap);
        if (n >= 0) {
            size_t elen = base64url_encoded_len((size_t)n);
            char *enc = malloc(elen + 1);
            if (enc) {
                if (base64url_encode(dec, (size_t)n, enc, elen + 1) != (ptrdiff_t)size ||
                    memcmp(enc, tok, size) != 0)
                    abort();
                free(enc);
            }
        }
        free(dec);
    }
    free(tok);
    return 0;
}
