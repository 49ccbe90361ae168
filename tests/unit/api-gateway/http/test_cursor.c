/* Unit tests for cursor.c: page cursors round-trip and refuse everything else. */
#include "test.h"
#include "err.h"
#include "api-gateway/http/cursor.h"

static void test_cursor(void)
{
    const char *id = "7c857b1d-f9a1-4cf0-aff6-8f6b587da66d";
    struct cursor c;
    char enc[CURSOR_MAX + 1], small[8];

    cursor_encode(0, 1795144320123456LL, id, enc, sizeof(enc));
    CHECK(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          strlen(enc));
    CHECK_EQ_INT(cursor_decode(enc, 0, &c), 0);
    CHECK_EQ_INT(c.key, 1795144320123456LL);
    CHECK_EQ_STR(c.id, id);
    CHECK_EQ_INT(cursor_decode(enc, 1, &c), FC_EINVAL); /* another sort order */
    cursor_encode(3, -189999, id, enc, sizeof(enc));
    CHECK_EQ_INT(cursor_decode(enc, 3, &c), 0);
    CHECK_EQ_INT(c.key, -189999);
    CHECK_EQ_INT(cursor_decode("", 0, &c), FC_EINVAL);
    CHECK_EQ_INT(cursor_decode("!!!", 0, &c), FC_EINVAL);
    CHECK_EQ_INT(cursor_decode("A", 0, &c), FC_EINVAL);
    /* "0.1 OR 1=1.<uuid>", "0.99999999999999999999.<uuid>" and "0.-.<uuid>" */
    CHECK_EQ_INT(
        cursor_decode("MC4xIE9SIDE9MS43Yzg1N2IxZC1mOWExLTRjZjAtYWZmNi04ZjZiNTg3ZGE2NmQ", 0, &c),
        FC_EINVAL);
    CHECK_EQ_INT(
        cursor_decode(
            "MC45OTk5OTk5OTk5OTk5OTk5OTk5OS43Yzg1N2IxZC1mOWExLTRjZjAtYWZmNi04ZjZiNTg3ZGE2NmQ", 0,
            &c),
        FC_EINVAL);
    CHECK_EQ_INT(cursor_decode("MC4tLjdjODU3YjFkLWY5YTEtNGNmMC1hZmY2LThmNmI1ODdkYTY2ZA", 0, &c),
                 FC_EINVAL);
    cursor_encode(0, 1, id, small, sizeof(small)); /* too small: empty, no overflow */
    CHECK_EQ_STR(small, "");
}

TEST_MAIN(test_cursor)
