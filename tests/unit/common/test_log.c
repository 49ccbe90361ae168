/* Unit tests for log.c's JSON escaping (the part that sees untrusted text). */
#include "log.h"
#include "test.h"

static void test_escape(void)
{
    char out[64];
    unsigned pos = 0;

    log_json_escape(out, sizeof(out), &pos, "a\"b\\c\nd\x01");
    CHECK_EQ_STR(out, "a\\\"b\\\\c\\nd\\u0001");
    pos = 0;
    log_json_escape(out, 12, &pos, "0123456789abcdef");
    CHECK(pos < 12);
    CHECK(strlen(out) == pos);
}

TEST_MAIN(test_escape)
