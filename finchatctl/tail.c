/* tail.c - finchatctl tail: decode, validate and pretty-print a chat topic. */
#include "tail.h"

#include "chatmsg.h"
#include "clock.h"
#include "err.h"
#include "kafka.h"
#include "sig.h"
#include "utf8.h"
#include "xmalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *topic, *short_name, *schema;
} topics[] = {
    {TOPIC_REQUESTS, "requests", SCHEMA_REQUEST},
    {TOPIC_CHUNKS, "chunks", SCHEMA_CHUNK},
    {TOPIC_CONTROL, "control", SCHEMA_CONTROL},
    {TOPIC_DLQ, "dlq", SCHEMA_DLQ},
};
#define NTOPICS (sizeof(topics) / sizeof(topics[0]))

const char *tail_topic(const char *name)
{
    for (size_t i = 0; i < NTOPICS; i++)
        if (strcmp(name, topics[i].topic) == 0 || strcmp(name, topics[i].short_name) == 0)
            return topics[i].topic;
    return NULL;
}

static bool traceparent_ok(const char *tp)
{
    static const char shape[] = "00-################################-################-##";

    if (strlen(tp) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++) {
        char c = tp[i];

        if (shape[i] == '#' ? !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) : c != shape[i])
            return false;
    }
    return true;
}

/* Decodes @m as its topic's message; fills @request_id (may stay "") on success. */
static int decode(const struct tail_msg *m, char *request_id, size_t idlen, char *why,
                  size_t whylen)
{
    struct chat_request r;
    struct chat_chunk c;
    struct chat_control k;
    struct chat_dlq d;
    int rc;

    if (strcmp(m->topic, TOPIC_REQUESTS) == 0) {
        rc = chatmsg_decode_request(m->payload, m->len, &r, why, (unsigned)whylen);
        if (rc == 0) {
            snprintf(request_id, idlen, "%s", r.request_id);
            /* Requests are keyed by conversation. */
            if (m->key_len != strlen(r.conversation_id) ||
                memcmp(m->key, r.conversation_id, m->key_len) != 0) {
                snprintf(why, whylen, "key is not the conversation id");
                rc = FC_EINVAL;
            }
            chat_request_release(&r);
        }
        return rc;
    }
    if (strcmp(m->topic, TOPIC_CHUNKS) == 0) {
        rc = chatmsg_decode_chunk(m->payload, m->len, &c, why, (unsigned)whylen);
        if (rc == 0) {
            snprintf(request_id, idlen, "%s", c.request_id);
            chat_chunk_release(&c);
        }
    } else if (strcmp(m->topic, TOPIC_CONTROL) == 0) {
        rc = chatmsg_decode_control(m->payload, m->len, &k, why, (unsigned)whylen);
        if (rc == 0) {
            snprintf(request_id, idlen, "%s", k.request_id);
            chat_control_release(&k);
        }
    } else {
        rc = chatmsg_decode_dlq(m->payload, m->len, &d, why, (unsigned)whylen);
        if (rc == 0) {
            snprintf(request_id, idlen, "%s", d.request_id);
            chat_dlq_release(&d);
        }
    }
    if (rc == 0 && (m->key_len != strlen(request_id) ||
                    memcmp(m->key ? m->key : "", request_id, m->key_len) != 0)) {
        snprintf(why, whylen, "key is not the request id");
        rc = FC_EINVAL;
    }
    return rc;
}

bool tail_check(const struct tail_msg *m, char *why, size_t whylen)
{
    const char *schema = NULL;
    char request_id[64] = "";

    for (size_t i = 0; i < NTOPICS; i++)
        if (strcmp(m->topic, topics[i].topic) == 0)
            schema = topics[i].schema;
    if (!schema) {
        snprintf(why, whylen, "not a chat topic");
        return false;
    }
    if (decode(m, request_id, sizeof(request_id), why, whylen) != 0)
        return false;
    if (!m->content_type || strcmp(m->content_type, "application/json") != 0) {
        snprintf(why, whylen, "header content-type is not application/json");
        return false;
    }
    if (!m->schema || strcmp(m->schema, schema) != 0) {
        snprintf(why, whylen, "header schema is not %s", schema);
        return false;
    }
    if (!m->traceparent || !traceparent_ok(m->traceparent)) {
        snprintf(why, whylen, "header traceparent missing or not W3C");
        return false;
    }
    if (!m->request_id || strcmp(m->request_id, request_id) != 0) {
        snprintf(why, whylen, "header request-id differs from the message's request_id");
        return false;
    }
    return true;
}

/* Prints @len bytes of @s with invalid UTF-8 and control bytes shown as '?'. */
static void print_text(FILE *out, const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        int32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);

        if (n <= 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f) {
            fputc('?', out);
            i++;
            continue;
        }
        fwrite(s + i, 1, (size_t)n, out);
        i += (size_t)n;
    }
}

bool tail_print(FILE *out, const struct tail_msg *m)
{
    char why[256] = "", ts[32] = "-";
    bool valid = tail_check(m, why, sizeof(why));
    json_t *doc = json_loadb(m->payload ? m->payload : "", m->len, 0, NULL);
    char *pretty = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    if (m->timestamp_ms > 0)
        clock_rfc3339(m->timestamp_ms, ts, sizeof(ts));
    fprintf(out, "=== %s [%d] @%lld  %s  key=", m->topic, (int)m->partition, (long long)m->offset,
            ts);
    print_text(out, m->key ? m->key : "", m->key ? m->key_len : 0);
    fputc('\n', out);
    fprintf(out, "  content-type: %s\n  schema: %s\n  traceparent: %s\n  request-id: %s\n",
            m->content_type ? m->content_type : "(missing)", m->schema ? m->schema : "(missing)",
            m->traceparent ? m->traceparent : "(missing)",
            m->request_id ? m->request_id : "(missing)");
    if (m->context_version)
        fprintf(out, "  context-version: %s\n", m->context_version);
    if (m->handed_over_by)
        fprintf(out, "  handed-over-by: %s\n", m->handed_over_by);
    if (valid)
        fprintf(out, "  valid\n");
    else
        fprintf(out, "  INVALID: %s\n", why);
    if (pretty) {
        fprintf(out, "%s\n", pretty);
    } else {
        print_text(out, m->payload ? m->payload : "", m->len);
        fputc('\n', out);
    }
    free(pretty);
    json_decref(doc);
    return valid;
}

static int usage(void)
{
    fprintf(stderr, "usage: finchatctl tail TOPIC [--from-beginning] [--max N] [--exit]\n"
                    "  TOPIC: requests | chunks | control | dlq (or the full topic name)\n");
    return 2;
}

int ctl_tail(const struct fc_config *cfg, int argc, char **argv)
{
    const char *topic = NULL;
    bool from_beginning = false, stop_at_end = false;
    long max = -1, seen = 0, invalid = 0;
    int nparts, eofs = 0, rc = 0;
    char group[128], errstr[512];
    static const struct kafka_setting eof[] = {{"enable.partition.eof", "true"}, {NULL, NULL}};
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *list;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from-beginning") == 0) {
            from_beginning = true;
        } else if (strcmp(argv[i], "--exit") == 0) {
            stop_at_end = true;
        } else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            char *end;

            max = strtol(argv[++i], &end, 10);
            if (*end || max < 1)
                return usage();
        } else if (!topic && argv[i][0] != '-') {
            topic = tail_topic(argv[i]);
            if (!topic) {
                fprintf(stderr, "finchatctl tail: unknown topic %s\n", argv[i]);
                return usage();
            }
        } else {
            return usage();
        }
    }
    if (!topic)
        return usage();
    sig_install();
    snprintf(group, sizeof(group), "finchatctl-tail-%d", (int)getpid());
    rk = kafka_consumer_new(cfg->kafka_brokers, "finchatctl-tail", group, eof, errstr,
                            sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "finchatctl tail: %s\n", errstr);
        return 1;
    }
    nparts = kafka_partition_count(rk, topic, 10000);
    if (nparts <= 0) {
        fprintf(stderr, "finchatctl tail: topic %s is not available\n", topic);
        rc = 1;
        goto out_destroy;
    }
    list = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++)
        rd_kafka_topic_partition_list_add(list, topic, p)->offset =
            from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    fprintf(stderr, "# following %s (%d partitions) from the %s\n", topic, nparts,
            from_beginning ? "beginning" : "end");
    while (!sig_stop_requested() && (max < 0 || seen < max)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        struct tail_msg t;
        char ct[64], sc[64], tp[128], rid[64], cv[32], hb[300];

        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            if (stop_at_end && ++eofs >= nparts)
                break;
            continue;
        }
        if (m->err) {
            fprintf(stderr, "# kafka: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        memset(&t, 0, sizeof(t));
        t.topic = topic;
        t.partition = m->partition;
        t.offset = m->offset;
        t.timestamp_ms = rd_kafka_message_timestamp(m, NULL);
        t.key = m->key;
        t.key_len = m->key_len;
        t.payload = m->payload;
        t.len = m->len;
        t.content_type = kafka_header(m, "content-type", ct, sizeof(ct)) ? ct : NULL;
        t.schema = kafka_header(m, "schema", sc, sizeof(sc)) ? sc : NULL;
        t.traceparent = kafka_header(m, "traceparent", tp, sizeof(tp)) ? tp : NULL;
        t.request_id = kafka_header(m, "request-id", rid, sizeof(rid)) ? rid : NULL;
        t.context_version = kafka_header(m, "context-version", cv, sizeof(cv)) ? cv : NULL;
        t.handed_over_by = kafka_header(m, KAFKA_HANDED_OVER_BY, hb, sizeof(hb)) ? hb : NULL;
        if (!tail_print(stdout, &t))
            invalid++;
        fflush(stdout);
        seen++;
        rd_kafka_message_destroy(m);
    }
    fprintf(stderr, "# %ld messages, %ld invalid\n", seen, invalid);
    rd_kafka_consumer_close(rk);
out_destroy:
    rd_kafka_destroy(rk);
    return rc;
}
