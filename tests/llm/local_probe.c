/* local_probe.c - runs finchat's real generation engine against the local LLM server.
 *
 * Links the worker's engine and providers (build/obj/llm-worker, build/obj/common) and
 * asks through the `local` provider only (FINCHAT_LLM_CHAIN=local, so no fallback can answer
 * in its place), at FINCHAT_LOCAL_URL (default http://127.0.0.1:18081/v1; set it to point
 * elsewhere): first a short question, then, when PROBE_CONTEXT names a contexts document
 * (JSON), a finance question with that document rendered as the worker renders it (the
 * demo user's is about 9 KB: more than a 2,048-token window holds) and fitted to
 * FINCHAT_LOCAL_CONTEXT_TOKENS. Checks for each: on_start names provider `local`, at least
 * one token, on_done rc 0, usage.completion_tokens > 0, no reset.
 * Prints TAP lines and the time to first token / total; exits 1 on any failure.
 * Built and run by tests/integration/70-local-llm.sh. */
#include "clock.h"
#include "config.h"
#include "log.h"
#include "llm-worker/engine/engine.h"
#include "llm-worker/engine/prompt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe {
    int64_t t0, t_start, t_first;
    char provider[64];
    char model[128];
    int starts, tokens, resets;
    size_t bytes;
    char text[4096];
    bool done;
    int rc;
    struct gen_usage usage;
    char err[256];
};

static void on_start(void *ud, const char *provider, const char *model)
{
    struct probe *p = ud;

    p->starts++;
    p->t_start = clock_mono_ms();
    snprintf(p->provider, sizeof(p->provider), "%s", provider ? provider : "(null)");
    snprintf(p->model, sizeof(p->model), "%s", model ? model : "(null)");
}

static void on_token(void *ud, const char *text, size_t len)
{
    struct probe *p = ud;
    size_t have = strlen(p->text), room = sizeof(p->text) - 1 - have;

    if (p->tokens++ == 0)
        p->t_first = clock_mono_ms();
    p->bytes += len;
    if (len > room)
        len = room;
    memcpy(p->text + have, text, len);
    p->text[have + len] = '\0';
}

static void on_reset(void *ud, const char *reason)
{
    struct probe *p = ud;

    p->resets++;
    fprintf(stderr, "# reset: %s\n", reason ? reason : "");
}

static void on_done(void *ud, int rc, const struct gen_usage *usage, const char *errmsg)
{
    struct probe *p = ud;

    p->done = true;
    p->rc = rc;
    if (usage)
        p->usage = *usage;
    snprintf(p->err, sizeof(p->err), "%s", errmsg ? errmsg : "");
}

static int n_tests, n_failed;

static void tap(bool ok, const char *fmt, const char *detail)
{
    n_tests++;
    if (!ok)
        n_failed++;
    printf("%s - %s", ok ? "ok" : "not ok", fmt);
    if (detail && *detail)
        printf(" (%s)", detail);
    printf("\n");
}

/* Runs @req through @e and checks the outcome; @label prefixes each TAP line. */
static void probe(struct engine *e, struct gen_request *req, const char *label, long timeout_s)
{
    struct probe p;
    struct gen_sink sink = {on_start, on_token, on_reset, on_done, NULL, &p};
    char detail[512], what[128];
    int64_t deadline;

    memset(&p, 0, sizeof(p));
    p.t0 = clock_mono_ms();
    req->deadline_ms = p.t0 + (int64_t)timeout_s * 1000;
    if (!engine_start(e, req, sink)) {
        printf("not ok - %s: engine_start returned NULL\n", label);
        n_tests++;
        n_failed++;
        return;
    }
    /* Our own guard on top of the request deadline: the engine must end it by then. */
    deadline = req->deadline_ms + 5000;
    while (!p.done && clock_mono_ms() < deadline)
        engine_step(e, 200, -1);

#define TAP(ok, text, det)                                                                         \
    do {                                                                                           \
        snprintf(what, sizeof(what), "%s: %s", label, text);                                       \
        tap(ok, what, det);                                                                        \
    } while (0)
    TAP(p.done, "generation finished (on_done called)", p.done ? "" : "gave up waiting");
    snprintf(detail, sizeof(detail), "got %s, model %s, %d start(s)",
             p.starts ? p.provider : "none", p.model, p.starts);
    TAP(p.starts >= 1 && strcmp(p.provider, "local") == 0, "on_start named provider local", detail);
    snprintf(detail, sizeof(detail), "%d token(s), %zu bytes", p.tokens, p.bytes);
    TAP(p.tokens >= 1, "at least one token streamed", detail);
    snprintf(detail, sizeof(detail), "%d", p.resets);
    TAP(p.resets == 0, "no reset", p.resets ? detail : "");
    snprintf(detail, sizeof(detail), "rc %d%s%s", p.rc, p.err[0] ? ": " : "", p.err);
    TAP(p.done && p.rc == 0, "on_done rc 0", detail);
    snprintf(detail, sizeof(detail), "prompt_tokens %d, completion_tokens %d",
             p.usage.prompt_tokens, p.usage.completion_tokens);
    TAP(p.done && p.usage.completion_tokens > 0, "usage completion_tokens > 0", detail);
#undef TAP

    printf("# %s: question: %s\n# answer: %s\n", label, req->user_text, p.text);
    if (p.tokens > 0)
        printf("# time to first token: %lld ms (provider start %lld ms)\n",
               (long long)(p.t_first - p.t0), (long long)(p.t_start - p.t0));
    printf("# total: %lld ms, %d tokens, %d prompt tokens by the server\n",
           (long long)(clock_mono_ms() - p.t0), p.tokens, p.usage.prompt_tokens);
}

int main(void)
{
    struct fc_config cfg;
    struct engine *e;
    char errbuf[256];
    const char *tmo = getenv("PROBE_TIMEOUT_S"), *ctx_path = getenv("PROBE_CONTEXT");
    long timeout_s = tmo ? strtol(tmo, NULL, 10) : 120;
    struct gen_request req = {
        .request_id = "local-probe-1",
        .system = "You are a helpful assistant. Answer in one short sentence.",
        .user_text = "What is 2+2? Answer briefly.",
        .max_tokens = 48,
    };

    setvbuf(stdout, NULL, _IOLBF, 0);
    setenv("FINCHAT_LLM_CHAIN", "local", 1);
    setenv("FINCHAT_LOCAL_URL", "http://127.0.0.1:18081/v1", 0);
    if (!getenv("FINCHAT_LOG_LEVEL"))
        setenv("FINCHAT_LOG_LEVEL", "warn", 1);
    log_init("local-probe", -1);
    if (config_load(&cfg, errbuf, sizeof(errbuf)) != 0) {
        printf("not ok - config_load (%s)\n", errbuf);
        return 1;
    }
    printf("# provider local at %s, model %s, context window %d tokens\n", cfg.local_url,
           cfg.local_model, cfg.local_ctx_tokens);
    e = engine_new(&cfg, errbuf, sizeof(errbuf));
    if (!e) {
        printf("not ok - engine_new (%s)\n", errbuf);
        config_release(&cfg);
        return 1;
    }
    if (timeout_s <= 0 || timeout_s > 3600)
        timeout_s = 120;
    probe(e, &req, "short question", timeout_s);
    if (ctx_path && *ctx_path) {
        json_error_t jerr;
        json_t *doc = json_load_file(ctx_path, 0, &jerr);
        char *text = doc ? prompt_render_context(doc, PROMPT_CONTEXT_TOKENS) : NULL;

        tap(doc != NULL, "the contexts document loads", doc ? ctx_path : jerr.text);
        if (doc) {
            printf("# context: %zu bytes rendered from %s\n", strlen(text), ctx_path);
            req.request_id = "local-probe-2";
            req.system = prompt_system_rules();
            req.context = doc;
            req.context_text = text;
            req.user_text = "How much did I spend on dining last month?";
            req.max_tokens = 96;
            probe(e, &req, "with the financial context", timeout_s);
        }
        free(text);
        json_decref(doc);
    }
    printf("1..%d\n", n_tests);
    engine_free(e);
    config_release(&cfg);
    return n_failed ? 1 : 0;
}
