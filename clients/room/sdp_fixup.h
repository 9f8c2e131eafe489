/* Rewrites that let webrtcbin (GStreamer 1.22) and the hub understand each other's SDP. Each
 * one is a disagreement between two readings of the standards, described in README.md; they
 * are text edits on whole lines, so each is small and testable alone. Pure C. */
#ifndef DH_ROOM_SDP_FIXUP_H
#define DH_ROOM_SDP_FIXUP_H

#include <stdbool.h>

/* Our offer, before it is set and sent:
 * - webrtcbin's max-bundle offer gives every m-section after the first port 0 and
 *   a=bundle-only (RFC 8843); the hub reads port 0 as "rejected", so those sections get port 9
 *   and lose a=bundle-only (they are still in the BUNDLE group, which the hub answers);
 * - with h264_42e0, an H.264 profile-level-id of 42c0xx (x264's constrained baseline) is written
 *   42e0xx, the spelling of the same profile that the hub accepts.
 * Returns a new string (free()), or NULL when nothing changes or memory runs out. */
char *sdp_fixup_offer(const char *sdp, bool h264_42e0);

/* The hub's answers and offers, before webrtcbin sees them: the hub writes a=setup,
 * a=fingerprint, a=ice-ufrag and a=ice-pwd once at session level (RFC 4145 and 8839 allow it);
 * webrtcbin reads a=setup only in each m-section. Each m-section that lacks one of them gets the
 * session's copy. Returns a new string (free()), or NULL when nothing changes or memory runs
 * out. */
char *sdp_fixup_remote(const char *sdp);

/* The hub's offers to the subscriber, before webrtcbin sees them: sdp_fixup_remote(), and every
 * a=inactive m-section (a source that left; the hub keeps the slot) is shown to webrtcbin as
 * a=sendonly. webrtcbin 1.22 cannot change a transceiver's direction in a renegotiation
 * ("transceiver direction changes are not implemented"), so a slot that goes inactive and later
 * active again would end the session; kept recvonly on our side, it just stays silent. The mids
 * rewritten are returned in *inactive as " mid mid " (free(); NULL when none), for
 * sdp_fixup_answer(). Returns a new string (free()), or NULL when nothing changes. */
char *sdp_fixup_hub_offer(const char *sdp, char **inactive);

/* Our answer to such an offer, before it is sent: the m-sections listed in `inactive` say
 * a=inactive instead of webrtcbin's a=recvonly, which is what the hub offered. Returns a new
 * string (free()), or NULL when nothing changes. */
char *sdp_fixup_answer(const char *sdp, const char *inactive);

#endif
