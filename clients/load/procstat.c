#include "procstat.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool read_u64(const char *s, size_t len, size_t *pos, uint64_t *out)
{
    size_t p = *pos;
    uint64_t v = 0;
    size_t digits = 0;
    while (p < len && s[p] >= '0' && s[p] <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(s[p] - '0');
        p++;
        digits++;
    }
    if (!digits) return false;
    *pos = p;
    *out = v;
    return true;
}

int procstat_parse_cpu(const char *text, size_t len, uint64_t *ticks)
{
    /* The command name (field 2) is in parentheses and may itself hold spaces and ')': the
     * fields resume after the last ')'. */
    size_t close = len;
    for (size_t i = len; i > 0; i--) {
        if (text[i - 1] == ')') {
            close = i - 1;
            break;
        }
    }
    if (close == len) return -1;
    size_t pos = close + 1;
    uint64_t utime = 0, stime = 0;
    /* Fields 3.. follow, one space before each; utime is 14, stime 15. */
    for (int field = 3; field <= 15; field++) {
        if (pos >= len || text[pos] != ' ') return -1;
        pos++;
        if (field == 14 || field == 15) {
            if (!read_u64(text, len, &pos, field == 14 ? &utime : &stime)) return -1;
        } else {
            size_t start = pos;
            while (pos < len && text[pos] != ' ')
                pos++;
            if (pos == start) return -1;
        }
    }
    if (utime > UINT64_MAX - stime) return -1;
    *ticks = utime + stime;
    return 0;
}

int procstat_parse_rss(const char *text, size_t len, uint64_t *kib)
{
    static const char key[] = "VmRSS:";
    size_t k = sizeof key - 1;
    for (size_t i = 0; i + k <= len; i++) {
        if ((i != 0 && text[i - 1] != '\n') || memcmp(text + i, key, k) != 0) continue;
        size_t pos = i + k;
        while (pos < len && (text[pos] == ' ' || text[pos] == '\t'))
            pos++;
        if (!read_u64(text, len, &pos, kib)) return -1;
        return (len - pos >= 3 && memcmp(text + pos, " kB", 3) == 0) ? 0 : -1;
    }
    return -1;
}

static int read_proc(pid_t pid, const char *what, char *buf, size_t cap, size_t *len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    *len = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return 0;
}

int procstat_cpu_us(pid_t pid, uint64_t *us)
{
    char buf[4096];
    size_t len;
    uint64_t ticks;
    if (read_proc(pid, "stat", buf, sizeof buf, &len) != 0) return -1;
    while (len && buf[len - 1] == '\n')
        len--;
    if (procstat_parse_cpu(buf, len, &ticks) != 0) return -1;
    long hz = sysconf(_SC_CLK_TCK);
    *us = ticks * 1000000u / (uint64_t)(hz > 0 ? hz : 100);
    return 0;
}

int procstat_rss_kib(pid_t pid, uint64_t *kib)
{
    char buf[8192];
    size_t len;
    if (read_proc(pid, "status", buf, sizeof buf, &len) != 0) return -1;
    return procstat_parse_rss(buf, len, kib);
}
