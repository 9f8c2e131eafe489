/* Batched sending: datagrams are built in place in preallocated slots and leave in one
 * sendmmsg(2) per loop iteration (or when the batch is full), so that a packet fanned out to a
 * hundred subscribers costs a hundred encryptions but only a couple of system calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "sfu/engine/engine.h"

#define SLOT_BYTES (PKT_MAX + SRTP_MAX_TRAILER)

struct outbox {
    int fd;
    unsigned cap, n;
    uint8_t *mem;
    struct iovec *iov;
    struct mmsghdr *msgs;
    struct sockaddr_storage *addrs;
    outbox_send_fn send;
    void *send_ctx;
    uint64_t sent, errors;
};

static void send_socket(void *ctx, struct mmsghdr *msgs, unsigned n)
{
    outbox *ob = ctx;
    unsigned done = 0;
    while (done < n) {
        int r = sendmmsg(ob->fd, msgs + done, n - done, MSG_DONTWAIT);
        if (r > 0) {
            done += (unsigned)r;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        /* A full socket buffer or an unreachable peer drops this datagram only: skip it. */
        ob->errors++;
        done++;
    }
}

outbox *outbox_new(int fd, unsigned slots)
{
    outbox *ob = calloc(1, sizeof *ob);
    if (!ob) return NULL;
    ob->fd = fd;
    ob->cap = slots;
    ob->mem = malloc((size_t)slots * SLOT_BYTES);
    ob->iov = calloc(slots, sizeof *ob->iov);
    ob->msgs = calloc(slots, sizeof *ob->msgs);
    ob->addrs = calloc(slots, sizeof *ob->addrs);
    if (!ob->mem || !ob->iov || !ob->msgs || !ob->addrs) {
        outbox_free(ob);
        return NULL;
    }
    for (unsigned i = 0; i < slots; i++) {
        ob->iov[i].iov_base = ob->mem + (size_t)i * SLOT_BYTES;
        ob->msgs[i].msg_hdr.msg_iov = &ob->iov[i];
        ob->msgs[i].msg_hdr.msg_iovlen = 1;
        ob->msgs[i].msg_hdr.msg_name = &ob->addrs[i];
    }
    ob->send = send_socket;
    ob->send_ctx = ob;
    return ob;
}

void outbox_free(outbox *ob)
{
    if (!ob) return;
    free(ob->mem);
    free(ob->iov);
    free(ob->msgs);
    free(ob->addrs);
    free(ob);
}

void outbox_set_sender(outbox *ob, outbox_send_fn fn, void *ctx)
{
    ob->send = fn;
    ob->send_ctx = ctx;
}

uint8_t *outbox_slot(outbox *ob)
{
    if (ob->n == ob->cap) outbox_flush(ob);
    return ob->mem + (size_t)ob->n * SLOT_BYTES;
}

void outbox_commit(outbox *ob, size_t len, const struct sockaddr_storage *to, socklen_t tolen)
{
    unsigned i = ob->n++;
    ob->iov[i].iov_len = len;
    memcpy(&ob->addrs[i], to, tolen);
    ob->msgs[i].msg_hdr.msg_namelen = tolen;
    ob->sent++;
}

void outbox_flush(outbox *ob)
{
    if (ob->n == 0) return;
    ob->send(ob->send_ctx, ob->msgs, ob->n);
    ob->n = 0;
}

uint64_t outbox_sent(const outbox *ob)
{
    return ob->sent;
}

uint64_t outbox_errors(const outbox *ob)
{
    return ob->errors;
}
