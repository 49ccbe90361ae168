/* job.c - the job state machine: a chat request from its arrival to its last chunk. */
#include "llm-worker/core/job.h"

#include "clock.h"
#include "err.h"
#include "trace.h"
#include "xmalloc.h"
#include "llm-worker/core/cancel.h"
#include "llm-worker/core/dlq.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/core/producer.h"
#include "llm-worker/core/status.h"
#include "llm-worker/core/task.h"
#include "llm-worker/core/worker_int.h"
#include "llm-worker/engine/checks.h"
#include "llm-worker/engine/ctxcache.h"
#include "llm-worker/engine/histcache.h"
#include "llm-worker/engine/storeq.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_MS 1000          /* MongoDB retry interval of a waiting job */
#define STORE_GIVE_UP_MS 30000 /* a final that cannot be stored this long ends in an error */

void job_log(enum log_level lvl, const struct job *j, const char *fmt, ...)
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

static void early_free_all(struct job *j);

/* Has job_retry_due() try @j's store step again in RETRY_MS. */
static void retry_later(struct job *j)
{
    j->retry_at_ms = clock_mono_ms() + RETRY_MS;
    if (j->retry_at_ms < j->w->retry_scan_ms)
        j->w->retry_scan_ms = j->retry_at_ms;
}

static void submit(struct job *j, struct task *t)
{
    t->job = j;
    j->tasks_out++;
    j->retry_task = NULL;
    storeq_submit(j->w->storeq, &t->base);
}

struct job *job_find(struct worker *w, const char *request_id)
{
    for (struct job *j = w->jobs; j; j = j->next)
        if (!j->dropped && strcmp(j->req.request_id, request_id) == 0)
            return j;
    return NULL;
}

void job_free(struct job *j)
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
    json_decref(j->tools);
    json_decref(j->checks);
    early_free_all(j);
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
    struct ctoken *tok = producer_token_new(j, dlq_reason ? 2 : 1);

    if (producer_chunk(j, CHUNK_ERROR, json_pack("{s:s, s:s}", "code", code, "message", message),
                       tok) != 0)
        producer_token_unref(j->w, tok);
    if (dlq_reason &&
        dlq_send(j->w, j->req.request_id, j->attempt, dlq_reason, j->raw, j->traceparent, tok) != 0)
        producer_token_unref(j->w, tok);
    job_log(LOG_WARN, j, "request failed: %s", code);
    j->w->failed++;
    job_free(j);
}

/* Ends @j with an error: stores the message with @status (and the text streamed so far),
 * then sends an error chunk @code, and the DLQ entry when @dlq_reason is given. */
static void job_fail(struct job *j, const char *status, const char *code, const char *message,
                     const char *dlq_reason)
{
    struct task *t = task_new(TASK_PUT);

    t->status = xstrdup(status);
    t->text = xstrdup(j->text.buf ? j->text.buf : "");
    t->provider = xstrdup_or_null(j->provider);
    t->model = xstrdup_or_null(j->model);
    t->code = xstrdup(code);
    t->message = xstrdup(message ? message : "");
    t->dlq_reason = xstrdup_or_null(dlq_reason);
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
    t->doc.tools = j->tools;
    j->state = JOB_FINISHING;
    submit(j, t);
}

#define FINAL_TOOLS_BYTES 32768

/* The calls of @tools (stored form) as the final event lists them: without their results,
 * and no more than FINAL_TOOLS_BYTES of them. */
static json_t *final_tools(const json_t *tools)
{
    json_t *out = json_array(), *c;
    size_t i, bytes = 0;

    json_array_foreach(tools, i, c)
    {
        json_t *item;
        char *text;

        if (i >= TOOL_CALLS_MAX)
            break;
        item = json_deep_copy(c);
        json_object_del(item, "result");
        text = json_dumps(item, JSON_COMPACT);
        bytes += text ? strlen(text) : 0;
        free(text);
        /* The final chunk must stay well within a Kafka chunk's 64 KiB: the stored message
         * keeps every call. */
        if (bytes > FINAL_TOOLS_BYTES) {
            json_decref(item);
            break;
        }
        json_array_append_new(out, item);
    }
    return out;
}

/* Adds the optional "tools" and "checks" of the final event to @data (SPEC §14). */
static json_t *final_extras(json_t *data, const json_t *tools, const json_t *checks)
{
    if (json_is_array(tools) && json_array_size(tools))
        json_object_set_new(data, "tools", final_tools(tools));
    if (json_is_object(checks))
        json_object_set(data, "checks", (json_t *)checks);
    return data;
}

/* Sends again what an earlier attempt stored as finished (its final chunk may never have
 * reached Kafka), under a new attempt so that it replaces anything the client holds. */
static void job_resend(struct job *j, struct stored_reply *r)
{
    struct ctoken *tok;

    j->redelivered = true;
    producer_reset(j, "worker_failover");
    if (strcmp(r->status, "complete") != 0) {
        send_error_and_free(j, r->error_code ? r->error_code : "provider_error",
                            r->error_message ? r->error_message : "the answer failed", NULL);
        return;
    }
    j->provider = xstrdup_or_null(r->provider);
    j->model = xstrdup_or_null(r->model);
    producer_start(j);
    if (r->text && *r->text)
        producer_text(j, r->text, strlen(r->text));
    tok = producer_token_new(j, 1);
    producer_chunk(
        j, CHUNK_FINAL,
        final_extras(json_pack("{s:s, s:s, s:s, s:{s:i, s:i}, s:{s:i, s:i}, s:I}", "message_id",
                               j->req.reply_message_id, "provider",
                               r->provider ? r->provider : "unknown", "model",
                               r->model ? r->model : "", "usage", "prompt_tokens", r->prompt_tokens,
                               "completion_tokens", r->completion_tokens, "timings", "ttft_ms",
                               r->ttft_ms, "total_ms", r->latency_ms, "text_length",
                               (json_int_t)(r->text ? utf8_count(r->text, strlen(r->text)) : 0)),
                     r->tools, r->checks),
        tok);
    job_log(LOG_INFO, j, "re-sent the stored answer");
    j->w->answered++;
    job_free(j);
}

/* ---- what the sinks report before the claim is back (job.h) ---- */

enum early_kind { EARLY_START, EARLY_TOKEN, EARLY_TOOL, EARLY_RESET, EARLY_DONE };

struct early {
    struct early *next;
    enum early_kind kind;
    char *a, *b;  /* start: provider, model; token: text; reset: reason; done: message */
    size_t len;   /* token: bytes of @a */
    json_t *tool; /* EARLY_TOOL: {id,name,args,label,status,ms,round,result} */
    int rc;       /* done */
    struct gen_usage usage;
};

static struct early *early_push(struct job *j, enum early_kind kind)
{
    struct early *e = xcalloc(1, sizeof(*e));

    e->kind = kind;
    if (!j->early_tail)
        j->early_tail = &j->early;
    *j->early_tail = e;
    j->early_tail = &e->next;
    return e;
}

static void early_free_all(struct job *j)
{
    while (j->early) {
        struct early *e = j->early;

        j->early = e->next;
        free(e->a);
        free(e->b);
        json_decref(e->tool);
        free(e);
    }
    j->early_tail = &j->early;
}

static void sink_start(void *ud, const char *provider, const char *model);
static void sink_token(void *ud, const char *text, size_t len);
static void sink_tool(void *ud, const struct gen_tool_event *ev);
static void sink_reset(void *ud, const char *reason);
static void sink_done(void *ud, int rc, const struct gen_usage *usage, const char *errmsg);

/* Tells the sinks, in order, what the engine reported before the claim came back. The last
 * one may end the job (a done is always last). */
static void early_replay(struct job *j)
{
    struct early *list = j->early;

    j->early = NULL;
    j->early_tail = &j->early;
    while (list) {
        struct early *e = list;
        struct gen_tool_event ev;

        list = e->next;
        switch (e->kind) {
        case EARLY_START:
            sink_start(j, e->a, e->b);
            break;
        case EARLY_TOKEN:
            sink_token(j, e->a, e->len);
            break;
        case EARLY_TOOL:
            memset(&ev, 0, sizeof(ev));
            ev.id = json_string_value(json_object_get(e->tool, "id"));
            ev.name = json_string_value(json_object_get(e->tool, "name"));
            ev.args = json_object_get(e->tool, "args");
            ev.label = json_string_value(json_object_get(e->tool, "label"));
            ev.status = json_string_value(json_object_get(e->tool, "status"));
            ev.ms = (int)json_integer_value(json_object_get(e->tool, "ms"));
            ev.round = (int)json_integer_value(json_object_get(e->tool, "round"));
            ev.result = json_object_get(e->tool, "result");
            if (json_is_null(ev.result))
                ev.result = NULL;
            sink_tool(j, &ev);
            break;
        case EARLY_RESET:
            sink_reset(j, e->a);
            break;
        case EARLY_DONE:
            sink_done(j, e->rc, &e->usage, e->b);
            break;
        }
        free(e->a);
        free(e->b);
        json_decref(e->tool);
        free(e);
    }
}

static void sink_start(void *ud, const char *provider, const char *model)
{
    struct job *j = ud;
    struct early *e;

    if (j->dropped)
        return;
    if (!j->claimed) {
        e = early_push(j, EARLY_START);
        e->a = xstrdup_or_null(provider);
        e->b = xstrdup_or_null(model);
        return;
    }
    free(j->provider);
    free(j->model);
    j->provider = xstrdup(provider ? provider : "unknown");
    j->model = xstrdup(model ? model : "");
    producer_start(j);
}

static void sink_token(void *ud, const char *text, size_t len)
{
    struct job *j = ud;
    char *buf;
    size_t n, cut;

    if (j->dropped || len == 0)
        return;
    if (j->gen_ns) {
        stagehist_since(&worker_stages[WS_PROVIDER_FIRST], j->gen_ns);
        j->gen_ns = 0;
    }
    if (!j->claimed) {
        struct early *e = early_push(j, EARLY_TOKEN);

        e->a = xstrndup(text, len);
        e->len = len;
        return;
    }
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
        producer_hold(j, clean);
        free(clean);
    }
    free(buf);
}

/* Arguments as events and the final event show them: a model's arguments may be as large as
 * TOOLROUND_ARGS_MAX, more than a chunk may hold, so large ones are replaced by their size. */
#define EVENT_ARGS_MAX 2048

static json_t *event_args(const json_t *args)
{
    char *text = json_dumps(args, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;

    free(text);
    if (n <= EVENT_ARGS_MAX)
        return json_incref((json_t *)args);
    return json_pack("{s:I}", "omitted_bytes", (json_int_t)n);
}

/* A tool call started or ended: sent as a tool event after the text before it, and kept
 * (with its result) for the stored message and the checks. */
static void sink_tool(void *ud, const struct gen_tool_event *ev)
{
    struct job *j = ud;
    json_t *data;

    if (j->dropped)
        return;
    if (!j->claimed) {
        early_push(j, EARLY_TOOL)->tool =
            json_pack("{s:s, s:s, s:O, s:s, s:s, s:i, s:i, s:O?}", "id", ev->id, "name", ev->name,
                      "args", ev->args, "label", ev->label, "status", ev->status, "ms", ev->ms,
                      "round", ev->round, "result", ev->result);
        return;
    }
    data = json_pack("{s:s, s:s, s:o, s:s, s:i, s:s, s:i}", "id", ev->id, "name", ev->name, "args",
                     event_args(ev->args), "status", ev->status, "ms", ev->ms, "label", ev->label,
                     "round", ev->round);
    if (!data)
        return;
    if (strcmp(ev->status, "running") != 0) {
        json_t *kept = json_deep_copy(data);

        json_object_set(kept, "result", ev->result ? (json_t *)ev->result : json_null());
        if (!j->tools)
            j->tools = json_array();
        json_array_append_new(j->tools, kept);
    }
    producer_chunk(j, CHUNK_TOOL, data, NULL);
}

static void sink_reset(void *ud, const char *reason)
{
    struct job *j = ud;

    if (j->dropped)
        return;
    if (!j->claimed) {
        early_push(j, EARLY_RESET)->a = xstrdup_or_null(reason);
        return;
    }
    json_decref(j->tools);
    j->tools = NULL;
    strbuf_release(&j->text);
    j->ncarry = 0;
    j->ttft_ms = -1;
    producer_reset(j, reason && *reason ? reason : "provider_failover");
    j->text_sent = false; /* after the held text of the failed attempt went out before it */
}

static void job_store_final(struct job *j);

/* The checks of the answer (SPEC §14): its figures against the results of its tool calls,
 * the context document its prompt held and the question. */
static json_t *job_checks(const struct job *j)
{
    json_t *sources = json_array(), *c, *checks;
    size_t i;

    /* Amounts the question named ("can I afford $2,000?") may be repeated as they are. */
    json_array_append_new(sources, json_string(j->req.text));
    if (j->context)
        json_array_append(sources, j->context);
    json_array_foreach(j->tools, i, c)
    {
        json_t *r = json_object_get(c, "result");

        if (r && strcmp(json_string_value(json_object_get(c, "status")), "ok") == 0)
            json_array_append(sources, r);
    }
    checks = checks_run(j->text.buf ? j->text.buf : "", sources);
    json_decref(sources);
    return checks;
}

static void sink_done(void *ud, int rc, const struct gen_usage *usage, const char *errmsg)
{
    struct job *j = ud;

    j->gen = NULL;
    if (j->dropped) {
        if (j->tasks_out == 0) /* else the last task back frees it (job_take_tasks()) */
            job_free(j);
        return;
    }
    if (!j->claimed) {
        struct early *e = early_push(j, EARLY_DONE);

        e->rc = rc;
        if (usage)
            e->usage = *usage;
        e->b = xstrdup_or_null(errmsg);
        return;
    }
    /* A character still cut in two at the end is repaired, not lost. */
    if (j->ncarry) {
        size_t n;
        char *clean = utf8_sanitize(j->carry, j->ncarry, &n);

        strbuf_addstr(&j->text, clean);
        producer_hold(j, clean);
        producer_flush_job(j);
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
    j->checks = job_checks(j);
    job_store_final(j);
}

/* Stores the complete answer; the final chunk follows once it is stored (on_put_done), so
 * the stored message always equals what the client assembled. */
static void job_store_final(struct job *j)
{
    struct task *t = task_new(TASK_PUT);
    int64_t total = j->done_ms - j->t0_ms;

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
    t->doc.tools = j->tools;
    t->doc.checks = j->checks;
    submit(j, t);
}

static void send_final_and_free(struct job *j)
{
    const char *text = j->text.buf ? j->text.buf : "";
    int64_t total = j->done_ms - j->t0_ms;
    int ttft = j->ttft_ms < 0 ? (int)total : (int)j->ttft_ms;
    char extra[256];

    producer_chunk(j, CHUNK_FINAL,
                   final_extras(json_pack("{s:s, s:s, s:s, s:{s:i, s:i}, s:{s:i, s:I}, s:I}",
                                          "message_id", j->req.reply_message_id, "provider",
                                          j->provider ? j->provider : "unknown", "model",
                                          j->model ? j->model : "", "usage", "prompt_tokens",
                                          j->usage.prompt_tokens, "completion_tokens",
                                          j->usage.completion_tokens, "timings", "ttft_ms", ttft,
                                          "total_ms", (json_int_t)total, "text_length",
                                          (json_int_t)utf8_count(text, strlen(text))),
                                j->tools, j->checks),
                   producer_token_new(j, 1));
    snprintf(extra, sizeof(extra),
             ",\"attempt\":%d,\"provider\":\"%s\",\"ttft_ms\":%d,\"total_ms\":%" PRId64
             ",\"completion_tokens\":%d",
             j->attempt, j->provider ? j->provider : "", ttft, total, j->usage.completion_tokens);
    log_emit(LOG_INFO, j->req.request_id, j->trace_id, extra, "answered");
    j->w->answered++;
    job_free(j);
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

static void job_advance(struct job *j);

/* Starts @j: the store threads claim the attempt and load the documents (job_advance()
 * continues as they come back); turns the request carries stand in for the stored history.
 * Cancels and passed deadlines end it here without touching MongoDB. */
static void job_begin(struct job *j)
{
    struct task *t;

    if (cancel_seen(&j->w->cancels, j->req.request_id, clock_mono_ms()) || j->cancel_requested) {
        job_fail(j, "canceled", "canceled", "canceled before the answer started", NULL);
        return;
    }
    if (clock_wall_ms() >= j->req.deadline_ms) {
        job_fail(j, "error", "timeout", "the request's deadline passed before it started", NULL);
        return;
    }
    /* A retried start: what the failed one loaded is loaded again. */
    task_free(j->begin_t);
    task_free(j->ctx_t);
    task_free(j->hist_t);
    j->begin_t = j->ctx_t = j->hist_t = NULL;
    t = task_new(TASK_BEGIN);
    t->max_attempts = j->w->cfg->max_attempts;
    j->state = JOB_BEGIN;
    submit(j, t);
    t = task_new(TASK_CONTEXT);
    t->context =
        j->context_none ? NULL : ctxcache_get(j->w->ctxcache, j->req.user_id, j->context_version);
    if (t->context || j->context_none) {
        t->job = j;
        j->ctx_t = t; /* the document of this version is at hand, or there is none: no read */
    } else {
        submit(j, t);
    }
    t = task_new(TASK_HISTORY);
    if (j->req.client_history) {
        t->job = j;
        t->history = client_history(&j->req);
        j->hist_t = t; /* the client sent its turns: the stored ones are not read */
    } else if ((t->history = histcache_get(j->w->histcache, j->req.conversation_id, j->partition,
                                           j->epoch)) != NULL) {
        t->job = j;
        j->hist_t = t; /* this worker recorded them, and kept the partition since */
    } else {
        submit(j, t);
    }
    job_advance(j);
}

static void job_generate(struct job *j);

/* Builds @j's prompt from the context and history its start loaded (j->ctx_t, j->hist_t,
 * freed here) and hands it to the engine; until the claim is back its sinks only queue. */
static void job_start_answer(struct job *j)
{
    struct worker *w = j->w;
    struct task *ctx = j->ctx_t, *hist = j->hist_t;

    j->ctx_t = j->hist_t = NULL;
    j->started = true;
    /* Without context or history the answer is poorer but still useful. */
    if (ctx->ctx_failed)
        job_log(LOG_WARN, j, "context unavailable");
    if (hist->hist_failed)
        job_log(LOG_WARN, j, "history unavailable");
    j->context = ctx->context;
    ctx->context = NULL;
    /* NULL: read again (turns the client sent are not the conversation's stored ones) */
    j->history = hist->hist_failed || j->req.client_history ? NULL : json_incref(hist->history);
    /* Answers of one conversation running side by side each read the turns before the
     * other's was recorded: they re-read them before recording theirs. */
    for (struct job *o = w->jobs; o; o = o->next)
        if (o != j && !o->dropped && strcmp(o->req.conversation_id, j->req.conversation_id) == 0)
            o->history_shared = j->history_shared = true;
    prompt_build(&j->prompt, j->context, hist->history, j->req.message_id, j->req.reply_message_id,
                 PROMPT_CONTEXT_TOKENS, PROMPT_HISTORY_TOKENS);
    j->have_prompt = true;
    task_free(ctx);
    task_free(hist);
    job_generate(j);
}

/* Forgets an answer started before its claim came back: the generation is aborted unseen,
 * what its sinks queued is dropped, and the prompt and documents are released (a retried
 * start loads them again). */
static void job_unstart(struct job *j)
{
    if (j->gen)
        engine_abort(j->w->engine, j->gen);
    j->gen = NULL;
    early_free_all(j);
    if (j->have_prompt)
        prompt_release(&j->prompt);
    j->have_prompt = false;
    json_decref(j->context);
    json_decref(j->history);
    j->context = j->history = NULL;
    j->started = false;
    j->state = JOB_BEGIN;
}

/* Applies the claim's plan (@t, freed here): the attempt the answer is sent under, or that
 * an earlier attempt's outcome is sent again, or that the attempts are used up. Called once
 * no other task of the start is out. False when @j ended or waits for a retry. */
static bool on_claim_done(struct job *j, struct task *t)
{
    char reason[96];

    if (t->rc == FC_EDEP) {
        /* Without the stored attempt a redelivery cannot be told from a first delivery, and
         * guessing could reuse seq numbers the client already has: wait for MongoDB. */
        task_free(t);
        job_unstart(j);
        j->claim_first = true;
        if (clock_wall_ms() >= j->req.deadline_ms) {
            job_fail(j, "error", "dependency_down", "the message store is unavailable", NULL);
            return false;
        }
        retry_later(j);
        return false;
    }
    j->attempt = t->attempt;
    switch (t->plan) {
    case PLAN_RESEND:
        job_unstart(j);
        job_resend(j, &t->stored);
        task_free(t);
        return false;
    case PLAN_MAX_ATTEMPTS:
        snprintf(reason, sizeof(reason), "max_attempts: tried %d times without an answer",
                 t->attempt - 1);
        task_free(t);
        job_unstart(j);
        job_fail(j, "error", "max_attempts", "the answer failed on every attempt", reason);
        return false;
    case PLAN_REDELIVERY:
        j->redelivered = true;
        job_log(LOG_WARN, j, "redelivered request: the previous attempt did not finish");
        producer_reset(j, "worker_failover");
        break;
    case PLAN_FRESH:
        break;
    }
    task_free(t);
    if (!j->started && j->cancel_requested) {
        job_fail(j, "canceled", "canceled", "canceled before the answer started", NULL);
        return false;
    }
    j->claimed = true;
    if (!j->early)
        return true;
    early_replay(j); /* may end @j */
    return false;
}

/* Moves @j's start on with what is back. The claim's plan applies once the documents are in
 * too (or the answer already started on them), so that nothing of the start is still out
 * when it ends the job; the answer starts once the documents are in, claimed or not. */
static void job_advance(struct job *j)
{
    struct task *t;

    if (j->begin_t && (j->started || (j->ctx_t && j->hist_t))) {
        t = j->begin_t;
        j->begin_t = NULL;
        if (!on_claim_done(j, t))
            return; /* ended, retried later, or its queued reports went out */
    }
    if (!j->started && j->ctx_t && j->hist_t && j->state == JOB_BEGIN && !j->cancel_requested &&
        (j->claimed || !j->claim_first))
        job_start_answer(j);
}

/* Hands @j, its prompt built, to the engine (JOB_GENERATING); the sinks take it from there. */
static void job_generate(struct job *j)
{
    struct worker *w = j->w;
    struct gen_request g;
    struct gen_sink sink;
    int64_t left;

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
    g.tool_token = j->req.tool_token;
    sink.on_start = sink_start;
    sink.on_token = sink_token;
    sink.on_reset = sink_reset;
    sink.on_done = sink_done;
    sink.on_tool = sink_tool;
    sink.ud = j;
    j->state = JOB_GENERATING;
    stagehist_since(&worker_stages[WS_BEGIN], j->t0_ns);
    j->gen_ns = clock_mono_ns();
    j->gen = engine_start(w->engine, &g, sink);
    if (j->gen)
        return;
    if (!j->claimed) { /* said once the claim is back, under its attempt */
        struct early *e = early_push(j, EARLY_DONE);

        e->rc = FC_EIO;
        e->b = xstrdup("the engine refused the request");
        return;
    }
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
            retry_later(j);
            return;
        }
        task_free(t);
        job_fail(j, "error", "dependency_down", "the answer could not be stored", NULL);
        return;
    }
    /* The turns this answer recorded serve the conversation's next question; when another
     * answer of it ran meanwhile, which of the two recorded last is not known here. */
    if (t->recorded || j->history_shared)
        histcache_put(j->w->histcache, j->req.conversation_id, j->partition, j->epoch,
                      j->history_shared ? NULL : t->recorded);
    task_free(t);
    send_final_and_free(j);
}

/* Continues the jobs whose store tasks finished. @locality engine thread. */
void job_take_tasks(struct worker *w)
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
        } else if (j->state != JOB_BEGIN || j->started) {
            task_free(t); /* the job ended (or is being retried) meanwhile */
            continue;
        } else if (t->kind == TASK_CONTEXT) {
            j->ctx_t = t;
            if (!t->ctx_failed && t->context)
                ctxcache_put(w->ctxcache, j->req.user_id, t->context);
        } else {
            j->hist_t = t;
        }
        job_advance(j);
    }
}

/* Sends undecodable request @m to the DLQ; a returned one (@epoch set) cannot be, having
 * decoded when it was handed over, and is only logged and let go. */
static void poison(struct worker *w, const rd_kafka_message_t *m, const char *why,
                   const char *parent, int32_t partition, int64_t offset, const uint64_t *epoch)
{
    if (!epoch) {
        dlq_poison(w, m, why, parent);
        return;
    }
    log_error("a request handed back at [%d] %" PRId64 " does not decode (%s): dropped",
              (int)partition, offset, why);
    inflight_done(w->inflight, partition, offset, *epoch);
}

/* Starts the job of request @m, read at @offset of @partition (the message's own unless it
 * is a copy that was handed over: handoff.h), whose offset is tracked under *@epoch, or is
 * tracked here when @epoch is NULL. */
static void accept_request(struct worker *w, const rd_kafka_message_t *m, int32_t partition,
                           int64_t offset, const uint64_t *epoch)
{
    char err[256], parent[128] = "", version[24] = "";
    struct job *j;
    char *end;
    int64_t ts;

    w->consumed++;
    kafka_header(m, "traceparent", parent, sizeof(parent));
    kafka_header(m, "context-version", version, sizeof(version));
    j = xcalloc(1, sizeof(*j));
    if (chatmsg_decode_request(m->payload, m->len, &j->req, err, sizeof(err)) != 0) {
        free(j);
        poison(w, m, err, parent, partition, offset, epoch);
        return;
    }
    if (w->chunk_partitions > 0 && j->req.reply_partition >= w->chunk_partitions) {
        chat_request_release(&j->req);
        free(j);
        poison(w, m, "reply_partition: no such partition of finchat.chat.chunks", parent, partition,
               offset, epoch);
        return;
    }
    j->w = w;
    j->raw = xstrndup(m->payload, m->len);
    j->partition = partition;
    j->offset = offset;
    j->attempt = j->req.attempt;
    j->ttft_ms = -1;
    j->t0_ms = clock_mono_ms();
    j->t0_ns = clock_mono_ns();
    ts = rd_kafka_message_timestamp(m, NULL);
    if (ts > 0)
        stagehist_observe(&worker_stages[WS_REQUEST_IN], (clock_wall_ms() - ts) * 1000);
    /* A header that is neither "none" nor a plain decimal only costs the cache: the
     * context is read. */
    j->context_none = strcmp(version, KAFKA_CONTEXT_NONE) == 0;
    j->context_version = version[0] >= '0' && version[0] <= '9' ? strtoll(version, &end, 10) : -1;
    if (j->context_version >= 0 && *end)
        j->context_version = -1;
    j->state = JOB_BEGIN;
    trace_child(parent, j->traceparent, sizeof(j->traceparent), j->trace_id);
    if (epoch) {
        j->epoch = *epoch;
    } else if (inflight_add(w->inflight, partition, offset, &j->epoch) != 0) {
        /* Seen before in this assignment (a consumer never goes back without a rebalance). */
        job_log(LOG_WARN, j, "skipping an offset already tracked");
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
    job_log(LOG_INFO, j, "request received");
    job_begin(j);
}

void job_on_request(struct worker *w, const rd_kafka_message_t *m)
{
    accept_request(w, m, m->partition, m->offset, NULL);
}

void job_on_returned(struct worker *w, const rd_kafka_message_t *m, int32_t partition,
                     int64_t offset, uint64_t epoch)
{
    accept_request(w, m, partition, offset, &epoch);
}

void job_cancel(struct job *j)
{
    job_log(LOG_INFO, j, "cancel requested");
    if (j->gen)
        engine_cancel(j->w->engine, j->gen);
    else if (j->state == JOB_BEGIN && j->tasks_out > 0)
        j->cancel_requested = true;
    else if (j->state == JOB_BEGIN)
        job_fail(j, "canceled", "canceled", "canceled by the user", NULL);
}

int job_retry_due(struct worker *w)
{
    int64_t now = clock_mono_ms(), next = now + POLL_MAX_MS;
    struct job *j, *nx;

    /* The jobs are walked only when a retry is due (retry_later() says when), not after
     * every engine step: with hundreds of answers streaming that walk was a CPU cost of its
     * own. */
    if (now < w->retry_scan_ms)
        return (int)(w->retry_scan_ms - now);

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
    /* A due retry whose job still has a task out is looked at again soon. */
    w->retry_scan_ms = next;
    return (int)(next - now > 0 ? next - now : 0);
}

void job_drop_partition(struct worker *w, int32_t partition)
{
    struct job *j = w->jobs, *next;

    for (; j; j = next) {
        next = j->next;
        if (j->partition != partition || j->dropped)
            continue;
        job_log(LOG_WARN, j, "partition revoked: dropping the answer in progress");
        j->dropped = true;
        if (j->gen)
            engine_cancel(w->engine, j->gen);
        else if (j->tasks_out == 0)
            job_free(j);
    }
    inflight_drop(w->inflight, partition);
}
