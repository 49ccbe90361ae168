/* ollama.h - Ollama's native /api/chat protocol: request body and NDJSON stream.
 *
 * The stream is one JSON object per line: {"message":{"content":"..."},"done":false} while
 * answering (or {"message":{"content":"","tool_calls":[..]},"done":false} for tool calls), then
 * {"done":true,"prompt_eval_count":N,"eval_count":M}, or {"error":"..."}. Pure: no I/O, no globals;
 * a stream belongs to one thread. */
#ifndef FINCHAT_OLLAMA_H
#define FINCHAT_OLLAMA_H

#include "strbuf.h"
#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>
#include <stddef.h>

#define OLLAMA_LINE_MAX (1024 * 1024)

/* Returns the JSON body of a streaming POST {OLLAMA_URL}/api/chat (caller frees): @model,
 * @messages (borrowed; the system message first), options.num_predict when @max_tokens > 0
 * and options.num_ctx (the context window the prompt was fitted to) when @num_ctx > 0. A
 * non-empty @tools ([{name, description, parameters}]) is offered as
 * tools:[{type:"function", function:{..}}]; Ollama has no tool_choice, so a last round
 * passes NULL. NULL only if jansson cannot allocate. */
char *ollama_build_body(const char *model, json_t *messages, int max_tokens, int num_ctx,
                        const json_t *tools);

/* Appends the tool rounds @turns (the neutral form of tool_turns.h, checked by
 * tool_turns_check()) to @messages: {role:"assistant", content, tool_calls:[{function:{name,
 * arguments:<object>}}]}, then {role:"tool", content, tool_name} per result. */
void ollama_add_tool_turns(json_t *messages, const json_t *turns);

/* Parses one NDJSON line (without its newline; blank lines are ignored). Text in
 * message.content; each of message.tool_calls[] ({function:{name, arguments}}) is one tool
 * call, whole: tool_index is its function.index when Ollama sends one (newer versions number
 * calls streamed over several lines that way), else its position in the array; tool_id is
 * its "id" when a string, else NULL (Ollama has no ids); its arguments object is dumped
 * compactly as one piece (a string is passed as it is). Order: the text, the calls, then the
 * end with its counts. Returns 0; FC_EINVAL with a reason for malformed input (tool_calls
 * not an array, a call without a function object or a name string, an index not in 0..63,
 * arguments neither an object nor a string); FC_EDEP with the provider's message for an
 * `error` line; or @fn's non-zero rc. */
int ollama_parse_line(const char *line, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                      unsigned errlen);

/* Incremental line framing of the response body. */
struct ollama_stream {
    struct strbuf line; /* the partial line carried between feeds */
    size_t max;
    int failed;
};

/* @max_line bounds one line (0 = OLLAMA_LINE_MAX). */
void ollama_stream_init(struct ollama_stream *s, size_t max_line);
void ollama_stream_release(struct ollama_stream *s);
/* Feeds @len bytes split anywhere; parses each complete line. Returns like
 * ollama_parse_line(), or FC_ETOOBIG for a line over the limit; after an error every later
 * call fails the same way. */
int ollama_stream_feed(struct ollama_stream *s, const char *buf, size_t len, provider_delta_fn fn,
                       void *ud, char *errbuf, unsigned errlen);
/* Parses a last line that had no newline. Returns like ollama_stream_feed(). */
int ollama_stream_finish(struct ollama_stream *s, provider_delta_fn fn, void *ud, char *errbuf,
                         unsigned errlen);

#endif
