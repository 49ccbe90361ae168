/* tools.c - tools answered by the REST handlers, and their routes (see tools.h). */
#include "api-gateway/finance/tools.h"

#include "err.h"
#include "log.h"
#include "strbuf.h"
#include "toolcat.h"
#include "xmalloc.h"
#include "api-gateway/finance/finance_api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct tool_rest tools_rest[] = {
    {"get_accounts", "GET", "/api/v1/accounts", NULL},
    {"search_transactions", "GET", "/api/v1/transactions", "summary=true"},
    {"spending_by_category", "GET", "/api/v1/analytics/categories", NULL},
    {"cashflow", "GET", "/api/v1/analytics/cashflow", NULL},
    {"net_worth_history", "GET", "/api/v1/analytics/networth", NULL},
    {"get_budgets", "GET", "/api/v1/budgets", NULL},
    {"get_subscriptions", "GET", "/api/v1/analytics/subscriptions", NULL},
    {"get_fraud_alerts", "GET", "/api/v1/insights/fraud-alerts", NULL},
    {"get_health_score", "GET", "/api/v1/insights/health-score", NULL},
    {"forecast", "GET", "/api/v1/forecast", NULL},
    {"simulate", "POST", "/api/v1/simulate", NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct tool_rest *rest_of(const char *name)
{
    for (const struct tool_rest *t = tools_rest; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

static const struct api_route *route_of(const struct tool_rest *t)
{
    for (const struct api_route *r = finance_routes; r->method; r++)
        if (strcmp(r->method, t->method) == 0 && strcmp(r->pattern, t->path) == 0)
            return r;
    return NULL;
}

static void set_error(struct tool_error *err, int status, const char *code, const char *message,
                      const char *hint)
{
    err->status = status;
    snprintf(err->code, sizeof(err->code), "%s", code);
    snprintf(err->message, sizeof(err->message), "%s", message);
    snprintf(err->hint, sizeof(err->hint), "%s", hint);
}

/* "the tools are: a, b, c" into @out. */
static void tool_names(char *out, size_t len)
{
    struct strbuf sb;

    strbuf_init(&sb, 256);
    strbuf_addstr(&sb, "the tools are: ");
    for (int i = 0; i < toolcat_count(); i++)
        strbuf_addf(&sb, "%s%s", i ? ", " : "", toolcat_name(i));
    snprintf(out, len, "%s", sb.buf);
    strbuf_release(&sb);
}

/* "arguments of NAME: a, b, c (see its parameters)" into @out. */
static void argument_names(const char *name, char *out, size_t len)
{
    const json_t *props =
        json_object_get(json_object_get(toolcat_get(name), "parameters"), "properties");
    const char *key;
    json_t *v;
    struct strbuf sb;
    int n = 0;

    strbuf_init(&sb, 256);
    strbuf_addf(&sb, "%s takes ", name);
    json_object_foreach((json_t *)props, key, v)
    {
        (void)v;
        strbuf_addf(&sb, "%s%s", n++ ? ", " : "", key);
    }
    if (n == 0)
        strbuf_addstr(&sb, "no arguments: call it with {}");
    else
        strbuf_addstr(&sb, " (all optional); fix the one named and call again");
    snprintf(out, len, "%s", sb.buf);
    strbuf_release(&sb);
}

/* A copy of @args whose integral reals are integers where the schema of tool @name says
 * "integer" (JSON Schema lets 6.0 pass as an integer; the handlers read integers). */
static json_t *normalized_args(const char *name, const json_t *args)
{
    const json_t *props =
        json_object_get(json_object_get(toolcat_get(name), "parameters"), "properties");
    json_t *out = args ? json_deep_copy(args) : json_object();
    const char *key;
    json_t *v;

    json_object_foreach(out, key, v)
    {
        const json_t *type = json_object_get(json_object_get(props, key), "type");

        if (json_is_real(v) && json_is_string(type) &&
            strcmp(json_string_value(type), "integer") == 0 && isfinite(json_real_value(v)) &&
            fabs(json_real_value(v)) < 9.0e15)
            json_object_set_new(out, key, json_integer((json_int_t)json_real_value(v)));
    }
    return out;
}

int tools_args_query(const json_t *args, struct query_kv *out, int max)
{
    const char *key;
    json_t *v;
    int n = 0;

    if (!args)
        return 0;
    if (!json_is_object(args))
        return FC_EINVAL;
    json_object_foreach((json_t *)args, key, v)
    {
        char num[40];
        const char *val;

        if (json_is_null(v))
            continue;
        if (json_is_array(v) || json_is_object(v) || n >= max) {
            query_release(out, n);
            return FC_EINVAL;
        }
        if (json_is_string(v)) {
            val = json_string_value(v);
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            val = num;
        } else if (json_is_real(v)) {
            double d = json_real_value(v);

            if (d == floor(d) && fabs(d) < 9.0e15)
                snprintf(num, sizeof(num), "%lld", (long long)d);
            else
                snprintf(num, sizeof(num), "%.17g", d);
            val = num;
        } else {
            val = json_is_true(v) ? "true" : "false";
        }
        out[n].key = xstrdup(key);
        out[n].val = xstrdup(val);
        n++;
    }
    return n;
}

/* Fills the synthetic request of tool @t from the caller's @req and the arguments @args. */
static int build_request(const struct api_req *req, const struct tool_rest *t, json_t *args,
                         struct api_req *s)
{
    int n;

    memset(s, 0, sizeof(*s));
    s->method = t->method;
    s->path = t->path;
    s->content_type = "application/json";
    snprintf(s->user_id, sizeof(s->user_id), "%s", req->user_id);
    snprintf(s->request_id, sizeof(s->request_id), "%s", req->request_id);
    snprintf(s->ip, sizeof(s->ip), "%s", req->ip);
    snprintf(s->traceparent, sizeof(s->traceparent), "%s", req->traceparent);
    s->pg = req->pg;
    s->mongo = req->mongo;
    s->mongo_db = req->mongo_db;
    s->cfg = req->cfg;
    s->server = req->server;
    if (strcmp(t->method, "GET") != 0) {
        s->body = json_incref(args);
        return 0;
    }
    n = tools_args_query(args, s->query, API_MAX_QUERY - 1);
    if (n < 0)
        return n;
    s->nquery = n;
    if (t->extra)
        s->nquery += query_parse(t->extra, strlen(t->extra), s->query + n, API_MAX_QUERY - n);
    return 0;
}

static void release_request(struct api_req *s)
{
    query_release(s->query, s->nquery);
    json_decref(s->body);
}

static void release_response(struct api_resp *r)
{
    json_decref(r->body);
    for (int i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->raw);
    free(r->stream);
}

/* The hint for a failure of the handler with @status. */
static const char *hint_for(int status, const char *code)
{
    if (status == 404)
        return "an id given is not one of this user's: take account ids from get_accounts";
    if (status >= 500 || strcmp(code, "dependency_down") == 0)
        return "the data cannot be read right now: answer without this figure or try later";
    return "check the arguments against the tool's parameters and call again";
}

/* Turns the handler's answer @r into the result or the error. */
static int take_answer(struct api_resp *r, json_t **result, struct tool_error *err)
{
    json_t *e = json_object_get(r->body, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));

    if (r->status >= 200 && r->status < 300 && r->raw)
        *result = json_loadb(r->raw, r->raw_len, 0, NULL);
    else if (r->status >= 200 && r->status < 300 && json_is_object(r->body))
        *result = json_incref(r->body);
    if (*result)
        return 0;
    if (r->status >= 200 && r->status < 300)
        r->status = 500;
    if (!code)
        code = r->status >= 500 ? "internal" : "invalid_arguments";
    set_error(err, r->status, code, msg ? msg : "the tool failed", hint_for(r->status, code));
    return FC_EIO;
}

int tools_call(struct api_req *req, const char *name, const json_t *args, json_t **result,
               struct tool_error *err)
{
    const struct tool_rest *t = name ? rest_of(name) : NULL;
    const struct api_route *route = t ? route_of(t) : NULL;
    struct api_resp resp = {0};
    struct api_req s;
    char msg[256], hint[512];
    json_t *norm;
    int rc;

    *result = NULL;
    memset(err, 0, sizeof(*err));
    if (!route || !toolcat_get(name)) {
        tool_names(hint, sizeof(hint));
        snprintf(msg, sizeof(msg), "no such tool: %.100s", name ? name : "");
        set_error(err, 404, "unknown_tool", msg, hint);
        return FC_ENOTFOUND;
    }
    if (args && !json_is_object(args)) {
        argument_names(name, hint, sizeof(hint));
        set_error(err, 400, "invalid_arguments", "the arguments must be a JSON object", hint);
        return FC_EINVAL;
    }
    if (toolcat_validate(name, args, msg, sizeof(msg)) != 0) {
        argument_names(name, hint, sizeof(hint));
        set_error(err, 400, "invalid_arguments", msg, hint);
        return FC_EINVAL;
    }
    norm = normalized_args(name, args);
    rc = build_request(req, t, norm, &s);
    json_decref(norm);
    if (rc) {
        release_request(&s);
        argument_names(name, hint, sizeof(hint));
        set_error(err, 400, "invalid_arguments", "arguments must be strings, numbers or booleans",
                  hint);
        return FC_EINVAL;
    }
    route->fn(&s, &resp);
    release_request(&s);
    rc = take_answer(&resp, result, err);
    release_response(&resp);
    return rc;
}

json_t *tools_error_json(const struct tool_error *err)
{
    return json_pack("{s:s,s:s}", "error", err->message, "hint", err->hint);
}

/* ---- routes ---- */

static int answer_error(struct api_resp *resp, const struct tool_error *err)
{
    int rc = api_error(resp, err->status, err->code, "%s", err->message);

    json_object_set_new(json_object_get(resp->body, "error"), "hint", json_string(err->hint));
    return rc;
}

static int h_tool_call(struct api_req *req, struct api_resp *resp)
{
    const char *name = req->nparams > 0 ? req->params[0] : "";
    struct tool_error err;
    json_t *result;

    if (req->raw_len && !req->body)
        return api_error(resp, 400, "invalid_json", "the body must be a JSON object");
    if (tools_call(req, name, req->body, &result, &err) != 0)
        return answer_error(resp, &err);
    return api_json(resp, 200, json_pack("{s:s,s:o}", "tool", name, "result", result));
}

static int h_tools_list(struct api_req *req, struct api_resp *resp)
{
    (void)req;
    return api_json(resp, 200, json_pack("{s:o}", "items", toolcat_list()));
}

const struct api_route tools_routes[] = {
    {"GET", "/api/v1/tools", h_tools_list, ROUTE_APIKEY},
    {"POST", "/api/v1/tools/{name}", h_tool_call, ROUTE_APIKEY | ROUTE_TOOLTOKEN},
    {NULL, NULL, NULL, 0},
};
