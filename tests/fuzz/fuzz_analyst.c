/* fuzz_analyst.c - libFuzzer target for the offline analyst (llm-worker/analyst/analyst.c): the
 * question is user input from the network and the context document comes from the store.
 * The input is "question\0context-json"; every answer must be a non-empty string and its
 * tokens must cover it exactly. Built and run by tests/fuzz/run.sh. */
#include "llm-worker/analyst/analyst.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nul = memchr(data, '\0', size);
    size_t qlen = nul ? (size_t)(nul - (const char *)data) : size;
    char *q = malloc(qlen + 1);
    json_t *ctx = NULL;
    char *a;
    size_t pos = 0, len;

    memcpy(q, data, qlen);
    q[qlen] = '\0';
    if (nul)
        ctx = json_loadb(nul + 1, size - qlen - 1, 0, NULL);
    analyst_intent(q, ctx);
    a = analyst_answer(q, ctx);
    len = strlen(a);
    if (len == 0)
        abort();
    while (pos < len) {
        size_t n = analyst_token_len(a + pos, len - pos);

        if (n == 0 || n > len - pos)
            abort();
        pos += n;
    }
    free(a);
    free(q);
    json_decref(ctx);
    return 0;
}
