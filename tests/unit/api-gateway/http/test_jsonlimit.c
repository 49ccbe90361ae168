/* Unit tests for jsonlimit.c: depth counting outside strings. */
#include "test.h"
#include "api-gateway/http/jsonlimit.h"

#include <stdlib.h>

static void test_depth(void)
{
    char deep[200];

    CHECK(json_depth_ok("{}", 2, 1));
    CHECK(json_depth_ok("{\"a\":[1,2,{\"b\":3}]}", 19, 3));
    CHECK(!json_depth_ok("{\"a\":[1,2,{\"b\":3}]}", 19, 2));
    /* Brackets inside strings, with escaped quotes, do not count. */
    CHECK(json_depth_ok("{\"a\":\"[[[[\\\"[[[[\"}", 18, 1));
    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    CHECK(!json_depth_ok(deep, 66, 32));
    CHECK(json_depth_ok(deep + 1, 64, 32));
}

TEST_MAIN(test_depth)
