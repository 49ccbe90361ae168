/* test_ollama.c - Ollama NDJSON framing, lines and request body. */
#include "test.h"

#include "delta_acc.h"
#include "err.h"
#include "llm-worker/providers/ollama.h"

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
    char *body = ollama_build_body("llama3.2", msgs, 64, 4096);
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
    body = ollama_build_body("llama3.2", msgs, 0, 0);
    j = json_loads(body, 0, NULL);
    CHECK(j && json_object_get(j, "options") == NULL);
    json_decref(j);
    free(body);
    json_decref(msgs);
}

TEST_MAIN(test_stream_any_split, test_last_line_without_newline, test_errors, test_body)
