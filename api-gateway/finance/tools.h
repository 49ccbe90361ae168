/* tools.h - the assistant's tools executed for a user (SPEC §14), and their REST routes.
 *
 * A tool is answered by THE handler of the REST API that proto/tools.json names in its
 * "rest" (tools_rest[] below, checked against that file by a unit test): tools_call()
 * validates the arguments against the catalogue (toolcat.h), builds a synthetic request for
 * that handler (the caller's user, this thread's connections, the arguments as query
 * parameters of a GET or as the JSON body of POST /simulate) and returns the handler's body.
 * So a tool's figure equals the API's figure for the same question by construction, and no
 * argument can reach another user's rows: the user is the request's, never an argument.
 *
 * Routes (ROUTE_APIKEY):
 *   GET  /api/v1/tools         -> 200 {"items":[{name, description, parameters}]}
 *   POST /api/v1/tools/{name}  body: the arguments object (empty body: {})
 *        -> 200 {"tool":name, "result":{...}}; failures in the SPEC error shape with a
 *           "hint" inside "error": 404 unknown_tool, 400 invalid_arguments, or the
 *           handler's own status and code (404 not_found for another user's account ...).
 *        Also accepts a request's tool token (ROUTE_TOOLTOKEN, auth/tool_token.h): the
 *        worker's way in, acting as the token's user.
 * @locality pool thread (req->pg, req->mongo). */
#ifndef FINCHAT_TOOLS_H
#define FINCHAT_TOOLS_H

#include <jansson.h>

#include "api-gateway/http/api.h"
#include "api-gateway/http/query.h"

/* A tool and the REST route that computes it. */
struct tool_rest {
    const char *name;
    const char *method; /* "GET" or "POST" */
    const char *path;   /* a finance_routes[] pattern */
    const char *extra; /* a fixed query parameter the tool always sends ("summary=true"), or NULL */
};

/* Every tool of the catalogue, NULL-terminated. */
extern const struct tool_rest tools_rest[];

/* Why a call failed: the HTTP status, a snake_case code, the message and a hint for the model. */
struct tool_error {
    int status;
    char code[32];
    char message[512];
    char hint[512];
};

/* Runs tool @name with @args (an object, or NULL for none) for req->user_id. Returns 0 with
 * *@result the result object (a new reference); or a negative FC_E* code with @err filled
 * and *@result NULL: FC_ENOTFOUND, code "unknown_tool" (the hint lists the tools);
 * FC_EINVAL, "invalid_arguments" (the checker's message; the hint names the tool's
 * arguments); FC_EIO, the REST handler's non-2xx status, code and message with a hint
 * (404 not_found for an account id that is not the user's, 503 dependency_down ...). */
int tools_call(struct api_req *req, const char *name, const json_t *args, json_t **result,
               struct tool_error *err);

/* {"error": message, "hint": hint}: a failure as a tool result (what a model is sent). */
json_t *tools_error_json(const struct tool_error *err);

/* Maps the arguments object @args (NULL: none) to query parameters in @out (at most @max),
 * in the object's order: strings as they are, integers (and integral reals) in decimal,
 * other numbers with up to 17 significant digits, booleans as true/false; null values are
 * left out. Returns the number filled (caller releases them with query_release()), or
 * FC_EINVAL for an argument that is an array or object, or more than @max. Pure. */
int tools_args_query(const json_t *args, struct query_kv *out, int max);

/* The routes above. NULL-terminated. */
extern const struct api_route tools_routes[];

#endif
