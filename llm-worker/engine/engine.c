/* engine.c - many generations at once over one libcurl multi handle, walking the provider
 * chain with retries, circuit breakers, timeouts and the paced offline analyst.
 *
 * Each generation has one timer slot in a binary min-heap: the next moment it needs
 * attention (start, retry, first-token or idle check, deadline, next analyst token, or now
 * after a cancel). Timers are lazy: an idle check that finds a fresher token simply re-arms.
 * Sink callbacks run from engine_step(): on_start/on_token may run inside libcurl's write
 * callback, everything that ends an attempt or a generation runs outside libcurl callbacks,
 * so handles are only ever removed where libcurl allows it.
 *
 * Waiting: libcurl's socket interface, not curl_multi_perform(). libcurl says which sockets
 * it wants watched (on_socket(), into an epoll set that also holds the caller's wake-up fd)
 * and when it next needs the time (on_timer()); engine_step() hands it only the sockets that
 * are ready. curl_multi_perform() visited every transfer at every step, a poll() of each
 * socket and a clock reading each: with 250 answers streaming that was a fifth of the
 * worker's CPU, spent on the 249 that had nothing to read. */
#include "llm-worker/engine/engine.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"
#include "toolcat.h"
#include "llm-worker/analyst/analyst.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/engine/toolround.h"
#include "llm-worker/engine/toolrun.h"
#include "llm-worker/providers/provider.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_RETRIES 2            /* per provider, before the first token only */
#define BACKOFF_BASE_MS 250      /* first retry waits 125..250 ms, the second 250..500 */
#define RETRY_AFTER_MAX_MS 10000 /* a longer Retry-After moves on to the next provider */
#define ERRBODY_MAX 2048         /* bytes of an error response kept for its message */
#define USER_AGENT "finchat-worker/1"

#define GEN_TAG 0x67656e00U /* first member of struct gen (toolrun.h has its own) */

enum gen_state { GS_PICK, GS_BACKOFF, GS_HTTP, GS_TOOLS, GS_ANALYST };

struct gen {
    unsigned tag; /* GEN_TAG: a generation's transfer, not a tool call's (CURLOPT_PRIVATE) */
    struct engine *e;
    struct gen *prev, *next; /* all generations, for engine_free() */
    struct gen_sink sink;
    struct gen_request req; /* deep copy: strings owned, JSON referenced */
    char trace_id[33];
    int64_t deadline;
    int prompt_est; /* estimated prompt tokens */
    enum gen_state state;
    bool canceled;
    int pidx;    /* provider being tried */
    int retries; /* of that provider */
    char last_err[320];
    /* timer */
    int64_t due;
    int heap_idx; /* -1 when not armed */
    /* the HTTP attempt */
    CURL *easy;
    struct provider_http http;
    struct provider_stream stream;
    long status;
    int64_t retry_after; /* ms from a Retry-After header, -1 if none */
    int64_t attempt_start, last_token;
    bool got_token, done_seen, started;
    int ntokens, usage_prompt, usage_completion;
    int fail_rc;
    char errbody[ERRBODY_MAX];
    size_t errlen;
    /* the analyst */
    char *answer;
    size_t pos;
    int emitted;
    /* the tool loop (SPEC §14): rounds of one provider, which a hand-over starts over */
    bool tools_on;       /* the request has a tool token and tools are enabled */
    int round;           /* 1..ENGINE_ROUNDS_MAX */
    json_t *turns;       /* the tool turns so far (engine.h form), NULL before the first */
    struct toolround tr; /* the round being streamed */
    struct toolround_plan plans[TOOLROUND_CALLS_MAX];
    struct toolrun *runs[TOOLROUND_CALLS_MAX];
    json_t *results[TOOLROUND_CALLS_MAX];
    bool results_ok[TOOLROUND_CALLS_MAX];
    int nplans, runs_left;
    int64_t runs_start;
    int sum_prompt, sum_completion; /* usage of earlier rounds and providers */
};

struct engine {
    CURLM *multi;
    struct provider *chain;
    int nchain;
    struct gen **heap;
    int nheap, heapcap;
    struct gen *all;
    int inflight;
    uint64_t rng;
    int connect_ms, first_token_ms, idle_ms, deadline_ms, pace_ms;
    json_t *tools;     /* the catalogue offered to the models (toolcat_list()) */
    char *gateway_url; /* where tools run */
    int tool_timeout_ms;
    int epfd;         /* libcurl's sockets and the caller's extra fd */
    int extra_fd;     /* the extra fd in @epfd, -1 none */
    int64_t curl_due; /* mono ms: when libcurl wants its timeout action, -1 none */
};

/* ---- libcurl's socket interface ---- */

/* CURLMOPT_SOCKETFUNCTION: keeps @s in the epoll set with the events libcurl asks for. A
 * socket is marked registered with curl_multi_assign(); a descriptor closed without a
 * REMOVE leaves the epoll set by itself, so ADD and MOD each fall back to the other. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct engine *e = userp;
    struct epoll_event ev;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(e->epfd, EPOLL_CTL_DEL, s, NULL);
        curl_multi_assign(e->multi, s, NULL);
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.data.fd = s;
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    if (socketp ? epoll_ctl(e->epfd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT
                : epoll_ctl(e->epfd, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
        epoll_ctl(e->epfd, socketp ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev);
    if (!socketp)
        curl_multi_assign(e->multi, s, e);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: remembers when libcurl next wants curl_multi_socket_action()
 * with CURL_SOCKET_TIMEOUT (-1: never). */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct engine *e = userp;

    (void)multi;
    e->curl_due = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
    return 0;
}

/* Puts @fd (-1: none) in the epoll set in place of the previous extra fd. */
static void set_extra_fd(struct engine *e, int fd)
{
    struct epoll_event ev;

    if (fd == e->extra_fd)
        return;
    if (e->extra_fd >= 0)
        epoll_ctl(e->epfd, EPOLL_CTL_DEL, e->extra_fd, NULL);
    e->extra_fd = -1;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (fd >= 0 && epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
        e->extra_fd = fd;
}

/* ---- timer heap ---- */

static void heap_swap(struct engine *e, int i, int j)
{
    struct gen *t = e->heap[i];

    e->heap[i] = e->heap[j];
    e->heap[j] = t;
    e->heap[i]->heap_idx = i;
    e->heap[j]->heap_idx = j;
}

static void heap_up(struct engine *e, int i)
{
    while (i > 0 && e->heap[(i - 1) / 2]->due > e->heap[i]->due) {
        heap_swap(e, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct engine *e, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;

        if (l < e->nheap && e->heap[l]->due < e->heap[m]->due)
            m = l;
        if (r < e->nheap && e->heap[r]->due < e->heap[m]->due)
            m = r;
        if (m == i)
            return;
        heap_swap(e, i, m);
        i = m;
    }
}

/* Arms @g's timer for @due (re-arming replaces the previous due time). */
static void arm(struct gen *g, int64_t due)
{
    struct engine *e = g->e;

    g->due = due;
    if (g->heap_idx < 0) {
        if (e->nheap == e->heapcap) {
            e->heapcap = e->heapcap ? e->heapcap * 2 : 64;
            e->heap = xrealloc(e->heap, (size_t)e->heapcap * sizeof(*e->heap));
        }
        g->heap_idx = e->nheap++;
        e->heap[g->heap_idx] = g;
    }
    heap_up(e, g->heap_idx);
    heap_down(e, g->heap_idx);
}

static void disarm(struct gen *g)
{
    struct engine *e = g->e;
    int i = g->heap_idx;

    if (i < 0)
        return;
    g->heap_idx = -1;
    e->nheap--;
    if (i == e->nheap)
        return;
    e->heap[i] = e->heap[e->nheap];
    e->heap[i]->heap_idx = i;
    heap_up(e, i);
    heap_down(e, i);
}

/* ---- helpers ---- */

static uint64_t next_random(struct engine *e)
{
    /* xorshift64*: jitter only, not security. */
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return e->rng * 2685821657736338717ULL;
}

static int64_t backoff_ms(struct engine *e, int retry)
{
    int64_t cap = (int64_t)BACKOFF_BASE_MS << retry;

    return cap / 2 + (int64_t)(next_random(e) % (uint64_t)(cap / 2 + 1));
}

static struct provider *current(const struct gen *g)
{
    return &g->e->chain[g->pidx];
}

/* The current provider's time-to-first-token timeout. */
static int64_t first_token_ms(const struct gen *g)
{
    int ms = current(g)->first_token_ms;

    return ms > 0 ? ms : g->e->first_token_ms;
}

static void log_attempt(const struct gen *g, enum log_level lvl, const char *what)
{
    char extra[160];

    snprintf(extra, sizeof(extra), ",\"provider\":\"%s\",\"status\":%ld,\"retry\":%d",
             current(g)->name, g->status, g->retries);
    log_emit(lvl, g->req.request_id, g->trace_id[0] ? g->trace_id : NULL, extra, "%s", what);
}

/* Ends the HTTP attempt in flight, if any, outside libcurl callbacks. */
static void drop_attempt(struct gen *g)
{
    if (g->easy) {
        curl_multi_remove_handle(g->e->multi, g->easy);
        curl_easy_cleanup(g->easy);
        g->easy = NULL;
        provider_http_release(&g->http);
        provider_stream_release(&g->stream);
    }
}

/* Drops the tool state of @g: calls in flight, plans, results, turns and the round. */
static void drop_tools(struct gen *g)
{
    for (int i = 0; i < g->nplans; i++) {
        toolrun_abort(g->e->multi, g->runs[i]);
        g->runs[i] = NULL;
        json_decref(g->results[i]);
        g->results[i] = NULL;
        toolround_plan_release(&g->plans[i]);
    }
    g->nplans = g->runs_left = 0;
    json_decref(g->turns);
    g->turns = NULL;
    g->round = 1;
    toolround_release(&g->tr);
}

static void gen_free(struct gen *g)
{
    drop_attempt(g);
    drop_tools(g);
    disarm(g);
    free((char *)g->req.request_id);
    free((char *)g->req.traceparent);
    free((char *)g->req.system);
    free((char *)g->req.context_text);
    free((char *)g->req.user_text);
    free((char *)g->req.tool_token);
    json_decref(g->req.context);
    json_decref(g->req.history);
    free(g->answer);
    free(g);
}

/* Takes @g off the engine's list of generations in flight. */
static void gen_unlink(struct gen *g)
{
    struct engine *e = g->e;

    if (g->prev)
        g->prev->next = g->next;
    else
        e->all = g->next;
    if (g->next)
        g->next->prev = g->prev;
    g->prev = g->next = NULL;
    e->inflight--;
}

/* Calls on_done and frees @g; nothing may touch @g afterwards. */
static void finish(struct gen *g, int rc, const char *errmsg)
{
    struct gen_usage usage = {0};
    struct gen_sink sink = g->sink;

    if (g->state == GS_HTTP && g->easy && rc != 0)
        breaker_abandon(&current(g)->breaker);
    drop_attempt(g);
    disarm(g);
    /* Also on failure: a canceled answer still spent what it streamed. */
    usage.prompt_tokens = g->sum_prompt + (g->usage_prompt >= 0 ? g->usage_prompt : g->prompt_est);
    usage.completion_tokens =
        g->sum_completion + (g->usage_completion >= 0 ? g->usage_completion : g->ntokens);
    gen_unlink(g);
    sink.on_done(sink.ud, rc, &usage, rc == 0 ? NULL : errmsg);
    gen_free(g);
}

/* Moves on to the next provider of the chain, now. */
static void next_provider(struct gen *g, int64_t now)
{
    g->pidx++;
    g->retries = 0;
    g->state = GS_PICK;
    arm(g, now);
}

/* ---- the HTTP attempt ---- */

/* Calls on_start once per provider, before its first token or tool call. */
static void ensure_started(struct gen *g)
{
    struct provider *p = current(g);

    if (g->started)
        return;
    g->started = true;
    g->sink.on_start(g->sink.ud, p->kind == PROVIDER_ANALYST ? "analyst" : p->name,
                     p->kind == PROVIDER_ANALYST ? ANALYST_MODEL : p->model);
}

/* The current provider may call tools in this round (not in the last one). */
static bool tools_offered(const struct gen *g)
{
    return g->tools_on && current(g)->tools && g->round < ENGINE_ROUNDS_MAX;
}

static int on_delta(void *ud, const struct provider_delta *d)
{
    struct gen *g = ud;
    int rc;

    if (g->canceled)
        return FC_ECANCELED;
    if (d->prompt_tokens >= 0)
        g->usage_prompt = d->prompt_tokens;
    if (d->completion_tokens >= 0)
        g->usage_completion = d->completion_tokens;
    if (d->done)
        g->done_seen = true;
    if (d->tool_index >= 0) {
        /* A call where none was offered is not followed: the answer must be text. */
        if (!tools_offered(g))
            return 0;
        rc = toolround_add_piece(&g->tr, d, g->stream.err, sizeof(g->stream.err));
        if (rc)
            return rc;
        g->got_token = true;
        g->last_token = clock_mono_ms();
        return 0;
    }
    if (d->len == 0)
        return 0;
    if (!g->started) {
        ensure_started(g);
        if (g->canceled)
            return FC_ECANCELED;
    }
    toolround_add_text(&g->tr, d->text, d->len);
    g->got_token = true;
    g->last_token = clock_mono_ms();
    g->ntokens++;
    g->sink.on_token(g->sink.ud, d->text, d->len);
    return g->canceled ? FC_ECANCELED : 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct gen *g = ud;
    size_t n = size * nmemb;
    int rc;

    if (g->canceled || g->fail_rc)
        return 0;
    if (g->status == 0)
        curl_easy_getinfo(g->easy, CURLINFO_RESPONSE_CODE, &g->status);
    if (g->status < 200 || g->status > 299) {
        size_t room = sizeof(g->errbody) - 1 - g->errlen;

        memcpy(g->errbody + g->errlen, ptr, n < room ? n : room);
        g->errlen += n < room ? n : room;
        g->errbody[g->errlen] = '\0';
        return n;
    }
    rc = provider_stream_feed(&g->stream, ptr, n);
    if (rc) {
        g->fail_rc = rc;
        return 0; /* aborts the transfer; the failure is handled outside the callback */
    }
    return n;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    struct gen *g = ud;
    size_t n = size * nitems;
    char line[128];

    if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        g->retry_after = -1; /* a new response (after 100 Continue, say) */
        g->status = 0;
    } else if (n > 12 && n < sizeof(line) && strncasecmp(buf, "retry-after:", 12) == 0) {
        char *end;
        double secs;

        memcpy(line, buf + 12, n - 12);
        line[n - 12] = '\0';
        secs = strtod(line, &end);
        /* Seconds only; an HTTP-date falls back to the jittered backoff. */
        if (end != line && secs >= 0 && secs < 86400)
            g->retry_after = (int64_t)(secs * 1000);
    }
    return n;
}

/* Starts an HTTP attempt of the current provider. Returns 0, or an error when the request
 * cannot even be built (then nothing is in flight). */
static int start_http(struct gen *g, int64_t now)
{
    struct engine *e = g->e;
    struct provider *p = current(g);
    int64_t left = g->deadline - now;
    int rc;

    g->req.tools = g->tools_on && p->tools ? g->e->tools : NULL;
    g->req.tools_final = g->req.tools && g->round >= ENGINE_ROUNDS_MAX;
    g->req.tool_turns = g->turns;
    toolround_release(&g->tr);
    rc = provider_http_build(p, &g->req, &g->http);
    if (rc) {
        snprintf(g->last_err, sizeof(g->last_err), "%s: cannot build the request", p->name);
        provider_http_release(&g->http);
        return rc;
    }
    if (g->http.fitted) {
        char what[160];

        snprintf(what, sizeof(what),
                 "prompt cut to fit a context window of %d tokens (about %d tokens sent)",
                 p->ctx_tokens, g->http.prompt_tokens);
        log_attempt(g, LOG_INFO, what);
    }
    g->easy = curl_easy_init();
    if (!g->easy) {
        snprintf(g->last_err, sizeof(g->last_err), "%s: curl_easy_init failed", p->name);
        provider_http_release(&g->http);
        return FC_EIO;
    }
    provider_stream_init(&g->stream, p->kind, on_delta, g);
    curl_easy_setopt(g->easy, CURLOPT_URL, p->url);
    curl_easy_setopt(g->easy, CURLOPT_POSTFIELDS, g->http.body);
    curl_easy_setopt(g->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(g->http.body));
    curl_easy_setopt(g->easy, CURLOPT_HTTPHEADER, g->http.headers);
    curl_easy_setopt(g->easy, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(g->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(g->easy, CURLOPT_WRITEDATA, g);
    curl_easy_setopt(g->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(g->easy, CURLOPT_HEADERDATA, g);
    curl_easy_setopt(g->easy, CURLOPT_PRIVATE, g);
    curl_easy_setopt(g->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(g->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)e->connect_ms);
    /* A safety net only: the deadline timer ends the answer first, as FC_ETIMEDOUT. */
    curl_easy_setopt(g->easy, CURLOPT_TIMEOUT_MS, (long)(left > 0 ? left : 0) + 1000L);
    curl_easy_setopt(g->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(g->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Over TLS, wait for the HTTP/2 connection to a provider rather than open one per answer:
     * many generations then share one connection as multiplexed streams. */
    if (strncmp(p->url, "https://", 8) == 0)
        curl_easy_setopt(g->easy, CURLOPT_PIPEWAIT, 1L);
    g->status = 0;
    g->retry_after = -1;
    g->attempt_start = now;
    g->got_token = g->done_seen = false; /* started: once per provider, not per round */
    g->ntokens = 0;
    g->usage_prompt = g->usage_completion = -1;
    g->fail_rc = 0;
    g->errlen = 0;
    g->errbody[0] = '\0';
    if (curl_multi_add_handle(e->multi, g->easy) != CURLM_OK) {
        snprintf(g->last_err, sizeof(g->last_err), "%s: curl_multi_add_handle failed", p->name);
        curl_easy_cleanup(g->easy);
        g->easy = NULL;
        provider_http_release(&g->http);
        provider_stream_release(&g->stream);
        return FC_EIO;
    }
    g->state = GS_HTTP;
    arm(g, now + first_token_ms(g) < g->deadline ? now + first_token_ms(g) : g->deadline);
    return 0;
}

/* The attempt failed: hand over with a reset if tokens were delivered, else retry (if
 * @retryable and allowed) or move on. */
static void attempt_failed(struct gen *g, int64_t now, const char *why, bool retryable)
{
    struct provider *p = current(g);
    int64_t delay;

    /* Text of this attempt reached the client: the provider cannot simply be asked again. */
    bool delivered = g->ntokens > 0;

    snprintf(g->last_err, sizeof(g->last_err), "%s: %s", p->name, why);
    breaker_failure(&p->breaker, now);
    p->failures++;
    log_attempt(g, LOG_WARN, g->last_err);
    delay = g->retry_after >= 0 ? g->retry_after : backoff_ms(g->e, g->retries);
    g->sum_prompt += g->usage_prompt >= 0 ? g->usage_prompt : 0;
    g->sum_completion += g->usage_completion >= 0 ? g->usage_completion : g->ntokens;
    g->usage_prompt = g->usage_completion = -1;
    drop_attempt(g);
    toolround_release(&g->tr);
    if (retryable && !delivered && g->retries < MAX_RETRIES && delay <= RETRY_AFTER_MAX_MS &&
        now + delay < g->deadline) {
        /* The same round again: earlier rounds' text and tool results stay valid for the
         * same provider. */
        g->retries++;
        p->retries++;
        g->state = GS_BACKOFF;
        arm(g, now + delay);
        return;
    }
    if (g->started || g->round > 1) {
        /* A hand-over after text or tool calls starts over: the next provider neither sees
         * this one's tool rounds nor continues its text. */
        g->started = false;
        p->resets++;
        drop_tools(g);
        g->sink.on_reset(g->sink.ud, g->last_err);
        if (g->canceled) {
            arm(g, now);
            return;
        }
    }
    next_provider(g, now);
}

static void attempt_succeeded(struct gen *g)
{
    breaker_success(&current(g)->breaker);
    current(g)->answers++;
    finish(g, 0, NULL);
}

/* Tells the sink about call @i of the round: "running", or how it ended. */
static void tool_event(struct gen *g, int i, const char *status, int ms)
{
    const struct toolround_plan *p = &g->plans[i];
    struct gen_tool_event ev;
    char label[160];

    if (!g->sink.on_tool)
        return;
    toolcat_label(p->name, p->args, label, sizeof(label));
    ev.id = p->id;
    ev.name = p->name;
    ev.args = p->args;
    ev.label = label;
    ev.status = status;
    ev.ms = ms;
    ev.round = g->round;
    ev.result = strcmp(status, "running") == 0 ? NULL : g->results[i];
    g->sink.on_tool(g->sink.ud, &ev);
}

static void tools_done(struct gen *g, int64_t now);
static void start_analyst(struct gen *g, int64_t now);

/* The round ended asking for tools: runs them side by side on the multi (GS_TOOLS); the
 * next round starts when the last one is back (tools_done()). */
static void begin_tools(struct gen *g, int64_t now)
{
    struct engine *e = g->e;
    int64_t left = g->deadline - now;
    long timeout = e->tool_timeout_ms < left ? e->tool_timeout_ms : (long)(left > 0 ? left : 1);

    breaker_success(&current(g)->breaker);
    g->sum_prompt += g->usage_prompt >= 0 ? g->usage_prompt : g->http.prompt_tokens;
    g->sum_completion += g->usage_completion >= 0 ? g->usage_completion : g->ntokens;
    g->usage_prompt = g->usage_completion = -1;
    drop_attempt(g);
    if (!g->turns)
        g->turns = json_array();
    json_array_append_new(g->turns, toolround_finish(&g->tr, g->round, g->plans));
    g->nplans = g->tr.n;
    toolround_release(&g->tr);
    ensure_started(g);
    g->runs_left = 0;
    g->runs_start = now;
    for (int i = 0; i < g->nplans && !g->canceled; i++) {
        tool_event(g, i, "running", 0);
        if (!g->plans[i].error)
            g->runs[i] = toolrun_start(e->multi, e->gateway_url, g->req.tool_token,
                                       g->trace_id[0] ? g->req.traceparent : NULL, g->plans[i].name,
                                       g->plans[i].args, timeout, g, i);
        if (g->runs[i]) {
            g->runs_left++;
            continue;
        }
        g->results[i] = g->plans[i].error ? json_incref(g->plans[i].error)
                                          : toolround_error("the lookup could not be started",
                                                            "answer from the data you were given");
        g->results_ok[i] = false;
        tool_event(g, i, "error", 0);
    }
    g->state = GS_TOOLS;
    if (g->canceled)
        arm(g, now);
    else if (g->runs_left == 0)
        tools_done(g, now);
    else
        arm(g, g->deadline);
}

/* A tool call libcurl reported done. */
static void tool_transfer_done(struct engine *e, struct toolrun *t, CURLcode res)
{
    struct gen *g = t->owner;
    int i = t->slot;
    int64_t now = clock_mono_ms();

    g->runs[i] = NULL;
    g->results[i] = toolrun_finish(e->multi, t, res, &g->results_ok[i]);
    g->runs_left--;
    if (g->canceled) {
        arm(g, now);
        return;
    }
    tool_event(g, i, g->results_ok[i] ? "ok" : "error", (int)(now - g->runs_start));
    if (g->canceled)
        arm(g, now);
    else if (g->runs_left == 0)
        tools_done(g, now);
}

/* Every call of the round is back: their results follow the round's assistant turn, and the
 * same provider answers again with them (the last round offers no tools). */
static void tools_done(struct gen *g, int64_t now)
{
    for (int i = 0; i < g->nplans; i++) {
        json_array_append_new(g->turns, toolround_result_turn(g->plans[i].id, g->plans[i].name,
                                                              g->results[i], !g->results_ok[i]));
        json_decref(g->results[i]);
        g->results[i] = NULL;
        toolround_plan_release(&g->plans[i]);
    }
    g->nplans = 0;
    g->round++;
    g->retries = 0;
    if (current(g)->kind == PROVIDER_ANALYST) {
        start_analyst(g, now);
        return;
    }
    if (start_http(g, now) != 0) {
        breaker_abandon(&current(g)->breaker);
        attempt_failed(g, now, "cannot build the request of the next round", false);
    }
}

/* The provider ended its round normally: tools to run, or the answer is complete. */
static void round_ended(struct gen *g, int64_t now)
{
    if (g->tr.n > 0 && tools_offered(g))
        begin_tools(g, now);
    else
        attempt_succeeded(g);
}

/* A transfer finished (libcurl reported it done). */
static void transfer_done(struct gen *g, CURLcode res)
{
    int64_t now = clock_mono_ms();
    char why[300], msg[256];
    int rc;

    if (g->canceled) {
        finish(g, FC_ECANCELED, "canceled");
        return;
    }
    if (g->status == 0)
        curl_easy_getinfo(g->easy, CURLINFO_RESPONSE_CODE, &g->status);
    if (g->fail_rc) {
        /* An upstream error message may be transient (overloaded); malformed data is not. */
        attempt_failed(g, now, g->stream.err, g->fail_rc == FC_EDEP);
        return;
    }
    if (g->status >= 200 && g->status <= 299) {
        rc = res == CURLE_OK ? provider_stream_finish(&g->stream) : 0;
        if (g->canceled) {
            finish(g, FC_ECANCELED, "canceled");
            return;
        }
        if (rc) {
            attempt_failed(g, now, g->stream.err, rc == FC_EDEP);
        } else if (res != CURLE_OK) {
            snprintf(why, sizeof(why), "stream broken: %s", curl_easy_strerror(res));
            attempt_failed(g, now, why, true);
        } else if (!g->done_seen && g->ntokens == 0 && g->tr.n == 0) {
            /* llama.cpp's servers answer 200 with an empty stream when the prompt does not
             * fit their context: say so, and do not send the same prompt again. */
            snprintf(why, sizeof(why),
                     "answered %ld with an empty stream (no token, no end of answer); the "
                     "prompt, about %d tokens, may not fit the model's context: check the "
                     "provider's context window setting (%d tokens here)",
                     g->status, g->http.prompt_tokens, current(g)->ctx_tokens);
            attempt_failed(g, now, why, false);
        } else if (!g->done_seen) {
            attempt_failed(g, now, "stream ended before the answer was complete", true);
        } else if (g->ntokens == 0 && (g->tr.n == 0 || !tools_offered(g))) {
            attempt_failed(g, now, "empty answer", false);
        } else {
            round_ended(g, now);
        }
        return;
    }
    if (g->status == 0) {
        snprintf(why, sizeof(why), "%s", curl_easy_strerror(res));
        attempt_failed(g, now, why, true);
        return;
    }
    provider_error_body(g->errbody, g->errlen, msg, sizeof(msg));
    snprintf(why, sizeof(why), "HTTP %ld%s%s", g->status, msg[0] ? ": " : "", msg);
    attempt_failed(g, now, why, g->status == 429 || g->status == 408 || g->status >= 500);
}

static void read_transfers(struct engine *e)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(e->multi, &left))) {
        char *priv = NULL;
        struct gen *g;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        if (!priv)
            continue;
        if (*(unsigned *)(void *)priv == TOOLRUN_TAG) {
            tool_transfer_done(e, (struct toolrun *)(void *)priv, m->data.result);
            continue;
        }
        g = (struct gen *)(void *)priv;
        if (g->easy == m->easy_handle)
            transfer_done(g, m->data.result);
    }
}

/* ---- the analyst ---- */

/* The analyst's next step with tools (SPEC §14): the calls it asks for go through the same
 * round as a model's (begin_tools()); returns true when it did ask, false when *@answer
 * holds its answer (malloc'd). */
static bool analyst_calls(struct gen *g, const json_t *ctx, int64_t now, char **answer)
{
    json_t *empty = json_array(), *step, *calls, *c;
    struct analyst_input in;
    size_t i;

    memset(&in, 0, sizeof(in));
    in.question = g->req.user_text;
    in.ctx = ctx;
    in.turns = g->turns ? g->turns : empty;
    in.today_day = analyst_doc_user_today(ctx, clock_wall_ms() / 86400000);
    in.tools = true;
    in.round = g->round;
    in.rounds_max = ENGINE_ROUNDS_MAX;
    step = analyst_step(&in);
    calls = json_object_get(step, "calls");
    if (json_array_size(calls) == 0 || g->round >= ENGINE_ROUNDS_MAX) {
        const char *text = json_string_value(json_object_get(step, "answer"));

        *answer = text ? xstrdup(text) : analyst_answer_on(g->req.user_text, ctx, in.today_day);
        json_decref(step);
        json_decref(empty);
        return false;
    }
    toolround_release(&g->tr);
    json_array_foreach(calls, i, c)
    {
        char err[128];
        char *args = json_dumps(json_object_get(c, "arguments"), JSON_COMPACT);

        toolround_add_call(&g->tr, (int)i, json_string_value(json_object_get(c, "id")),
                           json_string_value(json_object_get(c, "name")), args, err, sizeof(err));
        free(args);
    }
    json_decref(step);
    json_decref(empty);
    begin_tools(g, now);
    return true;
}

static void start_analyst(struct gen *g, int64_t now)
{
    json_t *parsed = NULL;
    const json_t *ctx = g->req.context;
    char *answer = NULL;

    if (!ctx && g->req.context_text && *g->req.context_text) {
        parsed = json_loads(g->req.context_text, 0, NULL);
        ctx = parsed;
    }
    g->state = GS_ANALYST;
    if (g->tools_on && current(g)->tools && analyst_calls(g, ctx, now, &answer)) {
        json_decref(parsed);
        return;
    }
    free(g->answer);
    g->answer = answer ? answer
                       : analyst_answer_on(g->req.user_text, ctx,
                                           analyst_doc_user_today(ctx, clock_wall_ms() / 86400000));
    json_decref(parsed);
    g->pos = 0;
    g->emitted = 0;
    g->ntokens = 0;
    g->usage_prompt = g->usage_completion = -1;
    g->state = GS_ANALYST;
    arm(g, now);
}

/* Emits the analyst's next token(s); all of them when pacing is off. */
static void analyst_tick(struct gen *g, int64_t now)
{
    struct engine *e = g->e;
    size_t len = strlen(g->answer);

    do {
        size_t n = analyst_token_len(g->answer + g->pos, len - g->pos);

        if (n == 0 || (g->req.max_tokens > 0 && g->emitted >= g->req.max_tokens)) {
            current(g)->answers++;
            finish(g, 0, NULL);
            return;
        }
        if (!g->started) {
            g->started = true;
            g->sink.on_start(g->sink.ud, "analyst", ANALYST_MODEL);
            if (g->canceled) {
                finish(g, FC_ECANCELED, "canceled");
                return;
            }
        }
        g->sink.on_token(g->sink.ud, g->answer + g->pos, n);
        g->pos += n;
        g->emitted++;
        g->ntokens++;
        if (g->canceled) {
            finish(g, FC_ECANCELED, "canceled");
            return;
        }
    } while (e->pace_ms == 0);
    /* Keep a steady pace: the next token is due one period after this one was. */
    arm(g, g->due + e->pace_ms > now ? g->due + e->pace_ms : now);
}

/* ---- the chain ---- */

/* Starts the first usable provider from g->pidx on, or ends the generation. */
static void pick(struct gen *g, int64_t now)
{
    struct engine *e = g->e;

    for (; g->pidx < e->nchain; g->pidx++) {
        struct provider *p = &e->chain[g->pidx];

        g->retries = 0;
        if (!p->configured)
            continue;
        if (p->kind == PROVIDER_ANALYST) {
            start_analyst(g, now);
            return;
        }
        if (!breaker_allow(&p->breaker, now)) {
            p->skipped++;
            log_emit(LOG_DEBUG, g->req.request_id, NULL, NULL, "%s skipped: circuit open", p->name);
            continue;
        }
        if (start_http(g, now) == 0)
            return;
        breaker_abandon(&p->breaker);
    }
    finish(g, FC_EDEP, g->last_err[0] ? g->last_err : "no provider is configured or available");
}

static void tick(struct gen *g, int64_t now)
{
    struct engine *e = g->e;

    if (g->canceled) {
        finish(g, FC_ECANCELED, "canceled");
        return;
    }
    if (now >= g->deadline) {
        finish(g, FC_ETIMEDOUT, "the answer's deadline passed");
        return;
    }
    switch (g->state) {
    case GS_PICK:
        pick(g, now);
        return;
    case GS_BACKOFF:
        if (!breaker_allow(&current(g)->breaker, now)) {
            next_provider(g, now);
            return;
        }
        if (start_http(g, now) != 0) {
            breaker_abandon(&current(g)->breaker);
            next_provider(g, now);
        }
        return;
    case GS_ANALYST:
        analyst_tick(g, now);
        return;
    case GS_TOOLS:
        arm(g, g->deadline); /* the calls end it, or the deadline above */
        return;
    case GS_HTTP:
        break;
    }
    if (!g->got_token && now - g->attempt_start >= first_token_ms(g)) {
        attempt_failed(g, now, "no first token in time", false);
    } else if (g->got_token && now - g->last_token >= e->idle_ms) {
        if (g->done_seen)
            round_ended(g, now); /* complete, the server just did not close */
        else
            attempt_failed(g, now, "stream idle for too long", false);
    } else {
        int64_t due =
            g->got_token ? g->last_token + e->idle_ms : g->attempt_start + first_token_ms(g);

        arm(g, due < g->deadline ? due : g->deadline);
    }
}

static void run_timers(struct engine *e)
{
    int64_t now = clock_mono_ms();

    while (e->nheap > 0 && e->heap[0]->due <= now) {
        struct gen *g = e->heap[0];

        disarm(g);
        tick(g, now);
    }
}

/* Writes " at <url>" for a log line, without any user:password@ (never log secrets). */
static const char *safe_url(const char *url, char *buf, size_t len)
{
    const char *host, *at, *slash;

    if (!url) {
        buf[0] = '\0';
        return buf;
    }
    host = strstr(url, "://");
    host = host ? host + 3 : url;
    slash = strchr(host, '/');
    at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
    if (at)
        snprintf(buf, len, " at %.*s%s", (int)(host - url), url, at + 1);
    else
        snprintf(buf, len, " at %s", url);
    return buf;
}

/* ---- the contract ---- */

/* FINCHAT_GATEWAY_URL, else http:// + FINCHAT_HTTP_ADDR (a wildcard host read as 127.0.0.1). */
static char *gateway_url(const struct fc_config *cfg)
{
    const char *addr = cfg->http_addr ? cfg->http_addr : "127.0.0.1:8080";

    if (cfg->gateway_url && *cfg->gateway_url)
        return xstrdup(cfg->gateway_url);
    if (strncmp(addr, "0.0.0.0:", 8) == 0 || strncmp(addr, "[::]:", 5) == 0)
        return xasprintf("http://127.0.0.1:%s", strrchr(addr, ':') + 1);
    return xasprintf("http://%s", addr);
}

struct engine *engine_new(const struct fc_config *cfg, char *errbuf, unsigned errlen)
{
    struct engine *e = xcalloc(1, sizeof(*e));
    bool analyst = false;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(errbuf, errlen, "curl_global_init failed");
        goto out_free;
    }
    if (provider_chain_new(cfg, &e->chain, &e->nchain, errbuf, errlen) != 0)
        goto out_free;
    e->multi = curl_multi_init();
    if (!e->multi) {
        snprintf(errbuf, errlen, "curl_multi_init failed");
        goto out_chain;
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, 1024L);
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epfd < 0) {
        snprintf(errbuf, errlen, "epoll_create1: %s", strerror(errno));
        curl_multi_cleanup(e->multi);
        goto out_chain;
    }
    e->extra_fd = -1;
    e->curl_due = -1;
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    e->connect_ms = cfg->connect_timeout_ms;
    e->first_token_ms = cfg->first_token_timeout_ms;
    e->idle_ms = cfg->idle_timeout_ms;
    e->deadline_ms = cfg->deadline_ms;
    e->pace_ms = cfg->analyst_pace_ms;
    e->tools = toolcat_list();
    e->tool_timeout_ms = cfg->tool_timeout_ms;
    e->gateway_url = gateway_url(cfg);
    e->rng = (uint64_t)clock_mono_ns() ^ (uint64_t)(uintptr_t)e ^ 0x9E3779B97F4A7C15ULL;
    if (e->rng == 0)
        e->rng = 1;
    for (int i = 0; i < e->nchain; i++) {
        char where[256];

        analyst |= e->chain[i].kind == PROVIDER_ANALYST;
        log_info("provider %s: %s%s", e->chain[i].name,
                 e->chain[i].configured ? "configured" : "not configured, skipped",
                 safe_url(e->chain[i].url, where, sizeof(where)));
    }
    if (!analyst)
        log_warn("FINCHAT_LLM_CHAIN has no analyst: answers fail when every provider does");
    return e;
out_chain:
    provider_chain_free(e->chain, e->nchain);
out_free:
    free(e);
    return NULL;
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    /* Generations still in flight are dropped without calling their sinks. */
    while (e->all) {
        struct gen *g = e->all;

        e->all = g->next;
        gen_free(g);
    }
    curl_multi_cleanup(e->multi);
    close(e->epfd);
    provider_chain_free(e->chain, e->nchain);
    json_decref(e->tools);
    free(e->gateway_url);
    free(e->heap);
    free(e);
}

static int estimate_prompt(const struct gen_request *req)
{
    size_t chars = 0, i;
    json_t *turn;

    chars += req->system ? strlen(req->system) : 0;
    chars += req->context_text ? strlen(req->context_text) : 0;
    chars += req->user_text ? strlen(req->user_text) : 0;
    json_array_foreach(req->history, i, turn)
    {
        const char *c = json_string_value(json_object_get(turn, "content"));

        chars += c ? strlen(c) : 0;
    }
    return (int)((chars + 3) / 4);
}

struct gen *engine_start(struct engine *e, const struct gen_request *req, struct gen_sink sink)
{
    struct gen *g;
    int64_t now = clock_mono_ms();

    if (!e || !req || !sink.on_start || !sink.on_token || !sink.on_reset || !sink.on_done)
        return NULL;
    g = xcalloc(1, sizeof(*g));
    g->tag = GEN_TAG;
    g->e = e;
    g->sink = sink;
    g->heap_idx = -1;
    g->req.request_id = xstrdup_or_null(req->request_id);
    g->req.traceparent = xstrdup_or_null(req->traceparent);
    g->req.system = xstrdup_or_null(req->system);
    g->req.context_text = xstrdup_or_null(req->context_text);
    g->req.user_text = xstrdup(req->user_text ? req->user_text : "");
    g->req.context = json_incref(req->context);
    g->req.history = json_incref(req->history);
    g->req.max_tokens = req->max_tokens;
    g->req.tool_token = xstrdup_or_null(req->tool_token);
    g->tools_on = req->tool_token && *req->tool_token && e->tools && json_array_size(e->tools);
    g->round = 1;
    toolround_init(&g->tr);
    g->deadline = req->deadline_ms > 0 ? req->deadline_ms : now + e->deadline_ms;
    g->req.deadline_ms = g->deadline;
    if (provider_traceparent_ok(req->traceparent))
        snprintf(g->trace_id, sizeof(g->trace_id), "%.32s", req->traceparent + 3);
    g->prompt_est = estimate_prompt(req);
    g->usage_prompt = g->usage_completion = -1;
    g->state = GS_PICK;
    g->next = e->all;
    if (e->all)
        e->all->prev = g;
    e->all = g;
    e->inflight++;
    arm(g, now);
    return g;
}

void engine_cancel(struct engine *e, struct gen *g)
{
    (void)e;
    if (!g || g->canceled)
        return;
    g->canceled = true;
    arm(g, clock_mono_ms()); /* the next engine_step() ends it */
}

void engine_abort(struct engine *e, struct gen *g)
{
    if (!g)
        return;
    (void)e;
    if (g->state == GS_HTTP && g->easy)
        breaker_abandon(&current(g)->breaker);
    gen_unlink(g);
    gen_free(g);
}

int engine_step(struct engine *e, int timeout_ms, int extra_fd)
{
    struct epoll_event evs[64];
    int64_t now, wait = timeout_ms > 0 ? timeout_ms : 0;
    int n, running = 0;

    run_timers(e);
    set_extra_fd(e, extra_fd);
    now = clock_mono_ms();
    if (e->nheap > 0 && e->heap[0]->due - now < wait)
        wait = e->heap[0]->due - now > 0 ? e->heap[0]->due - now : 0;
    if (e->curl_due >= 0 && e->curl_due - now < wait)
        wait = e->curl_due - now > 0 ? e->curl_due - now : 0;
    n = epoll_wait(e->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), (int)wait);
    for (int i = 0; i < n; i++) {
        uint32_t r = evs[i].events;
        int mask = 0;

        if (evs[i].data.fd == e->extra_fd)
            continue; /* the caller's: it drains it */
        if (r & (EPOLLIN | EPOLLHUP))
            mask |= CURL_CSELECT_IN;
        if (r & EPOLLOUT)
            mask |= CURL_CSELECT_OUT;
        if (r & EPOLLERR)
            mask |= CURL_CSELECT_ERR;
        curl_multi_socket_action(e->multi, evs[i].data.fd, mask, &running);
    }
    if (e->curl_due >= 0 && clock_mono_ms() >= e->curl_due) {
        e->curl_due = -1;
        curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    read_transfers(e);
    run_timers(e);
    return e->inflight;
}

int engine_inflight(const struct engine *e)
{
    return e->inflight;
}

json_t *engine_provider_status(const struct engine *e)
{
    json_t *arr = json_array();
    int64_t now = clock_mono_ms();

    for (int i = 0; i < e->nchain; i++) {
        const struct provider *p = &e->chain[i];

        json_array_append_new(
            arr,
            json_pack("{s:s, s:b, s:s, s:s?, s:I, s:I, s:I, s:I, s:I}", "name", p->name,
                      "configured", p->configured, "circuit", breaker_state_name(&p->breaker, now),
                      "model", p->configured ? p->model : NULL, "answers", (json_int_t)p->answers,
                      "failures", (json_int_t)p->failures, "retries", (json_int_t)p->retries,
                      "resets", (json_int_t)p->resets, "skipped", (json_int_t)p->skipped));
    }
    return arr;
}
