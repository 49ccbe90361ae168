/* openai.c - OpenAI chat-completions streaming: request body and chunk parsing. */
#include "llm-worker/providers/openai.h"

#include "err.h"

#include <stdio.h>
#include <string.h>

char *openai_build_body(const char *model, json_t *messages, int max_tokens)
{
    json_t *body;
    char *text;

    body = json_pack("{s:s, s:O, s:b, s:{s:b}}", "model", model, "messages", messages, "stream", 1,
                     "stream_options", "include_usage", 1);
    if (!body)
        return NULL;
    if (max_tokens > 0)
        json_object_set_new(body, "max_tokens", json_integer(max_tokens));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads choices[0] into @d. Returns 0 or FC_EINVAL with a reason. */
static int parse_choice(const json_t *root, struct provider_delta *d, char *errbuf, unsigned errlen)
{
    json_t *choices = json_object_get(root, "choices");
    json_t *c0, *delta, *content, *finish;

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
    finish = json_object_get(c0, "finish_reason");
    if (json_is_string(finish))
        d->done = true;
    return 0;
}

int openai_parse_event(const char *data, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                       unsigned errlen)
{
    struct provider_delta d;
    json_t *root, *usage;
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
    rc = parse_choice(root, &d, errbuf, errlen);
    if (rc)
        goto out;
    usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        d.prompt_tokens = provider_delta_count(usage, "prompt_tokens");
        d.completion_tokens = provider_delta_count(usage, "completion_tokens");
    }
    if (d.len > 0 || d.done || d.prompt_tokens >= 0 || d.completion_tokens >= 0)
        rc = fn(ud, &d);
out:
    json_decref(root);
    return rc;
}
