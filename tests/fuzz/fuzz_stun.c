/* Feeds arbitrary bytes (first byte folded into 0..3, as the worker's demultiplexer guarantees) to
 * ice_lite_handle with a lookup that knows one transport, from an IPv4 and an IPv6 address. The
 * answer must be consistent: a drop carries no reply; any reply is one well-formed STUN message
 * that fits the buffer; only a success names the transport. The seed corpus holds real messages
 * built with libnice's STUN library (stun_usage_ice_conncheck_create, RFC 5389 agent with
 * short-term credentials and FINGERPRINT): checks as "fuzzU:brws" signed with FUZZ_PWD below,
 * nominating or not, controlling or controlled; one signed with a wrong password, one for an
 * unknown ufrag, one with an unknown comprehension-required attribute; an indication; and the
 * hub's own success response to the first check. */
#include "sfu/ice/ice_lite.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stun/stunmessage.h>

#define FUZZ_UFRAG "fuzzU"
#define FUZZ_PWD "fuzzpassword0123456789"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int the_transport;

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

static const char *lookup(void *ctx, const char *ufrag, void **transport)
{
    (void)ctx;
    check(strlen(ufrag) < 257);
    if (strcmp(ufrag, FUZZ_UFRAG) != 0) return NULL;
    *transport = &the_transport;
    return FUZZ_PWD;
}

static void one(ice_lite *ice, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                socklen_t fromlen)
{
    uint8_t reply[1280 + 64];
    memset(reply + 1280, 0xA5, 64);
    size_t reply_len = 99999;
    ice_lite_check chk = {0};
    ice_lite_result r =
        ice_lite_handle(ice, buf, len, from, fromlen, lookup, NULL, reply, &reply_len, &chk);
    check(r == ICE_LITE_REPLY || r == ICE_LITE_ERROR_REPLY || r == ICE_LITE_DROP);
    for (size_t i = 1280; i < sizeof reply; i++)
        check(reply[i] == 0xA5); /* stays in 1280 */
    if (r == ICE_LITE_DROP) {
        check(reply_len == 0);
        return;
    }
    check(reply_len >= 20 && reply_len <= 1280);
    check(stun_message_validate_buffer_length(reply, reply_len, true) == (int)reply_len);
    if (r == ICE_LITE_REPLY) check(chk.transport == &the_transport);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ice_lite *ice;
    if (!ice) ice = ice_lite_new();
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) {
        memcpy(buf, data, size);
        buf[0] &= 3;
    }

    struct sockaddr_storage v4 = {0}, v6 = {0};
    struct sockaddr_in *in = (struct sockaddr_in *)&v4;
    in->sin_family = AF_INET;
    in->sin_port = htons(50000);
    in->sin_addr.s_addr = htonl(0xC0000207); /* 192.0.2.7 */
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&v6;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(50001);
    inet_pton(AF_INET6, "2001:db8::7", &in6->sin6_addr);

    one(ice, buf, size, &v4, sizeof *in);
    one(ice, buf, size, &v6, sizeof *in6);
    free(buf);
    return 0;
}
