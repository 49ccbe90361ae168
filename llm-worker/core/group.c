/* group.c - the requests consumer: rebalances, flow control and commits. */
#include "llm-worker/core/group.h"

#include "chatmsg.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "llm-worker/core/handoff.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/core/job.h"
#include "llm-worker/core/worker.h"
#include "llm-worker/core/worker_int.h"

#include <stdio.h>
#include <string.h>

void group_commit(struct worker *w, bool sync)
{
    struct inflight_commit c[64];
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_resp_err_t err;
    int n = inflight_take_commits(w->inflight, c, 64);

    if (n == 0)
        return;
    list = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, TOPIC_REQUESTS, c[i].partition)->offset =
            c[i].offset;
    err = rd_kafka_commit(w->consumer, list, sync ? 0 : 1);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn("kafka commit: %s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(list);
}

void group_pause_all(struct worker *w)
{
    rd_kafka_topic_partition_list_t *parts = NULL;

    if (rd_kafka_assignment(w->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    rd_kafka_pause_partitions(w->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
}

void group_pause_partition(struct worker *w, int32_t partition, bool pause)
{
    rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);

    rd_kafka_topic_partition_list_add(one, TOPIC_REQUESTS, partition);
    if (pause)
        rd_kafka_pause_partitions(w->consumer, one);
    else
        rd_kafka_resume_partitions(w->consumer, one);
    rd_kafka_topic_partition_list_destroy(one);
}

/* Rebalance (@locality engine thread, from rd_kafka_consumer_poll()). */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct worker *w = opaque;
    const char *proto = rd_kafka_rebalance_protocol(rk);
    bool cooperative = proto && strcmp(proto, "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    char list[256] = "";
    unsigned pos = 0;

    for (int i = 0; i < parts->cnt && pos + 8 < sizeof(list); i++)
        pos += (unsigned)snprintf(list + pos, sizeof(list) - pos, "%s%d", i ? "," : "",
                                  (int)parts->elems[i].partition);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log_info("assigned partitions [%s] of %s", list, TOPIC_REQUESTS);
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
        if (w->draining)
            rd_kafka_pause_partitions(rk, parts);
    } else {
        log_info("revoked partitions [%s] of %s", list, TOPIC_REQUESTS);
        /* Commit what is finished, then drop the rest without committing it. */
        group_commit(w, true);
        for (int i = 0; i < parts->cnt; i++) {
            job_drop_partition(w, parts->elems[i].partition);
            handoff_drop_partition(w, parts->elems[i].partition);
        }
        if (cooperative)
            error = rd_kafka_incremental_unassign(rk, parts);
        else
            rd_kafka_assign(rk, NULL);
    }
    if (error) {
        log_error("kafka rebalance: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
}

static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    (void)offsets;
    (void)opaque;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn("kafka offset commit: %s", rd_kafka_err2str(err));
}

int group_open(struct worker *w, char *errbuf, unsigned errlen)
{
    rd_kafka_conf_t *conf = kafka_conf_new(w->cfg->kafka_brokers, "finchat-worker");

    kafka_conf_set(conf, "group.id", WORKER_GROUP);
    kafka_conf_set(conf, "enable.auto.commit", "false");
    kafka_conf_set(conf, "enable.auto.offset.store", "false");
    kafka_conf_set(conf, "auto.offset.reset", "earliest");
    kafka_conf_set(conf, "session.timeout.ms", "6000");
    kafka_conf_set(conf, "heartbeat.interval.ms", "1000");
    kafka_conf_set(conf, "partition.assignment.strategy", "cooperative-sticky");
    kafka_conf_set(conf, "max.poll.interval.ms", "60000");
    kafka_conf_set(conf, "fetch.wait.max.ms", "100");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, offset_commit_cb);
    w->consumer = worker_kafka_new(w, RD_KAFKA_CONSUMER, conf, errbuf, errlen);
    if (!w->consumer)
        return FC_EDEP;
    rd_kafka_poll_set_consumer(w->consumer);
    return 0;
}

int group_subscribe(struct worker *w, char *errbuf, unsigned errlen)
{
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_resp_err_t err;

    rd_kafka_topic_partition_list_add(topics, TOPIC_REQUESTS, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(w->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        snprintf(errbuf, errlen, "kafka subscribe: %s", rd_kafka_err2str(err));
        return FC_EDEP;
    }
    return 0;
}

void group_poll(struct worker *w)
{
    rd_kafka_message_t *m;

    for (int n = 0; n < CONSUME_BATCH; n++) {
        m = rd_kafka_consumer_poll(w->consumer, 0);
        if (!m)
            break;
        if (!m->err) {
            /* A draining worker starts nothing: what it read is read again by the next owner. */
            enum handoff_outcome o = w->draining ? HANDOFF_DONE : handoff_take(w, m);

            if (o == HANDOFF_KEPT)
                continue; /* parked: the message is the handoff's now */
            if (o == HANDOFF_START)
                job_on_request(w, m);
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            log_warn("kafka consumer: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
}
