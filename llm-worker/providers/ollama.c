/* ollama.c - Ollama native chat streaming: request body, NDJSON framing and parsing. */
#include "llm-worker/providers/ollama.h"

#include "err.h"
#include "llm-worker/providers/tool_turns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ollama_build_body(const char *model, json_t *messages, int max_tokens, int num_ctx,
                        const json_t *tools)
{
    json_t *body, *options;
    char *text;

    body = json_pack("{s:s, s:O, s:b}", "model", model, "messages", messages, "stream", 1);
    if (!body)
        return NULL;
    options = json_object();
    if (max_tokens > 0)
        json_object_set_new(options, "num_predict", json_integer(max_tokens));
    if (num_ctx > 0)
        json_object_set_new(options, "num_ctx", json_integer(num_ctx));
    if (json_object_size(options) > 0)
        json_object_set(body, "options", options);
    json_decref(options);
    if (json_array_size(tools) > 0)
        json_object_set_new(body, "tools", tool_turns_offer(tools, TOOL_TURNS_FUNCTION));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* A call goes back with its arguments as an object; Ollama has no call ids. */
static json_t *wire_call(const json_t *call)
{
    return json_pack("{s:{s:O, s:O}}", "function", "name", json_object_get(call, "name"),
                     "arguments", json_object_get(call, "arguments"));
}

static json_t *wire_assistant(const json_t *turn)
{
    return json_pack("{s:s, s:s, s:o}", "role", "assistant", "content", tool_turns_text(turn),
                     "tool_calls", tool_turns_calls(turn, wire_call));
}

static json_t *wire_result(const json_t *turn)
{
    return json_pack("{s:s, s:O, s:O}", "role", "tool", "content", json_object_get(turn, "content"),
                     "tool_name", json_object_get(turn, "name"));
}

void ollama_add_tool_turns(json_t *messages, const json_t *turns)
{
    tool_turns_append(messages, turns, wire_assistant, wire_result);
}

/* Reads member @i of message.tool_calls into @d; a dumped arguments object is returned in
 * *@dumped (caller frees). Returns 0 or FC_EINVAL with a reason. */
static int read_tool_call(const json_t *call, size_t i, struct provider_delta *d, char **dumped,
                          char *errbuf, unsigned errlen)
{
    const json_t *f = json_object_get(call, "function");
    const json_t *args = json_object_get(f, "arguments");
    json_t *pos = json_integer((json_int_t)i);
    int rc;

    provider_delta_init(d);
    *dumped = NULL;
    if (!json_is_object(f)) {
        snprintf(errbuf, errlen, "malformed stream line: a tool call without a function object");
        rc = FC_EINVAL;
    } else {
        /* Ollama numbers calls streamed over several lines; else the position counts. */
        rc = provider_delta_tool_index(
            json_object_get(f, "index") ? json_object_get(f, "index") : pos, d, errbuf, errlen);
    }
    json_decref(pos);
    if (rc == 0)
        rc = provider_delta_string(call, "id", &d->tool_id, &d->tool_id_len, "tool call id", errbuf,
                                   errlen);
    if (rc == 0)
        rc = provider_delta_string(f, "name", &d->tool_name, &d->tool_name_len, "tool call name",
                                   errbuf, errlen);
    if (rc == 0 && (!d->tool_name || !(json_is_object(args) || json_is_string(args)))) {
        snprintf(errbuf, errlen,
                 "malformed stream line: a tool call needs a name and an arguments object");
        rc = FC_EINVAL;
    }
    if (rc)
        return rc;
    if (json_is_string(args)) {
        d->tool_args = json_string_value(args);
        d->tool_args_len = json_string_length(args);
    } else {
        d->tool_args = *dumped = json_dumps(args, JSON_COMPACT);
        d->tool_args_len = *dumped ? strlen(*dumped) : 0;
    }
    return 0;
}

/* Calls @fn once per member of message.tool_calls (@calls), each a whole call. Returns 0,
 * FC_EINVAL with a reason, or @fn's rc. */
static int emit_tool_calls(const json_t *calls, provider_delta_fn fn, void *ud, char *errbuf,
                           unsigned errlen)
{
    const json_t *call;
    size_t i;

    json_array_foreach(calls, i, call)
    {
        struct provider_delta d;
        char *dumped;
        int rc = read_tool_call(call, i, &d, &dumped, errbuf, errlen);

        if (rc == 0)
            rc = fn(ud, &d);
        free(dumped);
        if (rc)
            return rc;
    }
    return 0;
}

int ollama_parse_line(const char *line, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                      unsigned errlen)
{
    struct provider_delta d;
    json_t *root, *msg, *content, *done, *calls;
    size_t i;
    int rc = 0;

    for (i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            break;
    if (i == len)
        return 0;
    provider_delta_init(&d);
    rc = provider_delta_load(line, len, &root, errbuf, errlen);
    if (rc)
        return rc;
    msg = json_object_get(root, "message");
    if (msg && !json_is_null(msg) && !json_is_object(msg)) {
        snprintf(errbuf, errlen, "malformed stream line: message is not an object");
        rc = FC_EINVAL;
        goto out;
    }
    content = json_object_get(msg, "content");
    if (json_is_string(content)) {
        d.text = json_string_value(content);
        d.len = json_string_length(content);
    } else if (content && !json_is_null(content)) {
        snprintf(errbuf, errlen, "malformed stream line: message.content is not a string");
        rc = FC_EINVAL;
        goto out;
    }
    done = json_object_get(root, "done");
    if (done && !json_is_boolean(done)) {
        snprintf(errbuf, errlen, "malformed stream line: done is not a boolean");
        rc = FC_EINVAL;
        goto out;
    }
    if (json_is_true(done)) {
        d.done = true;
        d.prompt_tokens = provider_delta_count(root, "prompt_eval_count");
        d.completion_tokens = provider_delta_count(root, "eval_count");
    }
    calls = json_object_get(msg, "tool_calls");
    if (calls && !json_is_null(calls) && !json_is_array(calls)) {
        snprintf(errbuf, errlen, "malformed stream line: message.tool_calls is not an array");
        rc = FC_EINVAL;
        goto out;
    }
    if (json_array_size(calls) > 0) {
        rc = provider_delta_emit_text(&d, fn, ud);
        if (rc == 0)
            rc = emit_tool_calls(calls, fn, ud, errbuf, errlen);
    }
    if (rc == 0 && (d.len > 0 || d.done))
        rc = fn(ud, &d);
out:
    json_decref(root);
    return rc;
}

void ollama_stream_init(struct ollama_stream *s, size_t max_line)
{
    memset(s, 0, sizeof(*s));
    strbuf_init(&s->line, 0);
    s->max = max_line ? max_line : OLLAMA_LINE_MAX;
}

void ollama_stream_release(struct ollama_stream *s)
{
    strbuf_release(&s->line);
}

int ollama_stream_feed(struct ollama_stream *s, const char *buf, size_t len, provider_delta_fn fn,
                       void *ud, char *errbuf, unsigned errlen)
{
    size_t i = 0;
    int rc;

    if (s->failed) {
        snprintf(errbuf, errlen, "stream already failed");
        return s->failed;
    }
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;

        if (s->line.len + n > s->max) {
            snprintf(errbuf, errlen, "stream line longer than %zu bytes", s->max);
            return s->failed = FC_ETOOBIG;
        }
        if (!nl) {
            strbuf_add(&s->line, buf + i, n);
            break;
        }
        if (s->line.len == 0) {
            rc = ollama_parse_line(buf + i, n, fn, ud, errbuf, errlen);
        } else {
            strbuf_add(&s->line, buf + i, n);
            rc = ollama_parse_line(s->line.buf, s->line.len, fn, ud, errbuf, errlen);
            strbuf_reset(&s->line);
        }
        if (rc)
            return s->failed = rc;
        i += n + 1;
    }
    return 0;
}

int ollama_stream_finish(struct ollama_stream *s, provider_delta_fn fn, void *ud, char *errbuf,
                         unsigned errlen)
{
    int rc;

    if (s->failed) {
        snprintf(errbuf, errlen, "stream already failed");
        return s->failed;
    }
    if (s->line.len == 0)
        return 0;
    rc = ollama_parse_line(s->line.buf, s->line.len, fn, ud, errbuf, errlen);
    strbuf_reset(&s->line);
    if (rc)
        s->failed = rc;
    return rc;
}
