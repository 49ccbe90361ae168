/* Unit tests for dashcache.c: hits only at the same data version and day. */
#include "test.h"
#include "api-gateway/finance/dashcache.h"

#include <stdlib.h>

static void test_versions(void)
{
    const char *u = "11111111-1111-4111-8111-111111111111";
    size_t len = 0;
    char *t;

    CHECK(dashcache_get(u, 1, 100, &len) == NULL);
    dashcache_put(u, 1, 100, "{\"a\":1}", 7);
    t = dashcache_get(u, 1, 100, &len);
    CHECK(t != NULL && len == 7 && strcmp(t, "{\"a\":1}") == 0);
    free(t);
    CHECK(dashcache_get(u, 2, 100, &len) == NULL); /* a write happened */
    CHECK(dashcache_get(u, 1, 101, &len) == NULL); /* a new day */
    CHECK(dashcache_get("22222222-2222-4222-8222-222222222222", 1, 100, &len) == NULL);
    dashcache_put(u, 2, 100, "{\"a\":2}", 7);
    t = dashcache_get(u, 2, 100, &len);
    CHECK(t != NULL && strcmp(t, "{\"a\":2}") == 0);
    free(t);
}

TEST_MAIN(test_versions)
