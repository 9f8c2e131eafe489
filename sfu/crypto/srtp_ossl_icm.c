/* AES in integer counter mode (RFC 3711 section 4.1.1) for libsrtp, over OpenSSL's AES-CTR.
 *
 * The key buffer libsrtp hands to init is key || 14-byte salt. The counter of a packet is
 * (salt || 0x0000) XOR iv, where srtp.c builds iv as 0^32 || SSRC || index || 0^16, and the KDF
 * as 0^56 || label || 0^64 (srtp_kdf_generate). The low 16 bits count the blocks of one packet;
 * RFC 3711 allows no carry out of them, so a request that would carry is refused, as libsrtp's
 * native ICM does. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "srtp_ossl.h"

#define ICM_SALT_LEN 14
#define ICM_BLOCK 16
/* 2^16 blocks per counter value. */
#define ICM_MAX_BYTES (65536u * ICM_BLOCK)
_Static_assert(ICM_MAX_BYTES <= INT_MAX, "a length within the counter range fits EVP's int");

typedef struct {
    EVP_CIPHER_CTX *ctx;
    int key_size;
    uint8_t offset[ICM_BLOCK];
    /* Keystream bytes the current IV may still produce before the 16-bit block counter wraps. */
    uint32_t left;
} icm_state;

/* libsrtp frees what alloc returned through our dealloc only, so cipher and state share one
 * allocation. */
typedef struct {
    srtp_cipher_t cipher;
    icm_state state;
} icm_cipher;

static srtp_err_status_t icm_failed(srtp_err_status_t st)
{
    /* A stale entry would be read by the next SSL_get_error() on this thread (DTLS). */
    ERR_clear_error();
    return st;
}

static srtp_err_status_t icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
    (void)tag_len;
    const srtp_cipher_type_t *type;
    int key_size;
    switch (key_len) {
    case SRTP_AES_ICM_128_KEY_LEN_WSALT:
        type = &srtp_ossl_aes_icm_128;
        key_size = SRTP_AES_128_KEY_LEN;
        break;
    case SRTP_AES_ICM_192_KEY_LEN_WSALT:
        type = &srtp_ossl_aes_icm_192;
        key_size = SRTP_AES_192_KEY_LEN;
        break;
    case SRTP_AES_ICM_256_KEY_LEN_WSALT:
        type = &srtp_ossl_aes_icm_256;
        key_size = SRTP_AES_256_KEY_LEN;
        break;
    default:
        return srtp_err_status_bad_param;
    }
    icm_cipher *ic = calloc(1, sizeof *ic);
    if (!ic) return srtp_err_status_alloc_fail;
    ic->state.ctx = EVP_CIPHER_CTX_new();
    if (!ic->state.ctx) {
        free(ic);
        return icm_failed(srtp_err_status_alloc_fail);
    }
    ic->state.key_size = key_size;
    ic->cipher.type = type;
    ic->cipher.state = &ic->state;
    ic->cipher.key_len = key_len;
    /* srtp.c tells AEAD ciphers from the others by this field, and reads type->id too. */
    ic->cipher.algorithm = type->id;
    *cp = &ic->cipher;
    return srtp_err_status_ok;
}

static srtp_err_status_t icm_dealloc(srtp_cipher_pointer_t cp)
{
    if (!cp) return srtp_err_status_bad_param;
    icm_cipher *ic = (icm_cipher *)cp;
    EVP_CIPHER_CTX_free(ic->state.ctx);
    OPENSSL_cleanse(ic, sizeof *ic);
    free(ic);
    return srtp_err_status_ok;
}

static const EVP_CIPHER *icm_evp(int key_size)
{
    switch (key_size) {
    case SRTP_AES_128_KEY_LEN:
        return EVP_aes_128_ctr();
    case SRTP_AES_192_KEY_LEN:
        return EVP_aes_192_ctr();
    case SRTP_AES_256_KEY_LEN:
        return EVP_aes_256_ctr();
    default:
        return NULL;
    }
}

static srtp_err_status_t icm_init(void *sv, const uint8_t *key)
{
    icm_state *s = sv;
    memset(s->offset, 0, sizeof s->offset);
    memcpy(s->offset, key + s->key_size, ICM_SALT_LEN);
    s->left = 0;
    /* The key schedule is done here, once per session key; set_iv only loads a counter. */
    if (!EVP_EncryptInit_ex(s->ctx, icm_evp(s->key_size), NULL, key, NULL))
        return icm_failed(srtp_err_status_init_fail);
    return srtp_err_status_ok;
}

static srtp_err_status_t icm_set_iv(void *sv, uint8_t *iv, srtp_cipher_direction_t dir)
{
    (void)dir;
    icm_state *s = sv;
    uint8_t counter[ICM_BLOCK];
    for (int i = 0; i < ICM_BLOCK; i++)
        counter[i] = s->offset[i] ^ iv[i];
    uint32_t block = (uint32_t)counter[14] << 8 | counter[15];
    s->left = ICM_MAX_BYTES - block * ICM_BLOCK;
    if (!EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, counter))
        return icm_failed(srtp_err_status_cipher_fail);
    return srtp_err_status_ok;
}

/* Encryption and decryption are the same XOR with the keystream. */
static srtp_err_status_t icm_crypt(void *sv, uint8_t *buf, unsigned int *len)
{
    icm_state *s = sv;
    if (*len > s->left) return srtp_err_status_terminus;
    if (*len == 0) return srtp_err_status_ok;
    int out = 0;
    if (!EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) || (unsigned)out != *len)
        return icm_failed(srtp_err_status_cipher_fail);
    s->left -= *len;
    return srtp_err_status_ok;
}

/* ---- known answers libsrtp runs when the type is installed ---------------------------------- */

/* RFC 3711 appendix B.2: the first two keystream blocks, packet index 0, SSRC 0. */
static const uint8_t b2_key[30] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7,
                                   0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3,
                                   0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static uint8_t b2_iv[16];
static const uint8_t b2_zeros[32];
static const uint8_t b2_keystream[32] = {
    0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
    0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab};

static const srtp_cipher_test_case_t icm_128_test = {
    .key_length_octets = sizeof b2_key,
    .key = b2_key,
    .idx = b2_iv,
    .plaintext_length_octets = sizeof b2_zeros,
    .plaintext = b2_zeros,
    .ciphertext_length_octets = sizeof b2_keystream,
    .ciphertext = b2_keystream,
};

/* NIST SP 800-38A F.5.3 and F.5.5 (CTR-AES192/256.Encrypt). Its initial counter block
 * f0f1..fdfeff is salt f0..fd with the 0x0000 the offset appends, XOR an IV ending in feff. */
static const uint8_t sp800_plain[64] = {
    0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
    0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
    0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
    0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10};
static uint8_t sp800_iv[16] = {[14] = 0xfe, [15] = 0xff};

static const uint8_t sp800_192_key[38] = {
    0x8e, 0x73, 0xb0, 0xf7, 0xda, 0x0e, 0x64, 0x52, 0xc8, 0x10, 0xf3, 0x2b, 0x80,
    0x90, 0x79, 0xe5, 0x62, 0xf8, 0xea, 0xd2, 0x52, 0x2c, 0x6b, 0x7b, 0xf0, 0xf1,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static const uint8_t sp800_192_cipher[64] = {
    0x1a, 0xbc, 0x93, 0x24, 0x17, 0x52, 0x1c, 0xa2, 0x4f, 0x2b, 0x04, 0x59, 0xfe, 0x7e, 0x6e, 0x0b,
    0x09, 0x03, 0x39, 0xec, 0x0a, 0xa6, 0xfa, 0xef, 0xd5, 0xcc, 0xc2, 0xc6, 0xf4, 0xce, 0x8e, 0x94,
    0x1e, 0x36, 0xb2, 0x6b, 0xd1, 0xeb, 0xc6, 0x70, 0xd1, 0xbd, 0x1d, 0x66, 0x56, 0x20, 0xab, 0xf7,
    0x4f, 0x78, 0xa7, 0xf6, 0xd2, 0x98, 0x09, 0x58, 0x5a, 0x97, 0xda, 0xec, 0x58, 0xc6, 0xb0, 0x50};

static const uint8_t sp800_256_key[46] = {
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static const uint8_t sp800_256_cipher[64] = {
    0x60, 0x1e, 0xc3, 0x13, 0x77, 0x57, 0x89, 0xa5, 0xb7, 0xa7, 0xf5, 0x04, 0xbb, 0xf3, 0xd2, 0x28,
    0xf4, 0x43, 0xe3, 0xca, 0x4d, 0x62, 0xb5, 0x9a, 0xca, 0x84, 0xe9, 0x90, 0xca, 0xca, 0xf5, 0xc5,
    0x2b, 0x09, 0x30, 0xda, 0xa2, 0x3d, 0xe9, 0x4c, 0xe8, 0x70, 0x17, 0xba, 0x2d, 0x84, 0x98, 0x8d,
    0xdf, 0xc9, 0xc5, 0x8d, 0xb6, 0x7a, 0xad, 0xa6, 0x13, 0xc2, 0xdd, 0x08, 0x45, 0x79, 0x41, 0xa6};

static const srtp_cipher_test_case_t icm_192_test = {
    .key_length_octets = sizeof sp800_192_key,
    .key = sp800_192_key,
    .idx = sp800_iv,
    .plaintext_length_octets = sizeof sp800_plain,
    .plaintext = sp800_plain,
    .ciphertext_length_octets = sizeof sp800_192_cipher,
    .ciphertext = sp800_192_cipher,
};

static const srtp_cipher_test_case_t icm_256_test = {
    .key_length_octets = sizeof sp800_256_key,
    .key = sp800_256_key,
    .idx = sp800_iv,
    .plaintext_length_octets = sizeof sp800_plain,
    .plaintext = sp800_plain,
    .ciphertext_length_octets = sizeof sp800_256_cipher,
    .ciphertext = sp800_256_cipher,
};

#define ICM_TYPE(bits)                                                                             \
    const srtp_cipher_type_t srtp_ossl_aes_icm_##bits = {                                          \
        .alloc = icm_alloc,                                                                        \
        .dealloc = icm_dealloc,                                                                    \
        .init = icm_init,                                                                          \
        .encrypt = icm_crypt,                                                                      \
        .decrypt = icm_crypt,                                                                      \
        .set_iv = icm_set_iv,                                                                      \
        .description = "AES-" #bits " counter mode (dienhong, OpenSSL EVP)",                       \
        .test_data = &icm_##bits##_test,                                                           \
        .id = SRTP_AES_ICM_##bits,                                                                 \
    }

ICM_TYPE(128);
ICM_TYPE(192);
ICM_TYPE(256);
