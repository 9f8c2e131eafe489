#include "dtls.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sfu/base/log.h"
#include "sfu/base/util.h"

#define TAG "dtls"
/* The UDP payload budget of one datagram: leaves room for IPv6 + UDP + TURN framing under a
 * 1280-byte path MTU, which every IPv6 path guarantees. */
#define DTLS_MTU 1200
#define SRTP_LABEL "EXTRACTOR-dtls_srtp"
#define CERT_DAYS 30
/* Input OpenSSL has not consumed should never pile up; past this it is junk and is dropped. */
#define RBIO_LIMIT (64 * 1024)

struct dtls_cert {
    EVP_PKEY *pkey;
    X509 *x509;
    SSL_CTX *ctx;
    uint8_t fp[32];
    char fp_text[32 * 3 + 1];
};

struct dtls_conn {
    SSL *ssl;
    BIO *rbio;
    BIO_METHOD *wmeth;
    bool is_server;
    dtls_state state;
    const EVP_MD *fp_md;
    uint8_t fp[EVP_MAX_MD_SIZE];
    size_t fp_len;
    bool fp_mismatch;
    bool have_keys;
    dtls_srtp_keys keys;
    /* Datagrams OpenSSL wrote during the current call, each as a 4-byte length and the bytes. */
    uint8_t *out;
    size_t out_len, out_cap;
    char err[128];
};

/* ---- certificate ---------------------------------------------------------------------------- */

/* WebRTC peers authenticate each other by the SDP fingerprint, not by a CA chain, so any chain is
 * accepted here unless the leaf is known to be the wrong one; rejecting it during the handshake
 * (rather than after) makes OpenSSL send an alert so the peer fails fast too. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok;
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    dtls_conn *d = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    if (!d || !leaf) return 0;
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!X509_digest(leaf, d->fp_md, md, &n) || n != d->fp_len ||
        CRYPTO_memcmp(md, d->fp, n) != 0) {
        d->fp_mismatch = true;
        /* makes the alert bad_certificate rather than the unknown_ca of a self-signed chain */
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    return 1;
}

static X509 *make_x509(EVP_PKEY *pkey)
{
    X509 *x = X509_new();
    if (!x) return NULL;
    uint64_t serial;
    util_random(&serial, sizeof serial);
    serial &= INT64_MAX; /* a positive INTEGER, as RFC 5280 4.1.2.2 requires */
    if (serial == 0) serial = 1;
    X509_NAME *name = X509_get_subject_name(x);
    bool ok = X509_set_version(x, X509_VERSION_3) &&
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) &&
              X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600) != NULL &&
              X509_gmtime_adj(X509_getm_notAfter(x), (long)CERT_DAYS * 24 * 3600) != NULL &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                         (const unsigned char *)"dienhong", -1, -1, 0) &&
              X509_set_issuer_name(x, name) && X509_set_pubkey(x, pkey) &&
              X509_sign(x, pkey, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static SSL_CTX *make_ctx(X509 *x509, EVP_PKEY *pkey)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    if (!ctx) return NULL;
    /* No session cache or tickets: WebRTC never resumes, and a cache would be state shared by
     * every transport using this certificate. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    bool ok = SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) &&
              SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) &&
              SSL_CTX_use_certificate(ctx, x509) == 1 && SSL_CTX_use_PrivateKey(ctx, pkey) == 1 &&
              SSL_CTX_check_private_key(ctx) == 1 &&
              /* this one returns 0 on success */
              SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") == 0;
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    return ctx;
}

dtls_cert *dtls_cert_new(void)
{
    dtls_cert *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    unsigned int n = 0;
    ERR_clear_error(); /* so that a failure below reports its own reason */
    c->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (c->pkey) c->x509 = make_x509(c->pkey);
    if (c->x509) c->ctx = make_ctx(c->x509, c->pkey);
    if (!c->ctx || !X509_digest(c->x509, EVP_sha256(), c->fp, &n) || n != sizeof c->fp) {
        const char *why = ERR_reason_error_string(ERR_peek_last_error());
        LOGW(TAG, "certificate creation failed: %s", why ? why : "unknown");
        ERR_clear_error();
        dtls_cert_free(c);
        return NULL;
    }
    util_hex_colon(c->fp, sizeof c->fp, c->fp_text, sizeof c->fp_text);
    return c;
}

void dtls_cert_free(dtls_cert *c)
{
    if (!c) return;
    SSL_CTX_free(c->ctx);
    X509_free(c->x509);
    EVP_PKEY_free(c->pkey);
    free(c);
}

const uint8_t *dtls_cert_fingerprint(const dtls_cert *c, size_t *len)
{
    if (len) *len = sizeof c->fp;
    return c->fp;
}

const char *dtls_cert_fingerprint_text(const dtls_cert *c)
{
    return c->fp_text;
}

/* ---- outgoing datagrams --------------------------------------------------------------------- */

/* A BIO_s_mem would merge every write into one byte stream and, worse, its pending bytes count
 * against the MTU of the next datagram OpenSSL builds. This sink keeps each write (one
 * datagram: OpenSSL's handshake buffer flushes whole datagrams) apart and reports nothing
 * pending. */
static int wbio_write(BIO *b, const char *data, int len)
{
    dtls_conn *d = BIO_get_data(b);
    if (!d || len <= 0) return 0;
    size_t need = d->out_len + 4 + (size_t)len;
    if (need > d->out_cap) {
        size_t cap = d->out_cap ? d->out_cap : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *p = realloc(d->out, cap);
        if (!p) return -1;
        d->out = p;
        d->out_cap = cap;
    }
    uint32_t n = (uint32_t)len;
    memcpy(d->out + d->out_len, &n, 4);
    memcpy(d->out + d->out_len + 4, data, (size_t)len);
    d->out_len = need;
    return len;
}

static long wbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return DTLS_MTU;
    default:
        return 0; /* includes WPENDING, PENDING and the MTU overhead */
    }
}

static int wbio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void drain(dtls_conn *d, dtls_send_fn send, void *ctx)
{
    size_t off = 0;
    while (off + 4 <= d->out_len) {
        uint32_t n;
        memcpy(&n, d->out + off, 4);
        if (send) send(ctx, d->out + off + 4, n);
        off += 4 + n;
    }
    d->out_len = 0;
}

/* ---- connection ----------------------------------------------------------------------------- */

static const EVP_MD *md_from_sdp(const char *alg)
{
    static const struct {
        const char *sdp;
        const EVP_MD *(*md)(void);
    } map[] = {
        {"sha-1", EVP_sha1},     {"sha-224", EVP_sha224}, {"sha-256", EVP_sha256},
        {"sha-384", EVP_sha384}, {"sha-512", EVP_sha512},
    };
    for (size_t i = 0; alg && i < DH_ARRAY_LEN(map); i++)
        if (strcasecmp(alg, map[i].sdp) == 0) return map[i].md();
    return NULL;
}

dtls_conn *dtls_conn_new(const dtls_cert *cert, bool is_server, const char *expected_fp_alg,
                         const uint8_t *expected_fp, size_t expected_fp_len)
{
    const EVP_MD *md = md_from_sdp(expected_fp_alg);
    if (!cert || !md || !expected_fp || expected_fp_len != (size_t)EVP_MD_get_size(md)) {
        LOGW(TAG, "unusable remote fingerprint (%s, %zu bytes)",
             expected_fp_alg ? expected_fp_alg : "null", expected_fp_len);
        return NULL;
    }
    dtls_conn *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->is_server = is_server;
    d->state = DTLS_HANDSHAKING;
    d->fp_md = md;
    memcpy(d->fp, expected_fp, expected_fp_len);
    d->fp_len = expected_fp_len;

    BIO *wbio = NULL;
    d->ssl = SSL_new(cert->ctx);
    d->rbio = BIO_new(BIO_s_mem());
    d->wmeth = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "dienhong-dtls-out");
    if (d->wmeth && BIO_meth_set_write(d->wmeth, wbio_write) &&
        BIO_meth_set_ctrl(d->wmeth, wbio_ctrl) && BIO_meth_set_create(d->wmeth, wbio_create))
        wbio = BIO_new(d->wmeth);
    if (!d->ssl || !d->rbio || !wbio) {
        LOGW(TAG, "connection setup failed");
        BIO_free(wbio);
        BIO_free(d->rbio);
        d->rbio = NULL;
        dtls_conn_free(d);
        return NULL;
    }
    BIO_set_data(wbio, d);
    /* An empty read must mean "no datagram yet", not end of stream. */
    BIO_set_mem_eof_return(d->rbio, -1);
    SSL_set_bio(d->ssl, d->rbio, wbio);
    SSL_set_app_data(d->ssl, d);
    if (is_server)
        SSL_set_accept_state(d->ssl);
    else
        SSL_set_connect_state(d->ssl);
    SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(d->ssl, DTLS_MTU);
    DTLS_set_link_mtu(d->ssl, DTLS_MTU);
    return d;
}

void dtls_conn_free(dtls_conn *d)
{
    if (!d) return;
    SSL_free(d->ssl); /* frees both BIOs */
    BIO_meth_free(d->wmeth);
    OPENSSL_cleanse(&d->keys, sizeof d->keys);
    free(d->out);
    free(d);
}

static void fail(dtls_conn *d, const char *why)
{
    d->state = DTLS_FAILED;
    snprintf(d->err, sizeof d->err, "%s", why);
    LOGW(TAG, "%s failed: %s", d->is_server ? "server" : "client", why);
}

/* Turns OpenSSL's error (already raised for this call) into a failure with a readable reason. */
static void fail_ssl(dtls_conn *d)
{
    if (d->fp_mismatch) {
        fail(d, "fingerprint mismatch");
    } else {
        unsigned long e = ERR_peek_error();
        const char *r = e ? ERR_reason_error_string(e) : NULL;
        fail(d, r ? r : "handshake error");
    }
    ERR_clear_error();
}

static bool export_keys(dtls_conn *d)
{
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    size_t klen = 16, slen;
    if (!p) return true; /* legitimate: the caller sees no keys */
    if (p->id == SRTP_AES128_CM_SHA1_80) {
        d->keys.profile = DTLS_SRTP_AES128_CM_SHA1_80;
        slen = 14;
    } else if (p->id == SRTP_AEAD_AES_128_GCM) {
        d->keys.profile = DTLS_SRTP_AEAD_AES_128_GCM;
        slen = 12;
    } else {
        return false; /* not offered, so the peer broke the protocol */
    }
    uint8_t km[2 * (16 + 14)];
    size_t total = 2 * (klen + slen);
    if (SSL_export_keying_material(d->ssl, km, total, SRTP_LABEL, strlen(SRTP_LABEL), NULL, 0, 0) !=
        1)
        return false;
    /* RFC 5764 4.2: client_key, server_key, client_salt, server_salt. */
    const uint8_t *ck = km, *sk = km + klen, *cs = km + 2 * klen, *ss = cs + slen;
    uint8_t *mine = d->keys.local, *theirs = d->keys.remote;
    if (d->is_server) {
        mine = d->keys.remote;
        theirs = d->keys.local;
    }
    memcpy(mine, ck, klen);
    memcpy(mine + klen, cs, slen);
    memcpy(theirs, sk, klen);
    memcpy(theirs + klen, ss, slen);
    d->keys.key_len = klen + slen;
    d->have_keys = true;
    OPENSSL_cleanse(km, sizeof km);
    return true;
}

static void on_handshake_done(dtls_conn *d)
{
    /* The verify callback saw the leaf already; this covers any path where it was not called. */
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!peer) {
        fail(d, "no peer certificate");
    } else if (!X509_digest(peer, d->fp_md, md, &n) || n != d->fp_len ||
               CRYPTO_memcmp(md, d->fp, n) != 0) {
        fail(d, "fingerprint mismatch");
    } else if (!export_keys(d)) {
        fail(d, "SRTP key export failed");
    } else {
        d->state = DTLS_CONNECTED;
    }
    /* Tell the peer, which may already believe the handshake is done; OpenSSL offers no public
     * way to send a fatal alert here, so close_notify it is. */
    if (d->state == DTLS_FAILED) SSL_shutdown(d->ssl);
}

/* Records after the handshake: close_notify, retransmitted Finished (which OpenSSL answers by
 * resending its last flight), alerts. Application data has no consumer and is dropped. */
static void pump_reads(dtls_conn *d)
{
    uint8_t buf[2048];
    for (int i = 0; i < 64; i++) {
        int r = SSL_read(d->ssl, buf, sizeof buf);
        if (r > 0) continue;
        int e = SSL_get_error(d->ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN)
            d->state = DTLS_CLOSED;
        else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            fail_ssl(d);
        return;
    }
}

static void advance(dtls_conn *d)
{
    if (d->state == DTLS_HANDSHAKING) {
        int r = SSL_do_handshake(d->ssl);
        if (r == 1) {
            on_handshake_done(d);
        } else {
            int e = SSL_get_error(d->ssl, r);
            if (e == SSL_ERROR_ZERO_RETURN)
                d->state = DTLS_CLOSED;
            else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                fail_ssl(d);
        }
    }
    if (d->state == DTLS_CONNECTED) pump_reads(d);
}

dtls_state dtls_conn_start(dtls_conn *d, dtls_send_fn send, void *ctx)
{
    if (d->is_server || d->state != DTLS_HANDSHAKING) return d->state;
    /* Errors queued by other transports on this thread must not be read as ours. */
    ERR_clear_error();
    advance(d);
    drain(d, send, ctx);
    return d->state;
}

dtls_state dtls_conn_input(dtls_conn *d, const uint8_t *buf, size_t len, dtls_send_fn send,
                           void *ctx)
{
    if (d->state != DTLS_HANDSHAKING && d->state != DTLS_CONNECTED) return d->state;
    if (!buf || len == 0 || len > INT_MAX) return d->state;
    ERR_clear_error();
    if (BIO_ctrl_pending(d->rbio) > RBIO_LIMIT) (void)BIO_reset(d->rbio);
    if (BIO_write(d->rbio, buf, (int)len) != (int)len) {
        fail(d, "out of memory");
        return d->state;
    }
    advance(d);
    drain(d, send, ctx);
    return d->state;
}

dtls_state dtls_conn_on_timer(dtls_conn *d, dtls_send_fn send, void *ctx)
{
    if (d->state != DTLS_HANDSHAKING) return d->state;
    ERR_clear_error();
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        if (ERR_peek_error())
            fail_ssl(d);
        else
            fail(d, "handshake timeout");
    }
    drain(d, send, ctx);
    return d->state;
}

uint64_t dtls_conn_next_timeout(dtls_conn *d)
{
    struct timeval tv;
    /* Once connected, a lost last flight is recovered by the peer's retransmission, which
     * pump_reads answers; no timer is needed. */
    if (d->state != DTLS_HANDSHAKING || DTLSv1_get_timeout(d->ssl, &tv) != 1) return 0;
    /* OpenSSL times with the wall clock; only the remaining interval carries over. */
    return util_now_us() + (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

dtls_state dtls_conn_state(const dtls_conn *d)
{
    return d->state;
}

const char *dtls_conn_error(const dtls_conn *d)
{
    return d->err;
}

bool dtls_conn_srtp_keys(const dtls_conn *d, dtls_srtp_keys *out)
{
    if (d->state != DTLS_CONNECTED || !d->have_keys) return false;
    *out = d->keys;
    return true;
}

void dtls_conn_close(dtls_conn *d, dtls_send_fn send, void *ctx)
{
    if (d->state == DTLS_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(d->ssl);
        drain(d, send, ctx);
        ERR_clear_error();
    }
    if (d->state != DTLS_FAILED) d->state = DTLS_CLOSED;
}
