/* anthropic.c - Anthropic Messages streaming: request body and event parsing. */
#include "llm-worker/providers/anthropic.h"

#include "err.h"

#include <stdio.h>
#include <string.h>

char *anthropic_build_body(const char *model, const char *system, json_t *messages, int max_tokens)
{
    json_t *body;
    char *text;

    body = json_pack("{s:s, s:O, s:i, s:b}", "model", model, "messages", messages, "max_tokens",
                     max_tokens > 0 ? max_tokens : ANTHROPIC_DEFAULT_MAX_TOKENS, "stream", 1);
    if (!body)
        return NULL;
    if (system && *system)
        json_object_set_new(body, "system", json_string(system));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
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
        return 0; /* tool input, thinking and future kinds carry no answer text */
    text = json_object_get(block, "text");
    if (!json_is_string(text)) {
        snprintf(errbuf, errlen, "malformed stream event: %s without a text string", type);
        return FC_EINVAL;
    }
    d->text = json_string_value(text);
    d->len = json_string_length(text);
    return 0;
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
        rc = parse_text(json_object_get(root, "content_block"), &d, errbuf, errlen);
    } else if (strcmp(type, "content_block_delta") == 0) {
        rc = parse_text(json_object_get(root, "delta"), &d, errbuf, errlen);
    } else if (strcmp(type, "message_delta") == 0) {
        usage = json_object_get(root, "usage");
        d.completion_tokens = provider_delta_count(usage, "output_tokens");
    } else if (strcmp(type, "message_stop") == 0) {
        d.done = true;
    }
    if (rc == 0 && (d.len > 0 || d.done || d.prompt_tokens >= 0 || d.completion_tokens >= 0))
        rc = fn(ud, &d);
    json_decref(root);
    return rc;
}
