/* The reader of Janus's API messages that dienhong-load's Janus backend uses
 * (clients/load/janus_msg.c): arbitrary bytes as one websocket text from Janus. It must never
 * read outside them, every string it returns must be a string of the document, and the feeds it
 * lists must be nonzero, distinct and within the array. */
#include <stdlib.h>
#include <string.h>

#include "clients/load/janus_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    janus_msg m;
    char err[200];
    if (janus_msg_parse((const char *)data, size, &m, err, sizeof err) != 0) return 0;
    if (m.n_feeds > JANUS_MSG_MAX_FEEDS) abort();
    for (uint32_t i = 0; i < m.n_feeds; i++) {
        if (m.feeds[i] == 0) abort();
        for (uint32_t k = 0; k < i; k++)
            if (m.feeds[k] == m.feeds[i]) abort();
    }
    const char *strings[] = {m.transaction, m.videoroom, m.error,
                             m.reason,      m.jsep_type, m.jsep_sdp};
    size_t total = 0;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strings[i]) total += strlen(strings[i]);
    /* Decoding only shrinks a JSON string (escapes), so the strings cannot add up to more. */
    if (total > size) abort();
    if ((m.jsep_type == NULL) != (m.jsep_sdp == NULL)) abort();
    if (m.error_code && !m.error) abort();
    janus_msg_free(&m);
    return 0;
}
