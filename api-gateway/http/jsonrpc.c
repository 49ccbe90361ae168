/* jsonrpc.c - JSON-RPC 2.0 messages read and written (see jsonrpc.h). */
#include "api-gateway/http/jsonrpc.h"

#include "api-gateway/http/jsonlimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int fail(int code, char *err, size_t errlen, const char *msg)
{
    if (errlen)
        snprintf(err, errlen, "%s", msg);
    return code;
}

/* A usable id: a string or an integer (JSON-RPC also allows null and fractions; MCP does
 * not). */
static bool id_ok(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

int jsonrpc_read(const char *text, size_t len, struct jsonrpc_msg *out, json_t **id_out, char *err,
                 size_t errlen)
{
    json_t *root, *id, *method, *params, *version;
    json_error_t jerr;

    memset(out, 0, sizeof(*out));
    *id_out = NULL;
    if (!text || !json_depth_ok(text, len, JSONRPC_DEPTH_MAX))
        goto parse_error;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root)
        goto parse_error;
    if (!json_is_object(root)) {
        const char *why =
            json_is_array(root) ? "batches are not supported" : "a message must be a JSON object";

        json_decref(root);
        *id_out = json_null();
        return fail(JSONRPC_INVALID_REQUEST, err, errlen, why);
    }
    id = json_object_get(root, "id");
    method = json_object_get(root, "method");
    params = json_object_get(root, "params");
    version = json_object_get(root, "jsonrpc");
    if (json_is_null(params))
        params = NULL;
    *id_out = id_ok(id) ? json_incref(id) : json_null();
    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0)
        goto invalid;
    if (id && !id_ok(id))
        goto invalid;
    if (!method) {
        /* A response to a request of ours (we send none): a result or an error, and an id. */
        bool has_result = json_object_get(root, "result") != NULL;
        bool has_error = json_object_get(root, "error") != NULL;

        if (!id || has_result == has_error)
            goto invalid;
        out->kind = JSONRPC_RESPONSE;
    } else {
        if (!json_is_string(method) || json_string_length(method) == 0 ||
            strlen(json_string_value(method)) != json_string_length(method))
            goto invalid;
        if (params && !json_is_object(params) && !json_is_array(params))
            goto invalid;
        out->kind = id ? JSONRPC_REQUEST : JSONRPC_NOTIFICATION;
        out->method = json_string_value(method);
        out->params = params;
    }
    out->root = root;
    out->id = id;
    json_decref(*id_out);
    *id_out = NULL;
    return 0;
invalid:
    json_decref(root);
    return fail(JSONRPC_INVALID_REQUEST, err, errlen, "not a JSON-RPC 2.0 message");
parse_error:
    *id_out = json_null();
    return fail(JSONRPC_PARSE_ERROR, err, errlen, "the body is not valid JSON");
}

void jsonrpc_msg_release(struct jsonrpc_msg *m)
{
    json_decref(m->root);
    memset(m, 0, sizeof(*m));
}

json_t *jsonrpc_result(const json_t *id, json_t *result)
{
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? (json_t *)id : json_null(),
                     "result", result);
}

json_t *jsonrpc_error(const json_t *id, int code, const char *message)
{
    return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
                     id ? (json_t *)id : json_null(), "error", "code", code, "message", message);
}
