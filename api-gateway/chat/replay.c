/* replay.c - threads reading streams back from Kafka into the hub (see replay.h). */
#include "api-gateway/chat/replay.h"

#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "xmalloc.h"
#include "api-gateway/http/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One replay thread. */
struct job {
    struct job *next; /* @locks replay->lock */
    struct replay *rp;
    pthread_t tid;
    bool done; /* @locks replay->lock; the thread is ending: join it */
    char request_id[40];
    int32_t partition;
    int64_t offset;
};

struct replay {
    struct hub *hub;
    char *brokers;
    int max;
    atomic_bool stopping;
    pthread_mutex_t lock;
    struct job *jobs; /* @locks lock; every thread not joined yet */
    int running;      /* @locks lock; threads not done */
    int (*hook)(void *ud, const char *request_id);
    void *hook_ud;
};

/* A replay reader waits for chunks still being written: fetch them as they come. */
static const struct kafka_setting settings[] = {{"fetch.wait.max.ms", "10"}, {NULL, NULL}};

/* The consumer of @j's partition, assigned from @j's offset; NULL (logged) when it cannot
 * be made. */
static rd_kafka_t *open_consumer(struct job *j)
{
    struct replay *rp = j->rp;
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_resp_err_t err;
    rd_kafka_t *rk;
    char gid[96], why[512];

    if (rp->hook && rp->hook(rp->hook_ud, j->request_id) != 0) {
        log_emit(LOG_ERROR, j->request_id, NULL, NULL, "replay consumer: refused by a test");
        return NULL;
    }
    snprintf(gid, sizeof(gid), "finchat-replay-%d-%p", (int)getpid(), (void *)j);
    rk = kafka_consumer_new(rp->brokers, "finchat-gateway-replay", gid, settings, why, sizeof(why));
    if (!rk) {
        log_emit(LOG_ERROR, j->request_id, NULL, NULL, "replay consumer: %s", why);
        return NULL;
    }
    list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, TOPIC_CHUNKS, j->partition)->offset =
        j->offset >= 0 ? j->offset : RD_KAFKA_OFFSET_BEGINNING;
    err = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
        log_emit(LOG_ERROR, j->request_id, NULL, NULL, "replay assign: %s", rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

/* Publishes @j's chunks until its stream ended, nothing came for REPLAY_IDLE_MS, or the
 * replay stops. */
static void consume(struct job *j, rd_kafka_t *rk)
{
    struct hub *h = j->rp->hub;
    size_t idlen = strlen(j->request_id);
    int64_t idle_since = clock_mono_ms();
    char why[256];

    while (!atomic_load(&j->rp->stopping) && !hub_ended(h, j->request_id) &&
           clock_mono_ms() - idle_since < REPLAY_IDLE_MS) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        struct chat_chunk c;

        if (!msg)
            continue;
        /* The key is the request id: skip other requests without decoding them. */
        if (!msg->err && msg->key_len == idlen && memcmp(msg->key, j->request_id, idlen) == 0 &&
            chatmsg_decode_chunk(msg->payload, msg->len, &c, why, sizeof(why)) == 0) {
            if (strcmp(c.request_id, j->request_id) == 0) {
                hub_publish_replayed(h, &c);
                idle_since = clock_mono_ms();
            }
            chat_chunk_release(&c);
        }
        rd_kafka_message_destroy(msg);
    }
}

static void *replay_main(void *arg)
{
    struct job *j = arg;
    struct replay *rp = j->rp;
    rd_kafka_t *rk = open_consumer(j);

    if (rk) {
        metrics_add(M_KAFKA_REPLAYS, 1);
        consume(j, rk);
    }
    /* Whatever ended the reading, a stream left open would keep its readers waiting. */
    hub_fail(rp->hub, j->request_id, "stream_unavailable", "the answer could not be recovered");
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    pthread_mutex_lock(&rp->lock);
    j->done = true;
    rp->running--;
    pthread_mutex_unlock(&rp->lock);
    return NULL;
}

/* Joins the thread of each job of @list and frees the jobs. */
static void join_all(struct job *list)
{
    while (list) {
        struct job *j = list;

        list = j->next;
        pthread_join(j->tid, NULL);
        free(j);
    }
}

/* Joins the threads that are done, so they do not pile up. A done thread only has to
 * return: the join does not wait. */
static void reap(struct replay *rp)
{
    struct job *ended = NULL, **pp;

    pthread_mutex_lock(&rp->lock);
    for (pp = &rp->jobs; *pp;) {
        struct job *j = *pp;

        if (j->done) {
            *pp = j->next;
            j->next = ended;
            ended = j;
        } else {
            pp = &j->next;
        }
    }
    pthread_mutex_unlock(&rp->lock);
    join_all(ended);
}

int replay_start(struct replay *rp, const char *request_id, int32_t partition, int64_t offset)
{
    struct job *j;

    reap(rp);
    pthread_mutex_lock(&rp->lock);
    if (atomic_load(&rp->stopping) || rp->running >= rp->max) {
        pthread_mutex_unlock(&rp->lock);
        return atomic_load(&rp->stopping) ? FC_EDEP : FC_ERATE;
    }
    j = xcalloc(1, sizeof(*j));
    j->rp = rp;
    snprintf(j->request_id, sizeof(j->request_id), "%s", request_id);
    j->partition = partition;
    j->offset = offset;
    if (pthread_create(&j->tid, NULL, replay_main, j) != 0) {
        pthread_mutex_unlock(&rp->lock);
        free(j);
        return FC_EIO;
    }
    j->next = rp->jobs;
    rp->jobs = j;
    rp->running++;
    pthread_mutex_unlock(&rp->lock);
    return 0;
}

/* The hub's miss handler. @locks hub lock held */
static int on_miss(void *ud, const struct hub_stream_req *sr)
{
    return replay_start(ud, sr->request_id, sr->partition, sr->first_offset);
}

struct replay *replay_new(struct hub *h, const char *brokers, int max)
{
    struct replay *rp = xcalloc(1, sizeof(*rp));

    rp->hub = h;
    rp->brokers = xstrdup(brokers);
    rp->max = max;
    pthread_mutex_init(&rp->lock, NULL);
    hub_on_miss(h, on_miss, rp);
    return rp;
}

void replay_free(struct replay *rp)
{
    struct job *list;

    if (!rp)
        return;
    /* Once this returns no miss handler call is under way (it runs under the hub lock). */
    hub_on_miss(rp->hub, NULL, NULL);
    atomic_store(&rp->stopping, true);
    pthread_mutex_lock(&rp->lock);
    list = rp->jobs;
    rp->jobs = NULL;
    pthread_mutex_unlock(&rp->lock);
    join_all(list);
    pthread_mutex_destroy(&rp->lock);
    free(rp->brokers);
    free(rp);
}

int replay_count(struct replay *rp)
{
    int n;

    pthread_mutex_lock(&rp->lock);
    n = rp->running;
    pthread_mutex_unlock(&rp->lock);
    return n;
}

void replay_set_hook(struct replay *rp, int (*hook)(void *ud, const char *request_id), void *ud)
{
    rp->hook = hook;
    rp->hook_ud = ud;
}
