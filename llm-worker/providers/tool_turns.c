/* tool_turns.c - checks of the provider-neutral tool rounds, and the "function" tool list. */
#include "llm-worker/providers/tool_turns.h"

#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *role_of(const json_t *turn)
{
    return json_string_value(json_object_get(turn, "role"));
}

static bool optional_string(const json_t *v)
{
    return !v || json_is_null(v) || json_is_string(v);
}

/* Checks one call of an assistant turn: id, name, arguments (and arguments_text). */
static int check_call(const json_t *call, size_t turn, size_t k, char *errbuf, unsigned errlen)
{
    const char *id = json_string_value(json_object_get(call, "id"));

    if (!json_is_object(call) || !id || !*id) {
        snprintf(errbuf, errlen, "tool turn %zu: call %zu has no id", turn, k);
        return FC_EINVAL;
    }
    if (!json_is_string(json_object_get(call, "name")) ||
        !json_is_object(json_object_get(call, "arguments")) ||
        !optional_string(json_object_get(call, "arguments_text"))) {
        snprintf(errbuf, errlen, "tool turn %zu: call %.64s needs a name and an arguments object",
                 turn, id);
        return FC_EINVAL;
    }
    return 0;
}

static int check_assistant(const json_t *turn, size_t i, char *errbuf, unsigned errlen)
{
    const json_t *calls = json_object_get(turn, "calls");
    size_t n = json_array_size(calls);
    int rc;

    if (!optional_string(json_object_get(turn, "content"))) {
        snprintf(errbuf, errlen, "tool turn %zu: content is not a string", i);
        return FC_EINVAL;
    }
    if (!json_is_array(calls) || n == 0 || n > TOOL_TURNS_CALLS_MAX) {
        snprintf(errbuf, errlen, "tool turn %zu: calls is not an array of 1..%d calls", i,
                 TOOL_TURNS_CALLS_MAX);
        return FC_EINVAL;
    }
    for (size_t k = 0; k < n; k++) {
        const json_t *call = json_array_get(calls, k);

        rc = check_call(call, i, k, errbuf, errlen);
        if (rc)
            return rc;
        for (size_t j = 0; j < k; j++) {
            if (strcmp(json_string_value(json_object_get(json_array_get(calls, j), "id")),
                       json_string_value(json_object_get(call, "id"))) == 0) {
                snprintf(errbuf, errlen, "tool turn %zu: call id %.64s is repeated", i,
                         json_string_value(json_object_get(call, "id")));
                return FC_EINVAL;
            }
        }
    }
    return 0;
}

/* Checks a tool turn against the calls of the round (@calls, NULL before any) and marks
 * the call it answers in @answered. */
static int check_result(const json_t *turn, size_t i, const json_t *calls, bool *answered,
                        char *errbuf, unsigned errlen)
{
    const char *id = json_string_value(json_object_get(turn, "id"));
    json_t *is_error = json_object_get(turn, "is_error");
    size_t k;

    if (!id || !json_is_string(json_object_get(turn, "content")) ||
        !json_is_string(json_object_get(turn, "name")) ||
        (is_error && !json_is_boolean(is_error))) {
        snprintf(errbuf, errlen, "tool turn %zu: a result needs an id, a name and a content string",
                 i);
        return FC_EINVAL;
    }
    for (k = 0; k < json_array_size(calls); k++)
        if (strcmp(json_string_value(json_object_get(json_array_get(calls, k), "id")), id) == 0)
            break;
    if (k == json_array_size(calls) || answered[k]) {
        snprintf(errbuf, errlen, "tool turn %zu: result %.64s answers no open call of the round", i,
                 id);
        return FC_EINVAL;
    }
    answered[k] = true;
    return 0;
}

/* Fails when a call of the round before turn @i has no result. */
static int check_answered(const json_t *calls, const bool *answered, size_t i, char *errbuf,
                          unsigned errlen)
{
    for (size_t k = 0; k < json_array_size(calls); k++) {
        if (!answered[k]) {
            snprintf(errbuf, errlen, "tool turn %zu: call %.64s has no result before it", i,
                     json_string_value(json_object_get(json_array_get(calls, k), "id")));
            return FC_EINVAL;
        }
    }
    return 0;
}

int tool_turns_check(const json_t *turns, char *errbuf, unsigned errlen)
{
    const json_t *calls = NULL, *turn;
    bool answered[TOOL_TURNS_CALLS_MAX] = {false};
    size_t i;
    int rc = 0;

    if (!turns || json_is_null(turns))
        return 0;
    if (!json_is_array(turns)) {
        snprintf(errbuf, errlen, "tool turns are not an array");
        return FC_EINVAL;
    }
    for (i = 0; i < json_array_size(turns) && rc == 0; i++) {
        const char *role;

        turn = json_array_get(turns, i);
        role = role_of(turn);
        if (role && strcmp(role, "assistant") == 0) {
            rc = check_answered(calls, answered, i, errbuf, errlen);
            if (rc == 0)
                rc = check_assistant(turn, i, errbuf, errlen);
            calls = json_object_get(turn, "calls");
            memset(answered, 0, sizeof(answered));
        } else if (role && strcmp(role, "tool") == 0) {
            rc = check_result(turn, i, calls, answered, errbuf, errlen);
        } else {
            snprintf(errbuf, errlen, "tool turn %zu has no known role", i);
            rc = FC_EINVAL;
        }
    }
    if (rc == 0)
        rc = check_answered(calls, answered, i, errbuf, errlen);
    return rc;
}

const char *tool_turns_text(const json_t *turn)
{
    const char *role = role_of(turn), *text;

    if (!role || strcmp(role, "assistant") != 0)
        return NULL;
    text = json_string_value(json_object_get(turn, "content"));
    return text ? text : "";
}

bool tool_turns_is_result(const json_t *turn)
{
    const char *role = role_of(turn);

    return role && strcmp(role, "tool") == 0;
}

json_t *tool_turns_offer(const json_t *tools, enum tool_turns_shape shape)
{
    json_t *out = json_array(), *tool;
    size_t i;

    json_array_foreach(tools, i, tool)
    {
        json_t *t, *params = json_object_get(tool, "parameters");

        if (!json_is_string(json_object_get(tool, "name")))
            continue;
        t = json_pack("{s:O}", "name", json_object_get(tool, "name"));
        if (json_object_get(tool, "description"))
            json_object_set(t, "description", json_object_get(tool, "description"));
        json_object_set_new(t, shape == TOOL_TURNS_FUNCTION ? "parameters" : "input_schema",
                            params ? json_incref(params) : json_pack("{s:s}", "type", "object"));
        if (shape == TOOL_TURNS_FUNCTION)
            t = json_pack("{s:s, s:o}", "type", "function", "function", t);
        json_array_append_new(out, t);
    }
    return out;
}

json_t *tool_turns_calls(const json_t *turn, tool_turns_map_fn call)
{
    json_t *out = json_array(), *c;
    size_t k;

    json_array_foreach(json_object_get(turn, "calls"), k, c) json_array_append_new(out, call(c));
    return out;
}

void tool_turns_append(json_t *messages, const json_t *turns, tool_turns_map_fn assistant,
                       tool_turns_map_fn result)
{
    const json_t *turn;
    size_t i;

    json_array_foreach(turns, i, turn) json_array_append_new(
        messages, tool_turns_is_result(turn) ? result(turn) : assistant(turn));
}
