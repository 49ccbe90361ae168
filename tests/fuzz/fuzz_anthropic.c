/* fuzz_anthropic.c - libFuzzer target for Anthropic Messages stream events
 * (llm-worker/providers/anthropic.c): the input as one event's data, then as a whole SSE stream
 * framed as the engine frames it. Built and run by tests/fuzz/run.sh. */
#include "fuzz_delta.h"
#include "llm-worker/providers/anthropic.h"
#include "llm-worker/providers/sse_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *ud, const struct sse_event *ev)
{
    char err[256];

    anthropic_parse_event(ev->event, ev->data, ev->data_len, touch_delta, ud, err, sizeof(err));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sse_parser p;
    size_t sum = 0;
    char err[256];

    anthropic_parse_event("", (const char *)data, size, touch_delta, &sum, err, sizeof(err));
    sse_parse_init(&p, 65536);
    if (sse_parse_feed(&p, (const char *)data, size, on_event, &sum) == 0)
        sse_parse_finish(&p, on_event, &sum);
    sse_parse_release(&p);
    return 0;
}
