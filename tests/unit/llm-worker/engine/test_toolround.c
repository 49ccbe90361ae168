/* test_toolround.c - a model round's tool calls: pieces gathered, plans decided, turns built,
 * and the gateway's answers read (toolrun_read_answer). */
#include "test.h"

#include "err.h"
#include "llm-worker/engine/toolround.h"
#include "llm-worker/engine/toolrun.h"

#include <stdlib.h>
#include <string.h>

static int piece(struct toolround *r, int index, const char *id, const char *name, const char *args)
{
    char err[128];

    return toolround_add_call(r, index, id, name, args, err, sizeof(err));
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* A call split over many pieces is put back together; the turn and the plan say the same. */
static void test_split_call(void)
{
    struct toolround r;
    struct toolround_plan plans[TOOLROUND_CALLS_MAX];
    const char *args = "{\"period\":\"2025-03\"}";
    json_t *turn, *call;
    char one[2] = {0};

    toolround_init(&r);
    toolround_add_text(&r, "Let me look. ", 13);
    CHECK_EQ_INT(piece(&r, 0, "call_abc", "spending_by_category", NULL), 0);
    for (size_t i = 0; i < strlen(args); i++) {
        one[0] = args[i];
        CHECK_EQ_INT(piece(&r, 0, NULL, NULL, one), 0);
    }
    CHECK_EQ_INT(r.n, 1);
    turn = toolround_finish(&r, 1, plans);
    CHECK_EQ_STR(str(turn, "role"), "assistant");
    CHECK_EQ_STR(str(turn, "content"), "Let me look. ");
    call = json_array_get(json_object_get(turn, "calls"), 0);
    CHECK_EQ_STR(str(call, "id"), "call_abc");
    CHECK_EQ_STR(str(call, "name"), "spending_by_category");
    CHECK_EQ_STR(str(call, "arguments_text"), args);
    CHECK_EQ_STR(str(json_object_get(call, "arguments"), "period"), "2025-03");
    CHECK_EQ_STR(plans[0].id, "call_abc");
    CHECK(plans[0].error == NULL);
    CHECK_EQ_STR(str(plans[0].args, "period"), "2025-03");
    toolround_plan_release(&plans[0]);
    json_decref(turn);
    toolround_release(&r);
}

/* Parallel calls keep their order; calls without ids (Ollama) get unique ones. */
static void test_parallel_and_ids(void)
{
    struct toolround r;
    struct toolround_plan plans[TOOLROUND_CALLS_MAX];
    json_t *turn;

    toolround_init(&r);
    CHECK_EQ_INT(piece(&r, 0, NULL, "get_accounts", "{}"), 0);
    CHECK_EQ_INT(piece(&r, 1, NULL, "cashflow", "{\"months\":3}"), 0);
    CHECK_EQ_INT(piece(&r, 2, "dup", "get_budgets", "{}"), 0);
    CHECK_EQ_INT(piece(&r, 3, "dup", "get_subscriptions", "{}"), 0);
    turn = toolround_finish(&r, 2, plans);
    CHECK_EQ_STR(plans[0].id, "call_2_1");
    CHECK_EQ_STR(plans[1].id, "call_2_2");
    CHECK_EQ_STR(plans[1].name, "cashflow");
    CHECK_EQ_STR(plans[2].id, "dup");
    CHECK(strcmp(plans[3].id, "dup") != 0);
    for (int i = 0; i < 4; i++) {
        CHECK(plans[i].error == NULL);
        toolround_plan_release(&plans[i]);
    }
    CHECK_EQ_INT(json_array_size(json_object_get(turn, "calls")), 4);
    json_decref(turn);
    toolround_release(&r);
}

/* Unknown tools, malformed and invalid arguments become errors for the model, not calls. */
static void test_bad_calls(void)
{
    struct toolround r;
    struct toolround_plan plans[TOOLROUND_CALLS_MAX];
    json_t *turn;

    toolround_init(&r);
    piece(&r, 0, "a", "get_weather", "{}");
    piece(&r, 1, "b", "cashflow", "{\"months\": 3");
    piece(&r, 2, "c", "cashflow", "[1,2]");
    piece(&r, 3, "d", "cashflow", "{\"months\": 900}");
    piece(&r, 4, "e", "Drop Table", "{}");
    piece(&r, 5, "f", "get_accounts", "");
    turn = toolround_finish(&r, 1, plans);
    CHECK(plans[0].error && strstr(str(plans[0].error, "error"), "unknown tool"));
    CHECK(plans[0].error && strstr(str(plans[0].error, "hint"), "spending_by_category"));
    CHECK(plans[1].error && strstr(str(plans[1].error, "error"), "not valid JSON"));
    CHECK(plans[2].error && strstr(str(plans[2].error, "error"), "not a JSON object"));
    CHECK(plans[3].error && strstr(str(plans[3].error, "error"), "invalid arguments"));
    CHECK_EQ_STR(plans[4].name, "invalid_name");
    CHECK(plans[4].error != NULL);
    CHECK(plans[5].error == NULL); /* no arguments at all: {} */
    CHECK(json_is_object(plans[1].args) && json_object_size(plans[1].args) == 0);
    for (int i = 0; i < 6; i++)
        toolround_plan_release(&plans[i]);
    json_decref(turn);
    toolround_release(&r);
}

/* Limits give errors, never overflows; invalid UTF-8 from a model is repaired. */
static void test_limits(void)
{
    struct toolround r;
    struct toolround_plan plans[TOOLROUND_CALLS_MAX];
    char *big = malloc(TOOLROUND_ARGS_MAX + 2);
    json_t *turn;

    toolround_init(&r);
    for (int i = 0; i < TOOLROUND_CALLS_MAX; i++)
        CHECK_EQ_INT(piece(&r, i, NULL, "get_accounts", "{}"), 0);
    CHECK_EQ_INT(piece(&r, 99, NULL, "get_accounts", "{}"), FC_ETOOBIG);
    toolround_release(&r);
    memset(big, 'x', TOOLROUND_ARGS_MAX + 1);
    big[TOOLROUND_ARGS_MAX + 1] = '\0';
    CHECK_EQ_INT(piece(&r, 0, NULL, "get_accounts", big), FC_ETOOBIG);
    toolround_release(&r);
    free(big);
    piece(&r, 0, "\xff\xfe", "get_\xc3", "{\"q\":\"\xff\"}");
    toolround_add_text(&r, "bad \xe2\x82", 6);
    turn = toolround_finish(&r, 1, plans);
    CHECK(turn != NULL);
    CHECK_EQ_STR(plans[0].id, "call_1_1");
    CHECK(plans[0].error != NULL);
    toolround_plan_release(&plans[0]);
    json_decref(turn);
    toolround_release(&r);
}

/* Results become tool turns; one too large for a prompt becomes an error asking for less. */
static void test_result_turns(void)
{
    json_t *res = json_pack("{s:I}", "total_minor", (json_int_t)123450), *turn, *big;
    char *pad = malloc(TOOLROUND_CONTENT_MAX + 10);

    turn = toolround_result_turn("call_1", "cashflow", res, false);
    CHECK_EQ_STR(str(turn, "role"), "tool");
    CHECK_EQ_STR(str(turn, "content"), "{\"total_minor\":123450}");
    CHECK(json_is_false(json_object_get(turn, "is_error")));
    json_decref(turn);
    memset(pad, 'a', TOOLROUND_CONTENT_MAX + 9);
    pad[TOOLROUND_CONTENT_MAX + 9] = '\0';
    big = json_pack("{s:s}", "s", pad);
    turn = toolround_result_turn("call_2", "search_transactions", big, false);
    CHECK(strstr(str(turn, "content"), "too large") != NULL);
    CHECK(json_is_true(json_object_get(turn, "is_error")));
    json_decref(turn);
    json_decref(big);
    json_decref(res);
    free(pad);
}

/* The gateway's answers: a result, an API error with its hint, anything else. */
static void test_read_answer(void)
{
    const char *okbody = "{\"tool\":\"cashflow\",\"result\":{\"items\":[]}}";
    const char *errbody =
        "{\"error\":{\"code\":\"invalid_arguments\",\"message\":\"months: must be at most 60\","
        "\"hint\":\"months is 1..60\",\"request_id\":\"x\"}}";
    bool ok;
    json_t *r;

    r = toolrun_read_answer(200, okbody, strlen(okbody), &ok);
    CHECK(ok && json_is_array(json_object_get(r, "items")));
    json_decref(r);
    r = toolrun_read_answer(400, errbody, strlen(errbody), &ok);
    CHECK(!ok);
    CHECK(strstr(str(r, "error"), "months: must be at most 60") != NULL);
    CHECK_EQ_STR(str(r, "hint"), "months is 1..60");
    json_decref(r);
    r = toolrun_read_answer(401, "", 0, &ok);
    CHECK(!ok && strstr(str(r, "error"), "not authorised"));
    json_decref(r);
    r = toolrun_read_answer(502, "<html>", 6, &ok);
    CHECK(!ok && strstr(str(r, "error"), "HTTP 502"));
    json_decref(r);
    r = toolrun_read_answer(200, "{\"tool\":1}", 10, &ok); /* 200 without a result */
    CHECK(!ok);
    json_decref(r);
}

TEST_MAIN(test_split_call, test_parallel_and_ids, test_bad_calls, test_limits, test_result_turns,
          test_read_answer)
