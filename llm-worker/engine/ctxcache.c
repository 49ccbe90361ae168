/* ctxcache.c - direct-mapped cache of context documents (see ctxcache.h). */
#include "llm-worker/engine/ctxcache.h"

#include "hash.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    char user_id[40]; /* "" when empty */
    int64_t version;
    json_t *doc;
};

struct ctxcache {
    struct slot *slots;
    size_t n;
    int64_t hits, misses;
};

struct ctxcache *ctxcache_new(size_t slots)
{
    struct ctxcache *c = xcalloc(1, sizeof(*c));

    c->n = slots ? slots : 1;
    c->slots = xcalloc(c->n, sizeof(*c->slots));
    return c;
}

void ctxcache_free(struct ctxcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        json_decref(c->slots[i].doc);
    free(c->slots);
    free(c);
}

static struct slot *slot_of(struct ctxcache *c, const char *user_id)
{
    return &c->slots[hash_str(user_id, 0) % c->n];
}

json_t *ctxcache_get(struct ctxcache *c, const char *user_id, int64_t version)
{
    struct slot *s = slot_of(c, user_id);

    if (version >= 0 && s->doc && s->version == version && strcmp(s->user_id, user_id) == 0) {
        c->hits++;
        return json_incref(s->doc);
    }
    c->misses++;
    return NULL;
}

void ctxcache_put(struct ctxcache *c, const char *user_id, json_t *doc)
{
    json_t *v = json_object_get(doc, "data_version");
    struct slot *s;

    if (!json_is_integer(v) || json_integer_value(v) < 0 || strlen(user_id) >= sizeof(s->user_id))
        return;
    s = slot_of(c, user_id);
    json_incref(doc);
    json_decref(s->doc);
    s->doc = doc;
    s->version = json_integer_value(v);
    snprintf(s->user_id, sizeof(s->user_id), "%s", user_id);
}

void ctxcache_counts(const struct ctxcache *c, int64_t *hits, int64_t *misses)
{
    *hits = c->hits;
    *misses = c->misses;
}
