/* inflight.h - per-partition tracker of consumed offsets still being answered, and of the
 * offset that is safe to commit.
 *
 * A worker answers many requests of one partition at once and they finish in any order, but
 * Kafka stores one committed offset per partition: everything below it counts as done. So
 * the commit position of a partition is its lowest unfinished offset, or one past the last
 * consumed offset when nothing is unfinished. When a partition is revoked its entries are
 * dropped; an epoch, new each time a partition starts being tracked, lets late completions
 * of dropped work be recognised and ignored.
 *
 * @locality engine thread: not thread-safe, no I/O. */
#ifndef FINCHAT_INFLIGHT_H
#define FINCHAT_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

struct inflight;

struct inflight_commit {
    int32_t partition;
    int64_t offset; /* the next offset to consume, as Kafka commits it */
};

struct inflight *inflight_new(void);
/* Frees @t; NULL is a no-op. */
void inflight_free(struct inflight *t);

/* Records that @offset of @partition is being worked on. Offsets of a partition must come
 * in increasing order (as a consumer sees them); FC_EINVAL otherwise. On success *@epoch
 * (may be NULL) receives the partition's current epoch, to pass to inflight_done(). */
int inflight_add(struct inflight *t, int32_t partition, int64_t offset, uint64_t *epoch);
/* Marks @offset of @partition finished. False when it is unknown: never added, already done,
 * or dropped since (its @epoch is stale). */
bool inflight_done(struct inflight *t, int32_t partition, int64_t offset, uint64_t epoch);
/* True when @partition is still tracked under @epoch (not revoked since). */
bool inflight_live(const struct inflight *t, int32_t partition, uint64_t epoch);
/* Forgets @partition (revoked): its unfinished offsets will not be committed by us. */
void inflight_drop(struct inflight *t, int32_t partition);

/* Fills @out (room for @max) with the partitions whose commit position moved past what was
 * last reported, and remembers the new positions as reported. Returns how many. */
int inflight_take_commits(struct inflight *t, struct inflight_commit *out, int max);
/* The commit position of @partition, or -1 when it is not tracked or nothing was consumed. */
int64_t inflight_position(const struct inflight *t, int32_t partition);
/* Unfinished offsets of @partition (-1 for all partitions). */
int inflight_pending(const struct inflight *t, int32_t partition);

#endif
