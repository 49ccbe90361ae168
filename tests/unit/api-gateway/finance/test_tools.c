/* test_tools.c - the tools' side that needs no database: every catalogue tool is mapped to
 * the REST route proto/tools.json names and that route exists; arguments become the query
 * parameters the handlers read; unknown tools and bad arguments are refused with their
 * codes and hints before any handler runs. */
#include "test.h"

#include "err.h"
#include "toolcat.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/tools.h"
#include "api-gateway/http/router.h"

#include <stdlib.h>

static void test_rest_matches_catalogue(void)
{
    json_t *src = json_load_file("proto/tools.json", 0, NULL);
    json_t *list = json_object_get(src, "tools"), *t;
    const struct api_route *const tables[] = {finance_routes, NULL};
    size_t i, n = 0;

    CHECK(json_is_array(list));
    for (const struct tool_rest *r = tools_rest; r->name; r++)
        n++;
    CHECK_EQ_INT(n, json_array_size(list));
    CHECK_EQ_INT(n, toolcat_count());
    json_array_foreach(list, i, t)
    {
        const struct tool_rest *r = &tools_rest[i < n ? i : 0];
        const struct api_route *route = NULL;
        char rest[200], *params[API_MAX_PARAMS];
        int np = 0;

        snprintf(rest, sizeof(rest), "%s %s", r->method, r->path);
        CHECK_EQ_STR(r->name, json_string_value(json_object_get(t, "name")));
        CHECK_EQ_STR(rest, json_string_value(json_object_get(t, "rest")));
        CHECK(toolcat_get(r->name) != NULL);
        CHECK_EQ_INT(router_match(tables, r->method, r->path, strlen(r->path), &route, params, &np),
                     ROUTER_MATCH);
        CHECK(route && strcmp(route->pattern, r->path) == 0);
        CHECK_EQ_INT(np, 0);
    }
    json_decref(src);
}

/* tools_args_query() of the JSON @text with room for @max pairs (released again). */
static int mapped(const char *text, int max)
{
    struct query_kv kv[8];
    json_t *args = json_loads(text, JSON_DECODE_ANY, NULL);
    int n = tools_args_query(args, kv, max);

    if (n > 0)
        query_release(kv, n);
    json_decref(args);
    return n;
}

static void test_args_query(void)
{
    struct query_kv kv[8];
    json_t *args = json_loads("{\"merchant\":\"Target & Co\",\"limit\":5,\"months\":6.0,"
                              "\"rate\":2.5,\"flag\":true,\"off\":false,\"none\":null}",
                              0, NULL);
    int n = tools_args_query(args, kv, 8);

    CHECK_EQ_INT(n, 6);
    CHECK_EQ_STR(kv[0].key, "merchant");
    CHECK_EQ_STR(kv[0].val, "Target & Co"); /* as it is: no URL encoding on this side */
    CHECK_EQ_STR(kv[1].key, "limit");
    CHECK_EQ_STR(kv[1].val, "5");
    CHECK_EQ_STR(kv[2].val, "6"); /* an integral real, as JSON Schema lets integers arrive */
    CHECK_EQ_STR(kv[3].val, "2.5");
    CHECK_EQ_STR(kv[4].val, "true");
    CHECK_EQ_STR(kv[5].key, "off");
    CHECK_EQ_STR(kv[5].val, "false");
    query_release(kv, n);
    json_decref(args);

    CHECK_EQ_INT(tools_args_query(NULL, kv, 8), 0);
    CHECK_EQ_INT(mapped("{}", 8), 0);
    CHECK_EQ_INT(mapped("{\"a\":\"1\",\"b\":[1]}", 8), FC_EINVAL);
    CHECK_EQ_INT(mapped("{\"a\":{\"b\":1}}", 8), FC_EINVAL);
    CHECK_EQ_INT(mapped("{\"a\":1,\"b\":2,\"c\":3}", 2), FC_EINVAL);
    CHECK_EQ_INT(mapped("[1]", 8), FC_EINVAL);
}

/* Refusals happen before any handler, so a request without connections is enough. */
static void test_refusals(void)
{
    struct api_req req;
    struct tool_error err;
    json_t *result = (json_t *)1, *args;

    memset(&req, 0, sizeof(req));
    CHECK_EQ_INT(tools_call(&req, "drop_tables", NULL, &result, &err), FC_ENOTFOUND);
    CHECK(result == NULL);
    CHECK_EQ_INT(err.status, 404);
    CHECK_EQ_STR(err.code, "unknown_tool");
    CHECK(strstr(err.message, "drop_tables") != NULL);
    CHECK(strstr(err.hint, "get_accounts") && strstr(err.hint, "simulate"));
    CHECK_EQ_INT(tools_call(&req, NULL, NULL, &result, &err), FC_ENOTFOUND);

    args = json_loads("{\"limit\":500}", 0, NULL);
    CHECK_EQ_INT(tools_call(&req, "search_transactions", args, &result, &err), FC_EINVAL);
    CHECK_EQ_INT(err.status, 400);
    CHECK_EQ_STR(err.code, "invalid_arguments");
    CHECK(strstr(err.message, "limit") != NULL);
    CHECK(strstr(err.hint, "merchant") && strstr(err.hint, "period"));
    json_decref(args);

    args = json_loads("{\"account_id\":\"1; DROP TABLE users\"}", 0, NULL);
    CHECK_EQ_INT(tools_call(&req, "search_transactions", args, &result, &err), FC_EINVAL);
    CHECK(strstr(err.message, "account_id") != NULL);
    json_decref(args);

    args = json_loads("{\"user_id\":\"6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b\"}", 0, NULL);
    CHECK_EQ_INT(tools_call(&req, "get_accounts", args, &result, &err), FC_EINVAL);
    CHECK(strstr(err.message, "user_id") != NULL);
    CHECK(strstr(err.hint, "no arguments") != NULL);
    json_decref(args);

    args = json_loads("[]", 0, NULL);
    CHECK_EQ_INT(tools_call(&req, "cashflow", args, &result, &err), FC_EINVAL);
    json_decref(args);
    CHECK(result == NULL);
}

static void test_error_json(void)
{
    struct tool_error err = {400, "invalid_arguments", "month: bad", "use YYYY-MM"};
    json_t *j = tools_error_json(&err);

    CHECK_EQ_STR(json_string_value(json_object_get(j, "error")), "month: bad");
    CHECK_EQ_STR(json_string_value(json_object_get(j, "hint")), "use YYYY-MM");
    CHECK_EQ_INT(json_object_size(j), 2);
    json_decref(j);
}

TEST_MAIN(test_rest_matches_catalogue, test_args_query, test_refusals, test_error_json)
