/* provider_delta.h - what one upstream stream message means, whatever the provider.
 *
 * The stream parsers (openai.h, anthropic.h, ollama.h) turn provider messages into deltas
 * and hand them to a callback; the engine only ever sees deltas. Pure helpers for those
 * parsers live here too. */
#ifndef FINCHAT_PROVIDER_DELTA_H
#define FINCHAT_PROVIDER_DELTA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct provider_delta {
    const char *text;      /* answer text (UTF-8, not NUL-terminated), valid during the callback */
    size_t len;            /* 0 when the message carried no text */
    int prompt_tokens;     /* -1 when the message did not report it */
    int completion_tokens; /* -1 when the message did not report it */
    bool done;             /* the provider finished its answer normally (also after tool calls) */
    /* A piece of a tool call when tool_index >= 0 (else -1). Pieces of one call share its
     * index (OpenAI's tool_calls[].index, Anthropic's content block index, Ollama's position
     * in message.tool_calls); the id and the name come with some piece, usually the first;
     * the arguments' JSON text arrives in order, in pieces (Ollama: its object, dumped, in
     * one piece). Pointers are valid during the callback only, not NUL-terminated. */
    int tool_index;
    const char *tool_id;
    size_t tool_id_len;
    const char *tool_name;
    size_t tool_name_len;
    const char *tool_args;
    size_t tool_args_len;
};

/* Called once per meaningful message; a non-zero return stops the parser and is returned
 * by it. */
typedef int (*provider_delta_fn)(void *ud, const struct provider_delta *d);

/* Parses @len bytes of one stream message into a JSON object (*@out, caller decrefs).
 * Returns 0; FC_EINVAL with a reason in @errbuf when it is not JSON or not an object; or
 * FC_EDEP with the provider's message when the object has a non-null "error" member (all
 * three protocols report errors that way). *@out is NULL unless 0 is returned. */
int provider_delta_load(const char *buf, size_t len, json_t **out, char *errbuf, unsigned errlen);

/* Clears @d: no text, no counts (-1), not done, no tool call (tool_index -1). */
void provider_delta_init(struct provider_delta *d);

/* Writes a one-line message describing an upstream error value into @buf: a string, or an
 * object with "message" (and "type"/"code"), as OpenAI, Anthropic and Ollama send them. */
void provider_delta_error(const json_t *err, char *buf, unsigned len);

/* Returns the non-negative integer member @key of @obj, or -1 when absent or not one. */
int provider_delta_count(const json_t *obj, const char *key);

/* For a message carrying text, tool pieces and an end at once, delivered in that order:
 * provider_delta_emit_text() calls @fn with @d's text alone (when there is any) and removes
 * it from @d; provider_delta_emit_rest() then calls @fn with what @d still carries (an end,
 * counts), if anything. Both return 0 or @fn's rc. */
int provider_delta_emit_text(struct provider_delta *d, provider_delta_fn fn, void *ud);
int provider_delta_emit_rest(const struct provider_delta *d, provider_delta_fn fn, void *ud);

/* Highest tool_index a parser accepts (calls of one message: 64 at most). */
#define PROVIDER_TOOL_INDEX_MAX 63

/* Sets @d->tool_index to @v, an integer in 0..PROVIDER_TOOL_INDEX_MAX. Returns 0, or
 * FC_EINVAL with a reason in @errbuf (and tool_index -1) when @v is anything else. */
int provider_delta_tool_index(const json_t *v, struct provider_delta *d, char *errbuf,
                              unsigned errlen);

/* Points *@s and *@len at the string member @key of @obj (NULL and 0 when it is absent or
 * null). Returns 0, or FC_EINVAL with "malformed stream message: @what is not a string" in
 * @errbuf when it is another type. */
int provider_delta_string(const json_t *obj, const char *key, const char **s, size_t *len,
                          const char *what, char *errbuf, unsigned errlen);

#endif
