#include "ice_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

struct ice_reply {
    StunAgent agent; /* validates requests; keeps no state for them */
    char ufrag[257];
    char pwd[257];
    bool controlling;
    uint64_t tie_breaker;
};

/* What a browser's or libnice's check carries; anything comprehension-required beyond these gets
 * a 420 from the STUN library. */
static const uint16_t known_attributes[] = {STUN_ATTRIBUTE_USERNAME,
                                            STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                            STUN_ATTRIBUTE_FINGERPRINT,
                                            STUN_ATTRIBUTE_PRIORITY,
                                            STUN_ATTRIBUTE_USE_CANDIDATE,
                                            STUN_ATTRIBUTE_ICE_CONTROLLED,
                                            STUN_ATTRIBUTE_ICE_CONTROLLING,
                                            STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                            0};

ice_reply *ice_reply_new(const char *local_ufrag, const char *local_pwd, bool controlling,
                         uint64_t tie_breaker)
{
    ice_reply *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    stun_agent_init(&r->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    snprintf(r->ufrag, sizeof r->ufrag, "%s", local_ufrag);
    snprintf(r->pwd, sizeof r->pwd, "%s", local_pwd);
    r->controlling = controlling;
    r->tie_breaker = tie_breaker;
    return r;
}

void ice_reply_free(ice_reply *r)
{
    free(r);
}

void ice_reply_set_controlling(ice_reply *r, bool controlling)
{
    r->controlling = controlling;
}

/* The key for a request is our password, and only when the USERNAME names our ufrag first. */
static bool key_for(StunAgent *agent, StunMessage *msg, uint8_t *username, uint16_t username_len,
                    uint8_t **password, size_t *password_len, void *user_data)
{
    ice_reply *r = user_data;
    size_t n = strlen(r->ufrag);
    if (username_len <= n || memcmp(username, r->ufrag, n) != 0 || username[n] != ':') return false;
    /* The STUN library takes a mutable pointer but only reads the key. */
    *password = (uint8_t *)r->pwd;
    *password_len = strlen(r->pwd);
    return true;
}

ice_reply_result ice_reply_handle(ice_reply *r, const uint8_t *buf, size_t len,
                                  const struct sockaddr_storage *from, socklen_t fromlen,
                                  uint8_t *reply, size_t cap, size_t *reply_len,
                                  bool *use_candidate)
{
    StunMessage req, msg;
    *reply_len = 0;
    *use_candidate = false;
    if (stun_message_validate_buffer_length(buf, len, true) != (int)len) return ICE_REPLY_DROP;
    StunValidationStatus st = stun_agent_validate(&r->agent, &req, buf, len, key_for, r);
    if (st == STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE) {
        *reply_len = stun_agent_build_unknown_attributes_error(&r->agent, &msg, reply, cap, &req);
        return *reply_len ? ICE_REPLY_ERROR : ICE_REPLY_DROP;
    }
    if (st != STUN_VALIDATION_SUCCESS || stun_message_get_class(&req) != STUN_REQUEST ||
        stun_message_get_method(&req) != STUN_BINDING)
        return ICE_REPLY_DROP;
    bool control = r->controlling;
    size_t rlen = cap;
    StunUsageIceReturn ret = stun_usage_ice_conncheck_create_reply(
        &r->agent, &req, &msg, reply, &rlen, from, fromlen, &control, r->tie_breaker,
        STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
    *reply_len = rlen;
    if (ret == STUN_USAGE_ICE_RETURN_SUCCESS) {
        *use_candidate = stun_usage_ice_conncheck_use_candidate(&req);
        return ICE_REPLY_SUCCESS;
    }
    /* A role conflict: the library answered 487, or answered success expecting us to switch roles.
     * Our role follows from who offered and never switches; the peer's 487 handling or ours
     * sorts it out, so pass on whatever was built. */
    if (ret == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT && rlen) {
        if (stun_message_get_class(&msg) == STUN_ERROR) return ICE_REPLY_ERROR;
        *use_candidate = stun_usage_ice_conncheck_use_candidate(&req);
        return ICE_REPLY_SUCCESS;
    }
    return rlen ? ICE_REPLY_ERROR : ICE_REPLY_DROP;
}
