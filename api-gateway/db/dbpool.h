/* dbpool.h - a bounded pool of query threads, each owning one PostgreSQL connection and one
 * MongoDB client, so blocking database work never runs on an event loop.
 *
 * Event-loop threads submit jobs (@locality any thread); a pool thread runs each job's
 * run() with its own connections (@locality pool thread). The queue is bounded: when it is
 * full, dbpool_submit() refuses and the caller answers 503, instead of queueing without
 * limit. A PostgreSQL connection whose server has gone (closed, crashed, restarted) is
 * noticed and reset before the next job uses it, so a database restart costs no request
 * once the server answers again; dbpool_exec() checks again before each statement and
 * retries one that could not be sent. */
#ifndef FINCHAT_DBPOOL_H
#define FINCHAT_DBPOOL_H

#include <libpq-fe.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "config.h"

struct dbpool;

struct dbpool_ctx {
    PGconn *pg;
    mongoc_client_t *mongo;
    const char *mongo_db;
    int index;
};

struct dbpool_job {
    struct dbpool_job *next;
    /* Runs on a pool thread; owns the job from then on (frees it or hands it back). */
    void (*run)(struct dbpool_job *job, struct dbpool_ctx *ctx);
};

/* Starts @cfg->pg_pool threads. Connections are opened lazily and retried, so the pool
 * starts even while PostgreSQL is down. NULL with @errbuf on failure. */
struct dbpool *dbpool_new(const struct fc_config *cfg, mongoc_client_pool_t *mongo,
                          const char *mongo_db, int max_queue, char *errbuf, unsigned errlen);
/* Queues @job. 0, or FC_ERATE when the queue is full (the job is not taken). */
int dbpool_submit(struct dbpool *pool, struct dbpool_job *job);
/* What to use instead of PQexecParams() (text parameters and results) for a pool
 * connection: when @conn is idle (not in a transaction) and its server has gone, it is
 * reset first; a statement that could not be sent because the connection was dead is sent
 * once more on a fresh connection. One that may have reached the server is never sent
 * twice. In two halves, so that the caller can do other work (a MongoDB write) while the
 * server runs the statement: dbpool_send() sends it and returns without waiting (false
 * when nothing could be sent); dbpool_receive() waits for its result (caller clears; NULL
 * when nothing was sent). No other statement may use @conn between the two. dbpool_exec()
 * is both. @locality the thread that owns @conn. */
bool dbpool_send(PGconn *conn, const char *sql, int nparams, const char *const *vals);
PGresult *dbpool_receive(PGconn *conn);
PGresult *dbpool_exec(PGconn *conn, const char *sql, int nparams, const char *const *vals);
/* Jobs waiting (not yet running). */
int dbpool_queued(struct dbpool *pool);
/* Runs the queued jobs to completion, stops the threads, closes the connections. */
void dbpool_free(struct dbpool *pool);

#endif
