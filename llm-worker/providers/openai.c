/* openai.c - OpenAI chat-completions streaming: request body and chunk parsing. */
#include "llm-worker/providers/openai.h"

#include "err.h"
#include "llm-worker/providers/tool_turns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *openai_build_body(const char *model, json_t *messages, int max_tokens, const json_t *tools,
                        bool tools_final)
{
    json_t *body;
    char *text;

    body = json_pack("{s:s, s:O, s:b, s:{s:b}}", "model", model, "messages", messages, "stream", 1,
                     "stream_options", "include_usage", 1);
    if (!body)
        return NULL;
    if (max_tokens > 0)
        json_object_set_new(body, "max_tokens", json_integer(max_tokens));
    if (json_array_size(tools) > 0) {
        json_object_set_new(body, "tools", tool_turns_offer(tools, TOOL_TURNS_FUNCTION));
        if (tools_final)
            json_object_set_new(body, "tool_choice", json_string("none"));
    }
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* One call of an assistant turn in OpenAI's shape; the arguments go back as the model sent
 * them (none sent, as for a tool without parameters: the arguments object's JSON). */
static json_t *wire_call(const json_t *call)
{
    const char *text = json_string_value(json_object_get(call, "arguments_text"));
    char *dumped = NULL;
    json_t *out;

    if (!text || !*text)
        text = dumped = json_dumps(json_object_get(call, "arguments"), JSON_COMPACT);
    out = json_pack("{s:O, s:s, s:{s:O, s:s}}", "id", json_object_get(call, "id"), "type",
                    "function", "function", "name", json_object_get(call, "name"), "arguments",
                    text ? text : "{}");
    free(dumped);
    return out;
}

static json_t *wire_assistant(const json_t *turn)
{
    const char *text = tool_turns_text(turn);

    return json_pack("{s:s, s:o, s:o}", "role", "assistant", "content",
                     text && *text ? json_string(text) : json_null(), "tool_calls",
                     tool_turns_calls(turn, wire_call));
}

static json_t *wire_result(const json_t *turn)
{
    return json_pack("{s:s, s:O, s:O}", "role", "tool", "tool_call_id", json_object_get(turn, "id"),
                     "content", json_object_get(turn, "content"));
}

void openai_add_tool_turns(json_t *messages, const json_t *turns)
{
    tool_turns_append(messages, turns, wire_assistant, wire_result);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads choices[0] into @d, and points *@tool_calls at its delta's tool_calls array (NULL
 * when there is none). Returns 0 or FC_EINVAL with a reason. */
static int parse_choice(const json_t *root, struct provider_delta *d, json_t **tool_calls,
                        char *errbuf, unsigned errlen)
{
    json_t *choices = json_object_get(root, "choices");
    json_t *c0, *delta, *content, *finish, *calls;

    if (!choices || json_is_null(choices))
        return 0;
    if (!json_is_array(choices)) {
        snprintf(errbuf, errlen, "malformed stream chunk: choices is not an array");
        return FC_EINVAL;
    }
    c0 = json_array_get(choices, 0);
    if (!c0)
        return 0;
    if (!json_is_object(c0)) {
        snprintf(errbuf, errlen, "malformed stream chunk: choices[0] is not an object");
        return FC_EINVAL;
    }
    delta = json_object_get(c0, "delta");
    if (delta && !json_is_null(delta) && !json_is_object(delta)) {
        snprintf(errbuf, errlen, "malformed stream chunk: delta is not an object");
        return FC_EINVAL;
    }
    content = json_object_get(delta, "content");
    if (json_is_string(content)) {
        d->text = json_string_value(content);
        d->len = json_string_length(content);
    } else if (content && !json_is_null(content)) {
        snprintf(errbuf, errlen, "malformed stream chunk: delta.content is not a string");
        return FC_EINVAL;
    }
    calls = json_object_get(delta, "tool_calls");
    if (calls && !json_is_null(calls) && !json_is_array(calls)) {
        snprintf(errbuf, errlen, "malformed stream chunk: delta.tool_calls is not an array");
        return FC_EINVAL;
    }
    *tool_calls = json_array_size(calls) > 0 ? calls : NULL;
    finish = json_object_get(c0, "finish_reason");
    if (json_is_string(finish))
        d->done = true;
    return 0;
}

/* Reads one member of delta.tool_calls into @d: {index, id?, type?, function:{name?,
 * arguments?}}. Returns 0 or FC_EINVAL with a reason. */
static int parse_tool_piece(const json_t *piece, struct provider_delta *d, char *errbuf,
                            unsigned errlen)
{
    json_t *fn = json_object_get(piece, "function");
    int rc;

    provider_delta_init(d);
    if (!json_is_object(piece)) {
        snprintf(errbuf, errlen, "malformed stream chunk: a tool call is not an object");
        return FC_EINVAL;
    }
    rc = provider_delta_tool_index(json_object_get(piece, "index"), d, errbuf, errlen);
    if (rc)
        return rc;
    if (fn && !json_is_null(fn) && !json_is_object(fn)) {
        snprintf(errbuf, errlen, "malformed stream chunk: tool call function is not an object");
        return FC_EINVAL;
    }
    rc = provider_delta_string(piece, "id", &d->tool_id, &d->tool_id_len, "tool call id", errbuf,
                               errlen);
    if (rc == 0)
        rc = provider_delta_string(fn, "name", &d->tool_name, &d->tool_name_len, "tool call name",
                                   errbuf, errlen);
    if (rc == 0)
        rc = provider_delta_string(fn, "arguments", &d->tool_args, &d->tool_args_len,
                                   "tool call arguments", errbuf, errlen);
    return rc;
}

/* Calls @fn once per piece of @calls (delta.tool_calls) that carries something. */
static int emit_tool_pieces(const json_t *calls, provider_delta_fn fn, void *ud, char *errbuf,
                            unsigned errlen)
{
    struct provider_delta piece;
    const json_t *c;
    size_t i;
    int rc;

    json_array_foreach(calls, i, c)
    {
        rc = parse_tool_piece(c, &piece, errbuf, errlen);
        if (rc == 0 && (piece.tool_id || piece.tool_name || piece.tool_args_len > 0))
            rc = fn(ud, &piece);
        if (rc)
            return rc;
    }
    return 0;
}

int openai_parse_event(const char *data, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                       unsigned errlen)
{
    struct provider_delta d;
    json_t *root, *usage, *tool_calls = NULL;
    int rc = 0;

    while (len > 0 && is_space(data[0])) {
        data++;
        len--;
    }
    while (len > 0 && is_space(data[len - 1]))
        len--;
    provider_delta_init(&d);
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        d.done = true;
        return fn(ud, &d);
    }
    rc = provider_delta_load(data, len, &root, errbuf, errlen);
    if (rc)
        return rc;
    rc = parse_choice(root, &d, &tool_calls, errbuf, errlen);
    if (rc)
        goto out;
    usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        d.prompt_tokens = provider_delta_count(usage, "prompt_tokens");
        d.completion_tokens = provider_delta_count(usage, "completion_tokens");
    }
    if (tool_calls) {
        rc = provider_delta_emit_text(&d, fn, ud);
        if (rc == 0)
            rc = emit_tool_pieces(tool_calls, fn, ud, errbuf, errlen);
    }
    if (rc == 0)
        rc = provider_delta_emit_rest(&d, fn, ud);
out:
    json_decref(root);
    return rc;
}
