/* worker.c - the chat worker core: Kafka in and out, offsets, redelivery, cancel, drain. */
#include "llm-worker/core/worker.h"

#include "chatmsg.h"
#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "mongo.h"
#include "sig.h"
#include "trace.h"
#include "utf8.h"
#include "xmalloc.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/core/healthsrv.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/engine/ctxcache.h"
#include "llm-worker/engine/engine.h"
#include "llm-worker/engine/prompt.h"
#include "llm-worker/engine/store.h"
#include "llm-worker/engine/storeq.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define POLL_MAX_MS 100        /* longest engine_step() wait: bounds signal and timer latency */
#define CONSUME_BATCH 64       /* messages taken from one queue per loop turn */
#define RETRY_MS 1000          /* MongoDB retry interval of a waiting job */
#define STORE_THREADS 4        /* MongoDB round trips in parallel (storeq.h) */
#define STORE_GIVE_UP_MS 30000 /* a final that cannot be stored this long ends in an error */
#define CANCEL_RING 1024       /* cancels remembered for requests not seen yet */
#define CANCEL_TTL_MS (10 * 60 * 1000)
#define PRODUCE_RETRIES 3 /* re-sends of a final/error/DLQ message whose delivery failed */
#define RAW_DLQ_MAX 16384 /* bytes of an undecodable message kept in its DLQ entry */
#define HEALTH_EVERY_MS 2000
#define STATUS_EVERY_MS 1000
#define NIL_UUID "00000000-0000-0000-0000-000000000000"
#define CONTEXT_CACHE_SLOTS 256 /* context documents kept (ctxcache.h): tens of MB at most */

enum job_state {
    JOB_BEGIN,      /* its start is with the store thread, or waiting to be retried */
    JOB_GENERATING, /* the engine is answering */
    JOB_FINISHING,  /* its outcome is being stored, then sent */
};

/* The delivery of a request's last messages: its offset is done once @refs reach 0. */
struct ctoken {
    int32_t partition;
    int64_t offset;
    uint64_t epoch;
    int refs;
    int retries;
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
    int64_t give_up_ms;    /* mono */
    int attempt;
    int64_t n; /* next chunk index within the attempt */
    bool redelivered;
    bool dropped; /* partition revoked: finish silently */
    char traceparent[64];
    char trace_id[33];
    int64_t context_version; /* header context-version: the user's data_version, -1 none */
    struct gen *gen;
    json_t *context;
    json_t *history;     /* the turns read for the prompt, recorded again with the answer */
    bool history_shared; /* another answer of the conversation ran meanwhile: re-read */
    struct prompt prompt;
    bool have_prompt;
    struct strbuf text;   /* the attempt's answer so far (what is stored) */
    struct strbuf unsent; /* the tail of @text not yet produced: see flush_tokens() */
    bool text_sent;       /* a token chunk of this attempt went out */
    int64_t flush_at_ms;  /* mono: when the held text is due (0: nothing held) */
    char carry[4];
    size_t ncarry;
    char *provider, *model;
    int64_t t0_ms, ttft_ms, done_ms;
    struct gen_usage usage;
    char *errmsg;
};

struct cancel_entry {
    char request_id[37];
    int64_t at_ms;
};

struct health {
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_bool kafka_ok, mongo_ok;
};

struct worker {
    const struct fc_config *cfg;
    char name[300]; /* host:pid */
    rd_kafka_t *consumer, *control, *producer;
    rd_kafka_queue_t *consumer_q, *control_q, *producer_q;
    int wake[2];
    bool control_assigned;
    int64_t control_retry_ms;
    int chunk_partitions; /* partitions of finchat.chat.chunks, -1 unknown */
    mongoc_client_pool_t *pool;
    char *db;
    struct storeq *storeq;
    struct engine *engine;
    struct inflight *inflight;
    struct ctxcache *ctxcache; /* @locality engine thread */
    struct job *jobs;          /* every job not yet freed */
    int njobs;
    int pending_tokens; /* ctokens awaiting delivery */
    bool paused, draining;
    struct cancel_entry cancels[CANCEL_RING];
    unsigned cancel_next;
    struct health health;
    long consumed, answered, failed, dlq;
    /* The latest status snapshot, made by the engine thread (the engine is not thread-safe)
     * and read by the health thread and the probe endpoint. */
    pthread_mutex_t status_lock;
    json_t *status;       /* @locks status_lock */
    int64_t status_at_ms; /* @locality engine thread */
    struct healthsrv *healthsrv;
};

struct task;
static void job_free(struct job *j);

/* ---- small helpers ------------------------------------------------------------------- */

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Logs @fmt for @j with its request id, trace id, partition, offset and attempt. */
__attribute__((format(printf, 3, 4))) static void jlog(enum log_level lvl, const struct job *j,
                                                       const char *fmt, ...)
{
    char extra[160], msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(extra, sizeof(extra), ",\"partition\":%d,\"offset\":%" PRId64 ",\"attempt\":%d",
             (int)j->partition, j->offset, j->attempt);
    log_emit(lvl, j->req.request_id, j->trace_id, extra, "%s", msg);
}

/* ---- producing ----------------------------------------------------------------------- */

static struct ctoken *ctoken_new(const struct job *j, int refs)
{
    struct ctoken *t = xcalloc(1, sizeof(*t));

    t->partition = j->partition;
    t->offset = j->offset;
    t->epoch = j->epoch;
    t->refs = refs;
    j->w->pending_tokens++;
    return t;
}

/* Produces with the standard headers, waiting for room when the local queue is full.
 * 0 or a negative FC_E* code. */
static int produce(struct worker *w, const char *topic, int32_t partition, const char *key,
                   const char *payload, const char *schema, const char *traceparent,
                   const char *request_id, void *opaque)
{
    struct kafka_msg_meta meta = {schema, traceparent, request_id, NULL};
    int rc;

    for (int tries = 0; tries < 200; tries++) {
        rc = kafka_produce_json(w->producer, topic, partition, key, payload, strlen(payload), &meta,
                                opaque);
        if (rc != FC_ERATE)
            return rc;
        rd_kafka_poll(w->producer, 10);
    }
    return rc;
}

static void flush_job_tokens(struct job *j);

/* Sends chunk @type with @data (stolen) for @j; @tok (may be NULL) rides to the delivery
 * report. 0 or a negative FC_E* code. */
static int send_chunk(struct job *j, enum chunk_type type, json_t *data, struct ctoken *tok)
{
    struct chat_chunk c;
    char *payload;
    int rc;

    if (type != CHUNK_TOKEN)
        flush_job_tokens(j); /* what was said before this chunk goes first */
    if (!data) {
        jlog(LOG_ERROR, j, "cannot build %s chunk data", chunk_type_name(type));
        return FC_EINVAL;
    }
    c.request_id = j->req.request_id;
    c.attempt = j->attempt;
    c.seq = (int64_t)j->attempt * CHUNK_SEQ_BASE + j->n;
    c.type = type;
    c.data_json = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    payload = c.data_json ? chatmsg_encode_chunk(&c) : NULL;
    free(c.data_json);
    if (!payload) {
        jlog(LOG_ERROR, j, "cannot encode %s chunk", chunk_type_name(type));
        return FC_EINVAL;
    }
    if (j->n < CHUNK_SEQ_BASE - 1)
        j->n++;
    rc = produce(j->w, TOPIC_CHUNKS, j->req.reply_partition, j->req.request_id, payload,
                 SCHEMA_CHUNK, j->traceparent, j->req.request_id, tok);
    free(payload);
    return rc;
}

static void send_reset(struct job *j, const char *reason)
{
    send_chunk(j, CHUNK_RESET, json_pack("{s:i, s:s}", "attempt", j->attempt, "reason", reason),
               NULL);
}

static void send_start(struct job *j)
{
    send_chunk(j, CHUNK_START,
               json_pack("{s:s, s:i, s:s, s:s, s:s}", "request_id", j->req.request_id, "attempt",
                         j->attempt, "worker", j->w->name, "provider",
                         j->provider ? j->provider : "unknown", "model", j->model ? j->model : ""),
               NULL);
}

/* Sends a token chunk of @len bytes of @s (repaired to valid UTF-8), in pieces that respect
 * the schema's token length limit. */
static void send_text(struct job *j, const char *s, size_t len)
{
    size_t clean_len, off = 0;
    char *clean = utf8_sanitize(s, len, &clean_len);

    while (off < clean_len) {
        size_t n = clean_len - off;

        if (n > 12000)
            n = utf8_cut(clean + off, n, 12000);
        send_chunk(j, CHUNK_TOKEN, json_pack("{s:s%}", "text", clean + off, n), NULL);
        off += n;
    }
    free(clean);
}

/* Token coalescing. The provider's text is not produced token by token as the parser finds
 * it: sink_token() appends to j->unsent, and flush_tokens(), called after every
 * engine_step(), produces what is due as one token chunk. An attempt's first text is due at
 * once (the time to first token gets no added delay); later text waits up to
 * FINCHAT_TOKEN_FLUSH_MS (default 50 ms, a 20 Hz refresh no reader notices) or until 8 KiB
 * are held. At a hosted model's 40-100 tokens/s that is 2-5 tokens per chunk, and every
 * stage after the parser (Kafka messages, broker requests, the gateway's consumer, SSE
 * writes) does that many times less work; a burst of hundreds of tokens in one read becomes
 * one chunk. Any other chunk of the job flushes first, so the order the client sees never
 * changes. */
#define FLUSH_BYTES 8192

static void hold_text(struct job *j, const char *clean)
{
    strbuf_addstr(&j->unsent, clean);
    if (!j->flush_at_ms)
        j->flush_at_ms = j->text_sent ? clock_mono_ms() + j->w->cfg->token_flush_ms : 1;
}

static void flush_job_tokens(struct job *j)
{
    j->flush_at_ms = 0;
    if (j->unsent.len == 0)
        return;
    send_text(j, j->unsent.buf, j->unsent.len);
    j->text_sent = true;
    strbuf_reset(&j->unsent);
}

/* Produces the held text that is due; returns when the next is due (mono ms; now +
 * POLL_MAX_MS when none is held). Text is only held by engine callbacks, so one call after
 * each engine_step() sees all of it. */
static int64_t flush_tokens(struct worker *w)
{
    int64_t now = clock_mono_ms(), next = now + POLL_MAX_MS;

    for (struct job *j = w->jobs; j; j = j->next) {
        if (j->dropped || !j->flush_at_ms)
            continue;
        if (j->flush_at_ms <= now || j->unsent.len >= FLUSH_BYTES)
            flush_job_tokens(j);
        else if (j->flush_at_ms < next)
            next = j->flush_at_ms;
    }
    return next;
}

/* Produces the DLQ entry of a request. @request_json is the message as JSON text. */
static int send_dlq(struct worker *w, const char *request_id, int attempt, const char *reason,
                    const char *request_json, const char *traceparent, struct ctoken *tok)
{
    struct chat_dlq d = {(char *)request_id, attempt, (char *)reason, (char *)request_json};
    char *payload = chatmsg_encode_dlq(&d);
    int rc;

    if (!payload)
        return FC_EINVAL;
    rc = produce(w, TOPIC_DLQ, RD_KAFKA_PARTITION_UA, request_id, payload, SCHEMA_DLQ, traceparent,
                 request_id, tok);
    free(payload);
    w->dlq++;
    return rc;
}

/* A delivery report (@locality engine thread, from rd_kafka_poll()). Final, error and DLQ
 * messages carry a ctoken: when all of a request's are delivered its offset is done. */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct worker *w = opaque;
    struct ctoken *t = m->_private;
    rd_kafka_headers_t *hdrs = NULL;
    rd_kafka_resp_err_t err;

    (void)rk;
    if (m->err)
        log_error("kafka delivery to %s [%d] failed: %s", rd_kafka_topic_name(m->rkt),
                  (int)m->partition, rd_kafka_err2str(m->err));
    if (!t)
        return;
    if (m->err && t->retries < PRODUCE_RETRIES) {
        t->retries++;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
            hdrs = rd_kafka_headers_copy(hdrs);
        err = rd_kafka_producev(
            w->producer, RD_KAFKA_V_RKT(m->rkt), RD_KAFKA_V_PARTITION(m->partition),
            RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE(t), RD_KAFKA_V_END);
        if (!err)
            return;
        if (hdrs)
            rd_kafka_headers_destroy(hdrs);
    }
    /* Delivered, or given up on: either way the request will not be worked on again here. */
    if (--t->refs > 0)
        return;
    inflight_done(w->inflight, t->partition, t->offset, t->epoch);
    w->pending_tokens--;
    free(t);
}

/* ---- store tasks --------------------------------------------------------------------- */

enum task_kind { TASK_BEGIN, TASK_CONTEXT, TASK_HISTORY, TASK_PUT };

/* MongoDB work of one job, run on a store thread (storeq.h). While a task is out, the job
 * is not freed (tasks_out) and its request is not modified. A job starts with three tasks
 * run side by side, each one round trip: TASK_BEGIN decides the attempt and writes the
 * mark, TASK_CONTEXT and TASK_HISTORY read what the prompt is built from; it continues
 * when all three are back, so its start costs the slowest round trip, not their sum. */
struct task {
    struct storeq_task base;
    struct job *job;
    enum task_kind kind;
    int max_attempts;
    /* TASK_BEGIN results */
    int rc; /* 0, or FC_EDEP when the lookup or the "streaming" write failed */
    enum store_plan plan;
    int attempt;
    struct stored_reply stored;
    bool have_stored;
    json_t *context, *history;
    bool ctx_failed, hist_failed;
    /* TASK_PUT: the document to write (strings owned), then the error to send if any */
    struct reply_doc doc;
    char *status, *text, *provider, *model, *code, *message, *dlq_reason;
};

static void task_free(struct task *t)
{
    if (!t)
        return;
    if (t->have_stored)
        stored_reply_release(&t->stored);
    json_decref(t->context);
    json_decref(t->history);
    free(t->status);
    free(t->text);
    free(t->provider);
    free(t->model);
    free(t->code);
    free(t->message);
    free(t->dlq_reason);
    free(t);
}

static void discard_task(struct storeq_task *base)
{
    task_free((struct task *)base);
}

/* @locality store thread: TASK_CONTEXT, the user's financial snapshot. */
static void run_context(struct storeq_task *base, struct store *s)
{
    struct task *t = (struct task *)base;

    t->ctx_failed = store_load_context(s, t->job->req.user_id, &t->context) != 0;
}

/* @locality store thread: TASK_HISTORY, the conversation's earlier turns. */
static void run_history(struct storeq_task *base, struct store *s)
{
    struct task *t = (struct task *)base;
    const struct chat_request *req = &t->job->req;

    t->hist_failed = store_load_history(s, req->conversation_id, req->user_id, &t->history) != 0;
}

/* @locality store thread: TASK_BEGIN decides the attempt and marks the reply "streaming" (or
 * re-marks a finished one with its new attempt). */
static void run_begin(struct storeq_task *base, struct store *s)
{
    struct task *t = (struct task *)base;
    const struct chat_request *req = &t->job->req;
    struct reply_doc d = {0};
    int rc;

    /* A first delivery has no message yet: one insert of the "streaming" mark claims it. */
    if (store_plan(NULL, req->attempt, t->max_attempts, &t->attempt) == PLAN_FRESH) {
        d.req = req;
        d.attempt = t->attempt;
        d.created_ms = clock_wall_ms();
        d.status = "streaming";
        d.text = "";
        rc = store_claim_reply(s, &d);
        if (rc == 0) {
            t->plan = PLAN_FRESH;
            return;
        }
        if (rc == FC_EDEP) {
            t->rc = FC_EDEP;
            return;
        }
        memset(&d, 0, sizeof(d)); /* a message exists: plan from what it says */
    }
    rc = store_get_reply(s, req->reply_message_id, &t->stored);
    if (rc == FC_EDEP) {
        t->rc = FC_EDEP;
        return;
    }
    t->have_stored = rc == 0;
    t->plan =
        store_plan(t->have_stored ? &t->stored : NULL, req->attempt, t->max_attempts, &t->attempt);
    if (t->plan == PLAN_MAX_ATTEMPTS)
        return;
    d.req = req;
    d.attempt = t->attempt;
    d.created_ms = clock_wall_ms();
    if (t->plan == PLAN_RESEND) {
        /* Keep the outcome, record the attempt that sends it again. */
        d.status = t->stored.status;
        d.text = t->stored.text;
        d.provider = t->stored.provider;
        d.model = t->stored.model;
        d.prompt_tokens = t->stored.prompt_tokens;
        d.completion_tokens = t->stored.completion_tokens;
        d.ttft_ms = t->stored.ttft_ms;
        d.latency_ms = t->stored.latency_ms;
        d.error_code = t->stored.error_code;
        d.error_message = t->stored.error_message;
        store_put_reply(s, &d);
        return;
    }
    d.status = "streaming";
    d.text = "";
    if (store_put_reply(s, &d) != 0)
        t->rc = FC_EDEP;
}

/* @locality store thread. */
static void run_put(struct storeq_task *base, struct store *s)
{
    struct task *t = (struct task *)base;

    t->rc = store_put_reply(s, &t->doc);
}

static void submit(struct job *j, struct task *t)
{
    t->job = j;
    j->tasks_out++;
    j->retry_task = NULL;
    storeq_submit(j->w->storeq, &t->base);
}

/* ---- the job lifecycle --------------------------------------------------------------- */

static struct job *find_job(struct worker *w, const char *request_id)
{
    for (struct job *j = w->jobs; j; j = j->next)
        if (!j->dropped && strcmp(j->req.request_id, request_id) == 0)
            return j;
    return NULL;
}

static void job_free(struct job *j)
{
    struct worker *w = j->w;

    if (j->prev)
        j->prev->next = j->next;
    else
        w->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    w->njobs--;
    chat_request_release(&j->req);
    free(j->raw);
    json_decref(j->context);
    json_decref(j->history);
    if (j->have_prompt)
        prompt_release(&j->prompt);
    strbuf_release(&j->text);
    strbuf_release(&j->unsent);
    free(j->provider);
    free(j->model);
    free(j->errmsg);
    task_free(j->retry_task);
    task_free(j->begin_t);
    task_free(j->ctx_t);
    task_free(j->hist_t);
    free(j);
}

static const char *error_code(int rc)
{
    switch (rc) {
    case FC_ECANCELED:
        return "canceled";
    case FC_ETIMEDOUT:
        return "timeout";
    case FC_EDEP:
        return "provider_error";
    default:
        return err_name(rc);
    }
}

/* Sends the error chunk (and the DLQ entry) that end @j, then frees it; the offset is done
 * once they are delivered. */
static void send_error_and_free(struct job *j, const char *code, const char *message,
                                const char *dlq_reason)
{
    struct ctoken *tok = ctoken_new(j, dlq_reason ? 2 : 1);

    if (send_chunk(j, CHUNK_ERROR, json_pack("{s:s, s:s}", "code", code, "message", message),
                   tok) != 0)
        tok->refs--;
    if (dlq_reason &&
        send_dlq(j->w, j->req.request_id, j->attempt, dlq_reason, j->raw, j->traceparent, tok) != 0)
        tok->refs--;
    if (tok->refs == 0) {
        inflight_done(j->w->inflight, tok->partition, tok->offset, tok->epoch);
        j->w->pending_tokens--;
        free(tok);
    }
    jlog(LOG_WARN, j, "request failed: %s", code);
    j->w->failed++;
    job_free(j);
}

/* Ends @j with an error: stores the message with @status (and the text streamed so far),
 * then sends an error chunk @code, and the DLQ entry when @dlq_reason is given. */
static void job_fail(struct job *j, const char *status, const char *code, const char *message,
                     const char *dlq_reason)
{
    struct task *t = xcalloc(1, sizeof(*t));

    t->base.run = run_put;
    t->kind = TASK_PUT;
    t->status = xstrdup(status);
    t->text = xstrdup(j->text.buf ? j->text.buf : "");
    t->provider = j->provider ? xstrdup(j->provider) : NULL;
    t->model = j->model ? xstrdup(j->model) : NULL;
    t->code = xstrdup(code);
    t->message = xstrdup(message ? message : "");
    t->dlq_reason = dlq_reason ? xstrdup(dlq_reason) : NULL;
    t->doc.req = &j->req;
    t->doc.attempt = j->attempt;
    t->doc.status = t->status;
    t->doc.text = t->text;
    t->doc.provider = t->provider;
    t->doc.model = t->model;
    t->doc.prompt_tokens = j->usage.prompt_tokens;
    t->doc.completion_tokens = j->usage.completion_tokens;
    t->doc.latency_ms = clock_mono_ms() - j->t0_ms;
    t->doc.error_code = t->code;
    t->doc.error_message = t->message;
    t->doc.created_ms = clock_wall_ms();
    j->state = JOB_FINISHING;
    submit(j, t);
}

/* Sends again what an earlier attempt stored as finished (its final chunk may never have
 * reached Kafka), under a new attempt so that it replaces anything the client holds. */
static void job_resend(struct job *j, struct stored_reply *r)
{
    struct ctoken *tok;

    j->redelivered = true;
    send_reset(j, "worker_failover");
    if (strcmp(r->status, "complete") != 0) {
        send_error_and_free(j, r->error_code ? r->error_code : "provider_error",
                            r->error_message ? r->error_message : "the answer failed", NULL);
        return;
    }
    j->provider = r->provider ? xstrdup(r->provider) : NULL;
    j->model = r->model ? xstrdup(r->model) : NULL;
    send_start(j);
    if (r->text && *r->text)
        send_text(j, r->text, strlen(r->text));
    tok = ctoken_new(j, 1);
    send_chunk(j, CHUNK_FINAL,
               json_pack("{s:s, s:s, s:s, s:{s:i, s:i}, s:{s:i, s:i}, s:I}", "message_id",
                         j->req.reply_message_id, "provider", r->provider ? r->provider : "unknown",
                         "model", r->model ? r->model : "", "usage", "prompt_tokens",
                         r->prompt_tokens, "completion_tokens", r->completion_tokens, "timings",
                         "ttft_ms", r->ttft_ms, "total_ms", r->latency_ms, "text_length",
                         (json_int_t)(r->text ? utf8_count(r->text, strlen(r->text)) : 0)),
               tok);
    jlog(LOG_INFO, j, "re-sent the stored answer");
    j->w->answered++;
    job_free(j);
}

static void sink_start(void *ud, const char *provider, const char *model)
{
    struct job *j = ud;

    if (j->dropped)
        return;
    free(j->provider);
    free(j->model);
    j->provider = xstrdup(provider ? provider : "unknown");
    j->model = xstrdup(model ? model : "");
    send_start(j);
}

static void sink_token(void *ud, const char *text, size_t len)
{
    struct job *j = ud;
    char *buf;
    size_t n, cut;

    if (j->dropped || len == 0)
        return;
    if (j->ttft_ms < 0)
        j->ttft_ms = clock_mono_ms() - j->t0_ms;
    /* Hold back a character cut in two by the provider until its rest arrives. */
    buf = xmalloc(j->ncarry + len);
    memcpy(buf, j->carry, j->ncarry);
    memcpy(buf + j->ncarry, text, len);
    n = j->ncarry + len;
    cut = utf8_complete(buf, n);
    j->ncarry = n - cut;
    memcpy(j->carry, buf + cut, j->ncarry);
    if (cut > 0) {
        char *clean = utf8_sanitize(buf, cut, &n);

        strbuf_addstr(&j->text, clean);
        hold_text(j, clean);
        free(clean);
    }
    free(buf);
}

static void sink_reset(void *ud, const char *reason)
{
    struct job *j = ud;

    if (j->dropped)
        return;
    strbuf_release(&j->text);
    j->ncarry = 0;
    j->ttft_ms = -1;
    send_reset(j, reason && *reason ? reason : "provider_failover");
    j->text_sent = false; /* after the held text of the failed attempt went out before it */
}

static void job_store_final(struct job *j);

static void sink_done(void *ud, int rc, const struct gen_usage *usage, const char *errmsg)
{
    struct job *j = ud;

    j->gen = NULL;
    if (j->dropped) {
        job_free(j);
        return;
    }
    /* A character still cut in two at the end is repaired, not lost. */
    if (j->ncarry) {
        size_t n;
        char *clean = utf8_sanitize(j->carry, j->ncarry, &n);

        strbuf_addstr(&j->text, clean);
        hold_text(j, clean);
        flush_job_tokens(j);
        free(clean);
        j->ncarry = 0;
    }
    if (usage)
        j->usage = *usage;
    j->done_ms = clock_mono_ms();
    if (rc != 0) {
        job_fail(j, rc == FC_ECANCELED ? "canceled" : "error", error_code(rc),
                 errmsg ? errmsg : err_str(rc), NULL);
        return;
    }
    j->state = JOB_FINISHING;
    j->give_up_ms = j->done_ms + STORE_GIVE_UP_MS;
    job_store_final(j);
}

/* Stores the complete answer; the final chunk follows once it is stored (on_put_done), so
 * the stored message always equals what the client assembled. */
static void job_store_final(struct job *j)
{
    struct task *t = xcalloc(1, sizeof(*t));
    int64_t total = j->done_ms - j->t0_ms;

    t->base.run = run_put;
    t->kind = TASK_PUT;
    t->text = xstrdup(j->text.buf ? j->text.buf : "");
    t->doc.req = &j->req;
    t->doc.attempt = j->attempt;
    t->doc.status = "complete";
    t->doc.text = t->text;
    t->doc.provider = j->provider;
    t->doc.model = j->model;
    t->doc.prompt_tokens = j->usage.prompt_tokens;
    t->doc.completion_tokens = j->usage.completion_tokens;
    t->doc.ttft_ms = j->ttft_ms < 0 ? (int)total : (int)j->ttft_ms;
    t->doc.latency_ms = total;
    t->doc.created_ms = clock_wall_ms();
    t->doc.history = j->history_shared ? NULL : j->history;
    submit(j, t);
}

static void send_final_and_free(struct job *j)
{
    const char *text = j->text.buf ? j->text.buf : "";
    int64_t total = j->done_ms - j->t0_ms;
    int ttft = j->ttft_ms < 0 ? (int)total : (int)j->ttft_ms;
    char extra[256];

    send_chunk(j, CHUNK_FINAL,
               json_pack("{s:s, s:s, s:s, s:{s:i, s:i}, s:{s:i, s:I}, s:I}", "message_id",
                         j->req.reply_message_id, "provider", j->provider ? j->provider : "unknown",
                         "model", j->model ? j->model : "", "usage", "prompt_tokens",
                         j->usage.prompt_tokens, "completion_tokens", j->usage.completion_tokens,
                         "timings", "ttft_ms", ttft, "total_ms", (json_int_t)total, "text_length",
                         (json_int_t)utf8_count(text, strlen(text))),
               ctoken_new(j, 1));
    snprintf(extra, sizeof(extra),
             ",\"attempt\":%d,\"provider\":\"%s\",\"ttft_ms\":%d,\"total_ms\":%" PRId64
             ",\"completion_tokens\":%d",
             j->attempt, j->provider ? j->provider : "", ttft, total, j->usage.completion_tokens);
    log_emit(LOG_INFO, j->req.request_id, j->trace_id, extra, "answered");
    j->w->answered++;
    job_free(j);
}

static bool cancel_seen(struct worker *w, const char *request_id)
{
    int64_t now = clock_mono_ms();

    for (unsigned i = 0; i < CANCEL_RING; i++)
        if (w->cancels[i].request_id[0] && now - w->cancels[i].at_ms < CANCEL_TTL_MS &&
            strcmp(w->cancels[i].request_id, request_id) == 0)
            return true;
    return false;
}

/* The turns a request carries (chatmsg.h), as history items prompt_select_history() reads:
 * oldest first, in the order given. */
static json_t *client_history(const struct chat_request *r)
{
    json_t *items = json_array();

    for (int i = 0; i < r->nhistory; i++) {
        char id[24];

        snprintf(id, sizeof(id), "client-%d", i);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:i}", "_id", id, "role",
                                               r->history[i].role, "text", r->history[i].text,
                                               "status", "complete", "created_at", i));
    }
    return items;
}

/* Starts @j: the store thread decides the attempt and loads the documents (on_begin_done
 * continues); turns the request carries stand in for the stored history. Cancels and passed
 * deadlines end it here without touching MongoDB. */
static void job_begin(struct job *j)
{
    struct task *t;

    if (cancel_seen(j->w, j->req.request_id) || j->cancel_requested) {
        job_fail(j, "canceled", "canceled", "canceled before the answer started", NULL);
        return;
    }
    if (clock_wall_ms() >= j->req.deadline_ms) {
        job_fail(j, "error", "timeout", "the request's deadline passed before it started", NULL);
        return;
    }
    t = xcalloc(1, sizeof(*t));
    t->base.run = run_begin;
    t->kind = TASK_BEGIN;
    t->max_attempts = j->w->cfg->max_attempts;
    j->state = JOB_BEGIN;
    submit(j, t);
    t = xcalloc(1, sizeof(*t));
    t->base.run = run_context;
    t->kind = TASK_CONTEXT;
    t->context = ctxcache_get(j->w->ctxcache, j->req.user_id, j->context_version);
    if (t->context) {
        t->job = j;
        j->ctx_t = t; /* the document of this version is at hand: no round trip */
    } else {
        submit(j, t);
    }
    t = xcalloc(1, sizeof(*t));
    t->base.run = run_history;
    t->kind = TASK_HISTORY;
    if (j->req.client_history) {
        t->job = j;
        t->history = client_history(&j->req);
        j->hist_t = t; /* the client sent its turns: the stored ones are not read */
    } else {
        submit(j, t);
    }
}

static void on_begin_done(struct job *j, struct task *t)
{
    struct worker *w = j->w;
    struct gen_request g;
    struct gen_sink sink;
    int64_t left;
    char reason[96];

    if (t->rc == FC_EDEP) {
        /* Without the stored attempt a redelivery cannot be told from a first delivery, and
         * guessing could reuse seq numbers the client already has: wait for MongoDB. */
        task_free(t);
        if (clock_wall_ms() >= j->req.deadline_ms) {
            job_fail(j, "error", "dependency_down", "the message store is unavailable", NULL);
            return;
        }
        j->retry_at_ms = clock_mono_ms() + RETRY_MS;
        return;
    }
    j->attempt = t->attempt;
    switch (t->plan) {
    case PLAN_RESEND:
        job_resend(j, &t->stored);
        task_free(t);
        return;
    case PLAN_MAX_ATTEMPTS:
        snprintf(reason, sizeof(reason), "max_attempts: tried %d times without an answer",
                 t->attempt - 1);
        task_free(t);
        job_fail(j, "error", "max_attempts", "the answer failed on every attempt", reason);
        return;
    case PLAN_REDELIVERY:
        j->redelivered = true;
        jlog(LOG_WARN, j, "redelivered request: the previous attempt did not finish");
        send_reset(j, "worker_failover");
        break;
    case PLAN_FRESH:
        break;
    }
    if (j->cancel_requested) {
        task_free(t);
        job_fail(j, "canceled", "canceled", "canceled before the answer started", NULL);
        return;
    }
    /* Without context or history the answer is poorer but still useful. */
    if (t->ctx_failed)
        jlog(LOG_WARN, j, "context unavailable");
    if (t->hist_failed)
        jlog(LOG_WARN, j, "history unavailable");
    j->context = t->context;
    t->context = NULL;
    /* NULL: read again (turns the client sent are not the conversation's stored ones) */
    j->history = t->hist_failed || j->req.client_history ? NULL : json_incref(t->history);
    /* Answers of one conversation running side by side each read the turns before the
     * other's was recorded: they re-read them before recording theirs. */
    for (struct job *o = w->jobs; o; o = o->next)
        if (o != j && !o->dropped && strcmp(o->req.conversation_id, j->req.conversation_id) == 0)
            o->history_shared = j->history_shared = true;
    prompt_build(&j->prompt, j->context, t->history, j->req.message_id, j->req.reply_message_id,
                 PROMPT_CONTEXT_TOKENS, PROMPT_HISTORY_TOKENS);
    j->have_prompt = true;
    task_free(t);

    left = j->req.deadline_ms - clock_wall_ms();
    if (left > w->cfg->deadline_ms)
        left = w->cfg->deadline_ms;
    memset(&g, 0, sizeof(g));
    g.request_id = j->req.request_id;
    g.traceparent = j->traceparent;
    g.system = j->prompt.system;
    g.context = j->context;
    g.context_text = j->prompt.context_text;
    g.history = j->prompt.history;
    g.user_text = j->req.text;
    g.max_tokens = j->req.max_tokens;
    g.deadline_ms = clock_mono_ms() + (left > 0 ? left : 0);
    sink.on_start = sink_start;
    sink.on_token = sink_token;
    sink.on_reset = sink_reset;
    sink.on_done = sink_done;
    sink.ud = j;
    j->state = JOB_GENERATING;
    j->gen = engine_start(w->engine, &g, sink);
    if (!j->gen)
        job_fail(j, "error", "internal", "the engine refused the request", NULL);
}

static void on_put_done(struct job *j, struct task *t)
{
    if (t->code) {
        /* An error outcome is sent whether or not it could be stored. */
        send_error_and_free(j, t->code, t->message, t->dlq_reason);
        task_free(t);
        return;
    }
    if (t->rc != 0) {
        if (clock_mono_ms() < j->give_up_ms) {
            j->retry_task = t;
            j->retry_at_ms = clock_mono_ms() + RETRY_MS;
            return;
        }
        task_free(t);
        job_fail(j, "error", "dependency_down", "the answer could not be stored", NULL);
        return;
    }
    task_free(t);
    send_final_and_free(j);
}

/* Continues the jobs whose store tasks finished. @locality engine thread. */
static void take_tasks(struct worker *w)
{
    struct storeq_task *base;

    while ((base = storeq_take(w->storeq)) != NULL) {
        struct task *t = (struct task *)base;
        struct job *j = t->job;

        j->tasks_out--;
        if (j->dropped) {
            task_free(t);
            if (!j->gen && j->tasks_out == 0)
                job_free(j);
            continue;
        }
        if (t->kind == TASK_PUT) {
            on_put_done(j, t);
            continue;
        }
        if (t->kind == TASK_BEGIN) {
            j->begin_t = t;
        } else if (t->kind == TASK_CONTEXT) {
            j->ctx_t = t;
            if (!t->ctx_failed && t->context)
                ctxcache_put(w->ctxcache, j->req.user_id, t->context);
        } else {
            j->hist_t = t;
        }
        if (!j->begin_t || !j->ctx_t || !j->hist_t)
            continue; /* another one is still out */
        t = j->begin_t;
        t->context = j->ctx_t->context;
        t->ctx_failed = j->ctx_t->ctx_failed;
        t->history = j->hist_t->history;
        t->hist_failed = j->hist_t->hist_failed;
        j->ctx_t->context = j->hist_t->history = NULL;
        task_free(j->ctx_t);
        task_free(j->hist_t);
        j->begin_t = j->ctx_t = j->hist_t = NULL;
        on_begin_done(j, t);
    }
}

/* Returns the message as JSON text for its DLQ entry: the text itself when it is a JSON
 * object, else a JSON string of it (repaired, cut at RAW_DLQ_MAX bytes). Caller frees. */
static char *raw_for_dlq(const char *raw, size_t len, json_t *parsed)
{
    json_t *s;
    char *clean, *out;

    if (json_is_object(parsed)) {
        out = json_dumps(parsed, JSON_COMPACT);
        if (out)
            return out;
    }
    len = utf8_cut(raw, len, RAW_DLQ_MAX);
    clean = utf8_sanitize(raw, len, NULL);
    s = json_string(clean);
    out = json_dumps(s, JSON_ENCODE_ANY);
    json_decref(s);
    free(clean);
    return out;
}

/* A request that does not decode: DLQ at once, and an error chunk when the message names a
 * request id and a reply partition the client could be waiting on. */
static void poison(struct worker *w, const rd_kafka_message_t *m, const char *reason,
                   const char *traceparent)
{
    json_t *root = json_loadb(m->payload, m->len, 0, NULL);
    const char *rid = json_string_value(json_object_get(root, "request_id"));
    json_t *rp = json_object_get(root, "reply_partition");
    char *dlq_json = raw_for_dlq(m->payload ? m->payload : "", m->len, root);
    char why[512];
    struct job tmp;
    struct ctoken *tok;
    bool notify;

    memset(&tmp, 0, sizeof(tmp));
    tmp.w = w;
    tmp.partition = m->partition;
    tmp.offset = m->offset;
    inflight_add(w->inflight, m->partition, m->offset, &tmp.epoch);
    if (!rid || strlen(rid) != 36 || !is_hex(rid, 8))
        rid = NIL_UUID;
    notify = strcmp(rid, NIL_UUID) != 0 && json_is_integer(rp) && json_integer_value(rp) >= 0 &&
             (w->chunk_partitions < 0 || json_integer_value(rp) < w->chunk_partitions);
    trace_child(traceparent, tmp.traceparent, sizeof(tmp.traceparent), tmp.trace_id);
    snprintf(why, sizeof(why), "invalid_request: %s", reason);
    tok = ctoken_new(&tmp, notify ? 2 : 1);
    if (notify) {
        /* Only the fields send_chunk() reads. */
        tmp.req.request_id = (char *)rid;
        tmp.req.reply_partition = (int32_t)json_integer_value(rp);
        tmp.attempt = 1;
        if (send_chunk(&tmp, CHUNK_ERROR,
                       json_pack("{s:s, s:s}", "code", "invalid_request", "message", reason),
                       tok) != 0)
            tok->refs--;
    }
    if (!dlq_json || send_dlq(w, rid, 1, why, dlq_json, tmp.traceparent, tok) != 0) {
        /* Nothing will report back: settle the offset now. */
        if (--tok->refs == 0) {
            inflight_done(w->inflight, tok->partition, tok->offset, tok->epoch);
            w->pending_tokens--;
            free(tok);
        }
    }
    log_emit(LOG_WARN, strcmp(rid, NIL_UUID) ? rid : NULL, tmp.trace_id, NULL,
             "poison request at [%d] %" PRId64 " sent to the DLQ: %s", (int)m->partition, m->offset,
             reason);
    free(dlq_json);
    json_decref(root);
}

static void on_request(struct worker *w, const rd_kafka_message_t *m)
{
    char err[256], parent[128] = "", version[24] = "";
    struct job *j;
    char *end;

    w->consumed++;
    kafka_header(m, "traceparent", parent, sizeof(parent));
    kafka_header(m, "context-version", version, sizeof(version));
    j = xcalloc(1, sizeof(*j));
    if (chatmsg_decode_request(m->payload, m->len, &j->req, err, sizeof(err)) != 0) {
        free(j);
        poison(w, m, err, parent);
        return;
    }
    if (w->chunk_partitions > 0 && j->req.reply_partition >= w->chunk_partitions) {
        chat_request_release(&j->req);
        free(j);
        poison(w, m, "reply_partition: no such partition of finchat.chat.chunks", parent);
        return;
    }
    j->w = w;
    j->raw = xstrndup(m->payload, m->len);
    j->partition = m->partition;
    j->offset = m->offset;
    j->attempt = j->req.attempt;
    j->ttft_ms = -1;
    j->t0_ms = clock_mono_ms();
    /* A header that is not a plain decimal only costs the cache: the context is read. */
    j->context_version = version[0] >= '0' && version[0] <= '9' ? strtoll(version, &end, 10) : -1;
    if (j->context_version >= 0 && *end)
        j->context_version = -1;
    j->state = JOB_BEGIN;
    trace_child(parent, j->traceparent, sizeof(j->traceparent), j->trace_id);
    if (inflight_add(w->inflight, m->partition, m->offset, &j->epoch) != 0) {
        /* Seen before in this assignment (a consumer never goes back without a rebalance). */
        jlog(LOG_WARN, j, "skipping an offset already tracked");
        chat_request_release(&j->req);
        free(j->raw);
        free(j);
        return;
    }
    j->next = w->jobs;
    if (w->jobs)
        w->jobs->prev = j;
    w->jobs = j;
    w->njobs++;
    jlog(LOG_INFO, j, "request received");
    job_begin(j);
}

static void on_control(struct worker *w, const rd_kafka_message_t *m)
{
    struct chat_control c;
    struct cancel_entry *e;
    char err[256];
    struct job *j;

    if (chatmsg_decode_control(m->payload, m->len, &c, err, sizeof(err)) != 0) {
        log_warn("ignoring invalid control message at [%d] %" PRId64 ": %s", (int)m->partition,
                 m->offset, err);
        return;
    }
    j = find_job(w, c.request_id);
    if (j) {
        jlog(LOG_INFO, j, "cancel requested");
        if (j->gen)
            engine_cancel(w->engine, j->gen);
        else if (j->state == JOB_BEGIN && j->tasks_out > 0)
            j->cancel_requested = true;
        else if (j->state == JOB_BEGIN)
            job_fail(j, "canceled", "canceled", "canceled by the user", NULL);
    } else {
        e = &w->cancels[w->cancel_next++ % CANCEL_RING];
        snprintf(e->request_id, sizeof(e->request_id), "%s", c.request_id);
        e->at_ms = clock_mono_ms();
    }
    chat_control_release(&c);
}

/* ---- consumer group ------------------------------------------------------------------ */

static void commit_done(struct worker *w, bool sync)
{
    struct inflight_commit c[64];
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_resp_err_t err;
    int n = inflight_take_commits(w->inflight, c, 64);

    if (n == 0)
        return;
    list = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, TOPIC_REQUESTS, c[i].partition)->offset =
            c[i].offset;
    err = rd_kafka_commit(w->consumer, list, sync ? 0 : 1);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn("kafka commit: %s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(list);
}

static void set_paused(struct worker *w, bool pause)
{
    rd_kafka_topic_partition_list_t *parts = NULL;

    if (rd_kafka_assignment(w->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (pause)
        rd_kafka_pause_partitions(w->consumer, parts);
    else
        rd_kafka_resume_partitions(w->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    w->paused = pause;
}

/* Rebalance (@locality engine thread, from rd_kafka_consumer_poll()). */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct worker *w = opaque;
    const char *proto = rd_kafka_rebalance_protocol(rk);
    bool cooperative = proto && strcmp(proto, "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    char list[256] = "";
    unsigned pos = 0;

    for (int i = 0; i < parts->cnt && pos + 8 < sizeof(list); i++)
        pos += (unsigned)snprintf(list + pos, sizeof(list) - pos, "%s%d", i ? "," : "",
                                  (int)parts->elems[i].partition);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log_info("assigned partitions [%s] of %s", list, TOPIC_REQUESTS);
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
        if (w->paused || w->draining)
            rd_kafka_pause_partitions(rk, parts);
    } else {
        log_info("revoked partitions [%s] of %s", list, TOPIC_REQUESTS);
        /* Commit what is finished, then drop the rest without committing it. */
        commit_done(w, true);
        for (int i = 0; i < parts->cnt; i++) {
            int32_t p = parts->elems[i].partition;
            struct job *j = w->jobs, *next;

            for (; j; j = next) {
                next = j->next;
                if (j->partition != p || j->dropped)
                    continue;
                jlog(LOG_WARN, j, "partition revoked: dropping the answer in progress");
                j->dropped = true;
                if (j->gen)
                    engine_cancel(w->engine, j->gen);
                else if (j->tasks_out == 0)
                    job_free(j);
            }
            inflight_drop(w->inflight, p);
        }
        if (cooperative)
            error = rd_kafka_incremental_unassign(rk, parts);
        else
            rd_kafka_assign(rk, NULL);
    }
    if (error) {
        log_error("kafka rebalance: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
}

static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    (void)offsets;
    (void)opaque;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn("kafka offset commit: %s", rd_kafka_err2str(err));
}

/* Assigns every partition of finchat.chat.control from its end. */
static void control_assign(struct worker *w)
{
    rd_kafka_topic_partition_list_t *list;
    int n = kafka_partition_count(w->control, TOPIC_CONTROL, 1000);

    if (n <= 0) {
        log_warn("%s not available yet; cancels are not seen", TOPIC_CONTROL);
        w->control_retry_ms = clock_mono_ms() + 5000;
        return;
    }
    list = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, TOPIC_CONTROL, i)->offset = RD_KAFKA_OFFSET_END;
    if (rd_kafka_assign(w->control, list) == RD_KAFKA_RESP_ERR_NO_ERROR)
        w->control_assigned = true;
    rd_kafka_topic_partition_list_destroy(list);
}

/* ---- setup --------------------------------------------------------------------------- */

static rd_kafka_t *make_client(struct worker *w, rd_kafka_type_t type, rd_kafka_conf_t *conf,
                               char *errbuf, unsigned errlen)
{
    char errstr[512];
    rd_kafka_t *rk;

    rd_kafka_conf_set_opaque(conf, w);
    rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(errbuf, errlen, "kafka: %s", errstr);
    }
    return rk;
}

static int setup_kafka(struct worker *w, char *errbuf, unsigned errlen)
{
    const struct fc_config *cfg = w->cfg;
    rd_kafka_conf_t *conf;
    rd_kafka_topic_partition_list_t *topics;
    char group[400];
    rd_kafka_resp_err_t err;

    conf = kafka_conf_new(cfg->kafka_brokers, "finchat-worker");
    kafka_conf_set(conf, "enable.idempotence", "true");
    kafka_conf_set(conf, "acks", "all");
    kafka_conf_set(conf, "linger.ms", "1"); /* a chunk waits at most 1 ms for company */
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    w->producer = make_client(w, RD_KAFKA_PRODUCER, conf, errbuf, errlen);
    if (!w->producer)
        return FC_EDEP;

    conf = kafka_conf_new(cfg->kafka_brokers, "finchat-worker");
    kafka_conf_set(conf, "group.id", WORKER_GROUP);
    kafka_conf_set(conf, "enable.auto.commit", "false");
    kafka_conf_set(conf, "enable.auto.offset.store", "false");
    kafka_conf_set(conf, "auto.offset.reset", "earliest");
    kafka_conf_set(conf, "session.timeout.ms", "6000");
    kafka_conf_set(conf, "heartbeat.interval.ms", "1000");
    kafka_conf_set(conf, "partition.assignment.strategy", "cooperative-sticky");
    kafka_conf_set(conf, "max.poll.interval.ms", "60000");
    kafka_conf_set(conf, "fetch.wait.max.ms", "100");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, offset_commit_cb);
    w->consumer = make_client(w, RD_KAFKA_CONSUMER, conf, errbuf, errlen);
    if (!w->consumer)
        return FC_EDEP;
    rd_kafka_poll_set_consumer(w->consumer);

    /* Cancels must reach every worker: a group of its own, assigned by hand, no commits. */
    conf = kafka_conf_new(cfg->kafka_brokers, "finchat-worker-control");
    snprintf(group, sizeof(group), "finchat-worker-control-%s", w->name);
    kafka_conf_set(conf, "group.id", group);
    kafka_conf_set(conf, "enable.auto.commit", "false");
    kafka_conf_set(conf, "enable.auto.offset.store", "false");
    kafka_conf_set(conf, "fetch.wait.max.ms", "100");
    w->control = make_client(w, RD_KAFKA_CONSUMER, conf, errbuf, errlen);
    if (!w->control)
        return FC_EDEP;
    rd_kafka_poll_set_consumer(w->control);

    w->consumer_q = rd_kafka_queue_get_consumer(w->consumer);
    w->control_q = rd_kafka_queue_get_consumer(w->control);
    w->producer_q = rd_kafka_queue_get_main(w->producer);
    if (!w->consumer_q || !w->control_q || !w->producer_q) {
        snprintf(errbuf, errlen, "kafka: cannot get the client queues");
        return FC_EDEP;
    }
    rd_kafka_queue_io_event_enable(w->consumer_q, w->wake[1], "c", 1);
    rd_kafka_queue_io_event_enable(w->control_q, w->wake[1], "k", 1);
    rd_kafka_queue_io_event_enable(w->producer_q, w->wake[1], "p", 1);

    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, TOPIC_REQUESTS, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(w->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        snprintf(errbuf, errlen, "kafka subscribe: %s", rd_kafka_err2str(err));
        return FC_EDEP;
    }
    w->chunk_partitions = kafka_partition_count(w->producer, TOPIC_CHUNKS, 5000);
    if (w->chunk_partitions <= 0) {
        log_warn("%s: partition count unknown; reply partitions are not checked", TOPIC_CHUNKS);
        w->chunk_partitions = -1;
    }
    control_assign(w);
    return 0;
}

/* Takes a status snapshot for /status, /metrics and the `workers` document.
 * @locality engine thread */
static void snapshot_status(struct worker *w)
{
    int64_t hits, misses;
    json_t *st;

    ctxcache_counts(w->ctxcache, &hits, &misses);
    st = json_pack("{s:s,s:o,s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "worker", w->name, "providers",
                   engine_provider_status(w->engine), "inflight", w->njobs, "consumed",
                   (json_int_t)w->consumed, "answered", (json_int_t)w->answered, "failed",
                   (json_int_t)w->failed, "dlq", (json_int_t)w->dlq, "context_cache_hits",
                   (json_int_t)hits, "context_cache_misses", (json_int_t)misses);

    pthread_mutex_lock(&w->status_lock);
    json_decref(w->status);
    w->status = st;
    pthread_mutex_unlock(&w->status_lock);
    w->status_at_ms = clock_mono_ms();
}

static json_t *status_get(void *ud)
{
    struct worker *w = ud;
    json_t *st;

    /* A private copy: callers add fields, and the engine thread replaces the snapshot. */
    pthread_mutex_lock(&w->status_lock);
    st = w->status ? json_deep_copy(w->status) : NULL;
    pthread_mutex_unlock(&w->status_lock);
    return st;
}

static bool status_ready(void *ud)
{
    struct worker *w = ud;

    return atomic_load(&w->health.kafka_ok) && atomic_load(&w->health.mongo_ok);
}

/* Publishes the snapshot as this worker's document in MongoDB `workers` (the gateway's
 * /api/v1/status shows provider circuits from there). Best effort. */
static void publish_status(struct worker *w, mongoc_client_t *client)
{
    json_t *st = status_get(w);
    char *txt;
    bson_t *doc, selector = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    bson_error_t err;
    mongoc_collection_t *coll;

    if (!st)
        return;
    json_object_set_new(st, "_id", json_string(w->name));
    json_object_set_new(st, "updated_ms", json_integer(clock_wall_ms()));
    json_object_set_new(st, "ready", json_boolean(status_ready(w)));
    txt = json_dumps(st, JSON_COMPACT);
    doc = bson_new_from_json((const uint8_t *)txt, -1, &err);
    if (doc) {
        coll = mongoc_client_get_collection(client, w->db, "workers");
        BSON_APPEND_UTF8(&selector, "_id", w->name);
        BSON_APPEND_BOOL(&opts, "upsert", true);
        if (!mongoc_collection_replace_one(coll, &selector, doc, &opts, NULL, &err))
            log_debug("worker status: %s", err.message);
        mongoc_collection_destroy(coll);
        bson_destroy(doc);
    }
    bson_destroy(&selector);
    bson_destroy(&opts);
    free(txt);
    json_decref(st);
}

/* The health thread: pings Kafka (through the thread-safe producer handle) and MongoDB (with
 * a client of its own) and logs readiness when it changes. */
static void *health_main(void *arg)
{
    struct worker *w = arg;
    mongoc_client_t *client = mongoc_client_pool_pop(w->pool);
    int last = -1;

    while (!atomic_load(&w->health.stop)) {
        bool k = kafka_ping(w->producer, 2000);
        bool m = mongo_ping(client);
        int now = (k ? 1 : 0) | (m ? 2 : 0);

        atomic_store(&w->health.kafka_ok, k);
        atomic_store(&w->health.mongo_ok, m);
        if (now != last) {
            char extra[96];

            snprintf(extra, sizeof(extra), ",\"kafka\":\"%s\",\"mongo\":\"%s\"", k ? "ok" : "down",
                     m ? "ok" : "down");
            log_emit(now == 3 ? LOG_INFO : LOG_WARN, NULL, NULL, extra, "worker %s",
                     now == 3 ? "ready" : "not ready");
            last = now;
        }
        if (m)
            publish_status(w, client);
        for (int i = 0; i < HEALTH_EVERY_MS / 100 && !atomic_load(&w->health.stop); i++)
            usleep(100 * 1000);
    }
    mongoc_client_pool_push(w->pool, client);
    return NULL;
}

struct worker *worker_new(const struct fc_config *cfg, char *errbuf, unsigned errlen)
{
    struct worker *w = xcalloc(1, sizeof(*w));
    char host[256] = "localhost";

    w->cfg = cfg;
    pthread_mutex_init(&w->status_lock, NULL);
    w->wake[0] = w->wake[1] = -1;
    gethostname(host, sizeof(host) - 1);
    snprintf(w->name, sizeof(w->name), "%s:%d", host, (int)getpid());
    if (pipe2(w->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
        goto out_free;
    }
    w->inflight = inflight_new();
    w->ctxcache = ctxcache_new(CONTEXT_CACHE_SLOTS);
    w->pool = mongo_pool_new(cfg->mongo_url, &w->db, errbuf, errlen);
    if (!w->pool)
        goto out_free;
    {
        mongoc_client_t *c = mongoc_client_pool_pop(w->pool);
        struct store st;

        int backfilled;

        store_init(&st, c, w->db);
        store_ensure_indexes(&st);
        if (store_backfill_histories(&st, &backfilled) == 0 && backfilled > 0)
            log_info("histories: %d conversation(s) answered before the histories collection "
                     "existed now have theirs",
                     backfilled);
        store_release(&st);
        mongoc_client_pool_push(w->pool, c);
    }
    w->storeq = storeq_new(w->pool, w->db, STORE_THREADS, w->wake[1], errbuf, errlen);
    if (!w->storeq)
        goto out_free;
    w->engine = engine_new(cfg, errbuf, errlen);
    if (!w->engine)
        goto out_free;
    if (setup_kafka(w, errbuf, errlen) != 0)
        goto out_free;
    snapshot_status(w);
    if (pthread_create(&w->health.thread, NULL, health_main, w) == 0)
        w->health.started = true;
    if (*cfg->worker_health_addr) {
        struct healthsrv_source src = {status_ready, status_get, w};

        w->healthsrv = healthsrv_start(cfg->worker_health_addr, src, errbuf, errlen);
        if (!w->healthsrv) {
            worker_free(w);
            return NULL;
        }
    }
    log_info("worker %s started: max_inflight=%d max_attempts=%d chain=%s", w->name,
             cfg->worker_max_inflight, cfg->max_attempts, cfg->llm_chain);
    return w;

out_free:
    worker_free(w);
    return NULL;
}

/* ---- the loop ------------------------------------------------------------------------ */

static void drain_wake(struct worker *w)
{
    char buf[256];

    while (read(w->wake[0], buf, sizeof(buf)) > 0)
        ;
}

/* Serves every Kafka queue once: delivery reports, cancels, new requests, commits. */
static void pump_kafka(struct worker *w)
{
    rd_kafka_message_t *m;
    int n;

    rd_kafka_poll(w->producer, 0);
    for (n = 0; n < CONSUME_BATCH; n++) {
        m = rd_kafka_consumer_poll(w->control, 0);
        if (!m)
            break;
        if (!m->err)
            on_control(w, m);
        else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("kafka control consumer: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
    /* Polled even when full: rebalances arrive here, and max.poll.interval.ms must not pass.
     * Paused partitions deliver nothing, so going over the limit is bounded by a batch. */
    for (n = 0; n < CONSUME_BATCH; n++) {
        m = rd_kafka_consumer_poll(w->consumer, 0);
        if (!m)
            break;
        if (!m->err) {
            if (!w->draining)
                on_request(w, m);
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            log_warn("kafka consumer: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_poll(w->producer, 0);
    commit_done(w, false);
}

/* Submits again the store steps whose retry time came; returns ms until the next is due
 * (at most POLL_MAX_MS). */
static int retry_waiting(struct worker *w)
{
    int64_t now = clock_mono_ms(), next = now + POLL_MAX_MS;
    struct job *j, *nx;

    for (j = w->jobs; j; j = nx) {
        nx = j->next;
        if (j->dropped || j->retry_at_ms == 0 || j->tasks_out > 0)
            continue;
        if (j->retry_at_ms <= now) {
            j->retry_at_ms = 0;
            if (j->retry_task)
                submit(j, j->retry_task);
            else
                job_begin(j);
        } else if (j->retry_at_ms < next) {
            next = j->retry_at_ms;
        }
    }
    return (int)(next - now > 0 ? next - now : 0);
}

int worker_run(struct worker *w)
{
    int64_t drain_until = 0;
    int64_t flush_due = clock_mono_ms() + POLL_MAX_MS, left;
    int timeout;

    while (true) {
        if (sig_stop_requested() && !w->draining) {
            log_info("draining: %d answers in flight", w->njobs);
            w->draining = true;
            drain_until = clock_mono_ms() + w->cfg->worker_drain_ms;
            set_paused(w, true);
        }
        if (w->draining && w->njobs == 0 && w->pending_tokens == 0)
            break;
        if (w->draining && clock_mono_ms() >= drain_until) {
            log_warn("drain timeout: abandoning %d answers (they will be redelivered)", w->njobs);
            break;
        }
        timeout = retry_waiting(w);
        if (timeout > STATUS_EVERY_MS)
            timeout = STATUS_EVERY_MS;
        if (clock_mono_ms() - w->status_at_ms >= STATUS_EVERY_MS)
            snapshot_status(w);
        left = flush_due - clock_mono_ms(); /* held tokens due */
        if (left < timeout)
            timeout = left > 0 ? (int)left : 0;
        engine_step(w->engine, timeout, w->wake[0]);
        flush_due = flush_tokens(w);
        drain_wake(w);
        take_tasks(w);
        pump_kafka(w);
        if (!w->control_assigned && clock_mono_ms() >= w->control_retry_ms)
            control_assign(w);
        /* Flow control: stop fetching while full, resume with some room. */
        if (!w->draining && !w->paused && w->njobs >= w->cfg->worker_max_inflight)
            set_paused(w, true);
        else if (!w->draining && w->paused && w->njobs <= w->cfg->worker_max_inflight * 3 / 4)
            set_paused(w, false);
    }
    /* Deliver what was produced, commit what is done, and leave the group. Answers still in
     * flight are dropped uncommitted by the revoke that closing triggers. */
    rd_kafka_flush(w->producer, 10000);
    commit_done(w, true);
    rd_kafka_consumer_close(w->consumer);
    log_info("worker stopped: consumed=%ld answered=%ld failed=%ld dlq=%ld", w->consumed,
             w->answered, w->failed, w->dlq);
    return 0;
}

void worker_free(struct worker *w)
{
    struct job *j;

    if (!w)
        return;
    healthsrv_stop(w->healthsrv);
    if (w->health.started) {
        atomic_store(&w->health.stop, true);
        pthread_join(w->health.thread, NULL);
    }
    json_decref(w->status);
    pthread_mutex_destroy(&w->status_lock);
    /* Whatever is left ends silently: dropped jobs produce nothing. */
    for (j = w->jobs; j; j = j->next)
        j->dropped = true;
    storeq_free(w->storeq, discard_task);
    engine_free(w->engine);
    while (w->jobs)
        job_free(w->jobs);
    if (w->consumer_q)
        rd_kafka_queue_destroy(w->consumer_q);
    if (w->control_q)
        rd_kafka_queue_destroy(w->control_q);
    if (w->producer_q)
        rd_kafka_queue_destroy(w->producer_q);
    if (w->control) {
        rd_kafka_consumer_close(w->control);
        rd_kafka_destroy(w->control);
    }
    if (w->consumer)
        rd_kafka_destroy(w->consumer);
    if (w->producer)
        rd_kafka_destroy(w->producer);
    if (w->pool)
        mongoc_client_pool_destroy(w->pool);
    free(w->db);
    inflight_free(w->inflight);
    ctxcache_free(w->ctxcache);
    if (w->wake[0] >= 0)
        close(w->wake[0]);
    if (w->wake[1] >= 0)
        close(w->wake[1]);
    free(w);
}
