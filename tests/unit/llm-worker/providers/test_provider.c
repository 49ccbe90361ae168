/* test_provider.c - the provider chain (names, configuration, URLs), the prompt layout, the
 * HTTP request of each protocol, stream decoding through provider_stream, error bodies. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/engine/prompt.h"
#include "llm-worker/providers/provider.h"

#include <stdlib.h>

static void config(struct fc_config *c, const char *chain)
{
    memset(c, 0, sizeof(*c));
    c->llm_chain = (char *)chain;
    c->openai_api_key = "sk-1";
    c->openai_base_url = "https://api.openai.com/v1/";
    c->openai_model = "gpt-4o-mini";
    c->groq_api_key = "";
    c->groq_base_url = "https://api.groq.com/openai/v1";
    c->groq_model = "llama";
    c->anthropic_api_key = "ak-1";
    c->anthropic_base_url = "https://api.anthropic.com";
    c->anthropic_model = "claude";
    c->ollama_url = "http://127.0.0.1:11434";
    c->ollama_model = "llama3.2";
    c->local_url = "";
    c->local_model = "smollm2";
    c->openai_ctx_tokens = 128000;
    c->anthropic_ctx_tokens = 200000;
    c->ollama_ctx_tokens = 4096;
    c->local_ctx_tokens = 2048;
    c->breaker_threshold = 3;
    c->breaker_cooldown_ms = 1000;
}

static void test_chain(void)
{
    struct fc_config c;
    struct provider *p;
    int n;
    char err[128];

    config(&c, " openai , anthropic,ollama,local,analyst ");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_STR(p[0].name, "openai");
    CHECK_EQ_STR(p[0].url, "https://api.openai.com/v1/chat/completions");
    CHECK_EQ_STR(p[0].api_key, "sk-1");
    CHECK_EQ_STR(p[1].url, "https://api.anthropic.com/v1/messages");
    CHECK_EQ_STR(p[2].url, "http://127.0.0.1:11434/api/chat");
    CHECK(p[0].configured && p[1].configured && p[2].configured);
    CHECK(!p[3].configured); /* no FINCHAT_LOCAL_URL */
    CHECK(p[3].url == NULL);
    CHECK(p[4].configured);
    CHECK_EQ_INT(p[4].kind, PROVIDER_ANALYST);
    CHECK_EQ_INT(p[0].breaker.threshold, 3);
    provider_chain_free(p, n);

    /* Groq when OpenAI has no key; Anthropic base with /v1; a key that would break a header. */
    config(&c, "openai,anthropic,local");
    c.openai_api_key = "";
    c.groq_api_key = "gsk";
    c.anthropic_base_url = "http://proxy/v1/";
    c.local_url = "http://127.0.0.1:18081/v1";
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);
    CHECK_EQ_STR(p[0].url, "https://api.groq.com/openai/v1/chat/completions");
    CHECK_EQ_STR(p[0].model, "llama");
    CHECK_EQ_STR(p[1].url, "http://proxy/v1/messages");
    CHECK(p[2].configured);
    CHECK(p[2].api_key == NULL);
    CHECK_EQ_STR(p[2].model, "smollm2");
    provider_chain_free(p, n);

    config(&c, "openai,anthropic");
    c.openai_api_key = "";
    c.anthropic_api_key = "bad\r\nX-Evil: 1";
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);
    CHECK(!p[0].configured && !p[1].configured);
    provider_chain_free(p, n);

    config(&c, "analyst,nope");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "nope") != NULL);
    config(&c, "analyst,analyst");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), FC_EINVAL);
    config(&c, ",,");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), FC_EINVAL);
}

static const char *role(json_t *msgs, size_t i)
{
    return json_string_value(json_object_get(json_array_get(msgs, i), "role"));
}

static const char *content(json_t *msgs, size_t i)
{
    return json_string_value(json_object_get(json_array_get(msgs, i), "content"));
}

static void test_messages(void)
{
    json_t *hist =
        json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s},{s:s,s:s}]", "role", "assistant", "content",
                  "Earlier answer", "role", "user", "content", "First", "role", "user", "content",
                  "Second", "role", "user", "role", "system", "content", "ignored");
    struct gen_request req = {.system = "RULES",
                              .context_text = "{\"net_worth_minor\":1}",
                              .history = hist,
                              .user_text = "Question?"};
    json_t *m;

    m = provider_messages(&req, true, false);
    CHECK_EQ_INT(json_array_size(m), 7);
    CHECK_EQ_STR(role(m, 0), "system");
    CHECK_EQ_STR(content(m, 0), "RULES");
    CHECK_EQ_STR(role(m, 1), "user");
    CHECK(strstr(content(m, 1), PROVIDER_CONTEXT_INTRO) == content(m, 1));
    CHECK(strstr(content(m, 1), "{\"net_worth_minor\":1}") != NULL);
    CHECK_EQ_STR(role(m, 2), "assistant");
    CHECK_EQ_STR(content(m, 2), PROVIDER_CONTEXT_ACK);
    CHECK_EQ_STR(content(m, 3), "Earlier answer");
    CHECK_EQ_STR(content(m, 4), "First");
    CHECK_EQ_STR(content(m, 5), "Second");
    CHECK_EQ_STR(content(m, 6), "Question?");
    json_decref(m);

    /* Anthropic: no system turn, strict alternation. */
    m = provider_messages(&req, false, true);
    CHECK_EQ_INT(json_array_size(m), 3);
    CHECK_EQ_STR(role(m, 0), "user");
    CHECK_EQ_STR(role(m, 1), "assistant");
    CHECK_EQ_STR(content(m, 1), PROVIDER_CONTEXT_ACK "\n\nEarlier answer");
    CHECK_EQ_STR(role(m, 2), "user");
    CHECK_EQ_STR(content(m, 2), "First\n\nSecond\n\nQuestion?");
    json_decref(m);

    /* No context: a leading assistant turn is dropped for Anthropic. */
    req.context_text = "";
    m = provider_messages(&req, false, true);
    CHECK_EQ_STR(role(m, 0), "user");
    CHECK_EQ_STR(content(m, 0), "First\n\nSecond\n\nQuestion?");
    json_decref(m);

    /* The JSON context is used when no rendered text came. */
    req.context_text = NULL;
    req.context = json_pack("{s:s}", "currency", "EUR");
    req.history = NULL;
    req.system = NULL;
    m = provider_messages(&req, true, false);
    CHECK_EQ_INT(json_array_size(m), 3);
    CHECK(strstr(content(m, 0), "\"currency\":\"EUR\"") != NULL);
    json_decref(m);
    json_decref(req.context);
    json_decref(hist);
}

static bool has_header(const struct curl_slist *h, const char *line)
{
    for (; h; h = h->next)
        if (strcmp(h->data, line) == 0)
            return true;
    return false;
}

static void test_http(void)
{
    struct fc_config c;
    struct provider *p;
    int n;
    char err[128];
    struct provider_http h;
    struct gen_request req = {.system = "RULES",
                              .user_text = "Q",
                              .max_tokens = 99,
                              .traceparent =
                                  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"};
    json_t *body;

    config(&c, "openai,anthropic,ollama");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);
    CHECK_EQ_INT(provider_http_build(&p[0], &req, &h), 0);
    CHECK(has_header(h.headers, "Authorization: Bearer sk-1"));
    CHECK(has_header(h.headers, "Content-Type: application/json"));
    CHECK(has_header(h.headers, "Accept: text/event-stream"));
    CHECK(has_header(h.headers, "Expect:"));
    CHECK(has_header(h.headers,
                     "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    body = json_loads(h.body, 0, NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(body, "model")), "gpt-4o-mini");
    CHECK_EQ_INT(json_integer_value(json_object_get(body, "max_tokens")), 99);
    json_decref(body);
    provider_http_release(&h);

    req.traceparent = "00-bad\r\nX: y";
    CHECK_EQ_INT(provider_http_build(&p[1], &req, &h), 0);
    CHECK(has_header(h.headers, "x-api-key: ak-1"));
    CHECK(has_header(h.headers, "anthropic-version: 2023-06-01"));
    for (struct curl_slist *l = h.headers; l; l = l->next)
        CHECK(strncmp(l->data, "traceparent", 11) != 0);
    body = json_loads(h.body, 0, NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(body, "system")), "RULES");
    json_decref(body);
    provider_http_release(&h);

    CHECK_EQ_INT(provider_http_build(&p[2], &req, &h), 0);
    CHECK(has_header(h.headers, "Accept: application/x-ndjson"));
    for (struct curl_slist *l = h.headers; l; l = l->next)
        CHECK(strncmp(l->data, "Authorization", 13) != 0);
    provider_http_release(&h);
    provider_chain_free(p, n);

    CHECK(provider_traceparent_ok("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    CHECK(!provider_traceparent_ok("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
    CHECK(!provider_traceparent_ok("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"));
    CHECK(!provider_traceparent_ok(NULL));
}

static void decode(enum provider_kind kind, const char *body, const char *want, int want_rc)
{
    struct provider_stream s;
    struct acc a = {.len = 0, .text = ""};
    size_t len = strlen(body);
    int rc = 0;

    provider_stream_init(&s, kind, on_delta, &a);
    for (size_t i = 0; i < len && rc == 0; i += 3)
        rc = provider_stream_feed(&s, body + i, len - i < 3 ? len - i : 3);
    if (rc == 0)
        rc = provider_stream_finish(&s);
    CHECK_EQ_INT(rc, want_rc);
    CHECK_EQ_STR(a.text, want);
    if (rc)
        CHECK(s.err[0] != '\0');
    provider_stream_release(&s);
}

static void test_streams(void)
{
    decode(PROVIDER_OPENAI,
           "data: {\"choices\":[{\"delta\":{\"content\":\"Hi \"}}]}\r\n\r\n"
           ": ping\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"there\"}}]}\n\ndata: [DONE]",
           "Hi there", 0);
    decode(PROVIDER_OPENAI,
           "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: {oops\n\n", "x",
           FC_EINVAL);
    decode(PROVIDER_ANTHROPIC,
           "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":"
           "{\"type\":\"text_delta\",\"text\":\"A\"}}\n\nevent: error\ndata: {\"type\":\"error\","
           "\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
           "A", FC_EDEP);
    decode(PROVIDER_OLLAMA,
           "{\"message\":{\"content\":\"O\"},\"done\":false}\n{\"message\":{\"content\":\"K\"},"
           "\"done\":true}",
           "OK", 0);
}

static void test_error_body(void)
{
    char out[128];

    provider_error_body("{\"error\":{\"message\":\"Invalid key\",\"type\":\"auth\"}}", 48, out,
                        sizeof(out));
    CHECK(strstr(out, "Invalid key") != NULL);
    provider_error_body("{\"error\":\"model not found\"}", 27, out, sizeof(out));
    CHECK(strstr(out, "model not found") != NULL);
    provider_error_body("<html>\nBad Gateway</html>", 25, out, sizeof(out));
    CHECK_EQ_STR(out, "<html> Bad Gateway</html>");
    provider_error_body("", 0, out, sizeof(out));
    CHECK_EQ_STR(out, "");
}

/* Bytes of every "content" of the request body @body. */
static size_t content_bytes(const char *body)
{
    json_t *j = json_loads(body, 0, NULL), *m;
    size_t i, n = 0;

    json_array_foreach(json_object_get(j, "messages"), i, m)
    {
        const char *c = json_string_value(json_object_get(m, "content"));

        n += c ? strlen(c) : 0;
    }
    json_decref(j);
    return n;
}

/* A context document with many sections, rendered by prompt.c, and a long history: the
 * demo user's prompt is about 9 KB, more than a 2,048-token window holds with the answer. */
static json_t *big_context(void)
{
    json_t *ctx = json_pack("{s:s, s:{s:I, s:I}}", "currency", "USD", "this_month", "income_minor",
                            (json_int_t)520000, "expenses_minor", (json_int_t)401234);
    json_t *recent = json_array();

    for (int i = 0; i < 150; i++)
        json_array_append_new(recent,
                              json_pack("{s:s, s:s, s:I, s:s}", "date", "2026-11-03", "merchant",
                                        "Neighbourhood Grocery Store", "amount_minor",
                                        (json_int_t)(-1234 - i), "category", "groceries"));
    json_object_set_new(ctx, "recent_transactions", recent);
    return ctx;
}

static void test_fit(void)
{
    json_t *ctx = big_context(), *hist = json_array();
    char *text = prompt_render_context(ctx, 4000), *big_q;
    char line[600];
    struct gen_request r = {.system = "You are finchat.",
                            .context = ctx,
                            .context_text = text,
                            .history = hist,
                            .user_text = "How much did I spend?",
                            .max_tokens = 256};
    struct provider_fit f;
    struct fc_config c;
    struct provider *p;
    struct provider_http h;
    int n;
    char err[128];

    for (int i = 0; i < 20; i++) {
        memset(line, 'a' + i % 26, 400);
        line[400] = '\0';
        json_array_append_new(
            hist, json_pack("{s:s, s:s}", "role", i % 2 ? "assistant" : "user", "content", line));
    }
    CHECK(strlen(text) > 8000);

    /* A large window keeps everything, as it was. */
    provider_fit(&f, &r, 128000);
    CHECK(!f.cut);
    CHECK(f.req.context_text == text);
    CHECK_EQ_INT(json_array_size(f.req.history), 20);
    provider_fit_release(&f);

    /* 2,048 tokens: the estimate of what is sent leaves the answer its room. */
    provider_fit(&f, &r, 2048);
    CHECK(f.cut);
    CHECK(f.prompt_tokens + 256 <= 2048);
    CHECK(f.prompt_tokens > 1024); /* the window is used, not emptied */
    CHECK(f.req.context_text && *f.req.context_text);
    CHECK(strncmp(f.req.context_text, text, 20) == 0); /* the same rendering, shorter */
    CHECK(json_array_size(f.req.history) < 20);
    CHECK(json_array_size(f.req.history) > 0);
    /* The newest turns are the ones kept. */
    CHECK(json_equal(json_array_get(f.req.history, json_array_size(f.req.history) - 1),
                     json_array_get(hist, 19)));
    CHECK_EQ_STR(f.req.user_text, "How much did I spend?");
    provider_fit_release(&f);

    /* Without the document, the text is cut at a line end. */
    r.context = NULL;
    provider_fit(&f, &r, 2048);
    CHECK(f.cut && f.prompt_tokens + 256 <= 2048);
    CHECK(strlen(f.req.context_text) > 0 &&
          f.req.context_text[strlen(f.req.context_text) - 1] == '\n');
    provider_fit_release(&f);

    /* A question longer than the window leaves no context and no history. */
    big_q = malloc(9001);
    memset(big_q, 'q', 9000);
    big_q[9000] = '\0';
    r.user_text = big_q;
    provider_fit(&f, &r, 2048);
    CHECK(f.cut);
    CHECK_EQ_STR(f.req.context_text, "");
    CHECK_EQ_INT(json_array_size(f.req.history), 0);
    provider_fit_release(&f);
    r.user_text = "How much did I spend?";
    r.context = ctx;

    /* The local provider's request is fitted to FINCHAT_LOCAL_CONTEXT_TOKENS. */
    config(&c, "local,analyst");
    c.local_url = "http://127.0.0.1:18081/v1";
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);
    CHECK_EQ_INT(p[0].ctx_tokens, 2048);
    CHECK_EQ_INT(provider_http_build(&p[0], &r, &h), 0);
    CHECK(h.fitted);
    CHECK(content_bytes(h.body) <= (size_t)(2048 - 256) * 3);
    CHECK(content_bytes(h.body) > 3000);
    provider_http_release(&h);
    provider_chain_free(p, n);

    free(big_q);
    free(text);
    json_decref(hist);
    json_decref(ctx);
}

TEST_MAIN(test_chain, test_messages, test_http, test_streams, test_error_body, test_fit)
