/* anthropic.c - Anthropic Messages streaming: request body and event parsing. */
#include "llm-worker/providers/anthropic.h"

#include "err.h"
#include "llm-worker/providers/tool_turns.h"

#include <stdio.h>
#include <string.h>

char *anthropic_build_body(const char *model, const char *system, json_t *messages, int max_tokens,
                           const json_t *tools, bool tools_final)
{
    json_t *body;
    char *text;

    body = json_pack("{s:s, s:O, s:i, s:b}", "model", model, "messages", messages, "max_tokens",
                     max_tokens > 0 ? max_tokens : ANTHROPIC_DEFAULT_MAX_TOKENS, "stream", 1);
    if (!body)
        return NULL;
    if (system && *system)
        json_object_set_new(body, "system", json_string(system));
    if (json_array_size(tools) > 0) {
        json_object_set_new(body, "tools", tool_turns_offer(tools, TOOL_TURNS_INPUT_SCHEMA));
        if (tools_final)
            json_object_set_new(body, "tool_choice", json_pack("{s:s}", "type", "none"));
    }
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* Appends a turn of @role holding the content blocks @blocks (taken), merged into the last
 * turn when it has the same role, so that roles keep alternating. */
static void append_blocks(json_t *messages, const char *role, json_t *blocks)
{
    size_t n = json_array_size(messages);
    json_t *last = n ? json_array_get(messages, n - 1) : NULL;
    const char *last_role = json_string_value(json_object_get(last, "role"));
    json_t *content = json_object_get(last, "content");

    if (!last_role || strcmp(last_role, role) != 0 ||
        !(json_is_string(content) || json_is_array(content))) {
        json_array_append_new(messages, json_pack("{s:s, s:o}", "role", role, "content", blocks));
        return;
    }
    if (json_is_string(content)) {
        json_t *text = json_pack("[{s:s, s:O}]", "type", "text", "text", content);

        json_object_set_new(last, "content", text);
        content = text;
    }
    json_array_extend(content, blocks);
    json_decref(blocks);
}

/* The content blocks of an assistant tool turn: its text (when any), then a tool_use block
 * per call. */
static json_t *tool_use(const json_t *call)
{
    return json_pack("{s:s, s:O, s:O, s:O}", "type", "tool_use", "id", json_object_get(call, "id"),
                     "name", json_object_get(call, "name"), "input",
                     json_object_get(call, "arguments"));
}

static json_t *assistant_blocks(const json_t *turn)
{
    const char *text = tool_turns_text(turn);
    json_t *blocks = json_array(), *uses = tool_turns_calls(turn, tool_use);

    if (text && *text)
        json_array_append_new(blocks, json_pack("{s:s, s:s}", "type", "text", "text", text));
    json_array_extend(blocks, uses);
    json_decref(uses);
    return blocks;
}

void anthropic_add_tool_turns(json_t *messages, const json_t *turns)
{
    json_t *results = NULL, *turn;
    size_t i;

    json_array_foreach(turns, i, turn)
    {
        if (!tool_turns_is_result(turn)) {
            if (results)
                append_blocks(messages, "user", results);
            results = NULL;
            append_blocks(messages, "assistant", assistant_blocks(turn));
            continue;
        }
        if (!results)
            results = json_array();
        json_array_append_new(results,
                              json_pack("{s:s, s:O, s:O, s:b}", "type", "tool_result",
                                        "tool_use_id", json_object_get(turn, "id"), "content",
                                        json_object_get(turn, "content"), "is_error",
                                        json_is_true(json_object_get(turn, "is_error"))));
    }
    if (results)
        append_blocks(messages, "user", results);
}

/* Fills @d from a content_block_start of a tool_use block: its index, id and name. */
static int parse_tool_start(const json_t *root, const json_t *block, struct provider_delta *d,
                            char *errbuf, unsigned errlen)
{
    int rc = provider_delta_tool_index(json_object_get(root, "index"), d, errbuf, errlen);

    if (rc == 0)
        rc = provider_delta_string(block, "id", &d->tool_id, &d->tool_id_len, "tool_use id", errbuf,
                                   errlen);
    if (rc == 0)
        rc = provider_delta_string(block, "name", &d->tool_name, &d->tool_name_len, "tool_use name",
                                   errbuf, errlen);
    if (rc == 0 && !d->tool_name) {
        snprintf(errbuf, errlen, "malformed stream event: tool_use block without a name");
        rc = FC_EINVAL;
    }
    return rc;
}

/* Fills @d from a content_block_delta of type input_json_delta: a piece of the arguments. */
static int parse_tool_delta(const json_t *root, const json_t *delta, struct provider_delta *d,
                            char *errbuf, unsigned errlen)
{
    int rc = provider_delta_tool_index(json_object_get(root, "index"), d, errbuf, errlen);

    if (rc == 0)
        rc = provider_delta_string(delta, "partial_json", &d->tool_args, &d->tool_args_len,
                                   "partial_json", errbuf, errlen);
    if (rc == 0 && !d->tool_args) {
        snprintf(errbuf, errlen, "malformed stream event: input_json_delta without partial_json");
        rc = FC_EINVAL;
    }
    if (d->tool_args_len == 0)
        d->tool_index = -1; /* an empty piece (the API starts with one) says nothing */
    return rc;
}

/* Fills @d from a content_block_delta (or a content_block_start carrying text). */
static int parse_text(const json_t *block, struct provider_delta *d, char *errbuf, unsigned errlen)
{
    const char *type;
    json_t *text;

    if (!json_is_object(block)) {
        snprintf(errbuf, errlen, "malformed stream event: content block is not an object");
        return FC_EINVAL;
    }
    type = json_string_value(json_object_get(block, "type"));
    if (!type || (strcmp(type, "text_delta") != 0 && strcmp(type, "text") != 0))
        return 0; /* thinking and future kinds carry no answer text */
    text = json_object_get(block, "text");
    if (!json_is_string(text)) {
        snprintf(errbuf, errlen, "malformed stream event: %s without a text string", type);
        return FC_EINVAL;
    }
    d->text = json_string_value(text);
    d->len = json_string_length(text);
    return 0;
}

/* Fills @d from a content block or delta (@root's @key): text, a tool_use start or a piece
 * of tool input; thinking and future kinds carry nothing. */
static int parse_block(const json_t *root, const char *key, struct provider_delta *d, char *errbuf,
                       unsigned errlen)
{
    const json_t *block = json_object_get(root, key);
    const char *type = json_string_value(json_object_get(block, "type"));

    if (type && strcmp(type, "tool_use") == 0)
        return parse_tool_start(root, block, d, errbuf, errlen);
    if (type && strcmp(type, "input_json_delta") == 0)
        return parse_tool_delta(root, block, d, errbuf, errlen);
    return parse_text(block, d, errbuf, errlen);
}

int anthropic_parse_event(const char *event, const char *data, size_t len, provider_delta_fn fn,
                          void *ud, char *errbuf, unsigned errlen)
{
    struct provider_delta d;
    json_t *root, *usage;
    const char *type;
    int rc;

    provider_delta_init(&d);
    rc = provider_delta_load(data, len, &root, errbuf, errlen);
    if (rc)
        return rc;
    type = json_string_value(json_object_get(root, "type"));
    if (!type)
        type = event ? event : "";
    if (strcmp(type, "error") == 0) {
        provider_delta_error(NULL, errbuf, errlen); /* an error event without its object */
        rc = FC_EDEP;
    } else if (strcmp(type, "message_start") == 0) {
        usage = json_object_get(json_object_get(root, "message"), "usage");
        d.prompt_tokens = provider_delta_count(usage, "input_tokens");
    } else if (strcmp(type, "content_block_start") == 0) {
        rc = parse_block(root, "content_block", &d, errbuf, errlen);
    } else if (strcmp(type, "content_block_delta") == 0) {
        rc = parse_block(root, "delta", &d, errbuf, errlen);
    } else if (strcmp(type, "message_delta") == 0) {
        usage = json_object_get(root, "usage");
        d.completion_tokens = provider_delta_count(usage, "output_tokens");
    } else if (strcmp(type, "message_stop") == 0) {
        d.done = true;
    }
    if (rc == 0 && (d.len > 0 || d.done || d.prompt_tokens >= 0 || d.completion_tokens >= 0 ||
                    d.tool_index >= 0))
        rc = fn(ud, &d);
    json_decref(root);
    return rc;
}
