/* test_strbuf.c - growth, formatting, detach/release and NUL-termination of strbuf. */
#include "test.h"

#include "strbuf.h"

#include <stdlib.h>

static void test_init_empty(void)
{
    struct strbuf sb = STRBUF_INIT;
    struct strbuf z = {0};

    CHECK_EQ_STR(sb.buf, "");
    CHECK_EQ_INT(sb.len, 0);
    CHECK_EQ_INT(sb.alloc, 0);
    strbuf_reset(&sb);
    strbuf_setlen(&sb, 0);
    CHECK_EQ_STR(sb.buf, "");
    strbuf_release(&sb);
    CHECK_EQ_STR(sb.buf, "");
    /* An all-zero struct is an empty buffer too. */
    strbuf_addstr(&z, "zero");
    CHECK_EQ_STR(z.buf, "zero");
    strbuf_release(&z);
    strbuf_init(&sb, 100);
    CHECK(sb.alloc >= 101);
    CHECK(strbuf_avail(&sb) >= 100);
    CHECK_EQ_STR(sb.buf, "");
    strbuf_release(&sb);
}

static void test_growth(void)
{
    struct strbuf sb = STRBUF_INIT;
    char expect[10001];

    for (int i = 0; i < 10000; i++) {
        strbuf_addch(&sb, 'a' + i % 26);
        expect[i] = (char)('a' + i % 26);
        /* The byte after the text is always the NUL. */
        if (sb.buf[sb.len] != '\0' || sb.len != (size_t)i + 1 || sb.alloc <= sb.len)
            CHECK(!"not NUL-terminated after addch");
    }
    expect[10000] = '\0';
    CHECK_EQ_STR(sb.buf, expect);
    strbuf_add(&sb, "x\0y", 3);
    CHECK_EQ_INT(sb.len, 10003);
    CHECK(memcmp(sb.buf + 10000, "x\0y", 4) == 0);
    strbuf_add(&sb, NULL, 0);
    CHECK_EQ_INT(sb.len, 10003);
    strbuf_setlen(&sb, 5);
    CHECK_EQ_STR(sb.buf, "abcde");
    strbuf_reset(&sb);
    CHECK_EQ_STR(sb.buf, "");
    CHECK(sb.alloc > 10003); /* memory kept for reuse */
    strbuf_release(&sb);
    CHECK_EQ_INT(sb.alloc, 0);
}

static void test_addf(void)
{
    struct strbuf sb = STRBUF_INIT;
    char *big = malloc(100001);

    strbuf_addf(&sb, "%d-%s", 42, "x");
    CHECK_EQ_STR(sb.buf, "42-x");
    /* Longer than any room already there: formatted again after growing. */
    memset(big, 'q', 100000);
    big[100000] = '\0';
    strbuf_addf(&sb, "[%s]", big);
    CHECK_EQ_INT(sb.len, 4 + 100002);
    CHECK(sb.buf[4] == '[' && sb.buf[5] == 'q' && sb.buf[100005] == ']');
    CHECK(sb.buf[sb.len] == '\0');
    /* Exactly filling the room there is. */
    strbuf_release(&sb);
    strbuf_grow(&sb, 10);
    {
        size_t room = strbuf_avail(&sb);

        strbuf_addf(&sb, "%.*s", (int)room, big);
        CHECK_EQ_INT(sb.len, room);
        strbuf_addf(&sb, "%s", "!");
        CHECK_EQ_INT(sb.len, room + 1);
        CHECK(sb.buf[room] == '!' && sb.buf[room + 1] == '\0');
    }
    strbuf_addf(&sb, "%s", "");
    CHECK_EQ_INT(sb.len, strlen(sb.buf));
    strbuf_release(&sb);
    free(big);
}

static void test_detach(void)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n = 99;
    char *s;

    /* Detaching an unallocated buffer still gives a string the caller may free. */
    s = strbuf_detach(&sb, &n);
    CHECK_EQ_STR(s, "");
    CHECK_EQ_INT(n, 0);
    free(s);
    strbuf_addstr(&sb, "hello");
    s = strbuf_detach(&sb, NULL);
    CHECK_EQ_STR(s, "hello");
    CHECK_EQ_STR(sb.buf, "");
    CHECK_EQ_INT(sb.len, 0);
    CHECK_EQ_INT(sb.alloc, 0);
    free(s);
    /* The emptied buffer is ready for reuse. */
    strbuf_addstr(&sb, "again");
    s = strbuf_detach(&sb, &n);
    CHECK_EQ_STR(s, "again");
    CHECK_EQ_INT(n, 5);
    free(s);
    strbuf_release(&sb);
}

TEST_MAIN(test_init_empty, test_growth, test_addf, test_detach)
