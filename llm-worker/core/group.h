/* group.h - the worker's place in the consumer group finchat-workers: the requests consumer,
 * its rebalances, flow control and offset commits.
 *
 * Offsets are committed per partition at the lowest unfinished offset (inflight.h), never
 * automatically. On a revoke, what is finished is committed first and the rest is dropped
 * uncommitted (job_drop_partition(), handoff_drop_partition()): the worker that gets the
 * partition next answers it again. Partitions assigned while the worker is draining start
 * paused. A full worker keeps reading: what it reads is handed over or parked (handoff.h).
 *
 * @locality engine thread: the rebalance and commit callbacks are served by
 * rd_kafka_consumer_poll() in group_poll(). */
#ifndef FINCHAT_GROUP_H
#define FINCHAT_GROUP_H

#include <stdbool.h>
#include <stdint.h>

struct worker;

/* Creates @w->consumer, a member of WORKER_GROUP with manual commits (not yet subscribed:
 * group_subscribe()). 0, or FC_EDEP with @errbuf filled. */
int group_open(struct worker *w, char *errbuf, unsigned errlen);
/* Subscribes to finchat.chat.requests. 0, or FC_EDEP with @errbuf filled. */
int group_subscribe(struct worker *w, char *errbuf, unsigned errlen);
/* Serves up to CONSUME_BATCH messages of the requests consumer: each starts a job, or while
 * the worker is full is handed over or parked (handoff_take()); none while it drains. */
void group_poll(struct worker *w);
/* Commits the partitions whose commit position moved; @sync waits for the broker. */
void group_commit(struct worker *w, bool sync);
/* Pauses fetching of every assigned partition (a drain). */
void group_pause_all(struct worker *w);
/* Pauses (@pause) or resumes fetching of one partition of finchat.chat.requests (handoff.h:
 * while requests of it are parked). */
void group_pause_partition(struct worker *w, int32_t partition, bool pause);

#endif
