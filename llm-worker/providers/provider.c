/* provider.c - provider chain configuration, prompt layout, requests and stream decoding. */
#include "llm-worker/providers/provider.h"

#include "err.h"
#include "log.h"
#include "xmalloc.h"
#include "llm-worker/analyst/analyst.h"
#include "llm-worker/engine/prompt.h"
#include "llm-worker/providers/anthropic.h"
#include "llm-worker/providers/openai.h"
#include "llm-worker/providers/tool_turns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the chain ---- */

/* A key or model that could break a header line is treated as absent. */
static char *setting(const char *v)
{
    if (!v || !*v || strpbrk(v, "\r\n"))
        return NULL;
    return xstrdup(v);
}

/* @base without trailing slashes, then @path. */
static char *join_url(const char *base, const char *path)
{
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, base, path);
}

static void configure(struct provider *p, const struct fc_config *cfg)
{
    const char *key = NULL, *base = NULL, *model = NULL;
    size_t n;

    /* Every provider may call tools but the small local model, which cannot use them. */
    p->tools = cfg->tools_enabled && strcmp(p->name, "local") != 0;
    switch (p->kind) {
    case PROVIDER_OPENAI:
        p->ctx_tokens = cfg->openai_ctx_tokens;
        if (strcmp(p->name, "local") == 0) {
            base = cfg->local_url;
            model = cfg->local_model;
            p->ctx_tokens = cfg->local_ctx_tokens;
            p->first_token_ms = cfg->local_first_token_ms;
        } else if (cfg->openai_api_key && *cfg->openai_api_key) {
            key = cfg->openai_api_key;
            base = cfg->openai_base_url;
            model = cfg->openai_model;
        } else if (cfg->groq_api_key && *cfg->groq_api_key) {
            key = cfg->groq_api_key;
            base = cfg->groq_base_url;
            model = cfg->groq_model;
        }
        p->api_key = setting(key);
        p->model = setting(model);
        p->configured = base && *base && p->model && (p->api_key || !key);
        if (p->configured)
            p->url = join_url(base, "/chat/completions");
        break;
    case PROVIDER_ANTHROPIC:
        p->ctx_tokens = cfg->anthropic_ctx_tokens;
        p->api_key = setting(cfg->anthropic_api_key);
        p->model = setting(cfg->anthropic_model);
        base = cfg->anthropic_base_url;
        p->configured = p->api_key && p->model && base && *base;
        if (p->configured) {
            n = strlen(base);
            while (n > 0 && base[n - 1] == '/')
                n--;
            /* Accept the base with or without its /v1. */
            if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
                p->url = join_url(base, "/messages");
            else
                p->url = join_url(base, "/v1/messages");
        }
        break;
    case PROVIDER_OLLAMA:
        p->ctx_tokens = cfg->ollama_ctx_tokens;
        p->model = setting(cfg->ollama_model);
        base = cfg->ollama_url;
        p->configured = base && *base && p->model;
        if (p->configured)
            p->url = join_url(base, "/api/chat");
        break;
    case PROVIDER_ANALYST:
        p->model = xstrdup(ANALYST_MODEL);
        p->configured = true;
        break;
    }
}

static const struct {
    const char *name;
    enum provider_kind kind;
} known[] = {
    {"openai", PROVIDER_OPENAI}, {"anthropic", PROVIDER_ANTHROPIC}, {"ollama", PROVIDER_OLLAMA},
    {"local", PROVIDER_OPENAI},  {"analyst", PROVIDER_ANALYST},
};

int provider_chain_new(const struct fc_config *cfg, struct provider **out, int *n, char *errbuf,
                       unsigned errlen)
{
    struct provider *chain = xcalloc(PROVIDER_MAX, sizeof(*chain));
    const char *s = cfg->llm_chain ? cfg->llm_chain : "";
    int count = 0, rc = 0;

    while (*s) {
        const char *end = s + strcspn(s, ",");
        const char *b = s, *e = end;
        size_t k, len;

        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        len = (size_t)(e - b);
        s = *end ? end + 1 : end;
        if (len == 0)
            continue;
        for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            if (strlen(known[k].name) == len && strncmp(known[k].name, b, len) == 0)
                break;
        if (k == sizeof(known) / sizeof(known[0])) {
            snprintf(errbuf, errlen, "FINCHAT_LLM_CHAIN: unknown provider \"%.*s\"", (int)len, b);
            rc = FC_EINVAL;
            goto out_free;
        }
        for (int i = 0; i < count; i++) {
            if (strcmp(chain[i].name, known[k].name) == 0) {
                snprintf(errbuf, errlen, "FINCHAT_LLM_CHAIN: \"%s\" is listed twice",
                         known[k].name);
                rc = FC_EINVAL;
                goto out_free;
            }
        }
        if (count == PROVIDER_MAX) {
            snprintf(errbuf, errlen, "FINCHAT_LLM_CHAIN: more than %d providers", PROVIDER_MAX);
            rc = FC_EINVAL;
            goto out_free;
        }
        snprintf(chain[count].name, sizeof(chain[count].name), "%s", known[k].name);
        chain[count].kind = known[k].kind;
        breaker_init(&chain[count].breaker, cfg->breaker_threshold, cfg->breaker_cooldown_ms);
        configure(&chain[count], cfg);
        count++;
    }
    if (count == 0) {
        snprintf(errbuf, errlen, "FINCHAT_LLM_CHAIN names no provider");
        rc = FC_EINVAL;
        goto out_free;
    }
    *out = chain;
    *n = count;
    return 0;
out_free:
    provider_chain_free(chain, count);
    return rc;
}

void provider_chain_free(struct provider *chain, int n)
{
    if (!chain)
        return;
    for (int i = 0; i < n; i++) {
        free(chain[i].url);
        free(chain[i].api_key);
        free(chain[i].model);
    }
    free(chain);
}

/* ---- the prompt layout ---- */

static void add_turn(json_t *msgs, const char *role, const char *text, bool alternate)
{
    size_t n = json_array_size(msgs);
    json_t *last = n ? json_array_get(msgs, n - 1) : NULL;
    const char *last_role = json_string_value(json_object_get(last, "role"));

    if (!text || !*text)
        return;
    if (alternate && n == 0 && strcmp(role, "assistant") == 0)
        return;
    if (alternate && last_role && strcmp(last_role, role) == 0) {
        char *merged =
            xasprintf("%s\n\n%s", json_string_value(json_object_get(last, "content")), text);

        json_object_set_new(last, "content", json_string(merged));
        free(merged);
        return;
    }
    json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", role, "content", text));
}

json_t *provider_messages(const struct gen_request *req, bool system, bool alternate)
{
    json_t *msgs = json_array(), *turn;
    char *ctx = NULL, *owned = NULL;
    size_t i;

    if (system && req->system && *req->system)
        json_array_append_new(msgs,
                              json_pack("{s:s, s:s}", "role", "system", "content", req->system));
    if (req->context_text && *req->context_text)
        ctx = xasprintf("%s%s", PROVIDER_CONTEXT_INTRO, req->context_text);
    else if (json_is_object(req->context) && json_object_size(req->context) > 0) {
        owned = json_dumps(req->context, JSON_COMPACT | JSON_SORT_KEYS);
        if (owned)
            ctx = xasprintf("%s%s", PROVIDER_CONTEXT_INTRO, owned);
    }
    if (ctx) {
        add_turn(msgs, "user", ctx, alternate);
        add_turn(msgs, "assistant", PROVIDER_CONTEXT_ACK, alternate);
    }
    json_array_foreach(req->history, i, turn)
    {
        const char *role = json_string_value(json_object_get(turn, "role"));
        const char *content = json_string_value(json_object_get(turn, "content"));

        if (role && (strcmp(role, "user") == 0 || strcmp(role, "assistant") == 0))
            add_turn(msgs, role, content, alternate);
    }
    add_turn(msgs, "user", req->user_text ? req->user_text : "", alternate);
    free(ctx);
    free(owned);
    return msgs;
}

/* ---- fitting a prompt to a context window ---- */

#define TURN_TOKENS 4 /* a chat turn's framing (role markers) */

int provider_estimate_tokens(const char *s)
{
    return (int)(((s ? strlen(s) : 0) + 2) / 3) + TURN_TOKENS;
}

static int turn_tokens(const json_t *turn)
{
    return provider_estimate_tokens(json_string_value(json_object_get(turn, "content")));
}

/* Tokens of the compact JSON of @j (the tool rounds, the offered tools), 0 for none. */
static int json_tokens(const json_t *j)
{
    char *text;
    int n;

    if (json_array_size(j) == 0)
        return 0;
    text = json_dumps(j, JSON_COMPACT);
    n = provider_estimate_tokens(text) + (int)json_array_size(j) * TURN_TOKENS;
    free(text);
    return n;
}

/* The newest turns of @history that fit @budget tokens, as a new array (oldest first). */
static json_t *newest_turns(const json_t *history, int budget, int *used)
{
    size_t n = json_array_size(history), first = n;
    json_t *out = json_array();

    *used = 0;
    while (first > 0 && *used + turn_tokens(json_array_get(history, first - 1)) <= budget)
        *used += turn_tokens(json_array_get(history, --first));
    for (size_t i = first; i < n; i++)
        json_array_append(out, json_array_get(history, i));
    return out;
}

/* @text cut to at most @budget tokens at a line end (NUL-free text; newlines are ASCII, so
 * the cut never splits a UTF-8 sequence); newly allocated. */
static char *cut_lines(const char *text, int budget)
{
    size_t max = budget > TURN_TOKENS ? (size_t)(budget - TURN_TOKENS) * 3 : 0;
    size_t n = strlen(text);

    if (n <= max)
        return xstrdup(text);
    while (max > 0 && text[max - 1] != '\n')
        max--;
    return xstrndup(text, max);
}

void provider_fit(struct provider_fit *f, const struct gen_request *req, int ctx_tokens)
{
    int room = req->max_tokens > 0 ? req->max_tokens : PROVIDER_ANSWER_ROOM;
    int fixed = provider_estimate_tokens(req->system) + provider_estimate_tokens(req->user_text) +
                json_tokens(req->tool_turns) + json_tokens(req->tools);
    int ctx_need = 0, hist_need = 0, hist_used = 0, avail;
    size_t i;
    json_t *turn;

    memset(f, 0, sizeof(*f));
    f->req = *req;
    if (req->context_text && *req->context_text)
        ctx_need = provider_estimate_tokens(PROVIDER_CONTEXT_INTRO) +
                   provider_estimate_tokens(req->context_text) +
                   provider_estimate_tokens(PROVIDER_CONTEXT_ACK);
    json_array_foreach(req->history, i, turn) hist_need += turn_tokens(turn);
    avail = ctx_tokens - room - fixed;
    f->history = json_incref(req->history);
    f->prompt_tokens = fixed + ctx_need + hist_need;
    if (ctx_tokens <= 0 || ctx_need + hist_need <= avail)
        return;
    f->cut = true;
    json_decref(f->history);
    f->history = newest_turns(req->history, avail > 0 ? avail / 4 : 0, &hist_used);
    avail -= hist_used + provider_estimate_tokens(PROVIDER_CONTEXT_INTRO) +
             provider_estimate_tokens(PROVIDER_CONTEXT_ACK);
    if (ctx_need == 0 || avail <= TURN_TOKENS) {
        f->context_text = xstrdup("");
    } else if (json_is_object(req->context)) {
        /* prompt.h's budget counts four bytes a token, ours three. */
        f->context_text = prompt_render_context(req->context, (avail - TURN_TOKENS) * 3 / 4);
        if (provider_estimate_tokens(f->context_text) > avail) {
            char *c = cut_lines(f->context_text, avail);

            free(f->context_text);
            f->context_text = c;
        }
    } else {
        f->context_text = cut_lines(req->context_text, avail);
    }
    f->req.context_text = f->context_text;
    f->req.context = NULL; /* never the whole document instead of the cut text */
    f->req.history = f->history;
    f->prompt_tokens = fixed + hist_used;
    if (*f->context_text)
        f->prompt_tokens += provider_estimate_tokens(PROVIDER_CONTEXT_INTRO) +
                            provider_estimate_tokens(f->context_text) +
                            provider_estimate_tokens(PROVIDER_CONTEXT_ACK);
}

void provider_fit_release(struct provider_fit *f)
{
    if (!f)
        return;
    free(f->context_text);
    json_decref(f->history);
    memset(f, 0, sizeof(*f));
}

/* ---- requests ---- */

bool provider_traceparent_ok(const char *tp)
{
    /* version "-" trace-id(32) "-" parent-id(16) "-" flags(2), lower-case hex */
    static const int dash[] = {2, 35, 52};

    if (!tp || strlen(tp) != 55)
        return false;
    for (int i = 0; i < 55; i++) {
        bool want_dash = i == dash[0] || i == dash[1] || i == dash[2];

        if (want_dash ? tp[i] != '-'
                      : !(isdigit((unsigned char)tp[i]) || (tp[i] >= 'a' && tp[i] <= 'f')))
            return false;
    }
    return true;
}

/* Appends "@name: @prefix@value", or "@name:" (which removes a header curl would add) when
 * @value is NULL. */
static struct curl_slist *header(struct curl_slist *list, const char *name, const char *prefix,
                                 const char *value)
{
    char *line = value ? xasprintf("%s: %s%s", name, prefix, value) : xasprintf("%s:", name);
    struct curl_slist *l = curl_slist_append(list, line);

    free(line);
    if (!l) {
        log_error("curl_slist_append: out of memory");
        abort();
    }
    return l;
}

int provider_http_build(const struct provider *p, const struct gen_request *full,
                        struct provider_http *out)
{
    json_t *msgs;
    struct curl_slist *h = NULL;
    struct provider_fit fit;
    const struct gen_request *req = &fit.req;
    char why[160];

    memset(out, 0, sizeof(*out));
    if (tool_turns_check(full->tool_turns, why, sizeof(why))) {
        log_error("request %s: %s", full->request_id ? full->request_id : "-", why);
        return FC_EINVAL;
    }
    provider_fit(&fit, full, p->ctx_tokens);
    out->prompt_tokens = fit.prompt_tokens;
    out->fitted = fit.cut;
    h = header(h, "Content-Type", "", "application/json");
    h = header(h, "Expect", "", NULL);
    switch (p->kind) {
    case PROVIDER_OPENAI:
        msgs = provider_messages(req, true, false);
        openai_add_tool_turns(msgs, req->tool_turns);
        out->body =
            openai_build_body(p->model, msgs, req->max_tokens, req->tools, req->tools_final);
        h = header(h, "Accept", "", "text/event-stream");
        if (p->api_key)
            h = header(h, "Authorization", "Bearer ", p->api_key);
        break;
    case PROVIDER_ANTHROPIC:
        msgs = provider_messages(req, false, true);
        anthropic_add_tool_turns(msgs, req->tool_turns);
        out->body = anthropic_build_body(p->model, req->system, msgs, req->max_tokens, req->tools,
                                         req->tools_final);
        h = header(h, "Accept", "", "text/event-stream");
        h = header(h, "x-api-key", "", p->api_key);
        h = header(h, "anthropic-version", "", ANTHROPIC_VERSION);
        break;
    case PROVIDER_OLLAMA:
        msgs = provider_messages(req, true, false);
        ollama_add_tool_turns(msgs, req->tool_turns);
        out->body = ollama_build_body(p->model, msgs, req->max_tokens, p->ctx_tokens,
                                      req->tools_final ? NULL : req->tools);
        h = header(h, "Accept", "", "application/x-ndjson");
        break;
    case PROVIDER_ANALYST:
    default:
        msgs = NULL;
        break;
    }
    json_decref(msgs);
    if (provider_traceparent_ok(req->traceparent))
        h = header(h, "traceparent", "", req->traceparent);
    out->headers = h;
    provider_fit_release(&fit);
    return out->body ? 0 : FC_EINVAL;
}

void provider_http_release(struct provider_http *h)
{
    free(h->body);
    curl_slist_free_all(h->headers);
    h->body = NULL;
    h->headers = NULL;
}

/* ---- responses ---- */

static int on_sse(void *ud, const struct sse_event *ev)
{
    struct provider_stream *s = ud;

    if (s->kind == PROVIDER_ANTHROPIC)
        return anthropic_parse_event(ev->event, ev->data, ev->data_len, s->fn, s->ud, s->err,
                                     sizeof(s->err));
    return openai_parse_event(ev->data, ev->data_len, s->fn, s->ud, s->err, sizeof(s->err));
}

void provider_stream_init(struct provider_stream *s, enum provider_kind kind, provider_delta_fn fn,
                          void *ud)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->fn = fn;
    s->ud = ud;
    sse_parse_init(&s->sse, 0);
    ollama_stream_init(&s->nd, 0);
}

void provider_stream_release(struct provider_stream *s)
{
    sse_parse_release(&s->sse);
    ollama_stream_release(&s->nd);
}

static int sse_result(struct provider_stream *s, int rc)
{
    if (rc == FC_ETOOBIG)
        snprintf(s->err, sizeof(s->err), "stream event larger than %zu bytes", s->sse.max);
    return rc;
}

int provider_stream_feed(struct provider_stream *s, const char *buf, size_t len)
{
    if (s->kind == PROVIDER_OLLAMA)
        return ollama_stream_feed(&s->nd, buf, len, s->fn, s->ud, s->err, sizeof(s->err));
    return sse_result(s, sse_parse_feed(&s->sse, buf, len, on_sse, s));
}

int provider_stream_finish(struct provider_stream *s)
{
    if (s->kind == PROVIDER_OLLAMA)
        return ollama_stream_finish(&s->nd, s->fn, s->ud, s->err, sizeof(s->err));
    return sse_result(s, sse_parse_finish(&s->sse, on_sse, s));
}

void provider_error_body(const char *body, size_t len, char *out, unsigned outlen)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *err = json_object_get(root, "error");
    size_t n = 0;

    if (err && !json_is_null(err)) {
        provider_delta_error(err, out, outlen);
        json_decref(root);
        return;
    }
    json_decref(root);
    if (outlen == 0)
        return;
    for (size_t i = 0; i < len && n + 1 < outlen && n < 200; i++)
        out[n++] = (unsigned char)body[i] < 0x20 ? ' ' : body[i];
    out[n] = '\0';
}
