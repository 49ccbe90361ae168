/* test_providers.c - the engine's real client code against the scripted mock server
 * (tests/mockllm/server.py, started here on a free port): happy streams of all three
 * protocols with usage and the prompt layout, 429 with Retry-After, 500 retries then the
 * next provider, first-token timeout, a stream cut after tokens (reset, then a complete answer
 * from the analyst), malformed and error chunks, the circuit breaker, cancel, the deadline,
 * the analyst's pace, and 50 generations at once on one engine. */
#include "test.h"

#include "clock.h"
#include "err.h"
#include "log.h"
#include "llm-worker/analyst/analyst.h"
#include "llm-worker/engine/engine.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRIPT_TOKENS 8
#define MOCK_TPS 400

static pid_t mock_pid;
static char base[64]; /* http://127.0.0.1:PORT */

static const char *const script = "tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7";
static const char *const system_rules = "You are finchat. Answer from the data.";
static const char *const context_text =
    "{\"currency\":\"USD\",\"month\":{\"income_minor\":500000,\"expenses_minor\":320000}}";
static const char *const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/* ---- the mock server ---- */

static void start_mock(void)
{
    char dir[512], server[600], portfile[64], buf[16];
    const char *slash = strrchr(__FILE__, '/');
    FILE *f;

    snprintf(dir, sizeof(dir), "%.*s/../../../mockllm", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".");
    snprintf(server, sizeof(server), "%s/server.py", dir);
    snprintf(portfile, sizeof(portfile), "/tmp/finchat-mockllm-%d.port", (int)getpid());
    unlink(portfile);
    mock_pid = fork();
    if (mock_pid == 0) {
        char tps[16], tokens[16];
        int null = open("/dev/null", O_WRONLY);

        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (null >= 0)
            dup2(null, STDOUT_FILENO); /* its banner; errors still reach stderr */
        snprintf(tps, sizeof(tps), "%d", MOCK_TPS);
        snprintf(tokens, sizeof(tokens), "%d", SCRIPT_TOKENS);
        execlp("python3", "python3", server, "--port", "0", "--port-file", portfile, "--tps", tps,
               "--tokens", tokens, (char *)NULL);
        _exit(127);
    }
    /* Python may take seconds to start on a loaded machine (sanitizer builds run beside other
     * jobs): wait up to 60 s, unless the server has already exited. */
    for (int i = 0; i < 2400; i++) {
        if (waitpid(mock_pid, NULL, WNOHANG) == mock_pid) {
            mock_pid = -1;
            break;
        }
        f = fopen(portfile, "r");
        if (f) {
            if (fgets(buf, sizeof(buf), f))
                snprintf(base, sizeof(base), "http://127.0.0.1:%d", (int)strtol(buf, NULL, 10));
            fclose(f);
            break;
        }
        usleep(25000);
    }
    unlink(portfile);
    if (!base[0])
        fprintf(stderr, "mock server did not start (%s)\n", server);
}

static void stop_mock(void)
{
    if (mock_pid > 0) {
        kill(mock_pid, SIGTERM);
        waitpid(mock_pid, NULL, 0);
    }
}

static size_t collect_body(char *p, size_t size, size_t n, void *ud)
{
    char **out = ud;
    size_t old = *out ? strlen(*out) : 0;

    *out = realloc(*out, old + size * n + 1);
    memcpy(*out + old, p, size * n);
    (*out)[old + size * n] = '\0';
    return size * n;
}

/* A blocking admin call to the mock; returns the parsed JSON response (caller decrefs). */
static json_t *mock(const char *method, const char *path, const char *body)
{
    CURL *c = curl_easy_init();
    char url[128], *out = NULL;
    json_t *j;

    snprintf(url, sizeof(url), "%s%s", base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    j = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    return j;
}

static void mock_reset(void)
{
    json_decref(mock("POST", "/__reset", "{}"));
}

static void mock_fail(const char *behavior, int times, const char *arg)
{
    char body[160];

    snprintf(body, sizeof(body), "{\"behavior\":\"%s\",\"times\":%d,\"arg\":%s%s%s}", behavior,
             times, arg ? "\"" : "", arg ? arg : "null", arg ? "\"" : "");
    json_decref(mock("POST", "/__fail", body));
}

static size_t mock_requests(void)
{
    json_t *r = mock("GET", "/__requests", NULL);
    size_t n = json_array_size(r);

    json_decref(r);
    return n;
}

/* ---- engine set-up and a recording sink ---- */

static char url_v1[80], url_root[80];

static void config(struct fc_config *c, const char *chain)
{
    memset(c, 0, sizeof(*c));
    snprintf(url_v1, sizeof(url_v1), "%s/v1", base);
    snprintf(url_root, sizeof(url_root), "%s", base);
    c->llm_chain = (char *)chain;
    c->openai_api_key = "sk-test";
    c->openai_base_url = url_v1;
    c->openai_model = "mock";
    c->groq_api_key = "";
    c->groq_base_url = "";
    c->groq_model = "";
    c->anthropic_api_key = "ak-test";
    c->anthropic_base_url = url_root;
    c->anthropic_model = "mock";
    c->ollama_url = url_root;
    c->ollama_model = "mock";
    c->local_url = url_v1;
    c->local_model = "mock";
    c->analyst_pace_ms = 0;
    c->connect_timeout_ms = 1000;
    c->first_token_timeout_ms = 1500;
    c->idle_timeout_ms = 1500;
    c->deadline_ms = 20000;
    c->breaker_threshold = 100;
    c->breaker_cooldown_ms = 60000;
}

struct rec {
    char text[8192];
    size_t len;
    char events[1024];
    int tokens, resets, starts;
    bool done;
    int rc;
    char err[256];
    struct gen_usage usage;
    char provider[16];
    int64_t first_token_ms, done_ms, started_ms;
    struct engine *e;
    struct gen *g;
    int cancel_after; /* cancel after this many tokens (0 = never) */
};

static void ev(struct rec *r, const char *s)
{
    size_t n = strlen(r->events);

    snprintf(r->events + n, sizeof(r->events) - n, "%s%s", n ? "," : "", s);
}

static void on_start(void *ud, const char *provider, const char *model)
{
    struct rec *r = ud;
    char b[64];

    (void)model;
    snprintf(r->provider, sizeof(r->provider), "%s", provider);
    snprintf(b, sizeof(b), "start:%s", provider);
    ev(r, b);
    r->starts++;
}

static void on_token(void *ud, const char *text, size_t len)
{
    struct rec *r = ud;

    if (r->tokens == 0)
        r->first_token_ms = clock_mono_ms();
    if (r->len + len < sizeof(r->text)) {
        memcpy(r->text + r->len, text, len);
        r->len += len;
        r->text[r->len] = '\0';
    }
    r->tokens++;
    if (r->cancel_after && r->tokens == r->cancel_after)
        engine_cancel(r->e, r->g);
}

static void on_reset(void *ud, const char *reason)
{
    struct rec *r = ud;

    (void)reason;
    ev(r, "reset");
    r->resets++;
    r->len = 0;
    r->text[0] = '\0';
}

static void on_done(void *ud, int rc, const struct gen_usage *usage, const char *errmsg)
{
    struct rec *r = ud;
    char b[32];

    r->done = true;
    r->rc = rc;
    r->done_ms = clock_mono_ms();
    if (usage)
        r->usage = *usage;
    snprintf(r->err, sizeof(r->err), "%s", errmsg ? errmsg : "");
    snprintf(b, sizeof(b), "done:%d", rc);
    ev(r, b);
}

static json_t *history;

static struct gen *start(struct engine *e, struct rec *r, const char *question, int64_t deadline)
{
    struct gen_request req = {
        .request_id = "11111111-2222-3333-4444-555555555555",
        .traceparent = traceparent,
        .system = system_rules,
        .context = NULL,
        .context_text = context_text,
        .history = history,
        .user_text = question,
        .max_tokens = 256,
        .deadline_ms = deadline,
    };
    struct gen_sink sink = {on_start, on_token, on_reset, on_done, NULL, r};

    memset(r, 0, sizeof(*r));
    r->e = e;
    r->started_ms = clock_mono_ms();
    r->g = engine_start(e, &req, sink);
    return r->g;
}

/* Steps @e until every one of @n records is done, or @max_ms passed. */
static void run(struct engine *e, struct rec *r, int n, int max_ms)
{
    int64_t end = clock_mono_ms() + max_ms;

    while (clock_mono_ms() < end) {
        bool all = true;

        for (int i = 0; i < n; i++)
            all &= r[i].done;
        if (all)
            return;
        engine_step(e, 50, -1);
    }
}

static struct engine *engine_for(struct fc_config *c);

/* One generation of @question on a fresh engine from @c, after resetting the mock and
 * queueing @fail (@times, with @arg) unless it is NULL. */
static void once(struct fc_config *c, struct rec *r, const char *question, const char *fail,
                 int times, const char *arg)
{
    struct engine *e = engine_for(c);

    mock_reset();
    if (fail)
        mock_fail(fail, times, arg);
    start(e, r, question, 0);
    run(e, r, 1, 10000);
    engine_free(e);
}

static struct engine *engine_for(struct fc_config *c)
{
    char err[256] = "";
    struct engine *e = engine_new(c, err, sizeof(err));

    if (!e)
        fprintf(stderr, "engine_new: %s\n", err);
    CHECK(e != NULL);
    return e;
}

static char *analyst_text(const char *question)
{
    json_t *ctx = json_loads(context_text, 0, NULL);
    char *t = analyst_answer(question, ctx);

    json_decref(ctx);
    return t;
}

/* ---- tests ---- */

static void test_mock_started(void)
{
    CHECK(base[0] != '\0');
    CHECK(mock_requests() == 0);
}

static void test_openai_happy(void)
{
    struct fc_config c;
    struct engine *e;
    struct rec r;
    json_t *reqs, *q, *body, *msgs;
    const char *ctx;

    config(&c, "openai,analyst");
    e = engine_for(&c);
    mock_reset();
    CHECK(start(e, &r, "How much did I spend?", 0) != NULL);
    CHECK_EQ_INT(engine_inflight(e), 1);
    run(e, &r, 1, 5000);
    CHECK(r.done);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.text, script);
    CHECK_EQ_STR(r.events, "start:openai,done:0");
    CHECK_EQ_INT(r.tokens, SCRIPT_TOKENS);
    CHECK_EQ_INT(r.usage.completion_tokens, SCRIPT_TOKENS);
    CHECK(r.usage.prompt_tokens > 20); /* reported by the mock: characters / 4 */
    CHECK_EQ_INT(engine_inflight(e), 0);

    reqs = mock("GET", "/__requests", NULL);
    CHECK_EQ_INT(json_array_size(reqs), 1);
    q = json_array_get(reqs, 0);
    body = json_object_get(q, "body");
    msgs = json_object_get(body, "messages");
    CHECK_EQ_STR(json_string_value(json_object_get(q, "path")), "/v1/chat/completions");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(q, "headers"), "authorization")),
                 "Bearer sk-test");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(q, "headers"), "traceparent")),
                 traceparent);
    CHECK(json_is_true(json_object_get(body, "stream")));
    CHECK(json_is_true(json_object_get(json_object_get(body, "stream_options"), "include_usage")));
    CHECK_EQ_INT(json_integer_value(json_object_get(body, "max_tokens")), 256);
    /* The layout: system rules only; the data in a user turn; history; the question. */
    CHECK_EQ_INT(json_array_size(msgs), 6);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "system");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "content")),
                 system_rules);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 1), "role")), "user");
    ctx = json_string_value(json_object_get(json_array_get(msgs, 1), "content"));
    CHECK(ctx && strstr(ctx, "Here is my financial data") && strstr(ctx, context_text));
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 2), "role")), "assistant");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 3), "content")),
                 "What did I spend last week?");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 4), "role")), "assistant");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 5), "role")), "user");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 5), "content")),
                 "How much did I spend?");
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        json_t *m = json_array_get(msgs, i);

        if (strcmp(json_string_value(json_object_get(m, "role")), "system") == 0)
            CHECK(strstr(json_string_value(json_object_get(m, "content")), "income_minor") == NULL);
    }
    json_decref(reqs);
    engine_free(e);
}

static void test_anthropic_happy(void)
{
    struct fc_config c;
    struct rec r;
    json_t *reqs, *q, *body, *msgs, *h;

    config(&c, "anthropic,analyst");
    once(&c, &r, "Anthropic question", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.text, script);
    CHECK_EQ_STR(r.events, "start:anthropic,done:0");
    CHECK_EQ_INT(r.usage.completion_tokens, SCRIPT_TOKENS);
    CHECK(r.usage.prompt_tokens > 20);
    reqs = mock("GET", "/__requests", NULL);
    q = json_array_get(reqs, 0);
    h = json_object_get(q, "headers");
    body = json_object_get(q, "body");
    msgs = json_object_get(body, "messages");
    CHECK_EQ_STR(json_string_value(json_object_get(q, "path")), "/v1/messages");
    CHECK_EQ_STR(json_string_value(json_object_get(h, "x-api-key")), "ak-test");
    CHECK_EQ_STR(json_string_value(json_object_get(h, "anthropic-version")), "2023-06-01");
    CHECK_EQ_STR(json_string_value(json_object_get(h, "traceparent")), traceparent);
    CHECK_EQ_STR(json_string_value(json_object_get(body, "system")), system_rules);
    CHECK_EQ_INT(json_array_size(msgs), 5);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "user");
    const char *first = json_string_value(json_object_get(json_array_get(msgs, 0), "content"));
    CHECK(first && strstr(first, context_text) != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 4), "content")),
                 "Anthropic question");
    json_decref(reqs);
}

static void test_ollama_and_local(void)
{
    struct fc_config c;
    struct rec r;
    json_t *reqs, *q;

    config(&c, "ollama,analyst");
    once(&c, &r, "Ollama question", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.text, script);
    CHECK_EQ_STR(r.events, "start:ollama,done:0");
    CHECK_EQ_INT(r.usage.completion_tokens, SCRIPT_TOKENS);
    CHECK(r.usage.prompt_tokens > 20);
    reqs = mock("GET", "/__requests", NULL);
    q = json_array_get(reqs, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(q, "path")), "/api/chat");
    CHECK_EQ_STR(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(q, "body"), "messages"), 0), "role")),
        "system");
    json_decref(reqs);

    config(&c, "local,analyst");
    once(&c, &r, "Local question", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.events, "start:local,done:0");
    reqs = mock("GET", "/__requests", NULL);
    q = json_array_get(reqs, 0);
    CHECK(json_object_get(json_object_get(q, "headers"), "authorization") == NULL);
    json_decref(reqs);
}

static void test_429_retry_after(void)
{
    struct fc_config c;
    struct rec r;

    config(&c, "openai,analyst");
    once(&c, &r, "q", "429", 1, "1");
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.events, "start:openai,done:0");
    CHECK_EQ_STR(r.text, script);
    CHECK_EQ_INT(mock_requests(), 2);
    CHECK(r.first_token_ms - r.started_ms >= 1000); /* Retry-After: 1 was honoured */
}

static void test_500_retries_then_next(void)
{
    struct fc_config c;
    struct rec r;
    char *want = analyst_text("q");

    config(&c, "openai,analyst");
    c.openai_model = "mock-500";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.events, "start:analyst,done:0"); /* no reset: nothing was streamed */
    CHECK_EQ_STR(r.text, want);
    CHECK_EQ_INT(mock_requests(), 3); /* the first try and two retries */
    free(want);

    /* One 500, then the retry succeeds. */
    config(&c, "openai,analyst");
    once(&c, &r, "q", "500", 1, NULL);
    CHECK_EQ_STR(r.events, "start:openai,done:0");
    CHECK_EQ_INT(mock_requests(), 2);

    /* 401 is not retried. */
    config(&c, "openai,analyst");
    c.openai_model = "mock-401";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK_EQ_INT(mock_requests(), 1);
}

static void test_stall_first_token_timeout(void)
{
    struct fc_config c;
    struct rec r;

    config(&c, "openai,analyst");
    c.openai_model = "mock-stall";
    c.first_token_timeout_ms = 300;
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK(r.first_token_ms - r.started_ms >= 300);
    CHECK(r.first_token_ms - r.started_ms < 3000); /* generous: CI machines are busy */
    CHECK_EQ_INT(mock_requests(), 1);              /* a stall is not retried */
}

static void test_idle_timeout_and_refused(void)
{
    struct fc_config c;
    struct rec r;
    char refused[64];

    /* Two tokens, then silence: the idle timer hands over with a reset. */
    config(&c, "openai,analyst");
    c.openai_model = "mock-hang:2";
    c.idle_timeout_ms = 300;
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.events, "start:openai,reset,start:analyst,done:0");
    CHECK(r.done_ms - r.started_ms >= 300);
    CHECK_EQ_INT(mock_requests(), 1);

    /* Connection refused: retried twice with backoff, then the next provider. */
    config(&c, "ollama,analyst");
    snprintf(refused, sizeof(refused), "http://127.0.0.1:1");
    c.ollama_url = refused;
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK(r.first_token_ms - r.started_ms >= 125 + 250); /* two jittered backoffs */
}

static void test_cut_resets_then_analyst(void)
{
    struct fc_config c;
    struct rec r;
    char *want = analyst_text("q");

    config(&c, "openai,analyst");
    c.openai_model = "mock-cut:3";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.events, "start:openai,reset,start:analyst,done:0");
    CHECK_EQ_STR(r.text, want);       /* never spliced: only the analyst's answer remains */
    CHECK_EQ_INT(mock_requests(), 1); /* no retry after tokens were sent */
    CHECK_EQ_STR(r.provider, "analyst");
    free(want);

    /* A cut at the next provider, not the analyst: openai cut, anthropic completes. */
    config(&c, "openai,anthropic,analyst");
    c.openai_model = "mock-cut:2";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_STR(r.events, "start:openai,reset,start:anthropic,done:0");
    CHECK_EQ_STR(r.text, script);
}

static void test_malformed_and_error(void)
{
    struct fc_config c;
    struct rec r;

    config(&c, "openai,ollama,analyst");
    c.openai_model = "mock-malformed";
    c.ollama_model = "mock-malformed:2";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, 0);
    /* openai: malformed before any token, no retry, no reset; ollama: after 2 tokens. */
    CHECK_EQ_STR(r.events, "start:ollama,reset,start:analyst,done:0");
    CHECK_EQ_INT(mock_requests(), 2);

    config(&c, "anthropic,analyst");
    c.anthropic_model = "mock-error";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK_EQ_INT(mock_requests(), 3); /* an upstream error event is retried like a 5xx */

    config(&c, "openai,analyst");
    c.openai_model = "mock-nodone";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_STR(r.events, "start:openai,reset,start:analyst,done:0");
}

static const char *circuit_of(struct engine *e, const char *name)
{
    static char out[16];
    json_t *st = engine_provider_status(e), *p;
    size_t i;

    out[0] = '\0';
    json_array_foreach(st, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            snprintf(out, sizeof(out), "%s", json_string_value(json_object_get(p, "circuit")));
    }
    json_decref(st);
    return out;
}

static void test_breaker(void)
{
    struct fc_config c;
    struct engine *e;
    struct rec r;
    json_t *st, *p;

    config(&c, "openai,analyst");
    c.breaker_threshold = 3;
    c.breaker_cooldown_ms = 400;
    e = engine_for(&c);
    mock_reset();
    mock_fail("500", 3, NULL);
    start(e, &r, "q", 0);
    run(e, &r, 1, 8000);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK_EQ_INT(mock_requests(), 3);
    CHECK_EQ_STR(circuit_of(e, "openai"), "open");
    CHECK_EQ_STR(circuit_of(e, "analyst"), "closed");

    /* Open: skipped without a request. */
    start(e, &r, "q", 0);
    run(e, &r, 1, 5000);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK_EQ_INT(mock_requests(), 3);

    /* After the cooldown one trial passes; it succeeds and closes the circuit. */
    usleep(450 * 1000);
    CHECK_EQ_STR(circuit_of(e, "openai"), "half_open");
    start(e, &r, "q", 0);
    run(e, &r, 1, 5000);
    CHECK_EQ_STR(r.events, "start:openai,done:0");
    CHECK_EQ_STR(circuit_of(e, "openai"), "closed");
    st = engine_provider_status(e);
    p = json_array_get(st, 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "answers")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "failures")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "retries")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "skipped")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(st, 1), "answers")), 2);
    json_decref(st);
    engine_free(e);
}

static void test_cancel(void)
{
    struct fc_config c;
    struct engine *e;
    struct rec r;
    json_t *st;
    int64_t t0;

    config(&c, "openai,analyst");
    c.openai_model = "mock-slow:5";
    e = engine_for(&c);
    mock_reset();
    start(e, &r, "q", 0);
    r.cancel_after = 2;
    t0 = clock_mono_ms();
    run(e, &r, 1, 5000);
    CHECK_EQ_INT(r.rc, FC_ECANCELED);
    CHECK_EQ_INT(r.tokens, 2);
    CHECK_EQ_INT(r.usage.completion_tokens, 2); /* what was streamed before the cancel */
    CHECK(clock_mono_ms() - t0 < 1200);         /* the whole answer takes 1600 ms */
    CHECK_EQ_INT(engine_inflight(e), 0);
    usleep(300 * 1000);
    st = mock("GET", "/__stats", NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(st, "active")), 0); /* transfer aborted */
    json_decref(st);

    /* Canceled before it started: no start, on_done from the next step. */
    start(e, &r, "q", 0);
    engine_cancel(e, r.g);
    CHECK(!r.done);
    run(e, &r, 1, 1000);
    CHECK_EQ_STR(r.events, "done:-12");
    engine_free(e);

    /* Canceled while the analyst streams. */
    config(&c, "analyst");
    c.analyst_pace_ms = 10;
    e = engine_for(&c);
    start(e, &r, "What's my net worth?", 0);
    r.cancel_after = 3;
    run(e, &r, 1, 2000);
    CHECK_EQ_STR(r.events, "start:analyst,done:-12");
    CHECK_EQ_INT(r.tokens, 3);
    engine_free(e);
}

static void test_deadline_and_exhaustion(void)
{
    struct fc_config c;
    struct engine *e;
    struct rec r;

    config(&c, "openai,analyst");
    c.openai_model = "mock-stall";
    e = engine_for(&c);
    mock_reset();
    start(e, &r, "q", clock_mono_ms() + 250);
    run(e, &r, 1, 3000);
    if (r.rc != FC_ETIMEDOUT)
        fprintf(stderr, "deadline test: events %s, err %s, text %s\n", r.events, r.err, r.text);
    CHECK_EQ_INT(r.rc, FC_ETIMEDOUT);
    CHECK(r.done_ms - r.started_ms >= 250 && r.done_ms - r.started_ms < 3000);
    engine_free(e);

    config(&c, "openai");
    c.openai_model = "mock-500";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_INT(r.rc, FC_EDEP);
    CHECK(strstr(r.err, "openai: HTTP 500") != NULL);
}

static void test_unconfigured_and_chain_errors(void)
{
    struct fc_config c;
    struct engine *e;
    struct rec r;
    char err[256];
    json_t *st;

    config(&c, "openai,anthropic,ollama,local,analyst");
    c.openai_api_key = "";
    c.anthropic_api_key = "";
    c.ollama_url = "";
    c.local_url = "";
    e = engine_for(&c);
    mock_reset();
    start(e, &r, "What's my savings rate?", 0);
    run(e, &r, 1, 3000);
    CHECK_EQ_STR(r.events, "start:analyst,done:0");
    CHECK(strstr(r.text, "savings rate") != NULL);
    CHECK_EQ_INT(mock_requests(), 0);
    st = engine_provider_status(e);
    CHECK_EQ_INT(json_array_size(st), 5);
    CHECK(json_is_false(json_object_get(json_array_get(st, 0), "configured")));
    CHECK(json_is_true(json_object_get(json_array_get(st, 4), "configured")));
    json_decref(st);
    engine_free(e);

    /* GROQ_* serves `openai` when OPENAI_API_KEY is unset. */
    config(&c, "openai");
    c.openai_api_key = "";
    c.groq_api_key = "gsk-test";
    c.groq_base_url = url_v1;
    c.groq_model = "mock";
    once(&c, &r, "q", NULL, 0, NULL);
    CHECK_EQ_STR(r.events, "start:openai,done:0");
    st = mock("GET", "/__requests", NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(
                     json_object_get(json_array_get(st, 0), "headers"), "authorization")),
                 "Bearer gsk-test");
    json_decref(st);

    config(&c, "openai,bogus");
    CHECK(engine_new(&c, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "bogus") != NULL);
    config(&c, "openai, openai");
    CHECK(engine_new(&c, err, sizeof(err)) == NULL);
    config(&c, " , ");
    CHECK(engine_new(&c, err, sizeof(err)) == NULL);
}

static void test_analyst_pace(void)
{
    struct fc_config c;
    struct engine *e;
    struct rec r;
    int64_t ms;

    config(&c, "analyst");
    c.analyst_pace_ms = 10;
    e = engine_for(&c);
    start(e, &r, "How much did I spend this month?", 0);
    run(e, &r, 1, 5000);
    CHECK_EQ_INT(r.rc, 0);
    ms = r.done_ms - r.first_token_ms;
    /* n tokens take (n - 1) periods; allow for scheduling. */
    CHECK(ms >= (r.tokens - 1) * 10 - 5);
    CHECK(ms < (r.tokens - 1) * 10 + 1000);
    CHECK_EQ_INT(r.usage.completion_tokens, r.tokens);
    CHECK(r.usage.prompt_tokens > 0);
    printf("analyst: %d tokens in %lld ms at FINCHAT_ANALYST_PACE_MS=10 (%.1f tokens/s)\n",
           r.tokens, (long long)ms, ms ? r.tokens * 1000.0 / (double)ms : 0.0);
    engine_free(e);
}

#define CONCURRENT 50

static void test_concurrent(void)
{
    struct fc_config c;
    struct engine *e;
    static struct rec r[CONCURRENT];
    json_t *st;
    int64_t t0, ms;
    int ok = 0, tokens = 0;

    config(&c, "openai,analyst");
    e = engine_for(&c);
    mock_reset();
    t0 = clock_mono_ms();
    for (int i = 0; i < CONCURRENT; i++)
        start(e, &r[i], "q", 0);
    CHECK_EQ_INT(engine_inflight(e), CONCURRENT);
    run(e, r, CONCURRENT, 15000);
    ms = clock_mono_ms() - t0;
    for (int i = 0; i < CONCURRENT; i++) {
        ok += r[i].rc == 0 && strcmp(r[i].text, script) == 0 &&
              strcmp(r[i].events, "start:openai,done:0") == 0;
        tokens += r[i].tokens;
    }
    CHECK_EQ_INT(ok, CONCURRENT);
    CHECK_EQ_INT(engine_inflight(e), 0);
    st = mock("GET", "/__stats", NULL);
    CHECK(json_integer_value(json_object_get(st, "max_active")) >= CONCURRENT / 2);
    printf("concurrent: %d generations, %d tokens in %lld ms (%.0f tokens/s through one engine; "
           "one stream alone takes %d ms at the mock's %d tokens/s); mock saw %lld at once\n",
           CONCURRENT, tokens, (long long)ms, ms ? tokens * 1000.0 / (double)ms : 0.0,
           SCRIPT_TOKENS * 1000 / MOCK_TPS, MOCK_TPS,
           (long long)json_integer_value(json_object_get(st, "max_active")));
    CHECK(ms < 10000);
    json_decref(st);
    engine_free(e);
}

static void setup(void)
{
    log_init("test_providers", getenv("TEST_LOG") ? LOG_DEBUG : LOG_ERROR + 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    history =
        json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "user", "content", "What did I spend last week?",
                  "role", "assistant", "content", "You spent $410.00 last week.");
    start_mock();
}

static void teardown(void)
{
    stop_mock();
    json_decref(history);
    curl_global_cleanup();
}

TEST_MAIN(setup, test_mock_started, test_openai_happy, test_anthropic_happy, test_ollama_and_local,
          test_429_retry_after, test_500_retries_then_next, test_stall_first_token_timeout,
          test_idle_timeout_and_refused, test_cut_resets_then_analyst, test_malformed_and_error,
          test_breaker, test_cancel, test_deadline_and_exhaustion,
          test_unconfigured_and_chain_errors, test_analyst_pace, test_concurrent, teardown)
