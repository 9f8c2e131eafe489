#include "token.h"

#include "base64url.h"
#include "sfu/base/log.h"
#include "sfu/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAG "token"
#define PREFIX "dh1"
#define PREFIX_LEN 3
#define MAC_LEN 32
#define MAC_B64_LEN 43 /* base64url_encoded_len(MAC_LEN) */
#define ID_MAX 32
#define ID_GEN_LEN 16

static const char *const role_names[] = {
    [ROLE_NONE] = "none",   [ROLE_CHAIR] = "chair", [ROLE_OPERATOR] = "operator",
    [ROLE_SITE] = "site",   [ROLE_CLERK] = "clerk", [ROLE_OBSERVER] = "observer",
    [ROLE_ADMIN] = "admin",
};

const char *role_name(role_t r)
{
    if ((unsigned)r >= DH_ARRAY_LEN(role_names)) return "none";
    return role_names[r];
}

role_t role_from_name(const char *s)
{
    if (!s) return ROLE_NONE;
    /* Starting at 1 so that "none" never names a role a token could carry. */
    for (size_t i = 1; i < DH_ARRAY_LEN(role_names); i++)
        if (strcmp(s, role_names[i]) == 0) return (role_t)i;
    return ROLE_NONE;
}

const char *token_error_str(int err)
{
    switch (err) {
    case TOKEN_OK:
        return "ok";
    case TOKEN_E_FORMAT:
        return "malformed token";
    case TOKEN_E_SIGNATURE:
        return "bad signature";
    case TOKEN_E_EXPIRED:
        return "token expired";
    case TOKEN_E_TOO_LONG:
        return "token too long";
    default:
        return "unknown token error";
    }
}

/* [A-Za-z0-9_-]{min,max}; `s` has length `n`, which may hold a NUL that must not be accepted. */
static bool ident_ok(const char *s, size_t n, size_t min, size_t max)
{
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

/* The fixed-size fields must be terminated inside their arrays before strlen may look at them. */
static bool field_ok(const char *field, size_t size, size_t min, size_t max)
{
    const char *nul = memchr(field, '\0', size);
    return nul && ident_ok(field, (size_t)(nul - field), min, max);
}

static bool claims_ok(const token_claims *c)
{
    return field_ok(c->meeting, sizeof c->meeting, 1, 64) &&
           field_ok(c->site, sizeof c->site, 0, 64) && field_ok(c->id, sizeof c->id, 1, ID_MAX) &&
           c->role > ROLE_NONE && c->role <= ROLE_ADMIN && c->iat >= 0 && c->exp >= 0;
}

static void sign(const uint8_t key[TOKEN_KEY_LEN], const char *data, size_t len,
                 uint8_t mac[MAC_LEN])
{
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), key, TOKEN_KEY_LEN, (const unsigned char *)data, len, mac, &mac_len) ||
        mac_len != MAC_LEN) {
        /* HMAC-SHA256 over memory cannot fail short of a broken libcrypto; a zero MAC would
         * still never verify against a real one, but refusing loudly is the honest answer. */
        LOGE(TAG, "HMAC-SHA256 failed");
        abort();
    }
}

int token_mint(const uint8_t key[TOKEN_KEY_LEN], token_claims *c, char *out, size_t cap)
{
    if (!key || !c || !out) return TOKEN_E_FORMAT;
    if (cap > 0) out[0] = '\0';
    if (c->id[0] == '\0') util_random_token(c->id, ID_GEN_LEN);
    if (c->iat == 0) c->iat = util_unix_time();
    if (!claims_ok(c)) return TOKEN_E_FORMAT;

    json_t *obj =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "m", c->meeting, "r", role_name(c->role), "s",
                  c->site, "iat", (json_int_t)c->iat, "exp", (json_int_t)c->exp, "id", c->id);
    if (!obj) return TOKEN_E_FORMAT;
    char *json = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!json) return TOKEN_E_FORMAT;
    size_t json_len = strlen(json);

    char buf[TOKEN_MAX_LEN + 1];
    int ret = TOKEN_E_TOO_LONG;
    size_t body_len = PREFIX_LEN + 1 + base64url_encoded_len(json_len);
    if (body_len + 1 + MAC_B64_LEN <= TOKEN_MAX_LEN) {
        memcpy(buf, PREFIX ".", PREFIX_LEN + 1);
        base64url_encode((const uint8_t *)json, json_len, buf + PREFIX_LEN + 1,
                         sizeof buf - PREFIX_LEN - 1);
        uint8_t mac[MAC_LEN];
        sign(key, buf, body_len, mac);
        buf[body_len] = '.';
        base64url_encode(mac, MAC_LEN, buf + body_len + 1, sizeof buf - body_len - 1);
        OPENSSL_cleanse(mac, sizeof mac);
        size_t tok_len = body_len + 1 + MAC_B64_LEN;
        if (tok_len + 1 <= cap) {
            memcpy(out, buf, tok_len + 1);
            ret = (int)tok_len;
        }
    }
    free(json);
    return ret;
}

static bool get_str(json_t *obj, const char *k, const char **s, size_t *n)
{
    json_t *v = json_object_get(obj, k);
    if (!json_is_string(v)) return false;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return true;
}

static bool get_int(json_t *obj, const char *k, int64_t *out)
{
    json_t *v = json_object_get(obj, k);
    /* json_is_integer excludes reals, so "exp": 1e18 or 1.5 is mistyped rather than truncated. */
    if (!json_is_integer(v)) return false;
    json_int_t i = json_integer_value(v);
    if (i < 0) return false;
    *out = (int64_t)i;
    return true;
}

static int parse_claims(const char *b64, size_t b64_len, token_claims *c)
{
    uint8_t raw[TOKEN_MAX_LEN];
    ptrdiff_t raw_len = base64url_decode(b64, b64_len, raw, sizeof raw);
    if (raw_len <= 0) return TOKEN_E_FORMAT;

    /* Duplicate keys are refused so that no two readers of one token could disagree on it. */
    json_t *obj = json_loadb((const char *)raw, (size_t)raw_len, JSON_REJECT_DUPLICATES, NULL);
    if (!obj) return TOKEN_E_FORMAT;

    int ret = TOKEN_E_FORMAT;
    const char *m, *r, *s, *id;
    size_t m_len, r_len, s_len, id_len;
    int64_t iat, exp;
    if (json_is_object(obj) && get_str(obj, "m", &m, &m_len) && get_str(obj, "r", &r, &r_len) &&
        get_str(obj, "s", &s, &s_len) && get_str(obj, "id", &id, &id_len) &&
        get_int(obj, "iat", &iat) && get_int(obj, "exp", &exp) && ident_ok(m, m_len, 1, 64) &&
        ident_ok(s, s_len, 0, 64) && ident_ok(id, id_len, 1, ID_MAX) && strlen(r) == r_len) {
        role_t role = role_from_name(r);
        if (role != ROLE_NONE) {
            memset(c, 0, sizeof *c);
            memcpy(c->meeting, m, m_len);
            memcpy(c->site, s, s_len);
            memcpy(c->id, id, id_len);
            c->role = role;
            c->iat = iat;
            c->exp = exp;
            ret = TOKEN_OK;
        }
    }
    json_decref(obj);
    return ret;
}

int token_verify(const uint8_t key[TOKEN_KEY_LEN], const char *tok, size_t len, int64_t now,
                 token_claims *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!key || !tok) return TOKEN_E_FORMAT;
    if (len > TOKEN_MAX_LEN) return TOKEN_E_TOO_LONG;

    const char *dot1 = memchr(tok, '.', len);
    if (!dot1) return TOKEN_E_FORMAT;
    const char *dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - tok));
    if (!dot2) return TOKEN_E_FORMAT;
    const char *sig = dot2 + 1;
    size_t sig_len = len - (size_t)(sig - tok);
    if (memchr(sig, '.', sig_len)) return TOKEN_E_FORMAT;
    if ((size_t)(dot1 - tok) != PREFIX_LEN || memcmp(tok, PREFIX, PREFIX_LEN) != 0)
        return TOKEN_E_FORMAT;

    uint8_t got[MAC_LEN + 3];
    ptrdiff_t got_len = base64url_decode(sig, sig_len, got, sizeof got);
    if (got_len < 0) return TOKEN_E_FORMAT;
    if (got_len != MAC_LEN) return TOKEN_E_SIGNATURE;
    uint8_t want[MAC_LEN];
    sign(key, tok, (size_t)(dot2 - tok), want);
    int diff = CRYPTO_memcmp(got, want, MAC_LEN);
    OPENSSL_cleanse(want, sizeof want);
    if (diff != 0) return TOKEN_E_SIGNATURE;

    /* Claims are only parsed once they are known to be ours: the JSON parser never sees input an
     * attacker chose freely. */
    token_claims c;
    int ret = parse_claims(dot1 + 1, (size_t)(dot2 - dot1 - 1), &c);
    if (ret != TOKEN_OK) return ret;
    if (c.exp <= now) return TOKEN_E_EXPIRED;
    if (out) *out = c;
    return TOKEN_OK;
}

/* mkdir -p: each missing component is created 0700; components that exist are left as they are,
 * since they may be shared directories such as /var/lib. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) return -1;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        if (path[i - 1] == '/') continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            LOGE(TAG, "mkdir %s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        LOGE(TAG, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

static int read_key(int fd, const char *path, uint8_t key[TOKEN_KEY_LEN])
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        LOGE(TAG, "stat %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size != TOKEN_KEY_LEN) {
        /* Never replaced: a wrong-sized key is someone's mistake to look at, and overwriting it
         * would silently invalidate every token already handed out. */
        LOGE(TAG, "%s: expected a regular file of %d bytes", path, TOKEN_KEY_LEN);
        return -1;
    }
    if (st.st_mode & 077) LOGW(TAG, "%s is readable by others; it should be 0600", path);
    size_t got = 0;
    while (got < TOKEN_KEY_LEN) {
        ssize_t r = read(fd, key + got, TOKEN_KEY_LEN - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            LOGE(TAG, "read %s: %s", path, r < 0 ? strerror(errno) : "short file");
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int create_key(const char *path, uint8_t key[TOKEN_KEY_LEN])
{
    /* O_EXCL: if two processes race, exactly one creates the key and the other loads it. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return 1;
        LOGE(TAG, "create %s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t k[TOKEN_KEY_LEN];
    util_random(k, sizeof k);
    size_t put = 0;
    int ok = fchmod(fd, 0600) == 0; /* independent of the umask */
    while (ok && put < sizeof k) {
        ssize_t w = write(fd, k + put, sizeof k - put);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            ok = 0;
        else
            put += (size_t)w;
    }
    if (ok && fsync(fd) != 0) ok = 0;
    if (close(fd) != 0) ok = 0;
    if (!ok) {
        LOGE(TAG, "writing %s: %s", path, strerror(errno));
        unlink(path); /* ours alone: O_EXCL made it */
        OPENSSL_cleanse(k, sizeof k);
        return -1;
    }
    memcpy(key, k, sizeof k);
    OPENSSL_cleanse(k, sizeof k);
    LOGI(TAG, "created a new signing key at %s", path);
    return 0;
}

int token_key_load_or_create(const char *data_dir, uint8_t key[TOKEN_KEY_LEN])
{
    if (!data_dir || !key || make_dirs(data_dir) != 0) return -1;
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/token.key", data_dir);
    if (n < 0 || (size_t)n >= sizeof path) return -1;

    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            int r = read_key(fd, path, key);
            close(fd);
            return r;
        }
        if (errno != ENOENT) {
            LOGE(TAG, "open %s: %s", path, strerror(errno));
            return -1;
        }
        int r = create_key(path, key);
        if (r <= 0) return r;
        /* Someone else created it between our open and create: load theirs. */
    }
    return -1;
}
