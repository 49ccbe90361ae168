/* test_sse_parse.c - SSE framing: fields, line ends, comments, splits and limits. */
#include "test.h"

#include "err.h"
#include "llm-worker/providers/sse_parse.h"

#include <stdlib.h>

struct log {
    char text[4096];
    size_t len;
    int events;
    int stop_after; /* return 7 from the callback after this many events (0 = never) */
};

static int collect(void *ud, const struct sse_event *ev)
{
    struct log *l = ud;
    int n;

    n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "[%s|%s]", ev->event, ev->data);
    if (n > 0 && (size_t)n < sizeof(l->text) - l->len)
        l->len += (size_t)n;
    l->events++;
    if (l->stop_after && l->events >= l->stop_after)
        return 7;
    return 0;
}

/* Parses @in in one feed and again in chunks of every size from 1 to 7; all must agree. */
static void expect(const char *in, const char *want)
{
    size_t len = strlen(in);

    for (size_t step = 0; step <= 7; step++) {
        struct sse_parser p;
        struct log l = {0};
        int rc = 0;

        sse_parse_init(&p, 0);
        if (step == 0) {
            rc = sse_parse_feed(&p, in, len, collect, &l);
        } else {
            for (size_t i = 0; i < len && rc == 0; i += step)
                rc = sse_parse_feed(&p, in + i, len - i < step ? len - i : step, collect, &l);
        }
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(l.text, want);
        sse_parse_release(&p);
    }
}

static void test_fields(void)
{
    expect("data: hello\n\n", "[|hello]");
    expect("data:hello\n\n", "[|hello]");
    expect("data:  two spaces\n\n", "[| two spaces]");
    expect("event: delta\ndata: {\"a\":1}\n\n", "[delta|{\"a\":1}]");
    expect("data: a\ndata: b\n\ndata: c\n\n", "[|a\nb][|c]");
    expect("data\n\n", "[|]");
    expect("data:\n\n", "[|]");
    expect("id: 5\nretry: 100\nfoo: bar\ndata: x\n\n", "[|x]");
    expect("event: ping\n\n", "");             /* no data: not dispatched */
    expect("event: a\n\ndata: b\n\n", "[|b]"); /* the event name resets after a blank line */
    expect("data: x: y\n\n", "[|x: y]");
}

static void test_comments_and_line_ends(void)
{
    expect(": keep-alive\n\ndata: a\n\n", "[|a]");
    expect(":comment\ndata: a\n:another\n\n", "[|a]");
    expect("data: a\r\n\r\ndata: b\r\n\r\n", "[|a][|b]");
    expect("data: a\r\rdata: b\r\r", "[|a][|b]");
    expect("data: a\n\r\ndata: b\r\n\n", "[|a][|b]");
    expect("\xEF\xBB\xBF"
           "data: bom\n\n",
           "[|bom]");
    expect("data: \xEF\xBB\xBF"
           "x\n\n",
           "[|\xEF\xBB\xBF"
           "x]");
    expect("\n\n\ndata: a\n\n\n\n", "[|a]");
}

static void test_crlf_split_across_feeds(void)
{
    struct sse_parser p;
    struct log l = {0};

    sse_parse_init(&p, 0);
    CHECK_EQ_INT(sse_parse_feed(&p, "data: a\r", 8, collect, &l), 0);
    CHECK_EQ_INT(sse_parse_feed(&p, "\n", 1, collect, &l), 0);
    CHECK_EQ_INT(sse_parse_feed(&p, "\r", 1, collect, &l), 0);
    CHECK_EQ_STR(l.text, "[|a]");
    CHECK_EQ_INT(sse_parse_feed(&p, "\ndata: b\n\n", 10, collect, &l), 0);
    CHECK_EQ_STR(l.text, "[|a][|b]");
    sse_parse_release(&p);
}

static void test_finish(void)
{
    struct sse_parser p;
    struct log l = {0};

    sse_parse_init(&p, 0);
    CHECK_EQ_INT(sse_parse_feed(&p, "data: [DONE]", 12, collect, &l), 0);
    CHECK_EQ_INT(l.events, 0);
    CHECK_EQ_INT(sse_parse_finish(&p, collect, &l), 0);
    CHECK_EQ_STR(l.text, "[|[DONE]]");
    CHECK_EQ_INT(sse_parse_finish(&p, collect, &l), 0);
    CHECK_EQ_INT(l.events, 1);
    sse_parse_release(&p);
}

static void test_limits(void)
{
    struct sse_parser p;
    struct log l = {0};
    char big[300];

    memset(big, 'x', sizeof(big));
    sse_parse_init(&p, 256);
    CHECK_EQ_INT(sse_parse_feed(&p, "data: ", 6, collect, &l), 0);
    CHECK_EQ_INT(sse_parse_feed(&p, big, sizeof(big), collect, &l), FC_ETOOBIG);
    CHECK_EQ_INT(sse_parse_feed(&p, "\n\n", 2, collect, &l), FC_ETOOBIG);
    CHECK_EQ_INT(sse_parse_finish(&p, collect, &l), FC_ETOOBIG);
    CHECK_EQ_INT(l.events, 0);
    sse_parse_release(&p);

    /* Many short data lines add up to one event over the limit. */
    sse_parse_init(&p, 64);
    for (int i = 0; i < 20; i++) {
        int rc = sse_parse_feed(&p, "data: 0123456789\n", 17, collect, &l);

        if (rc) {
            CHECK_EQ_INT(rc, FC_ETOOBIG);
            break;
        }
        CHECK(i < 6);
    }
    sse_parse_release(&p);
}

static void test_callback_stops(void)
{
    struct sse_parser p;
    struct log l = {0};

    l.stop_after = 1;
    sse_parse_init(&p, 0);
    CHECK_EQ_INT(sse_parse_feed(&p, "data: a\n\ndata: b\n\n", 18, collect, &l), 7);
    CHECK_EQ_INT(l.events, 1);
    sse_parse_release(&p);
}

TEST_MAIN(test_fields, test_comments_and_line_ends, test_crlf_split_across_feeds, test_finish,
          test_limits, test_callback_stops)
