/* Feeds arbitrary bytes to config_parse on a fresh default configuration, and (split at the first
 * newline into a key and a value) to config_set. Whatever is accepted must leave a configuration
 * the hub can use: every string terminated inside its field, every number in its documented
 * range; whatever is refused must say why, and config_set must refuse without changing anything. */
#include "signaling/config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

#define TERMINATED(field) check(memchr((field), '\0', sizeof(field)) != NULL)

static void check_sane(const config *c)
{
    TERMINATED(c->listen_host);
    TERMINATED(c->data_dir);
    TERMINATED(c->web_root);
    TERMINATED(c->tls_cert);
    TERMINATED(c->tls_key);
    TERMINATED(c->log_level);
    check(c->listen_port >= 0 && c->listen_port <= 65535);
    check(c->media_port_min >= 1 && c->media_port_min <= c->media_port_max);
    check(c->n_media_ips <= CONFIG_MAX_MEDIA_IPS);
    for (size_t i = 0; i < c->n_media_ips; i++) {
        TERMINATED(c->media_ips[i]);
        check(c->media_ips[i][0] != '\0');
    }
    check(c->workers >= 0 && c->workers <= 64);
    check(c->remb_kbps >= 100 && c->remb_kbps <= 100000);
    check(!strcmp(c->log_level, "error") || !strcmp(c->log_level, "warn") ||
          !strcmp(c->log_level, "info") || !strcmp(c->log_level, "debug"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: a read past `size` is caught by ASan. */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);

    config c;
    config_defaults(&c);
    char err[256];
    memset(err, 0x55, sizeof err);
    int rc = config_parse(&c, text, size, err, sizeof err);
    check(rc == 0 || rc == -1);
    /* Settings before a bad line are applied, so the result is sane either way. */
    check_sane(&c);
    if (rc != 0) {
        TERMINATED(err);
        check(strncmp(err, "line ", 5) == 0);
    }

    /* One setting: key up to the first newline, the value after it. */
    const char *nl = memchr(text, '\n', size);
    if (nl) {
        size_t klen = (size_t)(nl - text), vlen = size - klen - 1;
        char *key = malloc(klen + 1), *value = malloc(vlen + 1);
        if (key && value) {
            memcpy(key, text, klen);
            key[klen] = '\0';
            memcpy(value, nl + 1, vlen);
            value[vlen] = '\0';
            config before;
            config_defaults(&c);
            config_defaults(&before);
            char small[16];
            rc = config_set(&c, key, value, small, sizeof small);
            check(rc == 0 || rc == -1);
            check_sane(&c);
            if (rc != 0) {
                TERMINATED(small);
                check(memcmp(&c, &before, sizeof c) == 0);
            }
        }
        free(key);
        free(value);
    }
    free(text);
    return 0;
}
