/* The static file table: see static_files.h. */
#include "static_files.h"

#include "sfu/base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_FILE (64u << 20)
#define STATIC_MAX_DEPTH 16

struct static_files {
    static_file *files; /* sorted by path */
    size_t nfiles;
};

static const struct {
    const char *ext, *type;
} content_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
};

static const char *content_type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0) return content_types[i].type;
    return "application/octet-stream";
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static bool read_whole(const char *fs_path, size_t size, uint8_t **out)
{
    int fd = open(fs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    uint8_t *buf = malloc(size ? size : 1);
    size_t got = 0;
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != size) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

static void static_add(static_files *s, const char *url, const char *fs_path, size_t size)
{
    if (size > STATIC_MAX_FILE) {
        LOGW("http", "static file %s is %zu bytes, over the limit: not served", fs_path, size);
        return;
    }
    uint8_t *data;
    if (!read_whole(fs_path, size, &data)) {
        LOGW("http", "cannot read static file %s: %s", fs_path, strerror(errno));
        return;
    }
    static_file *grown = realloc(s->files, (s->nfiles + 1) * sizeof *grown);
    char *key = strdup(url);
    if (!grown || !key) {
        if (grown) s->files = grown;
        free(data);
        free(key);
        return;
    }
    s->files = grown;
    static_file *f = &s->files[s->nfiles++];
    f->path = key;
    f->data = data;
    f->len = size;
    f->ctype = content_type_for(url);
    f->html = strncmp(f->ctype, "text/html", 9) == 0;
    snprintf(f->etag, sizeof f->etag, "\"%016" PRIx64 "\"", fnv1a64(data, size));
}

static void static_walk(static_files *s, const char *fs_dir, const char *url_dir, int depth)
{
    if (depth > STATIC_MAX_DEPTH) return; /* a symlink loop must not recurse forever */
    DIR *d = opendir(fs_dir);
    if (!d) {
        LOGW("http", "cannot open web root %s: %s", fs_dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* ".", "..", and hidden files alike */
        /* The pages' npm install (pdf.js) lives beside them: only what setup copies into vendor/
         * is served, never the packages themselves or their manifests. */
        if (strcmp(e->d_name, "node_modules") == 0 || strcmp(e->d_name, "package.json") == 0 ||
            strcmp(e->d_name, "package-lock.json") == 0)
            continue;
        char fs_path[4096], url[4096];
        if (snprintf(fs_path, sizeof fs_path, "%s/%s", fs_dir, e->d_name) >= (int)sizeof fs_path ||
            snprintf(url, sizeof url, "%s/%s", url_dir, e->d_name) >= (int)sizeof url)
            continue;
        struct stat st;
        if (stat(fs_path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            static_walk(s, fs_path, url, depth + 1);
        else if (S_ISREG(st.st_mode))
            static_add(s, url, fs_path, (size_t)st.st_size);
    }
    closedir(d);
}

static int static_cmp(const void *a, const void *b)
{
    return strcmp(((const static_file *)a)->path, ((const static_file *)b)->path);
}

const static_file *static_files_find(const static_files *s, const char *path)
{
    if (!s || !s->nfiles || !path || path[0] != '/') return NULL;
    char key[1024];
    size_t n = strlen(path);
    /* A directory path names its index.html, as "/" does. */
    const char *suffix = path[n - 1] == '/' ? "index.html" : "";
    if (snprintf(key, sizeof key, "%s%s", path, suffix) >= (int)sizeof key) return NULL;
    static_file probe = {.path = key};
    return bsearch(&probe, s->files, s->nfiles, sizeof *s->files, static_cmp);
}

bool static_etag_matches(const char *inm, const char *etag)
{
    if (!inm) return false;
    size_t elen = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p) break;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 1 && *p == '*') return true;
        const char *tag = p;
        if (n > 2 && tag[0] == 'W' && tag[1] == '/') {
            tag += 2;
            n -= 2;
        }
        if (n == elen && memcmp(tag, etag, n) == 0) return true;
        p += end ? (size_t)(end - p) + 1 : strlen(p);
    }
    return false;
}

static_files *static_files_load(const char *root)
{
    static_files *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (root) static_walk(t, root, "", 0);
    if (t->nfiles) qsort(t->files, t->nfiles, sizeof *t->files, static_cmp);
    return t;
}

void static_files_free(static_files *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nfiles; i++) {
        free(t->files[i].path);
        free(t->files[i].data);
    }
    free(t->files);
    free(t);
}

size_t static_files_count(const static_files *t)
{
    return t ? t->nfiles : 0;
}
