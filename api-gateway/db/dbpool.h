/* dbpool.h - a bounded pool of query threads, each owning one PostgreSQL connection and one
 * MongoDB client, so blocking database work never runs on an event loop.
 *
 * Event-loop threads submit jobs (@locality any thread); a pool thread runs each job's
 * run() with its own connections (@locality pool thread). The queue is bounded: when it is
 * full, dbpool_submit() refuses and the caller answers 503, instead of queueing without
 * limit. A broken PostgreSQL connection is reset before the next job that uses it. */
#ifndef FINCHAT_DBPOOL_H
#define FINCHAT_DBPOOL_H

#include <libpq-fe.h>
#include <mongoc/mongoc.h>

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
/* Jobs waiting (not yet running). */
int dbpool_queued(struct dbpool *pool);
/* Runs the queued jobs to completion, stops the threads, closes the connections. */
void dbpool_free(struct dbpool *pool);

#endif
