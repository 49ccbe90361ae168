/* fuzz_jsonlimit.c - libFuzzer target for the JSON depth guard (api-gateway/http/jsonlimit.c).
 *
 * The first input byte picks the limit (0..63), the rest is a request body. Wherever jansson
 * parses the body, the guard must agree with the depth of what jansson built: it passes the
 * body exactly when its nesting is within the limit. Built and run by tests/fuzz/run.sh. */
#include "api-gateway/http/jsonlimit.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Nesting depth of @v: 0 for a scalar, 1 for an empty array or object. */
static int depth_of(json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;
    int max = 0, d;

    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            d = depth_of(item);
            max = d > max ? d : max;
        }
        return max + 1;
    }
    if (json_is_object(v)) {
        json_object_foreach(v, key, item)
        {
            d = depth_of(item);
            max = d > max ? d : max;
        }
        return max + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data + 1;
    json_t *v;
    bool ok;
    int limit;

    if (size == 0)
        return 0;
    limit = data[0] % 64;
    ok = json_depth_ok(body, size - 1, limit);
    v = json_loadb(body, size - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v && ok != (depth_of(v) <= limit))
        abort();
    json_decref(v);
    return 0;
}
