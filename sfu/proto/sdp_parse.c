/* SDP parser: one pass over the lines, filling the fixed-capacity struct in place. Every field is
 * read through a bounded view of the input, so the text needs no NUL and is never read past
 * `len`. */
#include "sdp.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A bounded view into the input; nothing here relies on a terminating NUL. */
typedef struct {
    const char *p;
    size_t n;
} sv;

typedef struct {
    sdp_session *s;
    sdp_media *m; /* NULL while still in the session section */
    size_t line;
    char *err;
    size_t err_cap;
    /* A session-level direction and session-level extmaps apply to every m-section (RFC 8866
     * 6.7, RFC 8285 5); the struct has no session-level slot for them, so they are copied into
     * each media as it starts. */
    bool sess_dir_set;
    sdp_direction sess_dir;
    uint8_t n_sess_ext;
    sdp_extmap sess_ext[SDP_MAX_EXTMAPS];
    uint32_t wild_fb; /* rtcp-fb flags given for pt "*" in the current media */
    bool bundle_seen;
} parser;

static int fail(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parser *ps, const char *fmt, ...)
{
    if (ps->err && ps->err_cap) {
        int n = snprintf(ps->err, ps->err_cap, "line %zu: ", ps->line);
        if (n >= 0 && (size_t)n < ps->err_cap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->err + n, ps->err_cap - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static sv sv_trim_left(sv s)
{
    while (s.n && is_ws(*s.p))
        s.p++, s.n--;
    return s;
}

/* Takes the next whitespace-separated token off the front of *s. */
static sv sv_token(sv *s)
{
    *s = sv_trim_left(*s);
    sv t = {s->p, 0};
    while (t.n < s->n && !is_ws(s->p[t.n]))
        t.n++;
    s->p += t.n;
    s->n -= t.n;
    return t;
}

/* Splits *s at the first `c`: returns the part before it and leaves the part after in *s (or an
 * empty view when `c` is absent). */
static sv sv_split(sv *s, char c, bool *found)
{
    const char *hit = s->n ? memchr(s->p, c, s->n) : NULL;
    sv head = {s->p, hit ? (size_t)(hit - s->p) : s->n};
    if (found) *found = hit != NULL;
    s->p += hit ? head.n + 1 : head.n;
    s->n -= hit ? head.n + 1 : head.n;
    return head;
}

static bool sv_is(sv s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static bool sv_is_ci(sv s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n) return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s.p[i]) != tolower((unsigned char)lit[i])) return false;
    return true;
}

/* Decimal digits only (no sign, no spaces), value <= max. */
static bool sv_u64(sv s, uint64_t max, uint64_t *out)
{
    if (s.n == 0) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Copies into a fixed field; an overlong value is an error, never cut. */
static int copy_field(parser *ps, char *dst, size_t cap, sv v, const char *what)
{
    if (v.n >= cap) return fail(ps, "%s: value too long (max %zu)", what, cap - 1);
    memcpy(dst, v.p, v.n);
    dst[v.n] = '\0';
    return 0;
}

static int parse_pt(parser *ps, sv t, const char *what, uint8_t *pt)
{
    uint64_t v;
    if (!sv_u64(t, 127, &v)) return fail(ps, "%s: bad payload type", what);
    *pt = (uint8_t)v;
    return 0;
}

static sdp_codec *codec_for_pt(sdp_media *m, uint8_t pt)
{
    for (unsigned i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt) return &m->codecs[i];
    return NULL;
}

static int add_codec(parser *ps, uint8_t pt, const char *what, sdp_codec **out)
{
    sdp_media *m = ps->m;
    if (m->n_codecs >= SDP_MAX_CODECS)
        return fail(ps, "%s: too many codecs (max %d)", what, SDP_MAX_CODECS);
    sdp_codec *c = &m->codecs[m->n_codecs++];
    c->pt = pt;
    *out = c;
    return 0;
}

static bool parse_dir(sv v, sdp_direction *dir)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (unsigned i = 0; i < 4; i++) {
        if (sv_is(v, names[i])) {
            *dir = (sdp_direction)i;
            return true;
        }
    }
    return false;
}

/* The wildcard rtcp-fb applies to every codec, including ones whose rtpmap follows it. */
static void finish_media(parser *ps)
{
    if (!ps->m) return;
    for (unsigned i = 0; i < ps->m->n_codecs; i++)
        ps->m->codecs[i].fb |= ps->wild_fb;
    ps->wild_fb = 0;
}

static int parse_m(parser *ps, sv v)
{
    sdp_session *s = ps->s;
    finish_media(ps);
    if (s->n_media >= SDP_MAX_MEDIA)
        return fail(ps, "too many media sections (max %d)", SDP_MAX_MEDIA);
    sdp_media *m = &s->media[s->n_media++];
    ps->m = m;

    sv kind = sv_token(&v);
    sv port_tok = sv_token(&v);
    sv proto = sv_token(&v);
    v = sv_trim_left(v);
    if (!kind.n || !port_tok.n || !proto.n || !v.n) return fail(ps, "m= line malformed");
    if (copy_field(ps, m->kind_name, sizeof m->kind_name, kind, "m= media") < 0) return -1;
    m->kind = sv_is(kind, "audio")         ? SDP_MEDIA_AUDIO
              : sv_is(kind, "video")       ? SDP_MEDIA_VIDEO
              : sv_is(kind, "application") ? SDP_MEDIA_APPLICATION
                                           : SDP_MEDIA_OTHER;
    /* "<port>/<number of ports>" is legal SDP; WebRTC never uses more than one port. */
    bool has_nports;
    sv port_s = sv_split(&port_tok, '/', &has_nports);
    uint64_t port, nports;
    if (!sv_u64(port_s, 65535, &port) || (has_nports && !sv_u64(port_tok, 65535, &nports)))
        return fail(ps, "m= line malformed: bad port");
    m->port = (uint16_t)port;
    if (copy_field(ps, m->proto, sizeof m->proto, proto, "m= proto") < 0) return -1;

    m->dir = ps->sess_dir_set ? ps->sess_dir : SDP_DIR_SENDRECV;
    bool rtp = sdp_proto_is_rtp(m->proto);
    size_t fl = 0;
    for (sv t = sv_token(&v); t.n; t = sv_token(&v)) {
        if (rtp) {
            uint8_t pt = 0;
            sdp_codec *c;
            if (parse_pt(ps, t, "m=", &pt) < 0) return -1;
            if (codec_for_pt(m, pt)) return fail(ps, "m= line malformed: duplicate payload type");
            if (add_codec(ps, pt, "m=", &c) < 0) return -1;
        } else {
            /* Kept single-space separated so that writing it back reproduces it. */
            if (fl + (fl ? 1 : 0) + t.n >= sizeof m->fmt_list)
                return fail(ps, "m= format list too long (max %zu)", sizeof m->fmt_list - 1);
            if (fl) m->fmt_list[fl++] = ' ';
            memcpy(m->fmt_list + fl, t.p, t.n);
            fl += t.n;
            m->fmt_list[fl] = '\0';
        }
    }
    if (rtp) {
        memcpy(m->extmaps, ps->sess_ext, ps->n_sess_ext * sizeof ps->sess_ext[0]);
        m->n_extmaps = ps->n_sess_ext;
    }
    return 0;
}

static unsigned hexval(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(tolower((unsigned char)c) - 'a' + 10);
}

static int parse_fingerprint(parser *ps, sv v, char *alg, uint8_t *fp, uint8_t *fp_len)
{
    sv a = sv_token(&v);
    sv hex = sv_token(&v);
    if (!a.n || !hex.n || sv_trim_left(v).n) return fail(ps, "a=fingerprint: malformed");
    char alg_buf[sizeof((sdp_media *)0)->fingerprint_alg];
    if (copy_field(ps, alg_buf, sizeof alg_buf, a, "a=fingerprint algorithm") < 0) return -1;
    for (char *c = alg_buf; *c; c++)
        *c = (char)tolower((unsigned char)*c);

    uint8_t bytes[sizeof((sdp_media *)0)->fingerprint];
    size_t n = 0;
    for (;;) {
        bool more;
        sv pair = sv_split(&hex, ':', &more);
        if (pair.n != 2 || !isxdigit((unsigned char)pair.p[0]) ||
            !isxdigit((unsigned char)pair.p[1]))
            return fail(ps, "a=fingerprint: bad fingerprint hex");
        if (n >= sizeof bytes)
            return fail(ps, "a=fingerprint: too long (max %zu bytes)", sizeof bytes);
        bytes[n++] = (uint8_t)(hexval(pair.p[0]) << 4 | hexval(pair.p[1]));
        if (!more) break;
    }
    /* RFC 8122 allows several fingerprints (one per hash); the first is kept. */
    if (*fp_len) return 0;
    strcpy(alg, alg_buf);
    memcpy(fp, bytes, n);
    *fp_len = (uint8_t)n;
    return 0;
}

static int parse_setup(parser *ps, sv v, sdp_setup *out)
{
    if (sv_is_ci(v, "actpass"))
        *out = SDP_SETUP_ACTPASS;
    else if (sv_is_ci(v, "active"))
        *out = SDP_SETUP_ACTIVE;
    else if (sv_is_ci(v, "passive"))
        *out = SDP_SETUP_PASSIVE;
    else
        return fail(ps, "a=setup: unsupported value");
    return 0;
}

static int parse_extmap(parser *ps, sv v)
{
    sv idt = sv_token(&v);
    sv uri = sv_token(&v);
    bool has_dir;
    sv id_s = sv_split(&idt, '/', &has_dir);
    uint64_t id;
    sdp_direction dir;
    if (!sv_u64(id_s, 255, &id) || id == 0) return fail(ps, "a=extmap: bad id");
    if (has_dir && !parse_dir(idt, &dir)) return fail(ps, "a=extmap: bad direction");
    if (!uri.n) return fail(ps, "a=extmap: missing URI");

    sdp_extmap *list = ps->m ? ps->m->extmaps : ps->sess_ext;
    uint8_t *n = ps->m ? &ps->m->n_extmaps : &ps->n_sess_ext;
    if (*n >= SDP_MAX_EXTMAPS) return fail(ps, "too many extmaps (max %d)", SDP_MAX_EXTMAPS);
    sdp_extmap *e = &list[*n];
    if (copy_field(ps, e->uri, sizeof e->uri, uri, "a=extmap URI") < 0) return -1;
    e->id = (uint8_t)id;
    (*n)++;
    return 0;
}

static int parse_rtpmap(parser *ps, sv v)
{
    uint8_t pt = 0;
    if (parse_pt(ps, sv_token(&v), "a=rtpmap", &pt) < 0) return -1;
    v = sv_trim_left(v);
    bool found;
    sv name = sv_split(&v, '/', &found);
    if (!name.n || !found) return fail(ps, "a=rtpmap: malformed");
    sv clock_s = sv_split(&v, '/', &found);
    uint64_t clock, ch = 0;
    if (!sv_u64(clock_s, UINT32_MAX, &clock)) return fail(ps, "a=rtpmap: bad clock rate");
    if (found && !sv_u64(v, 255, &ch)) return fail(ps, "a=rtpmap: bad channel count");

    sdp_codec *c = codec_for_pt(ps->m, pt);
    if (!c && add_codec(ps, pt, "a=rtpmap", &c) < 0) return -1;
    if (copy_field(ps, c->name, sizeof c->name, name, "a=rtpmap encoding name") < 0) return -1;
    c->clock = (uint32_t)clock;
    c->channels = (uint8_t)ch;
    return 0;
}

static int parse_fmtp(parser *ps, sv v)
{
    uint8_t pt = 0;
    if (parse_pt(ps, sv_token(&v), "a=fmtp", &pt) < 0) return -1;
    sdp_codec *c = codec_for_pt(ps->m, pt);
    /* Parameters for a format that is not offered describe nothing. */
    if (!c) return 0;
    return copy_field(ps, c->fmtp, sizeof c->fmtp, sv_trim_left(v), "a=fmtp");
}

static int parse_rtcp_fb(parser *ps, sv v)
{
    sv pt_s = sv_token(&v);
    sv type = sv_token(&v);
    sv param = sv_token(&v);
    uint32_t flag = 0;
    if (sv_is(type, "nack"))
        flag = !param.n ? SDP_FB_NACK : sv_is(param, "pli") ? SDP_FB_PLI : 0;
    else if (sv_is(type, "ccm"))
        flag = sv_is(param, "fir") ? SDP_FB_FIR : 0;
    else if (sv_is(type, "goog-remb"))
        flag = SDP_FB_REMB;
    else if (sv_is(type, "transport-cc"))
        flag = SDP_FB_TWCC;

    if (sv_is(pt_s, "*")) {
        ps->wild_fb |= flag;
        return 0;
    }
    uint8_t pt = 0;
    if (parse_pt(ps, pt_s, "a=rtcp-fb", &pt) < 0) return -1;
    sdp_codec *c = codec_for_pt(ps->m, pt);
    if (c) c->fb |= flag;
    return 0;
}

static sdp_ssrc *ssrc_entry(parser *ps, uint32_t id)
{
    sdp_media *m = ps->m;
    for (unsigned i = 0; i < m->n_ssrcs; i++)
        if (m->ssrcs[i].ssrc == id) return &m->ssrcs[i];
    if (m->n_ssrcs >= SDP_MAX_SSRCS) {
        fail(ps, "too many ssrcs (max %d)", SDP_MAX_SSRCS);
        return NULL;
    }
    sdp_ssrc *e = &m->ssrcs[m->n_ssrcs++];
    e->ssrc = id;
    return e;
}

static int parse_ssrc(parser *ps, sv v)
{
    uint64_t id;
    if (!sv_u64(sv_token(&v), UINT32_MAX, &id)) return fail(ps, "a=ssrc: bad ssrc");
    sdp_ssrc *e = ssrc_entry(ps, (uint32_t)id);
    if (!e) return -1;
    v = sv_trim_left(v);
    bool has_value;
    sv attr = sv_split(&v, ':', &has_value);
    if (sv_is(attr, "cname")) return copy_field(ps, e->cname, sizeof e->cname, v, "a=ssrc cname");
    return 0;
}

static int parse_ssrc_group(parser *ps, sv v)
{
    enum { GROUP_MAX = (int)(sizeof(((sdp_ssrc_group *)0)->ssrcs) / sizeof(uint32_t)) };
    sdp_media *m = ps->m;
    if (m->n_ssrc_groups >= SDP_MAX_SSRC_GROUPS)
        return fail(ps, "too many ssrc-groups (max %d)", SDP_MAX_SSRC_GROUPS);
    sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups];
    sv sem = sv_token(&v);
    if (!sem.n) return fail(ps, "a=ssrc-group: malformed");
    if (copy_field(ps, g->semantics, sizeof g->semantics, sem, "a=ssrc-group semantics") < 0)
        return -1;
    unsigned n = 0;
    for (sv t = sv_token(&v); t.n; t = sv_token(&v)) {
        uint64_t id;
        if (n >= GROUP_MAX) return fail(ps, "a=ssrc-group: too many ssrcs (max %d)", GROUP_MAX);
        if (!sv_u64(t, UINT32_MAX, &id)) return fail(ps, "a=ssrc-group: bad ssrc");
        g->ssrcs[n++] = (uint32_t)id;
    }
    if (!n) return fail(ps, "a=ssrc-group: no ssrcs");
    g->n = (uint8_t)n;
    m->n_ssrc_groups++;
    return 0;
}

static int parse_rid(parser *ps, sv v)
{
    sdp_media *m = ps->m;
    sv id = sv_token(&v);
    sv dir = sv_token(&v);
    if (!id.n) return fail(ps, "a=rid: malformed");
    bool send = sv_is(dir, "send");
    if (!send && !sv_is(dir, "recv")) return fail(ps, "a=rid: bad direction");
    if (m->n_rids >= SDP_MAX_RIDS) return fail(ps, "too many rids (max %d)", SDP_MAX_RIDS);
    sdp_rid *r = &m->rids[m->n_rids];
    if (copy_field(ps, r->id, sizeof r->id, id, "a=rid") < 0) return -1;
    r->send = send;
    m->n_rids++;
    return 0;
}

static int parse_candidate(parser *ps, sv v)
{
    sdp_media *m = ps->m;
    /* Candidates beyond the capacity are checked, then dropped and counted: a host with many
     * interfaces (or ICE-TCP) must not make its offer unusable, and the hub, being ICE-lite,
     * learns addresses from connectivity checks anyway. */
    sdp_candidate scratch;
    sdp_candidate *c =
        m->n_candidates < SDP_MAX_CANDIDATES ? &m->candidates[m->n_candidates] : &scratch;
    sv f[8];
    for (unsigned i = 0; i < 8; i++)
        f[i] = sv_token(&v);
    uint64_t comp, prio, port;
    if (!f[7].n || !sv_is(f[6], "typ")) return fail(ps, "a=candidate: malformed");
    if (!sv_u64(f[1], 255, &comp) || comp == 0) return fail(ps, "a=candidate: bad component");
    if (!sv_u64(f[3], UINT32_MAX, &prio)) return fail(ps, "a=candidate: bad priority");
    if (!sv_u64(f[5], 65535, &port)) return fail(ps, "a=candidate: bad port");
    if (copy_field(ps, c->foundation, sizeof c->foundation, f[0], "a=candidate foundation") < 0 ||
        copy_field(ps, c->transport, sizeof c->transport, f[2], "a=candidate transport") < 0 ||
        copy_field(ps, c->addr, sizeof c->addr, f[4], "a=candidate address") < 0 ||
        copy_field(ps, c->type, sizeof c->type, f[7], "a=candidate type") < 0)
        return -1;
    for (char *p = c->transport; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    c->component = (uint8_t)comp;
    c->priority = (uint32_t)prio;
    c->port = (uint16_t)port;
    if (c == &scratch)
        m->candidates_dropped++;
    else
        m->n_candidates++;
    return 0;
}

static int parse_group(parser *ps, sv v)
{
    sdp_session *s = ps->s;
    if (!sv_is(sv_token(&v), "BUNDLE")) return 0;
    if (ps->bundle_seen) return fail(ps, "a=group:BUNDLE: only one BUNDLE group is supported");
    ps->bundle_seen = true;
    for (sv t = sv_token(&v); t.n; t = sv_token(&v)) {
        if (s->n_bundle >= SDP_MAX_BUNDLE)
            return fail(ps, "a=group:BUNDLE: too many mids (max %d)", SDP_MAX_BUNDLE);
        if (copy_field(ps, s->bundle[s->n_bundle], sizeof s->bundle[0], t, "a=group:BUNDLE mid") <
            0)
            return -1;
        s->n_bundle++;
    }
    return 0;
}

/* Attributes that only mean something in one place are ignored in the other. */
static int parse_attr(parser *ps, sv line)
{
    sdp_session *s = ps->s;
    sdp_media *m = ps->m;
    bool has_value;
    sv name = sv_split(&line, ':', &has_value);
    sv v = line;

    if (sv_is(name, "ice-ufrag"))
        return copy_field(ps, m ? m->ice_ufrag : s->ice_ufrag, sizeof s->ice_ufrag, v,
                          "a=ice-ufrag");
    if (sv_is(name, "ice-pwd"))
        return copy_field(ps, m ? m->ice_pwd : s->ice_pwd, sizeof s->ice_pwd, v, "a=ice-pwd");
    if (sv_is(name, "fingerprint"))
        return m ? parse_fingerprint(ps, v, m->fingerprint_alg, m->fingerprint, &m->fingerprint_len)
                 : parse_fingerprint(ps, v, s->fingerprint_alg, s->fingerprint,
                                     &s->fingerprint_len);
    if (sv_is(name, "setup")) return parse_setup(ps, v, m ? &m->setup : &s->setup);
    if (sv_is(name, "extmap")) return parse_extmap(ps, v);

    sdp_direction dir;
    if (!has_value && parse_dir(name, &dir)) {
        if (m) {
            m->dir = dir;
        } else {
            ps->sess_dir = dir;
            ps->sess_dir_set = true;
        }
        return 0;
    }

    if (!m) {
        if (sv_is(name, "ice-lite")) {
            s->ice_lite = true;
        } else if (sv_is(name, "msid-semantic")) {
            return copy_field(ps, s->msid_semantic, sizeof s->msid_semantic, sv_trim_left(v),
                              "a=msid-semantic");
        } else if (sv_is(name, "group")) {
            return parse_group(ps, v);
        }
        return 0;
    }

    if (sv_is(name, "mid")) return copy_field(ps, m->mid, sizeof m->mid, v, "a=mid");
    if (sv_is(name, "msid")) return copy_field(ps, m->msid, sizeof m->msid, v, "a=msid");
    bool *flag = sv_is(name, "rtcp-mux")            ? &m->rtcp_mux
                 : sv_is(name, "rtcp-rsize")        ? &m->rtcp_rsize
                 : sv_is(name, "end-of-candidates") ? &m->end_of_candidates
                 : sv_is(name, "bundle-only")       ? &m->bundle_only
                 : sv_is(name, "simulcast")         ? &m->simulcast
                                                    : NULL;
    if (flag) {
        *flag = true;
        return 0;
    }
    if (sv_is(name, "candidate")) return parse_candidate(ps, v);
    if (sv_is(name, "rid")) return parse_rid(ps, v);
    if (!sdp_proto_is_rtp(m->proto)) return 0;
    if (sv_is(name, "rtpmap")) return parse_rtpmap(ps, v);
    if (sv_is(name, "fmtp")) return parse_fmtp(ps, v);
    if (sv_is(name, "rtcp-fb")) return parse_rtcp_fb(ps, v);
    if (sv_is(name, "ssrc")) return parse_ssrc(ps, v);
    if (sv_is(name, "ssrc-group")) return parse_ssrc_group(ps, v);
    return 0;
}

/* Trailing blank lines are what a signaling layer tends to leave behind; a blank line anywhere
 * else is malformed. */
static bool only_blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != '\r' && *p != '\n' && !is_ws(*p)) return false;
    return true;
}

static int parse_line(parser *ps, sv line)
{
    for (size_t i = 0; i < line.n; i++) {
        unsigned char c = (unsigned char)line.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(ps, "control character in line");
    }
    if (ps->line == 1) return sv_is(line, "v=0") ? 0 : fail(ps, "missing v=0 first line");
    if (line.n < 2 || line.p[0] < 'a' || line.p[0] > 'z' || line.p[1] != '=')
        return fail(ps, "not of the form x=...");
    char type = line.p[0];
    sv v = {line.p + 2, line.n - 2};
    if (type == 'm') return parse_m(ps, v);
    if (type == 'a') return parse_attr(ps, v);
    if (type == 'o' && !ps->m) {
        sv user = sv_token(&v);
        sv id = sv_token(&v);
        sv ver = sv_token(&v);
        if (!user.n || !sv_u64(id, UINT64_MAX, &ps->s->origin_id) ||
            !sv_u64(ver, UINT64_MAX, &ps->s->origin_version))
            return fail(ps, "o= line malformed");
    }
    return 0;
}

int sdp_parse(const char *text, size_t len, sdp_session *out, char *err, size_t err_cap)
{
    parser ps = {.s = out, .err = err, .err_cap = err_cap};
    memset(out, 0, sizeof *out);
    if (err && err_cap) err[0] = '\0';
    if (!text) {
        text = "";
        len = 0;
    }
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        sv line = {p, (size_t)((nl ? nl : end) - p)};
        p = nl ? nl + 1 : end;
        ps.line++;
        if (line.n && line.p[line.n - 1] == '\r') line.n--;
        while (line.n && is_ws(line.p[line.n - 1]))
            line.n--;
        if (!line.n && ps.line > 1 && only_blank(p, end)) break;
        if (!line.n) return fail(&ps, ps.line == 1 ? "missing v=0 first line" : "empty line");
        if (parse_line(&ps, line) < 0) return -1;
    }
    if (ps.line == 0) {
        ps.line = 1;
        return fail(&ps, "missing v=0 first line");
    }
    finish_media(&ps);
    return 0;
}
