/* handoff.c - handing over standalone requests, parking the others (see handoff.h). */
#include "llm-worker/core/handoff.h"

#include "chatmsg.h"
#include "kafka.h"
#include "log.h"
#include "xmalloc.h"
#include "llm-worker/core/group.h"
#include "llm-worker/core/inflight.h"
#include "llm-worker/core/job.h"
#include "llm-worker/core/producer.h"
#include "llm-worker/core/worker_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct parked {
    rd_kafka_message_t *m;
    struct parked *next;
};

/* The parked requests of one partition, oldest first. */
struct lane {
    int32_t partition;
    struct parked *head, *tail;
};

struct handoff {
    struct lane *lanes; /* in the order they were opened */
    size_t nlanes, cap;
    int32_t next; /* the partition the next search for a recipient starts at */
    int64_t handed_over, parked;
};

struct handoff *handoff_new(void)
{
    return xcalloc(1, sizeof(struct handoff));
}

static void lane_clear(struct lane *l)
{
    struct parked *p = l->head, *next;

    for (; p; p = next) {
        next = p->next;
        rd_kafka_message_destroy(p->m);
        free(p);
    }
    l->head = l->tail = NULL;
}

void handoff_free(struct handoff *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nlanes; i++)
        lane_clear(&h->lanes[i]);
    free(h->lanes);
    free(h);
}

static struct lane *lane_find(struct handoff *h, int32_t partition)
{
    for (size_t i = 0; i < h->nlanes; i++)
        if (h->lanes[i].partition == partition)
            return &h->lanes[i];
    return NULL;
}

static void lane_remove(struct handoff *h, struct lane *l)
{
    size_t i = (size_t)(l - h->lanes);

    lane_clear(l);
    memmove(&h->lanes[i], &h->lanes[i + 1], (h->nlanes - i - 1) * sizeof(*l));
    h->nlanes--;
}

static void park(struct worker *w, rd_kafka_message_t *m)
{
    struct handoff *h = w->handoff;
    struct lane *l = lane_find(h, m->partition);
    struct parked *p = xcalloc(1, sizeof(*p));

    if (!l) {
        if (h->nlanes == h->cap) {
            h->cap = h->cap ? 2 * h->cap : 8;
            h->lanes = xrealloc(h->lanes, h->cap * sizeof(*h->lanes));
        }
        l = &h->lanes[h->nlanes++];
        memset(l, 0, sizeof(*l));
        l->partition = m->partition;
        group_pause_partition(w, m->partition, true);
    }
    p->m = m;
    if (l->tail)
        l->tail->next = p;
    else
        l->head = p;
    l->tail = p;
    h->parked++;
}

/* True when @m is a request another worker may start: it stands alone, decodes (so that the
 * copy cannot be poison) and was not handed over before. */
static bool standalone(const struct worker *w, const rd_kafka_message_t *m)
{
    struct chat_request r;
    char from[8], err[128];
    bool alone;

    if (kafka_header(m, KAFKA_HANDED_OVER_BY, from, sizeof(from)))
        return false;
    if (chatmsg_decode_request(m->payload, m->len, &r, err, sizeof(err)) != 0)
        return false;
    alone =
        r.client_history && (w->chunk_partitions <= 0 || r.reply_partition < w->chunk_partitions);
    chat_request_release(&r);
    return alone;
}

/* A partition of finchat.chat.requests this worker does not own, each in turn, or -1. */
static int32_t recipient(struct worker *w)
{
    rd_kafka_topic_partition_list_t *own = NULL;
    int32_t n = w->request_partitions, found = -1;

    if (n <= 0 || rd_kafka_assignment(w->consumer, &own) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    for (int32_t k = 0; k < n && found < 0; k++) {
        int32_t p = (w->handoff->next + k) % n;

        if (!rd_kafka_topic_partition_list_find(own, TOPIC_REQUESTS, p))
            found = p;
    }
    rd_kafka_topic_partition_list_destroy(own);
    if (found >= 0)
        w->handoff->next = (found + 1) % n;
    return found;
}

/* Produces a copy of @m to partition @to; its offset is done when Kafka has the copy. */
static void hand_over(struct worker *w, const rd_kafka_message_t *m, int32_t to)
{
    rd_kafka_headers_t *hdrs = NULL;
    rd_kafka_resp_err_t err;
    struct ctoken *tok;
    struct job tmp;

    memset(&tmp, 0, sizeof(tmp));
    tmp.w = w;
    tmp.partition = m->partition;
    tmp.offset = m->offset;
    if (inflight_add(w->inflight, m->partition, m->offset, &tmp.epoch) != 0) {
        log_warn("skipping an offset already tracked: [%d] %" PRId64, (int)m->partition, m->offset);
        return;
    }
    tok = producer_token_new(&tmp, 1);
    tok->handoff = true;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
        hdrs = rd_kafka_headers_copy(hdrs);
    else
        hdrs = rd_kafka_headers_new(1);
    rd_kafka_header_add(hdrs, KAFKA_HANDED_OVER_BY, -1, w->name, -1);
    err =
        rd_kafka_producev(w->producer, RD_KAFKA_V_TOPIC(TOPIC_REQUESTS), RD_KAFKA_V_PARTITION(to),
                          RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
                          RD_KAFKA_V_OPAQUE(tok), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(hdrs);
        log_warn("handing over [%d] %" PRId64 " failed (%s): answering it here", (int)m->partition,
                 m->offset, rd_kafka_err2str(err));
        w->pending_tokens--;
        free(tok);
        job_on_returned(w, m, m->partition, m->offset, tmp.epoch);
        return;
    }
    w->handoff->handed_over++;
}

enum handoff_outcome handoff_take(struct worker *w, rd_kafka_message_t *m)
{
    int32_t to;

    if (lane_find(w->handoff, m->partition)) {
        park(w, m); /* behind what is parked from its partition */
        return HANDOFF_KEPT;
    }
    if (w->njobs < w->cfg->worker_max_inflight)
        return HANDOFF_START;
    if (standalone(w, m) && (to = recipient(w)) >= 0) {
        hand_over(w, m, to);
        return HANDOFF_DONE;
    }
    park(w, m);
    return HANDOFF_KEPT;
}

void handoff_release(struct worker *w)
{
    struct handoff *h = w->handoff;

    while (h->nlanes > 0 && w->njobs < w->cfg->worker_max_inflight) {
        struct lane *l = &h->lanes[0];
        struct parked *p = l->head;

        while (p && w->njobs < w->cfg->worker_max_inflight) {
            l->head = p->next;
            job_on_request(w, p->m);
            rd_kafka_message_destroy(p->m);
            free(p);
            p = l->head;
        }
        if (p)
            return; /* full again: the rest of this partition waits */
        l->tail = NULL;
        group_pause_partition(w, l->partition, false);
        lane_remove(h, l);
    }
}

void handoff_drop_partition(struct worker *w, int32_t partition)
{
    struct lane *l = lane_find(w->handoff, partition);

    if (l)
        lane_remove(w->handoff, l);
}

void handoff_returned(struct worker *w, const rd_kafka_message_t *m, struct ctoken *t)
{
    if (inflight_live(w->inflight, t->partition, t->epoch)) {
        log_warn("kafka did not take the request handed over from [%d] %" PRId64
                 ": answering it here",
                 (int)t->partition, t->offset);
        job_on_returned(w, m, t->partition, t->offset, t->epoch);
    }
    w->pending_tokens--;
    free(t);
}

void handoff_counts(const struct handoff *h, int64_t *handed_over, int64_t *parked)
{
    *handed_over = h->handed_over;
    *parked = h->parked;
}
