/* test_jsonrpc.c - JSON-RPC 2.0 messages read from request bodies: requests, notifications
 * and responses told apart; each malformed message refused with the right code and the id
 * to answer with; results and errors written with the request's id. */
#include "test.h"

#include "api-gateway/http/jsonrpc.h"

#include <stdlib.h>

static int read_text(const char *text, struct jsonrpc_msg *m, json_t **id, char *err)
{
    return jsonrpc_read(text, strlen(text), m, id, err, 128);
}

static void test_request_and_notification(void)
{
    struct jsonrpc_msg m;
    json_t *id;
    char err[128];

    CHECK_EQ_INT(
        read_text("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}", &m, &id, err), 0);
    CHECK(id == NULL);
    CHECK_EQ_INT(m.kind, JSONRPC_REQUEST);
    CHECK_EQ_STR(m.method, "tools/list");
    CHECK_EQ_INT(json_integer_value(m.id), 7);
    CHECK(m.params == NULL);
    jsonrpc_msg_release(&m);

    CHECK_EQ_INT(read_text("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"tools/call\","
                           "\"params\":{\"name\":\"get_accounts\"}}",
                           &m, &id, err),
                 0);
    CHECK_EQ_STR(json_string_value(m.id), "a-1");
    CHECK(json_is_object(m.params));
    jsonrpc_msg_release(&m);

    CHECK_EQ_INT(
        read_text("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m, &id, err),
        0);
    CHECK_EQ_INT(m.kind, JSONRPC_NOTIFICATION);
    CHECK(m.id == NULL);
    jsonrpc_msg_release(&m);

    /* params null is as absent. */
    CHECK_EQ_INT(read_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":null}", &m,
                           &id, err),
                 0);
    CHECK(m.params == NULL);
    jsonrpc_msg_release(&m);

    /* A response from the client (to a request of ours). */
    CHECK_EQ_INT(read_text("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", &m, &id, err), 0);
    CHECK_EQ_INT(m.kind, JSONRPC_RESPONSE);
    CHECK(m.method == NULL);
    jsonrpc_msg_release(&m);
    jsonrpc_msg_release(&m); /* twice is harmless */
}

/* Checks that @text is refused with @code and answered with the id @want_id (JSON text). */
static void refused(const char *text, size_t len, int code, const char *want_id)
{
    struct jsonrpc_msg m;
    json_t *id, *want = json_loads(want_id, JSON_DECODE_ANY, NULL);
    char err[128] = "";
    int rc = jsonrpc_read(text, len, &m, &id, err, sizeof(err));

    CHECK_EQ_INT(rc, code);
    if (rc != code)
        fprintf(stderr, "  for %.*s\n", (int)len, text);
    CHECK(id != NULL && json_equal(id, want));
    CHECK(err[0] != '\0');
    CHECK(m.root == NULL);
    json_decref(id);
    json_decref(want);
}

#define REFUSED(text, code, id) refused(text, strlen(text), code, id)

static void test_refused(void)
{
    char deep[200];

    REFUSED("", JSONRPC_PARSE_ERROR, "null");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", JSONRPC_PARSE_ERROR, "null");
    REFUSED("not json", JSONRPC_PARSE_ERROR, "null");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}", JSONRPC_PARSE_ERROR,
            "null");
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    refused(deep, sizeof(deep), JSONRPC_PARSE_ERROR, "null");
    REFUSED("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", JSONRPC_INVALID_REQUEST,
            "null");
    REFUSED("42", JSONRPC_INVALID_REQUEST, "null");
    REFUSED("{\"id\":1,\"method\":\"ping\"}", JSONRPC_INVALID_REQUEST, "1");
    REFUSED("{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"ping\"}", JSONRPC_INVALID_REQUEST,
            "\"x\"");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", JSONRPC_INVALID_REQUEST, "1");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", JSONRPC_INVALID_REQUEST, "1");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":3}",
            JSONRPC_INVALID_REQUEST, "1");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", JSONRPC_INVALID_REQUEST,
            "null");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", JSONRPC_INVALID_REQUEST,
            "null");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":3}", JSONRPC_INVALID_REQUEST, "3");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":1,\"error\":{}}", JSONRPC_INVALID_REQUEST,
            "3");
    REFUSED("{\"jsonrpc\":\"2.0\",\"result\":1}", JSONRPC_INVALID_REQUEST, "null");
    REFUSED("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\\u0000b\"}", JSONRPC_PARSE_ERROR, "null");
}

static void test_writers(void)
{
    json_t *id = json_integer(9);
    json_t *r = jsonrpc_result(id, json_pack("{s:i}", "x", 1));
    json_t *e = jsonrpc_error(NULL, JSONRPC_METHOD_NOT_FOUND, "method not found: x");
    char *rt = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    char *et = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);

    CHECK_EQ_STR(rt, "{\"id\":9,\"jsonrpc\":\"2.0\",\"result\":{\"x\":1}}");
    CHECK_EQ_STR(et, "{\"error\":{\"code\":-32601,\"message\":\"method not found: x\"},\"id\":null,"
                     "\"jsonrpc\":\"2.0\"}");
    free(rt);
    free(et);
    json_decref(r);
    json_decref(e);
    json_decref(id);
}

TEST_MAIN(test_request_and_notification, test_refused, test_writers)
