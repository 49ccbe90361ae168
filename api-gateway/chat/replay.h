/* replay.h - replay readers: a stream this gateway does not hold (produced for another
 * gateway, or evicted after it finished) read back from Kafka into the hub.
 *
 * replay_new() makes itself the hub's miss handler (hub_on_miss): for each miss, a thread
 * of its own consumes the request's reply partition of finchat.chat.chunks from the
 * recorded offset with a consumer assigned by hand (kafka_consumer_new) and publishes the
 * request's chunks, until the stream ended, nothing came for REPLAY_IDLE_MS, or
 * replay_free(). A stream it could not finish — no consumer, idle, stopped — ends with an
 * `error` event (code stream_unavailable), so no reader waits forever. At most @max threads
 * run at once. The threads are tracked: replay_free() stops and joins every one, so nothing
 * they use is freed under them. */
#ifndef FINCHAT_CHAT_REPLAY_H
#define FINCHAT_CHAT_REPLAY_H

#include <stdint.h>

#include "api-gateway/chat/hub.h"

#define REPLAY_MAX 64
#define REPLAY_IDLE_MS 120000

struct replay;

/* Replay readers feeding @h from the Kafka cluster at @brokers (copied), at most @max at
 * once, registered as @h's miss handler. @h must outlive them. */
struct replay *replay_new(struct hub *h, const char *brokers, int max);
/* Unregisters from the hub, stops every replay thread and waits for each to end (a stream
 * one was reading ends with an `error` event), then frees @rp. NULL is a no-op. */
void replay_free(struct replay *rp);
/* Starts the replay of @request_id from @partition at @offset (-1: the partition's
 * beginning). 0; FC_ERATE when @max threads run; FC_EIO when no thread could be started.
 * Waits on nothing but the exit of threads already done (reaped here): @locality any
 * thread, also with the hub lock held. */
int replay_start(struct replay *rp, const char *request_id, int32_t partition, int64_t offset);
/* Number of replay threads running. */
int replay_count(struct replay *rp);
/* Fault injection for tests: @hook, when set, runs first in each replay thread; a non-zero
 * return fails that thread's consumer creation as a refused configuration would. */
void replay_set_hook(struct replay *rp, int (*hook)(void *ud, const char *request_id), void *ud);

#endif
