/* The reader of Janus's API messages that dienhong-load's Janus backend uses, and the choice of
 * streams it makes from the publishers listed (clients/load/janus_msg.c): arbitrary bytes as one
 * websocket text from Janus. It must never read outside them, every string it returns must be a
 * string of the document, the feeds it lists must be nonzero, distinct and within the array, and
 * each role's choice must name only listed feeds and fit one subscription. */
#include <stdlib.h>
#include <string.h>

#include "clients/load/janus_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sites[] = {"load-0001", "load-0002", "load-0003", "load-0004"};

static void check_pick(const janus_msg *m, janus_pick_role role, const char *self)
{
    janus_pick_cfg c = {.role = role,
                        .self = self,
                        .thumbnails = role == JANUS_PICK_EVERY,
                        .chair = "chair",
                        .sites = sites,
                        .n_sites = 4,
                        .floor = 1,
                        .wall = 48,
                        .video_mid = "1"};
    janus_pick p;
    janus_pick_streams(m->feeds, m->n_feeds, &c, &p);
    if (p.lines > JANUS_PICK_MAX_LINES || p.n > p.lines || p.missing > p.wanted) abort();
    if ((p.missing == 0) != (p.first_missing == NULL)) abort();
    for (uint32_t i = 0; i < p.n; i++) {
        bool listed = false;
        for (uint32_t k = 0; k < m->n_feeds && !listed; k++)
            listed = m->feeds[k].id == p.streams[i].feed &&
                     !(self && m->feeds[k].display && strcmp(m->feeds[k].display, self) == 0 &&
                       role != JANUS_PICK_EVERY);
        if (!listed) abort();
        for (uint32_t k = 0; k < i; k++)
            if (p.streams[k].feed == p.streams[i].feed) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    janus_msg m;
    char err[200];
    if (janus_msg_parse((const char *)data, size, &m, err, sizeof err) != 0) return 0;
    if (m.n_feeds > JANUS_MSG_MAX_FEEDS || (m.n_feeds > 0) != (m.feeds != NULL)) abort();
    size_t total = 0;
    for (uint32_t i = 0; i < m.n_feeds; i++) {
        if (m.feeds[i].id == 0) abort();
        for (uint32_t k = 0; k < i; k++)
            if (m.feeds[k].id == m.feeds[i].id) abort();
        if (m.feeds[i].display) total += strlen(m.feeds[i].display);
    }
    const char *strings[] = {m.transaction, m.videoroom, m.error,
                             m.reason,      m.jsep_type, m.jsep_sdp};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strings[i]) total += strlen(strings[i]);
    /* Decoding only shrinks a JSON string (escapes), and each kept display is a string of its
     * own in the document, so the strings cannot add up to more. */
    if (total > size) abort();
    if ((m.jsep_type == NULL) != (m.jsep_sdp == NULL)) abort();
    if (m.error_code && !m.error) abort();
    check_pick(&m, JANUS_PICK_EVERY, NULL);
    check_pick(&m, JANUS_PICK_SITE, "load-0002");
    check_pick(&m, JANUS_PICK_CHAIR, "chair");
    check_pick(&m, JANUS_PICK_OPERATOR, "operator-1");
    janus_msg_free(&m);
    return 0;
}
