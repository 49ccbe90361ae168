/* hub.c - stream logs and their readers on the event loops. */
#define FINCHAT_HUB_WITH_H2O 1
#include "api-gateway/chat/hub.h"

#include "clock.h"
#include "err.h"
#include "hash.h"
#include "log.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "api-gateway/http/metrics.h"
#include "api-gateway/http/sse.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

#define NBUCKETS 4096
#define MAX_THREADS 64
#define PING_MS 15000

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
    /* Fed by a replay reader, which reads the request's chunks in order from the offset the
     * request recorded: live chunks of it (this gateway may also read that reply partition)
     * are left to the replay, since one ahead of it would make the replayed ones look old. */
    bool replayed;
    int64_t done_ms, created_ms, touched_ms;
    int64_t opened_ns; /* clock_mono_ns() at hub_open(); 0 once its first text came */
    struct sub *subs;  /* readers on any thread */
};

struct hub {
    pthread_mutex_t lock;
    struct stream *buckets[NBUCKETS];                  /* @locks lock */
    int nstreams;                                      /* @locks lock */
    void (*abandon)(void *ud, const char *request_id); /* set before serving */
    void *abandon_ud;
    int (*miss)(void *ud, const struct hub_stream_req *sr); /* @locks lock */
    void *miss_ud;                                          /* @locks lock */
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
    bool sending, finished, attached;
    bool ended; /* the stream's last event went out (or the reader was told it is abandoned) */
    const struct hub_format *fmt; /* NULL: finchat's SSE */
    void *fst;                    /* fmt's state */
    char request_id[40];
    struct strbuf buf; /* bytes handed to h2o_send, valid until proceed */
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

struct hub *hub_new(void)
{
    struct hub *h = xcalloc(1, sizeof(*h));

    pthread_mutex_init(&h->lock, NULL);
    return h;
}

void hub_free(struct hub *h)
{
    if (!h)
        return;
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
    struct stream *s;

    pthread_mutex_lock(&h->lock);
    s = find(h, request_id);
    if (!s) {
        s = create(h, request_id);
        s->opened_ns = clock_mono_ns();
    }
    pthread_mutex_unlock(&h->lock);
}

void hub_on_abandon(struct hub *h, void (*cb)(void *ud, const char *request_id), void *ud)
{
    h->abandon = cb;
    h->abandon_ud = ud;
}

void hub_on_miss(struct hub *h, int (*start)(void *ud, const struct hub_stream_req *sr), void *ud)
{
    pthread_mutex_lock(&h->lock);
    h->miss = start;
    h->miss_ud = ud;
    pthread_mutex_unlock(&h->lock);
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
    if (c->type == CHUNK_TOKEN && s->opened_ns) {
        metrics_stage_since(MS_ANSWER_FIRST, s->opened_ns);
        s->opened_ns = 0;
    }
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

static void wake_threads(struct hub_thread **wake, int nwake)
{
    for (int i = 0; i < nwake; i++)
        h2o_multithread_send_message(&wake[i]->receiver, &wake[i]->wake);
}

static bool publish(struct hub *h, const struct chat_chunk *c, bool from_replay)
{
    struct hub_thread *wake[MAX_THREADS];
    int nwake = 0;
    struct stream *s;
    bool added = false;

    pthread_mutex_lock(&h->lock);
    s = find(h, c->request_id);
    if (s && s->replayed == from_replay)
        added = append(s, c, wake, &nwake);
    pthread_mutex_unlock(&h->lock);
    wake_threads(wake, nwake);
    return added;
}

bool hub_publish(struct hub *h, const struct chat_chunk *c)
{
    return publish(h, c, false);
}

bool hub_publish_replayed(struct hub *h, const struct chat_chunk *c)
{
    return publish(h, c, true);
}

/* Appends an `error` event {code, message} after the last event of @s unless it ended.
 * @locks hub->lock held */
static bool fail_locked(struct stream *s, const char *code, const char *message,
                        struct hub_thread **wake, int *nwake)
{
    json_t *o = json_pack("{s:s,s:s}", "code", code, "message", message);
    char *data = json_dumps(o, JSON_COMPACT);
    struct chat_chunk c = {s->request_id, 0, s->last_seq + 1, CHUNK_ERROR, data};
    bool added = append(s, &c, wake, nwake);

    free(data);
    json_decref(o);
    return added;
}

bool hub_fail(struct hub *h, const char *request_id, const char *code, const char *message)
{
    struct hub_thread *wake[MAX_THREADS];
    int nwake = 0;
    struct stream *s;
    bool added = false;

    pthread_mutex_lock(&h->lock);
    s = find(h, request_id);
    if (s)
        added = fail_locked(s, code, message, wake, &nwake);
    pthread_mutex_unlock(&h->lock);
    wake_threads(wake, nwake);
    return added;
}

bool hub_ended(struct hub *h, const char *request_id)
{
    struct stream *s;
    bool ended;

    pthread_mutex_lock(&h->lock);
    s = find(h, request_id);
    ended = !s || s->done;
    pthread_mutex_unlock(&h->lock);
    return ended;
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

/* ---- readers on the event loop ---- */

/* Renders one event in the reader's format into r->buf. @locks hub->lock held */
static void render(struct sub *r, const struct event *ev)
{
    struct hub_event e = {ev->seq, ev->type, ev->data, ev->data_len};

    if (r->fmt)
        r->fmt->render(r->fst, &e, &r->buf);
    else
        sse_append_event(&r->buf, ev->seq, chunk_type_name(ev->type), ev->data, ev->data_len);
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

    /* A client of another API's format that leaves before the end cannot resume: the rest
     * of the answer is wanted by nobody. */
    if (r->fmt && !r->ended && h->abandon) {
        r->ended = true;
        h->abandon(h->abandon_ud, r->request_id);
    }
    detach(r);
    r->req = NULL;
    strbuf_release(&r->buf);
    if (r->fmt)
        r->fmt->state_free(r->fst);
    r->fst = NULL;
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

    if (r->fmt && r->fmt->whole) {
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

        if (r->sending || r->finished || !r->req || (r->fmt && r->fmt->whole))
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

/* The stream @sr asks for: held here, or created and handed to the miss handler, or
 * created ended with an `error` event when that cannot feed it. NULL with *@rc =
 * HUB_NOTHING_LEFT or FC_ERATE (see hub_subscribe). *@miss tells whether it was created.
 * @locks hub->lock held */
static struct stream *claim(struct hub *h, const struct hub_stream_req *sr, bool *miss, int *rc)
{
    struct hub_thread *wake[MAX_THREADS];
    int nwake = 0, started;
    struct stream *s = find(h, sr->request_id);

    *miss = !s;
    if (s && s->done && !sr->format && sr->after_seq >= 0 && sr->after_seq >= s->last_seq) {
        *rc = HUB_NOTHING_LEFT;
        return NULL;
    }
    if (s)
        return s;
    started = h->miss ? h->miss(h->miss_ud, sr) : FC_EDEP;
    if (started == FC_ERATE) {
        *rc = FC_ERATE;
        return NULL;
    }
    s = create(h, sr->request_id);
    s->replayed = started == 0;
    if (started != 0) {
        log_emit(LOG_ERROR, sr->request_id, NULL, NULL, "cannot start a replay reader: %s",
                 err_str(started));
        /* No reader is attached yet: nobody to wake. */
        fail_locked(s, "stream_unavailable", "the answer could not be recovered", wake, &nwake);
    }
    return s;
}

/* Starts the response of @r: headers, then the SSE hello or what is already there. */
static void start_response(struct sub *r)
{
    static const char hello[] = "retry: 1000\n\n";
    h2o_req_t *req = r->req;

    if (r->fmt && r->fmt->whole) {
        pump(r);
        return;
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
    if (!r->fmt) {
        h2o_iovec_t iov = h2o_iovec_init(hello, sizeof(hello) - 1);

        r->sending = true;
        h2o_send(req, &iov, 1, H2O_SEND_STATE_IN_PROGRESS);
    } else {
        pump(r);
    }
}

int hub_subscribe(struct hub_thread *t, h2o_req_t *req, const struct hub_stream_req *sr)
{
    struct hub *h = t->hub;
    struct sub *r;
    struct stream *s;
    bool miss;
    int rc = 0;

    pthread_mutex_lock(&h->lock);
    s = claim(h, sr, &miss, &rc);
    if (!s) {
        pthread_mutex_unlock(&h->lock);
        return rc;
    }
    r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), on_dispose);
    memset(r, 0, sizeof(*r));
    strbuf_init(&r->buf, 0);
    r->gen.proceed = on_proceed;
    r->gen.stop = on_stop;
    r->req = req;
    r->t = t;
    r->s = s;
    r->after_seq = sr->after_seq;
    r->fmt = sr->format;
    r->fst = r->fmt ? r->fmt->state_new(sr) : NULL;
    snprintf(r->request_id, sizeof(r->request_id), "%s", sr->request_id);
    r->snext = s->subs;
    s->subs = r;
    r->attached = true;
    pthread_mutex_unlock(&h->lock);
    metrics_add(miss ? M_STREAM_HUB_MISSES : M_STREAM_HUB_HITS, 1);

    r->tnext = t->readers;
    if (t->readers)
        t->readers->tprev = r;
    t->readers = r;
    t->nreaders++;
    metrics_add(M_SSE_ACTIVE, 1);
    start_response(r);
    return 0;
}
