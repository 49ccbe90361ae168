/* worker_int.h - the chat worker's state, shared by the modules of llm-worker/core/; main.c
 * sees worker.h only.
 *
 * Which thread owns what: every field is @locality engine thread (the thread running
 * worker_run(), on which the engine sinks, rebalances, delivery reports and finished store
 * tasks are all served) unless its comment says otherwise. Fields set by worker_new() and
 * marked read-only are read by the other threads (status thread, store threads, probe). */
#ifndef FINCHAT_WORKER_INT_H
#define FINCHAT_WORKER_INT_H

#include "config.h"
#include "kafka.h"
#include "llm-worker/core/cancel.h"
#include "llm-worker/core/status.h"

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#define POLL_MAX_MS 100  /* longest engine_step() wait: bounds signal and timer latency */
#define CONSUME_BATCH 64 /* messages taken from one queue per loop turn */

struct job;

struct worker {
    const struct fc_config *cfg; /* read-only */
    char name[300];              /* host:pid, read-only */
    /* The producer is thread-safe; the status thread pings Kafka through it. */
    rd_kafka_t *consumer, *control, *producer;
    rd_kafka_queue_t *consumer_q, *control_q, *producer_q;
    int wake[2];                /* the engine's wake-up pipe; the store threads write wake[1] */
    int chunk_partitions;       /* partitions of finchat.chat.chunks, -1 unknown */
    int request_partitions;     /* partitions of finchat.chat.requests, -1 unknown */
    mongoc_client_pool_t *pool; /* thread-safe */
    char *db;                   /* read-only */
    struct storeq *storeq;
    struct engine *engine;
    struct inflight *inflight;
    struct ctxcache *ctxcache;
    struct histcache *histcache;
    struct handoff *handoff;
    struct job *jobs; /* every job not yet freed (job.h) */
    int njobs;
    int pending_tokens;    /* ctokens awaiting delivery (producer.h) */
    int64_t flush_next_ms; /* mono: no held text is due before (producer_flush_due()) */
    int64_t retry_scan_ms; /* mono: when job_retry_due() next walks the jobs */
    bool draining;
    struct cancels cancels; /* cancel.h */
    struct status status;   /* status.h: its own locking */
    long consumed, answered, failed, dlq;
    int64_t status_at_ms; /* mono: when the last status snapshot was taken */
    struct healthsrv *healthsrv;
};

/* Creates a Kafka client of @type from @conf (consumed, also on failure) with @w as its
 * opaque; NULL with @errbuf filled on failure. */
rd_kafka_t *worker_kafka_new(struct worker *w, rd_kafka_type_t type, rd_kafka_conf_t *conf,
                             char *errbuf, unsigned errlen);

#endif
