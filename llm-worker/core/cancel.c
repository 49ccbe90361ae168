/* cancel.c - cancels from finchat.chat.control: the control consumer and the cancel ring. */
#include "llm-worker/core/cancel.h"

#include "chatmsg.h"
#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "llm-worker/core/job.h"
#include "llm-worker/core/worker_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int cancel_open(struct worker *w, char *errbuf, unsigned errlen)
{
    static const struct kafka_setting fast[] = {{"fetch.wait.max.ms", "100"}, {NULL, NULL}};
    char group[400];

    /* Cancels must reach every worker: a group of its own, assigned by hand, no commits. */
    snprintf(group, sizeof(group), "finchat-worker-control-%s", w->name);
    w->control = kafka_consumer_new(w->cfg->kafka_brokers, "finchat-worker-control", group, fast,
                                    errbuf, errlen);
    return w->control ? 0 : FC_EDEP;
}

void cancel_assign(struct worker *w)
{
    rd_kafka_topic_partition_list_t *list;
    int n = kafka_partition_count(w->control, TOPIC_CONTROL, 1000);

    if (n <= 0) {
        log_warn("%s not available yet; cancels are not seen", TOPIC_CONTROL);
        w->cancels.retry_ms = clock_mono_ms() + 5000;
        return;
    }
    list = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, TOPIC_CONTROL, i)->offset = RD_KAFKA_OFFSET_END;
    if (rd_kafka_assign(w->control, list) == RD_KAFKA_RESP_ERR_NO_ERROR)
        w->cancels.assigned = true;
    rd_kafka_topic_partition_list_destroy(list);
}

void cancel_assign_retry(struct worker *w)
{
    if (!w->cancels.assigned && clock_mono_ms() >= w->cancels.retry_ms)
        cancel_assign(w);
}

static void on_control(struct worker *w, const rd_kafka_message_t *m)
{
    struct chat_control c;
    char err[256];
    struct job *j;

    if (chatmsg_decode_control(m->payload, m->len, &c, err, sizeof(err)) != 0) {
        log_warn("ignoring invalid control message at [%d] %" PRId64 ": %s", (int)m->partition,
                 m->offset, err);
        return;
    }
    j = job_find(w, c.request_id);
    if (j)
        job_cancel(j);
    else
        cancel_remember(&w->cancels, c.request_id, clock_mono_ms());
    chat_control_release(&c);
}

void cancel_poll(struct worker *w)
{
    rd_kafka_message_t *m;

    for (int n = 0; n < CONSUME_BATCH; n++) {
        m = rd_kafka_consumer_poll(w->control, 0);
        if (!m)
            break;
        if (!m->err)
            on_control(w, m);
        else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("kafka control consumer: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
}

void cancel_remember(struct cancels *c, const char *request_id, int64_t now_ms)
{
    struct cancel_entry *e = &c->ring[c->next++ % CANCEL_RING];

    snprintf(e->request_id, sizeof(e->request_id), "%s", request_id);
    e->at_ms = now_ms;
}

bool cancel_seen(const struct cancels *c, const char *request_id, int64_t now_ms)
{
    for (unsigned i = 0; i < CANCEL_RING; i++)
        if (c->ring[i].request_id[0] && now_ms - c->ring[i].at_ms < CANCEL_TTL_MS &&
            strcmp(c->ring[i].request_id, request_id) == 0)
            return true;
    return false;
}
