/* Writing and checking an export's signed manifest. */
#include "recorder/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool manifest_valid_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= MANIFEST_NAME_MAX || name[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool valid_hex64(const char *s)
{
    if (strlen(s) != 64) return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return false;
    return true;
}

int manifest_sha256_file(const char *path, char hex[65], int64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    static _Thread_local uint8_t buf[1 << 16];
    int64_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            EVP_MD_CTX_free(ctx);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        EVP_DigestUpdate(ctx, buf, (size_t)r);
        total += r;
    }
    close(fd);
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    *size = total;
    return 0;
}

/* Writes bytes to dir/name through a synced temporary file and a rename. */
static int replace_file(const char *dir, const char *name, const char *data, size_t len, char *err,
                        size_t cap)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    fchmod(fd, 0644);
    errno = 0;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    bool ok = off == len && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        snprintf(err, cap, "%s: %s", tmp, strerror(e ? e : EIO));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int manifest_write(const char *export_dir, const sign_key *key, const char *recording,
                   const char *const *names, size_t n, manifest_file *out, char *err, size_t cap)
{
    char pub[64];
    if (sign_public_b64(key, pub, sizeof pub) != 0) {
        snprintf(err, cap, "no public key");
        return -1;
    }
    json_t *files = json_array();
    json_t *root = json_pack("{s:i, s:s, s:s, s:o}", "version", 1, "recording",
                             recording ? recording : "", "key", pub, "files", files);
    if (!root) {
        snprintf(err, cap, "no memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        manifest_file f = {0};
        char path[4096];
        if (!manifest_valid_name(names[i])) {
            snprintf(err, cap, "bad file name");
            json_decref(root);
            return -1;
        }
        snprintf(f.name, sizeof f.name, "%s", names[i]);
        snprintf(path, sizeof path, "%s/%s", export_dir, names[i]);
        if (manifest_sha256_file(path, f.sha256, &f.size) != 0) {
            snprintf(err, cap, "%s: %s", names[i], strerror(errno));
            json_decref(root);
            return -1;
        }
        json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "name", f.name, "size",
                                               (json_int_t)f.size, "sha256", f.sha256));
        if (out) out[i] = f;
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text) {
        snprintf(err, cap, "no memory");
        return -1;
    }
    size_t len = strlen(text);
    char sig[SIGN_B64_MAX + 1];
    int rc = -1;
    /* The text ends with a newline so that it reads well; the signature covers that too. */
    char *body = malloc(len + 2);
    if (!body) {
        snprintf(err, cap, "no memory");
    } else {
        memcpy(body, text, len);
        body[len++] = '\n';
        if (sign_b64(key, body, len, sig, sizeof sig - 1) != 0) {
            snprintf(err, cap, "cannot sign the manifest");
        } else if (replace_file(export_dir, MANIFEST_JSON, body, len, err, cap) == 0) {
            size_t sl = strlen(sig);
            sig[sl++] = '\n';
            rc = replace_file(export_dir, MANIFEST_SIG, sig, sl, err, cap);
        }
    }
    free(body);
    free(text);
    return rc;
}

int manifest_find(const char *json, size_t len, const char *name, manifest_file *out)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *files = json_object_get(root, "files");
    json_t *ver = json_object_get(root, "version");
    int rc = -1;
    if (json_is_object(root) && json_is_array(files) && json_is_integer(ver) &&
        json_integer_value(ver) == 1) {
        rc = 0;
        for (size_t i = 0; i < json_array_size(files); i++) {
            json_t *f = json_array_get(files, i);
            const char *fname = json_string_value(json_object_get(f, "name"));
            const char *sha = json_string_value(json_object_get(f, "sha256"));
            json_t *size = json_object_get(f, "size");
            if (!fname || !sha || !json_is_integer(size) || json_integer_value(size) < 0 ||
                !manifest_valid_name(fname) || !valid_hex64(sha)) {
                rc = -1;
                break;
            }
            if (rc == 0 && strcmp(fname, name) == 0) {
                snprintf(out->name, sizeof out->name, "%s", fname);
                snprintf(out->sha256, sizeof out->sha256, "%s", sha);
                out->size = json_integer_value(size);
                rc = 1;
            }
        }
    }
    json_decref(root);
    return rc;
}

/* Reads dir/name into a NUL-terminated buffer of at most max bytes. NULL with errno. */
static char *slurp(const char *dir, const char *name, size_t max, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return NULL;
    char *buf = malloc(max + 1);
    size_t got = 0;
    while (buf && got <= max) {
        ssize_t r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (buf && got > max) {
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    if (buf) buf[got] = '\0';
    *len = got;
    return buf;
}

int manifest_check(const char *export_dir, const sign_key *signer, const char *file_name,
                   manifest_check_result *res, char *err, size_t cap)
{
    memset(res, 0, sizeof *res);
    if (!manifest_valid_name(file_name)) {
        snprintf(err, cap, "bad file name");
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", export_dir, file_name);
    if (manifest_sha256_file(path, res->disk_sha256, &res->disk_size) == 0) {
        res->present = true;
    } else if (errno != ENOENT) {
        snprintf(err, cap, "%s: %s", file_name, strerror(errno));
        return -1;
    }
    size_t jlen = 0, slen = 0;
    char *json = slurp(export_dir, MANIFEST_JSON, MANIFEST_MAX_BYTES, &jlen);
    char *sig = slurp(export_dir, MANIFEST_SIG, 256, &slen);
    if (json && sig) res->signature_ok = sign_verify_b64(signer, json, jlen, sig, slen);
    if (res->signature_ok && manifest_find(json, jlen, file_name, &res->listed_as) == 1)
        res->listed = true;
    free(json);
    free(sig);
    res->hash_ok = res->listed && res->present && res->disk_size == res->listed_as.size &&
                   strcmp(res->disk_sha256, res->listed_as.sha256) == 0;
    return res->signature_ok && res->hash_ok ? 0 : 1;
}
