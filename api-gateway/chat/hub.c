/* hub.c - stream logs, their readers on the event loops, and replay readers. */
#define FINCHAT_HUB_WITH_H2O 1
#include "api-gateway/chat/hub.h"

#include "clock.h"
#include "err.h"
#include "hash.h"
#include "kafka.h"
#include "log.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "api-gateway/http/metrics.h"
#include "api-gateway/http/sse.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define NBUCKETS 4096
#define MAX_THREADS 64
#define PING_MS 15000
#define REPLAY_IDLE_MS 120000

struct event {
    int64_t seq;
    enum chunk_type type;
    char *data; /* compact JSON */
    size_t data_len;
};

struct sub;

struct stream {
    struct stream *next; /* hash chain */
    char request_id[40];
    struct event *events;
    int nevents, cap;
    int64_t last_seq;
    bool done;
    int64_t done_ms, created_ms, touched_ms;
    struct sub *subs; /* readers on any thread */
};

struct hub {
    const struct fc_config *cfg;
    pthread_mutex_t lock;
    struct stream *buckets[NBUCKETS]; /* @locks lock */
    int nstreams;                     /* @locks lock */
    atomic_int replays;
    int max_replays;
    atomic_bool stopping;
    void (*abandon)(void *ud, const char *request_id); /* set before serving */
    void *abandon_ud;
};

struct hub_thread {
    struct hub *hub;
    h2o_context_t *ctx;
    h2o_multithread_receiver_t receiver;
    h2o_multithread_message_t wake; /* sent only while !wake_pending */
    bool wake_pending;              /* @locks hub->lock */
    struct sub *dirty;              /* @locks hub->lock; readers with news */
    struct sub *readers;            /* @locality loop thread; all readers of this thread */
    int nreaders;
    h2o_timeout_t ping_timeout;
    h2o_timeout_entry_t ping_entry;
};

struct sub {
    h2o_generator_t gen; /* first: h2o calls back with this pointer */
    h2o_req_t *req;      /* NULL once the request is gone */
    struct hub_thread *t;
    struct stream *s;          /* @locks hub->lock; NULL once detached */
    struct sub *snext;         /* @locks hub->lock; stream's reader list */
    struct sub *dnext;         /* @locks hub->lock; thread's dirty list */
    struct sub *wnext;         /* loop thread: on_wake's work list (publishers never touch it) */
    bool dirty;                /* @locks hub->lock */
    struct sub *tnext, *tprev; /* loop thread list */
    int cursor;                /* next event index */
    int64_t after_seq;
    bool sending, finished, started, attached;
    bool ended; /* the stream's last event went out (or the reader was told it is abandoned) */
    int mode;
    char model[64];
    char request_id[40];
    int64_t created_s;
    struct strbuf buf;  /* bytes handed to h2o_send, valid until proceed */
    struct strbuf text; /* HUB_MODE_OPENAI_JSON: the answer so far */
};

static unsigned bucket_of(const char *id)
{
    return hash_str(id, 0) % NBUCKETS;
}

/* @locks hub->lock held */
static struct stream *find(struct hub *h, const char *id)
{
    for (struct stream *s = h->buckets[bucket_of(id)]; s; s = s->next)
        if (strcmp(s->request_id, id) == 0)
            return s;
    return NULL;
}

/* @locks hub->lock held */
static struct stream *create(struct hub *h, const char *id)
{
    struct stream *s = xcalloc(1, sizeof(*s));
    unsigned b = bucket_of(id);

    snprintf(s->request_id, sizeof(s->request_id), "%s", id);
    s->last_seq = -1;
    s->created_ms = s->touched_ms = clock_mono_ms();
    s->next = h->buckets[b];
    h->buckets[b] = s;
    h->nstreams++;
    return s;
}

static void stream_free(struct stream *s)
{
    for (int i = 0; i < s->nevents; i++)
        free(s->events[i].data);
    free(s->events);
    free(s);
}

struct hub *hub_new(const struct fc_config *cfg, int max_replays)
{
    struct hub *h = xcalloc(1, sizeof(*h));

    h->cfg = cfg;
    h->max_replays = max_replays;
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

void hub_free(struct hub *h)
{
    if (!h)
        return;
    atomic_store(&h->stopping, true);
    for (int i = 0; i < 50 && atomic_load(&h->replays) > 0; i++)
        usleep(100 * 1000);
    for (unsigned b = 0; b < NBUCKETS; b++)
        while (h->buckets[b]) {
            struct stream *s = h->buckets[b];

            h->buckets[b] = s->next;
            stream_free(s);
        }
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void hub_open(struct hub *h, const char *request_id)
{
    pthread_mutex_lock(&h->lock);
    if (!find(h, request_id))
        create(h, request_id);
    pthread_mutex_unlock(&h->lock);
}

void hub_on_abandon(struct hub *h, void (*cb)(void *ud, const char *request_id), void *ud)
{
    h->abandon = cb;
    h->abandon_ud = ud;
}

int hub_size(struct hub *h)
{
    int n;

    pthread_mutex_lock(&h->lock);
    n = h->nstreams;
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* Appends to @s and marks its readers dirty; returns threads to wake in @wake.
 * @locks hub->lock held */
static bool append(struct stream *s, const struct chat_chunk *c, struct hub_thread **wake,
                   int *nwake)
{
    struct event *ev;

    if (s->done || c->seq <= s->last_seq)
        return false;
    if (s->nevents >= HUB_MAX_EVENTS && c->type != CHUNK_FINAL && c->type != CHUNK_ERROR)
        return false;
    if (s->nevents == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->events = xrealloc(s->events, sizeof(*s->events) * (size_t)s->cap);
    }
    ev = &s->events[s->nevents++];
    ev->seq = c->seq;
    ev->type = c->type;
    ev->data_len = strlen(c->data_json);
    ev->data = xstrndup(c->data_json, ev->data_len);
    s->last_seq = c->seq;
    s->touched_ms = clock_mono_ms();
    if (c->type == CHUNK_FINAL || c->type == CHUNK_ERROR) {
        s->done = true;
        s->done_ms = s->touched_ms;
    }
    for (struct sub *r = s->subs; r; r = r->snext) {
        if (r->dirty)
            continue;
        r->dirty = true;
        r->dnext = r->t->dirty;
        r->t->dirty = r;
        if (!r->t->wake_pending) {
            r->t->wake_pending = true;
            wake[(*nwake)++] = r->t;
        }
    }
    return true;
}

bool hub_publish(struct hub *h, const struct chat_chunk *c)
{
    struct hub_thread *wake[MAX_THREADS];
    int nwake = 0;
    struct stream *s;
    bool added = false;

    pthread_mutex_lock(&h->lock);
    s = find(h, c->request_id);
    if (s)
        added = append(s, c, wake, &nwake);
    pthread_mutex_unlock(&h->lock);
    for (int i = 0; i < nwake; i++)
        h2o_multithread_send_message(&wake[i]->receiver, &wake[i]->wake);
    return added;
}

void hub_sweep(struct hub *h, int64_t now_ms)
{
    pthread_mutex_lock(&h->lock);
    for (unsigned b = 0; b < NBUCKETS; b++) {
        struct stream **pp = &h->buckets[b];

        while (*pp) {
            struct stream *s = *pp;
            bool old = s->done ? now_ms - s->done_ms > HUB_KEEP_MS
                               : now_ms - s->touched_ms > 3 * HUB_KEEP_MS;

            if (!s->subs && old) {
                *pp = s->next;
                h->nstreams--;
                stream_free(s);
            } else {
                pp = &s->next;
            }
        }
    }
    pthread_mutex_unlock(&h->lock);
}

/* ---- replay readers ---- */

struct replay {
    struct hub *hub;
    char request_id[40];
    int32_t partition;
    int64_t offset;
};

static bool stream_done(struct hub *h, const char *id)
{
    struct stream *s;
    bool done;

    pthread_mutex_lock(&h->lock);
    s = find(h, id);
    done = !s || s->done;
    pthread_mutex_unlock(&h->lock);
    return done;
}

static void *replay_main(void *arg)
{
    struct replay *r = arg;
    struct hub *h = r->hub;
    rd_kafka_conf_t *conf = kafka_conf_new(h->cfg->kafka_brokers, "finchat-gateway-replay");
    rd_kafka_topic_partition_list_t *list = NULL;
    rd_kafka_t *rk;
    char errstr[256], gid[96];
    int64_t idle_since = clock_mono_ms();

    snprintf(gid, sizeof(gid), "finchat-replay-%d-%p", (int)getpid(), (void *)r);
    kafka_conf_set(conf, "group.id", gid);
    kafka_conf_set(conf, "enable.auto.commit", "false");
    kafka_conf_set(conf, "fetch.wait.max.ms", "10");
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk) {
        log_emit(LOG_ERROR, r->request_id, NULL, NULL, "replay consumer: %s", errstr);
        goto out;
    }
    list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, TOPIC_CHUNKS, r->partition)->offset =
        r->offset >= 0 ? r->offset : RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, list);
    metrics_add(M_KAFKA_REPLAYS, 1);
    while (!atomic_load(&h->stopping) && !stream_done(h, r->request_id) &&
           clock_mono_ms() - idle_since < REPLAY_IDLE_MS) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        struct chat_chunk c;

        if (!msg)
            continue;
        if (!msg->err && msg->key_len == strlen(r->request_id) &&
            memcmp(msg->key, r->request_id, msg->key_len) == 0 &&
            chatmsg_decode_chunk(msg->payload, msg->len, &c, errstr, sizeof(errstr)) == 0) {
            if (strcmp(c.request_id, r->request_id) == 0) {
                hub_publish(h, &c);
                idle_since = clock_mono_ms();
            }
            chat_chunk_release(&c);
        }
        rd_kafka_message_destroy(msg);
    }
    if (!stream_done(h, r->request_id)) {
        struct chat_chunk c = {r->request_id, 0, 0, CHUNK_ERROR,
                               (char *)"{\"code\":\"stream_unavailable\",\"message\":\"the answer "
                                       "could not be recovered\"}"};

        pthread_mutex_lock(&h->lock);
        {
            struct stream *s = find(h, r->request_id);

            c.seq = s ? s->last_seq + 1 : 0;
        }
        pthread_mutex_unlock(&h->lock);
        hub_publish(h, &c);
    }
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
out:
    atomic_fetch_sub(&h->replays, 1);
    free(r);
    return NULL;
}

static int start_replay(struct hub *h, const struct hub_stream_req *sr)
{
    struct replay *r = xcalloc(1, sizeof(*r));
    pthread_attr_t attr;
    pthread_t tid;
    int rc;

    r->hub = h;
    snprintf(r->request_id, sizeof(r->request_id), "%s", sr->request_id);
    r->partition = sr->partition;
    r->offset = sr->first_offset;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, replay_main, r);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(r);
        atomic_fetch_sub(&h->replays, 1);
        return FC_EIO;
    }
    return 0;
}

/* ---- readers on the event loop ---- */

static void openai_chunk(struct sub *r, json_t *delta, const char *finish, json_t *usage)
{
    json_t *o = json_pack("{s:s+,s:s,s:I,s:s,s:[{s:i,s:o,s:o}]}", "id", "chatcmpl-", r->request_id,
                          "object", "chat.completion.chunk", "created", (json_int_t)r->created_s,
                          "model", r->model, "choices", "index", 0, "delta", delta, "finish_reason",
                          finish ? json_string(finish) : json_null());
    char *txt;

    if (usage)
        json_object_set(o, "usage", usage);
    txt = json_dumps(o, JSON_COMPACT);
    sse_append_event(&r->buf, -1, NULL, txt, strlen(txt));
    free(txt);
    json_decref(o);
}

/* Renders one event in the reader's format into r->buf (or r->text). */
static void render(struct sub *r, const struct event *ev)
{
    json_t *data;

    if (r->mode == HUB_MODE_SSE) {
        sse_append_event(&r->buf, ev->seq, chunk_type_name(ev->type), ev->data, ev->data_len);
        return;
    }
    data = json_loadb(ev->data, ev->data_len, 0, NULL);
    switch (ev->type) {
    case CHUNK_START:
        if (r->mode == HUB_MODE_OPENAI_SSE && !r->started)
            openai_chunk(r, json_pack("{s:s,s:s}", "role", "assistant", "content", ""), NULL, NULL);
        r->started = true;
        break;
    case CHUNK_TOKEN: {
        const char *t = json_string_value(json_object_get(data, "text"));

        if (!t)
            break;
        if (r->mode == HUB_MODE_OPENAI_SSE)
            openai_chunk(r, json_pack("{s:s}", "content", t), NULL, NULL);
        else
            strbuf_addstr(&r->text, t);
        break;
    }
    case CHUNK_RESET:
        strbuf_reset(&r->text);
        break;
    case CHUNK_FINAL: {
        json_t *u = json_object_get(data, "usage");
        json_int_t pt = json_integer_value(json_object_get(u, "prompt_tokens"));
        json_int_t ct = json_integer_value(json_object_get(u, "completion_tokens"));
        json_t *usage = json_pack("{s:I,s:I,s:I}", "prompt_tokens", pt, "completion_tokens", ct,
                                  "total_tokens", pt + ct);

        if (r->mode == HUB_MODE_OPENAI_SSE) {
            openai_chunk(r, json_object(), "stop", usage);
            strbuf_addstr(&r->buf, "data: [DONE]\n\n");
        } else {
            json_t *o = json_pack(
                "{s:s+,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s%},s:s}],s:O}", "id", "chatcmpl-",
                r->request_id, "object", "chat.completion", "created", (json_int_t)r->created_s,
                "model", r->model, "choices", "index", 0, "message", "role", "assistant", "content",
                r->text.buf, r->text.len, "finish_reason", "stop", "usage", usage);
            char *txt = json_dumps(o, JSON_COMPACT);

            strbuf_addstr(&r->buf, txt);
            free(txt);
            json_decref(o);
        }
        json_decref(usage);
        break;
    }
    case CHUNK_ERROR: {
        const char *msg = json_string_value(json_object_get(data, "message"));
        const char *code = json_string_value(json_object_get(data, "code"));
        json_t *o = json_pack("{s:{s:s,s:s,s:s}}", "error", "message", msg ? msg : "failed", "type",
                              "server_error", "code", code ? code : "error");
        char *txt = json_dumps(o, JSON_COMPACT);

        if (r->mode == HUB_MODE_OPENAI_SSE) {
            sse_append_event(&r->buf, -1, NULL, txt, strlen(txt));
            strbuf_addstr(&r->buf, "data: [DONE]\n\n");
        } else {
            strbuf_addstr(&r->buf, txt);
        }
        free(txt);
        json_decref(o);
        break;
    }
    }
    json_decref(data);
}

/* Removes @r from its stream and from its thread's dirty list. @locks hub->lock held */
static void detach_locked(struct sub *r)
{
    struct sub **pp;

    if (r->s) {
        for (pp = &r->s->subs; *pp; pp = &(*pp)->snext)
            if (*pp == r) {
                *pp = r->snext;
                break;
            }
        r->s = NULL;
    }
    if (r->dirty) {
        for (pp = &r->t->dirty; *pp; pp = &(*pp)->dnext)
            if (*pp == r) {
                *pp = r->dnext;
                break;
            }
        r->dirty = false;
    }
}

static void detach(struct sub *r)
{
    if (!r->attached)
        return;
    pthread_mutex_lock(&r->t->hub->lock);
    detach_locked(r);
    pthread_mutex_unlock(&r->t->hub->lock);
    if (r->tprev)
        r->tprev->tnext = r->tnext;
    else
        r->t->readers = r->tnext;
    if (r->tnext)
        r->tnext->tprev = r->tprev;
    r->t->nreaders--;
    r->attached = false;
    metrics_add(M_SSE_ACTIVE, -1);
}

/* Called when the request's memory pool is released: the connection is gone. */
static void on_dispose(void *p)
{
    struct sub *r = p;
    struct hub *h = r->t->hub;

    /* A client of the OpenAI-compatible endpoint that leaves before the end cannot resume:
     * the rest of the answer is wanted by nobody. */
    if (r->mode != HUB_MODE_SSE && !r->ended && h->abandon) {
        r->ended = true;
        h->abandon(h->abandon_ud, r->request_id);
    }
    detach(r);
    r->req = NULL;
    strbuf_release(&r->buf);
    strbuf_release(&r->text);
}

static void start_json_response(struct sub *r, bool ok)
{
    h2o_req_t *req = r->req;

    req->res.status = ok ? 200 : 502;
    req->res.reason = ok ? "OK" : "Bad Gateway";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
}

/* Sends what is new for @r, if it is not already waiting for a write to finish. */
static void pump(struct sub *r)
{
    struct hub *h = r->t->hub;
    bool done_all, error_end = false;
    h2o_iovec_t iov;

    if (r->sending || r->finished || !r->req)
        return;
    strbuf_reset(&r->buf);
    pthread_mutex_lock(&h->lock);
    if (!r->s) {
        pthread_mutex_unlock(&h->lock);
        return;
    }
    while (r->cursor < r->s->nevents && r->buf.len < HUB_BATCH_MAX) {
        const struct event *ev = &r->s->events[r->cursor++];

        if (ev->seq <= r->after_seq)
            continue;
        if (ev->type == CHUNK_ERROR)
            error_end = true;
        render(r, ev);
    }
    done_all = r->s->done && r->cursor == r->s->nevents;
    pthread_mutex_unlock(&h->lock);

    if (r->mode == HUB_MODE_OPENAI_JSON) {
        if (!done_all)
            return;
        start_json_response(r, !error_end);
        r->finished = r->ended = true;
        detach(r);
        r->req->res.content_length = r->buf.len;
        h2o_send_inline(r->req, r->buf.buf, r->buf.len);
        return;
    }
    if (done_all) {
        /* The final write's bytes must outlive us: copy them into the request's pool. */
        iov = h2o_strdup(&r->req->pool, r->buf.buf, r->buf.len);
        r->finished = r->ended = true;
        detach(r);
        h2o_send(r->req, &iov, 1, H2O_SEND_STATE_FINAL);
        return;
    }
    if (r->buf.len == 0)
        return;
    iov = h2o_iovec_init(r->buf.buf, r->buf.len);
    r->sending = true;
    h2o_send(r->req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    struct sub *r = (struct sub *)gen;

    (void)req;
    r->sending = false;
    pump(r);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    struct sub *r = (struct sub *)gen;

    (void)req;
    r->finished = true;
    detach(r);
}

static void on_wake(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    struct hub_thread *t = H2O_STRUCT_FROM_MEMBER(struct hub_thread, receiver, receiver);
    struct sub *list;

    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
    pthread_mutex_lock(&t->hub->lock);
    t->wake_pending = false;
    /* The work list is linked through wnext: once the lock is released a publisher may mark
     * a reader dirty again and relink its dnext, which must not cut this walk short (a
     * reader dropped from it would wait for its next event or ping, seconds, to be sent). */
    list = t->dirty;
    for (struct sub *r = list; r; r = r->dnext) {
        r->wnext = r->dnext;
        r->dirty = false;
    }
    t->dirty = NULL;
    pthread_mutex_unlock(&t->hub->lock);
    /* Pumping may detach readers, which only unlinks them from the hub's lists, not from
     * this one; their memory lives until the request is gone. */
    while (list) {
        struct sub *r = list;

        list = r->wnext;
        pump(r);
    }
}

static void on_ping(h2o_timeout_entry_t *entry)
{
    struct hub_thread *t = H2O_STRUCT_FROM_MEMBER(struct hub_thread, ping_entry, entry);
    static const char ping[] = ": ping\n\n";

    for (struct sub *r = t->readers; r; r = r->tnext) {
        h2o_iovec_t iov = h2o_iovec_init(ping, sizeof(ping) - 1);

        if (r->sending || r->finished || !r->req || r->mode == HUB_MODE_OPENAI_JSON)
            continue;
        r->sending = true;
        h2o_send(r->req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
    }
    h2o_timeout_link(t->ctx->loop, &t->ping_timeout, &t->ping_entry);
}

struct hub_thread *hub_thread_attach(struct hub *h, h2o_context_t *ctx)
{
    struct hub_thread *t = xcalloc(1, sizeof(*t));

    t->hub = h;
    t->ctx = ctx;
    h2o_multithread_register_receiver(ctx->queue, &t->receiver, on_wake);
    h2o_timeout_init(ctx->loop, &t->ping_timeout, PING_MS);
    t->ping_entry.cb = on_ping;
    h2o_timeout_link(ctx->loop, &t->ping_timeout, &t->ping_entry);
    return t;
}

int hub_thread_readers(struct hub_thread *t)
{
    return t->nreaders;
}

int hub_subscribe(struct hub_thread *t, h2o_req_t *req, const struct hub_stream_req *sr)
{
    struct hub *h = t->hub;
    struct sub *r;
    struct stream *s;
    bool replay = false;
    static const char hello[] = "retry: 1000\n\n";

    pthread_mutex_lock(&h->lock);
    s = find(h, sr->request_id);
    if (s && s->done && sr->mode == HUB_MODE_SSE && sr->after_seq >= 0 &&
        sr->after_seq >= s->last_seq) {
        pthread_mutex_unlock(&h->lock);
        return HUB_NOTHING_LEFT;
    }
    if (!s) {
        if (atomic_fetch_add(&h->replays, 1) >= h->max_replays) {
            atomic_fetch_sub(&h->replays, 1);
            pthread_mutex_unlock(&h->lock);
            return FC_ERATE;
        }
        s = create(h, sr->request_id);
        replay = true;
    }
    r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), on_dispose);
    memset(r, 0, sizeof(*r));
    strbuf_init(&r->buf, 0);
    strbuf_init(&r->text, 0);
    r->gen.proceed = on_proceed;
    r->gen.stop = on_stop;
    r->req = req;
    r->t = t;
    r->s = s;
    r->after_seq = sr->after_seq;
    r->mode = sr->mode;
    r->created_s = sr->created_s;
    snprintf(r->model, sizeof(r->model), "%s", sr->model[0] ? sr->model : "finchat");
    snprintf(r->request_id, sizeof(r->request_id), "%s", sr->request_id);
    r->snext = s->subs;
    s->subs = r;
    r->attached = true;
    pthread_mutex_unlock(&h->lock);
    metrics_add(replay ? M_STREAM_HUB_MISSES : M_STREAM_HUB_HITS, 1);
    if (replay && start_replay(h, sr) != 0)
        log_emit(LOG_ERROR, sr->request_id, NULL, NULL, "cannot start replay reader");

    r->tnext = t->readers;
    if (t->readers)
        t->readers->tprev = r;
    t->readers = r;
    t->nreaders++;
    metrics_add(M_SSE_ACTIVE, 1);

    if (r->mode == HUB_MODE_OPENAI_JSON) {
        pump(r);
        return 0;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache, no-transform"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-accel-buffering"), 0, NULL,
                          H2O_STRLIT("no"));
    h2o_start_response(req, &r->gen);
    if (r->mode == HUB_MODE_SSE) {
        h2o_iovec_t iov = h2o_iovec_init(hello, sizeof(hello) - 1);

        r->sending = true;
        h2o_send(req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
    } else {
        pump(r);
    }
    return 0;
}
