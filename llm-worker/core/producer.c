/* producer.c - chunks, token batching and delivery reports of the worker's producer. */
#include "llm-worker/core/producer.h"

#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "log.h"
#include "xmalloc.h"
#include "llm-worker/core/handoff.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/core/job.h"
#include "llm-worker/core/worker_int.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define PRODUCE_RETRIES 3 /* re-sends of a final/error/DLQ message whose delivery failed */
#define FLUSH_BYTES 8192  /* held text that is due whatever its age */
/* Held text due this soon goes out with the text that is due now: one look at every job
 * per few milliseconds rather than one per engine step (at 250 answers streaming, looking
 * at every job after every step was an eighth of the worker's CPU). */
#define FLUSH_SLACK_MS 5

struct ctoken *producer_token_new(const struct job *j, int refs)
{
    struct ctoken *t = xcalloc(1, sizeof(*t));

    t->partition = j->partition;
    t->offset = j->offset;
    t->epoch = j->epoch;
    t->refs = refs;
    j->w->pending_tokens++;
    return t;
}

void producer_token_unref(struct worker *w, struct ctoken *t)
{
    if (--t->refs > 0)
        return;
    inflight_done(w->inflight, t->partition, t->offset, t->epoch);
    w->pending_tokens--;
    free(t);
}

/* Produces @m again with its headers; true when it was queued. */
static bool resend(struct worker *w, const rd_kafka_message_t *m, struct ctoken *t)
{
    rd_kafka_headers_t *hdrs = NULL;
    rd_kafka_resp_err_t err;

    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
        hdrs = rd_kafka_headers_copy(hdrs);
    err =
        rd_kafka_producev(w->producer, RD_KAFKA_V_RKT(m->rkt), RD_KAFKA_V_PARTITION(m->partition),
                          RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
                          RD_KAFKA_V_OPAQUE(t), RD_KAFKA_V_END);
    if (!err)
        return true;
    if (hdrs)
        rd_kafka_headers_destroy(hdrs);
    return false;
}

/* A delivery report (@locality engine thread, from rd_kafka_poll()). Final, error and DLQ
 * messages carry a ctoken: when all of a request's are delivered its offset is done. */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct worker *w = opaque;
    struct ctoken *t = m->_private;

    (void)rk;
    if (m->err)
        log_error("kafka delivery to %s [%d] failed: %s", rd_kafka_topic_name(m->rkt),
                  (int)m->partition, rd_kafka_err2str(m->err));
    if (!t)
        return;
    if (m->err && t->retries < PRODUCE_RETRIES) {
        t->retries++;
        if (resend(w, m, t))
            return;
    }
    if (m->err && t->handoff) {
        handoff_returned(w, m, t); /* answered here after all: not lost */
        return;
    }
    /* Delivered, or given up on: either way the request will not be worked on again here. */
    producer_token_unref(w, t);
}

int producer_open(struct worker *w, char *errbuf, unsigned errlen)
{
    rd_kafka_conf_t *conf = kafka_conf_new(w->cfg->kafka_brokers, "finchat-worker");

    kafka_conf_set(conf, "enable.idempotence", "true");
    kafka_conf_set(conf, "acks", "all");
    kafka_conf_set(conf, "linger.ms", "1"); /* a chunk waits at most 1 ms for company */
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    w->producer = worker_kafka_new(w, RD_KAFKA_PRODUCER, conf, errbuf, errlen);
    return w->producer ? 0 : FC_EDEP;
}

int producer_send(struct worker *w, const char *topic, int32_t partition, const char *key,
                  const char *payload, const char *schema, const char *traceparent,
                  const char *request_id, struct ctoken *tok)
{
    struct kafka_msg_meta meta = {schema, traceparent, request_id, NULL};
    int rc;

    for (int tries = 0; tries < 200; tries++) {
        rc = kafka_produce_json(w->producer, topic, partition, key, payload, strlen(payload), &meta,
                                tok);
        if (rc != FC_ERATE)
            return rc;
        rd_kafka_poll(w->producer, 10);
    }
    return rc;
}

int producer_chunk(struct job *j, enum chunk_type type, json_t *data, struct ctoken *tok)
{
    struct chat_chunk c;
    char *payload;
    int rc;

    if (type != CHUNK_TOKEN)
        producer_flush_job(j); /* what was said before this chunk goes first */
    if (!data) {
        job_log(LOG_ERROR, j, "cannot build %s chunk data", chunk_type_name(type));
        return FC_EINVAL;
    }
    c.request_id = j->req.request_id;
    c.attempt = j->attempt;
    c.seq = (int64_t)j->attempt * CHUNK_SEQ_BASE + j->n;
    c.type = type;
    c.data_json = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    payload = c.data_json ? chatmsg_encode_chunk(&c) : NULL;
    free(c.data_json);
    if (!payload) {
        job_log(LOG_ERROR, j, "cannot encode %s chunk", chunk_type_name(type));
        return FC_EINVAL;
    }
    if (j->n < CHUNK_SEQ_BASE - 1)
        j->n++;
    rc = producer_send(j->w, TOPIC_CHUNKS, j->req.reply_partition, j->req.request_id, payload,
                       SCHEMA_CHUNK, j->traceparent, j->req.request_id, tok);
    free(payload);
    return rc;
}

void producer_reset(struct job *j, const char *reason)
{
    producer_chunk(j, CHUNK_RESET, json_pack("{s:i, s:s}", "attempt", j->attempt, "reason", reason),
                   NULL);
}

void producer_start(struct job *j)
{
    producer_chunk(j, CHUNK_START,
                   json_pack("{s:s, s:i, s:s, s:s, s:s}", "request_id", j->req.request_id,
                             "attempt", j->attempt, "worker", j->w->name, "provider",
                             j->provider ? j->provider : "unknown", "model",
                             j->model ? j->model : ""),
                   NULL);
}

void producer_text(struct job *j, const char *s, size_t len)
{
    size_t clean_len, off = 0;
    char *clean = utf8_sanitize(s, len, &clean_len);

    while (off < clean_len) {
        size_t n = clean_len - off;

        if (n > 12000)
            n = utf8_cut(clean + off, n, 12000);
        producer_chunk(j, CHUNK_TOKEN, json_pack("{s:s%}", "text", clean + off, n), NULL);
        off += n;
    }
    free(clean);
}

void producer_hold(struct job *j, const char *clean)
{
    struct worker *w = j->w;

    strbuf_addstr(&j->unsent, clean);
    if (!j->flush_at_ms)
        j->flush_at_ms = j->text_sent ? clock_mono_ms() + w->cfg->token_flush_ms : 1;
    if (j->flush_at_ms < w->flush_next_ms || j->unsent.len >= FLUSH_BYTES)
        w->flush_next_ms = j->unsent.len >= FLUSH_BYTES ? 1 : j->flush_at_ms;
}

void producer_flush_job(struct job *j)
{
    j->flush_at_ms = 0;
    if (j->unsent.len == 0)
        return;
    producer_text(j, j->unsent.buf, j->unsent.len);
    j->text_sent = true;
    strbuf_reset(&j->unsent);
}

int64_t producer_flush_due(struct worker *w)
{
    int64_t now = clock_mono_ms(), next = now + POLL_MAX_MS;

    if (w->flush_next_ms > now)
        return w->flush_next_ms < next ? w->flush_next_ms : next;
    for (struct job *j = w->jobs; j; j = j->next) {
        if (j->dropped || !j->flush_at_ms)
            continue;
        if (j->flush_at_ms <= now + FLUSH_SLACK_MS || j->unsent.len >= FLUSH_BYTES)
            producer_flush_job(j);
        else if (j->flush_at_ms < next)
            next = j->flush_at_ms;
    }
    w->flush_next_ms = next;
    return next;
}
