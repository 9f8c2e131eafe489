#include "ice_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "sfu/base/util.h"

struct ice_check {
    StunAgent agent; /* remembers the transactions it sent, to match responses */
    char username[520];
    char pwd[257];
    uint64_t tie_breaker;
    bool controlling;
    int error_code;
};

/* RFC 8445 5.1.2.1 for a host candidate of component 1 with the highest local preference. */
#define HOST_PRIORITY ((126u << 24) | (65535u << 8) | (256u - 1u))

static const uint16_t known_attributes[] = {
    STUN_ATTRIBUTE_USERNAME,           STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_FINGERPRINT,
    STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_ERROR_CODE,        0};

ice_check *ice_check_new(const char *local_ufrag, const char *remote_ufrag, const char *remote_pwd)
{
    ice_check *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    stun_agent_init(&c->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    snprintf(c->username, sizeof c->username, "%s:%s", remote_ufrag, local_ufrag);
    snprintf(c->pwd, sizeof c->pwd, "%s", remote_pwd);
    util_random(&c->tie_breaker, sizeof c->tie_breaker);
    c->controlling = true;
    return c;
}

void ice_check_set_role(ice_check *c, bool controlling, uint64_t tie_breaker)
{
    c->controlling = controlling;
    c->tie_breaker = tie_breaker;
}

int ice_check_error_code(const ice_check *c)
{
    return c->error_code;
}

void ice_check_free(ice_check *c)
{
    free(c);
}

static size_t build(ice_check *c, uint8_t *buf, size_t cap)
{
    StunMessage msg;
    return stun_usage_ice_conncheck_create(
        &c->agent, &msg, buf, cap, (const uint8_t *)c->username, strlen(c->username),
        (const uint8_t *)c->pwd, strlen(c->pwd), c->controlling, c->controlling, HOST_PRIORITY,
        c->tie_breaker, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

size_t ice_check_request(ice_check *c, uint8_t *buf, size_t cap)
{
    size_t n = build(c, buf, cap);
    if (n) return n;
    /* The agent keeps a bounded table of requests awaiting an answer; requests the hub never
     * answered (lost, or sent before it knew us) fill it over a long run. Start a fresh table. */
    stun_agent_init(&c->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    return build(c, buf, cap);
}

ice_check_result ice_check_response(ice_check *c, const uint8_t *buf, size_t len)
{
    if (stun_message_validate_buffer_length(buf, len, true) != (int)len) return ICE_CHECK_IGNORED;
    StunMessage msg;
    /* Responses are checked with the key of the request they answer, kept by the agent. */
    if (stun_agent_validate(&c->agent, &msg, buf, len, NULL, NULL) != STUN_VALIDATION_SUCCESS)
        return ICE_CHECK_IGNORED;
    if (stun_message_get_method(&msg) != STUN_BINDING) return ICE_CHECK_IGNORED;
    StunClass cls = stun_message_get_class(&msg);
    if (cls == STUN_RESPONSE) return ICE_CHECK_SUCCESS;
    if (cls == STUN_ERROR) {
        int code = 0;
        c->error_code =
            stun_message_find_error(&msg, &code) == STUN_MESSAGE_RETURN_SUCCESS ? code : 0;
        return ICE_CHECK_ERROR;
    }
    return ICE_CHECK_IGNORED;
}
