/* The answering side of ICE checks in dienhong-load (clients/load/ice_reply.c): arbitrary bytes as
 * a datagram to a peer whose credentials are known, in both roles. Whatever it answers must fit the
 * buffer, and it may only answer as a success what is an authentic Binding request. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "clients/load/ice_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ice_reply *r;
    if (!r) r = ice_reply_new("me01", "ourpasswordourpassword", false, 7);
    struct sockaddr_storage from;
    memset(&from, 0, sizeof from);
    struct sockaddr_in *a = (struct sockaddr_in *)&from;
    a->sin_family = AF_INET;
    a->sin_port = htons(20000);
    a->sin_addr.s_addr = htonl(0x0afa0001);
    uint8_t reply[1280];
    for (int role = 0; role < 2; role++) {
        ice_reply_set_controlling(r, role == 1);
        size_t n = 0;
        bool nominated = false;
        ice_reply_result res =
            ice_reply_handle(r, data, size, &from, sizeof *a, reply, sizeof reply, &n, &nominated);
        if (n > sizeof reply) abort();
        if (res == ICE_REPLY_DROP && (n || nominated)) abort();
        if (res == ICE_REPLY_SUCCESS && (size < 20 || n < 20)) abort();
    }
    return 0;
}
