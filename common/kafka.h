/* kafka.h - librdkafka helpers shared by the gateway, the worker and finchatctl:
 * configuration with our defaults and logging, the consumer of partitions assigned by hand,
 * a broker health check, and producing a JSON message with the headers of SPEC §6
 * (content-type, schema, traceparent, request-id). */
#ifndef FINCHAT_KAFKA_H
#define FINCHAT_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A configuration with bootstrap.servers=@brokers, client.id=@client_id, JSON-line logging
 * and short reconnect backoffs. Caller owns it (passes it to rd_kafka_new or destroys it). */
rd_kafka_conf_t *kafka_conf_new(const char *brokers, const char *client_id);
/* Sets @key=@val on @conf; 0, or FC_EINVAL with the reason logged. */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val);
/* One librdkafka configuration property; lists of them end with {NULL, NULL}. */
struct kafka_setting {
    const char *key, *val;
};

/* A consumer in a group of its own whose partitions the caller assigns by hand
 * (rd_kafka_assign) and which commits nothing: kafka_conf_new(@brokers, @client_id) with
 * group.id=@group_id, enable.auto.commit=false, enable.auto.offset.store=false, then
 * @settings (NULL for none). Every setting is
 * checked: when one is refused, or rd_kafka_new fails, the configuration is freed and NULL
 * returned with the reason in @errbuf. Its events come with rd_kafka_consumer_poll(). The
 * caller ends it with rd_kafka_consumer_close() and rd_kafka_destroy(). */
rd_kafka_t *kafka_consumer_new(const char *brokers, const char *client_id, const char *group_id,
                               const struct kafka_setting *settings, char *errbuf, size_t errlen);
/* Fault injection for tests: @settings (not copied; NULL to clear) are applied last to every
 * configuration made from now on, so a test makes a client's creation fail for real (a refused
 * value, or a combination rd_kafka_new rejects). */
void kafka_test_inject(const struct kafka_setting *settings);
/* True when a broker answered a metadata request within @timeout_ms. Thread-safe. */
bool kafka_ping(rd_kafka_t *rk, int timeout_ms);
/* Number of partitions of @topic, or a negative FC_E* code. */
int kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms);

struct kafka_msg_meta {
    const char *schema;      /* e.g. "finchat.chat.chunk/1" */
    const char *traceparent; /* may be NULL */
    const char *request_id;  /* may be NULL */
    /* header "context-version" of a chat request: the user's data_version (decimal), which
     * tells a worker whether its cached context document is current, or
     * KAFKA_CONTEXT_NONE when the user has no context document (no data yet: nothing to
     * read); NULL for no header */
    const char *context_version;
};

#define KAFKA_CONTEXT_NONE "none"
/* Header of a request a full worker handed over to another worker's partition: the name
 * (host:pid) of the worker that did (llm-worker/core/handoff.h). */
#define KAFKA_HANDED_OVER_BY "handed-over-by"

/* Produces @payload (copied) to @topic/@partition (RD_KAFKA_PARTITION_UA to hash @key) with
 * the standard headers. @opaque reaches the delivery report. 0 or a negative FC_E* code;
 * a full local queue is FC_ERATE (caller decides whether to poll and retry). Thread-safe. */
int kafka_produce_json(rd_kafka_t *rk, const char *topic, int32_t partition, const char *key,
                       const char *payload, size_t len, const struct kafka_msg_meta *meta,
                       void *opaque);
/* Copies header @name of @msg into @out (NUL-terminated, truncated). True if present. */
bool kafka_header(const rd_kafka_message_t *msg, const char *name, char *out, size_t outlen);

#endif
