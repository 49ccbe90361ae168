/* Unit tests for ratelimit.c: limits per key and class, window reset, Retry-After. */
#include "test.h"
#include "api-gateway/http/ratelimit.h"

static void test_limits(void)
{
    struct ratelimit *rl = ratelimit_new(64);
    int64_t t = 60000 * 1000 + 10000; /* 10 s into a minute */

    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(ratelimit_hit(rl, "1.2.3.4", 1, 10, t), 0);
    CHECK_EQ_INT(ratelimit_hit(rl, "1.2.3.4", 1, 10, t), 50);
    /* Another class and another client are counted apart. */
    CHECK_EQ_INT(ratelimit_hit(rl, "1.2.3.4", 0, 10, t), 0);
    CHECK_EQ_INT(ratelimit_hit(rl, "5.6.7.8", 1, 10, t), 0);
    /* The next minute starts afresh. */
    CHECK_EQ_INT(ratelimit_hit(rl, "1.2.3.4", 1, 10, t + 50000), 0);
    ratelimit_free(rl);
}

static void test_table_full_admits(void)
{
    struct ratelimit *rl = ratelimit_new(4);
    char key[32];
    int blocked = 0;

    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "10.0.0.%d", i);
        blocked += ratelimit_hit(rl, key, 0, 1, 1000) != 0;
    }
    CHECK_EQ_INT(blocked, 0);
    ratelimit_free(rl);
}

TEST_MAIN(test_limits, test_table_full_admits)
