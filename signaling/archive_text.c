/* Title folding and day parsing for the archive search (archive_text.h). */
#include "signaling/archive_text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Folds UTF-8 text for searching titles: ASCII lower case, and the letters of Vietnamese without
 * their marks ("Họp Đình" -> "hop dinh"), so a clerk finds a title however it was typed (with or
 * without marks, composed or decomposed). Anything else is kept as it is. out has cap bytes; the
 * folded text is never longer than the text. */
void archive_fold(const char *in, char *out, size_t cap)
{
    /* U+00C0..U+00FF, by offset from U+00C0 (upper) or U+00E0 (lower); '\0': kept as it is. */
    static const char latin1[33] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts";
    /* U+1EA0..U+1EF9 run in blocks of one base letter: A to U+1EB7, E to U+1EC7, I to U+1ECB, O
     * to U+1EE3, U to U+1EF1, Y to U+1EF9. */
    static const struct {
        unsigned last;
        char base;
    } extended[] = {{0x1EB7, 'a'}, {0x1EC7, 'e'}, {0x1ECB, 'i'},
                    {0x1EE3, 'o'}, {0x1EF1, 'u'}, {0x1EF9, 'y'}};
    const unsigned char *p = (const unsigned char *)in;
    size_t n = 0;
    while (*p && n + 1 < cap) {
        unsigned cp;
        size_t len;
        if (p[0] < 0x80) {
            cp = p[0], len = 1;
        } else if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            cp = (unsigned)(p[0] & 0x1F) << 6 | (p[1] & 0x3F), len = 2;
        } else if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            len = 3;
        } else {
            out[n++] = (char)*p++; /* a 4-byte sequence or a stray byte: copied byte by byte */
            continue;
        }
        char base = 0;
        if (cp < 0x80)
            base = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        else if (cp >= 0xC0 && cp <= 0xFF)
            base = cp == 0xFF ? 'y' : latin1[(cp - 0xC0) & 0x1F];
        else if (cp == 0x102 || cp == 0x103)
            base = 'a';
        else if (cp == 0x110 || cp == 0x111)
            base = 'd';
        else if (cp == 0x128 || cp == 0x129)
            base = 'i';
        else if (cp == 0x168 || cp == 0x169 || cp == 0x1AF || cp == 0x1B0)
            base = 'u';
        else if (cp == 0x1A0 || cp == 0x1A1)
            base = 'o';
        else if (cp >= 0x1EA0 && cp <= 0x1EF9)
            for (size_t i = 0; !base; i++)
                if (cp <= extended[i].last) base = extended[i].base;
        if (cp >= 0x300 && cp <= 0x36F) {
            /* a combining mark (decomposed text): dropped */
        } else if (base) {
            out[n++] = base;
        } else {
            if (n + len >= cap) break; /* a character is never cut */
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
    }
    out[n] = '\0';
}

/* "YYYY-MM-DD" -> the first second of that day in the hub's time zone (the city's). */
bool archive_parse_day(const char *s, int64_t *out)
{
    int y, mo, d, used = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
        return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31) return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_isdst = -1};
    time_t t = mktime(&tm);
    /* mktime carries 31 February into March: such a day does not exist. */
    if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1) return false;
    *out = (int64_t)t;
    return true;
}
