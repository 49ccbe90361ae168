/* storeq.c - store thread pool: two FIFOs of tasks to run (first ones, then the rest) and a
 * FIFO of finished tasks. */
#include "llm-worker/engine/storeq.h"

#include "xmalloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fifo {
    struct storeq_task *head, *tail;
};

struct worker_thread {
    struct storeq *q;
    pthread_t thread;
    mongoc_client_t *client;
    struct store store;
    bool started;
};

struct storeq {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct fifo first, todo, done; /* @locks lock */
    bool stop;                     /* @locks lock */
    int pending;                   /* engine thread only */
    int wake_fd;
    mongoc_client_pool_t *pool;
    int nthreads;
    struct worker_thread *threads;
};

static void push(struct fifo *f, struct storeq_task *t)
{
    t->next = NULL;
    if (f->tail)
        f->tail->next = t;
    else
        f->head = t;
    f->tail = t;
}

static struct storeq_task *pop(struct fifo *f)
{
    struct storeq_task *t = f->head;

    if (t) {
        f->head = t->next;
        if (!f->head)
            f->tail = NULL;
        t->next = NULL;
    }
    return t;
}

static void *thread_main(void *arg)
{
    struct worker_thread *wt = arg;
    struct storeq *q = wt->q;
    struct storeq_task *t;
    ssize_t n;

    pthread_mutex_lock(&q->lock);
    while (true) {
        while (!q->stop && !q->first.head && !q->todo.head)
            pthread_cond_wait(&q->cond, &q->lock);
        if (q->stop)
            break;
        t = q->first.head ? pop(&q->first) : pop(&q->todo);
        pthread_mutex_unlock(&q->lock);
        t->run(t, &wt->store);
        pthread_mutex_lock(&q->lock);
        push(&q->done, t);
        /* The pipe is non-blocking: when it is full the engine is awake anyway. */
        n = write(q->wake_fd, "s", 1);
        (void)n;
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

struct storeq *storeq_new(mongoc_client_pool_t *pool, const char *db, int nthreads, int wake_fd,
                          char *errbuf, unsigned errlen)
{
    struct storeq *q = xcalloc(1, sizeof(*q));

    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->wake_fd = wake_fd;
    q->pool = pool;
    q->nthreads = nthreads;
    q->threads = xcalloc((size_t)nthreads, sizeof(*q->threads));
    for (int i = 0; i < nthreads; i++) {
        struct worker_thread *wt = &q->threads[i];

        wt->q = q;
        wt->client = mongoc_client_pool_pop(pool);
        store_init(&wt->store, wt->client, db);
        if (pthread_create(&wt->thread, NULL, thread_main, wt) != 0) {
            snprintf(errbuf, errlen, "cannot start store thread %d", i);
            storeq_free(q, NULL);
            return NULL;
        }
        wt->started = true;
    }
    return q;
}

void storeq_free(struct storeq *q, void (*discard)(struct storeq_task *t))
{
    struct storeq_task *t;

    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    for (int i = 0; i < q->nthreads; i++) {
        struct worker_thread *wt = &q->threads[i];

        if (wt->started)
            pthread_join(wt->thread, NULL);
        if (wt->client) {
            store_release(&wt->store);
            mongoc_client_pool_push(q->pool, wt->client);
        }
    }
    while ((t = pop(&q->first)) || (t = pop(&q->todo)) || (t = pop(&q->done)))
        if (discard)
            discard(t);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q->threads);
    free(q);
}

void storeq_submit(struct storeq *q, struct storeq_task *t)
{
    pthread_mutex_lock(&q->lock);
    push(t->first ? &q->first : &q->todo, t);
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    q->pending++;
}

struct storeq_task *storeq_take(struct storeq *q)
{
    struct storeq_task *t;

    pthread_mutex_lock(&q->lock);
    t = pop(&q->done);
    pthread_mutex_unlock(&q->lock);
    if (t)
        q->pending--;
    return t;
}

int storeq_pending(const struct storeq *q)
{
    return q->pending;
}
