/* AES-GCM (RFC 7714) for libsrtp, over OpenSSL's EVP AEAD interface.
 *
 * srtp.c drives one packet as: set_iv(12-byte IV it has already salted, direction), set_aad
 * (RTP header; for SRTCP the header and then the E||index word, so AAD accumulates), then
 * encrypt + get_tag (the tag goes right after the ciphertext), or decrypt of ciphertext || tag,
 * which fails with srtp_err_status_auth_fail when the tag does not verify. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "srtp_ossl.h"

#define GCM_IV_LEN 12
#define GCM_TAG_MAX 16

typedef struct {
    EVP_CIPHER_CTX *ctx;
    int key_size;
    int tag_len;
    /* srtp_direction_encrypt or _decrypt once an IV is set; _any until then. */
    srtp_cipher_direction_t dir;
} gcm_state;

/* libsrtp frees what alloc returned through our dealloc only, so cipher and state share one
 * allocation. */
typedef struct {
    srtp_cipher_t cipher;
    gcm_state state;
} gcm_cipher;

static srtp_err_status_t gcm_failed(srtp_err_status_t st)
{
    /* A stale entry would be read by the next SSL_get_error() on this thread (DTLS). */
    ERR_clear_error();
    return st;
}

static srtp_err_status_t gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
    const srtp_cipher_type_t *type;
    int key_size;
    switch (key_len) {
    case SRTP_AES_GCM_128_KEY_LEN_WSALT:
        type = &srtp_ossl_aes_gcm_128;
        key_size = SRTP_AES_128_KEY_LEN;
        break;
    case SRTP_AES_GCM_256_KEY_LEN_WSALT:
        type = &srtp_ossl_aes_gcm_256;
        key_size = SRTP_AES_256_KEY_LEN;
        break;
    default:
        return srtp_err_status_bad_param;
    }
    /* The tag lengths RFC 7714 defines for SRTP, as libsrtp accepts them. */
    if (tag_len != 16 && tag_len != 8) return srtp_err_status_bad_param;
    gcm_cipher *gc = calloc(1, sizeof *gc);
    if (!gc) return srtp_err_status_alloc_fail;
    gc->state.ctx = EVP_CIPHER_CTX_new();
    if (!gc->state.ctx) {
        free(gc);
        return gcm_failed(srtp_err_status_alloc_fail);
    }
    gc->state.key_size = key_size;
    gc->state.tag_len = tag_len;
    gc->state.dir = srtp_direction_any;
    gc->cipher.type = type;
    gc->cipher.state = &gc->state;
    gc->cipher.key_len = key_len;
    /* srtp.c sends a packet down its AEAD path when this is SRTP_AES_GCM_*. */
    gc->cipher.algorithm = type->id;
    *cp = &gc->cipher;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_pointer_t cp)
{
    if (!cp) return srtp_err_status_bad_param;
    gcm_cipher *gc = (gcm_cipher *)cp;
    EVP_CIPHER_CTX_free(gc->state.ctx);
    OPENSSL_cleanse(gc, sizeof *gc);
    free(gc);
    return srtp_err_status_ok;
}

/* key is key || 12-byte salt; the salt is srtp.c's business (it XORs it into every IV). */
static srtp_err_status_t gcm_init(void *sv, const uint8_t *key)
{
    gcm_state *s = sv;
    const EVP_CIPHER *evp =
        s->key_size == SRTP_AES_256_KEY_LEN ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
    s->dir = srtp_direction_any;
    /* The key schedule and GHASH key are computed here, once per session key; the direction
     * is chosen per packet in set_iv. 12 bytes is OpenSSL's default GCM IV length. */
    if (!EVP_CipherInit_ex(s->ctx, evp, NULL, key, NULL, 1) ||
        EVP_CIPHER_CTX_get_iv_length(s->ctx) != GCM_IV_LEN)
        return gcm_failed(srtp_err_status_init_fail);
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *sv, uint8_t *iv, srtp_cipher_direction_t dir)
{
    gcm_state *s = sv;
    if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
        return srtp_err_status_bad_param;
    s->dir = srtp_direction_any;
    if (!EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, dir == srtp_direction_encrypt))
        return gcm_failed(srtp_err_status_init_fail);
    s->dir = dir;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *sv, const uint8_t *aad, uint32_t aad_len)
{
    gcm_state *s = sv;
    if (s->dir == srtp_direction_any || aad_len > INT_MAX) return srtp_err_status_bad_param;
    if (aad_len == 0) return srtp_err_status_ok;
    int out = 0;
    if (!EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)aad_len))
        return gcm_failed(srtp_err_status_algo_fail);
    return srtp_err_status_ok;
}

/* Up to, not including, the tag; get_tag finishes the packet. */
static srtp_err_status_t gcm_encrypt(void *sv, uint8_t *buf, unsigned int *len)
{
    gcm_state *s = sv;
    if (s->dir != srtp_direction_encrypt || *len > INT_MAX) return srtp_err_status_bad_param;
    /* SRTCP without encryption authenticates through the AAD alone and passes no buffer. */
    if (*len == 0) return srtp_err_status_ok;
    int out = 0;
    if (!EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len) || (unsigned)out != *len)
        return gcm_failed(srtp_err_status_cipher_fail);
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *sv, uint8_t *tag, uint32_t *len)
{
    gcm_state *s = sv;
    if (s->dir != srtp_direction_encrypt) return srtp_err_status_bad_param;
    s->dir = srtp_direction_any;
    /* GCM's final step writes no bytes; it only computes the tag. */
    int out = 0;
    if (!EVP_CipherFinal_ex(s->ctx, tag, &out) || out != 0 ||
        !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len, tag))
        return gcm_failed(srtp_err_status_algo_fail);
    *len = (uint32_t)s->tag_len;
    return srtp_err_status_ok;
}

/* buf holds ciphertext || tag; *len counts both and loses the tag on success. The payload is
 * decrypted in place before the tag is checked, so a refused buffer holds garbage (as with
 * libsrtp's own OpenSSL build); srtp.c's callers drop it. */
static srtp_err_status_t gcm_decrypt(void *sv, uint8_t *buf, unsigned int *len)
{
    gcm_state *s = sv;
    if (s->dir != srtp_direction_decrypt || *len > INT_MAX) return srtp_err_status_bad_param;
    if (*len < (unsigned)s->tag_len) return srtp_err_status_auth_fail;
    s->dir = srtp_direction_any;
    unsigned int n = *len - (unsigned)s->tag_len;
    int out = 0;
    /* OpenSSL copies the tag; the buffer itself is not written through this pointer. */
    if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, buf + n))
        return gcm_failed(srtp_err_status_cipher_fail);
    if (n > 0 && (!EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)n) || (unsigned)out != n))
        return gcm_failed(srtp_err_status_cipher_fail);
    if (!EVP_CipherFinal_ex(s->ctx, buf + n, &out) || out != 0)
        return gcm_failed(srtp_err_status_auth_fail);
    *len = n;
    return srtp_err_status_ok;
}

/* ---- known answers libsrtp runs when the type is installed ---------------------------------- */

/* RFC 7714 section 16.1: the RTP packet with SSRC 0x5501a0b2, sequence 0xf17b, ROC 0. The
 * IV is the RFC's, already salted; the salt after the key is its "Quid pro quo". */
static const uint8_t rfc7714_key_128[28] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
    0x0e, 0x0f, 'Q',  'u',  'i',  'd',  ' ',  'p',  'r',  'o',  ' ',  'q',  'u',  'o'};
static const uint8_t rfc7714_key_256[44] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
    0x1e, 0x1f, 'Q',  'u',  'i',  'd',  ' ',  'p',  'r',  'o',  ' ',  'q',  'u',  'o'};
static uint8_t rfc7714_iv[12] = {0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2,
                                 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14};
static const uint8_t rfc7714_header[12] = {0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41,
                                           0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2};
static const uint8_t rfc7714_payload[38] = "Gallia est omnis divisa in partes tres";
static const uint8_t rfc7714_sealed_128[54] = {
    0xf2, 0x4d, 0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c, 0x9d, 0x7e,
    0x4b, 0xca, 0xbe, 0x63, 0x3b, 0xd5, 0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a,
    0x51, 0xc7, 0xd1, 0x9b, 0x36, 0xde, 0x3a, 0xdf, 0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27,
    0xbe, 0xb1, 0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce};
static const uint8_t rfc7714_sealed_256[54] = {
    0x32, 0xb1, 0xde, 0x78, 0xa8, 0x22, 0xfe, 0x12, 0xef, 0x9f, 0x78, 0xfa, 0x33, 0x2e,
    0x33, 0xaa, 0xb1, 0x80, 0x12, 0x38, 0x9a, 0x58, 0xe2, 0xf3, 0xb5, 0x0b, 0x2a, 0x02,
    0x76, 0xff, 0xae, 0x0f, 0x1b, 0xa6, 0x37, 0x99, 0xb8, 0x7b, 0x7a, 0xa3, 0xdb, 0x36,
    0xdf, 0xff, 0xd6, 0xb0, 0xf9, 0xbb, 0x78, 0x78, 0xd7, 0xa7, 0x6c, 0x13};

/* A GCM tag cut to 8 bytes is the full tag's first 8. */
#define GCM_TEST(name, bits, tag, next)                                                            \
    static const srtp_cipher_test_case_t name = {                                                  \
        .key_length_octets = sizeof rfc7714_key_##bits,                                            \
        .key = rfc7714_key_##bits,                                                                 \
        .idx = rfc7714_iv,                                                                         \
        .plaintext_length_octets = sizeof rfc7714_payload,                                         \
        .plaintext = rfc7714_payload,                                                              \
        .ciphertext_length_octets = sizeof rfc7714_payload + (tag),                                \
        .ciphertext = rfc7714_sealed_##bits,                                                       \
        .aad_length_octets = sizeof rfc7714_header,                                                \
        .aad = rfc7714_header,                                                                     \
        .tag_length_octets = (tag),                                                                \
        .next_test_case = (next),                                                                  \
    }

GCM_TEST(gcm_128_test_8, 128, 8, NULL);
GCM_TEST(gcm_128_test, 128, 16, &gcm_128_test_8);
GCM_TEST(gcm_256_test_8, 256, 8, NULL);
GCM_TEST(gcm_256_test, 256, 16, &gcm_256_test_8);

#define GCM_TYPE(bits)                                                                             \
    const srtp_cipher_type_t srtp_ossl_aes_gcm_##bits = {                                          \
        .alloc = gcm_alloc,                                                                        \
        .dealloc = gcm_dealloc,                                                                    \
        .init = gcm_init,                                                                          \
        .set_aad = gcm_set_aad,                                                                    \
        .encrypt = gcm_encrypt,                                                                    \
        .decrypt = gcm_decrypt,                                                                    \
        .set_iv = gcm_set_iv,                                                                      \
        .get_tag = gcm_get_tag,                                                                    \
        .description = "AES-" #bits " GCM (dienhong, OpenSSL EVP)",                                \
        .test_data = &gcm_##bits##_test,                                                           \
        .id = SRTP_AES_GCM_##bits,                                                                 \
    }

GCM_TYPE(128);
GCM_TYPE(256);
