/* Unit tests for sse.c framing and Last-Event-ID parsing. */
#include "test.h"
#include "api-gateway/http/sse.h"

#include <stdlib.h>

static void test_event(void)
{
    struct strbuf sb = STRBUF_INIT;

    sse_append_event(&sb, 1000002, "token", "{\"text\":\"hi\"}", 13);
    CHECK_EQ_STR(sb.buf, "id: 1000002\nevent: token\ndata: {\"text\":\"hi\"}\n\n");
    strbuf_reset(&sb);
    sse_append_event(&sb, -1, NULL, "a\nb\r\nc", 6);
    CHECK_EQ_STR(sb.buf, "data: a\ndata: b\ndata: c\n\n");
    strbuf_reset(&sb);
    sse_append_event(&sb, 5, "evil\nevent: x", "", 0);
    CHECK_EQ_STR(sb.buf, "id: 5\nevent: evil\ndata: \n\n");
    strbuf_release(&sb);
}

static void test_last_event_id(void)
{
    CHECK_EQ_INT(sse_parse_last_event_id("0"), 0);
    CHECK_EQ_INT(sse_parse_last_event_id("2000017"), 2000017);
    CHECK_EQ_INT(sse_parse_last_event_id(""), -1);
    CHECK_EQ_INT(sse_parse_last_event_id("-1"), -1);
    CHECK_EQ_INT(sse_parse_last_event_id("12a"), -1);
    CHECK_EQ_INT(sse_parse_last_event_id("99999999999999999999"), -1);
    CHECK_EQ_INT(sse_parse_last_event_id(NULL), -1);
    /* What strtoll would let through: signs, spaces, and 19 digits. */
    CHECK_EQ_INT(sse_parse_last_event_id("+5"), -1);
    CHECK_EQ_INT(sse_parse_last_event_id(" 5"), -1);
    CHECK_EQ_INT(sse_parse_last_event_id("5 "), -1);
    CHECK_EQ_INT(sse_parse_last_event_id("999999999999999999"), 999999999999999999LL);
    CHECK_EQ_INT(sse_parse_last_event_id("1000000000000000000"), -1);
}

TEST_MAIN(test_event, test_last_event_id)
