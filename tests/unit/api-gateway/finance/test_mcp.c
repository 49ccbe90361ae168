/* test_mcp.c - the MCP server's answers (mcp_answer()), with a fake tool runner: version
 * negotiation, the tool list in MCP's shape, tool results and tool failures as results,
 * protocol errors as JSON-RPC errors, notifications answered 202 without a body. */
#include "test.h"

#include "toolcat.h"
#include "api-gateway/finance/mcp.h"
#include "api-gateway/http/jsonrpc.h"

#include <stdlib.h>

struct fake {
    int calls;
    char name[64];
    json_t *args;
};

/* get_accounts answers {"items":[]}; "boom" fails as a tool; anything else is unknown. */
static int fake_call(void *ud, const char *name, const json_t *args, json_t **result,
                     struct tool_error *err)
{
    struct fake *f = ud;

    f->calls++;
    snprintf(f->name, sizeof(f->name), "%s", name);
    json_decref(f->args);
    f->args = args ? json_deep_copy(args) : NULL;
    if (strcmp(name, "get_accounts") == 0) {
        *result = json_pack("{s:[]}", "items");
        return 0;
    }
    err->status = strcmp(name, "boom") == 0 ? 400 : 404;
    snprintf(err->code, sizeof(err->code), "%s",
             strcmp(name, "boom") == 0 ? "invalid_arguments" : "unknown_tool");
    snprintf(err->message, sizeof(err->message), "%s",
             strcmp(name, "boom") == 0 ? "limit: must be at most 200" : "no such tool: x");
    snprintf(err->hint, sizeof(err->hint), "try again");
    return -1;
}

/* Answers @text; returns the body (caller decrefs) and the status in *@status. */
static json_t *answer(struct fake *f, const char *text, int *status, bool *session)
{
    struct mcp_reply r;

    mcp_answer(text, strlen(text), fake_call, f, &r);
    *status = r.status;
    if (session)
        *session = r.session;
    return r.body;
}

static const char *version_for(const char *asked)
{
    static char out[32];
    char text[256];
    struct fake f = {0};
    int status;
    bool session;
    json_t *b;

    snprintf(text, sizeof(text),
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
             "\"version\":\"1\"}}}",
             asked);
    b = answer(&f, text, &status, &session);
    CHECK_EQ_INT(status, 200);
    CHECK(session);
    snprintf(out, sizeof(out), "%s",
             json_string_value(json_object_get(json_object_get(b, "result"), "protocolVersion")));
    json_decref(b);
    return out;
}

static void test_initialize(void)
{
    struct fake f = {0};
    int status;
    bool session;
    json_t *b, *res;

    CHECK_EQ_STR(version_for("2025-06-18"), "2025-06-18");
    CHECK_EQ_STR(version_for("2025-03-26"), "2025-03-26");
    CHECK_EQ_STR(version_for("2024-11-05"), "2024-11-05");
    CHECK_EQ_STR(version_for("2099-01-01"), MCP_PROTOCOL_LATEST);
    b = answer(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"i\",\"method\":\"initialize\"}", &status,
               &session);
    res = json_object_get(b, "result");
    CHECK_EQ_INT(status, 200);
    CHECK_EQ_STR(json_string_value(json_object_get(b, "id")), "i");
    CHECK_EQ_STR(json_string_value(json_object_get(res, "protocolVersion")), MCP_PROTOCOL_LATEST);
    CHECK(json_is_false(json_object_get(
        json_object_get(json_object_get(res, "capabilities"), "tools"), "listChanged")));
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(res, "serverInfo"), "name")),
                 "finchat");
    CHECK(json_is_string(json_object_get(json_object_get(res, "serverInfo"), "version")));
    json_decref(b);
}

static void test_notifications_and_ping(void)
{
    struct fake f = {0};
    int status;
    bool session;
    json_t *b;

    b = answer(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &status,
               &session);
    CHECK_EQ_INT(status, 202);
    CHECK(b == NULL);
    CHECK(!session);
    b = answer(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{}}",
               &status, NULL);
    CHECK_EQ_INT(status, 202);
    CHECK(b == NULL);
    b = answer(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", &status, NULL);
    CHECK_EQ_INT(status, 202);
    CHECK(b == NULL);
    b = answer(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", &status, NULL);
    CHECK_EQ_INT(status, 200);
    CHECK(json_is_object(json_object_get(b, "result")) &&
          json_object_size(json_object_get(b, "result")) == 0);
    json_decref(b);
    CHECK_EQ_INT(f.calls, 0);
}

static void test_tools_list(void)
{
    struct fake f = {0};
    int status;
    json_t *b =
        answer(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}", &status, NULL);
    json_t *tools = json_object_get(json_object_get(b, "result"), "tools"), *t;
    size_t i;

    CHECK_EQ_INT(status, 200);
    CHECK_EQ_INT(json_array_size(tools), toolcat_count());
    CHECK_EQ_INT(json_array_size(tools), 11);
    json_array_foreach(tools, i, t)
    {
        CHECK_EQ_STR(json_string_value(json_object_get(t, "name")), toolcat_name((int)i));
        CHECK(json_string_length(json_object_get(t, "description")) > 0);
        CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(t, "inputSchema"), "type")),
                     "object");
        CHECK(json_object_get(t, "parameters") == NULL);
    }
    json_decref(b);
}

static void test_tools_call(void)
{
    struct fake f = {0};
    int status;
    json_t *b, *res, *content;

    b = answer(&f,
               "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
               "\"get_accounts\",\"arguments\":{\"x\":1}}}",
               &status, NULL);
    res = json_object_get(b, "result");
    content = json_array_get(json_object_get(res, "content"), 0);
    CHECK_EQ_INT(status, 200);
    CHECK_EQ_STR(f.name, "get_accounts");
    CHECK(f.args && json_integer_value(json_object_get(f.args, "x")) == 1);
    CHECK_EQ_STR(json_string_value(json_object_get(content, "type")), "text");
    CHECK_EQ_STR(json_string_value(json_object_get(content, "text")), "{\"items\":[]}");
    CHECK(json_is_array(json_object_get(json_object_get(res, "structuredContent"), "items")));
    CHECK(json_is_false(json_object_get(res, "isError")));
    json_decref(b);

    /* No arguments at all: the runner gets NULL. */
    b = answer(&f,
               "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
               "\"get_accounts\"}}",
               &status, NULL);
    CHECK(f.args == NULL);
    json_decref(b);

    /* A tool's failure is a result with isError. */
    b = answer(&f,
               "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
               "\"boom\",\"arguments\":{}}}",
               &status, NULL);
    res = json_object_get(b, "result");
    CHECK_EQ_INT(status, 200);
    CHECK(json_is_true(json_object_get(res, "isError")));
    CHECK_EQ_STR(
        json_string_value(json_object_get(json_object_get(res, "structuredContent"), "error")),
        "limit: must be at most 200");
    CHECK(strstr(json_string_value(
                     json_object_get(json_array_get(json_object_get(res, "content"), 0), "text")),
                 "\"hint\":\"try again\"") != NULL);
    json_decref(b);
    json_decref(f.args);
}

static int error_code(struct fake *f, const char *text, int *status)
{
    json_t *b = answer(f, text, status, NULL);
    int code = (int)json_integer_value(json_object_get(json_object_get(b, "error"), "code"));

    CHECK(json_object_get(b, "result") == NULL);
    json_decref(b);
    return code;
}

static void test_protocol_errors(void)
{
    struct fake f = {0};
    int status;

    CHECK_EQ_INT(error_code(&f, "{nope", &status), JSONRPC_PARSE_ERROR);
    CHECK_EQ_INT(status, 400);
    CHECK_EQ_INT(error_code(&f, "{\"id\":1,\"method\":\"ping\"}", &status),
                 JSONRPC_INVALID_REQUEST);
    CHECK_EQ_INT(status, 400);
    CHECK_EQ_INT(
        error_code(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}", &status),
        JSONRPC_METHOD_NOT_FOUND);
    CHECK_EQ_INT(status, 200);
    CHECK_EQ_INT(
        error_code(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}", &status),
        JSONRPC_INVALID_PARAMS);
    CHECK_EQ_INT(error_code(&f,
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                            "\"arguments\":{}}}",
                            &status),
                 JSONRPC_INVALID_PARAMS);
    CHECK_EQ_INT(error_code(&f,
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                            "\"name\":\"get_accounts\",\"arguments\":[1]}}",
                            &status),
                 JSONRPC_INVALID_PARAMS);
    CHECK_EQ_INT(f.calls, 0);
    /* An unknown tool is invalid params, not a tool result. */
    CHECK_EQ_INT(error_code(&f,
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                            "\"name\":\"x\"}}",
                            &status),
                 JSONRPC_INVALID_PARAMS);
    CHECK_EQ_INT(status, 200);
    CHECK_EQ_INT(f.calls, 1);
    json_decref(f.args);
}

TEST_MAIN(test_initialize, test_notifications_and_ping, test_tools_list, test_tools_call,
          test_protocol_errors)
