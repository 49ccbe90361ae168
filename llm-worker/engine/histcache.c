/* histcache.c - recorded conversation histories in a slotcache (see histcache.h): key the
 * conversation, tag its partition and that partition's assignment epoch. */
#include "llm-worker/engine/histcache.h"

#include "xmalloc.h"
#include "llm-worker/engine/slotcache.h"

#include <stdlib.h>

struct histcache {
    struct slotcache c;
};

struct histcache *histcache_new(size_t slots)
{
    struct histcache *h = xcalloc(1, sizeof(*h));

    slotcache_init(&h->c, slots);
    return h;
}

void histcache_free(struct histcache *h)
{
    if (!h)
        return;
    slotcache_release(&h->c);
    free(h);
}

json_t *histcache_get(struct histcache *h, const char *conversation_id, int32_t partition,
                      uint64_t epoch)
{
    return slotcache_get(&h->c, conversation_id, partition, epoch);
}

void histcache_put(struct histcache *h, const char *conversation_id, int32_t partition,
                   uint64_t epoch, json_t *items)
{
    if (!items || json_is_array(items))
        slotcache_put(&h->c, conversation_id, partition, epoch, items);
}

void histcache_counts(const struct histcache *h, int64_t *hits, int64_t *misses)
{
    *hits = h->c.hits;
    *misses = h->c.misses;
}
