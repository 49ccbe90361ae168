/* Unit tests for cancel.c's ring of cancels remembered for requests not seen yet. */
#include "test.h"
#include "llm-worker/core/cancel.h"

#include <stdlib.h>

#define RID_A "11111111-1111-1111-1111-111111111111"
#define RID_B "22222222-2222-2222-2222-222222222222"

static void test_seen_within_ttl(void)
{
    struct cancels *c = calloc(1, sizeof(*c));

    CHECK(!cancel_seen(c, RID_A, 1000));
    cancel_remember(c, RID_A, 1000);
    CHECK(cancel_seen(c, RID_A, 1000));
    CHECK(cancel_seen(c, RID_A, 1000 + CANCEL_TTL_MS - 1));
    CHECK(!cancel_seen(c, RID_A, 1000 + CANCEL_TTL_MS));
    CHECK(!cancel_seen(c, RID_B, 1000));
    free(c);
}

static void test_oldest_forgotten(void)
{
    struct cancels *c = calloc(1, sizeof(*c));
    char rid[37];

    cancel_remember(c, RID_A, 5);
    for (int i = 0; i < CANCEL_RING - 1; i++) {
        snprintf(rid, sizeof(rid), "33333333-3333-3333-3333-%012d", i);
        cancel_remember(c, rid, 5);
    }
    CHECK(cancel_seen(c, RID_A, 5)); /* the ring is full, not yet wrapped */
    cancel_remember(c, RID_B, 6);
    CHECK(!cancel_seen(c, RID_A, 6)); /* overwritten by the newest */
    CHECK(cancel_seen(c, RID_B, 6));
    free(c);
}

TEST_MAIN(test_seen_within_ttl, test_oldest_forgotten)
