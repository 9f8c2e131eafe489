/* Documents: the content checks, the route's small parsers, and storage by content hash. Every
 * function here reads input from the network; none trusts a length it did not check. */
#include "signaling/documents.h"

#include "signaling/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- content checks ---- */

static const char *const mimes[] = {NULL, "application/pdf", "image/png", "image/jpeg"};
static const char *const labels[] = {"", "a PDF document", "a PNG image", "a JPEG image"};

const char *doc_type_mime(doc_type t)
{
    return (unsigned)t < sizeof mimes / sizeof mimes[0] ? mimes[t] : NULL;
}

const char *doc_type_label(doc_type t)
{
    return (unsigned)t < sizeof labels / sizeof labels[0] ? labels[t] : "";
}

doc_type doc_type_from_mime(const char *ct)
{
    if (!ct) return DOC_TYPE_NONE;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    for (size_t t = DOC_TYPE_PDF; t <= DOC_TYPE_JPEG; t++)
        if (strlen(mimes[t]) == n && strncasecmp(ct, mimes[t], n) == 0) return (doc_type)t;
    return DOC_TYPE_NONE;
}

/* The last DOC_TAIL bytes, or all of them, from `from` on. */
static bool in_tail(const uint8_t *p, size_t len, size_t from, const void *needle, size_t nlen)
{
    size_t start = len > DOC_TAIL ? len - DOC_TAIL : 0;
    if (start < from) start = from;
    if (start >= len) return false;
    return memmem(p + start, len - start, needle, nlen) != NULL;
}

static const char *check_pdf(const uint8_t *p, size_t len)
{
    if (len < 5 || memcmp(p, "%PDF-", 5) != 0) return "it does not start with \"%PDF-\"";
    if (!in_tail(p, len, 5, "%%EOF", 5)) return "it has no \"%%EOF\" near its end (truncated?)";
    return NULL;
}

static const char *check_png(const uint8_t *p, size_t len)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    static const uint8_t ihdr[8] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    if (len < 8 || memcmp(p, sig, 8) != 0) return "it does not start with the PNG signature";
    /* IHDR: 4-byte length, type, 13 bytes of data, 4-byte CRC. */
    if (len < 8 + 8 + 13 + 4 || memcmp(p + 8, ihdr, 8) != 0)
        return "its PNG signature is not followed by an IHDR chunk";
    return NULL;
}

static const char *check_jpeg(const uint8_t *p, size_t len)
{
    static const uint8_t soi[3] = {0xFF, 0xD8, 0xFF}, eoi[2] = {0xFF, 0xD9};
    if (len < 3 || memcmp(p, soi, 3) != 0) return "it does not start with FF D8 FF (JPEG SOI)";
    if (!in_tail(p, len, 3, eoi, 2)) return "it has no FF D9 (JPEG EOI) near its end (truncated?)";
    return NULL;
}

const char *doc_check(doc_type t, const uint8_t *p, size_t len)
{
    if (!p || len == 0) return "it is empty";
    switch (t) {
    case DOC_TYPE_PDF:
        return check_pdf(p, len);
    case DOC_TYPE_PNG:
        return check_png(p, len);
    case DOC_TYPE_JPEG:
        return check_jpeg(p, len);
    default:
        return "its type is not one that is taken";
    }
}

doc_type doc_sniff(const uint8_t *p, size_t len)
{
    for (int t = DOC_TYPE_PDF; t <= DOC_TYPE_JPEG; t++)
        if (!doc_check((doc_type)t, p, len)) return (doc_type)t;
    return DOC_TYPE_NONE;
}

/* ---- small parsers ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of in; see doc_pct_decode. */
static int pct_decode_n(const char *in, size_t n, char *out, size_t cap, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            if (i + 2 >= n) return -1;
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (unsigned char)(hi << 4 | lo);
            if (c == 0) return -1;
            i += 2;
        }
        if (o + 1 >= cap) return -1;
        out[o++] = (char)c;
    }
    if (cap == 0) return -1;
    out[o] = '\0';
    if (outlen) *outlen = o;
    return 0;
}

int doc_pct_decode(const char *in, char *out, size_t cap, size_t *outlen)
{
    return pct_decode_n(in, strlen(in), out, cap, outlen);
}

int doc_pct_encode(const char *in, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     (c && strchr("!#$&+-.^_`|~", c));
        if (o + (plain ? 1 : 3) >= cap) return -1;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (cap == 0) return -1;
    out[o] = '\0';
    return (int)o;
}

/* Keeps what follows the last '/' or '\\'. */
static void drop_path(char *s, size_t *len)
{
    size_t start = 0;
    for (size_t i = 0; i < *len; i++)
        if (s[i] == '/' || s[i] == '\\') start = i + 1;
    if (start) {
        memmove(s, s + start, *len - start + 1);
        *len -= start;
    }
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* filename*=charset'language'pct-encoded: only UTF-8 (and its ASCII subset) is taken. */
static int ext_value(const char *v, size_t n, char *out, size_t cap, size_t *outlen)
{
    const char *q1 = memchr(v, '\'', n);
    if (!q1) return -1;
    size_t cs = (size_t)(q1 - v);
    if (!((cs == 5 && strncasecmp(v, "UTF-8", 5) == 0) ||
          (cs == 8 && strncasecmp(v, "US-ASCII", 8) == 0)))
        return -1;
    const char *rest = q1 + 1;
    const char *q2 = memchr(rest, '\'', n - (size_t)(rest - v));
    if (!q2) return -1;
    const char *enc = q2 + 1;
    return pct_decode_n(enc, n - (size_t)(enc - v), out, cap, outlen);
}

int doc_disposition_filename(const char *value, char *out, size_t cap, size_t *outlen)
{
    if (!value || cap == 0) return -1;
    char plain[DOC_TITLE_MAX * 3 + 1];
    size_t plain_len = 0;
    bool have_plain = false, have_ext = false;
    const char *p = value;
    /* The disposition type ("inline", "attachment", "form-data") holds no quotes. */
    p += strcspn(p, ";");
    while (*p == ';') {
        p = skip_ows(p + 1);
        const char *name = p;
        while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t nlen = (size_t)(p - name);
        p = skip_ows(p);
        if (*p != '=') {
            p += strcspn(p, ";");
            continue;
        }
        p = skip_ows(p + 1);
        char val[DOC_TITLE_MAX * 3 + 1];
        size_t vlen = 0;
        bool fits = true;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                if (vlen + 1 < sizeof val)
                    val[vlen++] = *p;
                else
                    fits = false;
                p++;
            }
            if (*p != '"') return -1; /* unterminated */
            p++;
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t') {
                if (vlen + 1 < sizeof val)
                    val[vlen++] = *p;
                else
                    fits = false;
                p++;
            }
        }
        val[vlen] = '\0';
        p += strcspn(p, ";");
        if (!fits) continue;
        if (nlen == 9 && strncasecmp(name, "filename*", 9) == 0 && !have_ext) {
            size_t n = 0;
            if (ext_value(val, vlen, out, cap, &n) == 0 && n > 0) {
                have_ext = true;
                *outlen = n;
            }
        } else if (nlen == 8 && strncasecmp(name, "filename", 8) == 0 && !have_plain) {
            memcpy(plain, val, vlen + 1);
            plain_len = vlen;
            have_plain = vlen > 0;
        }
    }
    if (!have_ext) {
        if (!have_plain || plain_len + 1 > cap) return -1;
        memcpy(out, plain, plain_len + 1);
        *outlen = plain_len;
    }
    drop_path(out, outlen);
    return *outlen > 0 ? 0 : -1;
}

const char *doc_title_check(const char *s, size_t len)
{
    if (len == 0) return "the title is empty";
    if (len > DOC_TITLE_MAX) return "the title is longer than 255 bytes";
    if (!csv_utf8_valid(s, len)) return "the title is not UTF-8 text";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool c1 = c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F;
        if (c < 0x20 || c == 0x7F || c1) return "the title holds a control character";
    }
    return NULL;
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool doc_item_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (n == DOC_ITEM_MAX || !(id_char(s[n]) || s[n] == '-' || s[n] == '_')) return false;
    }
    return true;
}

bool doc_id_ok(const char *s)
{
    if (strncmp(s, "d-", 2) != 0) return false;
    for (size_t i = 2; i < DOC_ID_LEN; i++)
        if (!id_char(s[i])) return false;
    return s[DOC_ID_LEN] == '\0';
}

bool doc_sha_hex_ok(const char *s)
{
    for (size_t i = 0; i < DOC_SHA_HEX_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return s[DOC_SHA_HEX_LEN] == '\0';
}

/* Decimal digits at *s (at least one), saturating at UINT64_MAX. */
static bool parse_u64(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9') return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *s = p;
    *out = v;
    return true;
}

doc_range doc_range_parse(const char *v, uint64_t size, uint64_t *off, uint64_t *len)
{
    if (!v) return DOC_RANGE_WHOLE;
    v = skip_ows(v);
    if (strncasecmp(v, "bytes", 5) != 0) return DOC_RANGE_WHOLE;
    v = skip_ows(v + 5);
    if (*v != '=') return DOC_RANGE_WHOLE;
    v = skip_ows(v + 1);
    if (strchr(v, ',')) return DOC_RANGE_WHOLE; /* several ranges: the whole file */
    uint64_t a = 0, b = 0;
    if (*v == '-') {
        v++;
        if (!parse_u64(&v, &b) || *skip_ows(v)) return DOC_RANGE_WHOLE;
        if (b == 0 || size == 0) return DOC_RANGE_UNSATISFIABLE;
        if (b > size) b = size;
        *off = size - b;
        *len = b;
        return DOC_RANGE_PARTIAL;
    }
    if (!parse_u64(&v, &a) || *v != '-') return DOC_RANGE_WHOLE;
    v++;
    bool has_last = parse_u64(&v, &b);
    if (*skip_ows(v)) return DOC_RANGE_WHOLE;
    if (has_last && b < a) return DOC_RANGE_WHOLE; /* invalid: ignored */
    if (a >= size) return DOC_RANGE_UNSATISFIABLE;
    uint64_t last = has_last && b < size - 1 ? b : size - 1;
    *off = a;
    *len = last - a + 1;
    return DOC_RANGE_PARTIAL;
}

/* ---- storage by content hash ---- */

void doc_sha256_hex(const uint8_t *p, size_t len, char out[DOC_SHA_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(p ? (const void *)p : (const void *)"", len, md, &mdlen, EVP_sha256(), NULL) !=
            1 ||
        mdlen != sizeof md)
        memset(md, 0, sizeof md); /* cannot happen with OpenSSL's own SHA-256 */
    for (size_t i = 0; i < sizeof md; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[DOC_SHA_HEX_LEN] = '\0';
}

int doc_blob_path(const char *dir, const char *sha, char *out, size_t cap)
{
    if (!doc_sha_hex_ok(sha)) return -1;
    int n = snprintf(out, cap, "%s/%.2s/%s.bin", dir, sha, sha + 2);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int doc_dir_for_store(const char *store_path, char *out, size_t cap)
{
    const char *slash = strrchr(store_path, '/');
    int n = slash ? snprintf(out, cap, "%.*s/" DOC_DIR_NAME, (int)(slash - store_path), store_path)
                  : snprintf(out, cap, DOC_DIR_NAME);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int fail(char *err, size_t errcap, const char *what, const char *path)
{
    if (err && errcap) snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

static int make_dir(const char *path, char *err, size_t errcap)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return fail(err, errcap, "cannot create", path);
    struct stat sb;
    if (lstat(path, &sb) != 0) return fail(err, errcap, "cannot read", path);
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return fail(err, errcap, "cannot use", path);
    }
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

int doc_blob_put(const char *dir, const uint8_t *p, size_t len, char sha[DOC_SHA_HEX_LEN + 1],
                 bool *existed, char *err, size_t errcap)
{
    *existed = false;
    doc_sha256_hex(p, len, sha);
    char sub[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    int n = snprintf(sub, sizeof sub, "%s/%.2s", dir, sha);
    if (n < 0 || (size_t)n >= sizeof sub || doc_blob_path(dir, sha, path, sizeof path) != 0 ||
        snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", sub) >= (int)sizeof tmp) {
        if (err && errcap) snprintf(err, errcap, "documents directory name too long");
        return -1;
    }
    if (make_dir(dir, err, errcap) != 0 || make_dir(sub, err, errcap) != 0) return -1;

    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == (uint64_t)len) {
        *existed = true;
        return 0;
    }
    /* Missing, or damaged (a size that cannot be this content's): written anew. */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return fail(err, errcap, "cannot create a file in", sub);
    if (write_all(fd, p, len) != 0 || fsync(fd) != 0) {
        fail(err, errcap, "cannot write", tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        fail(err, errcap, "cannot store", path);
        unlink(tmp);
        return -1;
    }
    sync_dir(sub);
    return 0;
}

int doc_blob_open(const char *dir, const char *sha, uint64_t *size)
{
    char path[PATH_MAX];
    if (doc_blob_path(dir, sha, path, sizeof path) != 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    *size = (uint64_t)sb.st_size;
    return fd;
}
