/* The hub's configuration: defaults that need no file, then an optional file of `key = value`
 * lines, then command-line options, each overriding the one before. */
#ifndef DH_CONFIG_H
#define DH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_MEDIA_IPS 8

typedef struct config {
    char listen_host[64];
    int listen_port;
    char data_dir[512];
    char web_root[512];
    char tls_cert[512];
    char tls_key[512];
    uint16_t media_port_min, media_port_max;
    char media_ips[CONFIG_MAX_MEDIA_IPS][64];
    size_t n_media_ips;
    int workers;
    uint32_t remb_kbps;
    char log_level[8];
    char recordings_dir[512]; /* "" = DATA/recordings */
    uint32_t retention_days;  /* recordings deleted after this; 0 = kept forever */
} config;

void config_defaults(config *c);
/* Applies one setting ("listen", "127.0.0.1:8080"). 0, or -1 with a reason in err. */
int config_set(config *c, const char *key, const char *value, char *err, size_t errcap);
/* Parses a whole file's text: '#' comments, blank lines, `key = value`. Errors name the line. */
int config_parse(config *c, const char *text, size_t len, char *err, size_t errcap);
int config_load_file(config *c, const char *path, char *err, size_t errcap);

#endif
