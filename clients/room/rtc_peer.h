/* One webrtcbin in its own pipeline, as the session needs it: offer/answer steps, ICE candidates
 * and failures, all reported on the GLib main thread.
 *
 * webrtcbin answers from its own threads (promises, ICE, streaming); every one of those is
 * posted to the main loop here, so the session above sees a single-threaded object. After
 * rtc_peer_close() nothing more is reported, even for work that was already posted.
 *
 * The publisher adds its sources and encoders to the pipeline before rtc_peer_start(); the
 * subscriber links what webrtcbin exposes. */
#ifndef DH_ROOM_RTC_PEER_H
#define DH_ROOM_RTC_PEER_H

#include <gst/gst.h>
#include <stdint.h>

typedef enum { RTC_PUBLISHER, RTC_SUBSCRIBER } rtc_role;

typedef struct rtc_peer rtc_peer;

typedef struct rtc_peer_events {
    /* The local description is in place: send it. The publisher's offer (revision 0), or the
     * subscriber's answer to the offer of `revision`. */
    void (*description)(void *user, rtc_role role, const char *sdp, uint32_t revision);
    /* A local ICE candidate for the m-section `mid`; candidate NULL: gathering is complete. */
    void (*candidate)(void *user, rtc_role role, const char *mid, const char *candidate);
    /* ICE or DTLS reached "connected". */
    void (*connected)(void *user, rtc_role role);
    /* The peer cannot go on (ICE failed, a pipeline error, a description refused). */
    void (*failed)(void *user, rtc_role role, const char *why);
} rtc_peer_events;

/* A pipeline holding a webrtcbin named "rtc" (max-bundle). NULL if webrtcbin is missing. */
rtc_peer *rtc_peer_new(rtc_role role, const rtc_peer_events *ev, void *user);

GstElement *rtc_peer_pipeline(rtc_peer *p); /* borrowed */
GstElement *rtc_peer_webrtc(rtc_peer *p);   /* borrowed */
const char *rtc_peer_role_name(rtc_role role);

/* Rewrites the publisher's offer before it is set and sent (no filter: as webrtcbin wrote it).
 * Returns a new string (free()) or NULL for no change. Descriptions from the hub always go
 * through sdp_fixup_remote(). */
typedef char *(*rtc_offer_filter)(const char *sdp);
void rtc_peer_set_offer_filter(rtc_peer *p, rtc_offer_filter f);

/* Sets the pipeline playing. FALSE if the pipeline refused to start (reported as failed). */
gboolean rtc_peer_start(rtc_peer *p);

/* Makes the publisher's offer, once: create-offer, set-local-description, then `description`.
 * Callable from any thread (the publisher calls it from a streaming thread once every sink pad
 * has its caps: webrtcbin writes a=ssrc, which the hub requires, only from received caps). */
void rtc_peer_request_offer(rtc_peer *p);

/* The publisher's answer from the hub. */
void rtc_peer_set_answer(rtc_peer *p, const char *sdp);

/* An offer from the hub to the subscriber. Offers are taken one at a time; one that arrives
 * while another is being answered waits, and a newer one replaces it (only the latest matters). */
void rtc_peer_answer_offer(rtc_peer *p, const char *sdp, uint32_t revision);

/* Stops the pipeline and releases the peer; no event is reported after this. NULL is ignored. */
void rtc_peer_close(rtc_peer *p);

#endif
