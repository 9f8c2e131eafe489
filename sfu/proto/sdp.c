/* SDP helpers shared by the parser (sdp_parse.c) and the writer (sdp_write.c): allocation,
 * effective transport attributes and lookups. */
#include "sdp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

sdp_session *sdp_session_new(void)
{
    return calloc(1, sizeof(sdp_session));
}

bool sdp_proto_is_rtp(const char *proto)
{
    return proto && strstr(proto, "RTP/") != NULL;
}

const char *sdp_media_ice_ufrag(const sdp_session *s, const sdp_media *m)
{
    return m->ice_ufrag[0] ? m->ice_ufrag : s->ice_ufrag;
}

const char *sdp_media_ice_pwd(const sdp_session *s, const sdp_media *m)
{
    return m->ice_pwd[0] ? m->ice_pwd : s->ice_pwd;
}

bool sdp_media_fingerprint(const sdp_session *s, const sdp_media *m, const char **alg,
                           const uint8_t **fp, size_t *fp_len)
{
    const char *a;
    const uint8_t *f;
    size_t n;
    if (m->fingerprint_len) {
        a = m->fingerprint_alg;
        f = m->fingerprint;
        n = m->fingerprint_len;
    } else if (s->fingerprint_len) {
        a = s->fingerprint_alg;
        f = s->fingerprint;
        n = s->fingerprint_len;
    } else {
        return false;
    }
    if (alg) *alg = a;
    if (fp) *fp = f;
    if (fp_len) *fp_len = n;
    return true;
}

sdp_setup sdp_media_setup(const sdp_session *s, const sdp_media *m)
{
    return m->setup != SDP_SETUP_NONE ? m->setup : s->setup;
}

const sdp_codec *sdp_find_codec(const sdp_media *m, uint8_t pt)
{
    for (unsigned i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt) return &m->codecs[i];
    return NULL;
}

bool sdp_fmtp_get(const sdp_codec *c, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = c->fmtp;
    while (*p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        if (!end) end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *kend = eq ? eq : end;
        /* Parameter names are case-insensitive (RFC 6184 and friends); Chrome writes no spaces
         * around '=' but other stacks do. */
        while (kend > p && kend[-1] == ' ')
            kend--;
        if ((size_t)(kend - p) == klen && strncasecmp(p, key, klen) == 0) {
            const char *v = eq ? eq + 1 : end;
            while (v < end && *v == ' ')
                v++;
            const char *vend = end;
            while (vend > v && vend[-1] == ' ')
                vend--;
            size_t vlen = (size_t)(vend - v);
            if (vlen >= cap) return false;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

const sdp_codec *sdp_find_rtx(const sdp_media *m, uint8_t pt)
{
    for (unsigned i = 0; i < m->n_codecs; i++) {
        const sdp_codec *c = &m->codecs[i];
        char apt[8];
        if (strcasecmp(c->name, "rtx") != 0 || !sdp_fmtp_get(c, "apt", apt, sizeof apt)) continue;
        char *end;
        long v = strtol(apt, &end, 10);
        if (end != apt && *end == '\0' && v == pt) return c;
    }
    return NULL;
}

uint8_t sdp_find_extmap(const sdp_media *m, const char *uri)
{
    for (unsigned i = 0; i < m->n_extmaps; i++)
        if (strcmp(m->extmaps[i].uri, uri) == 0) return m->extmaps[i].id;
    return 0;
}
