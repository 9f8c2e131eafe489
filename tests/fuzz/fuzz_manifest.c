/* Feeds arbitrary bytes to the manifest lookup: it never reads past the input, and what it
 * reports as listed has a valid name, a size that is not negative and a hex SHA-256. */
#include "recorder/manifest.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"meeting.webm", "site-001.webm", "a"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        manifest_file f;
        memset(&f, 0x55, sizeof f);
        int rc = manifest_find((const char *)data, size, names[i], &f);
        check(rc >= -1 && rc <= 1);
        if (rc == 1) {
            check(strcmp(f.name, names[i]) == 0 && manifest_valid_name(f.name));
            check(f.size >= 0 && strlen(f.sha256) == 64);
        }
    }
    return 0;
}
