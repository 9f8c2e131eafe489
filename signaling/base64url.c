#include "base64url.h"

#include <stdint.h>

static const char enc_table[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of a url-alphabet character, or -1. A switch on ranges rather than a 256-entry table keeps
 * the decoder obviously right about every byte outside the alphabet, NUL and high bytes included.
 */
static int dec_char(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

size_t base64url_encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t base64url_decoded_max(size_t n)
{
    return n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
}

ptrdiff_t base64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    if (cap > 0) out[0] = '\0';
    /* Guard the length arithmetic before trusting it: anything this large is a caller bug. */
    if (len > (size_t)PTRDIFF_MAX / 4 * 3 - 3) return -1;
    size_t need = base64url_encoded_len(len);
    if (cap < need + 1) return -1;

    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = enc_table[v >> 18 & 63];
        out[o++] = enc_table[v >> 12 & 63];
        out[o++] = enc_table[v >> 6 & 63];
        out[o++] = enc_table[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = enc_table[v >> 18 & 63];
        out[o++] = enc_table[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = enc_table[v >> 18 & 63];
        out[o++] = enc_table[v >> 12 & 63];
        out[o++] = enc_table[v >> 6 & 63];
    }
    out[o] = '\0';
    return (ptrdiff_t)o;
}

ptrdiff_t base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    /* One leftover character carries only 6 bits, less than a byte: no encoder produces it. */
    if (len % 4 == 1) return -1;
    if (len > (size_t)PTRDIFF_MAX) return -1;
    if (cap < base64url_decoded_max(len)) return -1;

    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, i = 0;
    for (; i + 4 <= len; i += 4) {
        int a = dec_char(p[i]), b = dec_char(p[i + 1]), c = dec_char(p[i + 2]),
            d = dec_char(p[i + 3]);
        if ((a | b | c | d) < 0) return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    size_t rest = len - i;
    if (rest == 2) {
        int a = dec_char(p[i]), b = dec_char(p[i + 1]);
        /* The low 4 bits of the second character fall outside the byte; requiring them zero keeps
         * the encoding canonical, so a signed value cannot be re-spelled. */
        if ((a | b) < 0 || (b & 0x0f) != 0) return -1;
        out[o++] = (uint8_t)(a << 2 | b >> 4);
    } else if (rest == 3) {
        int a = dec_char(p[i]), b = dec_char(p[i + 1]), c = dec_char(p[i + 2]);
        if ((a | b | c) < 0 || (c & 0x03) != 0) return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
    }
    return (ptrdiff_t)o;
}
