/* test_ollama.c - Ollama NDJSON framing, lines and request body. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/providers/ollama.h"
#include "llm-worker/providers/tool_turns.h"

static const char stream[] =
    "{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":{\"role\":"
    "\"assistant\",\"content\":\"The \"},\"done\":false}\n"
    "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"sky\"},"
    "\"done\":false}\r\n"
    "\n"
    "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
    "\"done_reason\":\"stop\",\"total_duration\":5,\"prompt_eval_count\":26,\"eval_count\":2}\n";

static void test_stream_any_split(void)
{
    size_t len = strlen(stream);

    for (size_t step = 1; step <= len; step = step < 8 ? step + 1 : step * 2) {
        struct ollama_stream s;
        struct acc a = {0};
        char err[256] = "";
        int rc = 0;

        ollama_stream_init(&s, 0);
        for (size_t i = 0; i < len && rc == 0; i += step)
            rc = ollama_stream_feed(&s, stream + i, len - i < step ? len - i : step, on_delta, &a,
                                    err, sizeof(err));
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(ollama_stream_finish(&s, on_delta, &a, err, sizeof(err)), 0);
        CHECK_EQ_STR(a.text, "The sky");
        CHECK(a.done);
        CHECK_EQ_INT(a.prompt, 26);
        CHECK_EQ_INT(a.completion, 2);
        CHECK_EQ_INT(a.calls, 3);
        ollama_stream_release(&s);
    }
}

static void test_last_line_without_newline(void)
{
    struct ollama_stream s;
    struct acc a = {0};
    char err[256];
    const char *in = "{\"message\":{\"content\":\"x\"},\"done\":true}";

    ollama_stream_init(&s, 0);
    CHECK_EQ_INT(ollama_stream_feed(&s, in, strlen(in), on_delta, &a, err, sizeof(err)), 0);
    CHECK_EQ_INT(a.calls, 0);
    CHECK_EQ_INT(ollama_stream_finish(&s, on_delta, &a, err, sizeof(err)), 0);
    CHECK_EQ_STR(a.text, "x");
    CHECK(a.done);
    ollama_stream_release(&s);
}

static void test_errors(void)
{
    struct ollama_stream s;
    struct acc a = {0};
    char err[256] = "";
    char big[100];

    CHECK_EQ_INT(ollama_parse_line("{\"error\":\"model 'x' not found\"}", 31, on_delta, &a, err,
                                   sizeof(err)),
                 FC_EDEP);
    CHECK(strstr(err, "not found") != NULL);
    CHECK_EQ_INT(ollama_parse_line("{\"message\":", 11, on_delta, &a, err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(ollama_parse_line("[]", 2, on_delta, &a, err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(ollama_parse_line("{\"message\":1}", 13, on_delta, &a, err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(
        ollama_parse_line("{\"message\":{\"content\":[]}}", 26, on_delta, &a, err, sizeof(err)),
        FC_EINVAL);
    CHECK_EQ_INT(ollama_parse_line("{\"done\":\"yes\"}", 14, on_delta, &a, err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(ollama_parse_line("   ", 3, on_delta, &a, err, sizeof(err)), 0);
    CHECK_EQ_INT(a.calls, 0);

    memset(big, 'x', sizeof(big));
    ollama_stream_init(&s, 64);
    CHECK_EQ_INT(ollama_stream_feed(&s, big, sizeof(big), on_delta, &a, err, sizeof(err)),
                 FC_ETOOBIG);
    CHECK_EQ_INT(ollama_stream_feed(&s, "\n", 1, on_delta, &a, err, sizeof(err)), FC_ETOOBIG);
    ollama_stream_release(&s);

    ollama_stream_init(&s, 0);
    CHECK_EQ_INT(ollama_stream_feed(&s, "nope\n{}\n", 8, on_delta, &a, err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(ollama_stream_finish(&s, on_delta, &a, err, sizeof(err)), FC_EINVAL);
    ollama_stream_release(&s);
}

static void test_body(void)
{
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
    char *body = ollama_build_body("llama3.2", msgs, 64, 4096, NULL);
    json_t *j = json_loads(body, 0, NULL);

    CHECK(j != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "model")), "llama3.2");
    CHECK(json_is_true(json_object_get(j, "stream")));
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "options"), "num_predict")),
                 64);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "options"), "num_ctx")),
                 4096);
    CHECK(json_equal(json_object_get(j, "messages"), msgs));
    json_decref(j);
    free(body);
    body = ollama_build_body("llama3.2", msgs, 0, 0, NULL);
    j = json_loads(body, 0, NULL);
    CHECK(j && json_object_get(j, "options") == NULL);
    json_decref(j);
    free(body);
    json_decref(msgs);
}

static int parse_line(struct acc *a, const char *line, char *err, unsigned errlen)
{
    return ollama_parse_line(line, strlen(line), on_delta, a, err, errlen);
}

/* Text, then two calls in one line (as llama3.1 answers), then the done line. */
static void test_tool_calls(void)
{
    static const char body[] =
        "{\"model\":\"llama3.1\",\"message\":{\"role\":\"assistant\",\"content\":\"Sure. \"},"
        "\"done\":false}\n"
        "{\"model\":\"llama3.1\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":"
        "\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":"
        "\"spending_by_category\",\"arguments\":{\"period\":\"2025-03\",\"top\":5}}},"
        "{\"function\":{\"name\":\"get_accounts\",\"arguments\":{}}}]},\"done\":false}\n"
        "{\"model\":\"llama3.1\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
        "\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":300,\"eval_count\":22}\n";
    struct ollama_stream s;
    struct acc a = {0}, b = {0};
    char err[256] = "";
    int rc = 0;

    ollama_stream_init(&s, 0);
    for (size_t i = 0; i < sizeof(body) - 1 && rc == 0; i += 7)
        rc = ollama_stream_feed(&s, body + i, sizeof(body) - 1 - i < 7 ? sizeof(body) - 1 - i : 7,
                                on_delta, &a, err, sizeof(err));
    CHECK_EQ_INT(rc, 0);
    ollama_stream_release(&s);
    CHECK_EQ_STR(a.text, "Sure. ");
    CHECK_EQ_STR(a.tools[0].name, "spending_by_category");
    CHECK_EQ_STR(a.tools[0].args, "{\"period\":\"2025-03\",\"top\":5}");
    CHECK_EQ_STR(a.tools[0].id, ""); /* Ollama has no ids */
    CHECK_EQ_INT(a.tools[0].pieces, 1);
    CHECK_EQ_STR(a.tools[1].name, "get_accounts");
    CHECK_EQ_STR(a.tools[1].args, "{}");
    CHECK_EQ_STR(a.log, "t01d");
    CHECK_EQ_INT(a.prompt, 300);

    /* Text and a call on one line, ending it: text, call, end. Newer Ollama numbers calls
     * streamed over several lines with function.index; arguments as text pass as they are. */
    CHECK_EQ_INT(parse_line(&b,
                            "{\"message\":{\"content\":\"x\",\"tool_calls\":[{\"id\":\"call_9\","
                            "\"function\":{\"index\":2,\"name\":\"forecast\",\"arguments\":"
                            "\"{bad\"}}]},\"done\":true}",
                            err, sizeof(err)),
                 0);
    CHECK_EQ_STR(b.log, "t2d");
    CHECK_EQ_STR(b.tools[2].id, "call_9");
    CHECK_EQ_STR(b.tools[2].args, "{bad");
}

static void test_tool_errors(void)
{
    static const char *const bad[] = {
        "{\"message\":{\"tool_calls\":{\"function\":{}}}}",
        "{\"message\":{\"tool_calls\":[5]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":\"f\"}]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":{\"arguments\":{}}}]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":{\"name\":7,\"arguments\":{}}}]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"x\",\"arguments\":[1]}}]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"x\"}}]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":{\"index\":64,\"name\":\"x\","
        "\"arguments\":{}}}]}}",
        "{\"message\":{\"tool_calls\":[{\"function\":{\"index\":-1,\"name\":\"x\","
        "\"arguments\":{}}}]}}",
        "{\"message\":{\"tool_calls\":[{\"id\":1,\"function\":{\"name\":\"x\",\"arguments\":{}}}]}"
        "}",
    };
    struct acc a = {0};
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK_EQ_INT(parse_line(&a, bad[i], err, sizeof(err)), FC_EINVAL);
        CHECK(strstr(err, "malformed") != NULL);
    }
    CHECK_EQ_INT(a.calls, 0);
    CHECK_EQ_INT(
        parse_line(&a, "{\"message\":{\"content\":\"k\",\"tool_calls\":null}}", err, sizeof(err)),
        0);
    CHECK_EQ_STR(a.log, "t");
}

static void test_body_tools(void)
{
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
    json_t *tools = json_pack("[{s:s, s:s, s:{s:s}}]", "name", "get_accounts", "description",
                              "Accounts", "parameters", "type", "object");
    json_t *turns = json_loads(
        "[{\"role\":\"assistant\",\"content\":\"\",\"calls\":[{\"id\":\"c0\",\"name\":"
        "\"get_accounts\",\"arguments\":{\"a\":1},\"arguments_text\":\"{\\\"a\\\":1}\"}]},"
        "{\"role\":\"tool\",\"id\":\"c0\",\"name\":\"get_accounts\",\"content\":\"[]\"}]",
        0, NULL);
    char *body = ollama_build_body("llama3.1", msgs, 0, 0, tools), err[128];
    json_t *j = json_loads(body, 0, NULL), *t0, *m, *call;

    t0 = json_array_get(json_object_get(j, "tools"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(t0, "type")), "function");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(t0, "function"), "name")),
                 "get_accounts");
    CHECK(json_is_object(json_object_get(json_object_get(t0, "function"), "parameters")));
    json_decref(j);
    free(body);
    body = ollama_build_body("llama3.1", msgs, 0, 0, NULL);
    CHECK(strstr(body, "tools") == NULL);
    free(body);

    CHECK_EQ_INT(tool_turns_check(turns, err, sizeof(err)), 0);
    ollama_add_tool_turns(msgs, turns);
    CHECK_EQ_INT(json_array_size(msgs), 3);
    m = json_array_get(msgs, 1);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "role")), "assistant");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "content")), "");
    call = json_array_get(json_object_get(m, "tool_calls"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(call, "function"), "name")),
                 "get_accounts");
    /* Arguments go as an object, never as text. */
    CHECK_EQ_INT(json_integer_value(json_object_get(
                     json_object_get(json_object_get(call, "function"), "arguments"), "a")),
                 1);
    CHECK(json_object_get(call, "id") == NULL);
    m = json_array_get(msgs, 2);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "role")), "tool");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "tool_name")), "get_accounts");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "content")), "[]");
    json_decref(turns);
    json_decref(tools);
    json_decref(msgs);
}

TEST_MAIN(test_stream_any_split, test_last_line_without_newline, test_errors, test_body,
          test_tool_calls, test_tool_errors, test_body_tools)
