/* Scratch directories for tests that write real files: removed, with everything in them, at the
 * end of the test program. */
#ifndef DH_TEST_SCRATCH_H
#define DH_TEST_SCRATCH_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static inline int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes root and everything below it (links are removed, not followed). */
static inline void scratch_remove(const char *root)
{
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
