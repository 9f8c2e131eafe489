#include "ice_lite.h"

#include <stdlib.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "sfu/base/log.h"

struct ice_lite {
    StunAgent agent;
    uint64_t tie_breaker;
};

/* Attributes a check may carry that we understand; anything comprehension-required beyond these
 * gets a 420 from the STUN library. */
static const uint16_t known_attributes[] = {STUN_ATTRIBUTE_USERNAME,
                                            STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                            STUN_ATTRIBUTE_FINGERPRINT,
                                            STUN_ATTRIBUTE_PRIORITY,
                                            STUN_ATTRIBUTE_USE_CANDIDATE,
                                            STUN_ATTRIBUTE_ICE_CONTROLLED,
                                            STUN_ATTRIBUTE_ICE_CONTROLLING,
                                            STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                            0};

ice_lite *ice_lite_new(void)
{
    ice_lite *ice = calloc(1, sizeof *ice);
    if (!ice) return NULL;
    stun_agent_init(&ice->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    ice->tie_breaker = 0; /* a lite agent is always controlled; the value is never compared */
    return ice;
}

void ice_lite_free(ice_lite *ice)
{
    free(ice);
}

typedef struct lookup_ctx {
    ice_lite_lookup_fn fn;
    void *ctx;
    void *transport;
} lookup_ctx;

static bool validate_username(StunAgent *agent, StunMessage *msg, uint8_t *username,
                              uint16_t username_len, uint8_t **password, size_t *password_len,
                              void *user_data)
{
    lookup_ctx *lc = user_data;
    char ufrag[257];
    size_t n = 0;
    while (n < username_len && username[n] != ':' && n < sizeof ufrag - 1) {
        ufrag[n] = (char)username[n];
        n++;
    }
    if (n == username_len || username[n] != ':') return false;
    ufrag[n] = '\0';
    const char *pwd = lc->fn(lc->ctx, ufrag, &lc->transport);
    if (!pwd) return false;
    /* The STUN library takes a mutable pointer but only reads the key. */
    *password = (uint8_t *)(uintptr_t)pwd;
    *password_len = strlen(pwd);
    return true;
}

ice_lite_result ice_lite_handle(ice_lite *ice, const uint8_t *buf, size_t len,
                                const struct sockaddr_storage *from, socklen_t fromlen,
                                ice_lite_lookup_fn lookup, void *ctx, uint8_t *reply,
                                size_t *reply_len, ice_lite_check *check)
{
    StunMessage req, msg;
    lookup_ctx lc = {.fn = lookup, .ctx = ctx};
    *reply_len = 0;
    if (stun_message_validate_buffer_length(buf, len, true) != (int)len) return ICE_LITE_DROP;
    StunValidationStatus st =
        stun_agent_validate(&ice->agent, &req, buf, len, validate_username, &lc);
    if (st == STUN_VALIDATION_UNAUTHORIZED || st == STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST ||
        st == STUN_VALIDATION_BAD_REQUEST) {
        LOGD("ice", "check rejected (%d)", (int)st);
        return ICE_LITE_DROP;
    }
    if (st == STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE) {
        *reply_len =
            stun_agent_build_unknown_attributes_error(&ice->agent, &msg, reply, 1280, &req);
        return *reply_len ? ICE_LITE_ERROR_REPLY : ICE_LITE_DROP;
    }
    if (st != STUN_VALIDATION_SUCCESS) return ICE_LITE_DROP;
    if (stun_message_get_class(&req) != STUN_REQUEST ||
        stun_message_get_method(&req) != STUN_BINDING || !lc.transport)
        return ICE_LITE_DROP;

    bool control = false;
    size_t rlen = 1280;
    StunUsageIceReturn r = stun_usage_ice_conncheck_create_reply(
        &ice->agent, &req, &msg, reply, &rlen, from, fromlen, &control, ice->tie_breaker,
        STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
    if (r == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT) {
        /* Both sides claim controlled. A lite agent never switches role: the browser must (487).
         * The STUN library may have "switched" for us and built a success; replace it. */
        if (stun_message_get_class(&msg) != STUN_ERROR) {
            if (!stun_agent_init_error(&ice->agent, &msg, reply, 1280, &req,
                                       STUN_ERROR_ROLE_CONFLICT))
                return ICE_LITE_DROP;
            rlen = stun_agent_finish_message(&ice->agent, &msg, req.key, req.key_len);
        }
        *reply_len = rlen;
        return rlen ? ICE_LITE_ERROR_REPLY : ICE_LITE_DROP;
    }
    if (r != STUN_USAGE_ICE_RETURN_SUCCESS) {
        *reply_len = rlen;
        return rlen ? ICE_LITE_ERROR_REPLY : ICE_LITE_DROP;
    }
    *reply_len = rlen;
    check->transport = lc.transport;
    check->use_candidate = stun_usage_ice_conncheck_use_candidate(&req);
    check->priority = stun_usage_ice_conncheck_priority(&req);
    return ICE_LITE_REPLY;
}
