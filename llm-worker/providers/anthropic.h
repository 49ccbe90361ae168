/* anthropic.h - the Anthropic Messages protocol: request body and stream events.
 *
 * Pure: no I/O, no globals, any thread. */
#ifndef FINCHAT_ANTHROPIC_H
#define FINCHAT_ANTHROPIC_H

#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>

#define ANTHROPIC_VERSION "2023-06-01"
#define ANTHROPIC_DEFAULT_MAX_TOKENS 1024

/* Returns the JSON body of a streaming POST {base}/v1/messages (caller frees): @system as the
 * top-level field (omitted when empty), @messages (borrowed; user/assistant turns only,
 * alternating, starting with user), and max_tokens (required by the API: @max_tokens, or
 * ANTHROPIC_DEFAULT_MAX_TOKENS when <= 0). NULL only if jansson cannot allocate. */
char *anthropic_build_body(const char *model, const char *system, json_t *messages, int max_tokens);

/* Parses one SSE event: @event is its `event:` name ("" if none; the data's "type" wins).
 * message_start reports usage.input_tokens, content_block_delta/text_delta carries text,
 * message_delta reports usage.output_tokens, message_stop ends the answer; ping and other
 * events are ignored. Returns 0; FC_EINVAL with a reason for malformed input; FC_EDEP with
 * the provider's message for an `error` event; or @fn's non-zero rc. */
int anthropic_parse_event(const char *event, const char *data, size_t len, provider_delta_fn fn,
                          void *ud, char *errbuf, unsigned errlen);

#endif
