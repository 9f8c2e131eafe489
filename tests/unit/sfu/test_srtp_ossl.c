/* The OpenSSL primitives behind libsrtp (sfu/crypto/srtp_ossl.h), one at a time, through
 * libsrtp's own cipher/auth API: RFC known answers, the same answers as Debian's own (NSS)
 * implementations on random input, installation by srtp_session_global_init, and no OpenSSL
 * allocation and no error left queued per packet. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <srtp2/srtp.h>

#include "sfu/crypto/srtp_ossl.h"
#include "sfu/crypto/srtp_session.h"
#include "tests/unit/check.h"

/* Not in libsrtp's public headers, but exported by libsrtp2.so.1 (2.5.0): the kernel's lookup,
 * and Debian's own primitives, which stay callable after ours replace them in the kernel. */
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);
extern const srtp_cipher_type_t srtp_aes_icm_128, srtp_aes_icm_192, srtp_aes_icm_256;
extern const srtp_cipher_type_t srtp_aes_gcm_128, srtp_aes_gcm_256;
extern const srtp_auth_type_t srtp_hmac;

/* ---- helpers -------------------------------------------------------------------------------- */

static size_t unhex(uint8_t *out, const char *hex)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1];) {
        if (p[0] == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static void rng_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng();
}

static srtp_cipher_t *cipher_new(const srtp_cipher_type_t *t, const uint8_t *key, int key_len,
                                 int tag_len)
{
    srtp_cipher_t *c = NULL;
    if (srtp_cipher_type_alloc(t, &c, key_len, tag_len) != srtp_err_status_ok) return NULL;
    if (srtp_cipher_init(c, key) != srtp_err_status_ok) {
        srtp_cipher_dealloc(c);
        return NULL;
    }
    return c;
}

/* One ICM call: keystream from `iv` XORed into buf. */
static srtp_err_status_t icm_run(srtp_cipher_t *c, const uint8_t iv[16], uint8_t *buf, size_t n)
{
    uint8_t v[16];
    memcpy(v, iv, 16);
    srtp_err_status_t st = srtp_cipher_set_iv(c, v, srtp_direction_encrypt);
    uint32_t len = (uint32_t)n;
    if (st == srtp_err_status_ok) st = srtp_cipher_encrypt(c, buf, &len);
    return st == srtp_err_status_ok && len != n ? srtp_err_status_fail : st;
}

/* One GCM packet the way srtp.c does it: AAD in pieces, then the payload and its tag. */
static srtp_err_status_t gcm_seal(srtp_cipher_t *c, const uint8_t iv[12], const uint8_t *aad,
                                  size_t aad_len, size_t aad_split, uint8_t *buf, size_t n,
                                  size_t *out_len)
{
    uint8_t v[16] = {0};
    memcpy(v, iv, 12);
    srtp_err_status_t st = srtp_cipher_set_iv(c, v, srtp_direction_encrypt);
    if (!st) st = srtp_cipher_set_aad(c, aad, (uint32_t)aad_split);
    if (!st) st = srtp_cipher_set_aad(c, aad + aad_split, (uint32_t)(aad_len - aad_split));
    uint32_t len = (uint32_t)n, tag = 0;
    if (!st) st = srtp_cipher_encrypt(c, buf, &len);
    if (!st) st = srtp_cipher_get_tag(c, buf + len, &tag);
    *out_len = len + tag;
    return st;
}

static srtp_err_status_t gcm_open(srtp_cipher_t *c, const uint8_t iv[12], const uint8_t *aad,
                                  size_t aad_len, size_t aad_split, uint8_t *buf, size_t n,
                                  size_t *out_len)
{
    uint8_t v[16] = {0};
    memcpy(v, iv, 12);
    srtp_err_status_t st = srtp_cipher_set_iv(c, v, srtp_direction_decrypt);
    if (!st) st = srtp_cipher_set_aad(c, aad, (uint32_t)aad_split);
    if (!st) st = srtp_cipher_set_aad(c, aad + aad_split, (uint32_t)(aad_len - aad_split));
    uint32_t len = (uint32_t)n;
    if (!st) st = srtp_cipher_decrypt(c, buf, &len);
    *out_len = len;
    return st;
}

/* ---- AES-ICM: RFC 3711 B.2 keystream, the counter limit, NIST SP 800-38A ------------------ */

static void test_icm_rfc3711_b2(void)
{
    printf("AES-ICM RFC 3711 B.2\n");
    uint8_t key[30];
    unhex(key, "2B7E151628AED2A6ABF7158809CF4F3C F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
    srtp_cipher_t *c = cipher_new(&srtp_ossl_aes_icm_128, key, 30, 0);
    CHECK(c != NULL);
    if (!c) return;
    CHECK(c->type == &srtp_ossl_aes_icm_128 && c->algorithm == SRTP_AES_ICM_128 &&
          c->key_len == 30);
    /* Blocks 0..0xff01 of the keystream for index 0, SSRC 0: the RFC lists the first three and
     * the last three. */
    size_t n = 0xff02 * 16;
    uint8_t *ks = calloc(1, n), iv[16] = {0}, want[16];
    CHECK_EQ(icm_run(c, iv, ks, n), srtp_err_status_ok);
    static const struct {
        size_t block;
        const char *hex;
    } rows[] = {
        {0x0000, "E03EAD0935C95E80E166B16DD92B4EB4"}, {0x0001, "D23513162B02D0F72A43A2FE4A5F97AB"},
        {0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0"}, {0xfeff, "EC8CDF7398607CB0F2D21675EA9EA1E4"},
        {0xff00, "362B7C3C6773516318A077D7FC5073AE"}, {0xff01, "6A2CC3787889374FBEB4C81B17BA6C44"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unhex(want, rows[i].hex);
        CHECK(memcmp(ks + rows[i].block * 16, want, 16) == 0);
    }
    /* A second IV restarts the keystream; XOR twice is the identity. */
    CHECK_EQ(icm_run(c, iv, ks, n), srtp_err_status_ok);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += ks[i] != 0;
    CHECK_EQ(nonzero, 0);
    free(ks);
    srtp_cipher_dealloc(c);
}

/* The low 16 bits of the counter number the blocks of one packet and must not carry. */
static void test_icm_counter_limit(void)
{
    printf("AES-ICM counter limit\n");
    uint8_t key[30] = {1, 2, 3}, iv[16] = {0};
    srtp_cipher_t *c = cipher_new(&srtp_ossl_aes_icm_128, key, 30, 0);
    CHECK(c != NULL);
    if (!c) return;
    size_t all = 65536 * 16;
    uint8_t *buf = calloc(1, all + 1);
    CHECK_EQ(icm_run(c, iv, buf, all), srtp_err_status_ok);
    CHECK_EQ(icm_run(c, iv, buf, all + 1), srtp_err_status_terminus);
    /* Starting at block 0xfffe leaves two blocks. */
    iv[14] = 0xff;
    iv[15] = 0xfe;
    CHECK_EQ(icm_run(c, iv, buf, 32), srtp_err_status_ok);
    CHECK_EQ(icm_run(c, iv, buf, 33), srtp_err_status_terminus);
    /* The limit counts what one IV has produced across calls. */
    uint32_t len = 20;
    CHECK_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt), srtp_err_status_ok);
    CHECK_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_ok);
    len = 13;
    CHECK_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_terminus);
    len = 12;
    CHECK_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_ok);
    free(buf);
    srtp_cipher_dealloc(c);
}

/* F.5.1/F.5.3/F.5.5: the initial counter block f0f1..fdfeff is salt f0..fd (+0x0000) ^ iv. */
static void test_icm_sp800_38a(void)
{
    printf("AES-ICM NIST SP 800-38A CTR\n");
    static const struct {
        const srtp_cipher_type_t *type;
        const char *key, *cipher;
    } rows[] = {
        {&srtp_ossl_aes_icm_128, "2b7e151628aed2a6abf7158809cf4f3c",
         "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
         "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"},
        {&srtp_ossl_aes_icm_192, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
         "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
         "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050"},
        {&srtp_ossl_aes_icm_256, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
         "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
         "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"},
    };
    uint8_t iv[16] = {[14] = 0xfe, [15] = 0xff};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t key[46], buf[64], want[64];
        size_t kl = unhex(key, rows[i].key);
        kl += unhex(key + kl, "f0f1f2f3f4f5f6f7f8f9fafbfcfd");
        unhex(buf, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                   "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
        unhex(want, rows[i].cipher);
        srtp_cipher_t *c = cipher_new(rows[i].type, key, (int)kl, 0);
        CHECK(c != NULL);
        if (!c) continue;
        CHECK(c->type == rows[i].type && c->key_len == (int)kl);
        CHECK_EQ(icm_run(c, iv, buf, sizeof buf), srtp_err_status_ok);
        CHECK(memcmp(buf, want, sizeof buf) == 0);
        srtp_cipher_dealloc(c);
    }
}

/* ---- the key derivation libsrtp runs on our ICM: RFC 3711 B.3 ------------------------------ */

static void test_kdf_rfc3711_b3(void)
{
    printf("KDF RFC 3711 B.3\n");
    uint8_t master[30];
    unhex(master, "E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6");
    /* srtp_kdf_generate: an ICM cipher keyed with master key || salt, IV zero but for the
     * label in byte 7, keystream over zeros. */
    srtp_cipher_t *kdf = cipher_new(&srtp_ossl_aes_icm_128, master, 30, 0);
    CHECK(kdf != NULL);
    if (!kdf) return;
    static const struct {
        uint8_t label;
        const char *hex;
    } rows[] = {
        {0x00, "C61E7A93744F39EE10734AFE3FF7A087"},
        {0x02, "30CBBC08863D8C85D49DB34A9AE1"},
        {0x01, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
               "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
               "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t want[128], out[128] = {0}, iv[16] = {0};
        size_t n = unhex(want, rows[i].hex);
        iv[7] = rows[i].label;
        CHECK_EQ(icm_run(kdf, iv, out, n), srtp_err_status_ok);
        CHECK(memcmp(out, want, n) == 0);
    }
    srtp_cipher_dealloc(kdf);
}

/* ---- AES-GCM: RFC 7714 sections 16 and 17 ------------------------------------------------- */

static void test_gcm_rfc7714(void)
{
    printf("AES-GCM RFC 7714\n");
    static const char *salt = "517569642070726f2071756f";
    static const struct {
        const srtp_cipher_type_t *type;
        const char *key, *iv, *aad, *sealed;
        size_t aad_split;
    } rows[] = {
        /* 16.1.1 / 16.2.1: RTP, AAD is the 12-byte header. */
        {&srtp_ossl_aes_gcm_128, "000102030405060708090a0b0c0d0e0f", "51753c6580c2726f20718414",
         "8040f17b8041f8d35501a0b2",
         "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
         "899d7f27beb16a9152cf765ee4390cce",
         12},
        {&srtp_ossl_aes_gcm_256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "51753c6580c2726f20718414", "8040f17b8041f8d35501a0b2",
         "32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b"
         "7aa3db36dfffd6b0f9bb7878d7a76c13",
         12},
        /* 17.1.1 / 17.2.1: SRTCP, AAD is the 8-byte header then E || index, given in two
         * pieces as srtp.c does. */
        {&srtp_ossl_aes_gcm_128, "000102030405060708090a0b0c0d0e0f", "517524055203726f207170bb",
         "81c8000d4d617273 800005d4",
         "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded"
         "0bb9275bc84aa45896cf4d2fc5abf87245d9eade",
         8},
        {&srtp_ossl_aes_gcm_256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "517524055203726f207170bb", "81c8000d4d617273 800005d4",
         "d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de047"
         "6f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be",
         8},
    };
    static const char *rtp_payload = "47616c6c696120657374206f6d6e69732064697669736120696e2070"
                                     "61727465732074726573";
    static const char *rtcp_payload = "4e5450314e545032525450200000042a0000e9304c756e61"
                                      "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t key[44], iv[12], aad[16], plain[64], sealed[80], buf[80];
        size_t kl = unhex(key, rows[i].key);
        kl += unhex(key + kl, salt);
        unhex(iv, rows[i].iv);
        size_t aad_len = unhex(aad, rows[i].aad);
        size_t pl = unhex(plain, i < 2 ? rtp_payload : rtcp_payload);
        size_t sl = unhex(sealed, rows[i].sealed);
        CHECK_EQ(sl, pl + 16);
        for (int tag = 16; tag >= 8; tag -= 8) {
            srtp_cipher_t *c = cipher_new(rows[i].type, key, (int)kl, tag);
            CHECK(c != NULL);
            if (!c) continue;
            CHECK(c->type == rows[i].type && c->algorithm == (int)rows[i].type->id &&
                  c->key_len == (int)kl);
            size_t n;
            memcpy(buf, plain, pl);
            CHECK_EQ(gcm_seal(c, iv, aad, aad_len, rows[i].aad_split, buf, pl, &n),
                     srtp_err_status_ok);
            /* An 8-byte tag is the first 8 bytes of the full one. */
            CHECK(n == pl + (size_t)tag && memcmp(buf, sealed, n) == 0);
            CHECK_EQ(gcm_open(c, iv, aad, aad_len, rows[i].aad_split, buf, n, &n),
                     srtp_err_status_ok);
            CHECK(n == pl && memcmp(buf, plain, pl) == 0);
            /* Any flipped bit in ciphertext, tag or AAD fails; a short buffer fails. */
            for (size_t bit = 0; bit < (pl + (size_t)tag) * 8; bit += 13) {
                memcpy(buf, sealed, pl + (size_t)tag);
                buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                CHECK_EQ(
                    gcm_open(c, iv, aad, aad_len, rows[i].aad_split, buf, pl + (size_t)tag, &n),
                    srtp_err_status_auth_fail);
            }
            for (size_t bit = 0; bit < aad_len * 8; bit += 5) {
                uint8_t bad[16];
                memcpy(bad, aad, aad_len);
                bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                memcpy(buf, sealed, pl + (size_t)tag);
                CHECK_EQ(
                    gcm_open(c, iv, bad, aad_len, rows[i].aad_split, buf, pl + (size_t)tag, &n),
                    srtp_err_status_auth_fail);
            }
            memcpy(buf, sealed, pl + (size_t)tag);
            CHECK_EQ(gcm_open(c, iv, aad, aad_len, rows[i].aad_split, buf, (size_t)tag - 1, &n),
                     srtp_err_status_auth_fail);
            /* Still usable after failures. */
            CHECK_EQ(gcm_open(c, iv, aad, aad_len, rows[i].aad_split, buf, pl + (size_t)tag, &n),
                     srtp_err_status_ok);
            CHECK(n == pl && memcmp(buf, plain, pl) == 0);
            srtp_cipher_dealloc(c);
        }
    }
    /* What libsrtp must refuse: other key and tag lengths. */
    srtp_cipher_t *c = NULL;
    CHECK_EQ(srtp_cipher_type_alloc(&srtp_ossl_aes_gcm_128, &c, 30, 16), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_type_alloc(&srtp_ossl_aes_gcm_128, &c, 28, 12), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_type_alloc(&srtp_ossl_aes_icm_128, &c, 28, 0), srtp_err_status_bad_param);
}

/* Calls out of order are refused rather than producing a packet. */
static void test_gcm_misuse(void)
{
    printf("AES-GCM call order\n");
    uint8_t key[28] = {7}, iv[16] = {1}, buf[64] = {0}, tag[16];
    srtp_cipher_t *c = cipher_new(&srtp_ossl_aes_gcm_128, key, 28, 16);
    CHECK(c != NULL);
    if (!c) return;
    uint32_t len = 16, tl = 0;
    CHECK_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_any), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_decrypt), srtp_err_status_ok);
    CHECK_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_get_tag(c, tag, &tl), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt), srtp_err_status_ok);
    CHECK_EQ(srtp_cipher_encrypt(c, buf, &len), srtp_err_status_ok);
    CHECK_EQ(srtp_cipher_decrypt(c, buf, &len), srtp_err_status_bad_param);
    CHECK_EQ(srtp_cipher_get_tag(c, tag, &tl), srtp_err_status_ok);
    CHECK_EQ(tl, 16);
    /* A finished packet needs a new IV. */
    CHECK_EQ(srtp_cipher_get_tag(c, tag, &tl), srtp_err_status_bad_param);
    srtp_cipher_dealloc(c);
}

/* ---- HMAC-SHA1: RFC 2202 ------------------------------------------------------------------- */

static srtp_auth_t *auth_new(const srtp_auth_type_t *t, const uint8_t *key, int key_len,
                             int out_len)
{
    srtp_auth_t *a = NULL;
    if (srtp_auth_type_alloc(t, &a, key_len, out_len) != srtp_err_status_ok) return NULL;
    if (srtp_auth_init(a, key) != srtp_err_status_ok) {
        srtp_auth_dealloc(a);
        return NULL;
    }
    return a;
}

static void test_hmac_rfc2202(void)
{
    printf("HMAC-SHA1 RFC 2202\n");
    static const char *larger = "Test Using Larger Than Block-Size Key";
    char data6[64], data7[96];
    snprintf(data6, sizeof data6, "%s - Hash Key First", larger);
    snprintf(data7, sizeof data7, "%s and Larger Than One Block-Size Data", larger);
    struct row {
        uint8_t key[80];
        int key_len;
        uint8_t data[80];
        int data_len;
        const char *mac;
    } rows[7];
    memset(rows, 0, sizeof rows);
    memset(rows[0].key, 0x0b, rows[0].key_len = 20);
    memcpy(rows[0].data, "Hi There", rows[0].data_len = 8);
    memcpy(rows[1].key, "Jefe", rows[1].key_len = 4);
    memcpy(rows[1].data, "what do ya want for nothing?", rows[1].data_len = 28);
    memset(rows[2].key, 0xaa, rows[2].key_len = 20);
    memset(rows[2].data, 0xdd, rows[2].data_len = 50);
    for (int i = 0; i < 25; i++)
        rows[3].key[i] = (uint8_t)(i + 1);
    rows[3].key_len = 25;
    memset(rows[3].data, 0xcd, rows[3].data_len = 50);
    memset(rows[4].key, 0x0c, rows[4].key_len = 20);
    memcpy(rows[4].data, "Test With Truncation", rows[4].data_len = 20);
    memset(rows[5].key, 0xaa, rows[5].key_len = 80);
    memcpy(rows[5].data, data6, (size_t)(rows[5].data_len = (int)strlen(data6)));
    memset(rows[6].key, 0xaa, rows[6].key_len = 80);
    memcpy(rows[6].data, data7, (size_t)(rows[6].data_len = (int)strlen(data7)));
    rows[0].mac = "b617318655057264e28bc0b6fb378c8ef146be00";
    rows[1].mac = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
    rows[2].mac = "125d7342b9ac11cd91a39af48aa17b4f63f175d3";
    rows[3].mac = "4c9007f4026250c6bc8414f9bf50c86c2d7235da";
    rows[4].mac = "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04";
    rows[5].mac = "aa4ae5e15272d00e95705637ce8a3b55ed402112";
    rows[6].mac = "e8e99d0f45237d786d6bbaa7965c7808bbff1a91";
    for (int i = 0; i < 7; i++) {
        uint8_t want[20], tag[20];
        unhex(want, rows[i].mac);
        /* Full length and the SRTP truncations (80 and 32 bits; case 5 is about truncation). */
        static const int outs[] = {20, 12, 10, 4};
        for (size_t o = 0; o < sizeof outs / sizeof outs[0]; o++) {
            srtp_auth_t *a = auth_new(&srtp_ossl_hmac_sha1, rows[i].key, rows[i].key_len, outs[o]);
            CHECK(a != NULL);
            if (!a) continue;
            CHECK(a->type == &srtp_ossl_hmac_sha1 && a->out_len == outs[o] &&
                  a->key_len == rows[i].key_len && a->prefix_len == 0);
            memset(tag, 0xee, sizeof tag);
            CHECK_EQ(srtp_auth_compute(a, rows[i].data, rows[i].data_len, tag), srtp_err_status_ok);
            CHECK(memcmp(tag, want, (size_t)outs[o]) == 0);
            /* Nothing written past the tag length. */
            CHECK(outs[o] == 20 || tag[outs[o]] == 0xee);
            /* start + update in pieces + compute, as srtp.c does (packet, then ROC). */
            for (int rep = 0; rep < 2; rep++) {
                int cut = rows[i].data_len / 3;
                memset(tag, 0, sizeof tag);
                CHECK_EQ(srtp_auth_start(a), srtp_err_status_ok);
                CHECK_EQ(srtp_auth_update(a, rows[i].data, cut), srtp_err_status_ok);
                CHECK_EQ(srtp_auth_update(a, rows[i].data + cut, 0), srtp_err_status_ok);
                CHECK_EQ(srtp_auth_compute(a, rows[i].data + cut, rows[i].data_len - cut, tag),
                         srtp_err_status_ok);
                CHECK(memcmp(tag, want, (size_t)outs[o]) == 0);
            }
            srtp_auth_dealloc(a);
        }
    }
    srtp_auth_t *a = NULL;
    CHECK_EQ(srtp_auth_type_alloc(&srtp_ossl_hmac_sha1, &a, 20, 21), srtp_err_status_bad_param);
}

/* ---- the same answers as Debian's (NSS) primitives on random input ------------------------- */

static void test_same_as_stock_icm(void)
{
    printf("AES-ICM vs stock\n");
    static const struct {
        const srtp_cipher_type_t *ours, *stock;
        int key_len;
    } rows[] = {
        {&srtp_ossl_aes_icm_128, &srtp_aes_icm_128, 30},
        {&srtp_ossl_aes_icm_192, &srtp_aes_icm_192, 38},
        {&srtp_ossl_aes_icm_256, &srtp_aes_icm_256, 46},
    };
    int same = 0, runs = 0;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        for (int i = 0; i < 200; i++) {
            uint8_t key[46], iv[16], a[1500], b[1500];
            rng_fill(key, sizeof key);
            rng_fill(iv, sizeof iv);
            /* libsrtp's IVs leave the block counter at zero; the KDF's too. */
            iv[14] = iv[15] = 0;
            size_t n = rng() % sizeof a;
            rng_fill(a, n);
            memcpy(b, a, n);
            srtp_cipher_t *co = cipher_new(rows[r].ours, key, rows[r].key_len, 0);
            srtp_cipher_t *cs = cipher_new(rows[r].stock, key, rows[r].key_len, 0);
            CHECK(co && cs);
            if (co && cs) {
                runs++;
                same += icm_run(co, iv, a, n) == srtp_err_status_ok &&
                        icm_run(cs, iv, b, n) == srtp_err_status_ok && memcmp(a, b, n) == 0;
            }
            if (co) srtp_cipher_dealloc(co);
            if (cs) srtp_cipher_dealloc(cs);
        }
    }
    CHECK_EQ(same, runs);
    CHECK_EQ(runs, 600);
}

static void test_same_as_stock_gcm(void)
{
    printf("AES-GCM vs stock\n");
    static const struct {
        const srtp_cipher_type_t *ours, *stock;
        int key_len;
    } rows[] = {
        {&srtp_ossl_aes_gcm_128, &srtp_aes_gcm_128, 28},
        {&srtp_ossl_aes_gcm_256, &srtp_aes_gcm_256, 44},
    };
    int same = 0, opened = 0, runs = 0;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        for (int i = 0; i < 200; i++) {
            int tag = i % 2 ? 8 : 16;
            uint8_t key[44], iv[12], aad[64], a[1520], b[1520];
            rng_fill(key, sizeof key);
            rng_fill(iv, sizeof iv);
            size_t aad_len = 1 + rng() % sizeof aad, split = rng() % (aad_len + 1);
            rng_fill(aad, aad_len);
            size_t n = rng() % 1500, na = 0, nb = 0;
            rng_fill(a, n);
            memcpy(b, a, n);
            srtp_cipher_t *co = cipher_new(rows[r].ours, key, rows[r].key_len, tag);
            srtp_cipher_t *cs = cipher_new(rows[r].stock, key, rows[r].key_len, tag);
            CHECK(co && cs);
            if (co && cs) {
                runs++;
                bool ok = gcm_seal(co, iv, aad, aad_len, split, a, n, &na) == 0 &&
                          gcm_seal(cs, iv, aad, aad_len, split, b, n, &nb) == 0;
                same += ok && na == nb && na == n + (size_t)tag && memcmp(a, b, na) == 0;
                /* Ours opens what the stock one sealed. */
                opened += gcm_open(co, iv, aad, aad_len, split, b, nb, &nb) == 0 && nb == n;
            }
            if (co) srtp_cipher_dealloc(co);
            if (cs) srtp_cipher_dealloc(cs);
        }
    }
    CHECK_EQ(same, runs);
    CHECK_EQ(opened, runs);
    CHECK_EQ(runs, 400);
}

static void test_same_as_stock_hmac(void)
{
    printf("HMAC-SHA1 vs stock\n");
    int same = 0, runs = 0;
    for (int i = 0; i < 300; i++) {
        uint8_t key[20], data[1500], roc[4], ta[20], tb[20];
        int out = i % 3 == 0 ? 4 : i % 3 == 1 ? 10 : 20;
        rng_fill(key, sizeof key);
        rng_fill(roc, sizeof roc);
        int n = (int)(rng() % sizeof data);
        rng_fill(data, (size_t)n);
        srtp_auth_t *ao = auth_new(&srtp_ossl_hmac_sha1, key, 20, out);
        srtp_auth_t *as = auth_new(&srtp_hmac, key, 20, out);
        CHECK(ao && as);
        if (ao && as) {
            runs++;
            bool ok = true;
            for (int k = 0; k < 2; k++) {
                srtp_auth_t *a = k ? as : ao;
                uint8_t *t = k ? tb : ta;
                ok = ok && srtp_auth_start(a) == 0 && srtp_auth_update(a, data, n) == 0 &&
                     srtp_auth_compute(a, roc, 4, t) == 0;
            }
            same += ok && memcmp(ta, tb, (size_t)out) == 0;
        }
        if (ao) srtp_auth_dealloc(ao);
        if (as) srtp_auth_dealloc(as);
    }
    CHECK_EQ(same, runs);
    CHECK_EQ(runs, 300);
}

/* ---- libsrtp's own checks, and installation ------------------------------------------------ */

static void test_self_tests(void)
{
    printf("libsrtp self-tests\n");
    static const struct {
        const srtp_cipher_type_t *ours, *stock;
    } rows[] = {
        {&srtp_ossl_aes_icm_128, &srtp_aes_icm_128}, {&srtp_ossl_aes_icm_192, &srtp_aes_icm_192},
        {&srtp_ossl_aes_icm_256, &srtp_aes_icm_256}, {&srtp_ossl_aes_gcm_128, &srtp_aes_gcm_128},
        {&srtp_ossl_aes_gcm_256, &srtp_aes_gcm_256},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        /* Our vectors, then the vectors Debian's type carries. */
        CHECK_EQ(srtp_cipher_type_self_test(rows[i].ours), srtp_err_status_ok);
        CHECK_EQ(srtp_cipher_type_test(rows[i].ours, rows[i].stock->test_data), srtp_err_status_ok);
        /* Our vectors are right: the stock implementation agrees with them. */
        CHECK_EQ(srtp_cipher_type_test(rows[i].stock, rows[i].ours->test_data), srtp_err_status_ok);
    }
    CHECK_EQ(srtp_auth_type_self_test(&srtp_ossl_hmac_sha1), srtp_err_status_ok);
    CHECK_EQ(srtp_auth_type_test(&srtp_ossl_hmac_sha1, srtp_hmac.test_data), srtp_err_status_ok);
    CHECK_EQ(srtp_auth_type_test(&srtp_hmac, srtp_ossl_hmac_sha1.test_data), srtp_err_status_ok);
}

/* srtp_session_global_init (run first in main) installed ours: the kernel hands them out. */
static void test_installed(void)
{
    printf("installed\n");
    static const srtp_cipher_type_id_t ids[] = {
        SRTP_AES_ICM_128, SRTP_AES_ICM_192, SRTP_AES_ICM_256, SRTP_AES_GCM_128, SRTP_AES_GCM_256};
    const srtp_cipher_type_t *ours[] = {&srtp_ossl_aes_icm_128, &srtp_ossl_aes_icm_192,
                                        &srtp_ossl_aes_icm_256, &srtp_ossl_aes_gcm_128,
                                        &srtp_ossl_aes_gcm_256};
    for (int rep = 0; rep < 2; rep++) {
        for (size_t i = 0; i < 5; i++)
            CHECK(srtp_crypto_kernel_get_cipher_type(ids[i]) == ours[i]);
        CHECK(srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1) == &srtp_ossl_hmac_sha1);
        /* Installing again changes nothing. */
        CHECK_EQ(srtp_ossl_install(), 0);
    }
}

/* ---- per packet: no OpenSSL allocation, no error left queued ------------------------------- */

static long ossl_allocs;
static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    __atomic_add_fetch(&ossl_allocs, 1, __ATOMIC_RELAXED);
    return malloc(n);
}
static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file, (void)line;
    __atomic_add_fetch(&ossl_allocs, 1, __ATOMIC_RELAXED);
    return realloc(p, n);
}
static void count_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    free(p);
}

static size_t rtp_packet(uint8_t *p, uint16_t seq, size_t payload)
{
    memset(p, 0, 12);
    p[0] = 0x80;
    p[1] = 96;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[11] = 0x42;
    for (size_t i = 0; i < payload; i++)
        p[12 + i] = (uint8_t)(i * seq);
    return 12 + payload;
}

static void test_no_alloc_per_packet(bool counting)
{
    printf("per-packet allocations%s\n", counting ? "" : " (not counted: OpenSSL was already up)");
    for (int profile = 0; profile < 2; profile++) {
        srtp_policy_t p;
        memset(&p, 0, sizeof p);
        if (profile) {
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
        } else {
            srtp_crypto_policy_set_rtp_default(&p.rtp);
            srtp_crypto_policy_set_rtcp_default(&p.rtcp);
        }
        uint8_t key[46];
        rng_fill(key, sizeof key);
        p.key = key;
        p.window_size = 1024;
        p.ssrc.type = ssrc_any_outbound;
        srtp_t tx = NULL, rx = NULL;
        CHECK_EQ(srtp_create(&tx, &p), srtp_err_status_ok);
        p.ssrc.type = ssrc_any_inbound;
        CHECK_EQ(srtp_create(&rx, &p), srtp_err_status_ok);
        if (!tx || !rx) return;
        uint8_t buf[1600];
        int fails = 0, auth_fails = 0;
        long before = 0;
        for (int i = 0; i < 3000; i++) {
            if (i == 100) before = __atomic_load_n(&ossl_allocs, __ATOMIC_RELAXED);
            int n = (int)rtp_packet(buf, (uint16_t)(65000 + i), 1100);
            fails += srtp_protect(tx, buf, &n) != srtp_err_status_ok;
            if (i % 10 == 0) {
                /* A forged packet is refused and leaves nothing on OpenSSL's error queue. What
                 * a refused buffer holds is unspecified (GCM decrypts before the tag check). */
                uint8_t forged[1600];
                int fn = n;
                memcpy(forged, buf, (size_t)n);
                forged[20] ^= 0x10;
                auth_fails += srtp_unprotect(rx, forged, &fn) == srtp_err_status_auth_fail;
            }
            fails += srtp_unprotect(rx, buf, &n) != srtp_err_status_ok;
            n = 28;
            memset(buf, 0, (size_t)n);
            buf[0] = 0x80, buf[1] = 200, buf[3] = 6, buf[7] = 0x42;
            fails += srtp_protect_rtcp(tx, buf, &n) != srtp_err_status_ok;
            fails += srtp_unprotect_rtcp(rx, buf, &n) != srtp_err_status_ok;
        }
        long after = __atomic_load_n(&ossl_allocs, __ATOMIC_RELAXED);
        CHECK_EQ(fails, 0);
        CHECK_EQ(auth_fails, 300);
        if (counting) CHECK_EQ(after - before, 0);
        CHECK_EQ(ERR_peek_error(), 0);
        srtp_dealloc(tx);
        srtp_dealloc(rx);
    }
}

int main(void)
{
    /* Before anything makes OpenSSL allocate, so that its allocations can be counted. */
    bool counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
    CHECK(counting);
    /* The hub's path: srtp_init, then ours installed. Debian's own types stay callable by
     * their exported names for the comparisons below. */
    CHECK_EQ(srtp_session_global_init(), 0);

    test_icm_rfc3711_b2();
    test_icm_counter_limit();
    test_icm_sp800_38a();
    test_kdf_rfc3711_b3();
    test_gcm_rfc7714();
    test_gcm_misuse();
    test_hmac_rfc2202();
    test_same_as_stock_icm();
    test_same_as_stock_gcm();
    test_same_as_stock_hmac();
    test_self_tests();
    test_installed();
    test_no_alloc_per_packet(counting);

    CHECK_EQ(srtp_shutdown(), srtp_err_status_ok);
    CHECK_DONE();
}
