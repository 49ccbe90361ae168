/* jsonrpc.h - JSON-RPC 2.0 messages read and written (the wire of MCP, mcp.h).
 *
 * Reads one message from the bytes of an HTTP body: a request (method and id), a
 * notification (method, no id) or a response the client sends back (result or error, no
 * method). Batches (a JSON array) are refused as invalid requests: MCP 2025-06-18 has none.
 * Writes results and errors with the request's id. Pure, no globals: any thread; it reads
 * network input, so it is unit-tested and fuzzed (tests/fuzz/fuzz_jsonrpc.c). */
#ifndef FINCHAT_JSONRPC_H
#define FINCHAT_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

#define JSONRPC_PARSE_ERROR -32700
#define JSONRPC_INVALID_REQUEST -32600
#define JSONRPC_METHOD_NOT_FOUND -32601
#define JSONRPC_INVALID_PARAMS -32602
#define JSONRPC_INTERNAL_ERROR -32603

#define JSONRPC_DEPTH_MAX 32 /* nesting levels of a message */

enum jsonrpc_kind { JSONRPC_REQUEST, JSONRPC_NOTIFICATION, JSONRPC_RESPONSE };

struct jsonrpc_msg {
    enum jsonrpc_kind kind;
    json_t *root;         /* the whole message, owned (jsonrpc_msg_release()) */
    const json_t *id;     /* a string or integer id (borrowed from root); NULL for a notification */
    const char *method;   /* requests and notifications; NULL for a response */
    const json_t *params; /* an object or array, or NULL when absent (borrowed) */
};

/* Reads one message from the @len bytes at @text into @out. Returns 0, or a JSON-RPC error
 * code with a message in @err (@errlen bytes) and *@id_out the id to answer with (a new
 * reference: the message's id when it had a usable one, else JSON null):
 * JSONRPC_PARSE_ERROR for text that is not JSON (or nested deeper than JSONRPC_DEPTH_MAX),
 * JSONRPC_INVALID_REQUEST for JSON that is not a JSON-RPC 2.0 message. */
int jsonrpc_read(const char *text, size_t len, struct jsonrpc_msg *out, json_t **id_out, char *err,
                 size_t errlen);

/* Frees what jsonrpc_read() filled; harmless on a zeroed struct. */
void jsonrpc_msg_release(struct jsonrpc_msg *m);

/* {"jsonrpc":"2.0","id":@id,"result":@result}; takes ownership of @result, borrows @id
 * (NULL: null). */
json_t *jsonrpc_result(const json_t *id, json_t *result);

/* {"jsonrpc":"2.0","id":@id,"error":{"code":@code,"message":@message}}; borrows @id
 * (NULL: null). */
json_t *jsonrpc_error(const json_t *id, int code, const char *message);

#endif
