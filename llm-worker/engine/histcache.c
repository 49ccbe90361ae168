/* histcache.c - direct-mapped cache of recorded conversation histories (see histcache.h). */
#include "llm-worker/engine/histcache.h"

#include "hash.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    char conversation_id[40]; /* "" when empty */
    int32_t partition;
    uint64_t epoch;
    json_t *items;
};

struct histcache {
    struct slot *slots;
    size_t n;
    int64_t hits, misses;
};

struct histcache *histcache_new(size_t slots)
{
    struct histcache *c = xcalloc(1, sizeof(*c));

    c->n = slots ? slots : 1;
    c->slots = xcalloc(c->n, sizeof(*c->slots));
    return c;
}

void histcache_free(struct histcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        json_decref(c->slots[i].items);
    free(c->slots);
    free(c);
}

static struct slot *slot_of(struct histcache *c, const char *conversation_id)
{
    return &c->slots[hash_str(conversation_id, 0) % c->n];
}

json_t *histcache_get(struct histcache *c, const char *conversation_id, int32_t partition,
                      uint64_t epoch)
{
    struct slot *s = slot_of(c, conversation_id);

    if (s->items && s->partition == partition && s->epoch == epoch &&
        strcmp(s->conversation_id, conversation_id) == 0) {
        c->hits++;
        return json_incref(s->items);
    }
    c->misses++;
    return NULL;
}

void histcache_put(struct histcache *c, const char *conversation_id, int32_t partition,
                   uint64_t epoch, json_t *items)
{
    struct slot *s = slot_of(c, conversation_id);

    if (!items) {
        if (strcmp(s->conversation_id, conversation_id) == 0) {
            json_decref(s->items);
            s->items = NULL;
            s->conversation_id[0] = '\0';
        }
        return;
    }
    if (!json_is_array(items) || strlen(conversation_id) >= sizeof(s->conversation_id))
        return;
    json_incref(items);
    json_decref(s->items);
    s->items = items;
    s->partition = partition;
    s->epoch = epoch;
    snprintf(s->conversation_id, sizeof(s->conversation_id), "%s", conversation_id);
}

void histcache_counts(const struct histcache *c, int64_t *hits, int64_t *misses)
{
    *hits = c->hits;
    *misses = c->misses;
}
