/* test_provider.c - the provider chain (names, configuration, URLs), the prompt layout, the
 * HTTP request of each protocol, stream decoding through provider_stream, error bodies. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/engine/prompt.h"
#include "llm-worker/providers/provider.h"
#include "llm-worker/providers/tool_turns.h"

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

/* Two tool rounds in the neutral form (engine.h), the second with two parallel calls. */
static const char TWO_ROUNDS[] =
    "[{\"role\":\"assistant\",\"content\":\"\",\"calls\":[{\"id\":\"c1\",\"name\":"
    "\"get_accounts\",\"arguments\":{},\"arguments_text\":\"{}\"}]},"
    "{\"role\":\"tool\",\"id\":\"c1\",\"name\":\"get_accounts\",\"content\":\"[]\","
    "\"is_error\":false},"
    "{\"role\":\"assistant\",\"content\":\"Now the details.\",\"calls\":["
    "{\"id\":\"c2\",\"name\":\"cashflow\",\"arguments\":{\"months\":3},"
    "\"arguments_text\":\"{\\\"months\\\":3}\"},"
    "{\"id\":\"c3\",\"name\":\"nope\",\"arguments\":{},\"arguments_text\":\"{x\"}]},"
    "{\"role\":\"tool\",\"id\":\"c3\",\"name\":\"nope\",\"content\":"
    "\"{\\\"error\\\":\\\"unknown tool\\\",\\\"hint\\\":\\\"x\\\"}\",\"is_error\":true},"
    "{\"role\":\"tool\",\"id\":\"c2\",\"name\":\"cashflow\",\"content\":\"{}\"}]";

static json_t *build(const struct provider *p, const struct gen_request *req)
{
    struct provider_http h;
    json_t *body;

    CHECK_EQ_INT(provider_http_build(p, req, &h), 0);
    body = h.body ? json_loads(h.body, 0, NULL) : NULL;
    provider_http_release(&h);
    CHECK(body != NULL);
    return body;
}

static const char *msg_role(json_t *body, size_t i)
{
    return role(json_object_get(body, "messages"), i);
}

static void test_http_tools(void)
{
    struct fc_config c;
    struct provider *p;
    int n;
    char err[128];
    json_t *hist = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "user", "content", "Earlier", "role",
                             "assistant", "content", "Answer");
    json_t *tools =
        json_pack("[{s:s, s:s, s:{s:s}}, {s:s, s:s, s:{s:s}}]", "name", "get_accounts",
                  "description", "Accounts", "parameters", "type", "object", "name", "cashflow",
                  "description", "Cash flow", "parameters", "type", "object");
    json_t *turns = json_loads(TWO_ROUNDS, 0, NULL), *body, *msgs, *m;
    struct gen_request req = {.system = "RULES",
                              .context_text = "ctx",
                              .history = hist,
                              .user_text = "Question?",
                              .tools = tools,
                              .tool_turns = turns};

    config(&c, "openai,anthropic,ollama");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);

    /* OpenAI: system, context, ack, 2 history, question, then 2 + 1 + 2 tool messages. */
    body = build(&p[0], &req);
    msgs = json_object_get(body, "messages");
    CHECK_EQ_INT(json_array_size(msgs), 11);
    CHECK_EQ_STR(content(msgs, 5), "Question?");
    CHECK_EQ_STR(msg_role(body, 6), "assistant");
    CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(msgs, 6), "tool_calls")), 1);
    CHECK_EQ_STR(msg_role(body, 7), "tool");
    CHECK_EQ_STR(content(msgs, 8), "Now the details.");
    CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(msgs, 8), "tool_calls")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 9), "tool_call_id")), "c3");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 10), "tool_call_id")),
                 "c2");
    CHECK_EQ_INT(json_array_size(json_object_get(body, "tools")), 2);
    CHECK(json_object_get(body, "tool_choice") == NULL);
    json_decref(body);
    req.tools_final = true;
    body = build(&p[0], &req);
    CHECK_EQ_STR(json_string_value(json_object_get(body, "tool_choice")), "none");
    CHECK_EQ_INT(json_array_size(json_object_get(body, "tools")), 2);
    json_decref(body);

    /* Anthropic: strict alternation through two rounds; the results of a round in one turn. */
    body = build(&p[1], &req);
    msgs = json_object_get(body, "messages");
    CHECK_EQ_INT(json_array_size(msgs), 9);
    for (size_t i = 0; i < json_array_size(msgs); i++)
        CHECK_EQ_STR(msg_role(body, i), i % 2 ? "assistant" : "user");
    CHECK_EQ_STR(content(msgs, 4), "Question?");
    m = json_object_get(json_array_get(msgs, 7), "content");
    CHECK_EQ_INT(json_array_size(m), 3); /* text and two tool_use blocks */
    CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(msgs, 8), "content")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(body, "tool_choice"), "type")),
                 "none");
    CHECK_EQ_STR(json_string_value(
                     json_object_get(json_array_get(json_object_get(body, "tools"), 1), "name")),
                 "cashflow");
    json_decref(body);

    /* Ollama: the last round offers no tools, but the rounds so far are sent. */
    body = build(&p[2], &req);
    CHECK(json_object_get(body, "tools") == NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(body, "messages")), 11);
    CHECK_EQ_STR(json_string_value(json_object_get(
                     json_array_get(json_object_get(body, "messages"), 10), "tool_name")),
                 "cashflow");
    json_decref(body);
    req.tools_final = false;
    body = build(&p[2], &req);
    CHECK_EQ_INT(json_array_size(json_object_get(body, "tools")), 2);
    json_decref(body);

    /* Tools offered in a first round, no turns yet. */
    req.tool_turns = NULL;
    body = build(&p[1], &req);
    CHECK_EQ_INT(json_array_size(json_object_get(body, "messages")), 5);
    CHECK_EQ_INT(json_array_size(json_object_get(body, "tools")), 2);
    json_decref(body);

    provider_chain_free(p, n);
    json_decref(turns);
    json_decref(tools);
    json_decref(hist);
}

/* Tool turns that do not fit the neutral form are refused, never sent. */
static void test_tool_turns_check(void)
{
    static const char *const bad[] = {
        "{}",
        "[1]",
        "[{\"role\":\"system\"}]",
        "[{\"role\":\"assistant\",\"calls\":[]}]",
        "[{\"role\":\"assistant\",\"content\":5,\"calls\":[{\"id\":\"a\",\"name\":\"x\","
        "\"arguments\":{}}]},{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\"}]",
        /* a call without its result */
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}}]}]",
        /* a result of no call */
        "[{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\"}]",
        /* a result answering a call of an earlier round */
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}}]},"
        "{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\"},"
        "{\"role\":\"assistant\",\"calls\":[{\"id\":\"b\",\"name\":\"x\",\"arguments\":{}}]},"
        "{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\"}]",
        /* answered twice */
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}}]},"
        "{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\"},"
        "{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\"}]",
        /* a repeated id, arguments not an object, no id, content not a string */
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}},"
        "{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}}]}]",
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":\"{}\"}]}]",
        "[{\"role\":\"assistant\",\"calls\":[{\"name\":\"x\",\"arguments\":{}}]}]",
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}}]},"
        "{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":{}}]",
        "[{\"role\":\"assistant\",\"calls\":[{\"id\":\"a\",\"name\":\"x\",\"arguments\":{}}]},"
        "{\"role\":\"tool\",\"id\":\"a\",\"name\":\"x\",\"content\":\"1\",\"is_error\":1}]",
    };
    struct fc_config c;
    struct provider *p;
    struct provider_http h;
    int n;
    char err[160];
    struct gen_request req = {.user_text = "Q"};
    json_t *good = json_loads(TWO_ROUNDS, 0, NULL);

    CHECK_EQ_INT(tool_turns_check(NULL, err, sizeof(err)), 0);
    CHECK_EQ_INT(tool_turns_check(good, err, sizeof(err)), 0);
    config(&c, "openai");
    CHECK_EQ_INT(provider_chain_new(&c, &p, &n, err, sizeof(err)), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *turns = json_loads(bad[i], 0, NULL);

        err[0] = '\0';
        CHECK(turns != NULL);
        CHECK_EQ_INT(tool_turns_check(turns, err, sizeof(err)), FC_EINVAL);
        CHECK(err[0] != '\0');
        req.tool_turns = turns;
        CHECK_EQ_INT(provider_http_build(&p[0], &req, &h), FC_EINVAL);
        CHECK(h.body == NULL);
        provider_http_release(&h);
        json_decref(turns);
    }
    provider_chain_free(p, n);
    json_decref(good);
}

/* The tool rounds are part of the question: counted, and never cut. */
static void test_fit_tools(void)
{
    json_t *hist = json_array(), *turns = json_loads(TWO_ROUNDS, 0, NULL);
    json_t *big = json_pack("[{s:s,s:s,s:[{s:s,s:s,s:{}}]},{s:s,s:s,s:s,s:s}]", "role", "assistant",
                            "content", "", "calls", "id", "c1", "name", "x", "arguments", "role",
                            "tool", "id", "c1", "name", "x", "content", "");
    char *result = malloc(3001);
    char line[400];
    struct gen_request r = {.system = "S", .history = hist, .user_text = "Q", .max_tokens = 100};
    struct provider_fit f;
    int plain;

    memset(result, '7', 3000);
    result[3000] = '\0';
    json_object_set_new(json_array_get(big, 1), "content", json_string(result));
    for (int i = 0; i < 10; i++) {
        memset(line, 'a' + i, 300);
        line[300] = '\0';
        json_array_append_new(
            hist, json_pack("{s:s, s:s}", "role", i % 2 ? "assistant" : "user", "content", line));
    }
    provider_fit(&f, &r, 100000);
    plain = f.prompt_tokens;
    provider_fit_release(&f);
    r.tool_turns = turns;
    provider_fit(&f, &r, 100000);
    CHECK(f.prompt_tokens > plain);
    CHECK(!f.cut);
    provider_fit_release(&f);

    /* A 3,000-byte tool result in a 2,000-token window: the history makes room for it. */
    r.tool_turns = big;
    provider_fit(&f, &r, 2000);
    CHECK(f.cut);
    CHECK(f.prompt_tokens >= 1000);
    CHECK(f.prompt_tokens + 100 <= 2000);
    CHECK(json_array_size(f.req.history) < 10);
    CHECK(f.req.tool_turns == big);
    provider_fit_release(&f);

    free(result);
    json_decref(big);
    json_decref(turns);
    json_decref(hist);
}

/* Tool calls through the framing of each protocol. */
static void test_tool_streams(void)
{
    static const struct {
        enum provider_kind kind;
        const char *body;
    } cases[] = {
        {PROVIDER_OPENAI,
         "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_0\","
         "\"type\":\"function\",\"function\":{\"name\":\"get_accounts\",\"arguments\":\"\"}}]}}]}"
         "\n\n"
         "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
         "\"arguments\":\"{}\"}}]}}]}\n\n"
         "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: "
         "[DONE]\n\n"},
        {PROVIDER_ANTHROPIC,
         "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
         "\"content_block\":{\"type\":\"tool_use\",\"id\":\"call_0\",\"name\":\"get_accounts\","
         "\"input\":{}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\","
         "\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n"
         "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"},
        {PROVIDER_OLLAMA,
         "{\"message\":{\"content\":\"\",\"tool_calls\":[{\"id\":\"call_0\",\"function\":{"
         "\"name\":\"get_accounts\",\"arguments\":{}}}]},\"done\":false}\n{\"done\":true}\n"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct provider_stream s;
        struct acc a = {0};
        size_t len = strlen(cases[i].body);
        int rc = 0;

        provider_stream_init(&s, cases[i].kind, on_delta, &a);
        for (size_t k = 0; k < len && rc == 0; k += 5)
            rc = provider_stream_feed(&s, cases[i].body + k, len - k < 5 ? len - k : 5);
        if (rc == 0)
            rc = provider_stream_finish(&s);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(a.tools[0].id, "call_0");
        CHECK_EQ_STR(a.tools[0].name, "get_accounts");
        CHECK_EQ_STR(a.tools[0].args, "{}");
        CHECK(a.done);
        provider_stream_release(&s);
    }
}

TEST_MAIN(test_chain, test_messages, test_http, test_streams, test_error_body, test_fit,
          test_http_tools, test_tool_turns_check, test_fit_tools, test_tool_streams)
