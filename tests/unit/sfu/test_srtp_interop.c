/* Packets protected by Debian's stock libsrtp (NSS primitives) and by libsrtp over our OpenSSL
 * primitives are the same packets.
 *
 * One process: first, with the stock primitives, protect RTP (across a sequence rollover, so
 * the ROC enters the IV and the auth tag) and SRTCP for every profile; then install ours, and
 * with fresh sessions on the same keys unprotect the stock packets back to the plaintext and
 * protect the plaintext again to the same bytes. (srtp_session_global_init installs them too,
 * but it calls srtp_init, which libsrtp 2.5.0 refuses a second time; test_srtp_ossl covers it.)
 * SRTP is deterministic given key, SSRC and index, so any difference is a bug. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "sfu/crypto/srtp_ossl.h"
#include "tests/unit/check.h"

/* Exported by libsrtp2.so.1 though not in its public headers: which type the kernel hands out. */
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);

#define NRTP 200
#define NRTCP 12
#define PKT_MAX 1500

typedef struct {
    const char *name;
    void (*set)(srtp_crypto_policy_t *);
    int key_len;
    /* SRTCP puts the E||index word after the tag for AEAD (RFC 7714), before it otherwise. */
    bool aead;
} profile;

static const profile profiles[] = {
    {"AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default, 30, false},
    {"AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, 30, false},
    {"AES_CM_256_HMAC_SHA1_80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46, false},
    {"AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth, 28, true},
    {"AEAD_AES_128_GCM_8", srtp_crypto_policy_set_aes_gcm_128_8_auth, 28, true},
    {"AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth, 44, true},
};
#define NPROFILES (sizeof profiles / sizeof profiles[0])

typedef struct {
    uint8_t buf[PKT_MAX];
    int len;
} packet;

/* Per profile: the plaintexts and what the stock library made of them. */
typedef struct {
    uint8_t key[46];
    packet rtp[NRTP], srtp[NRTP];
    packet rtcp[NRTCP], srtcp[NRTCP];
} corpus;

static corpus corpora[NPROFILES];

static srtp_t session(const profile *pr, const uint8_t *key, srtp_ssrc_type_t dir)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    pr->set(&p.rtp);
    pr->set(&p.rtcp);
    p.ssrc.type = dir;
    p.key = (uint8_t *)key;
    p.window_size = 1024;
    p.allow_repeat_tx = 1;
    srtp_t s = NULL;
    CHECK_EQ(srtp_create(&s, &p), srtp_err_status_ok);
    return s;
}

/* Two SSRCs interleaved, sequence numbers from 65436 over the rollover to 99 (ROC 1), sizes
 * from a bare header to a full MTU; some with CSRCs and a header extension, which move where
 * the encrypted part (and the GCM AAD) starts. */
static int make_rtp(uint8_t *p, int i)
{
    uint32_t ssrc = i % 2 ? 0x5501a0b2u : 0xdeadbeefu;
    uint16_t seq = (uint16_t)(65436 + i / 2 * 2 + i % 2);
    int cc = i % 7 == 3 ? 2 : 0, ext = i % 5 == 1;
    size_t payload = i % 50 == 0 ? 0 : (size_t)(i * 37) % 1200 + 1;
    p[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | cc);
    p[1] = (uint8_t)(96 | (i % 3 == 0 ? 0x80 : 0));
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    uint32_t ts = 3000u * (uint32_t)i;
    for (int b = 0; b < 4; b++) {
        p[4 + b] = (uint8_t)(ts >> (24 - 8 * b));
        p[8 + b] = (uint8_t)(ssrc >> (24 - 8 * b));
    }
    size_t n = 12;
    for (int c = 0; c < cc * 4; c++)
        p[n++] = (uint8_t)(0xc0 + c);
    if (ext) {
        static const uint8_t one_byte[] = {0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00};
        memcpy(p + n, one_byte, sizeof one_byte);
        n += sizeof one_byte;
    }
    for (size_t b = 0; b < payload; b++)
        p[n++] = (uint8_t)(b * 31 + (size_t)i);
    return (int)n;
}

/* A sender report, alone or followed by an SDES, from two SSRCs. */
static int make_rtcp(uint8_t *p, int i)
{
    uint32_t ssrc = i % 2 ? 0x4d617273u : 0x5501a0b2u;
    memset(p, 0, 28);
    p[0] = 0x80;
    p[1] = 200;
    p[3] = 6;
    for (int b = 0; b < 4; b++)
        p[4 + b] = (uint8_t)(ssrc >> (24 - 8 * b));
    for (int b = 8; b < 28; b++)
        p[b] = (uint8_t)(b * i);
    if (i % 3 != 2) return 28;
    static const uint8_t sdes[] = {0x81, 202, 0x00, 0x03, 0, 0, 0, 0, 1, 3, 'h', 'u', 'b', 0};
    memcpy(p + 28, sdes, sizeof sdes);
    memcpy(p + 32, p + 4, 4);
    return 28 + (int)sizeof sdes;
}

/* Before ours are installed. */
static void protect_with_stock(void)
{
    printf("stock: protect\n");
    for (size_t k = 0; k < NPROFILES; k++) {
        corpus *c = &corpora[k];
        for (int b = 0; b < profiles[k].key_len; b++)
            c->key[b] = (uint8_t)(b * 29 + (int)k * 101 + 7);
        srtp_t tx = session(&profiles[k], c->key, ssrc_any_outbound);
        srtp_t rx = session(&profiles[k], c->key, ssrc_any_inbound);
        if (!tx || !rx) return;
        int ok = 0;
        for (int i = 0; i < NRTP; i++) {
            packet *pt = &c->rtp[i], *ct = &c->srtp[i];
            pt->len = make_rtp(pt->buf, i);
            *ct = *pt;
            ok += srtp_protect(tx, ct->buf, &ct->len) == srtp_err_status_ok;
            /* The stock library reads its own packets back: the corpus is sound. */
            packet back = *ct;
            ok += srtp_unprotect(rx, back.buf, &back.len) == srtp_err_status_ok &&
                  back.len == pt->len && memcmp(back.buf, pt->buf, (size_t)pt->len) == 0;
        }
        for (int i = 0; i < NRTCP; i++) {
            packet *pt = &c->rtcp[i], *ct = &c->srtcp[i];
            pt->len = make_rtcp(pt->buf, i);
            *ct = *pt;
            ok += srtp_protect_rtcp(tx, ct->buf, &ct->len) == srtp_err_status_ok;
            packet back = *ct;
            ok += srtp_unprotect_rtcp(rx, back.buf, &back.len) == srtp_err_status_ok &&
                  back.len == pt->len && memcmp(back.buf, pt->buf, (size_t)pt->len) == 0;
        }
        CHECK_EQ(ok, 2 * (NRTP + NRTCP));
        srtp_dealloc(tx);
        srtp_dealloc(rx);
    }
}

static void install_ours(void)
{
    printf("install\n");
    CHECK(srtp_crypto_kernel_get_cipher_type(SRTP_AES_GCM_128) != &srtp_ossl_aes_gcm_128);
    CHECK(srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1) != &srtp_ossl_hmac_sha1);
    CHECK_EQ(srtp_ossl_install(), 0);
    CHECK(srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128) == &srtp_ossl_aes_icm_128);
    CHECK(srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_256) == &srtp_ossl_aes_icm_256);
    CHECK(srtp_crypto_kernel_get_cipher_type(SRTP_AES_GCM_128) == &srtp_ossl_aes_gcm_128);
    CHECK(srtp_crypto_kernel_get_cipher_type(SRTP_AES_GCM_256) == &srtp_ossl_aes_gcm_256);
    CHECK(srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1) == &srtp_ossl_hmac_sha1);
}

static void check_against_stock(void)
{
    for (size_t k = 0; k < NPROFILES; k++) {
        printf("ours vs stock: %s\n", profiles[k].name);
        corpus *c = &corpora[k];
        srtp_t rx = session(&profiles[k], c->key, ssrc_any_inbound);
        srtp_t tx = session(&profiles[k], c->key, ssrc_any_outbound);
        if (!rx || !tx) return;
        int opened = 0, same = 0, opened_rtcp = 0, same_rtcp = 0;
        for (int i = 0; i < NRTP; i++) {
            packet p = c->srtp[i];
            opened += srtp_unprotect(rx, p.buf, &p.len) == srtp_err_status_ok &&
                      p.len == c->rtp[i].len && memcmp(p.buf, c->rtp[i].buf, (size_t)p.len) == 0;
            p = c->rtp[i];
            same += srtp_protect(tx, p.buf, &p.len) == srtp_err_status_ok &&
                    p.len == c->srtp[i].len && memcmp(p.buf, c->srtp[i].buf, (size_t)p.len) == 0;
        }
        for (int i = 0; i < NRTCP; i++) {
            packet p = c->srtcp[i];
            opened_rtcp += srtp_unprotect_rtcp(rx, p.buf, &p.len) == srtp_err_status_ok &&
                           p.len == c->rtcp[i].len &&
                           memcmp(p.buf, c->rtcp[i].buf, (size_t)p.len) == 0;
            p = c->rtcp[i];
            same_rtcp += srtp_protect_rtcp(tx, p.buf, &p.len) == srtp_err_status_ok &&
                         p.len == c->srtcp[i].len &&
                         memcmp(p.buf, c->srtcp[i].buf, (size_t)p.len) == 0;
        }
        CHECK_EQ(opened, NRTP);
        CHECK_EQ(same, NRTP);
        CHECK_EQ(opened_rtcp, NRTCP);
        CHECK_EQ(same_rtcp, NRTCP);
        srtp_dealloc(rx);
        srtp_dealloc(tx);
    }
}

/* Whether byte `at` of an RTP packet lies past its header (CSRCs and extension included). */
static bool past_rtp_header(const packet *plain, int at)
{
    int hdr = 12 + 4 * (plain->buf[0] & 0x0f);
    if (plain->buf[0] & 0x10) hdr += 4 + 4 * (plain->buf[hdr + 2] << 8 | plain->buf[hdr + 3]);
    return at >= hdr;
}

/* Every flipped bit makes the packet fail. Past the header (payload and tag; for SRTCP, all but
 * the index word) it fails authentication; in the header libsrtp may already refuse it as
 * malformed or as a replay, since the bit can move the index or the extension length. A
 * refused packet does not use up its index: the genuine one is accepted afterwards. */
static void check_tampered(void)
{
    for (size_t k = 0; k < NPROFILES; k++) {
        printf("tampered: %s\n", profiles[k].name);
        corpus *c = &corpora[k];
        srtp_t rx = session(&profiles[k], c->key, ssrc_any_inbound);
        if (!rx) return;
        int refused = 0, auth = 0, want_auth = 0, tries = 0, genuine = 0;
        for (int i = 0; i < NRTP; i += 9) {
            const packet *ct = &c->srtp[i];
            for (int bit = i % 8; bit < ct->len * 8; bit += 89) {
                packet p = *ct;
                p.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                srtp_err_status_t st = srtp_unprotect(rx, p.buf, &p.len);
                tries++;
                refused += st != srtp_err_status_ok;
                if (past_rtp_header(&c->rtp[i], bit / 8)) {
                    want_auth++;
                    auth += st == srtp_err_status_auth_fail;
                }
            }
            packet p = *ct;
            genuine += srtp_unprotect(rx, p.buf, &p.len) == srtp_err_status_ok;
        }
        for (int i = 0; i < NRTCP; i++) {
            const packet *ct = &c->srtcp[i];
            int index_at = profiles[k].aead ? ct->len - 4 : c->rtcp[i].len;
            for (int bit = i; bit < ct->len * 8; bit += 29) {
                packet p = *ct;
                p.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                srtp_err_status_t st = srtp_unprotect_rtcp(rx, p.buf, &p.len);
                tries++;
                refused += st != srtp_err_status_ok;
                int at = bit / 8;
                if (at >= 8 && (at < index_at || at >= index_at + 4)) {
                    want_auth++;
                    auth += st == srtp_err_status_auth_fail;
                }
            }
            packet p = *ct;
            genuine += srtp_unprotect_rtcp(rx, p.buf, &p.len) == srtp_err_status_ok;
        }
        CHECK(tries > 200 && want_auth > tries / 2);
        CHECK_EQ(refused, tries);
        CHECK_EQ(auth, want_auth);
        CHECK_EQ(genuine, (NRTP + 8) / 9 + NRTCP);
        srtp_dealloc(rx);
    }
}

int main(void)
{
    CHECK_EQ(srtp_init(), srtp_err_status_ok);
    protect_with_stock();
    install_ours();
    check_against_stock();
    check_tampered();
    CHECK_DONE();
}
