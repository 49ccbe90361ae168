/* fuzz_analyst_step.c - libFuzzer target for the analyst's question reader and planner
 * (llm-worker/analyst/question.c, plan.c): the question is user input from the network, the
 * tool turns carry results the gateway wrote (and a model could shape), the context document
 * comes from the store. The input is "question\0turns-json\0context-json"; the first byte of
 * the question also picks the round. Every step must return calls with ids, names and object
 * arguments, or a non-empty answer. Built and run by tests/fuzz/run.sh. */
#include "llm-worker/analyst/analyst.h"
#include "llm-worker/analyst/question.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *nul1 = memchr(p, '\0', size), *nul2;
    size_t qlen = nul1 ? (size_t)(nul1 - p) : size;
    char *q = malloc(qlen + 1);
    json_t *turns = NULL, *ctx = NULL, *out, *calls, *c;
    struct analyst_question aq;
    size_t i;

    memcpy(q, p, qlen);
    q[qlen] = '\0';
    if (nul1) {
        nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
        turns = json_loadb(nul1 + 1, (size_t)((nul2 ? nul2 : end) - nul1 - 1), 0, NULL);
        if (nul2)
            ctx = json_loadb(nul2 + 1, (size_t)(end - nul2 - 1), 0, NULL);
    }
    analyst_question_read(q, ctx, 20793, &aq); /* 2026-12-06 */
    {
        struct analyst_input in = {q, ctx, turns, 20793, true, qlen ? 1 + (uint8_t)q[0] % 8 : 1, 8};

        out = analyst_step(&in);
    }
    if (!json_is_object(out))
        abort();
    calls = json_object_get(out, "calls");
    if (calls) {
        if (json_array_size(calls) == 0)
            abort();
        json_array_foreach(calls, i, c)
        {
            if (!json_is_string(json_object_get(c, "id")) ||
                !json_is_string(json_object_get(c, "name")) ||
                !json_is_object(json_object_get(c, "arguments")))
                abort();
        }
    } else if (!json_string_value(json_object_get(out, "answer")) ||
               !*json_string_value(json_object_get(out, "answer"))) {
        abort();
    }
    json_decref(out);
    json_decref(turns);
    json_decref(ctx);
    free(q);
    return 0;
}
