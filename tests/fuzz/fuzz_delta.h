/* fuzz_delta.h - shared by the stream-parser fuzz targets: a delta callback that touches
 * every byte of the text and tool-call pieces it is handed (so ASan sees any read past it)
 * and aborts on a tool index out of its range, and a feeder that
 * splits the input at the size its first byte picks (1..64, 0 = all at once). */
#ifndef FINCHAT_FUZZ_DELTA_H
#define FINCHAT_FUZZ_DELTA_H

#include "llm-worker/providers/provider_delta.h"

#include <stdint.h>
#include <stdlib.h>

static void touch(size_t *sum, const char *s, size_t len)
{
    if (len && !s)
        abort();
    for (size_t i = 0; i < len; i++)
        *sum += (unsigned char)s[i];
}

static int touch_delta(void *ud, const struct provider_delta *d)
{
    size_t *sum = ud;

    touch(sum, d->text, d->len);
    if (d->tool_index < -1 || d->tool_index > PROVIDER_TOOL_INDEX_MAX)
        abort();
    if (d->tool_index < 0 && (d->tool_id || d->tool_name || d->tool_args))
        abort();
    touch(sum, d->tool_id, d->tool_id_len);
    touch(sum, d->tool_name, d->tool_name_len);
    touch(sum, d->tool_args, d->tool_args_len);
    return 0;
}

/* Calls @feed on consecutive pieces of @data[1..]; stops at the first non-zero rc. */
static int feed_split(const uint8_t *data, size_t size, int (*feed)(void *, const char *, size_t),
                      void *st)
{
    size_t step;
    int rc = 0;

    if (size == 0)
        return 0;
    step = data[0] % 65;
    data++;
    size--;
    if (step == 0)
        step = size ? size : 1;
    for (size_t i = 0; i < size && rc == 0; i += step)
        rc = feed(st, (const char *)data + i, size - i < step ? size - i : step);
    return rc;
}

#endif
