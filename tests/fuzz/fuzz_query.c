/* fuzz_query.c - libFuzzer target for the query-string parser (api-gateway/http/query.c).
 *
 * The input is a query string. Every pair must be NUL-terminated, no longer than its
 * component, and at most 24 pairs may come back (API_MAX_QUERY); a component with no '%'
 * or '+' must decode to itself. Built and run by tests/fuzz/run.sh. */
#include "api-gateway/http/query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAIRS 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct query_kv kv[MAX_PAIRS];
    const char *q = (const char *)data;
    size_t total = 0;
    int n = query_parse(q, size, kv, MAX_PAIRS);

    if (n < 0 || n > MAX_PAIRS)
        abort();
    for (int i = 0; i < n; i++) {
        if (!kv[i].key || !kv[i].val)
            abort();
        total += strlen(kv[i].key) + strlen(kv[i].val);
    }
    /* Decoding never lengthens: each pair comes from at least as many bytes plus a '&'. */
    if (total > size)
        abort();
    query_release(kv, n);
    if (!memchr(q, '%', size) && !memchr(q, '+', size) && !memchr(q, '\0', size)) {
        char *d = query_decode(q, size);

        if (strlen(d) != size || memcmp(d, q, size) != 0)
            abort();
        free(d);
    }
    return 0;
}
