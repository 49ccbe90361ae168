/* task.h - a job's MongoDB steps, run on the store threads (storeq.h).
 *
 * While a task is out, its job is not freed (job->tasks_out) and its request is not
 * modified: the store thread reads job->req and writes the task only. A job starts with
 * three tasks run side by side, each one round trip: TASK_BEGIN decides the attempt and
 * writes the mark, TASK_CONTEXT and TASK_HISTORY read what the prompt is built from; the
 * job continues when all three are back (job.c), so its start costs the slowest round trip,
 * not their sum. TASK_PUT stores an outcome.
 *
 * Threads: task_new() and task_free() on the engine thread; a task's run function on a
 * store thread, between storeq_submit() and storeq_take(). */
#ifndef FINCHAT_TASK_H
#define FINCHAT_TASK_H

#include "llm-worker/engine/store.h"
#include "llm-worker/engine/storeq.h"

#include <jansson.h>
#include <stdbool.h>

struct job;

enum task_kind { TASK_BEGIN, TASK_CONTEXT, TASK_HISTORY, TASK_PUT };

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
    json_t *recorded; /* TASK_PUT result: the conversation's turns recorded after it, or NULL */
};

/* A zeroed task of @kind whose run function does its step. Caller owns it. */
struct task *task_new(enum task_kind kind);
/* Frees @t and what it owns; NULL is a no-op. */
void task_free(struct task *t);
/* task_free() for the struct storeq_task of a task, as storeq_free()'s discard callback. */
void task_discard(struct storeq_task *base);

#endif
