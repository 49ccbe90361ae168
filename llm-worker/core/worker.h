/* worker.h - the chat worker: consumes finchat.chat.requests in the consumer group
 * finchat-workers, answers each request through the engine, streams chunks to the request's
 * reply partition of finchat.chat.chunks, stores the answer in MongoDB, and commits a
 * request's offset only once its final or error chunk was delivered (SPEC §6, §7).
 *
 * Delivery: at least once. Offsets are committed per partition at the lowest unfinished
 * offset (inflight.h); work of a revoked partition is dropped uncommitted, and the worker
 * that gets it next finds the attempt number in the stored message, sends a `reset` and
 * answers again with the next attempt. After FINCHAT_MAX_ATTEMPTS the request ends with an
 * `error` chunk and goes to finchat.chat.dlq. Undecodable requests go to the DLQ at once.
 * Cancels come from finchat.chat.control, which every worker reads from its end.
 *
 * Threads: worker_run() turns the calling thread into the engine thread, which does all of
 * the work: engine_step() waits on the curl handles and on one pipe that the three Kafka
 * queues (requests consumer, control consumer, producer delivery reports) signal; every
 * callback (engine sinks, rebalance, delivery reports) runs on it. librdkafka and the
 * MongoDB driver keep threads of their own; the status thread pings Kafka and MongoDB.
 *
 * The core's modules: worker.c sets up and runs the loop; job.c is the job state machine,
 * task.c its MongoDB steps on the store threads; producer.c sends chunks (token batching,
 * delivery tokens), dlq.c the DLQ entries and poison requests; group.c is the consumer
 * group (rebalance, commits, flow control) and inflight.c its offsets; cancel.c reads the
 * control topic; status.c and healthsrv.c report status. worker_int.h holds their state. */
#ifndef FINCHAT_WORKER_H
#define FINCHAT_WORKER_H

#include "config.h"

#define WORKER_GROUP "finchat-workers"

struct worker;

/* Connects to Kafka and MongoDB and creates the engine; NULL with @errbuf filled on failure.
 * @cfg must outlive the worker. */
struct worker *worker_new(const struct fc_config *cfg, char *errbuf, unsigned errlen);
/* Runs until sig_stop_requested(), then drains: stops consuming, lets in-flight answers
 * finish (at most FINCHAT_WORKER_DRAIN_MS), commits and leaves the group. 0, or a negative FC_E*
 * code when Kafka failed fatally: when one of its clients reports a fatal error
 * (rd_kafka_fatal_error()) it stops at once without draining, commits what is done and
 * returns FC_EDEP; the answers in flight are redelivered to another worker.
 * @locality the engine thread (the caller). */
int worker_run(struct worker *w);
/* Frees @w; NULL is a no-op. */
void worker_free(struct worker *w);

#endif
