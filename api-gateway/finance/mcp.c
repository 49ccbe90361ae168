/* mcp.c - the MCP server of POST /mcp (see mcp.h). */
#include "api-gateway/finance/mcp.h"

#include "toolcat.h"
#include "uuid.h"
#include "api-gateway/http/jsonrpc.h"
#include "api-gateway/http/ops.h"

#include <stdio.h>
#include <string.h>

static const char *const versions[] = {MCP_PROTOCOL_VERSIONS};

static json_t *initialize(const json_t *params)
{
    const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
    const char *version = MCP_PROTOCOL_LATEST;

    for (size_t i = 0; asked && i < sizeof(versions) / sizeof(versions[0]); i++)
        if (strcmp(asked, versions[i]) == 0)
            version = versions[i];
    return json_pack("{s:s,s:{s:{s:b}},s:{s:s,s:s},s:s}", "protocolVersion", version,
                     "capabilities", "tools", "listChanged", 0, "serverInfo", "name", "finchat",
                     "version", FINCHAT_VERSION, "instructions",
                     "Read-only tools over the signed-in user's finchat data: accounts, "
                     "transactions, spending, cash flow, budgets, subscriptions, alerts, "
                     "health score, forecast and what-if simulation. Money is in minor units "
                     "with a currency.");
}

static json_t *tools_list(void)
{
    json_t *list = toolcat_list(), *out = json_array(), *tool;
    size_t i;

    json_array_foreach(list, i, tool)
    {
        json_array_append_new(out, json_pack("{s:O,s:O,s:O}", "name", json_object_get(tool, "name"),
                                             "description", json_object_get(tool, "description"),
                                             "inputSchema", json_object_get(tool, "parameters")));
    }
    json_decref(list);
    return json_pack("{s:o}", "tools", out);
}

/* A tools/call result: the text and the structured content of @value, isError or not. */
static json_t *call_result(json_t *value, bool is_error)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_t *out = json_pack("{s:[{s:s,s:s}],s:o,s:b}", "content", "type", "text", "text",
                            text ? text : "{}", "structuredContent", value, "isError", is_error);

    free(text);
    return out;
}

/* tools/call: the answer to @m, a result or a JSON-RPC error. */
static json_t *tools_call_answer(const struct jsonrpc_msg *m, mcp_tool_fn call, void *ud)
{
    const json_t *name = json_object_get(m->params, "name");
    const json_t *args = json_object_get(m->params, "arguments");
    struct tool_error err;
    json_t *result = NULL;
    char msg[sizeof(err.message) + sizeof(err.hint) + 4];

    if (!json_is_object(m->params) || !json_is_string(name))
        return jsonrpc_error(m->id, JSONRPC_INVALID_PARAMS, "tools/call needs a tool name");
    if (json_is_null(args))
        args = NULL;
    if (args && !json_is_object(args))
        return jsonrpc_error(m->id, JSONRPC_INVALID_PARAMS, "arguments must be an object");
    memset(&err, 0, sizeof(err));
    if (call(ud, json_string_value(name), args, &result, &err) == 0)
        return jsonrpc_result(m->id, call_result(result, false));
    if (strcmp(err.code, "unknown_tool") == 0) {
        snprintf(msg, sizeof(msg), "%s (%s)", err.message, err.hint);
        return jsonrpc_error(m->id, JSONRPC_INVALID_PARAMS, msg);
    }
    return jsonrpc_result(m->id, call_result(tools_error_json(&err), true));
}

static json_t *request_answer(const struct jsonrpc_msg *m, mcp_tool_fn call, void *ud,
                              bool *session)
{
    char msg[200];

    if (strcmp(m->method, "initialize") == 0) {
        *session = true;
        return jsonrpc_result(m->id, initialize(m->params));
    }
    if (strcmp(m->method, "ping") == 0)
        return jsonrpc_result(m->id, json_object());
    if (strcmp(m->method, "tools/list") == 0)
        return jsonrpc_result(m->id, tools_list());
    if (strcmp(m->method, "tools/call") == 0)
        return tools_call_answer(m, call, ud);
    snprintf(msg, sizeof(msg), "method not found: %.100s", m->method);
    return jsonrpc_error(m->id, JSONRPC_METHOD_NOT_FOUND, msg);
}

void mcp_answer(const char *text, size_t len, mcp_tool_fn call, void *ud, struct mcp_reply *out)
{
    struct jsonrpc_msg m;
    json_t *id;
    char err[128];
    int rc = jsonrpc_read(text, len, &m, &id, err, sizeof(err));

    memset(out, 0, sizeof(*out));
    if (rc) {
        out->status = 400;
        out->body = jsonrpc_error(id, rc, err);
        json_decref(id);
        return;
    }
    if (m.kind != JSONRPC_REQUEST) {
        out->status = 202;
    } else {
        out->status = 200;
        out->body = request_answer(&m, call, ud, &out->session);
    }
    jsonrpc_msg_release(&m);
}

/* ---- the route ---- */

static int call_tool(void *ud, const char *name, const json_t *args, json_t **result,
                     struct tool_error *err)
{
    return tools_call(ud, name, args, result, err);
}

static int h_mcp(struct api_req *req, struct api_resp *resp)
{
    struct mcp_reply r;

    mcp_answer(req->raw_body, req->raw_len, call_tool, req, &r);
    if (r.session) {
        char sid[UUID_STR_LEN], line[64 + UUID_STR_LEN];

        uuid_generate(sid);
        snprintf(line, sizeof(line), "Mcp-Session-Id: %s", sid);
        api_header(resp, line);
    }
    if (!r.body) {
        resp->status = r.status;
        return 0;
    }
    return api_json(resp, r.status, r.body);
}

const struct api_route mcp_routes[] = {
    {"POST", "/mcp", h_mcp, ROUTE_APIKEY | ROUTE_RAW_JSON},
    {NULL, NULL, NULL, 0},
};
