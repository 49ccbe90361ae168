/* worker.c - the chat worker's setup and its loop on the engine thread. */
#include "llm-worker/core/worker.h"

#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "mongo.h"
#include "sig.h"
#include "xmalloc.h"
#include "llm-worker/core/cancel.h"
#include "llm-worker/core/group.h"
#include "llm-worker/core/handoff.h"
#include "llm-worker/core/healthsrv.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/core/job.h"
#include "llm-worker/core/producer.h"
#include "llm-worker/core/status.h"
#include "llm-worker/core/task.h"
#include "llm-worker/core/worker_int.h"
#include "llm-worker/engine/ctxcache.h"
#include "llm-worker/engine/histcache.h"
#include "llm-worker/engine/engine.h"
#include "llm-worker/engine/store.h"
#include "llm-worker/engine/storeq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORE_THREADS 4 /* MongoDB round trips in parallel (storeq.h) */
#define STATUS_EVERY_MS 1000
#define CONTEXT_CACHE_SLOTS 256  /* context documents kept (ctxcache.h): tens of MB at most */
#define HISTORY_CACHE_SLOTS 1024 /* conversations' turns kept (histcache.h): a few MB at most */

/* ---- setup --------------------------------------------------------------------------- */

rd_kafka_t *worker_kafka_new(struct worker *w, rd_kafka_type_t type, rd_kafka_conf_t *conf,
                             char *errbuf, unsigned errlen)
{
    char errstr[512];
    rd_kafka_t *rk;

    rd_kafka_conf_set_opaque(conf, w);
    rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(errbuf, errlen, "kafka: %s", errstr);
    }
    return rk;
}

/* Creates the three Kafka clients, makes their queues wake the engine, subscribes and
 * assigns the control partitions. 0, or FC_EDEP with @errbuf filled. */
static int setup_kafka(struct worker *w, char *errbuf, unsigned errlen)
{
    if (producer_open(w, errbuf, errlen) != 0 || group_open(w, errbuf, errlen) != 0 ||
        cancel_open(w, errbuf, errlen) != 0)
        return FC_EDEP;
    w->consumer_q = rd_kafka_queue_get_consumer(w->consumer);
    w->control_q = rd_kafka_queue_get_consumer(w->control);
    w->producer_q = rd_kafka_queue_get_main(w->producer);
    if (!w->consumer_q || !w->control_q || !w->producer_q) {
        snprintf(errbuf, errlen, "kafka: cannot get the client queues");
        return FC_EDEP;
    }
    rd_kafka_queue_io_event_enable(w->consumer_q, w->wake[1], "c", 1);
    rd_kafka_queue_io_event_enable(w->control_q, w->wake[1], "k", 1);
    rd_kafka_queue_io_event_enable(w->producer_q, w->wake[1], "p", 1);
    if (group_subscribe(w, errbuf, errlen) != 0)
        return FC_EDEP;
    w->chunk_partitions = kafka_partition_count(w->producer, TOPIC_CHUNKS, 5000);
    if (w->chunk_partitions <= 0) {
        log_warn("%s: partition count unknown; reply partitions are not checked", TOPIC_CHUNKS);
        w->chunk_partitions = -1;
    }
    w->request_partitions = kafka_partition_count(w->producer, TOPIC_REQUESTS, 5000);
    if (w->request_partitions <= 0) {
        log_warn("%s: partition count unknown; a full worker hands nothing over", TOPIC_REQUESTS);
        w->request_partitions = -1;
    }
    cancel_assign(w);
    return 0;
}

/* Ensures the indexes and backfills the histories of conversations answered before that
 * collection existed. Best effort: failures are the store's to log. */
static void prepare_store(struct worker *w)
{
    mongoc_client_t *c = mongoc_client_pool_pop(w->pool);
    struct store st;
    int backfilled;

    store_init(&st, c, w->db);
    store_ensure_indexes(&st);
    if (store_backfill_histories(&st, &backfilled) == 0 && backfilled > 0)
        log_info("histories: %d conversation(s) answered before the histories collection "
                 "existed now have theirs",
                 backfilled);
    store_release(&st);
    mongoc_client_pool_push(w->pool, c);
}

/* Takes a status snapshot for /status, /metrics and the `workers` document.
 * @locality engine thread */
static void snapshot_status(struct worker *w)
{
    int64_t hits, misses, hhits, hmisses, handed, parked;
    json_t *st;

    ctxcache_counts(w->ctxcache, &hits, &misses);
    histcache_counts(w->histcache, &hhits, &hmisses);
    handoff_counts(w->handoff, &handed, &parked);
    st = json_pack("{s:s,s:o,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "worker", w->name,
                   "providers", engine_provider_status(w->engine), "inflight", w->njobs, "consumed",
                   (json_int_t)w->consumed, "answered", (json_int_t)w->answered, "failed",
                   (json_int_t)w->failed, "dlq", (json_int_t)w->dlq, "context_cache_hits",
                   (json_int_t)hits, "context_cache_misses", (json_int_t)misses,
                   "history_cache_hits", (json_int_t)hhits, "history_cache_misses",
                   (json_int_t)hmisses, "handed_over", (json_int_t)handed, "parked",
                   (json_int_t)parked);
    status_set(&w->status, st);
    w->status_at_ms = clock_mono_ms();
}

struct worker *worker_new(const struct fc_config *cfg, char *errbuf, unsigned errlen)
{
    struct worker *w = xcalloc(1, sizeof(*w));
    char host[256] = "localhost";

    w->cfg = cfg;
    status_init(&w->status);
    w->wake[0] = w->wake[1] = -1;
    gethostname(host, sizeof(host) - 1);
    snprintf(w->name, sizeof(w->name), "%s:%d", host, (int)getpid());
    if (pipe2(w->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
        goto out_free;
    }
    w->inflight = inflight_new();
    w->ctxcache = ctxcache_new(CONTEXT_CACHE_SLOTS);
    w->histcache = histcache_new(HISTORY_CACHE_SLOTS);
    w->handoff = handoff_new();
    w->pool = mongo_pool_new(cfg->mongo_url, &w->db, errbuf, errlen);
    if (!w->pool)
        goto out_free;
    prepare_store(w);
    w->storeq = storeq_new(w->pool, w->db, STORE_THREADS, w->wake[1], errbuf, errlen);
    if (!w->storeq)
        goto out_free;
    w->engine = engine_new(cfg, errbuf, errlen);
    if (!w->engine)
        goto out_free;
    if (setup_kafka(w, errbuf, errlen) != 0)
        goto out_free;
    snapshot_status(w);
    status_start(&w->status, w->producer, w->pool, w->db, w->name);
    if (*cfg->worker_health_addr) {
        struct healthsrv_source src = {status_ready, status_get, &w->status};

        w->healthsrv = healthsrv_start(cfg->worker_health_addr, src, errbuf, errlen);
        if (!w->healthsrv)
            goto out_free;
    }
    log_info("worker %s started: max_inflight=%d max_attempts=%d chain=%s", w->name,
             cfg->worker_max_inflight, cfg->max_attempts, cfg->llm_chain);
    return w;

out_free:
    worker_free(w);
    return NULL;
}

/* ---- the loop ------------------------------------------------------------------------ */

static void drain_wake(struct worker *w)
{
    char buf[256];

    while (read(w->wake[0], buf, sizeof(buf)) > 0)
        ;
}

/* Serves every Kafka queue once: delivery reports, cancels, new requests, commits. */
static void pump_kafka(struct worker *w)
{
    rd_kafka_poll(w->producer, 0);
    cancel_poll(w);
    /* Polled even when full: rebalances arrive here, and max.poll.interval.ms must not pass. */
    group_poll(w);
    rd_kafka_poll(w->producer, 0);
    group_commit(w, false);
}

/* Returns FC_EDEP, logged, when one of the Kafka clients failed fatally, else 0. A fatal
 * error (the idempotent producer's, a fenced consumer's) leaves the client unusable for
 * good. librdkafka announces it with RD_KAFKA_RESP_ERR__FATAL, to the error callback of a
 * producer and as a message of a consumer; rd_kafka_fatal_error() names the error behind
 * it, whichever the client, so it is asked once per turn. */
static int kafka_fatal(struct worker *w)
{
    rd_kafka_t *clients[] = {w->producer, w->consumer, w->control};
    rd_kafka_resp_err_t err;
    char reason[512];

    for (size_t i = 0; i < sizeof(clients) / sizeof(clients[0]); i++) {
        err = rd_kafka_fatal_error(clients[i], reason, sizeof(reason));
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            continue;
        log_error("kafka %s failed fatally (%s: %s): stopping with %d answers in flight",
                  rd_kafka_name(clients[i]), rd_kafka_err2name(err), reason, w->njobs);
        return FC_EDEP;
    }
    return 0;
}

/* Starts draining once a stop is requested; true when the loop should end (drained, or the
 * drain time is over). */
static bool drain_done(struct worker *w, int64_t *drain_until)
{
    if (sig_stop_requested() && !w->draining) {
        log_info("draining: %d answers in flight", w->njobs);
        w->draining = true;
        *drain_until = clock_mono_ms() + w->cfg->worker_drain_ms;
        group_pause_all(w);
    }
    if (w->draining && w->njobs == 0 && w->pending_tokens == 0)
        return true;
    if (w->draining && clock_mono_ms() >= *drain_until) {
        log_warn("drain timeout: abandoning %d answers (they will be redelivered)", w->njobs);
        return true;
    }
    return false;
}

/* Flow control: a full worker hands over or parks what it reads (handoff_take() in
 * group_poll()); with room again, the parked requests start. */
static void flow_control(struct worker *w)
{
    if (!w->draining)
        handoff_release(w);
}

int worker_run(struct worker *w)
{
    int64_t drain_until = 0;
    int64_t flush_due = clock_mono_ms() + POLL_MAX_MS, left;
    int timeout, rc = 0;

    while (!drain_done(w, &drain_until)) {
        timeout = job_retry_due(w);
        if (timeout > STATUS_EVERY_MS)
            timeout = STATUS_EVERY_MS;
        if (clock_mono_ms() - w->status_at_ms >= STATUS_EVERY_MS)
            snapshot_status(w);
        left = flush_due - clock_mono_ms(); /* held tokens due */
        if (left < timeout)
            timeout = left > 0 ? (int)left : 0;
        engine_step(w->engine, timeout, w->wake[0]);
        flush_due = producer_flush_due(w);
        drain_wake(w);
        job_take_tasks(w);
        pump_kafka(w);
        rc = kafka_fatal(w);
        if (rc)
            break;
        cancel_assign_retry(w);
        flow_control(w);
    }
    /* Deliver what was produced, commit what is done, and leave the group. Answers still in
     * flight are dropped uncommitted by the revoke that closing triggers. */
    rd_kafka_flush(w->producer, 10000);
    group_commit(w, true);
    if (!rd_kafka_fatal_error(w->consumer, NULL, 0))
        rd_kafka_consumer_close(w->consumer);
    log_info("worker stopped: consumed=%ld answered=%ld failed=%ld dlq=%ld", w->consumed,
             w->answered, w->failed, w->dlq);
    return rc;
}

/* Destroys consumer @rk. One that failed fatally cannot leave its group: librdkafka refuses
 * to close it, and rd_kafka_destroy() would wait for that close forever. */
static void destroy_consumer(rd_kafka_t *rk)
{
    if (rd_kafka_fatal_error(rk, NULL, 0))
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    else
        rd_kafka_destroy(rk);
}

static void free_kafka(struct worker *w)
{
    if (w->consumer_q)
        rd_kafka_queue_destroy(w->consumer_q);
    if (w->control_q)
        rd_kafka_queue_destroy(w->control_q);
    if (w->producer_q)
        rd_kafka_queue_destroy(w->producer_q);
    if (w->control) {
        if (!rd_kafka_fatal_error(w->control, NULL, 0))
            rd_kafka_consumer_close(w->control);
        destroy_consumer(w->control);
    }
    if (w->consumer)
        destroy_consumer(w->consumer);
    if (w->producer)
        rd_kafka_destroy(w->producer);
}

void worker_free(struct worker *w)
{
    struct job *j;

    if (!w)
        return;
    healthsrv_stop(w->healthsrv);
    status_release(&w->status);
    /* Whatever is left ends silently: dropped jobs produce nothing. */
    for (j = w->jobs; j; j = j->next)
        j->dropped = true;
    storeq_free(w->storeq, task_discard);
    engine_free(w->engine);
    while (w->jobs)
        job_free(w->jobs);
    handoff_free(w->handoff); /* parked messages go before their consumer */
    free_kafka(w);
    if (w->pool)
        mongoc_client_pool_destroy(w->pool);
    free(w->db);
    inflight_free(w->inflight);
    ctxcache_free(w->ctxcache);
    histcache_free(w->histcache);
    if (w->wake[0] >= 0)
        close(w->wake[0]);
    if (w->wake[1] >= 0)
        close(w->wake[1]);
    free(w);
}
