/* ctxcache.h - the worker's cache of context documents, keyed by user and data version.
 *
 * A user's `contexts` document is the largest read of an answer's start (FerretDB took
 * 5.4 ms p50 for the demo user's 15 KB document against 0.9 ms for a small one), and a user
 * asks several questions in a row while their data stays the same. The gateway stamps each
 * document with the users.data_version it was built from (`data_version`), and sends the
 * user's current data_version with every request (Kafka header `context-version`). A cached
 * document is used only for a request naming exactly its version, so the worker answers from
 * the same document MongoDB holds for that version, and any committed finance write (which
 * bumps the version) makes the next request read MongoDB again. Documents without an integer
 * `data_version` are never cached.
 *
 * Direct-mapped and bounded (slotcache.h): a user's slot is chosen by hash, a newer entry
 * replaces what the slot held, so memory is at most @slots documents. Not thread-safe: the worker's
 * engine thread owns it (@locality engine thread). */
#ifndef FINCHAT_CTXCACHE_H
#define FINCHAT_CTXCACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct ctxcache;

struct ctxcache *ctxcache_new(size_t slots);
void ctxcache_free(struct ctxcache *c);

/* Returns a new reference to @user_id's document at @version, or NULL (a miss: absent,
 * another version, or @version < 0). Counts the hit or miss. */
json_t *ctxcache_get(struct ctxcache *c, const char *user_id, int64_t version);
/* Keeps @doc (a new reference is taken) for @user_id at the version the document names in
 * its `data_version` member; a document without one is not kept. */
void ctxcache_put(struct ctxcache *c, const char *user_id, json_t *doc);
/* Hits and misses of ctxcache_get() so far. */
void ctxcache_counts(const struct ctxcache *c, int64_t *hits, int64_t *misses);

#endif
