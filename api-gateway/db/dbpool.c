/* dbpool.c - query threads with their own connections, fed by a bounded FIFO. */
#include "api-gateway/db/dbpool.h"

#include "err.h"
#include "log.h"
#include "pgconn.h"
#include "xmalloc.h"

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

struct dbpool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct dbpool_job *head, *tail; /* @locks lock */
    int queued;                     /* @locks lock */
    int max_queue;
    bool stopping; /* @locks lock */
    int nthreads;
    pthread_t *threads;
    struct dbpool_ctx *ctxs;
    char *pg_url;
    mongoc_client_pool_t *mongo;
};

struct thread_arg {
    struct dbpool *pool;
    int index;
};

/* True when the server has gone from under an idle connection. libpq learns that a server
 * died only when it next reads, so PQstatus() still says CONNECTION_OK for every pooled
 * connection of a restarted PostgreSQL. An idle connection has nothing to read: a readable
 * socket means EOF, a reset, or the server's parting error, which PQconsumeInput() reads,
 * turning the status to CONNECTION_BAD. A notice or parameter change leaves it OK.
 * Costs one poll() with no wait. @locality pool thread (the connection's owner). */
static bool pg_gone(PGconn *conn)
{
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};

    if (PQstatus(conn) != CONNECTION_OK || p.fd < 0)
        return true;
    if (poll(&p, 1, 0) <= 0)
        return false;
    return !PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK;
}

/* Makes ctx->pg a live connection if it can: a dead one is reset (PQreset() keeps the
 * PGconn, so pointers handed out earlier stay valid), and reopened when that fails.
 * Leaves NULL, with a warning logged, while PostgreSQL cannot be reached.
 * @locality pool thread. */
static void ensure_pg(struct dbpool *pool, struct dbpool_ctx *ctx)
{
    char err[256];

    if (ctx->pg && !pg_gone(ctx->pg))
        return;
    if (ctx->pg) {
        PQreset(ctx->pg);
        if (PQstatus(ctx->pg) == CONNECTION_OK)
            return;
        pg_close(ctx->pg);
        ctx->pg = NULL;
    }
    ctx->pg = pg_open(pool->pg_url, err, sizeof(err));
    if (!ctx->pg)
        log_warn("dbpool %d: %s", ctx->index, err);
}

/* True when a failed statement never reached the server: libpq could not write it (it says
 * so in the connection's error, in the C locale the gateway runs in). The server executes
 * nothing of a message it did not receive whole up to Sync, so running it again cannot run
 * it twice. Any other failure of a dead connection may have come after the statement ran. */
static bool never_sent(PGconn *conn)
{
    return PQstatus(conn) == CONNECTION_BAD &&
           strstr(PQerrorMessage(conn), "could not send data to server") != NULL;
}

static bool failed(const PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    return st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE;
}

bool dbpool_send(PGconn *conn, const char *sql, int nparams, const char *const *vals)
{
    bool idle = PQtransactionStatus(conn) == PQTRANS_IDLE;

    /* A statement inside a transaction stays on its session, dead or not: a new session
     * would run it outside the transaction. */
    if (idle && pg_gone(conn))
        PQreset(conn);
    if (PQsendQueryParams(conn, sql, nparams, NULL, vals, NULL, NULL, 0))
        return true;
    if (!idle || !never_sent(conn))
        return false;
    log_warn("postgres: connection lost before a statement was sent; reconnecting once");
    PQreset(conn);
    return PQsendQueryParams(conn, sql, nparams, NULL, vals, NULL, NULL, 0) == 1;
}

PGresult *dbpool_receive(PGconn *conn)
{
    PGresult *res = NULL, *r;

    /* One statement: its result, then NULL. A failed one is kept over anything after it. */
    while ((r = PQgetResult(conn)) != NULL) {
        if (res && failed(res)) {
            PQclear(r);
            continue;
        }
        PQclear(res);
        res = r;
    }
    return res;
}

PGresult *dbpool_exec(PGconn *conn, const char *sql, int nparams, const char *const *vals)
{
    dbpool_send(conn, sql, nparams, vals); /* what failed shows in the result */
    return dbpool_receive(conn);
}

static void *thread_main(void *arg)
{
    struct thread_arg *ta = arg;
    struct dbpool *pool = ta->pool;
    struct dbpool_ctx *ctx = &pool->ctxs[ta->index];

    free(ta);
    for (;;) {
        struct dbpool_job *job;

        pthread_mutex_lock(&pool->lock);
        while (!pool->head && !pool->stopping)
            pthread_cond_wait(&pool->cond, &pool->lock);
        job = pool->head;
        if (!job) {
            pthread_mutex_unlock(&pool->lock);
            break;
        }
        pool->head = job->next;
        if (!pool->head)
            pool->tail = NULL;
        pool->queued--;
        pthread_mutex_unlock(&pool->lock);

        ensure_pg(pool, ctx);
        job->run(job, ctx);
    }
    return NULL;
}

struct dbpool *dbpool_new(const struct fc_config *cfg, mongoc_client_pool_t *mongo,
                          const char *mongo_db, int max_queue, char *errbuf, unsigned errlen)
{
    struct dbpool *pool = xcalloc(1, sizeof(*pool));

    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->cond, NULL);
    pool->max_queue = max_queue;
    pool->nthreads = cfg->pg_pool;
    pool->pg_url = xstrdup(cfg->pg_url);
    pool->mongo = mongo;
    pool->threads = xcalloc((size_t)pool->nthreads, sizeof(pthread_t));
    pool->ctxs = xcalloc((size_t)pool->nthreads, sizeof(struct dbpool_ctx));
    for (int i = 0; i < pool->nthreads; i++) {
        struct thread_arg *ta = xmalloc(sizeof(*ta));

        pool->ctxs[i].index = i;
        pool->ctxs[i].mongo_db = mongo_db;
        pool->ctxs[i].mongo = mongo ? mongoc_client_pool_pop(mongo) : NULL;
        ta->pool = pool;
        ta->index = i;
        if (pthread_create(&pool->threads[i], NULL, thread_main, ta) != 0) {
            snprintf(errbuf, errlen, "cannot start query thread %d", i);
            free(ta);
            pool->nthreads = i;
            dbpool_free(pool);
            return NULL;
        }
    }
    return pool;
}

int dbpool_submit(struct dbpool *pool, struct dbpool_job *job)
{
    pthread_mutex_lock(&pool->lock);
    if (pool->queued >= pool->max_queue || pool->stopping) {
        pthread_mutex_unlock(&pool->lock);
        return FC_ERATE;
    }
    job->next = NULL;
    if (pool->tail)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pool->queued++;
    pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    return 0;
}

int dbpool_queued(struct dbpool *pool)
{
    int n;

    pthread_mutex_lock(&pool->lock);
    n = pool->queued;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

void dbpool_free(struct dbpool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    for (int i = 0; i < pool->nthreads; i++) {
        pg_close(pool->ctxs[i].pg);
        if (pool->ctxs[i].mongo)
            mongoc_client_pool_push(pool->mongo, pool->ctxs[i].mongo);
    }
    free(pool->threads);
    free(pool->ctxs);
    free(pool->pg_url);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->cond);
    free(pool);
}
