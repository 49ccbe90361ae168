/* hub.h - the stream hub: every chat answer this gateway is serving, as an ordered log of
 * SSE events, and the connections reading them.
 *
 * Writers are the Kafka chunk consumer thread and replay readers (@locality any thread):
 * hub_publish() appends a chunk once — duplicates and chunks of superseded attempts are
 * dropped by seq (seq only grows, see chatmsg.h) — and wakes the event-loop threads whose
 * connections read that stream. Readers are subscriptions owned by one event-loop thread
 * (@locality loop thread); they copy new events out under the hub lock and write them
 * after releasing it, so no lock is held across I/O. A slow reader costs one bounded batch
 * (HUB_BATCH_MAX) beyond the shared log; the log itself is capped per stream. A reader gets
 * finchat's SSE, or another API's format (struct hub_format, the OpenAI ones of facade.c).
 *
 * A stream is created when this gateway accepts a chat message (live), or when a client
 * asks for a stream this gateway does not hold — an answer produced for another gateway, or
 * one evicted after it finished — in which case the miss handler (hub_on_miss; replay.h
 * reads the request's reply partition back from Kafka) is asked to feed it. A stream nobody
 * can feed ends with an `error` event, so no reader waits forever. Finished streams stay for
 * HUB_KEEP_MS, then go. The hub holds no thread: free its writers before it. */
#ifndef FINCHAT_HUB_H
#define FINCHAT_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chatmsg.h"
#include "strbuf.h"

#define HUB_BATCH_MAX (64 * 1024)
#define HUB_MAX_EVENTS 20000
#define HUB_KEEP_MS (10 * 60 * 1000)

struct hub;

struct hub_format;

/* What a stream handler (pool thread) tells the server after checking ownership. */
struct hub_stream_req {
    char request_id[40];
    int32_t partition;    /* reply partition recorded for the request */
    int64_t first_offset; /* a lower bound of the request's first chunk offset, -1 unknown */
    int64_t after_seq;    /* resume after this event id; -1 = from the start */
    /* NULL for finchat's SSE; else the format of another API, which has no resume: its
     * reader leaving before the end abandons the answer (hub_on_abandon) */
    const struct hub_format *format;
    char model[64]; /* for a format: the model name to echo */
    int64_t created_s;
};

/* One event of a stream, as a format renders it. */
struct hub_event {
    int64_t seq;
    enum chunk_type type;
    const char *data; /* compact JSON */
    size_t data_len;
};

/* A response format other than finchat's SSE. Its functions run on the reader's loop
 * thread, render() with the hub lock held: none may block. */
struct hub_format {
    /* One application/json document sent once the stream ended (502 if it ended with an
     * error); otherwise an event stream (text/event-stream, with pings). */
    bool whole;
    /* The rendering state of a reader of @sr, freed with state_free() when it goes. */
    void *(*state_new)(const struct hub_stream_req *sr);
    void (*state_free)(void *st);
    /* Appends @ev rendered to @out, or only updates @st (a whole document is written at the
     * end). */
    void (*render)(void *st, const struct hub_event *ev, struct strbuf *out);
};

/* An empty hub. */
struct hub *hub_new(void);
/* Frees @h and every stream it holds; NULL is a no-op. Its writers (chatbus, replay) must
 * be freed first, and no loop thread may still serve a reader. */
void hub_free(struct hub *h);

/* Creates the live stream of a request this gateway just accepted (idempotent). */
void hub_open(struct hub *h, const char *request_id);
/* Appends a decoded chunk of a live stream; wakes readers. Returns true if it was new. A
 * stream fed by a replay reader takes its chunks from that reader only, in their order. */
bool hub_publish(struct hub *h, const struct chat_chunk *c);
/* Appends a chunk read by the replay reader of a stream (replay.h); as hub_publish(). */
bool hub_publish_replayed(struct hub *h, const struct chat_chunk *c);
/* Ends the stream of @request_id with an `error` event {code, message} after its last one,
 * unless it has ended or is not held; wakes its readers. True if it ended it. */
bool hub_fail(struct hub *h, const char *request_id, const char *code, const char *message);
/* True when the stream of @request_id has ended, or is not held (anymore). */
bool hub_ended(struct hub *h, const char *request_id);
/* Drops finished streams without readers older than HUB_KEEP_MS. */
void hub_sweep(struct hub *h, int64_t now_ms);
/* Number of streams held (for /status). */
int hub_size(struct hub *h);
/* Sets what is called (on a loop thread, so it must not block) when a reader in another
 * API's format goes before its stream ended: the client closed the connection, and that
 * format has no resume. Call before serving. */
void hub_on_abandon(struct hub *h, void (*cb)(void *ud, const char *request_id), void *ud);
/* Sets what is asked to feed a stream a reader wants and this hub does not hold: @start
 * returns 0 when it will publish the stream's chunks, FC_ERATE when it is too busy (the
 * reader is refused, nothing is created), any other negative code when it cannot (the
 * stream is created ended with an `error` event). It is called on a loop thread with the
 * hub lock held: it must neither block nor call the hub (what it starts may, once the lock
 * is released). NULL @start unsets it (every miss then ends with an `error` event). */
void hub_on_miss(struct hub *h, int (*start)(void *ud, const struct hub_stream_req *sr), void *ud);

/* ---- Event-loop side (@locality the loop thread of @t) ---- */
#ifdef FINCHAT_HUB_WITH_H2O
#include <h2o.h>

struct hub_thread;

/* Registers the loop of @ctx with the hub (once per event-loop thread, before serving). */
struct hub_thread *hub_thread_attach(struct hub *h, h2o_context_t *ctx);
/* Serves @req from the stream named in @sr: starts the response (finchat's SSE or
 * @sr->format) and writes events as they arrive; the request ends after `final`/`error`.
 * Asks the miss handler to feed the stream when it is not held here. 0; HUB_NOTHING_LEFT
 * when an SSE reader resumes after the last event of a stream held here that has ended (the
 * caller answers 204, which tells an EventSource to stop reconnecting; nothing was sent); or
 * FC_ERATE when the miss handler is too busy (the caller answers 503; nothing was sent).
 * The caller has already added its headers to @req. */
#define HUB_NOTHING_LEFT 1
int hub_subscribe(struct hub_thread *t, h2o_req_t *req, const struct hub_stream_req *sr);
/* Number of connections reading streams on this thread. */
int hub_thread_readers(struct hub_thread *t);
#endif

#endif
