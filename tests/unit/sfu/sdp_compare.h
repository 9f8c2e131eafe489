/* Field-by-field comparison of two sdp_session structs for tests: names the first field that
 * differs ("media[1].codecs[3].fmtp"), which a memcmp cannot. */
#ifndef DH_TEST_SDP_COMPARE_H
#define DH_TEST_SDP_COMPARE_H

#include "sfu/proto/sdp.h"

#include <stdio.h>
#include <string.h>

static inline bool sdp_differ(char *where, size_t cap, const char *pre, const char *field)
{
    snprintf(where, cap, "%s%s", pre, field);
    return false;
}

#define SDP_SAME_NUM(f)                                                                            \
    if (a->f != b->f) return sdp_differ(where, cap, pre, #f)
#define SDP_SAME_STR(f)                                                                            \
    if (strcmp(a->f, b->f) != 0) return sdp_differ(where, cap, pre, #f)

static inline bool sdp_same_media(const sdp_media *a, const sdp_media *b, const char *pre,
                                  char *where, size_t cap)
{
    SDP_SAME_NUM(kind);
    SDP_SAME_STR(kind_name);
    SDP_SAME_NUM(port);
    SDP_SAME_STR(proto);
    SDP_SAME_STR(fmt_list);
    SDP_SAME_STR(mid);
    SDP_SAME_NUM(dir);
    SDP_SAME_NUM(rtcp_mux);
    SDP_SAME_NUM(rtcp_rsize);
    SDP_SAME_STR(ice_ufrag);
    SDP_SAME_STR(ice_pwd);
    SDP_SAME_STR(fingerprint_alg);
    SDP_SAME_NUM(fingerprint_len);
    if (memcmp(a->fingerprint, b->fingerprint, a->fingerprint_len) != 0)
        return sdp_differ(where, cap, pre, "fingerprint");
    SDP_SAME_NUM(setup);
    SDP_SAME_NUM(end_of_candidates);
    SDP_SAME_STR(msid);
    SDP_SAME_NUM(n_codecs);
    for (unsigned i = 0; i < a->n_codecs; i++) {
        SDP_SAME_NUM(codecs[i].pt);
        SDP_SAME_STR(codecs[i].name);
        SDP_SAME_NUM(codecs[i].clock);
        SDP_SAME_NUM(codecs[i].channels);
        SDP_SAME_STR(codecs[i].fmtp);
        SDP_SAME_NUM(codecs[i].fb);
    }
    SDP_SAME_NUM(n_extmaps);
    for (unsigned i = 0; i < a->n_extmaps; i++) {
        SDP_SAME_NUM(extmaps[i].id);
        SDP_SAME_STR(extmaps[i].uri);
    }
    SDP_SAME_NUM(n_ssrcs);
    for (unsigned i = 0; i < a->n_ssrcs; i++) {
        SDP_SAME_NUM(ssrcs[i].ssrc);
        SDP_SAME_STR(ssrcs[i].cname);
    }
    SDP_SAME_NUM(n_ssrc_groups);
    for (unsigned i = 0; i < a->n_ssrc_groups; i++) {
        SDP_SAME_STR(ssrc_groups[i].semantics);
        SDP_SAME_NUM(ssrc_groups[i].n);
        for (unsigned j = 0; j < a->ssrc_groups[i].n; j++)
            SDP_SAME_NUM(ssrc_groups[i].ssrcs[j]);
    }
    SDP_SAME_NUM(n_rids);
    for (unsigned i = 0; i < a->n_rids; i++) {
        SDP_SAME_STR(rids[i].id);
        SDP_SAME_NUM(rids[i].send);
    }
    SDP_SAME_NUM(simulcast);
    SDP_SAME_NUM(n_candidates);
    for (unsigned i = 0; i < a->n_candidates; i++) {
        SDP_SAME_STR(candidates[i].foundation);
        SDP_SAME_NUM(candidates[i].component);
        SDP_SAME_STR(candidates[i].transport);
        SDP_SAME_NUM(candidates[i].priority);
        SDP_SAME_STR(candidates[i].addr);
        SDP_SAME_NUM(candidates[i].port);
        SDP_SAME_STR(candidates[i].type);
    }
    return true;
}

static inline bool sdp_same_session(const sdp_session *a, const sdp_session *b, char *where,
                                    size_t cap)
{
    const char *pre = "";
    SDP_SAME_NUM(origin_id);
    SDP_SAME_NUM(origin_version);
    SDP_SAME_NUM(ice_lite);
    SDP_SAME_STR(ice_ufrag);
    SDP_SAME_STR(ice_pwd);
    SDP_SAME_STR(fingerprint_alg);
    SDP_SAME_NUM(fingerprint_len);
    if (memcmp(a->fingerprint, b->fingerprint, a->fingerprint_len) != 0)
        return sdp_differ(where, cap, pre, "fingerprint");
    SDP_SAME_NUM(setup);
    SDP_SAME_STR(msid_semantic);
    SDP_SAME_NUM(n_bundle);
    for (unsigned i = 0; i < a->n_bundle; i++)
        SDP_SAME_STR(bundle[i]);
    SDP_SAME_NUM(n_media);
    for (unsigned i = 0; i < a->n_media; i++) {
        char mpre[32];
        snprintf(mpre, sizeof mpre, "media[%u].", i);
        if (!sdp_same_media(&a->media[i], &b->media[i], mpre, where, cap)) return false;
    }
    return true;
}

#undef SDP_SAME_NUM
#undef SDP_SAME_STR

#endif
