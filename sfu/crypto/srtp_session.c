#include "srtp_session.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "sfu/base/log.h"
#include "srtp_ossl.h"

#define TAG "srtp"
/* Large enough for the reordering a simulcast sender produces across a few hundred ms. */
#define REPLAY_WINDOW 1024
#define RTP_HEADER_MIN 12
#define RTCP_HEADER_MIN 8
#define SRTCP_INDEX_LEN 4

struct srtp_session {
    srtp_t in, out;
    size_t rtp_trailer, rtcp_trailer;
};

_Static_assert(SRTP_MAX_TRAILER >= SRTCP_INDEX_LEN + SRTP_MAX_TAG_LEN,
               "callers' headroom must cover the largest trailer");

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_result = -1;

static void global_init_once(void)
{
    srtp_err_status_t st = srtp_init();
    g_init_result = st == srtp_err_status_ok ? 0 : -(int)st;
    if (g_init_result) {
        LOGW(TAG, "srtp_init failed: %d", (int)st);
        return;
    }
    /* libsrtp's own primitives stay correct if this is refused, only slower (Debian builds them
     * on NSS), so a refusal is logged, not fatal. */
    int rc = srtp_ossl_install();
    if (rc) LOGW(TAG, "OpenSSL SRTP primitives refused (%d); keeping libsrtp's own", rc);
}

int srtp_session_global_init(void)
{
    pthread_once(&g_once, global_init_once);
    return g_init_result;
}

static srtp_t create(const dtls_srtp_keys *keys, const uint8_t *key, srtp_ssrc_type_t type)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    if (keys->profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    } else {
        srtp_crypto_policy_set_rtp_default(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
    }
    uint8_t k[sizeof keys->local];
    memcpy(k, key, keys->key_len);
    p.ssrc.type = type;
    p.key = k;
    p.window_size = REPLAY_WINDOW;
    /* An SFU resends the same packet (NACK answered from the send history) under its original
     * sequence number; the payload is identical, so the keystream reuse is harmless. */
    p.allow_repeat_tx = 1;
    srtp_t s = NULL;
    srtp_err_status_t st = srtp_create(&s, &p);
    /* libsrtp derives its session keys in srtp_create and keeps no pointer to ours. */
    explicit_bzero(k, sizeof k);
    if (st != srtp_err_status_ok) {
        LOGW(TAG, "srtp_create failed: %d", (int)st);
        return NULL;
    }
    return s;
}

srtp_session *srtp_session_new(const dtls_srtp_keys *keys)
{
    if (!keys || srtp_session_global_init() != 0) return NULL;
    size_t rtp_tag, rtcp_tag;
    if (keys->profile == DTLS_SRTP_AES128_CM_SHA1_80 && keys->key_len == 16 + 14) {
        rtp_tag = rtcp_tag = 10;
    } else if (keys->profile == DTLS_SRTP_AEAD_AES_128_GCM && keys->key_len == 16 + 12) {
        rtp_tag = rtcp_tag = 16;
    } else {
        LOGW(TAG, "unsupported keys (profile %d, %zu bytes)", (int)keys->profile, keys->key_len);
        return NULL;
    }
    srtp_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->rtp_trailer = rtp_tag;
    s->rtcp_trailer = SRTCP_INDEX_LEN + rtcp_tag;
    s->in = create(keys, keys->remote, ssrc_any_inbound);
    s->out = s->in ? create(keys, keys->local, ssrc_any_outbound) : NULL;
    if (!s->out) {
        srtp_session_free(s);
        return NULL;
    }
    return s;
}

void srtp_session_free(srtp_session *s)
{
    if (!s) return;
    if (s->in) srtp_dealloc(s->in);
    if (s->out) srtp_dealloc(s->out);
    free(s);
}

/* libsrtp works on int lengths and assumes room for its largest trailer, so both are checked
 * here against what this profile really appends. */
static bool fits(size_t len, size_t min, size_t trailer, size_t cap)
{
    return len >= min && len <= (size_t)INT_MAX - trailer && len + trailer <= cap;
}

int srtp_session_unprotect_rtp(srtp_session *s, uint8_t *buf, size_t *len)
{
    if (*len < RTP_HEADER_MIN || *len > INT_MAX) return -1;
    int n = (int)*len;
    srtp_err_status_t st = srtp_unprotect(s->in, buf, &n);
    if (st != srtp_err_status_ok) return -(int)st;
    *len = (size_t)n;
    return 0;
}

int srtp_session_unprotect_rtcp(srtp_session *s, uint8_t *buf, size_t *len)
{
    if (*len < RTCP_HEADER_MIN || *len > INT_MAX) return -1;
    int n = (int)*len;
    srtp_err_status_t st = srtp_unprotect_rtcp(s->in, buf, &n);
    if (st != srtp_err_status_ok) return -(int)st;
    *len = (size_t)n;
    return 0;
}

int srtp_session_protect_rtp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap)
{
    if (!fits(*len, RTP_HEADER_MIN, s->rtp_trailer, cap)) return -1;
    int n = (int)*len;
    srtp_err_status_t st = srtp_protect(s->out, buf, &n);
    if (st != srtp_err_status_ok) return -(int)st;
    *len = (size_t)n;
    return 0;
}

int srtp_session_protect_rtcp(srtp_session *s, uint8_t *buf, size_t *len, size_t cap)
{
    if (!fits(*len, RTCP_HEADER_MIN, s->rtcp_trailer, cap)) return -1;
    int n = (int)*len;
    srtp_err_status_t st = srtp_protect_rtcp(s->out, buf, &n);
    if (st != srtp_err_status_ok) return -(int)st;
    *len = (size_t)n;
    return 0;
}
