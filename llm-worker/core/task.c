/* task.c - the MongoDB steps of a job: begin, context, history, put. */
#include "llm-worker/core/task.h"

#include "clock.h"
#include "err.h"
#include "xmalloc.h"
#include "llm-worker/core/job.h"

#include <stdlib.h>
#include <string.h>

void task_free(struct task *t)
{
    if (!t)
        return;
    if (t->have_stored)
        stored_reply_release(&t->stored);
    json_decref(t->context);
    json_decref(t->history);
    json_decref(t->recorded);
    free(t->status);
    free(t->text);
    free(t->provider);
    free(t->model);
    free(t->code);
    free(t->message);
    free(t->dlq_reason);
    free(t);
}

void task_discard(struct storeq_task *base)
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

/* Re-marks a finished reply with the attempt that sends its outcome again. */
static void put_resend(struct task *t, struct store *s, struct reply_doc *d)
{
    d->status = t->stored.status;
    d->text = t->stored.text;
    d->provider = t->stored.provider;
    d->model = t->stored.model;
    d->prompt_tokens = t->stored.prompt_tokens;
    d->completion_tokens = t->stored.completion_tokens;
    d->ttft_ms = t->stored.ttft_ms;
    d->latency_ms = t->stored.latency_ms;
    d->error_code = t->stored.error_code;
    d->error_message = t->stored.error_message;
    store_put_reply(s, d);
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
        put_resend(t, s, &d);
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

    t->rc = store_put_reply_turns(s, &t->doc, &t->recorded);
}

struct task *task_new(enum task_kind kind)
{
    static void (*const run[])(struct storeq_task *, struct store *) = {
        [TASK_BEGIN] = run_begin,
        [TASK_CONTEXT] = run_context,
        [TASK_HISTORY] = run_history,
        [TASK_PUT] = run_put,
    };
    struct task *t = xcalloc(1, sizeof(*t));

    t->base.run = run[kind];
    /* BEGIN, CONTEXT and HISTORY are on the way to the first token; PUT is after the last. */
    t->base.first = kind != TASK_PUT;
    t->kind = kind;
    return t;
}
