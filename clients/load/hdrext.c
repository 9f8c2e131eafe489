#include "hdrext.h"

#include <string.h>

size_t hdrext_write(uint8_t *out, size_t cap, const hdrext_elem *elems, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const hdrext_elem *e = &elems[i];
        if (e->id < 1 || e->id > 14 || e->len < 1 || e->len > 16) return 0;
        if (len + 1 + e->len > cap) return 0;
        out[len++] = (uint8_t)(e->id << 4 | (e->len - 1));
        memcpy(out + len, e->data, e->len);
        len += e->len;
    }
    if (len == 0) return 0; /* an empty block says nothing: write no extension at all */
    size_t padded = (len + 3) & ~(size_t)3;
    if (padded > cap) return 0;
    memset(out + len, 0, padded - len);
    return padded;
}
