/* slotcache.h - a direct-mapped, bounded cache of JSON values, the mechanism of the worker's
 * context cache (ctxcache.h) and history cache (histcache.h).
 *
 * Each value is kept under a key (an id, at most SLOTCACHE_KEY_MAX bytes; a longer one is
 * not kept) and a tag of two integers that says which version of it the value is: a lookup
 * returns it only for exactly its key and tag. A key's slot is chosen by hash and a newer
 * entry takes the slot over, so memory is at most @slots values. Counts its hits and misses.
 * Embedded by its users (struct slotcache is theirs to hold). Not thread-safe. */
#ifndef FINCHAT_SLOTCACHE_H
#define FINCHAT_SLOTCACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SLOTCACHE_KEY_MAX 39

struct slotcache_slot {
    char key[SLOTCACHE_KEY_MAX + 1]; /* "" when empty */
    int64_t tag;
    uint64_t tag2;
    json_t *value;
};

struct slotcache {
    struct slotcache_slot *slots;
    size_t n;
    int64_t hits, misses;
};

/* Sets @c up with @slots slots (at least one). */
void slotcache_init(struct slotcache *c, size_t slots);
/* Drops every value and the slots. */
void slotcache_release(struct slotcache *c);
/* A new reference to the value under @key and the tag (@tag, @tag2), or NULL (counted as a
 * miss). */
json_t *slotcache_get(struct slotcache *c, const char *key, int64_t tag, uint64_t tag2);
/* Keeps @value (a reference is taken) under @key and the tag; a NULL @value forgets what
 * @key's slot holds for @key. */
void slotcache_put(struct slotcache *c, const char *key, int64_t tag, uint64_t tag2, json_t *value);

#endif
