/* fuzz_ollama.c - libFuzzer target for Ollama's NDJSON stream (llm-worker/providers/ollama.c).
 *
 * The first input byte picks the feed size; the rest is the response body. Built and run by
 * tests/fuzz/run.sh. */
#include "fuzz_delta.h"
#include "llm-worker/providers/ollama.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
    struct ollama_stream s;
    size_t sum;
    char err[256];
};

static int feed(void *ud, const char *buf, size_t len)
{
    struct st *t = ud;

    return ollama_stream_feed(&t->s, buf, len, touch_delta, &t->sum, t->err, sizeof(t->err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct st t = {.sum = 0};

    ollama_stream_init(&t.s, 4096);
    if (feed_split(data, size, feed, &t) == 0)
        ollama_stream_finish(&t.s, touch_delta, &t.sum, t.err, sizeof(t.err));
    ollama_stream_release(&t.s);
    return 0;
}
