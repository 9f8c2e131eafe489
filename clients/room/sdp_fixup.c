#include "sdp_fixup.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a growing output buffer; out of memory sticks and ends in NULL ---------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_line(buf *b, const char *s, size_t n)
{
    put(b, s, n);
    put(b, "\r\n", 2);
}

/* The result, or NULL (and nothing kept) when nothing changed or memory ran out. */
static char *finish(buf *b, bool changed)
{
    if (b->oom || !changed) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

/* ---- lines ------------------------------------------------------------------------------- */

/* The next line at *cur without its CR LF (or LF); false at the end of the text. */
static bool next_line(const char **cur, const char **line, size_t *len)
{
    const char *s = *cur;
    if (!*s) return false;
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    *line = s;
    *len = n && s[n - 1] == '\r' ? n - 1 : n;
    *cur = nl ? nl + 1 : s + n;
    return true;
}

static bool starts(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(line, prefix, n) == 0;
}

static bool is(const char *line, size_t len, const char *text)
{
    return len == strlen(text) && memcmp(line, text, len) == 0;
}

/* Does the m-section whose lines start at `cur` contain the line `attr`? */
static bool section_has(const char *cur, const char *attr)
{
    const char *line;
    size_t len;
    while (next_line(&cur, &line, &len)) {
        if (starts(line, len, "m=")) return false;
        if (is(line, len, attr)) return true;
    }
    return false;
}

/* Offset of `needle` in line[0..len) ignoring case, or -1. */
static long find_nocase(const char *line, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(line + i, needle, n) == 0) return (long)i;
    return -1;
}

/* ---- our offer ----------------------------------------------------------------------------- */

/* "m=audio 0 UDP/..." -> "m=audio 9 UDP/..."; false if the port is not 0. */
static bool put_port9(buf *b, const char *line, size_t len)
{
    const char *sp = memchr(line, ' ', len);
    if (!sp || (size_t)(sp - line) + 3 > len || sp[1] != '0' || sp[2] != ' ') return false;
    put(b, line, (size_t)(sp - line));
    put(b, " 9", 2);
    put_line(b, sp + 2, len - (size_t)(sp + 2 - line));
    return true;
}

char *sdp_fixup_offer(const char *sdp, bool h264_42e0)
{
    buf b = {0};
    bool changed = false;
    const char *cur = sdp, *line;
    size_t len;
    while (next_line(&cur, &line, &len)) {
        if (starts(line, len, "m=") && section_has(cur, "a=bundle-only") &&
            put_port9(&b, line, len)) {
            changed = true;
            continue;
        }
        if (is(line, len, "a=bundle-only")) {
            changed = true;
            continue;
        }
        long at = h264_42e0 && starts(line, len, "a=fmtp:")
                      ? find_nocase(line, len, "profile-level-id=42c0")
                      : -1;
        if (at >= 0) {
            size_t digits = (size_t)at + strlen("profile-level-id=42");
            put(&b, line, digits);
            put(&b, "e0", 2);
            put_line(&b, line + digits + 2, len - digits - 2);
            changed = true;
            continue;
        }
        put_line(&b, line, len);
    }
    return finish(&b, changed);
}

/* ---- the hub's descriptions ---------------------------------------------------------------- */

static const char *const session_attrs[] = {
    "a=setup:", "a=fingerprint:", "a=ice-ufrag:", "a=ice-pwd:"};
#define N_ATTRS (sizeof session_attrs / sizeof session_attrs[0])

typedef struct attr_line {
    const char *line; /* NULL: not at session level */
    size_t len;
} attr_line;

/* Adds the session-level attributes the m-section that just ended did not have. */
static bool close_section(buf *b, const attr_line *session, const bool *present)
{
    bool added = false;
    for (size_t i = 0; i < N_ATTRS; i++) {
        if (present[i] || !session[i].line) continue;
        put_line(b, session[i].line, session[i].len);
        added = true;
    }
    return added;
}

char *sdp_fixup_remote(const char *sdp)
{
    attr_line session[N_ATTRS] = {{0}};
    const char *cur = sdp, *line;
    size_t len;
    bool any = false;
    while (next_line(&cur, &line, &len) && !starts(line, len, "m=")) {
        for (size_t i = 0; i < N_ATTRS; i++) {
            if (!session[i].line && starts(line, len, session_attrs[i])) {
                session[i] = (attr_line){line, len};
                any = true;
            }
        }
    }
    if (!any) return NULL;

    buf b = {0};
    bool changed = false, in_media = false;
    bool present[N_ATTRS] = {false};
    cur = sdp;
    while (next_line(&cur, &line, &len)) {
        if (starts(line, len, "m=")) {
            if (in_media && close_section(&b, session, present)) changed = true;
            in_media = true;
            memset(present, 0, sizeof present);
        } else if (in_media) {
            for (size_t i = 0; i < N_ATTRS; i++)
                if (starts(line, len, session_attrs[i])) present[i] = true;
        }
        put_line(&b, line, len);
    }
    if (in_media && close_section(&b, session, present)) changed = true;
    return finish(&b, changed);
}

/* ---- inactive slots -------------------------------------------------------------------------- */

/* The value of `prefix` (e.g. "a=mid:") in the m-section whose lines start at `cur`, copied into
 * out (cap bytes); false when the section has none or it does not fit. */
static bool section_value(const char *cur, const char *prefix, char *out, size_t cap)
{
    const char *line;
    size_t len, n = strlen(prefix);
    while (next_line(&cur, &line, &len)) {
        if (starts(line, len, "m=")) return false;
        if (starts(line, len, prefix)) {
            if (len - n >= cap) return false;
            memcpy(out, line + n, len - n);
            out[len - n] = '\0';
            return true;
        }
    }
    return false;
}

/* Is `mid` in the " a b c " list? */
static bool listed(const char *list, const char *mid)
{
    size_t n = strlen(mid);
    for (const char *p = list ? strstr(list, mid) : NULL; p; p = strstr(p + 1, mid))
        if (p > list && p[-1] == ' ' && p[n] == ' ') return true;
    return false;
}

/* Rewrites the direction line `from` to `to` in the m-sections whose mid `only` lists (every
 * one when only is NULL); the mids rewritten go to *mids when mids is given. */
static char *swap_direction(const char *sdp, const char *from, const char *to, const char *only,
                            char **mids)
{
    buf b = {0}, list = {0};
    bool changed = false, in_media = false;
    char mid[64] = "";
    const char *cur = sdp, *line;
    size_t len;
    while (next_line(&cur, &line, &len)) {
        if (starts(line, len, "m=")) {
            in_media = true;
            if (!section_value(cur, "a=mid:", mid, sizeof mid)) mid[0] = '\0';
        } else if (in_media && mid[0] && is(line, len, from) && (!only || listed(only, mid))) {
            put_line(&b, to, strlen(to));
            if (mids) {
                put(&list, list.len ? "" : " ", list.len ? 0 : 1);
                put(&list, mid, strlen(mid));
                put(&list, " ", 1);
            }
            changed = true;
            continue;
        }
        put_line(&b, line, len);
    }
    if (mids)
        *mids = finish(&list, changed);
    else
        free(list.p);
    return finish(&b, changed);
}

char *sdp_fixup_hub_offer(const char *sdp, char **inactive)
{
    *inactive = NULL;
    char *fixed = sdp_fixup_remote(sdp);
    char *swapped = swap_direction(fixed ? fixed : sdp, "a=inactive", "a=sendonly", NULL, inactive);
    if (!swapped) return fixed;
    free(fixed);
    return swapped;
}

char *sdp_fixup_answer(const char *sdp, const char *inactive)
{
    if (!inactive) return NULL;
    return swap_direction(sdp, "a=recvonly", "a=inactive", inactive, NULL);
}
