/* chatbus.h - the gateway's side of Kafka: the idempotent producer of chat requests and
 * control messages, the consumer of this instance's reply partitions of finchat.chat.chunks
 * (feeding the stream hub and completing chat_requests rows in PostgreSQL), the replay
 * readers of streams the hub does not hold (replay.h), and the bookkeeping that picks a
 * reply partition for each new request.
 *
 * Threads: librdkafka's own; one poll thread serving delivery reports; one consumer thread
 * (decodes chunks, hands them to the hub, never waits on PostgreSQL); one bookkeeping thread
 * that applies the chat_requests updates the consumer queues (started/complete/error, in
 * order, with its own connection); up to REPLAY_MAX replay threads.
 * Producing functions are called from pool threads (@locality any thread) and block until
 * the broker acknowledged the message (acks=all) or the timeout passed, so a 202 is only
 * ever answered for a request that Kafka holds. */
#ifndef FINCHAT_CHATBUS_H
#define FINCHAT_CHATBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "chatmsg.h"
#include "config.h"
#include "api-gateway/chat/hub.h"

struct chatbus;

/* Connects to Kafka and starts the threads feeding @hub, which must outlive the chatbus.
 * NULL with the reason in @errbuf when a client or a thread cannot be made (nothing is left
 * behind). */
struct chatbus *chatbus_new(const struct fc_config *cfg, struct hub *hub, char *errbuf,
                            unsigned errlen);
/* Stops and joins every thread (replay readers first), flushes the producer, frees @b.
 * NULL is a no-op. */
void chatbus_free(struct chatbus *b);

/* Produces @r to finchat.chat.requests with @traceparent and the header context-version:
 * the user's data_version when @context_version >= 0, "none" (KAFKA_CONTEXT_NONE) when it is
 * CHATBUS_CONTEXT_NONE (the user has no context document), no header otherwise. Blocks up
 * to 10 s for the acknowledgement. 0, or FC_EDEP when Kafka did not take it.
 * Key = conversation id, so one conversation's questions stay in order on one partition;
 * except a request with @r->client_history (the OpenAI-compatible facade: it carries its
 * own history and stands alone), keyed by its request id and placed on the partition where
 * the fewest of this gateway's requests wait for a worker to start them (placement.h), so
 * one API key's concurrent calls spread over the partitions and workers instead of queueing
 * on the one of the user's "API" conversation. */
#define CHATBUS_CONTEXT_NONE (-2)
int chatbus_send_request(struct chatbus *b, const struct chat_request *r, const char *traceparent,
                         int64_t context_version);
/* Produces a cancel for @request_id to finchat.chat.control. Same blocking contract. */
int chatbus_send_cancel(struct chatbus *b, const char *request_id, const char *traceparent);
/* Queues the same cancel without waiting, for an event-loop thread: 0 when librdkafka took
 * it (a failed delivery is logged), FC_EDEP when its queue refused it. */
int chatbus_cancel_nowait(struct chatbus *b, const char *request_id);
/* Chooses the reply partition of a new request among this gateway's partitions and
 * returns it, with a lower bound of the offset its first chunk will get in *@offset: the
 * offset this gateway's consumer reads next on that partition (no broker round trip), or
 * the partition's high watermark before anything was read (-1 when Kafka could not tell).
 * FC_EDEP when the partitions are not known yet. */
int chatbus_reply_partition(struct chatbus *b, int32_t *partition, int64_t *offset);
/* True when this gateway knows its reply partitions (it can take questions) and a broker
 * answered within @timeout_ms (for /readyz). */
bool chatbus_ping(struct chatbus *b, int timeout_ms);

#endif
