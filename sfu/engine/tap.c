/* The recording tap: the media path's side of recording. A recorded source's worker copies each
 * decrypted packet into its own tap ring (one producer: the worker; one consumer: the recorder),
 * so recording costs the media path one memcpy per packet and never a wait: when the recorder
 * falls behind, copies are dropped and counted, and the forwarding goes on untouched. */
#include <string.h>

#include "sfu/base/util.h"
#include "sfu/engine/engine.h"
#include "sfu/engine/ring.h"

size_t tap_slot_size(void)
{
    return sizeof(sfu_tap_rec) + PKT_MAX;
}

static sfu_tap_rec *claim(spsc_ring *r, source *src)
{
    sfu_tap_rec *rec = ring_claim(r);
    if (!rec) {
        src->tap_dropped++;
        return NULL;
    }
    rec->source = src->id;
    rec->dropped = src->tap_dropped;
    src->tap_dropped = 0;
    return rec;
}

void tap_packet(worker *w, source *src, const uint8_t *pkt, size_t len, uint64_t now_us)
{
    spsc_ring *r = worker_tap(w);
    sfu_tap_rec *rec = len <= PKT_MAX ? claim(r, src) : NULL;
    if (!rec) return;
    rec->kind = SFU_TAP_RTP;
    rec->arrival_us = now_us;
    rec->ntp = 0;
    rec->rtp_ts = 0;
    rec->len = (uint32_t)len;
    memcpy(rec + 1, pkt, len);
    ring_push(r, (uint32_t)(sizeof *rec + len));
}

void tap_sender_report(worker *w, source *src, uint64_t ntp, uint32_t rtp_ts)
{
    spsc_ring *r = worker_tap(w);
    sfu_tap_rec *rec = claim(r, src);
    if (!rec) return;
    rec->kind = SFU_TAP_SR;
    rec->arrival_us = util_now_us();
    rec->ntp = ntp;
    rec->rtp_ts = rtp_ts;
    rec->len = 0;
    ring_push(r, sizeof *rec);
}

size_t tap_drain_ring(spsc_ring *r, sfu_tap_fn fn, void *ud, size_t max)
{
    size_t n = 0;
    const void *slot;
    uint32_t len;
    while (n < max && (slot = ring_peek(r, &len))) {
        const sfu_tap_rec *rec = slot;
        if (len >= sizeof *rec && rec->len <= len - sizeof *rec)
            fn(ud, rec, (const uint8_t *)(rec + 1));
        ring_pop(r);
        n++;
    }
    return n;
}
