/* The send side of the room: camera and microphone (or test sources), encoded and payloaded into
 * a send-only webrtcbin. The offer is made once both streams have caps. */
#ifndef DH_ROOM_PUBLISHER_H
#define DH_ROOM_PUBLISHER_H

#include <stddef.h>

#include "room_config.h"
#include "rtc_peer.h"
#include "stats.h"

/* Adds the video and audio branches to the publisher peer's pipeline and links them to its
 * webrtcbin as send-only transceivers; the peer is started by the caller. Counts encoded video
 * frames into stats->sent_video_frames. 0, or -1 with a reason (an element missing). */
int publisher_build(rtc_peer *p, const room_config *cfg, room_stats *stats, char *err,
                    size_t errcap);

/* The rewrites the hub needs in the publisher's offer (sdp_fixup_offer()). */
rtc_offer_filter publisher_offer_filter(const room_config *cfg);

#endif
