#include "signaling/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->data_dir, sizeof c->data_dir, "./data");
    c->media_port_min = 40000;
    c->media_port_max = 40099;
    c->remb_kbps = 2500;
    snprintf(c->log_level, sizeof c->log_level, "info");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+') return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

#define COPY(field)                                                                                \
    do {                                                                                           \
        if (strlen(value) >= sizeof c->field) {                                                    \
            snprintf(err, errcap, "%s: value too long", key);                                      \
            return -1;                                                                             \
        }                                                                                          \
        snprintf(c->field, sizeof c->field, "%s", value);                                          \
        return 0;                                                                                  \
    } while (0)

int config_set(config *c, const char *key, const char *value, char *err, size_t errcap)
{
    unsigned long a, b;
    if (strcmp(key, "listen") == 0) {
        const char *colon = strrchr(value, ':');
        if (!colon || colon == value || (size_t)(colon - value) >= sizeof c->listen_host ||
            parse_uint(colon + 1, 65535, &a) != 0) {
            snprintf(err, errcap, "listen: expected HOST:PORT, got '%s'", value);
            return -1;
        }
        memcpy(c->listen_host, value, (size_t)(colon - value));
        c->listen_host[colon - value] = '\0';
        c->listen_port = (int)a;
        return 0;
    }
    if (strcmp(key, "data") == 0) COPY(data_dir);
    if (strcmp(key, "web_root") == 0) COPY(web_root);
    if (strcmp(key, "tls_cert") == 0) COPY(tls_cert);
    if (strcmp(key, "tls_key") == 0) COPY(tls_key);
    if (strcmp(key, "log_level") == 0) {
        if (strcmp(value, "error") && strcmp(value, "warn") && strcmp(value, "info") &&
            strcmp(value, "debug")) {
            snprintf(err, errcap, "log_level: one of error, warn, info, debug");
            return -1;
        }
        COPY(log_level);
    }
    if (strcmp(key, "media_ports") == 0) {
        char lo[8], hi[8];
        const char *dash = strchr(value, '-');
        if (!dash || dash - value >= (long)sizeof lo || strlen(dash + 1) >= sizeof hi)
            goto bad_ports;
        memcpy(lo, value, (size_t)(dash - value));
        lo[dash - value] = '\0';
        snprintf(hi, sizeof hi, "%s", dash + 1);
        if (parse_uint(lo, 65535, &a) || parse_uint(hi, 65535, &b) || a == 0 || b < a)
            goto bad_ports;
        c->media_port_min = (uint16_t)a;
        c->media_port_max = (uint16_t)b;
        return 0;
    bad_ports:
        snprintf(err, errcap, "media_ports: expected LOW-HIGH, got '%s'", value);
        return -1;
    }
    if (strcmp(key, "media_ip") == 0) {
        if (!*value || strlen(value) >= sizeof c->media_ips[0]) {
            snprintf(err, errcap, "media_ip: an IP address, got '%.80s'", value);
            return -1;
        }
        if (c->n_media_ips == CONFIG_MAX_MEDIA_IPS) {
            snprintf(err, errcap, "media_ip: at most %d addresses", CONFIG_MAX_MEDIA_IPS);
            return -1;
        }
        snprintf(c->media_ips[c->n_media_ips++], sizeof c->media_ips[0], "%s", value);
        return 0;
    }
    if (strcmp(key, "workers") == 0) {
        if (parse_uint(value, 64, &a)) {
            snprintf(err, errcap, "workers: a number from 0 (one per core) to 64");
            return -1;
        }
        c->workers = (int)a;
        return 0;
    }
    if (strcmp(key, "recordings_dir") == 0) {
        if (value[0] != '/') {
            snprintf(err, errcap, "recordings_dir: an absolute path");
            return -1;
        }
        COPY(recordings_dir);
    }
    if (strcmp(key, "recording_retention_days") == 0) {
        if (parse_uint(value, 36500, &a)) {
            snprintf(err, errcap, "recording_retention_days: 0 (keep) to 36500");
            return -1;
        }
        c->retention_days = (uint32_t)a;
        return 0;
    }
    if (strcmp(key, "remb_kbps") == 0) {
        if (parse_uint(value, 100000, &a) || a < 100) {
            snprintf(err, errcap, "remb_kbps: a number from 100 to 100000");
            return -1;
        }
        c->remb_kbps = (uint32_t)a;
        return 0;
    }
    snprintf(err, errcap, "unknown setting '%s'", key);
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

int config_parse(config *c, const char *text, size_t len, char *err, size_t errcap)
{
    size_t off = 0;
    int lineno = 0;
    while (off < len) {
        lineno++;
        size_t end = off;
        while (end < len && text[end] != '\n')
            end++;
        char line[1024];
        size_t seg = end - off;
        if (seg >= sizeof line) {
            snprintf(err, errcap, "line %d: longer than %zu bytes", lineno, sizeof line - 1);
            return -1;
        }
        if (memchr(text + off, '\0', seg)) {
            snprintf(err, errcap, "line %d: NUL byte", lineno);
            return -1;
        }
        memcpy(line, text + off, seg);
        line[seg] = '\0';
        off = end + 1;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *l = trim(line);
        if (!*l) continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            snprintf(err, errcap, "line %d: expected key = value", lineno);
            return -1;
        }
        *eq = '\0';
        char *key = trim(l), *value = trim(eq + 1);
        char why[200];
        if (config_set(c, key, value, why, sizeof why) != 0) {
            snprintf(err, errcap, "line %d: %s", lineno, why);
            return -1;
        }
    }
    return 0;
}

int config_load_file(config *c, const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* One byte more than allowed tells a 64 KiB file from a larger one. */
    static char buf[65536 + 1];
    size_t n = fread(buf, 1, sizeof buf, f);
    int too_big = n > 65536;
    fclose(f);
    if (too_big) {
        snprintf(err, errcap, "%s: larger than 64 KiB", path);
        return -1;
    }
    char why[240];
    if (config_parse(c, buf, n, why, sizeof why) != 0) {
        snprintf(err, errcap, "%s: %s", path, why);
        return -1;
    }
    return 0;
}
