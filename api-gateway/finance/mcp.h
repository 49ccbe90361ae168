/* mcp.h - the Model Context Protocol server of POST /mcp (SPEC §14): the user's tools for
 * Claude Desktop, IDEs and agent frameworks.
 *
 * Streamable HTTP transport, JSON answers only (no SSE stream: GET and DELETE /mcp are 405
 * with Allow: POST). One JSON-RPC 2.0 message per POST (jsonrpc.h):
 * - initialize: protocolVersion is the client's when it is one of MCP_PROTOCOL_VERSIONS,
 *   else MCP_PROTOCOL_LATEST; capabilities {"tools":{"listChanged":false}}; serverInfo
 *   {name:"finchat", version}. The answer carries an Mcp-Session-Id header (the server keeps
 *   no session state: later requests may send it or not).
 * - ping -> {}; tools/list -> {tools:[{name, description, inputSchema}]} (toolcat.h);
 * - tools/call {name, arguments} -> {content:[{type:"text", text:<result JSON>}],
 *   structuredContent:<result>, isError:false}; a tool's own failure (bad arguments, an
 *   account that is not the user's) is a result with isError:true and {"error","hint"} as
 *   its text, as MCP wants tool errors reported.
 * - notifications and responses from the client -> 202 with no body.
 * Protocol errors are JSON-RPC errors: -32700 parse error and -32600 invalid request (HTTP
 * 400), -32601 method not found, -32602 invalid params (missing name, an unknown tool,
 * arguments that are not an object) with HTTP 200.
 *
 * Authorised by an API key as Bearer (or an access token), ROUTE_APIKEY: a missing or bad
 * one is 401 with WWW-Authenticate. Each tools/call runs tools_call() (tools.h) as that
 * key's user. mcp_answer() is pure given its tool callback, for tests and fuzzing. */
#ifndef FINCHAT_MCP_H
#define FINCHAT_MCP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api-gateway/finance/tools.h"
#include "api-gateway/http/api.h"

#define MCP_PROTOCOL_LATEST "2025-06-18"
#define MCP_PROTOCOL_VERSIONS "2025-06-18", "2025-03-26", "2024-11-05"

/* Runs tool @name with @args (NULL: none) as tools_call() does: 0 with *@result, else the
 * error in @err (code "unknown_tool" for a tool that does not exist). */
typedef int (*mcp_tool_fn)(void *ud, const char *name, const json_t *args, json_t **result,
                           struct tool_error *err);

/* The answer to one POST /mcp body. */
struct mcp_reply {
    int status;   /* 200 or 400 with @body; 202 without */
    json_t *body; /* owned; NULL for 202 */
    bool session; /* an initialize: send an Mcp-Session-Id */
};

/* Answers the message in the @len bytes at @text; tools/call goes to @call with @ud. */
void mcp_answer(const char *text, size_t len, mcp_tool_fn call, void *ud, struct mcp_reply *out);

/* POST /mcp. NULL-terminated. */
extern const struct api_route mcp_routes[];

#endif
