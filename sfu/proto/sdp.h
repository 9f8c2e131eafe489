/* SDP (RFC 8866) as WebRTC uses it (RFC 8829/JSEP, BUNDLE RFC 9143, ICE RFC 8839, DTLS-SRTP
 * RFC 5763/8842): one plain struct both parsed into and written from.
 *
 * The struct has fixed capacities so that parsing never allocates; a description that exceeds
 * them is rejected with an error naming the limit. The struct is large (~1.2 MiB): allocate it
 * on the heap (`sdp_session_new`). Strings are NUL-terminated; an overlong value is an error,
 * never silently truncated. */
#ifndef DH_SDP_H
#define DH_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_MEDIA 64
/* Chrome 156 offers 34 video payload types in a recvonly m-section (23 when it also sends). */
#define SDP_MAX_CODECS 48
#define SDP_MAX_EXTMAPS 16
#define SDP_MAX_SSRCS 8
#define SDP_MAX_SSRC_GROUPS 4
#define SDP_MAX_RIDS 4
#define SDP_MAX_CANDIDATES 8
#define SDP_MAX_BUNDLE SDP_MAX_MEDIA

typedef enum {
    SDP_MEDIA_AUDIO = 0,
    SDP_MEDIA_VIDEO,
    SDP_MEDIA_APPLICATION,
    SDP_MEDIA_OTHER
} sdp_media_kind;
typedef enum {
    SDP_DIR_SENDRECV = 0,
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE
} sdp_direction;
typedef enum {
    SDP_SETUP_NONE = 0,
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,
    SDP_SETUP_PASSIVE
} sdp_setup;

/* rtcp-fb flags (a=rtcp-fb:<pt> ...) */
enum {
    SDP_FB_NACK = 1u << 0, /* nack */
    SDP_FB_PLI = 1u << 1,  /* nack pli */
    SDP_FB_FIR = 1u << 2,  /* ccm fir */
    SDP_FB_REMB = 1u << 3, /* goog-remb */
    SDP_FB_TWCC = 1u << 4, /* transport-cc */
};

typedef struct sdp_codec {
    uint8_t pt;
    char name[32]; /* "opus", "VP8", "H264", "rtx", "red", ... as written */
    uint32_t clock;
    uint8_t channels; /* 0 when absent */
    char fmtp[256];   /* the parameter string after "a=fmtp:<pt> ", "" when absent */
    uint32_t fb;      /* SDP_FB_* flags */
} sdp_codec;

typedef struct sdp_extmap {
    uint8_t id;
    char uri[128];
} sdp_extmap;

typedef struct sdp_ssrc {
    uint32_t ssrc;
    char cname[64]; /* "" when absent */
} sdp_ssrc;

typedef struct sdp_ssrc_group {
    char semantics[8]; /* "FID", "SIM" */
    uint8_t n;
    uint32_t ssrcs[4];
} sdp_ssrc_group;

typedef struct sdp_rid {
    char id[32];
    bool send; /* "send" vs "recv" */
} sdp_rid;

typedef struct sdp_candidate {
    char foundation[33];
    uint8_t component;
    char transport[8]; /* "udp", "tcp" (lower-case) */
    uint32_t priority;
    char addr[64]; /* IP literal or mDNS name as written */
    uint16_t port;
    char type[8]; /* "host", "srflx", "prflx", "relay" */
} sdp_candidate;

typedef struct sdp_media {
    sdp_media_kind kind;
    char kind_name[16]; /* as written: "audio", "video", "application", ... */
    uint16_t port;      /* 0 = rejected / stopped */
    char proto[32];     /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
    char fmt_list[128]; /* the format list of the m= line as written (for non-RTP media) */
    char mid[32];
    sdp_direction dir;
    bool rtcp_mux;
    bool rtcp_rsize;
    /* Transport attributes; empty when only given at session level (see sdp_media_ice()). */
    char ice_ufrag[257];
    char ice_pwd[257];
    char fingerprint_alg[16]; /* lower-case, e.g. "sha-256" */
    uint8_t fingerprint[64];
    uint8_t fingerprint_len;
    sdp_setup setup;
    bool end_of_candidates;
    char msid[128]; /* "a=msid:" value as written, "" when absent */

    uint8_t n_codecs;
    sdp_codec codecs[SDP_MAX_CODECS];
    uint8_t n_extmaps;
    sdp_extmap extmaps[SDP_MAX_EXTMAPS];
    uint8_t n_ssrcs;
    sdp_ssrc ssrcs[SDP_MAX_SSRCS];
    uint8_t n_ssrc_groups;
    sdp_ssrc_group ssrc_groups[SDP_MAX_SSRC_GROUPS];
    uint8_t n_rids;
    sdp_rid rids[SDP_MAX_RIDS];
    bool simulcast; /* an a=simulcast line was present */
    uint8_t n_candidates;
    sdp_candidate candidates[SDP_MAX_CANDIDATES];
    uint16_t candidates_dropped; /* well-formed candidates beyond the capacity (not kept) */
    bool bundle_only;            /* a=bundle-only (RFC 9143): port 0 does not mean rejected */
} sdp_media;

typedef struct sdp_session {
    uint64_t origin_id;      /* o= session id */
    uint64_t origin_version; /* o= session version */
    bool ice_lite;
    char ice_ufrag[257]; /* session-level, "" when absent */
    char ice_pwd[257];
    char fingerprint_alg[16];
    uint8_t fingerprint[64];
    uint8_t fingerprint_len;
    sdp_setup setup;
    char msid_semantic[64]; /* e.g. "WMS *"; written only when non-empty */
    uint8_t n_bundle;       /* a=group:BUNDLE mids, in order */
    char bundle[SDP_MAX_BUNDLE][32];
    uint8_t n_media;
    sdp_media media[SDP_MAX_MEDIA];
} sdp_session;

sdp_session *sdp_session_new(void); /* zeroed; free with free() */

/* Parses `text` (need not be NUL-terminated; CRLF or LF line ends). On failure returns a
 * negative value and writes a one-line reason to `err` (e.g. "line 14: a=rtpmap: bad payload
 * type"). Unknown attributes are ignored; unknown media kinds are kept as SDP_MEDIA_OTHER. */
int sdp_parse(const char *text, size_t len, sdp_session *out, char *err, size_t err_cap);

/* Writes the description with CRLF line ends and a terminating NUL. Returns the length, or a
 * negative value when `cap` is too small. Session-level ice/fingerprint/setup are written when
 * set; media-level ones likewise per m= section. A media with port 0 is written as a rejected
 * section (port 0, its format list, a=mid, direction inactive, nothing else). */
int sdp_write(const sdp_session *s, char *out, size_t cap);

/* The effective ICE credentials / fingerprint / setup of a media section: its own, else the
 * session's. */
const char *sdp_media_ice_ufrag(const sdp_session *s, const sdp_media *m);
const char *sdp_media_ice_pwd(const sdp_session *s, const sdp_media *m);
/* Returns false when neither the media nor the session has a fingerprint. */
bool sdp_media_fingerprint(const sdp_session *s, const sdp_media *m, const char **alg,
                           const uint8_t **fp, size_t *fp_len);
sdp_setup sdp_media_setup(const sdp_session *s, const sdp_media *m);

/* Lookup helpers. */
const sdp_codec *sdp_find_codec(const sdp_media *m, uint8_t pt);
/* True for RTP protocols ("UDP/TLS/RTP/SAVPF", "RTP/AVP", ...): their m= formats are payload
 * types, kept in `codecs` (fmt_list stays ""); other media keep their formats in fmt_list. */
bool sdp_proto_is_rtp(const char *proto);
/* The rtx codec whose fmtp names apt=<pt>, or NULL. */
const sdp_codec *sdp_find_rtx(const sdp_media *m, uint8_t pt);
/* The extmap id for `uri`, or 0 when not present. */
uint8_t sdp_find_extmap(const sdp_media *m, const char *uri);
/* The fmtp parameter `key` of a codec (e.g. "profile-level-id") copied into out; false if absent.
 */
bool sdp_fmtp_get(const sdp_codec *c, const char *key, char *out, size_t cap);

#endif
