/* fuzz_sse.c - libFuzzer target for the SSE framer (llm-worker/providers/sse_parse.c).
 *
 * The first input byte picks the feed size so arbitrary splits are explored; the rest is
 * the stream. Every dispatched event must be NUL-terminated at its length. Built and run by
 * tests/fuzz/run.sh. */
#include "fuzz_delta.h"
#include "llm-worker/providers/sse_parse.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
    struct sse_parser p;
    size_t total;
};

static int check_event(void *ud, const struct sse_event *ev)
{
    struct st *s = ud;

    if (ev->data[ev->data_len] != '\0' || strlen(ev->event) >= SSE_EVENT_NAME_MAX)
        abort();
    s->total += ev->data_len;
    return 0;
}

static int feed(void *ud, const char *buf, size_t len)
{
    struct st *s = ud;

    return sse_parse_feed(&s->p, buf, len, check_event, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct st s = {.total = 0};

    sse_parse_init(&s.p, 4096);
    if (feed_split(data, size, feed, &s) == 0)
        sse_parse_finish(&s.p, check_event, &s);
    if (s.total > size)
        abort();
    sse_parse_release(&s.p);
    return 0;
}
