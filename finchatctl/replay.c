/* replay.c - finchatctl replay: the chunks of one request, assembled as a client would. */
#include "replay.h"

#include "err.h"
#include "kafka.h"
#include "pgconn.h"
#include "sig.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARTITIONS 1024

bool replay_apply(struct replay_state *st, const struct chat_chunk *c)
{
    json_t *data;
    const char *tok;

    if (c->seq <= st->last_seq) {
        st->duplicates++;
        return false;
    }
    st->last_seq = c->seq;
    st->attempt = c->attempt;
    st->events++;
    switch (c->type) {
    case CHUNK_START:
        free(st->started);
        st->started = xstrdup(c->data_json);
        break;
    case CHUNK_TOKEN:
        data = json_loads(c->data_json, 0, NULL);
        tok = json_string_value(json_object_get(data, "text"));
        if (tok)
            strbuf_addstr(&st->text, tok);
        json_decref(data);
        break;
    case CHUNK_RESET:
        st->resets++;
        strbuf_reset(&st->text);
        break;
    case CHUNK_FINAL:
        free(st->final);
        st->final = xstrdup(c->data_json);
        break;
    case CHUNK_ERROR:
        free(st->error);
        st->error = xstrdup(c->data_json);
        break;
    case CHUNK_TOOL: /* a tool call adds nothing to the answer's text */
        break;
    }
    return true;
}

void replay_state_release(struct replay_state *st)
{
    if (!st)
        return;
    strbuf_release(&st->text);
    free(st->final);
    free(st->error);
    free(st->started);
    memset(st, 0, sizeof(*st));
}

/* Looks the request up in chat_requests. True with *@partition and *@offset (-1 when NULL)
 * when a row exists. */
static bool lookup_pg(const struct fc_config *cfg, const char *request_id, int32_t *partition,
                      int64_t *offset)
{
    const char *params[1] = {request_id};
    char err[512];
    PGconn *pg = pg_open(cfg->pg_url, err, sizeof(err));
    PGresult *res;
    bool found = false;

    if (!pg) {
        fprintf(stderr, "# PostgreSQL unavailable (%s): scanning every partition\n", err);
        return false;
    }
    if (sql_query(pg, "SELECT reply_partition, first_offset FROM chat_requests WHERE id = $1", 1,
                  params, &res) != 0) {
        sql_errmsg(pg, err, sizeof(err));
        fprintf(stderr, "# chat_requests lookup failed: %s\n", err);
    } else if (PQntuples(res) == 1) {
        *partition = (int32_t)strtol(PQgetvalue(res, 0, 0), NULL, 10);
        *offset = PQgetisnull(res, 0, 1) ? -1 : strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        found = true;
    }
    PQclear(res);
    pg_close(pg);
    return found;
}

static void print_event(const struct chat_chunk *c)
{
    printf("%-10lld attempt %-2d %-6s %s\n", (long long)c->seq, c->attempt,
           chunk_type_name(c->type), c->data_json);
}

static int usage(void)
{
    fprintf(stderr, "usage: finchatctl replay REQUEST_ID [--scan] [--quiet]\n");
    return 2;
}

int ctl_replay(const struct fc_config *cfg, int argc, char **argv)
{
    char rid[UUID_STR_LEN] = ""; /* lower case, as the Kafka keys are */
    bool scan = false, quiet = false;
    int32_t partition = -1;
    int64_t first = -1, low, high;
    int64_t ends[MAX_PARTITIONS];
    int nparts, open_parts = 0, rc = 1;
    char group[128], errstr[512];
    struct replay_state st;
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *list;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scan") == 0)
            scan = true;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = true;
        else if (!*rid && uuid_normalize(argv[i], rid))
            continue;
        else
            return usage();
    }
    if (!*rid)
        return usage();
    if (!scan && lookup_pg(cfg, rid, &partition, &first))
        fprintf(stderr, "# chat_requests: reply partition %d, first offset %lld\n", (int)partition,
                (long long)first);
    sig_install();
    snprintf(group, sizeof(group), "finchatctl-replay-%d", (int)getpid());
    rk = kafka_consumer_new(cfg->kafka_brokers, "finchatctl-replay", group, NULL, errstr,
                            sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "finchatctl replay: %s\n", errstr);
        return 1;
    }
    nparts = kafka_partition_count(rk, TOPIC_CHUNKS, 10000);
    if (nparts <= 0 || nparts > MAX_PARTITIONS || partition >= nparts) {
        fprintf(stderr, "finchatctl replay: %s is not available\n", TOPIC_CHUNKS);
        goto out_destroy;
    }
    list = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++) {
        ends[p] = -1;
        if (partition >= 0 && p != partition)
            continue;
        if (rd_kafka_query_watermark_offsets(rk, TOPIC_CHUNKS, p, &low, &high, 10000) != 0 ||
            high <= low)
            continue;
        if (partition == p && first > low)
            low = first;
        if (low >= high)
            continue;
        ends[p] = high;
        rd_kafka_topic_partition_list_add(list, TOPIC_CHUNKS, p)->offset = low;
        open_parts++;
    }
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    memset(&st, 0, sizeof(st));
    st.last_seq = -1;
    while (open_parts > 0 && !sig_stop_requested()) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        struct chat_chunk c;
        char why[256];

        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "# kafka: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->offset + 1 >= ends[m->partition]) {
            ends[m->partition] = -1;
            open_parts--;
        }
        /* The key is the request id: skip other requests without decoding them. */
        if (m->key_len == 36 && memcmp(m->key, rid, 36) == 0) {
            if (chatmsg_decode_chunk(m->payload, m->len, &c, why, sizeof(why)) != 0) {
                printf("# [%d] @%lld INVALID chunk: %s\n", (int)m->partition, (long long)m->offset,
                       why);
            } else {
                if (replay_apply(&st, &c) && !quiet)
                    print_event(&c);
                chat_chunk_release(&c);
            }
        }
        rd_kafka_message_destroy(m);
    }
    if (st.events == 0) {
        fprintf(stderr, "finchatctl replay: no chunks of %s\n", rid);
    } else {
        printf("--- %d events, %d duplicates skipped, %d resets, attempt %d\n", st.events,
               st.duplicates, st.resets, st.attempt);
        if (st.started)
            printf("--- start %s\n", st.started);
        printf("--- answer\n%s\n", st.text.len ? st.text.buf : "");
        if (st.final)
            printf("--- final %s\n", st.final);
        else if (st.error)
            printf("--- error %s\n", st.error);
        else
            printf("--- incomplete: no final or error chunk yet\n");
        rc = st.final || st.error ? 0 : 1;
    }
    replay_state_release(&st);
    rd_kafka_consumer_close(rk);
out_destroy:
    rd_kafka_destroy(rk);
    return rc;
}
