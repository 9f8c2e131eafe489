/* The hub's configuration: defaults, every key with valid and invalid values (a refused value
 * names its key and leaves the configuration as it was), whole files with comments, blanks, CRLF
 * and errors that name their line, over-long lines, NUL bytes, and loading from disk. */
#include "signaling/config.h"
#include "tests/unit/check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_defaults(void)
{
    config c;
    memset(&c, 0xAB, sizeof c);
    config_defaults(&c);
    CHECK_STR(c.listen_host, "127.0.0.1");
    CHECK_EQ(c.listen_port, 8080);
    CHECK_STR(c.data_dir, "./data");
    CHECK_STR(c.web_root, "");
    CHECK_STR(c.tls_cert, "");
    CHECK_STR(c.tls_key, "");
    CHECK_EQ(c.media_port_min, 40000);
    CHECK_EQ(c.media_port_max, 40099);
    CHECK_EQ(c.n_media_ips, 0);
    CHECK_EQ(c.workers, 0);
    CHECK_EQ(c.remb_kbps, 2500);
    CHECK_STR(c.log_level, "info");
}

static char long_value[600];

/* Returns a string of n 'x' characters (n < sizeof long_value). */
static const char *xs(size_t n)
{
    memset(long_value, 'x', n);
    long_value[n] = '\0';
    return long_value;
}

/* One setting applied to the defaults; `check` inspects the result when it is accepted. */
typedef struct row {
    const char *key;
    const char *value;
    bool ok;
    int (*check)(const config *c);
} row;

static int listen_lo(const config *c)
{
    return strcmp(c->listen_host, "127.0.0.1") == 0 && c->listen_port == 9000;
}
static int listen_any(const config *c)
{
    return strcmp(c->listen_host, "0.0.0.0") == 0 && c->listen_port == 443;
}
static int listen_name(const config *c)
{
    return strcmp(c->listen_host, "hub.example") == 0 && c->listen_port == 0;
}
static int listen_max(const config *c)
{
    return c->listen_port == 65535 && strlen(c->listen_host) == 63;
}
static int data_dir(const config *c)
{
    return strcmp(c->data_dir, "/var/lib/dienhong") == 0;
}
static int data_long(const config *c)
{
    return strlen(c->data_dir) == 511;
}
static int web_root(const config *c)
{
    return strcmp(c->web_root, "/srv/web") == 0;
}
static int tls_cert(const config *c)
{
    return strcmp(c->tls_cert, "/etc/ssl/hub.pem") == 0;
}
static int tls_key(const config *c)
{
    return strcmp(c->tls_key, "/etc/ssl/hub.key") == 0;
}
static int level_error(const config *c)
{
    return strcmp(c->log_level, "error") == 0;
}
static int level_warn(const config *c)
{
    return strcmp(c->log_level, "warn") == 0;
}
static int level_debug(const config *c)
{
    return strcmp(c->log_level, "debug") == 0;
}
static int ports_range(const config *c)
{
    return c->media_port_min == 10000 && c->media_port_max == 20000;
}
static int ports_one(const config *c)
{
    return c->media_port_min == 5000 && c->media_port_max == 5000;
}
static int ports_edges(const config *c)
{
    return c->media_port_min == 1 && c->media_port_max == 65535;
}
static int media_ip(const config *c)
{
    return c->n_media_ips == 1 && strcmp(c->media_ips[0], "203.0.113.5") == 0;
}
static int media_ip6(const config *c)
{
    return c->n_media_ips == 1 && strcmp(c->media_ips[0], "2001:db8::5") == 0;
}
static int workers_0(const config *c)
{
    return c->workers == 0;
}
static int workers_4(const config *c)
{
    return c->workers == 4;
}
static int workers_64(const config *c)
{
    return c->workers == 64;
}
static int remb_min(const config *c)
{
    return c->remb_kbps == 100;
}
static int remb_max(const config *c)
{
    return c->remb_kbps == 100000;
}

static int rec_dir(const config *c)
{
    return strcmp(c->recordings_dir, "/srv/rec") == 0;
}
static int retention_90(const config *c)
{
    return c->retention_days == 90;
}

static void test_keys(void)
{
    static char host63[640], data511[640], data512[640], host64[640]; /* room for xs() whole */
    snprintf(host63, sizeof host63, "%s:65535", xs(63));
    snprintf(host64, sizeof host64, "%s:80", xs(64));
    snprintf(data511, sizeof data511, "%s", xs(511));
    snprintf(data512, sizeof data512, "%s", xs(512));
    const row table[] = {
        {"listen", "127.0.0.1:9000", true, listen_lo},
        {"listen", "0.0.0.0:443", true, listen_any},
        {"listen", "hub.example:0", true, listen_name},
        {"listen", host63, true, listen_max},
        {"listen", host64, false, NULL},
        {"listen", "8080", false, NULL},
        {"listen", ":8080", false, NULL},
        {"listen", "hub:", false, NULL},
        {"listen", "hub:65536", false, NULL},
        {"listen", "hub:-1", false, NULL},
        {"listen", "hub:+80", false, NULL},
        {"listen", "hub:80x", false, NULL},
        {"listen", "hub:99999999999999999999999", false, NULL},
        {"listen", "", false, NULL},
        {"data", "/var/lib/dienhong", true, data_dir},
        {"data", data511, true, data_long},
        {"data", data512, false, NULL},
        {"web_root", "/srv/web", true, web_root},
        {"web_root", data512, false, NULL},
        {"tls_cert", "/etc/ssl/hub.pem", true, tls_cert},
        {"tls_cert", data512, false, NULL},
        {"tls_key", "/etc/ssl/hub.key", true, tls_key},
        {"tls_key", data512, false, NULL},
        {"log_level", "error", true, level_error},
        {"log_level", "warn", true, level_warn},
        {"log_level", "debug", true, level_debug},
        {"log_level", "verbose", false, NULL},
        {"log_level", "INFO", false, NULL},
        {"log_level", "", false, NULL},
        {"media_ports", "10000-20000", true, ports_range},
        {"media_ports", "5000-5000", true, ports_one},
        {"media_ports", "1-65535", true, ports_edges},
        {"media_ports", "40000", false, NULL},
        {"media_ports", "0-100", false, NULL},
        {"media_ports", "20000-10000", false, NULL},
        {"media_ports", "1-65536", false, NULL},
        {"media_ports", "-", false, NULL},
        {"media_ports", "-100", false, NULL},
        {"media_ports", "100-", false, NULL},
        {"media_ports", "a-b", false, NULL},
        {"media_ports", "123456789-1", false, NULL},
        {"media_ports", "1-123456789", false, NULL},
        {"media_ports", "1--2", false, NULL},
        {"media_ip", "203.0.113.5", true, media_ip},
        {"media_ip", "2001:db8::5", true, media_ip6},
        {"media_ip", "", false, NULL},
        {"media_ip", xs(64), false, NULL},
        {"workers", "0", true, workers_0},
        {"workers", "4", true, workers_4},
        {"workers", "64", true, workers_64},
        {"workers", "65", false, NULL},
        {"workers", "-1", false, NULL},
        {"workers", "4x", false, NULL},
        {"workers", "", false, NULL},
        {"remb_kbps", "100", true, remb_min},
        {"remb_kbps", "100000", true, remb_max},
        {"remb_kbps", "99", false, NULL},
        {"remb_kbps", "100001", false, NULL},
        {"remb_kbps", "fast", false, NULL},
        {"recordings_dir", "/srv/rec", true, rec_dir},
        {"recordings_dir", "rec", false, NULL},
        {"recording_retention_days", "90", true, retention_90},
        {"recording_retention_days", "36501", false, NULL},
        {"recording_retention_days", "-1", false, NULL},
        {"listne", "127.0.0.1:80", false, NULL},
        {"LISTEN", "127.0.0.1:80", false, NULL},
        {"", "x", false, NULL},
    };
    config defaults;
    config_defaults(&defaults);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const row *r = &table[i];
        config c;
        config_defaults(&c);
        char err[256] = "";
        int rc = config_set(&c, r->key, r->value, err, sizeof err);
        bool good;
        if (r->ok)
            good = rc == 0 && r->check(&c);
        else
            /* Refused with a reason that names the key; nothing changed. */
            good = rc == -1 && err[0] && (!r->key[0] || strstr(err, r->key)) &&
                   memcmp(&c, &defaults, sizeof c) == 0;
        if (!good)
            fprintf(stderr, "config_set(\"%s\", \"%.40s\"): rc %d, err \"%s\"\n", r->key, r->value,
                    rc, err);
        CHECK(good);
    }
}

static void test_media_ip_list(void)
{
    config c;
    config_defaults(&c);
    char err[256];
    char ip[32];
    for (int i = 0; i < CONFIG_MAX_MEDIA_IPS; i++) {
        snprintf(ip, sizeof ip, "198.51.100.%d", i + 1);
        CHECK_EQ(config_set(&c, "media_ip", ip, err, sizeof err), 0);
    }
    CHECK_EQ(c.n_media_ips, CONFIG_MAX_MEDIA_IPS);
    CHECK_STR(c.media_ips[0], "198.51.100.1");
    CHECK_STR(c.media_ips[CONFIG_MAX_MEDIA_IPS - 1], "198.51.100.8");
    err[0] = '\0';
    CHECK_EQ(config_set(&c, "media_ip", "198.51.100.9", err, sizeof err), -1);
    CHECK(strstr(err, "at most") != NULL);
    CHECK_EQ(c.n_media_ips, CONFIG_MAX_MEDIA_IPS);

    /* An empty or over-long address is refused for what it is, not for a full list. */
    config_defaults(&c);
    static const char *bad[] = {"", NULL};
    bad[1] = xs(64);
    for (int i = 0; i < 2; i++) {
        err[0] = '\0';
        CHECK_EQ(config_set(&c, "media_ip", bad[i], err, sizeof err), -1);
        if (strstr(err, "at most"))
            fprintf(stderr, "media_ip \"%.10s\" (%zu chars) with an empty list refused as: %s\n",
                    bad[i], strlen(bad[i]), err);
        CHECK(strstr(err, "at most") == NULL);
    }
}

/* ---- whole files ---------------------------------------------------------------------------- */

static int parse_text(config *c, const char *text, size_t len, char *err, size_t cap)
{
    /* An exact-size copy without a terminating NUL: the parser must stop at len. */
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int rc = config_parse(c, copy, len, err, cap);
    free(copy);
    return rc;
}

static void test_file_text(void)
{
    static const char text[] = "# dienhong hub\r\n"
                               "\r\n"
                               "listen = 0.0.0.0:8443\r\n"
                               "   # an indented comment\n"
                               "\t\n"
                               "data=/var/lib/dh   # trailing comment\r\n"
                               "media_ports\t=\t41000-41999\r\n"
                               "media_ip = 192.0.2.1\n"
                               "media_ip = 192.0.2.2\r\n"
                               "workers = 2\n"
                               "  remb_kbps   =   3000  \r\n"
                               "log_level = debug"; /* no newline at the end */
    config c;
    config_defaults(&c);
    char err[256] = "";
    int rc = parse_text(&c, text, sizeof text - 1, err, sizeof err);
    if (rc) fprintf(stderr, "file text: %s\n", err);
    CHECK_EQ(rc, 0);
    CHECK_STR(c.listen_host, "0.0.0.0");
    CHECK_EQ(c.listen_port, 8443);
    CHECK_STR(c.data_dir, "/var/lib/dh");
    CHECK_EQ(c.media_port_min, 41000);
    CHECK_EQ(c.media_port_max, 41999);
    CHECK_EQ(c.n_media_ips, 2);
    CHECK_STR(c.media_ips[1], "192.0.2.2");
    CHECK_EQ(c.workers, 2);
    CHECK_EQ(c.remb_kbps, 3000);
    CHECK_STR(c.log_level, "debug");
    CHECK_STR(c.tls_cert, ""); /* untouched */

    /* Nothing at all, or only comments and blanks: the defaults stay. */
    static const char *empty[] = {"", "\n", "\r\n\r\n", "# only a comment", "  \t \n # x\n\n"};
    config defaults;
    config_defaults(&defaults);
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        config_defaults(&c);
        CHECK_EQ(parse_text(&c, empty[i], strlen(empty[i]), err, sizeof err), 0);
        CHECK(memcmp(&c, &defaults, sizeof c) == 0);
    }
}

static void test_file_errors(void)
{
    static const struct {
        const char *text;
        const char *err; /* the start of the message */
    } table[] = {
        {"workers = 2\nworkers = 99\n", "line 2: workers"},
        {"# c\n\nlisten = nowhere\n", "line 3: listen"},
        {"# c\r\n\r\n\r\nfoo = 1\r\n", "line 4: unknown setting 'foo'"},
        {"workers 2\n", "line 1: expected key = value"},
        {"workers = 2\njust words\n", "line 2: expected key = value"},
        {"# = in a comment does not count\n", NULL},
        {"data = /x\n\n\n\n\nlog_level = loud", "line 6: log_level"},
        {"= 5\n", "line 1: unknown setting ''"},
        {"media_ports = 2-1 # backwards\n", "line 1: media_ports"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        config c;
        config_defaults(&c);
        char err[256] = "";
        int rc = parse_text(&c, table[i].text, strlen(table[i].text), err, sizeof err);
        bool good = table[i].err ? rc == -1 && strncmp(err, table[i].err, strlen(table[i].err)) == 0
                                 : rc == 0;
        if (!good) fprintf(stderr, "file error %zu: rc %d, \"%s\"\n", i, rc, err);
        CHECK(good);
    }

    /* A line of 1023 bytes is fine; 1024 is refused, naming its line. */
    static char text[4096];
    config c;
    char err[256];
    for (size_t n = 1020; n <= 1030; n++) {
        size_t off = (size_t)snprintf(text, sizeof text, "workers = 1\n#");
        memset(text + off, 'c', n - 1);
        off += n - 1;
        off += (size_t)snprintf(text + off, sizeof text - off, "\nworkers = 3\n");
        config_defaults(&c);
        err[0] = '\0';
        int rc = parse_text(&c, text, off, err, sizeof err);
        if (n < 1024) {
            CHECK_EQ(rc, 0);
            CHECK_EQ(c.workers, 3);
        } else {
            CHECK_EQ(rc, -1);
            CHECK(strncmp(err, "line 2: longer than", 19) == 0);
        }
    }
    /* ... also when it is the last line, without a newline. */
    memset(text, 'k', 2000);
    config_defaults(&c);
    err[0] = '\0';
    CHECK_EQ(parse_text(&c, text, 2000, err, sizeof err), -1);
    CHECK(strncmp(err, "line 1: longer than", 19) == 0);

    /* A NUL byte: refused, naming its line, whether in a value, a comment or alone. */
    static const struct {
        const char *text;
        size_t len;
        const char *err;
    } nul[] = {
        {"workers = 1\nworkers = 2\0 3\n", 26, "line 2: NUL byte"},
        {"# comment\0\n", 11, "line 1: NUL byte"},
        {"\n\n\0", 3, "line 3: NUL byte"},
        {"data = /a\0/b", 12, "line 1: NUL byte"},
    };
    for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++) {
        config_defaults(&c);
        err[0] = '\0';
        int rc = parse_text(&c, nul[i].text, nul[i].len, err, sizeof err);
        if (rc != -1 || strcmp(err, nul[i].err) != 0)
            fprintf(stderr, "NUL case %zu: rc %d, \"%s\"\n", i, rc, err);
        CHECK_EQ(rc, -1);
        CHECK_STR(err, nul[i].err);
    }

    /* A tiny error buffer truncates the message, never overflows. */
    char tiny[8];
    config_defaults(&c);
    CHECK_EQ(parse_text(&c, "foo = 1\n", 8, tiny, sizeof tiny), -1);
    CHECK_EQ(strlen(tiny), sizeof tiny - 1);
}

/* ---- files on disk -------------------------------------------------------------------------- */

static bool write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static void test_load_file(void)
{
    char path[] = "/tmp/dh_test_config_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    config c;
    char err[512];

    CHECK(write_file(path, "workers = 5\nlog_level = warn\n", 29));
    config_defaults(&c);
    CHECK_EQ(config_load_file(&c, path, err, sizeof err), 0);
    CHECK_EQ(c.workers, 5);
    CHECK_STR(c.log_level, "warn");

    /* Errors carry the path and the line. */
    CHECK(write_file(path, "\nworkers = many\n", 16));
    err[0] = '\0';
    CHECK_EQ(config_load_file(&c, path, err, sizeof err), -1);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "line 2: workers") != NULL);

    /* Sizes around the 64 KiB limit: comment lines, then one setting. */
    static char big[65536 + 64];
    static const size_t sizes[] = {65535, 65536, 65537};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        memset(big, '\n', n);
        for (size_t off = 0; off + 1000 < n - 20; off += 1000)
            memset(big + off, '#', 999);
        memcpy(big + n - 12, "workers = 7\n", 12);
        CHECK(write_file(path, big, n));
        config_defaults(&c);
        err[0] = '\0';
        int rc = config_load_file(&c, path, err, sizeof err);
        bool want_ok = n <= 65536; /* "larger than 64 KiB" is refused; 64 KiB itself is not */
        if ((rc == 0) != want_ok)
            fprintf(stderr, "config file of %zu bytes: rc %d, \"%s\"\n", n, rc, err);
        CHECK_EQ(rc == 0, want_ok);
        if (want_ok && rc == 0) CHECK_EQ(c.workers, 7);
    }

    unlink(path);
    err[0] = '\0';
    CHECK_EQ(config_load_file(&c, path, err, sizeof err), -1);
    CHECK(strstr(err, path) != NULL);
}

int main(void)
{
    test_defaults();
    test_keys();
    test_media_ip_list();
    test_file_text();
    test_file_errors();
    test_load_file();
    CHECK_DONE();
}
