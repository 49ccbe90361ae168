/* handoff.h - what a full worker does with the requests it reads: it hands over to another
 * worker what that worker could start, and keeps the rest in order until it has room.
 *
 * Kafka gives each partition of finchat.chat.requests to one worker. A worker at
 * FINCHAT_WORKER_MAX_INFLIGHT starts no more answers, so whatever waits on its partitions
 * used to wait for it (the partitions were paused), while another worker may have had room.
 * Now a full worker goes on reading, and of each request it reads:
 *
 *  - one that stands alone (it carries the client's own turns: the OpenAI-compatible facade,
 *    keyed by request id, with no order to keep) and was not handed over before is produced
 *    again, whole, with its headers and `handed-over-by: <worker>`, to a partition this worker
 *    does not own (each in turn). Its own offset is done once Kafka acknowledges the copy, so
 *    a crash before that reads it again: at least once, as everywhere (the claim in MongoDB
 *    tells a second delivery). A copy Kafka refuses for good is answered here after all, over
 *    the limit: nothing is lost;
 *  - any other (a conversation's question, whose order matters, or one handed over once
 *    already: no request travels twice) is parked, and its partition paused, so nothing after
 *    it on that partition is started before it. Requests read from a partition that has
 *    parked ones are parked behind them.
 *
 * Once the worker has room, parked requests start in the order they were read, and a
 * partition resumes when none of its requests is parked any more. A worker that owns every
 * partition (or does not know how many there are) has nobody to hand over to and parks.
 * Parked requests are not tracked in inflight.h, and their partition reads nothing after
 * them, so the committed offset stays below them; a revoke or a stop drops them uncommitted
 * and the partition's next owner reads them again.
 *
 * @locality engine thread (group_poll(), the delivery reports of rd_kafka_poll()). */
#ifndef FINCHAT_HANDOFF_H
#define FINCHAT_HANDOFF_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

struct worker;
struct ctoken;

struct handoff;

struct handoff *handoff_new(void);
/* Frees @h and the requests parked in it (uncommitted). NULL is a no-op. */
void handoff_free(struct handoff *h);

enum handoff_outcome {
    HANDOFF_START, /* there is room: the caller starts it (job_on_request()) */
    HANDOFF_DONE,  /* handed over (or started here when that failed at once): destroy it */
    HANDOFF_KEPT,  /* parked: the message now belongs to the handoff */
};

/* Decides what becomes of request @m, just read by full or not. */
enum handoff_outcome handoff_take(struct worker *w, rd_kafka_message_t *m);
/* Starts parked requests while there is room, in the order they were read, and resumes
 * each partition none of whose requests is parked any more. Cheap when none is. */
void handoff_release(struct worker *w);
/* Drops the requests parked from revoked @partition, uncommitted. */
void handoff_drop_partition(struct worker *w, int32_t partition);
/* The final delivery report of a handed-over copy that Kafka did not take (@m, its payload and
 * headers the request's; @t its token): the request is answered here, unless its partition
 * was revoked meanwhile. Frees @t. */
void handoff_returned(struct worker *w, const rd_kafka_message_t *m, struct ctoken *t);
/* Requests handed over and parked so far. */
void handoff_counts(const struct handoff *h, int64_t *handed_over, int64_t *parked);

#endif
