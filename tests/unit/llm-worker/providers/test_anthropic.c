/* test_anthropic.c - Anthropic Messages stream events and request body. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/providers/anthropic.h"

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
    CHECK_EQ_INT(a.calls, 5);
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
    char *body = anthropic_build_body("claude-x", "rules", msgs, 0);
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
    body = anthropic_build_body("claude-x", "", msgs, 77);
    CHECK(strstr(body, "system") == NULL);
    CHECK(strstr(body, "\"max_tokens\":77") != NULL);
    free(body);
    json_decref(msgs);
}

TEST_MAIN(test_stream, test_type_from_event_name, test_errors, test_body)
