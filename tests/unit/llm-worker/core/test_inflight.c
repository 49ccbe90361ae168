/* test_inflight.c - the offset tracker: commit the lowest unfinished offset per partition. */
#include "test.h"

#include "err.h"
#include "llm-worker/core/inflight.h"

#include <stdbool.h>

static void test_out_of_order(void)
{
    struct inflight *t = inflight_new();
    struct inflight_commit c[4];
    uint64_t e;

    CHECK_EQ_INT(inflight_position(t, 0), -1);
    for (int64_t off = 10; off < 15; off++)
        CHECK_EQ_INT(inflight_add(t, 0, off, &e), 0);
    CHECK_EQ_INT(inflight_pending(t, 0), 5);
    /* Nothing finished: the position is the first unfinished offset. */
    CHECK_EQ_INT(inflight_position(t, 0), 10);
    CHECK_EQ_INT(inflight_take_commits(t, c, 4), 1);
    CHECK_EQ_INT(c[0].offset, 10);
    CHECK_EQ_INT(inflight_take_commits(t, c, 4), 0);
    /* Later ones finishing first move nothing. */
    CHECK(inflight_done(t, 0, 12, e));
    CHECK(inflight_done(t, 0, 14, e));
    CHECK_EQ_INT(inflight_position(t, 0), 10);
    CHECK_EQ_INT(inflight_take_commits(t, c, 4), 0);
    CHECK(inflight_done(t, 0, 10, e));
    CHECK_EQ_INT(inflight_position(t, 0), 11);
    CHECK(inflight_done(t, 0, 11, e));
    CHECK_EQ_INT(inflight_position(t, 0), 13);
    CHECK_EQ_INT(inflight_take_commits(t, c, 4), 1);
    CHECK_EQ_INT(c[0].partition, 0);
    CHECK_EQ_INT(c[0].offset, 13);
    CHECK(inflight_done(t, 0, 13, e));
    /* All done: one past the last consumed. */
    CHECK_EQ_INT(inflight_position(t, 0), 15);
    CHECK_EQ_INT(inflight_pending(t, -1), 0);
    /* Twice done, or unknown offsets, are refused. */
    CHECK(!inflight_done(t, 0, 13, e));
    CHECK(!inflight_done(t, 0, 99, e));
    CHECK(!inflight_done(t, 7, 1, e));
    inflight_free(t);
}

static void test_order_enforced(void)
{
    struct inflight *t = inflight_new();

    CHECK_EQ_INT(inflight_add(t, 1, 5, NULL), 0);
    CHECK_EQ_INT(inflight_add(t, 1, 5, NULL), FC_EINVAL);
    CHECK_EQ_INT(inflight_add(t, 1, 4, NULL), FC_EINVAL);
    CHECK_EQ_INT(inflight_add(t, 1, -3, NULL), FC_EINVAL);
    /* Gaps (compacted topics, transactions markers) are fine. */
    CHECK_EQ_INT(inflight_add(t, 1, 9, NULL), 0);
    inflight_free(t);
    inflight_free(NULL);
}

static void test_partitions_and_drop(void)
{
    struct inflight *t = inflight_new();
    struct inflight_commit c[8];
    uint64_t e0, e1, e1b;
    int n;

    CHECK_EQ_INT(inflight_add(t, 0, 100, &e0), 0);
    CHECK_EQ_INT(inflight_add(t, 1, 7, &e1), 0);
    CHECK_EQ_INT(inflight_add(t, 1, 8, NULL), 0);
    CHECK(e0 != e1);
    CHECK(inflight_live(t, 1, e1) && inflight_live(t, 0, e0));
    CHECK(!inflight_live(t, 1, e0) && !inflight_live(t, 2, e1));
    CHECK_EQ_INT(inflight_pending(t, -1), 3);
    inflight_take_commits(t, c, 8);
    CHECK(inflight_done(t, 1, 7, e1));
    CHECK(inflight_done(t, 0, 100, e0));
    n = inflight_take_commits(t, c, 8);
    CHECK_EQ_INT(n, 2);
    for (int i = 0; i < n; i++)
        CHECK_EQ_INT(c[i].offset, c[i].partition == 0 ? 101 : 8);
    /* Revoked: the unfinished 8 is forgotten, and its late completion ignored even after
     * the partition comes back (new epoch, consumption restarts at the committed 8). */
    inflight_drop(t, 1);
    CHECK_EQ_INT(inflight_position(t, 1), -1);
    CHECK_EQ_INT(inflight_add(t, 1, 8, &e1b), 0);
    CHECK(e1b != e1);
    CHECK(!inflight_live(t, 1, e1) && inflight_live(t, 1, e1b));
    CHECK(!inflight_done(t, 1, 8, e1));
    CHECK_EQ_INT(inflight_position(t, 1), 8);
    CHECK(inflight_done(t, 1, 8, e1b));
    CHECK_EQ_INT(inflight_position(t, 1), 9);
    inflight_drop(t, 42);
    inflight_free(t);
}

/* Many entries with random completion order: the position always equals a brute-force
 * computation, and the window memory is reused. */
static void test_random(void)
{
    enum { N = 5000 };
    static bool done[N];
    struct inflight *t = inflight_new();
    uint64_t e;
    unsigned seed = 12345;
    int64_t added = 0;
    int bad = 0;

    for (int round = 0; round < 4 * N; round++) {
        seed = seed * 1103515245u + 12345u;
        if (added < N && (seed >> 16) % 3 != 0) {
            inflight_add(t, 3, added, &e);
            added++;
        } else if (added > 0) {
            int64_t k = (int64_t)((seed >> 8) % (unsigned)added);
            int64_t expect = 0;

            if (!done[k]) {
                done[k] = true;
                if (!inflight_done(t, 3, k, e))
                    bad++;
            }
            while (expect < added && done[expect])
                expect++;
            if (inflight_position(t, 3) != expect)
                bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    inflight_free(t);
}

TEST_MAIN(test_out_of_order, test_order_enforced, test_partitions_and_drop, test_random)
