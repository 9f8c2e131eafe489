/* Meetings on the signaling thread: who is in each, and keeping every subscriber's view of the
 * published sources current. A meeting exists while anyone is in it; its id comes from tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/base/log.h"
#include "signaling/hub.h"

struct meeting {
    char id[65];
    hub *h;
    peer *peers;
    size_t n_peers;
    meeting *next;
};

meeting *meeting_get(hub *h, const char *id, bool create)
{
    for (meeting *m = h->meetings; m; m = m->next)
        if (strcmp(m->id, id) == 0) return m;
    if (!create) return NULL;
    meeting *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    snprintf(m->id, sizeof m->id, "%s", id);
    m->h = h;
    m->next = h->meetings;
    h->meetings = m;
    LOGI("meeting", "meeting %s opened", id);
    return m;
}

const char *meeting_id(const meeting *m)
{
    return m->id;
}

peer *meeting_peers(meeting *m)
{
    return m->peers;
}

size_t meeting_peer_count(const meeting *m)
{
    return m->n_peers;
}

void meeting_add(meeting *m, peer *p)
{
    p->m = m;
    p->next = m->peers;
    m->peers = p;
    m->n_peers++;
}

static void meeting_drop(hub *h, meeting *m)
{
    for (meeting **pp = &h->meetings; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    LOGI("meeting", "meeting %s closed (empty)", m->id);
    free(m);
}

void meeting_remove(meeting *m, peer *p)
{
    for (peer **pp = &m->peers; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            m->n_peers--;
            break;
        }
    }
    p->m = NULL;
    if (m->n_peers == 0)
        meeting_drop(m->h, m);
    else
        meeting_refresh(m);
}

uint32_t meeting_program(meeting *m, bool video, codec_id *codec)
{
    for (peer *p = m->peers; p; p = p->next) {
        if (p->role != ROLE_CHAIR) continue;
        for (size_t i = 0; i < p->n_tracks; i++) {
            if (p->tracks[i].video == video && p->src[i]) {
                if (codec) *codec = p->tracks[i].codec;
                return p->src[i];
            }
        }
    }
    return 0;
}

void meeting_refresh(meeting *m)
{
    if (m->h->stopping) return;
    for (peer *p = m->peers; p; p = p->next) {
        if (p->kind == PEER_WS)
            peer_update_subscriptions(p);
        else if (p->kind == PEER_WHEP)
            peer_rebind_program(p);
    }
}

void meeting_free_all(hub *h)
{
    while (h->meetings) {
        meeting *m = h->meetings;
        /* Freeing the last peer frees the meeting. */
        while (h->meetings == m && m->peers)
            peer_free(m->peers);
        if (h->meetings == m) meeting_drop(h, m);
    }
}

void meeting_totals(hub *h, size_t *meetings, size_t *peers)
{
    *meetings = *peers = 0;
    for (meeting *m = h->meetings; m; m = m->next) {
        (*meetings)++;
        *peers += m->n_peers;
    }
}
