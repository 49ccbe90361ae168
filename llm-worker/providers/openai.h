/* openai.h - the OpenAI chat-completions protocol: request body and stream chunks.
 *
 * Used by the `openai` and `local` providers (any OpenAI-compatible server: OpenAI, Groq,
 * OpenRouter, vLLM, llama.cpp, Ollama's /v1). Pure: no I/O, no globals, any thread. */
#ifndef FINCHAT_OPENAI_H
#define FINCHAT_OPENAI_H

#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>

/* Returns the JSON body of a streaming POST {base}/chat/completions (caller frees): @model,
 * @messages (borrowed; the system message first), stream with include_usage, and
 * max_tokens when @max_tokens > 0. NULL only if jansson cannot allocate. */
char *openai_build_body(const char *model, json_t *messages, int max_tokens);

/* Parses the data of one SSE event of a streaming response: "[DONE]", or a chunk whose
 * choices[0].delta.content is text, whose choices[0].finish_reason ends the answer and
 * whose usage (the last chunk, with include_usage) counts tokens. Calls @fn once when the
 * chunk carried any of these. Returns 0; FC_EINVAL with a reason in @errbuf for malformed
 * input; FC_EDEP with the provider's message for an `error` object; or @fn's non-zero rc. */
int openai_parse_event(const char *data, size_t len, provider_delta_fn fn, void *ud, char *errbuf,
                       unsigned errlen);

#endif
