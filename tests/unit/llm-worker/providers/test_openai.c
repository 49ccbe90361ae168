/* test_openai.c - OpenAI chat-completions stream chunks and request body. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/providers/openai.h"
#include "llm-worker/providers/tool_turns.h"

static int parse(struct acc *a, const char *data, char *err, unsigned errlen)
{
    return openai_parse_event(data, strlen(data), on_delta, a, err, errlen);
}

static void test_stream(void)
{
    static const char *const chunks[] = {
        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],"
        "\"usage\":null}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" w\\u00f6rld \\\"x\\\"\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":57,\"completion_tokens\":3,"
        "\"total_tokens\":60}}",
    };
    struct acc a = {0};
    char err[256] = "";

    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        CHECK_EQ_INT(parse(&a, chunks[i], err, sizeof(err)), 0);
    CHECK_EQ_STR(a.text, "Hello w\xC3\xB6rld \"x\"");
    CHECK(a.done);
    CHECK_EQ_INT(a.prompt, 57);
    CHECK_EQ_INT(a.completion, 3);
    CHECK_EQ_INT(a.calls, 4); /* the role-only chunk carries nothing */
    a.done = false;
    CHECK_EQ_INT(parse(&a, " [DONE] ", err, sizeof(err)), 0);
    CHECK(a.done);
}

static void test_errors(void)
{
    struct acc a = {0};
    char err[256] = "";

    CHECK_EQ_INT(parse(&a, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"tokens\"}}",
                       err, sizeof(err)),
                 FC_EDEP);
    CHECK(strstr(err, "Rate limit reached") != NULL);
    CHECK_EQ_INT(parse(&a, "{\"error\":\"overloaded\"}", err, sizeof(err)), FC_EDEP);
    CHECK(strstr(err, "overloaded") != NULL);
    CHECK_EQ_INT(parse(&a, "{\"choices\":[{\"delta\":{\"content\":", err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "malformed") != NULL);
    CHECK_EQ_INT(parse(&a, "", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "[1,2]", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "{\"choices\":{}}", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "{\"choices\":[7]}", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "{\"choices\":[{\"delta\":\"x\"}]}", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "{\"choices\":[{\"delta\":{\"content\":5}}]}", err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "{\"usage\":{\"prompt_tokens\":-4,\"completion_tokens\":\"x\"}}", err,
                       sizeof(err)),
                 0);
    CHECK_EQ_INT(a.calls, 0);
    CHECK_EQ_INT(a.len, 0);
}

static int stop(void *ud, const struct provider_delta *d)
{
    (void)ud;
    (void)d;
    return 42;
}

static void test_callback_rc(void)
{
    char err[64];
    const char *c = "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}";

    CHECK_EQ_INT(openai_parse_event(c, strlen(c), stop, NULL, err, sizeof(err)), 42);
}

static void test_body(void)
{
    json_t *msgs = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "system", "content", "rules", "role",
                             "user", "content", "hi");
    char *body = openai_build_body("gpt-x", msgs, 300, NULL, false);
    json_t *j = json_loads(body, 0, NULL);

    CHECK(j != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "model")), "gpt-x");
    CHECK(json_is_true(json_object_get(j, "stream")));
    CHECK(json_is_true(json_object_get(json_object_get(j, "stream_options"), "include_usage")));
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "max_tokens")), 300);
    CHECK(json_equal(json_object_get(j, "messages"), msgs));
    json_decref(j);
    free(body);
    body = openai_build_body("gpt-x", msgs, 0, NULL, false);
    CHECK(strstr(body, "max_tokens") == NULL);
    free(body);
    json_decref(msgs);
}

/* One call whose arguments come in many pieces, as gpt-4o-mini streams it. */
static void test_tool_call_split(void)
{
    static const char *const chunks[] = {
        "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1733,"
        "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
        "\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_Xy12\",\"type\":\"function\","
        "\"function\":{\"name\":\"spending_by_category\",\"arguments\":\"\"}}],\"refusal\":null},"
        "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
        "\"arguments\":\"{\\\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
        "\"arguments\":\"period\"}}]},\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
        "\"arguments\":\"\\\":\\\"\"}}]},\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
        "\"arguments\":\"2025-03\\\"}\"}}]},\"finish_reason\":null}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":"
        "\"tool_calls\"}],\"usage\":null}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":812,\"completion_tokens\":19}}",
    };
    struct acc a = {0};
    char err[256] = "";

    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        CHECK_EQ_INT(parse(&a, chunks[i], err, sizeof(err)), 0);
    CHECK_EQ_STR(a.tools[0].id, "call_Xy12");
    CHECK_EQ_STR(a.tools[0].name, "spending_by_category");
    CHECK_EQ_STR(a.tools[0].args, "{\"period\":\"2025-03\"}");
    CHECK_EQ_INT(a.tools[0].pieces, 5);
    CHECK_EQ_INT(a.len, 0);
    CHECK(a.done);
    CHECK_EQ_INT(a.prompt, 812);
    CHECK_EQ_STR(a.log, "00000du");
}

/* Two parallel calls in one message, then text before a call in another. */
static void test_tool_calls_parallel(void)
{
    static const char *const chunks[] = {
        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
        "\"type\":\"function\",\"function\":{\"name\":\"get_accounts\",\"arguments\":\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{"
        "\"arguments\":\"{}\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\","
        "\"type\":\"function\",\"function\":{\"name\":\"cashflow\",\"arguments\":\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{"
        "\"arguments\":\"{\\\"months\\\":\"}},{\"index\":0,\"function\":{\"arguments\":\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{"
        "\"arguments\":\"6}\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
    };
    struct acc a = {0}, b = {0};
    char err[256] = "";
    const char *mixed =
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me look.\","
        "\"tool_calls\":[{\"index\":0,\"id\":\"call_c\",\"function\":{\"name\":"
        "\"get_budgets\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}";

    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        CHECK_EQ_INT(parse(&a, chunks[i], err, sizeof(err)), 0);
    CHECK_EQ_STR(a.tools[0].id, "call_a");
    CHECK_EQ_STR(a.tools[0].name, "get_accounts");
    CHECK_EQ_STR(a.tools[0].args, "{}");
    CHECK_EQ_STR(a.tools[1].id, "call_b");
    CHECK_EQ_STR(a.tools[1].name, "cashflow");
    CHECK_EQ_STR(a.tools[1].args, "{\"months\":6}");
    CHECK_EQ_STR(a.log, "00111d"); /* the empty piece of call 0 says nothing */
    CHECK(a.done);

    /* Text and a call in one chunk: the text first, the end last. */
    CHECK_EQ_INT(parse(&b, mixed, err, sizeof(err)), 0);
    CHECK_EQ_STR(b.text, "Let me look.");
    CHECK_EQ_STR(b.tools[0].name, "get_budgets");
    CHECK_EQ_STR(b.log, "t0d");
}

static void test_tool_call_errors(void)
{
    static const char *const bad[] = {
        "{\"choices\":[{\"delta\":{\"tool_calls\":{\"index\":0}}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[7]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"name\":\"x\"}}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":\"0\"}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":-1}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":64}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1.5}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":5}}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":\"f\"}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":[1]}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":{}}}]}}"
        "]}",
    };
    struct acc a = {0};
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK_EQ_INT(parse(&a, bad[i], err, sizeof(err)), FC_EINVAL);
        CHECK(strstr(err, "malformed") != NULL);
    }
    CHECK_EQ_INT(a.tool_pieces, 0);
    /* The highest index is fine, and null or empty tool_calls are nothing. */
    CHECK_EQ_INT(parse(&a,
                       "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":63,\"id\":\"c\"}]}}]}",
                       err, sizeof(err)),
                 0);
    CHECK_EQ_INT(a.bad_index, 1);
    CHECK_EQ_INT(parse(&a, "{\"choices\":[{\"delta\":{\"tool_calls\":null,\"content\":\"x\"}}]}",
                       err, sizeof(err)),
                 0);
    CHECK_EQ_INT(parse(&a, "{\"choices\":[{\"delta\":{\"tool_calls\":[],\"content\":\"y\"}}]}", err,
                       sizeof(err)),
                 0);
    CHECK_EQ_STR(a.text, "xy");
}

static json_t *tools_catalogue(void)
{
    return json_pack("[{s:s, s:s, s:{s:s, s:{s:{s:s}}}}, {s:s, s:s, s:{s:s}}]", "name",
                     "spending_by_category", "description", "Spending by category", "parameters",
                     "type", "object", "properties", "period", "type", "string", "name",
                     "get_accounts", "description", "Accounts", "parameters", "type", "object");
}

static void test_body_tools(void)
{
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
    json_t *tools = tools_catalogue(), *j, *t0;
    char *body = openai_build_body("gpt-x", msgs, 0, tools, false);

    j = json_loads(body, 0, NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "tools")), 2);
    t0 = json_array_get(json_object_get(j, "tools"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(t0, "type")), "function");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(t0, "function"), "name")),
                 "spending_by_category");
    CHECK(json_equal(json_object_get(json_object_get(t0, "function"), "parameters"),
                     json_object_get(json_array_get(tools, 0), "parameters")));
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(t0, "function"), "description")),
                 "Spending by category");
    CHECK(json_object_get(j, "tool_choice") == NULL);
    CHECK(json_object_get(j, "parallel_tool_calls") == NULL);
    json_decref(j);
    free(body);

    body = openai_build_body("gpt-x", msgs, 0, tools, true);
    j = json_loads(body, 0, NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "tools")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "tool_choice")), "none");
    json_decref(j);
    free(body);

    /* An empty list offers nothing (the API rejects "tools":[]). */
    json_array_clear(tools);
    body = openai_build_body("gpt-x", msgs, 0, tools, true);
    CHECK(strstr(body, "tool") == NULL);
    free(body);
    json_decref(tools);
    json_decref(msgs);
}

static void test_tool_turns(void)
{
    json_t *turns = json_loads(
        "[{\"role\":\"assistant\",\"content\":\"\",\"calls\":["
        "{\"id\":\"call_1\",\"name\":\"get_accounts\",\"arguments\":{},\"arguments_text\":\"{}\"},"
        "{\"id\":\"call_2\",\"name\":\"cashflow\",\"arguments\":{},\"arguments_text\":\"{oops\"}]},"
        "{\"role\":\"tool\",\"id\":\"call_2\",\"name\":\"cashflow\",\"content\":\"{\\\"error\\\":1}"
        "\","
        "\"is_error\":true},"
        "{\"role\":\"tool\",\"id\":\"call_1\",\"name\":\"get_accounts\",\"content\":\"[]\"},"
        "{\"role\":\"assistant\",\"content\":\"One more.\",\"calls\":["
        "{\"id\":\"call_3\",\"name\":\"forecast\",\"arguments\":{\"months\":3},\"arguments_text\":"
        "\"\"}]},"
        "{\"role\":\"tool\",\"id\":\"call_3\",\"name\":\"forecast\",\"content\":\"{}\"}]",
        0, NULL);
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "Q");
    json_t *m, *c;
    char err[128];

    CHECK_EQ_INT(tool_turns_check(turns, err, sizeof(err)), 0);
    openai_add_tool_turns(msgs, turns);
    CHECK_EQ_INT(json_array_size(msgs), 6);
    m = json_array_get(msgs, 1);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "role")), "assistant");
    CHECK(json_is_null(json_object_get(m, "content")));
    CHECK_EQ_INT(json_array_size(json_object_get(m, "tool_calls")), 2);
    c = json_array_get(json_object_get(m, "tool_calls"), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(c, "id")), "call_2");
    CHECK_EQ_STR(json_string_value(json_object_get(c, "type")), "function");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(c, "function"), "name")),
                 "cashflow");
    /* The arguments go back as the model sent them, even when they were not JSON. */
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(c, "function"), "arguments")),
                 "{oops");
    m = json_array_get(msgs, 2);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "role")), "tool");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "tool_call_id")), "call_2");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "content")), "{\"error\":1}");
    m = json_array_get(msgs, 4);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "content")), "One more.");
    /* With no arguments text, the arguments object is sent as its JSON text. */
    c = json_array_get(json_object_get(m, "tool_calls"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(c, "function"), "arguments")),
                 "{\"months\":3}");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, 5), "tool_call_id")),
                 "call_3");
    json_decref(msgs);
    json_decref(turns);
}

TEST_MAIN(test_stream, test_errors, test_callback_rc, test_body, test_tool_call_split,
          test_tool_calls_parallel, test_tool_call_errors, test_body_tools, test_tool_turns)
