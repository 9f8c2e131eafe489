/* The receive side of the room: whatever the hub offers (the chair, other sites) is decoded and
 * played. Each stream webrtcbin exposes gets its own decodebin and sink; renegotiation that adds
 * sources simply brings new pads. */
#ifndef DH_ROOM_SUBSCRIBER_H
#define DH_ROOM_SUBSCRIBER_H

#include "room_config.h"
#include "rtc_peer.h"
#include "stats.h"

/* Links every stream the subscriber peer's webrtcbin will expose to a decoder and the configured
 * sink, counting decoded video frames and audio buffers into stats. Call before the first offer
 * is applied. */
void subscriber_attach(rtc_peer *p, const room_config *cfg, room_stats *stats);

#endif
