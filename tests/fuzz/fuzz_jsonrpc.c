/* fuzz_jsonrpc.c - libFuzzer target for the JSON-RPC 2.0 reader of MCP
 * (api-gateway/http/jsonrpc.c).
 *
 * The input is a POST /mcp body. A message read must be of a consistent kind (a request has
 * an id and a method, a notification a method and no id, a response an id and no method)
 * and its answer must serialise; a refusal must carry a JSON-RPC error code and an id to
 * answer with (the message's, or null). Built and run by tests/fuzz/run.sh. */
#include "api-gateway/http/jsonrpc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void answer_serialises(json_t *answer)
{
    char *text = json_dumps(answer, JSON_COMPACT);

    if (!text || !strstr(text, "\"jsonrpc\":\"2.0\""))
        abort();
    free(text);
    json_decref(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jsonrpc_msg m;
    json_t *id = NULL;
    char err[128];
    int rc = jsonrpc_read((const char *)data, size, &m, &id, err, sizeof(err));

    if (rc) {
        if ((rc != JSONRPC_PARSE_ERROR && rc != JSONRPC_INVALID_REQUEST) || !id || m.root ||
            !err[0] || !(json_is_null(id) || json_is_string(id) || json_is_integer(id)))
            abort();
        answer_serialises(jsonrpc_error(id, rc, err));
        json_decref(id);
        return 0;
    }
    if (id || !m.root)
        abort();
    switch (m.kind) {
    case JSONRPC_REQUEST:
        if (!m.id || !m.method || !*m.method)
            abort();
        answer_serialises(jsonrpc_result(m.id, json_object()));
        break;
    case JSONRPC_NOTIFICATION:
        if (m.id || !m.method)
            abort();
        break;
    case JSONRPC_RESPONSE:
        if (!m.id || m.method)
            abort();
        break;
    }
    if (m.params && !json_is_object(m.params) && !json_is_array(m.params))
        abort();
    jsonrpc_msg_release(&m);
    return 0;
}
