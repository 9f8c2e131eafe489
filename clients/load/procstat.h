/* The hub's own cost, read from /proc as BENCH.md asks: CPU time (utime + stime of
 * /proc/PID/stat) and resident memory (VmRSS of /proc/PID/status). The parsers take the files'
 * text, so they are tested and fuzzed without a process. */
#ifndef DH_LOAD_PROCSTAT_H
#define DH_LOAD_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* utime + stime in clock ticks from the text of /proc/PID/stat. 0, or -1 when malformed. */
int procstat_parse_cpu(const char *text, size_t len, uint64_t *ticks);
/* VmRSS in KiB from the text of /proc/PID/status. 0, or -1 when absent or malformed. */
int procstat_parse_rss(const char *text, size_t len, uint64_t *kib);

/* The same, read from the live process. CPU in µs. -1 when the process cannot be read. */
int procstat_cpu_us(pid_t pid, uint64_t *us);
int procstat_rss_kib(pid_t pid, uint64_t *kib);

#endif
