/* Who receives what in a commune-wide meeting. Everyone hears and sees the chair; a site is heard
 * only while it holds the floor, whatever its page sends; chairs and operators also see the page
 * of the wall they chose. Audio is capped at the chair plus the three loudest floor holders, so a
 * receiver never gets 579 audio streams. */
#include "signaling/hub.h"

#define LOUDEST_N 3

/* Is this floor holder's audio among the loudest few holders? */
static bool among_loudest(meeting *m, const peer *pub, size_t track)
{
    const floor_state *f = meeting_floor(m);
    if (f->n_holders <= LOUDEST_N) return true;
    unsigned louder = 0;
    for (const peer *q = meeting_peers(m); q; q = q->next) {
        if (q == pub || q->role != ROLE_SITE || !floor_holds(f, q->site)) continue;
        for (size_t t = 0; t < q->n_tracks; t++)
            if (!q->tracks[t].video && q->loudness[t] > pub->loudness[track]) louder++;
    }
    return louder < LOUDEST_N;
}

bool policy_forward(meeting *m, const peer *viewer, const peer *pub, size_t track)
{
    if (viewer == pub) return false;
    const neg_track *t = &pub->tracks[track];
    if (pub->role == ROLE_CHAIR) return true;
    bool controls = meeting_may_control(viewer);
    if (pub->role == ROLE_OPERATOR) return controls;
    if (pub->role != ROLE_SITE) return false;
    if (floor_holds(meeting_floor(m), pub->site)) return t->video || among_loudest(m, pub, track);
    if (!t->video || !controls || viewer->wall_page < 0) return false;
    long at = meeting_wall_index(m, pub->site);
    return at >= 0 && at / WALL_PAGE_SIZE == viewer->wall_page;
}

int policy_layer(meeting *m, const peer *viewer, const peer *pub, size_t track)
{
    const neg_track *t = &pub->tracks[track];
    if (!t->n_layers) return 0;
    bool thumbnail = pub->role == ROLE_SITE && meeting_may_control(viewer) &&
                     !floor_holds(meeting_floor(m), pub->site);
    return thumbnail ? 0 : t->n_layers - 1;
}
