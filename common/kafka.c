/* kafka.c - librdkafka configuration, health, and produce-with-headers. */
#include "kafka.h"

#include "err.h"
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 3)
        log_error("kafka %s: %s", fac, buf);
    else if (level <= 4)
        log_warn("kafka %s: %s", fac, buf);
    else
        log_debug("kafka %s: %s", fac, buf);
}

int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val)
{
    char errstr[256];

    if (rd_kafka_conf_set(conf, key, val, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        log_error("kafka config %s: %s", key, errstr);
        return FC_EINVAL;
    }
    return 0;
}

/* Our settings for every client, after bootstrap.servers and client.id. librdkafka leaves
 * Nagle on: a small request written while an earlier one is not yet acknowledged then waits
 * for the peer's delayed ACK (up to 40 ms on Linux). Chat chunks and requests are small and
 * latency is what they are about. */
static const struct kafka_setting defaults[] = {
    {"reconnect.backoff.ms", "50"},      {"reconnect.backoff.max.ms", "1000"},
    {"socket.keepalive.enable", "true"}, {"socket.nagle.disable", "true"},
    {"log.connection.close", "false"},   {NULL, NULL},
};

/* Set by tests only (kafka_test_inject); read by whichever thread configures a client. */
static _Atomic(const struct kafka_setting *) injected;

void kafka_test_inject(const struct kafka_setting *settings)
{
    atomic_store(&injected, settings);
}

rd_kafka_conf_t *kafka_conf_new(const char *brokers, const char *client_id)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const struct kafka_setting *extra = atomic_load(&injected);

    kafka_conf_set(conf, "bootstrap.servers", brokers);
    kafka_conf_set(conf, "client.id", client_id);
    for (const struct kafka_setting *kv = defaults; kv->key; kv++)
        kafka_conf_set(conf, kv->key, kv->val);
    for (; extra && extra->key; extra++)
        kafka_conf_set(conf, extra->key, extra->val);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    return conf;
}

/* Sets each of @kv (NULL for none) on @conf. 0, or FC_EINVAL at the first one refused,
 * with the reason in @errbuf. */
static int conf_apply(rd_kafka_conf_t *conf, const struct kafka_setting *kv, char *errbuf,
                      size_t errlen)
{
    char why[256];

    for (; kv && kv->key; kv++)
        if (!kv->val ||
            rd_kafka_conf_set(conf, kv->key, kv->val, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
            snprintf(errbuf, errlen, "kafka config %s: %s", kv->key, kv->val ? why : "no value");
            return FC_EINVAL;
        }
    return 0;
}

rd_kafka_t *kafka_consumer_new(const char *brokers, const char *client_id, const char *group_id,
                               const struct kafka_setting *settings, char *errbuf, size_t errlen)
{
    const struct kafka_setting own[] = {{"bootstrap.servers", brokers},
                                        {"client.id", client_id},
                                        {"group.id", group_id},
                                        {"enable.auto.commit", "false"},
                                        {"enable.auto.offset.store", "false"},
                                        {NULL, NULL}};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    char why[256];

    if (conf_apply(conf, own, errbuf, errlen) || conf_apply(conf, defaults, errbuf, errlen) ||
        conf_apply(conf, settings, errbuf, errlen) ||
        conf_apply(conf, atomic_load(&injected), errbuf, errlen))
        goto out_free_conf;
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (!rk) {
        snprintf(errbuf, errlen, "kafka consumer %s: %s", client_id, why);
        goto out_free_conf;
    }
    /* rd_kafka_new took @conf. */
    rd_kafka_poll_set_consumer(rk);
    return rk;
out_free_conf:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

bool kafka_ping(rd_kafka_t *rk, int timeout_ms)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);
    bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR && md && md->broker_cnt > 0;

    if (md)
        rd_kafka_metadata_destroy(md);
    return ok;
}

int kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_resp_err_t err;
    int n = FC_EDEP;

    if (!rkt)
        return FC_EINVAL;
    err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && !md->topics[0].err)
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return n;
}

int kafka_produce_json(rd_kafka_t *rk, const char *topic, int32_t partition, const char *key,
                       const char *payload, size_t len, const struct kafka_msg_meta *meta,
                       void *opaque)
{
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);
    rd_kafka_resp_err_t err;

    rd_kafka_header_add(hdrs, "content-type", -1, "application/json", -1);
    if (meta && meta->schema)
        rd_kafka_header_add(hdrs, "schema", -1, meta->schema, -1);
    if (meta && meta->traceparent && *meta->traceparent)
        rd_kafka_header_add(hdrs, "traceparent", -1, meta->traceparent, -1);
    if (meta && meta->request_id && *meta->request_id)
        rd_kafka_header_add(hdrs, "request-id", -1, meta->request_id, -1);
    if (meta && meta->context_version && *meta->context_version)
        rd_kafka_header_add(hdrs, "context-version", -1, meta->context_version, -1);
    err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                            RD_KAFKA_V_VALUE((void *)payload, len),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
                            RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err) {
        /* On failure the headers were not handed over. */
        rd_kafka_headers_destroy(hdrs);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return FC_ERATE;
        log_error("kafka produce to %s: %s", topic, rd_kafka_err2str(err));
        return FC_EDEP;
    }
    return 0;
}

bool kafka_header(const rd_kafka_message_t *msg, const char *name, char *out, size_t outlen)
{
    rd_kafka_headers_t *hdrs = NULL;
    const void *val;
    size_t size;

    if (outlen == 0 || rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    if (rd_kafka_header_get_last(hdrs, name, &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR || !val)
        return false;
    if (size >= outlen)
        size = outlen - 1;
    memcpy(out, val, size);
    out[size] = '\0';
    return true;
}
