/* Ed25519 through OpenSSL 3's EVP interface; the key file is written once and never rewritten. */
#include "recorder/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_MAX 4096 /* an Ed25519 PKCS#8 PEM is about 120 bytes */

struct sign_key {
    EVP_PKEY *pkey;
    bool has_private;
};

static sign_key *wrap(EVP_PKEY *pkey, bool has_private)
{
    sign_key *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    k->pkey = pkey;
    k->has_private = has_private;
    return k;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Generates a key and links it into place; 0 also when another process won the race. */
static int create_key(const char *path, char *err, size_t cap)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long len = 0;
    if (!pkey || !bio || !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) ||
        (len = BIO_get_mem_data(bio, &pem)) <= 0) {
        snprintf(err, cap, "cannot generate the recording key");
        BIO_free(bio);
        EVP_PKEY_free(pkey);
        return -1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 */
    int rc = -1;
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
    } else if (write_all(fd, pem, (size_t)len) != 0 || fsync(fd) != 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
    } else if (link(tmp, path) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
    } else {
        rc = 0;
    }
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    OPENSSL_cleanse(pem, (size_t)len);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return rc;
}

static EVP_PKEY *read_key(const char *path, char *err, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[KEY_FILE_MAX];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n <= 0 || n == (ssize_t)sizeof buf) {
        snprintf(err, cap, "%s: not a key file", path);
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(buf, (int)n);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(buf, sizeof buf);
    if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        snprintf(err, cap, "%s: not an Ed25519 private key", path);
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

sign_key *sign_key_load_or_create(const char *data_dir, char *err, size_t cap)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", data_dir, SIGN_KEY_FILE) >= (int)sizeof path - 8) {
        snprintf(err, cap, "data directory name too long");
        return NULL;
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", data_dir, strerror(errno));
        return NULL;
    }
    if (access(path, F_OK) != 0 && create_key(path, err, cap) != 0) return NULL;
    EVP_PKEY *pkey = read_key(path, err, cap);
    if (!pkey) return NULL;
    sign_key *k = wrap(pkey, true);
    if (!k) snprintf(err, cap, "no memory");
    return k;
}

/* Strict standard base64 of exactly `want` bytes: the canonical text only. */
static bool decode_exact(const char *in, size_t len, uint8_t *out, size_t want)
{
    while (len && (in[len - 1] == '\n' || in[len - 1] == '\r' || in[len - 1] == ' '))
        len--;
    size_t chars = 4 * ((want + 2) / 3);
    if (len != chars) return false;
    uint8_t buf[128];
    char again[192];
    if (want + 3 > sizeof buf || chars + 1 > sizeof again) return false;
    char text[192];
    memcpy(text, in, len);
    text[len] = '\0';
    if (EVP_DecodeBlock(buf, (const unsigned char *)text, (int)len) < (int)want) return false;
    EVP_EncodeBlock((unsigned char *)again, buf, (int)want);
    if (memcmp(again, text, len) != 0) return false;
    memcpy(out, buf, want);
    return true;
}

sign_key *sign_key_from_public(const char *b64)
{
    uint8_t raw[SIGN_PUB_LEN];
    if (!b64 || !decode_exact(b64, strlen(b64), raw, sizeof raw)) return NULL;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof raw);
    return pkey ? wrap(pkey, false) : NULL;
}

void sign_key_free(sign_key *k)
{
    if (!k) return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

int sign_public_b64(const sign_key *k, char *out, size_t cap)
{
    uint8_t raw[SIGN_PUB_LEN];
    size_t len = sizeof raw;
    if (cap < 45 || !EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) || len != sizeof raw)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, raw, (int)len);
    return 0;
}

int sign_b64(const sign_key *k, const void *data, size_t len, char *out, size_t cap)
{
    if (!k->has_private || cap < SIGN_B64_MAX) return -1;
    uint8_t sig[SIGN_SIG_LEN];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1 && sig_len == sizeof sig;
    EVP_MD_CTX_free(ctx);
    if (!ok) return -1;
    EVP_EncodeBlock((unsigned char *)out, sig, (int)sig_len);
    return 0;
}

bool sign_verify_b64(const sign_key *k, const void *data, size_t len, const char *sig_b64,
                     size_t sig_len)
{
    uint8_t sig[SIGN_SIG_LEN];
    if (!decode_exact(sig_b64, sig_len, sig, sizeof sig)) return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
              EVP_DigestVerify(ctx, sig, sizeof sig, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}
