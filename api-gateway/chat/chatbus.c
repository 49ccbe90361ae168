/* chatbus.c - Kafka producer with acknowledged sends, and the reply-partition consumer. */
#include "api-gateway/chat/chatbus.h"

#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "pgconn.h"
#include "xmalloc.h"
#include "api-gateway/chat/placement.h"
#include "api-gateway/chat/replay.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/http/metrics.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARTITIONS 1024
#define SEND_TIMEOUT_MS 10000

/* A chat_requests update the consumer thread hands to the bookkeeping thread. */
struct book {
    struct book *next;
    struct chat_chunk chunk; /* owned */
    int64_t offset;
};

struct chatbus {
    const struct fc_config *cfg;
    struct hub *hub;
    rd_kafka_t *producer;
    rd_kafka_t *consumer;
    struct replay *replay;
    pthread_t poll_thread, consume_thread, book_thread;
    atomic_bool stop;
    pthread_mutex_t lock;
    int32_t owned[MAX_PARTITIONS]; /* @locks lock */
    int nowned;                    /* @locks lock; 0 until assigned */
    unsigned next;                 /* @locks lock; round-robin cursor */
    /* Partitions of finchat.chat.requests (0 until known), and where requests that stand
     * alone go among them (request_partition(), placement.h). */
    _Atomic int request_parts;
    struct placement *placement;
    /* Per partition id: the offset the consumer reads next (-1 unknown). Written by the
     * consumer thread, read by POST handlers: a lower bound of the offset of any chunk
     * produced afterwards, so no broker round trip is needed per request. */
    _Atomic int64_t next_offset[MAX_PARTITIONS];
    /* Bookkeeping queue: the consumer thread must not wait on PostgreSQL while chunks for
     * other streams queue behind it. */
    pthread_mutex_t book_lock;
    pthread_cond_t book_cond;
    struct book *book_head, **book_tail; /* @locks book_lock */
    int book_len;                        /* @locks book_lock */
    bool book_stop;                      /* @locks book_lock */
    PGconn *pg;                          /* @locality bookkeeping thread */
};

#define BOOK_MAX 100000 /* queued updates beyond this are dropped (and logged) */

/* A blocked sender waiting for its delivery report. */
struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    rd_kafka_resp_err_t err;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    struct waiter *w = msg->_private;

    (void)rk;
    (void)opaque;
    if (!w) { /* a message nobody waits for (chatbus_cancel_nowait) */
        if (msg->err)
            log_error("kafka delivery to %s failed: %s", rd_kafka_topic_name(msg->rkt),
                      rd_kafka_err2str(msg->err));
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->err = msg->err;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void *poll_main(void *arg)
{
    struct chatbus *b = arg;

    while (!atomic_load(&b->stop))
        rd_kafka_poll(b->producer, 100);
    return NULL;
}

/* Produces and waits for the broker's acknowledgement. */
static int send_acked(struct chatbus *b, const char *topic, int32_t partition, const char *key,
                      const char *payload, const struct kafka_msg_meta *meta)
{
    struct waiter w = {.done = false};
    struct timespec deadline;
    int rc;

    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    rc = kafka_produce_json(b->producer, topic, partition, key, payload, strlen(payload), meta, &w);
    if (rc)
        goto out;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += SEND_TIMEOUT_MS / 1000;
    pthread_mutex_lock(&w.lock);
    while (!w.done)
        if (pthread_cond_timedwait(&w.cond, &w.lock, &deadline) != 0)
            break;
    pthread_mutex_unlock(&w.lock);
    if (!w.done) {
        /* The message stays in librdkafka's queue with a pointer to this stack frame:
         * purge it so a late report cannot touch freed memory, then wait for that. */
        rd_kafka_purge(b->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        pthread_mutex_lock(&w.lock);
        while (!w.done)
            pthread_cond_wait(&w.cond, &w.lock);
        pthread_mutex_unlock(&w.lock);
        rc = FC_EDEP;
        goto out;
    }
    if (w.err) {
        log_error("kafka delivery to %s failed: %s", topic, rd_kafka_err2str(w.err));
        rc = FC_EDEP;
    }
out:
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.cond);
    return rc;
}

/* The partition of @r: a request that carries the client's whole history (the facade) stands
 * alone, nothing orders it against another, so it goes to the partition where the fewest of
 * this gateway's requests wait for a worker (placement.h); the others are placed by their
 * key, the conversation, which keeps a conversation's questions in order on one partition. */
static int32_t request_partition(struct chatbus *b, const struct chat_request *r)
{
    int n = atomic_load(&b->request_parts);

    if (!r->client_history || n <= 0)
        return RD_KAFKA_PARTITION_UA;
    return placement_pick(b->placement, n);
}

int chatbus_send_request(struct chatbus *b, const struct chat_request *r, const char *traceparent,
                         int64_t context_version)
{
    char *payload = chatmsg_encode_request(r), version[24];
    struct kafka_msg_meta meta = {SCHEMA_REQUEST, traceparent, r->request_id, NULL};
    int32_t partition;
    int rc;

    snprintf(version, sizeof(version), "%lld", (long long)context_version);
    if (context_version >= 0)
        meta.context_version = version;
    else if (context_version == CHATBUS_CONTEXT_NONE)
        meta.context_version = KAFKA_CONTEXT_NONE;
    partition = request_partition(b, r);
    rc = send_acked(b, TOPIC_REQUESTS, partition,
                    r->client_history ? r->request_id : r->conversation_id, payload, &meta);
    if (rc == 0 && partition != RD_KAFKA_PARTITION_UA)
        placement_add(b->placement, r->request_id, partition, clock_mono_ms());
    free(payload);
    metrics_add(rc ? M_KAFKA_PRODUCE_ERR : M_KAFKA_PRODUCED, 1);
    return rc;
}

/* Produces a cancel for @request_id; waits for the acknowledgement when @wait. */
static int send_cancel(struct chatbus *b, const char *request_id, const char *traceparent,
                       bool wait)
{
    struct chat_control c = {(char *)request_id, (char *)"cancel"};
    char *payload = chatmsg_encode_control(&c);
    struct kafka_msg_meta meta = {SCHEMA_CONTROL, traceparent, request_id, NULL};
    int rc = wait ? send_acked(b, TOPIC_CONTROL, RD_KAFKA_PARTITION_UA, request_id, payload, &meta)
                  : kafka_produce_json(b->producer, TOPIC_CONTROL, RD_KAFKA_PARTITION_UA,
                                       request_id, payload, strlen(payload), &meta, NULL);

    free(payload);
    return rc;
}

int chatbus_send_cancel(struct chatbus *b, const char *request_id, const char *traceparent)
{
    return send_cancel(b, request_id, traceparent, true);
}

int chatbus_cancel_nowait(struct chatbus *b, const char *request_id)
{
    return send_cancel(b, request_id, NULL, false);
}

int chatbus_reply_partition(struct chatbus *b, int32_t *partition, int64_t *offset)
{
    int64_t lo = -1, hi = -1;

    pthread_mutex_lock(&b->lock);
    if (b->nowned == 0) {
        pthread_mutex_unlock(&b->lock);
        return FC_EDEP;
    }
    *partition = b->owned[b->next++ % (unsigned)b->nowned];
    pthread_mutex_unlock(&b->lock);
    *offset = atomic_load(&b->next_offset[*partition]);
    if (*offset >= 0)
        return 0;
    if (rd_kafka_query_watermark_offsets(b->producer, TOPIC_CHUNKS, *partition, &lo, &hi, 2000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
        hi = -1;
    *offset = hi;
    return 0;
}

bool chatbus_ping(struct chatbus *b, int timeout_ms)
{
    bool known;

    pthread_mutex_lock(&b->lock);
    known = b->nowned > 0;
    pthread_mutex_unlock(&b->lock);
    return known && kafka_ping(b->producer, timeout_ms);
}

/* Parses FINCHAT_REPLY_PARTITIONS ("0-3,6") against @count partitions. */
static int parse_owned(const char *spec, int count, int32_t *out)
{
    int n = 0;
    const char *p = spec;

    if (!*spec) {
        for (int i = 0; i < count && i < MAX_PARTITIONS; i++)
            out[n++] = i;
        return n;
    }
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), z;

        if (end == p)
            return FC_EINVAL;
        z = a;
        p = end;
        if (*p == '-') {
            z = strtol(p + 1, &end, 10);
            if (end == p + 1)
                return FC_EINVAL;
            p = end;
        }
        for (long i = a; i <= z && n < MAX_PARTITIONS; i++)
            if (i >= 0 && i < count && i < MAX_PARTITIONS) /* ids index next_offset */
                out[n++] = (int32_t)i;
        if (*p == ',')
            p++;
        else if (*p)
            return FC_EINVAL;
    }
    return n;
}

static void assign_owned(struct chatbus *b)
{
    int count = kafka_partition_count(b->consumer, TOPIC_CHUNKS, 2000);
    int requests = kafka_partition_count(b->consumer, TOPIC_REQUESTS, 2000);
    int32_t owned[MAX_PARTITIONS];
    rd_kafka_topic_partition_list_t *list;
    int n;

    if (requests > 0)
        atomic_store(&b->request_parts, requests);
    if (count <= 0)
        return;
    n = parse_owned(b->cfg->reply_partitions, count, owned);
    if (n <= 0) {
        log_error("FINCHAT_REPLY_PARTITIONS=%s selects no partition of %d",
                  b->cfg->reply_partitions, count);
        sleep(5);
        return;
    }
    list = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, TOPIC_CHUNKS, owned[i])->offset =
            RD_KAFKA_OFFSET_END;
    for (int i = 0; i < n; i++) {
        int64_t lo = -1, hi = -1;

        if (rd_kafka_query_watermark_offsets(b->consumer, TOPIC_CHUNKS, owned[i], &lo, &hi, 2000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR)
            atomic_store(&b->next_offset[owned[i]], hi);
    }
    if (rd_kafka_assign(b->consumer, list) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        pthread_mutex_lock(&b->lock);
        memcpy(b->owned, owned, sizeof(owned[0]) * (size_t)n);
        b->nowned = n;
        pthread_mutex_unlock(&b->lock);
        log_info("reply partitions: %d of %d assigned", n, count);
    }
    rd_kafka_topic_partition_list_destroy(list);
}

/* Records a finished or started request in PostgreSQL. */
static void record_chunk(struct chatbus *b, const struct chat_chunk *c, int64_t offset)
{
    json_t *data = json_loads(c->data_json, 0, NULL);
    char attempt[16], off[24], pt[16], ct[16], ttft[16], total[16];
    const char *provider = json_string_value(json_object_get(data, "provider"));
    const char *model = json_string_value(json_object_get(data, "model"));
    json_t *usage = json_object_get(data, "usage"), *timings = json_object_get(data, "timings");
    char err[256];
    int rc = 0;

    if (!b->pg || PQstatus(b->pg) != CONNECTION_OK) {
        pg_close(b->pg);
        b->pg = pg_open(b->cfg->pg_url, err, sizeof(err));
        if (!b->pg) {
            log_warn("chunk bookkeeping: %s", err);
            goto out;
        }
    }
    snprintf(attempt, sizeof(attempt), "%d", c->attempt);
    snprintf(off, sizeof(off), "%lld", (long long)offset);
    if (c->type == CHUNK_START) {
        const char *v[] = {c->request_id, attempt, provider, model};

        rc = sql_exec(b->pg,
                      "UPDATE chat_requests SET status='streaming', attempt=$2::int, "
                      "provider=$3, model=$4 WHERE id=$1::uuid AND status IN "
                      "('queued','streaming')",
                      4, v, NULL);
    } else if (c->type == CHUNK_FINAL) {
        metrics_add(M_CHAT_TTFT_COUNT, 1);
        metrics_add(M_CHAT_TTFT_SUM_MS, json_integer_value(json_object_get(timings, "ttft_ms")));
        snprintf(pt, sizeof(pt), "%lld",
                 (long long)json_integer_value(json_object_get(usage, "prompt_tokens")));
        snprintf(ct, sizeof(ct), "%lld",
                 (long long)json_integer_value(json_object_get(usage, "completion_tokens")));
        snprintf(ttft, sizeof(ttft), "%lld",
                 (long long)json_integer_value(json_object_get(timings, "ttft_ms")));
        snprintf(total, sizeof(total), "%lld",
                 (long long)json_integer_value(json_object_get(timings, "total_ms")));
        {
            const char *v[] = {c->request_id, attempt, provider, model, pt, ct, ttft, total, off};

            rc = sql_exec(b->pg,
                          "UPDATE chat_requests SET status='complete', attempt=$2::int, "
                          "provider=$3, model=$4, prompt_tokens=$5::int, "
                          "completion_tokens=$6::int, ttft_ms=$7::int, total_ms=$8::int, "
                          "last_offset=$9::bigint, completed_at=now() WHERE id=$1::uuid",
                          9, v, NULL);
        }
    } else if (c->type == CHUNK_ERROR) {
        const char *code = json_string_value(json_object_get(data, "code"));
        const char *v[] = {c->request_id, attempt, code ? code : "error", off};

        rc = sql_exec(b->pg,
                      "UPDATE chat_requests SET status=CASE WHEN $3='canceled' THEN "
                      "'canceled' ELSE 'error' END, attempt=$2::int, error_code=$3, "
                      "last_offset=$4::bigint, completed_at=now() WHERE id=$1::uuid",
                      4, v, NULL);
    }
    if (rc)
        log_emit(LOG_WARN, c->request_id, NULL, NULL, "chunk bookkeeping: %s", err_str(rc));
out:
    json_decref(data);
}

/* Hands @c (taken over; @c is left empty) to the bookkeeping thread. @locality consumer
 * thread. */
static void book_push(struct chatbus *b, struct chat_chunk *c, int64_t offset)
{
    struct book *k = xcalloc(1, sizeof(*k));

    k->chunk = *c;
    memset(c, 0, sizeof(*c));
    k->offset = offset;
    pthread_mutex_lock(&b->book_lock);
    if (b->book_len >= BOOK_MAX) {
        pthread_mutex_unlock(&b->book_lock);
        log_emit(LOG_WARN, k->chunk.request_id, NULL, NULL,
                 "chunk bookkeeping: %d updates queued, dropping this one", BOOK_MAX);
        chat_chunk_release(&k->chunk);
        free(k);
        return;
    }
    *b->book_tail = k;
    b->book_tail = &k->next;
    b->book_len++;
    pthread_cond_signal(&b->book_cond);
    pthread_mutex_unlock(&b->book_lock);
}

/* The bookkeeping thread: applies queued updates in order; at stop, what is queued. */
static void *book_main(void *arg)
{
    struct chatbus *b = arg;

    for (;;) {
        struct book *list;

        pthread_mutex_lock(&b->book_lock);
        while (!b->book_head && !b->book_stop)
            pthread_cond_wait(&b->book_cond, &b->book_lock);
        list = b->book_head;
        b->book_head = NULL;
        b->book_tail = &b->book_head;
        b->book_len = 0;
        pthread_mutex_unlock(&b->book_lock);
        if (!list)
            return NULL; /* stopping and nothing left */
        while (list) {
            struct book *k = list;

            list = k->next;
            record_chunk(b, &k->chunk, k->offset);
            chat_chunk_release(&k->chunk);
            free(k);
        }
    }
}

static void *consume_main(void *arg)
{
    struct chatbus *b = arg;
    int64_t last_sweep = clock_mono_ms();

    while (!atomic_load(&b->stop)) {
        rd_kafka_message_t *msg;
        struct chat_chunk c;
        char err[256];
        int64_t ts;

        if (b->nowned == 0) {
            assign_owned(b);
            if (b->nowned == 0) {
                usleep(500 * 1000);
                continue;
            }
        }
        if (clock_mono_ms() - last_sweep > 10000) {
            hub_sweep(b->hub, clock_mono_ms());
            placement_sweep(b->placement, clock_mono_ms(), b->cfg->deadline_ms + 60000);
            last_sweep = clock_mono_ms();
        }
        msg = rd_kafka_consumer_poll(b->consumer, 100);
        if (!msg)
            continue;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn("chunk consumer: %s", rd_kafka_message_errstr(msg));
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (chatmsg_decode_chunk(msg->payload, msg->len, &c, err, sizeof(err)) != 0) {
            log_warn("dropping invalid chunk at %d/%lld: %s", (int)msg->partition,
                     (long long)msg->offset, err);
            rd_kafka_message_destroy(msg);
            continue;
        }
        metrics_add(M_KAFKA_CONSUMED, 1);
        if (c.type != CHUNK_TOKEN && c.type != CHUNK_TOOL)
            placement_started(b->placement, c.request_id); /* a worker took it up */
        ts = rd_kafka_message_timestamp(msg, NULL);
        if (ts > 0)
            metrics_stage(MS_CHUNK_IN, (clock_wall_ms() - ts) * 1000);
        if (msg->partition >= 0 && msg->partition < MAX_PARTITIONS)
            atomic_store(&b->next_offset[msg->partition], msg->offset + 1);
        if (hub_publish(b->hub, &c) || c.type == CHUNK_FINAL || c.type == CHUNK_ERROR)
            if (c.type == CHUNK_START || c.type == CHUNK_FINAL || c.type == CHUNK_ERROR)
                book_push(b, &c, msg->offset);
        chat_chunk_release(&c);
        rd_kafka_message_destroy(msg);
    }
    return NULL;
}

/* Lets the bookkeeping thread finish what is queued and joins it. */
static void stop_book(struct chatbus *b)
{
    pthread_mutex_lock(&b->book_lock);
    b->book_stop = true;
    pthread_cond_signal(&b->book_cond);
    pthread_mutex_unlock(&b->book_lock);
    pthread_join(b->book_thread, NULL);
}

/* The idempotent producer whose sends chatbus_send_request() waits for. NULL with @errbuf
 * filled when it cannot be made (its configuration freed). */
static rd_kafka_t *open_producer(const struct fc_config *cfg, char *errbuf, unsigned errlen)
{
    rd_kafka_conf_t *conf = kafka_conf_new(cfg->kafka_brokers, "finchat-gateway");
    rd_kafka_t *rk;

    kafka_conf_set(conf, "enable.idempotence", "true");
    kafka_conf_set(conf, "acks", "all");
    kafka_conf_set(conf, "linger.ms", "0"); /* the poster waits for the ack */
    kafka_conf_set(conf, "message.timeout.ms", "9000");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errbuf, errlen);
    if (!rk)
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes it only on success */
    return rk;
}

/* The consumer of this gateway's reply partitions, in a group of its own (it assigns them
 * by hand). NULL with @errbuf filled when it cannot be made. */
static rd_kafka_t *open_consumer(const struct fc_config *cfg, char *errbuf, unsigned errlen)
{
    static const struct kafka_setting settings[] = {{"enable.partition.eof", "false"},
                                                    {"fetch.wait.max.ms", "100"},
                                                    {"fetch.error.backoff.ms", "50"},
                                                    {NULL, NULL}};
    char gid[160], host[64] = "gateway";

    gethostname(host, sizeof(host) - 1);
    snprintf(gid, sizeof(gid), "finchat-gateway-%s-%d", host, (int)getpid());
    return kafka_consumer_new(cfg->kafka_brokers, "finchat-gateway-chunks", gid, settings, errbuf,
                              errlen);
}

/* Starts the bookkeeping, poll and consumer threads; 0, or FC_EIO with none running. */
static int start_threads(struct chatbus *b)
{
    if (pthread_create(&b->book_thread, NULL, book_main, b) != 0)
        return FC_EIO;
    if (pthread_create(&b->poll_thread, NULL, poll_main, b) != 0)
        goto out_stop_book;
    if (pthread_create(&b->consume_thread, NULL, consume_main, b) != 0)
        goto out_stop_poll;
    return 0;
out_stop_poll:
    atomic_store(&b->stop, true);
    pthread_join(b->poll_thread, NULL);
out_stop_book:
    stop_book(b);
    return FC_EIO;
}

struct chatbus *chatbus_new(const struct fc_config *cfg, struct hub *hub, char *errbuf,
                            unsigned errlen)
{
    struct chatbus *b = xcalloc(1, sizeof(*b));

    b->cfg = cfg;
    b->hub = hub;
    pthread_mutex_init(&b->lock, NULL);
    pthread_mutex_init(&b->book_lock, NULL);
    pthread_cond_init(&b->book_cond, NULL);
    b->book_tail = &b->book_head;
    b->placement = placement_new();
    for (int i = 0; i < MAX_PARTITIONS; i++)
        atomic_init(&b->next_offset[i], -1);
    b->producer = open_producer(cfg, errbuf, errlen);
    if (!b->producer)
        goto out_free;
    b->consumer = open_consumer(cfg, errbuf, errlen);
    if (!b->consumer)
        goto out_destroy_producer;
    if (start_threads(b) != 0) {
        snprintf(errbuf, errlen, "cannot start the Kafka threads");
        goto out_destroy_consumer;
    }
    b->replay = replay_new(hub, cfg->kafka_brokers, REPLAY_MAX);
    return b;
out_destroy_consumer:
    rd_kafka_destroy(b->consumer);
out_destroy_producer:
    rd_kafka_destroy(b->producer);
out_free:
    placement_free(b->placement);
    pthread_mutex_destroy(&b->lock);
    pthread_mutex_destroy(&b->book_lock);
    pthread_cond_destroy(&b->book_cond);
    free(b);
    return NULL;
}

void chatbus_free(struct chatbus *b)
{
    if (!b)
        return;
    replay_free(b->replay); /* first: its threads publish into the hub, as the consumer does */
    atomic_store(&b->stop, true);
    pthread_join(b->consume_thread, NULL);
    stop_book(b); /* after the consumer: it applies what the consumer queued */
    rd_kafka_consumer_close(b->consumer);
    rd_kafka_destroy(b->consumer);
    rd_kafka_flush(b->producer, 5000);
    pthread_join(b->poll_thread, NULL);
    rd_kafka_destroy(b->producer);
    pg_close(b->pg);
    placement_free(b->placement);
    pthread_mutex_destroy(&b->lock);
    pthread_mutex_destroy(&b->book_lock);
    pthread_cond_destroy(&b->book_cond);
    free(b);
}
