/* histcache.h - the worker's cache of conversation histories it recorded itself.
 *
 * A question of a web chat needs its conversation's recent turns for the prompt: a read of
 * the `histories` document (store_load_history()), on the path to the first token. The turns
 * a worker reads for a question are those it wrote itself after the conversation's previous
 * answer whenever it answered that one too -- and it did, as long as it kept the
 * conversation's partition of finchat.chat.requests (a conversation's questions are keyed to
 * one partition, and a partition has one consumer). So after recording a turn the worker
 * keeps the document's turns, as a read would return them, with the partition and that
 * partition's assignment epoch (inflight.h); a question of the same conversation on the same
 * partition in the same epoch takes them from here. A partition that was revoked and given
 * back has a new epoch, so what another worker may have written since is read again.
 * Answers of one conversation that ran side by side, or whose turn could not be recorded,
 * forget the entry (the next question reads).
 *
 * Direct-mapped and bounded (slotcache.h, as ctxcache.h): at most @slots entries of at most
 * STORE_HISTORY_KEEP turns each. Not thread-safe: @locality engine thread. */
#ifndef FINCHAT_HISTCACHE_H
#define FINCHAT_HISTCACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct histcache;

struct histcache *histcache_new(size_t slots);
void histcache_free(struct histcache *c);

/* A new reference to the turns last recorded for @conversation_id while it was on
 * @partition in assignment @epoch, or NULL. */
json_t *histcache_get(struct histcache *c, const char *conversation_id, int32_t partition,
                      uint64_t epoch);
/* Remembers @items (a reference is taken) as @conversation_id's turns, recorded on
 * @partition in @epoch; NULL @items forgets what is remembered for it. */
void histcache_put(struct histcache *c, const char *conversation_id, int32_t partition,
                   uint64_t epoch, json_t *items);
/* Lookups answered from the cache, and the others. */
void histcache_counts(const struct histcache *c, int64_t *hits, int64_t *misses);

#endif
