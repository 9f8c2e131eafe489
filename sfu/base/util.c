#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

uint64_t util_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t util_unix_time(void)
{
    return (int64_t)time(NULL);
}

void util_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0) {
            fprintf(stderr, "getrandom failed\n");
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
}

uint32_t util_random_u32(void)
{
    uint32_t v;
    util_random(&v, sizeof v);
    return v;
}

void util_random_token(char *out, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t raw[128];
    for (size_t i = 0; i < len; i++) {
        if (i % sizeof raw == 0) util_random(raw, sizeof raw);
        /* 248 = 4 * 62: rejection-free enough; the bias (<2%) does not matter for ids. */
        out[i] = alphabet[raw[i % sizeof raw] % 62];
    }
    out[len] = '\0';
}

size_t util_hex_colon(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 3 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, i ? ":%02X" : "%02X", in[i]);
    if (cap) out[n < cap ? n : cap - 1] = '\0';
    return n;
}

uint64_t util_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}
