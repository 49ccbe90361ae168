/* delta_acc.h - test helper: accumulates provider deltas (text, counts, done). */
#ifndef FINCHAT_TEST_DELTA_ACC_H
#define FINCHAT_TEST_DELTA_ACC_H

#include "llm-worker/providers/provider_delta.h"

#include <string.h>

struct acc {
    char text[1024];
    size_t len;
    int calls, prompt, completion;
    bool done;
};

static int on_delta(void *ud, const struct provider_delta *d)
{
    struct acc *a = ud;

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
    return 0;
}

#endif
