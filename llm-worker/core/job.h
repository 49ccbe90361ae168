/* job.h - the job state machine: one chat request from its arrival on finchat.chat.requests
 * to its final or error chunk.
 *
 * A job is created by job_on_request() and goes JOB_BEGIN (the store threads decide the
 * attempt and load the context and history; task.h), JOB_GENERATING (the engine answers
 * and its sinks stream the text, producer.h), JOB_FINISHING (the outcome is stored, then
 * its last chunk is sent with a delivery token), and is freed once that chunk is produced:
 * its offset is done when the delivery reports come back (producer.h, inflight.h). A job
 * whose partition is revoked is marked dropped and ends silently.
 *
 * The start overlaps the provider: once the context and the history are in hand (at once
 * when the context is cached and the request carries its turns, as the facade's do), the
 * answer is handed to the engine while the attempt's claim (TASK_BEGIN, a MongoDB write) is
 * still out. Until the claim is back, what the engine's sinks report waits in order in
 * @early and nothing is produced: the claim decides the attempt number every chunk carries,
 * or that no answer is to be given at all (an earlier attempt's stored answer is sent again,
 * or the attempts are used up), and then the generation is aborted unseen. The time to first
 * token is then the longer of the claim and the provider's first token, not their sum. After
 * a claim that failed (MongoDB down), the retries claim first: a provider is not asked again
 * every RETRY_MS for an answer that cannot be stored.
 *
 * @locality engine thread: every function here, and every field of a job, belongs to it.
 * While a store task of a job is out (@tasks_out), the store thread reads @req only. */
#ifndef FINCHAT_JOB_H
#define FINCHAT_JOB_H

#include "chatmsg.h"
#include "kafka.h"
#include "log.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/engine/engine.h"
#include "llm-worker/engine/prompt.h"

#include <stdbool.h>
#include <stdint.h>

struct task;
struct worker;

enum job_state {
    JOB_BEGIN,      /* its start is with the store thread, or waiting to be retried */
    JOB_GENERATING, /* the engine is answering */
    JOB_FINISHING,  /* its outcome is being stored, then sent */
};

struct job {
    struct job *prev, *next;
    struct worker *w;
    struct chat_request req;
    char *raw; /* the request message as received (NUL-terminated copy) */
    int32_t partition;
    int64_t offset;
    uint64_t epoch;
    enum job_state state;
    int64_t retry_at_ms;     /* mono; when a store step is retried, 0 for none */
    struct task *retry_task; /* the store task to submit again at retry_at_ms, if any */
    int tasks_out;           /* store tasks of this job with the store threads */
    /* JOB_BEGIN: the start's three store tasks; those back first wait here for the rest */
    struct task *begin_t, *ctx_t, *hist_t;
    bool cancel_requested; /* a cancel came while the start was with the store thread */
    bool started;          /* the answer was handed to the engine (job_start_answer()) */
    bool claimed;          /* the claim's plan was applied: chunks may be produced */
    bool claim_first;      /* a claim failed: the next start waits for its claim */
    struct early *early;   /* what the sinks reported before the claim came back, in order */
    struct early **early_tail;
    int64_t give_up_ms; /* mono */
    int attempt;
    int64_t n; /* next chunk index within the attempt */
    bool redelivered;
    bool dropped; /* partition revoked: finish silently */
    char traceparent[64];
    char trace_id[33];
    int64_t context_version; /* header context-version: the user's data_version, -1 none */
    bool context_none;       /* header context-version "none": the user has no document */
    struct gen *gen;
    json_t *context;
    json_t *history;     /* the turns read for the prompt, recorded again with the answer */
    bool history_shared; /* another answer of the conversation ran meanwhile: re-read */
    struct prompt prompt;
    bool have_prompt;
    struct strbuf text;   /* the attempt's answer so far (what is stored) */
    struct strbuf unsent; /* the tail of @text not yet produced: see producer_hold() */
    bool text_sent;       /* a token chunk of this attempt went out */
    int64_t flush_at_ms;  /* mono: when the held text is due (0: nothing held) */
    char carry[4];
    size_t ncarry;
    char *provider, *model;
    int64_t t0_ms, ttft_ms, done_ms;
    int64_t t0_ns;  /* clock_mono_ns() when consumed */
    int64_t gen_ns; /* clock_mono_ns() when handed to the engine; 0 once its first text came */
    struct gen_usage usage;
    char *errmsg;
    /* The tool calls of the attempt since the last reset, with their results:
     * [{id,name,args,status,ms,label,round,result}] (SPEC §14), and the answer's checks. */
    json_t *tools;
    json_t *checks;
};

/* Takes request @m off finchat.chat.requests: decodes it (an undecodable one goes to the DLQ,
 * dlq.h), tracks its offset and starts its job. */
void job_on_request(struct worker *w, const rd_kafka_message_t *m);
/* The same for a request this worker handed over and Kafka would not take (handoff.h): @m is
 * the copy's delivery report, whose payload and headers are the request's; @partition and
 * @offset are where it was read, already tracked under @epoch. (It decoded when it was
 * handed over, so it does not go to the DLQ here.) */
void job_on_returned(struct worker *w, const rd_kafka_message_t *m, int32_t partition,
                     int64_t offset, uint64_t epoch);
/* The job answering @request_id (not a dropped one), or NULL. */
struct job *job_find(struct worker *w, const char *request_id);
/* Cancels @j: stops its generation, or ends it before it started. */
void job_cancel(struct job *j);
/* Continues the jobs whose store tasks finished (storeq_take()). */
void job_take_tasks(struct worker *w);
/* Submits again the store steps whose retry time came; returns ms until the next is due
 * (at most POLL_MAX_MS). */
int job_retry_due(struct worker *w);
/* Drops the jobs of revoked @partition: they end silently, their offsets uncommitted. */
void job_drop_partition(struct worker *w, int32_t partition);
/* Unlinks and frees @j with what it owns. */
void job_free(struct job *j);
/* Logs @fmt for @j with its request id, trace id, partition, offset and attempt. */
__attribute__((format(printf, 3, 4))) void job_log(enum log_level lvl, const struct job *j,
                                                   const char *fmt, ...);

#endif
