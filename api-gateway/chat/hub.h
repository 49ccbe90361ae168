/* hub.h - the stream hub: every chat answer this gateway is serving, as an ordered log of
 * SSE events, and the connections reading them.
 *
 * Writers are the Kafka chunk consumer thread and replay readers (@locality any thread):
 * hub_publish() appends a chunk once — duplicates and chunks of superseded attempts are
 * dropped by seq (seq only grows, see chatmsg.h) — and wakes the event-loop threads whose
 * connections read that stream. Readers are subscriptions owned by one event-loop thread
 * (@locality loop thread); they copy new events out under the hub lock and write them
 * after releasing it, so no lock is held across I/O. A slow reader costs one bounded batch
 * (HUB_BATCH_MAX) beyond the shared log; the log itself is capped per stream.
 *
 * A stream is created when this gateway accepts a chat message (live), or when a client
 * asks for a stream this gateway does not hold — an answer produced for another gateway, or
 * one evicted after it finished — in which case a replay reader consumes the request's
 * reply partition from its recorded offset. Finished streams stay for HUB_KEEP_MS, then go. */
#ifndef FINCHAT_HUB_H
#define FINCHAT_HUB_H

#include <stdbool.h>
#include <stdint.h>

#include "chatmsg.h"
#include "config.h"

#define HUB_BATCH_MAX (64 * 1024)
#define HUB_MAX_EVENTS 20000
#define HUB_KEEP_MS (10 * 60 * 1000)

struct hub;

/* What a stream handler (pool thread) tells the server after checking ownership. */
struct hub_stream_req {
    char request_id[40];
    int32_t partition;    /* reply partition recorded for the request */
    int64_t first_offset; /* a lower bound of the request's first chunk offset, -1 unknown */
    int64_t after_seq;    /* resume after this event id; -1 = from the start */
    int mode;             /* HUB_MODE_* */
    char model[64];       /* for HUB_MODE_OPENAI_*: the model name to echo */
    int64_t created_s;
};

enum { HUB_MODE_SSE, HUB_MODE_OPENAI_SSE, HUB_MODE_OPENAI_JSON };

struct hub *hub_new(const struct fc_config *cfg, int max_replays);
void hub_free(struct hub *h);

/* Creates the live stream of a request this gateway just accepted (idempotent). */
void hub_open(struct hub *h, const char *request_id);
/* Appends a decoded chunk; wakes readers. Returns true if it was new. */
bool hub_publish(struct hub *h, const struct chat_chunk *c);
/* Drops finished streams without readers older than HUB_KEEP_MS. */
void hub_sweep(struct hub *h, int64_t now_ms);
/* Number of streams held (for /status). */
int hub_size(struct hub *h);
/* Sets what is called (on a loop thread, so it must not block) when a reader in an OpenAI
 * mode goes before its stream ended: the client closed the connection, and that endpoint
 * has no resume. Call before serving. */
void hub_on_abandon(struct hub *h, void (*cb)(void *ud, const char *request_id), void *ud);

/* ---- Event-loop side (@locality the loop thread of @t) ---- */
#ifdef FINCHAT_HUB_WITH_H2O
#include <h2o.h>

struct hub_thread;

/* Registers the loop of @ctx with the hub (once per event-loop thread, before serving). */
struct hub_thread *hub_thread_attach(struct hub *h, h2o_context_t *ctx);
/* Serves @req from the stream named in @sr: starts the response (SSE or OpenAI format) and
 * writes events as they arrive; the request ends after `final`/`error`. Takes a replay slot
 * when the stream is not held here. 0; HUB_NOTHING_LEFT when an SSE reader resumes after the
 * last event of a stream held here that has ended (the caller answers 204, which tells an
 * EventSource to stop reconnecting; nothing was sent); or FC_ERATE when no replay slot is
 * free (the caller answers 503; nothing was sent). The caller has already added its headers
 * to @req. */
#define HUB_NOTHING_LEFT 1
int hub_subscribe(struct hub_thread *t, h2o_req_t *req, const struct hub_stream_req *sr);
/* Number of connections reading streams on this thread. */
int hub_thread_readers(struct hub_thread *t);
#endif

#endif
