/* openai.h - the OpenAI chat-completions protocol: request body and stream chunks.
 *
 * Used by the `openai` and `local` providers (any OpenAI-compatible server: OpenAI, Groq,
 * OpenRouter, vLLM, llama.cpp, Ollama's /v1). Pure: no I/O, no globals, any thread. */
#ifndef FINCHAT_OPENAI_H
#define FINCHAT_OPENAI_H

#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>
#include <stdbool.h>

/* Returns the JSON body of a streaming POST {base}/chat/completions (caller frees): @model,
 * @messages (borrowed; the system message first), stream with include_usage, and
 * max_tokens when @max_tokens > 0. A non-empty @tools ([{name, description, parameters}])
 * is offered as tools:[{type:"function", function:{..}}] (parallel_tool_calls left to its
 * default), with tool_choice "none" when @tools_final. NULL only if jansson cannot
 * allocate. */
char *openai_build_body(const char *model, json_t *messages, int max_tokens, const json_t *tools,
                        bool tools_final);

/* Appends the tool rounds @turns (the neutral form of tool_turns.h, checked by
 * tool_turns_check()) to @messages: {role:"assistant", content:<text or null>,
 * tool_calls:[{id, type:"function", function:{name, arguments:<arguments_text, the text
 * as the model sent it; when absent or empty the arguments object's JSON>}}]}, then
 * {role:"tool", tool_call_id, content} per result. */
void openai_add_tool_turns(json_t *messages, const json_t *turns);

/* Parses the data of one SSE event of a streaming response: "[DONE]", or a chunk whose
 * choices[0].delta.content is text, whose choices[0].delta.tool_calls[] are pieces of tool
 * calls ({index, id?, function:{name?, arguments?}}), whose choices[0].finish_reason ("stop",
 * "tool_calls", ...) ends the answer and whose usage (the last chunk, with include_usage)
 * counts tokens. Calls @fn once when the chunk carried text, an end or counts; with tool
 * pieces, once for the text (if any), once per piece (tool_index >= 0) and once for the end
 * and counts (if any), in that order. Returns 0; FC_EINVAL with a reason in @errbuf for
 * malformed input (tool_calls not an array, an index not an integer in 0..63, a name, id or
 * arguments not a string); FC_EDEP with the provider's message for an `error` object; or
 * @fn's non-zero rc. */
int openai_parse_event(const char *data, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                       unsigned errlen);

#endif
