/* slotcache.c - direct-mapped cache of tagged JSON values (see slotcache.h). */
#include "llm-worker/engine/slotcache.h"

#include "hash.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void slotcache_init(struct slotcache *c, size_t slots)
{
    memset(c, 0, sizeof(*c));
    c->n = slots ? slots : 1;
    c->slots = xcalloc(c->n, sizeof(*c->slots));
}

void slotcache_release(struct slotcache *c)
{
    for (size_t i = 0; i < c->n; i++)
        json_decref(c->slots[i].value);
    free(c->slots);
    c->slots = NULL;
    c->n = 0;
}

static struct slotcache_slot *slot_of(struct slotcache *c, const char *key)
{
    return &c->slots[hash_str(key, 0) % c->n];
}

json_t *slotcache_get(struct slotcache *c, const char *key, int64_t tag, uint64_t tag2)
{
    struct slotcache_slot *s = slot_of(c, key);

    if (s->value && s->tag == tag && s->tag2 == tag2 && strcmp(s->key, key) == 0) {
        c->hits++;
        return json_incref(s->value);
    }
    c->misses++;
    return NULL;
}

void slotcache_put(struct slotcache *c, const char *key, int64_t tag, uint64_t tag2, json_t *value)
{
    struct slotcache_slot *s;

    if (strlen(key) > SLOTCACHE_KEY_MAX)
        return;
    s = slot_of(c, key);
    if (!value) {
        if (strcmp(s->key, key) == 0) {
            json_decref(s->value);
            s->value = NULL;
            s->key[0] = '\0';
        }
        return;
    }
    json_incref(value);
    json_decref(s->value);
    s->value = value;
    s->tag = tag;
    s->tag2 = tag2;
    snprintf(s->key, sizeof(s->key), "%s", key);
}
