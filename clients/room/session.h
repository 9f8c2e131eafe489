/* The room box's life with the hub: connect, join, publish, answer the hub's offers, trickle
 * candidates; and when anything breaks (the websocket, a reply that does not come, ICE, an
 * error from the hub), tear it all down and start over after a backoff, forever. Everything
 * runs on the GLib main loop. */
#ifndef DH_ROOM_SESSION_H
#define DH_ROOM_SESSION_H

#include <glib.h>

#include "room_config.h"
#include "stats.h"

typedef struct session session;

/* NULL if the websocket context cannot be made. cfg and stats must outlive the session. */
session *session_new(const room_config *cfg, room_stats *stats, GMainLoop *loop);

/* Connects for the first time; from then on the session keeps itself going. */
void session_start(session *s);

/* "connecting", "joining", "joined", "publishing", "waiting" (backoff before the next try),
 * "refused" (the token was refused: slow retry) or "stopped". */
const char *session_state_name(const session *s);

/* Leaves the meeting (closes everything) and frees the session. NULL is ignored. */
void session_free(session *s);

#endif
