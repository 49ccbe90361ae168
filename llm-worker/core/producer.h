/* producer.h - the worker's Kafka producer: a job's chunks on its reply partition of
 * finchat.chat.chunks, with token batching, and the delivery tokens that mark a request's
 * offset done once its last messages are delivered.
 *
 * Token batching: the provider's text is not produced token by token as the parser finds
 * it. The engine sinks hand it to producer_hold(), and producer_flush_due(), called after
 * every engine_step(), produces what is due as one token chunk. An attempt's first text is
 * due at once (the time to first token gets no added delay); later text waits up to
 * FINCHAT_TOKEN_FLUSH_MS (default 50 ms, a 20 Hz refresh no reader notices) or until 8 KiB
 * are held. At a hosted model's 40-100 tokens/s that is 2-5 tokens per chunk, and every
 * stage after the parser (Kafka messages, broker requests, the gateway's consumer, SSE
 * writes) does that many times less work; a burst of hundreds of tokens in one read becomes
 * one chunk. Any other chunk of the job flushes first, so the order the client sees never
 * changes.
 *
 * Delivery: final, error and DLQ messages carry a ctoken. Its delivery report (served by
 * rd_kafka_poll() on the engine thread) re-sends a failed message up to PRODUCE_RETRIES
 * times, then drops a reference; when the last is gone the offset is done (inflight.h).
 *
 * @locality engine thread, every function. */
#ifndef FINCHAT_PRODUCER_H
#define FINCHAT_PRODUCER_H

#include "chatmsg.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct job;
struct worker;

/* The delivery of a request's last messages: its offset is done once @refs reach 0. */
struct ctoken {
    int32_t partition;
    int64_t offset;
    uint64_t epoch;
    int refs;
    int retries;
    bool handoff; /* a request handed over to another partition (handoff.h) */
};

/* Creates @w->producer (idempotent, acks=all) with the delivery report callback. 0, or
 * FC_EDEP with @errbuf filled. */
int producer_open(struct worker *w, char *errbuf, unsigned errlen);

/* A delivery token for @j's offset, expecting @refs delivery reports. */
struct ctoken *producer_token_new(const struct job *j, int refs);
/* Drops a reference of @t, for a message that will not report back (it could not be
 * produced); at zero the offset is done and @t freed. */
void producer_token_unref(struct worker *w, struct ctoken *t);

/* Produces with the standard headers, waiting for room when the local queue is full; @tok
 * (may be NULL) rides to the delivery report. 0 or a negative FC_E* code. */
int producer_send(struct worker *w, const char *topic, int32_t partition, const char *key,
                  const char *payload, const char *schema, const char *traceparent,
                  const char *request_id, struct ctoken *tok);
/* Sends chunk @type with @data (stolen) for @j, after the text it holds; @tok (may be NULL)
 * rides to the delivery report. 0 or a negative FC_E* code. */
int producer_chunk(struct job *j, enum chunk_type type, json_t *data, struct ctoken *tok);
/* Sends a reset chunk for @j's current attempt, with @reason. */
void producer_reset(struct job *j, const char *reason);
/* Sends @j's start chunk (worker, provider, model). */
void producer_start(struct job *j);
/* Sends @len bytes of @s (repaired to valid UTF-8) as token chunks at once, in pieces that
 * respect the schema's token length limit. */
void producer_text(struct job *j, const char *s, size_t len);

/* Holds @clean (valid UTF-8) for @j's next token chunk. */
void producer_hold(struct job *j, const char *clean);
/* Sends the text @j holds now. */
void producer_flush_job(struct job *j);
/* Produces the held text that is due; returns when the next is due (mono ms; now +
 * POLL_MAX_MS when none is held). Text is only held by engine callbacks, so one call after
 * each engine_step() sees all of it. */
int64_t producer_flush_due(struct worker *w);

#endif
