/* ctxcache.c - context documents in a slotcache (see ctxcache.h): key the user, tag the
 * document's data_version. */
#include "llm-worker/engine/ctxcache.h"

#include "xmalloc.h"
#include "llm-worker/engine/slotcache.h"

#include <stdlib.h>

struct ctxcache {
    struct slotcache c;
};

struct ctxcache *ctxcache_new(size_t slots)
{
    struct ctxcache *x = xcalloc(1, sizeof(*x));

    slotcache_init(&x->c, slots);
    return x;
}

void ctxcache_free(struct ctxcache *x)
{
    if (!x)
        return;
    slotcache_release(&x->c);
    free(x);
}

json_t *ctxcache_get(struct ctxcache *x, const char *user_id, int64_t version)
{
    /* A kept document's version is never negative: an unknown one (-1) is a miss. */
    return slotcache_get(&x->c, user_id, version, 0);
}

void ctxcache_put(struct ctxcache *x, const char *user_id, json_t *doc)
{
    json_t *v = json_object_get(doc, "data_version");

    if (json_is_integer(v) && json_integer_value(v) >= 0)
        slotcache_put(&x->c, user_id, json_integer_value(v), 0, doc);
}

void ctxcache_counts(const struct ctxcache *x, int64_t *hits, int64_t *misses)
{
    *hits = x->c.hits;
    *misses = x->c.misses;
}
