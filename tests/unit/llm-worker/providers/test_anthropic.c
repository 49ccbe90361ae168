/* test_anthropic.c - Anthropic Messages stream events and request body. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/providers/anthropic.h"
#include "llm-worker/providers/tool_turns.h"

static int parse(struct acc *a, const char *event, const char *data, char *err, unsigned errlen)
{
    return anthropic_parse_event(event, data, strlen(data), on_delta, a, err, errlen);
}

static void test_stream(void)
{
    static const char *const events[][2] = {
        {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
                          "\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{"
                          "\"input_tokens\":25,\"output_tokens\":1}}}"},
        {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                                "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
        {"ping", "{\"type\": \"ping\"}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
                                "\"type\":\"text_delta\",\"text\":\"Hello\"}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
                                "\"type\":\"text_delta\",\"text\":\"!\"}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{"
                                "\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}"},
        {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
        {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                          "\"usage\":{\"output_tokens\":15}}"},
        {"future_event", "{\"type\":\"future_event\",\"x\":[1]}"},
        {"message_stop", "{\"type\":\"message_stop\"}"},
    };
    struct acc a = {0};
    char err[256] = "";

    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        CHECK_EQ_INT(parse(&a, events[i][0], events[i][1], err, sizeof(err)), 0);
    CHECK_EQ_STR(a.text, "Hello!");
    CHECK_EQ_INT(a.prompt, 25);
    CHECK_EQ_INT(a.completion, 15);
    CHECK(a.done);
    CHECK_EQ_INT(a.calls, 6); /* the input_json_delta of block 1 is a tool piece */
    CHECK_EQ_STR(a.tools[1].args, "{");
}

static void test_type_from_event_name(void)
{
    struct acc a = {0};
    char err[64];

    CHECK_EQ_INT(parse(&a, "message_stop", "{}", err, sizeof(err)), 0);
    CHECK(a.done);
}

static void test_errors(void)
{
    struct acc a = {0};
    char err[256] = "";

    CHECK_EQ_INT(parse(&a, "error",
                       "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                       "\"message\":\"Overloaded\"}}",
                       err, sizeof(err)),
                 FC_EDEP);
    CHECK(strstr(err, "Overloaded") != NULL);
    CHECK(strstr(err, "overloaded_error") != NULL);
    CHECK_EQ_INT(parse(&a, "", "{\"type\":\"content_block_delta\"", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "", "\"str\"", err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "", "{\"type\":\"content_block_delta\",\"delta\":3}", err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "",
                       "{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\"}}",
                       err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(parse(&a, "", "{\"type\":\"message_start\",\"message\":7}", err, sizeof(err)), 0);
    CHECK_EQ_INT(a.calls, 0);
}

static void test_body(void)
{
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
    char *body = anthropic_build_body("claude-x", "rules", msgs, 0, NULL, false);
    json_t *j = json_loads(body, 0, NULL);

    CHECK(j != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "model")), "claude-x");
    CHECK_EQ_STR(json_string_value(json_object_get(j, "system")), "rules");
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "max_tokens")),
                 ANTHROPIC_DEFAULT_MAX_TOKENS);
    CHECK(json_is_true(json_object_get(j, "stream")));
    CHECK(json_equal(json_object_get(j, "messages"), msgs));
    json_decref(j);
    free(body);
    body = anthropic_build_body("claude-x", "", msgs, 77, NULL, false);
    CHECK(strstr(body, "system") == NULL);
    CHECK(strstr(body, "\"max_tokens\":77") != NULL);
    free(body);
    json_decref(msgs);
}

/* Text, then two tool_use blocks, as claude streams them (block indexes 0, 1, 2). */
static void test_tool_stream(void)
{
    static const char *const events[][2] = {
        {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":"
                          "\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                          "\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":472,"
                          "\"output_tokens\":2}}}"},
        {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                                "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{"
                                "\"type\":\"text_delta\",\"text\":\"Let me check.\"}}"},
        {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
        {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,"
                                "\"content_block\":{\"type\":\"tool_use\",\"id\":"
                                "\"toolu_01A\",\"name\":\"spending_by_category\",\"input\":{}}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{"
                                "\"type\":\"input_json_delta\",\"partial_json\":\"\"}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{"
                                "\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"peri\"}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{"
                                "\"type\":\"input_json_delta\",\"partial_json\":"
                                "\"od\\\": \\\"last_month\\\"}\"}}"},
        {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"},
        {"content_block_start", "{\"type\":\"content_block_start\",\"index\":2,"
                                "\"content_block\":{\"type\":\"tool_use\",\"id\":"
                                "\"toolu_01B\",\"name\":\"get_accounts\",\"input\":{}}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{"
                                "\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}"},
        {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"},
        {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                          "\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}"},
        {"message_stop", "{\"type\":\"message_stop\"}"},
    };
    struct acc a = {0};
    char err[256] = "";

    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        CHECK_EQ_INT(parse(&a, events[i][0], events[i][1], err, sizeof(err)), 0);
    CHECK_EQ_STR(a.text, "Let me check.");
    CHECK_EQ_STR(a.tools[1].id, "toolu_01A");
    CHECK_EQ_STR(a.tools[1].name, "spending_by_category");
    CHECK_EQ_STR(a.tools[1].args, "{\"period\": \"last_month\"}");
    CHECK_EQ_INT(a.tools[1].pieces, 3); /* the start and two non-empty pieces */
    CHECK_EQ_STR(a.tools[2].id, "toolu_01B");
    CHECK_EQ_STR(a.tools[2].args, "{}");
    CHECK_EQ_INT(a.tools[0].pieces, 0);
    CHECK_EQ_STR(a.log, "ut11122ud");
    CHECK(a.done);
    CHECK_EQ_INT(a.completion, 89);
}

static void test_tool_errors(void)
{
    static const char *const bad[] = {
        "{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\","
        "\"name\":\"x\"}}",
        "{\"type\":\"content_block_start\",\"index\":-1,\"content_block\":{\"type\":\"tool_use\","
        "\"id\":\"t\",\"name\":\"x\"}}",
        "{\"type\":\"content_block_start\",\"index\":64,\"content_block\":{\"type\":\"tool_use\","
        "\"id\":\"t\",\"name\":\"x\"}}",
        "{\"type\":\"content_block_start\",\"index\":\"1\",\"content_block\":{\"type\":"
        "\"tool_use\",\"id\":\"t\",\"name\":\"x\"}}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
        "\"id\":\"t\",\"name\":5}}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
        "\"id\":\"t\"}}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
        "\"id\":[],\"name\":\"x\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
        "\"partial_json\":5}}",
        "{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"input_json_delta\","
        "\"partial_json\":\"{\"}}",
    };
    struct acc a = {0};
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK_EQ_INT(parse(&a, "", bad[i], err, sizeof(err)), FC_EINVAL);
        CHECK(strstr(err, "malformed") != NULL);
    }
    CHECK_EQ_INT(a.calls, 0);
}

static json_t *tools_catalogue(void)
{
    return json_pack("[{s:s, s:s, s:{s:s, s:{s:{s:s}}}}]", "name", "spending_by_category",
                     "description", "Spending by category", "parameters", "type", "object",
                     "properties", "period", "type", "string");
}

static void test_body_tools(void)
{
    json_t *msgs = json_pack("[{s:s,s:s}]", "role", "user", "content", "hi");
    json_t *tools = tools_catalogue(), *j, *t0;
    char *body = anthropic_build_body("claude-x", "rules", msgs, 0, tools, false);

    j = json_loads(body, 0, NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "tools")), 1);
    t0 = json_array_get(json_object_get(j, "tools"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(t0, "name")), "spending_by_category");
    CHECK_EQ_STR(json_string_value(json_object_get(t0, "description")), "Spending by category");
    CHECK(json_equal(json_object_get(t0, "input_schema"),
                     json_object_get(json_array_get(tools, 0), "parameters")));
    CHECK(json_object_get(t0, "parameters") == NULL);
    CHECK(json_object_get(j, "tool_choice") == NULL);
    json_decref(j);
    free(body);

    /* The last round: tools still listed, calls forbidden. */
    body = anthropic_build_body("claude-x", "rules", msgs, 0, tools, true);
    j = json_loads(body, 0, NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "tools")), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(j, "tool_choice"), "type")),
                 "none");
    json_decref(j);
    free(body);
    json_decref(tools);
    json_decref(msgs);
}

static const char *block_type(json_t *msgs, size_t i, size_t k)
{
    json_t *content = json_object_get(json_array_get(msgs, i), "content");

    return json_string_value(json_object_get(json_array_get(content, k), "type"));
}

/* Two tool rounds keep user/assistant alternating, one result turn per round. */
static void test_tool_turns(void)
{
    json_t *turns = json_loads(
        "[{\"role\":\"assistant\",\"content\":\"Checking.\",\"calls\":["
        "{\"id\":\"toolu_1\",\"name\":\"get_accounts\",\"arguments\":{},\"arguments_text\":\"{}\"},"
        "{\"id\":\"toolu_2\",\"name\":\"cashflow\",\"arguments\":{\"months\":6}}]},"
        "{\"role\":\"tool\",\"id\":\"toolu_1\",\"name\":\"get_accounts\",\"content\":\"[]\"},"
        "{\"role\":\"tool\",\"id\":\"toolu_2\",\"name\":\"cashflow\",\"content\":\"{\\\"e\\\":1}\","
        "\"is_error\":true},"
        "{\"role\":\"assistant\",\"content\":\"\",\"calls\":["
        "{\"id\":\"toolu_3\",\"name\":\"forecast\",\"arguments\":{}}]},"
        "{\"role\":\"tool\",\"id\":\"toolu_3\",\"name\":\"forecast\",\"content\":\"{}\"}]",
        0, NULL);
    json_t *msgs = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "role", "user", "content", "data",
                             "role", "assistant", "content", "ack", "role", "user", "content", "Q");
    json_t *b;
    char err[128];

    CHECK_EQ_INT(tool_turns_check(turns, err, sizeof(err)), 0);
    anthropic_add_tool_turns(msgs, turns);
    CHECK_EQ_INT(json_array_size(msgs), 7);
    for (size_t i = 0; i < json_array_size(msgs); i++)
        CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, i), "role")),
                     i % 2 ? "assistant" : "user");
    /* Round 1: text, then two tool_use blocks; one user turn with both results. */
    CHECK_EQ_STR(block_type(msgs, 3, 0), "text");
    CHECK_EQ_STR(block_type(msgs, 3, 1), "tool_use");
    CHECK_EQ_STR(block_type(msgs, 3, 2), "tool_use");
    b = json_array_get(json_object_get(json_array_get(msgs, 3), "content"), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(b, "id")), "toolu_2");
    CHECK_EQ_STR(json_string_value(json_object_get(b, "name")), "cashflow");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(b, "input"), "months")), 6);
    CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(msgs, 4), "content")), 2);
    b = json_array_get(json_object_get(json_array_get(msgs, 4), "content"), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(b, "type")), "tool_result");
    CHECK_EQ_STR(json_string_value(json_object_get(b, "tool_use_id")), "toolu_2");
    CHECK_EQ_STR(json_string_value(json_object_get(b, "content")), "{\"e\":1}");
    CHECK(json_is_true(json_object_get(b, "is_error")));
    b = json_array_get(json_object_get(json_array_get(msgs, 4), "content"), 0);
    CHECK(json_is_false(json_object_get(b, "is_error")));
    /* Round 2: no empty text block. */
    CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(msgs, 5), "content")), 1);
    CHECK_EQ_STR(block_type(msgs, 5, 0), "tool_use");
    CHECK_EQ_STR(block_type(msgs, 6, 0), "tool_result");
    json_decref(msgs);

    /* After an assistant turn (no question text), the round merges into it. */
    msgs = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "user", "content", "data", "role",
                     "assistant", "content", "ack");
    anthropic_add_tool_turns(msgs, turns);
    CHECK_EQ_INT(json_array_size(msgs), 5);
    CHECK_EQ_STR(block_type(msgs, 1, 0), "text");
    CHECK_EQ_STR(block_type(msgs, 1, 1), "text");
    CHECK_EQ_STR(block_type(msgs, 1, 2), "tool_use");
    for (size_t i = 0; i < json_array_size(msgs); i++)
        CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(msgs, i), "role")),
                     i % 2 ? "assistant" : "user");
    json_decref(msgs);
    json_decref(turns);
}

TEST_MAIN(test_stream, test_type_from_event_name, test_errors, test_body, test_tool_stream,
          test_tool_errors, test_body_tools, test_tool_turns)
