/* dlq.c - DLQ entries and poison requests. */
#include "llm-worker/core/dlq.h"

#include "chatmsg.h"
#include "err.h"
#include "log.h"
#include "trace.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/core/job.h"
#include "llm-worker/core/producer.h"
#include "llm-worker/core/worker_int.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_DLQ_MAX 16384 /* bytes of an undecodable message kept in its DLQ entry */
#define NIL_UUID "00000000-0000-0000-0000-000000000000"

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int dlq_send(struct worker *w, const char *request_id, int attempt, const char *reason,
             const char *request_json, const char *traceparent, struct ctoken *tok)
{
    struct chat_dlq d = {(char *)request_id, attempt, (char *)reason, (char *)request_json};
    char *payload = chatmsg_encode_dlq(&d);
    int rc;

    if (!payload)
        return FC_EINVAL;
    rc = producer_send(w, TOPIC_DLQ, RD_KAFKA_PARTITION_UA, request_id, payload, SCHEMA_DLQ,
                       traceparent, request_id, tok);
    free(payload);
    w->dlq++;
    return rc;
}

/* Returns the message as JSON text for its DLQ entry: the text itself when it is a JSON
 * object, else a JSON string of it (repaired, cut at RAW_DLQ_MAX bytes). Caller frees. */
static char *raw_for_dlq(const char *raw, size_t len, json_t *parsed)
{
    json_t *s;
    char *clean, *out;

    if (json_is_object(parsed)) {
        out = json_dumps(parsed, JSON_COMPACT);
        if (out)
            return out;
    }
    len = utf8_cut(raw, len, RAW_DLQ_MAX);
    clean = utf8_sanitize(raw, len, NULL);
    s = json_string(clean);
    out = json_dumps(s, JSON_ENCODE_ANY);
    json_decref(s);
    free(clean);
    return out;
}

void dlq_poison(struct worker *w, const rd_kafka_message_t *m, const char *reason,
                const char *traceparent)
{
    json_t *root = json_loadb(m->payload, m->len, 0, NULL);
    const char *rid = json_string_value(json_object_get(root, "request_id"));
    json_t *rp = json_object_get(root, "reply_partition");
    char *dlq_json = raw_for_dlq(m->payload ? m->payload : "", m->len, root);
    char why[512];
    struct job tmp;
    struct ctoken *tok;
    bool notify;

    memset(&tmp, 0, sizeof(tmp));
    tmp.w = w;
    tmp.partition = m->partition;
    tmp.offset = m->offset;
    inflight_add(w->inflight, m->partition, m->offset, &tmp.epoch);
    if (!rid || strlen(rid) != 36 || !is_hex(rid, 8))
        rid = NIL_UUID;
    notify = strcmp(rid, NIL_UUID) != 0 && json_is_integer(rp) && json_integer_value(rp) >= 0 &&
             (w->chunk_partitions < 0 || json_integer_value(rp) < w->chunk_partitions);
    trace_child(traceparent, tmp.traceparent, sizeof(tmp.traceparent), tmp.trace_id);
    snprintf(why, sizeof(why), "invalid_request: %s", reason);
    tok = producer_token_new(&tmp, notify ? 2 : 1);
    if (notify) {
        /* Only the fields producer_chunk() reads. */
        tmp.req.request_id = (char *)rid;
        tmp.req.reply_partition = (int32_t)json_integer_value(rp);
        tmp.attempt = 1;
        if (producer_chunk(&tmp, CHUNK_ERROR,
                           json_pack("{s:s, s:s}", "code", "invalid_request", "message", reason),
                           tok) != 0)
            tok->refs--;
    }
    /* When nothing will report back, the offset is settled now. */
    if (!dlq_json || dlq_send(w, rid, 1, why, dlq_json, tmp.traceparent, tok) != 0)
        producer_token_unref(w, tok);
    log_emit(LOG_WARN, strcmp(rid, NIL_UUID) ? rid : NULL, tmp.trace_id, NULL,
             "poison request at [%d] %" PRId64 " sent to the DLQ: %s", (int)m->partition, m->offset,
             reason);
    free(dlq_json);
    json_decref(root);
}
