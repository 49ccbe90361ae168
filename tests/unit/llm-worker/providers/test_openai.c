/* test_openai.c - OpenAI chat-completions stream chunks and request body. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/providers/openai.h"

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
    char *body = openai_build_body("gpt-x", msgs, 300);
    json_t *j = json_loads(body, 0, NULL);

    CHECK(j != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "model")), "gpt-x");
    CHECK(json_is_true(json_object_get(j, "stream")));
    CHECK(json_is_true(json_object_get(json_object_get(j, "stream_options"), "include_usage")));
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "max_tokens")), 300);
    CHECK(json_equal(json_object_get(j, "messages"), msgs));
    json_decref(j);
    free(body);
    body = openai_build_body("gpt-x", msgs, 0);
    CHECK(strstr(body, "max_tokens") == NULL);
    free(body);
    json_decref(msgs);
}

TEST_MAIN(test_stream, test_errors, test_callback_rc, test_body)
