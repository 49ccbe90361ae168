/* delta_acc.h - test helper: accumulates provider deltas (text, counts, done, tool calls). */
#ifndef FINCHAT_TEST_DELTA_ACC_H
#define FINCHAT_TEST_DELTA_ACC_H

#include "llm-worker/providers/provider_delta.h"

#include <stdio.h>
#include <string.h>

#define ACC_TOOLS 4

/* The pieces of one tool call, joined. */
struct acc_tool {
    char id[64], name[64], args[512];
    int pieces;
};

struct acc {
    char text[1024];
    size_t len;
    int calls, prompt, completion;
    bool done;
    struct acc_tool tools[ACC_TOOLS]; /* by tool_index */
    int tool_pieces;                  /* deltas with tool_index >= 0 */
    int bad_index;                    /* deltas with a tool_index >= ACC_TOOLS */
    char log[256];                    /* one letter per delta: t text, 0-3 tool, d done, u usage */
};

static void acc_cat(char *dst, size_t cap, const char *s, size_t n)
{
    size_t have = strlen(dst);

    if (s && have + n < cap) {
        memcpy(dst + have, s, n);
        dst[have + n] = '\0';
    }
}

static int on_delta(void *ud, const struct provider_delta *d)
{
    struct acc *a = ud;
    char mark = d->done ? 'd' : d->len ? 't' : 'u';

    if (d->len && a->len + d->len < sizeof(a->text)) {
        memcpy(a->text + a->len, d->text, d->len);
        a->len += d->len;
        a->text[a->len] = '\0';
    }
    if (d->prompt_tokens >= 0)
        a->prompt = d->prompt_tokens;
    if (d->completion_tokens >= 0)
        a->completion = d->completion_tokens;
    a->done |= d->done;
    a->calls++;
    if (d->tool_index >= 0) {
        a->tool_pieces++;
        if (d->tool_index >= ACC_TOOLS) {
            a->bad_index++;
        } else {
            struct acc_tool *t = &a->tools[d->tool_index];

            acc_cat(t->id, sizeof(t->id), d->tool_id, d->tool_id_len);
            acc_cat(t->name, sizeof(t->name), d->tool_name, d->tool_name_len);
            acc_cat(t->args, sizeof(t->args), d->tool_args, d->tool_args_len);
            t->pieces++;
            mark = (char)('0' + d->tool_index);
        }
    }
    acc_cat(a->log, sizeof(a->log), &mark, 1);
    return 0;
}

#endif
