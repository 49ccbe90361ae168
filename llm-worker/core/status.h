/* status.h - the worker's status: the latest snapshot the engine thread takes, and the status
 * thread that pings Kafka and MongoDB, logs readiness when it changes and publishes the
 * snapshot as this worker's document in MongoDB `workers` (the gateway's /api/v1/status
 * shows provider circuits from there).
 *
 * Threads: status_set() is called by the engine thread (the engine is not thread-safe, so
 * only it can take a snapshot); status_get() and status_ready() by any thread (the status
 * thread, the probe endpoint); the snapshot is guarded by @lock, the readiness flags are
 * atomic. status_init(), status_start() and status_release() by the thread owning the
 * worker. */
#ifndef FINCHAT_STATUS_H
#define FINCHAT_STATUS_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "stagehist.h"

/* The stages of a request in the worker, timed per request (stagehist.h), process-wide:
 * recorded by the engine thread, rendered by the probe's /metrics. */
enum worker_stage {
    WS_REQUEST_IN,     /* the request's Kafka timestamp -> consumed here (millisecond clock) */
    WS_BEGIN,          /* consumed -> handed to the engine: the start's MongoDB steps */
    WS_PROVIDER_FIRST, /* handed to the engine -> the first text from the provider chain */
    WS_STAGE_MAX
};
extern struct stagehist worker_stages[WS_STAGE_MAX];

struct status {
    pthread_mutex_t lock;
    json_t *snapshot; /* @locks lock */
    /* The status thread and what it borrows (read-only while it runs). */
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_bool kafka_ok, mongo_ok;
    rd_kafka_t *rk;
    mongoc_client_pool_t *pool;
    const char *db, *name;
};

void status_init(struct status *s);
/* Stops the status thread (if started) and frees the snapshot. */
void status_release(struct status *s);
/* Starts the status thread: it pings Kafka through @rk (thread-safe) and MongoDB with a
 * client of @pool, and writes the snapshot to @db.workers under _id @name. Every argument
 * must outlive status_release(). 0, or FC_EIO when the thread cannot start (the worker
 * then runs without it, never reporting ready). */
int status_start(struct status *s, rd_kafka_t *rk, mongoc_client_pool_t *pool, const char *db,
                 const char *name);
/* Replaces the snapshot with @snapshot (takes ownership). @locality engine thread */
void status_set(struct status *s, json_t *snapshot);
/* A private copy of the snapshot (caller owns it), or NULL before the first. Any thread;
 * @ud is the struct status, as a healthsrv source. */
json_t *status_get(void *ud);
/* True when the last pings of Kafka and MongoDB both answered. Any thread; @ud is the
 * struct status, as a healthsrv source. */
bool status_ready(void *ud);

#endif
