/* The retransmission buffer: put/get by sequence number, a slot overwritten by a later sequence
 * number with the same index, a lookup for a sequence number the slot no longer holds, sizes at
 * and past the slot size, and the 16-bit wrap. */
#include "sfu/route/rtx_buffer.h"
#include "tests/unit/check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t make_pkt(uint8_t *p, uint16_t seq, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seq * 13 + i * 7);
    return len;
}

static bool holds(const rtx_buffer *b, uint16_t seq, size_t len)
{
    uint8_t want[2048];
    size_t got_len = 0;
    const uint8_t *got = rtx_buffer_get(b, seq, &got_len);
    if (!got || got_len != len) return false;
    make_pkt(want, seq, len);
    return memcmp(got, want, len) == 0;
}

static void test_put_get(void)
{
    rtx_buffer *b = rtx_buffer_new(8, 1500);
    CHECK(b != NULL);
    size_t len;
    CHECK(rtx_buffer_get(b, 0, &len) == NULL); /* empty slots hold nothing, not seq 0 */
    CHECK(rtx_buffer_get(b, 5, &len) == NULL);

    uint8_t pkt[1500];
    for (uint16_t s = 100; s < 108; s++)
        rtx_buffer_put(b, s, pkt, make_pkt(pkt, s, 20 + s));
    for (uint16_t s = 100; s < 108; s++)
        CHECK(holds(b, s, 20 + s));

    /* The stored copy does not alias the caller's buffer. */
    memset(pkt, 0xEE, sizeof pkt);
    CHECK(holds(b, 104, 124));

    /* seq + 8 lands in seq's slot: the newer one wins, the older is gone. */
    rtx_buffer_put(b, 112, pkt, make_pkt(pkt, 112, 60));
    CHECK(holds(b, 112, 60));
    CHECK(rtx_buffer_get(b, 104, &len) == NULL);
    /* A lookup for a seq whose slot holds another one: NULL (older, newer, far away). */
    CHECK(rtx_buffer_get(b, 120, &len) == NULL);
    CHECK(rtx_buffer_get(b, 96, &len) == NULL);
    CHECK(rtx_buffer_get(b, (uint16_t)(112 + 0x8000), &len) == NULL);
    /* Neighbours are untouched. */
    CHECK(holds(b, 103, 123));
    CHECK(holds(b, 105, 125));
    rtx_buffer_free(b);
    rtx_buffer_free(NULL);
}

static void test_sizes(void)
{
    static const struct {
        size_t len;
        bool kept;
    } table[] = {
        {1, true}, {12, true}, {1199, true}, {1200, true}, {1201, false}, {1500, false}, {0, false},
    };
    rtx_buffer *b = rtx_buffer_new(16, 1200);
    uint8_t pkt[1500];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        uint16_t seq = (uint16_t)(500 + i);
        rtx_buffer_put(b, seq, pkt, make_pkt(pkt, seq, table[i].len));
        size_t len;
        CHECK_EQ(rtx_buffer_get(b, seq, &len) != NULL, table[i].kept);
        if (table[i].kept) CHECK(holds(b, seq, table[i].len));
    }
    /* An oversized packet also evicts what its slot held: never an older packet under the
     * newer number, never the older packet served for it. */
    rtx_buffer_put(b, 600, pkt, make_pkt(pkt, 600, 100));
    CHECK(holds(b, 600, 100));
    rtx_buffer_put(b, 616, pkt, make_pkt(pkt, 616, 1300));
    size_t len;
    CHECK(rtx_buffer_get(b, 616, &len) == NULL);
    CHECK(rtx_buffer_get(b, 600, &len) == NULL);
    rtx_buffer_free(b);
}

/* Slot counts round up to a power of two; across the 16-bit wrap the last `slots` packets are
 * all there and nothing older is. */
static void test_window_and_wrap(void)
{
    static const struct {
        uint32_t asked, slots;
    } table[] = {{1, 2}, {3, 4}, {100, 128}, {512, 512}};
    uint8_t pkt[64];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        rtx_buffer *b = rtx_buffer_new(table[i].asked, 64);
        uint16_t last = 0;
        for (uint32_t n = 0; n < 70000; n++) {
            last = (uint16_t)(65000 + n);
            rtx_buffer_put(b, last, pkt, make_pkt(pkt, last, 16 + n % 48));
        }
        size_t wrong = 0;
        for (uint32_t back = 0; back < table[i].slots; back++) {
            uint16_t s = (uint16_t)(last - back);
            uint32_t n = (uint32_t)(70000 - 1 - back);
            wrong += !holds(b, s, 16 + n % 48);
        }
        size_t len;
        for (uint32_t back = table[i].slots; back < table[i].slots + 64; back++)
            wrong += rtx_buffer_get(b, (uint16_t)(last - back), &len) != NULL;
        CHECK_EQ(wrong, 0);
        rtx_buffer_free(b);
    }
}

int main(void)
{
    test_put_get();
    test_sizes();
    test_window_and_wrap();
    CHECK_DONE();
}
