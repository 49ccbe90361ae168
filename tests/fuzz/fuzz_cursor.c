/* fuzz_cursor.c - libFuzzer target for the page-cursor decoder (api-gateway/http/cursor.c).
 *
 * The first input byte picks the sort order (0..9), the rest is the cursor text. A cursor
 * the decoder accepts must encode back to a cursor that decodes to the same boundary. The
 * first bytes also serve as a key that must survive an encode/decode round trip. Built and
 * run by tests/fuzz/run.sh. */
#include "api-gateway/http/cursor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char uuid[] = "7c857b1d-f9a1-4cf0-aff6-8f6b587da66d";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor c, back;
    char *text, enc[CURSOR_MAX + 1];
    int64_t key = 0;
    int sort;

    if (size == 0)
        return 0;
    sort = data[0] % 10;
    text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (cursor_decode(text, sort, &c) == 0) {
        if (c.sort != sort || strlen(c.id) != 36)
            abort();
        cursor_encode(c.sort, c.key, c.id, enc, sizeof(enc));
        if (cursor_decode(enc, sort, &back) != 0 || back.key != c.key || strcmp(back.id, c.id))
            abort();
    }
    free(text);
    memcpy(&key, data, size < sizeof(key) ? size : sizeof(key));
    cursor_encode(sort, key, uuid, enc, sizeof(enc));
    if (cursor_decode(enc, sort, &c) != 0 || c.key != key || strcmp(c.id, uuid) != 0)
        abort();
    return 0;
}
