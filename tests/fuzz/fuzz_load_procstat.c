/* The /proc parsers dienhong-load reads the hub's CPU and memory with
 * (clients/load/procstat.c): arbitrary bytes as /proc/PID/stat and as /proc/PID/status. They
 * must never read outside the text, and a CPU figure must be the sum of two fields it holds. */
#include "clients/load/procstat.h"

#include <stdbool.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t ticks = 0, kib = 0;
    (void)procstat_parse_cpu((const char *)data, size, &ticks);
    (void)procstat_parse_rss((const char *)data, size, &kib);
    return 0;
}
