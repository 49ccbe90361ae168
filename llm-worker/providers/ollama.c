/* ollama.c - Ollama native chat streaming: request body, NDJSON framing and parsing. */
#include "llm-worker/providers/ollama.h"

#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ollama_build_body(const char *model, json_t *messages, int max_tokens, int num_ctx)
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
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

int ollama_parse_line(const char *line, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                      unsigned errlen)
{
    struct provider_delta d;
    json_t *root, *msg, *content, *done;
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
    if (d.len > 0 || d.done)
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
