/* storeq.h - a small pool of store threads that run MongoDB work off the engine thread.
 *
 * The engine thread must never wait on MongoDB (every answer in flight would stall), so a
 * job's reads and writes are packed into a task, run on one of the store threads (each with
 * a mongoc client of its own, wrapped in a struct store), and handed back. Finished tasks
 * are collected with storeq_take(); a byte written to @wake_fd (the engine's wake-up pipe)
 * says that one is ready.
 *
 * Threads: storeq_submit(), storeq_take() and storeq_free() are @locality engine thread;
 * task->run is called on a store thread and may touch only the task and the store it is
 * given. The queues are guarded by one mutex. */
#ifndef FINCHAT_STOREQ_H
#define FINCHAT_STOREQ_H

#include <mongoc/mongoc.h>

#include "llm-worker/engine/store.h"

struct storeq;

/* Embed as the first member of a task struct. */
struct storeq_task {
    struct storeq_task *next;
    void (*run)(struct storeq_task *t, struct store *s); /* on a store thread */
    /* Runs before every queued task without it (FIFO within each class): the work an
     * answer's first token waits for goes ahead of the stores of answers already finished,
     * so a burst of finishing answers does not delay the start of new ones. */
    bool first;
};

/* Starts @nthreads threads, each with a client popped from @pool (which must outlive the
 * queue) on database @db. NULL with @errbuf filled on failure. */
struct storeq *storeq_new(mongoc_client_pool_t *pool, const char *db, int nthreads, int wake_fd,
                          char *errbuf, unsigned errlen);
/* Stops the threads after the task each is running; tasks still queued or finished but not
 * taken are passed to @discard (may be NULL). NULL @q is a no-op. */
void storeq_free(struct storeq *q, void (*discard)(struct storeq_task *t));
/* Queues @t (ownership passes to the queue until storeq_take() returns it). */
void storeq_submit(struct storeq *q, struct storeq_task *t);
/* Returns a finished task (ownership back to the caller) or NULL. */
struct storeq_task *storeq_take(struct storeq *q);
/* Tasks submitted and not yet taken back. */
int storeq_pending(const struct storeq *q);

#endif
