/* provider_delta.c - helpers shared by the upstream stream parsers. */
#include "llm-worker/providers/provider_delta.h"

#include "err.h"

#include <limits.h>
#include <stdio.h>

int provider_delta_load(const char *buf, size_t len, json_t **out, char *errbuf, unsigned errlen)
{
    json_error_t jerr;
    json_t *root, *err;

    *out = NULL;
    root = json_loadb(buf, len, 0, &jerr);
    if (!root) {
        snprintf(errbuf, errlen, "malformed stream message: %s", jerr.text);
        return FC_EINVAL;
    }
    if (!json_is_object(root)) {
        snprintf(errbuf, errlen, "malformed stream message: not a JSON object");
        json_decref(root);
        return FC_EINVAL;
    }
    err = json_object_get(root, "error");
    if (err && !json_is_null(err)) {
        provider_delta_error(err, errbuf, errlen);
        json_decref(root);
        return FC_EDEP;
    }
    *out = root;
    return 0;
}

void provider_delta_init(struct provider_delta *d)
{
    d->text = NULL;
    d->len = 0;
    d->prompt_tokens = -1;
    d->completion_tokens = -1;
    d->done = false;
    d->tool_index = -1;
    d->tool_id = d->tool_name = d->tool_args = NULL;
    d->tool_id_len = d->tool_name_len = d->tool_args_len = 0;
}

void provider_delta_error(const json_t *err, char *buf, unsigned len)
{
    const char *msg = NULL, *type = NULL;

    if (json_is_string(err)) {
        msg = json_string_value(err);
    } else if (json_is_object(err)) {
        msg = json_string_value(json_object_get(err, "message"));
        type = json_string_value(json_object_get(err, "type"));
        if (!type)
            type = json_string_value(json_object_get(err, "code"));
    }
    if (msg && type)
        snprintf(buf, len, "upstream error (%.64s): %.200s", type, msg);
    else if (msg)
        snprintf(buf, len, "upstream error: %.200s", msg);
    else if (type)
        snprintf(buf, len, "upstream error (%.64s)", type);
    else
        snprintf(buf, len, "upstream error without a message");
}

int provider_delta_count(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    json_int_t n;

    if (!json_is_integer(v))
        return -1;
    n = json_integer_value(v);
    if (n < 0 || n > INT_MAX)
        return -1;
    return (int)n;
}

int provider_delta_tool_index(const json_t *v, struct provider_delta *d, char *errbuf,
                              unsigned errlen)
{
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;

    if (n < 0 || n > PROVIDER_TOOL_INDEX_MAX) {
        d->tool_index = -1;
        snprintf(errbuf, errlen,
                 "malformed stream message: tool call index is not an integer in 0..%d",
                 PROVIDER_TOOL_INDEX_MAX);
        return FC_EINVAL;
    }
    d->tool_index = (int)n;
    return 0;
}

int provider_delta_string(const json_t *obj, const char *key, const char **s, size_t *len,
                          const char *what, char *errbuf, unsigned errlen)
{
    json_t *v = json_object_get(obj, key);

    *s = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        snprintf(errbuf, errlen, "malformed stream message: %s is not a string", what);
        return FC_EINVAL;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

int provider_delta_emit_text(struct provider_delta *d, provider_delta_fn fn, void *ud)
{
    struct provider_delta text;

    if (d->len == 0)
        return 0;
    provider_delta_init(&text);
    text.text = d->text;
    text.len = d->len;
    d->text = NULL;
    d->len = 0;
    return fn(ud, &text);
}

int provider_delta_emit_rest(const struct provider_delta *d, provider_delta_fn fn, void *ud)
{
    if (d->len > 0 || d->done || d->prompt_tokens >= 0 || d->completion_tokens >= 0)
        return fn(ud, d);
    return 0;
}
