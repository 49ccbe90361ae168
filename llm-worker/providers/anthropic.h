/* anthropic.h - the Anthropic Messages protocol: request body and stream events.
 *
 * Pure: no I/O, no globals, any thread. */
#ifndef FINCHAT_ANTHROPIC_H
#define FINCHAT_ANTHROPIC_H

#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>
#include <stdbool.h>

#define ANTHROPIC_VERSION "2023-06-01"
#define ANTHROPIC_DEFAULT_MAX_TOKENS 1024

/* Returns the JSON body of a streaming POST {base}/v1/messages (caller frees): @system as the
 * top-level field (omitted when empty), @messages (borrowed; user/assistant turns only,
 * alternating, starting with user), and max_tokens (required by the API: @max_tokens, or
 * ANTHROPIC_DEFAULT_MAX_TOKENS when <= 0). A non-empty @tools ([{name, description,
 * parameters}]) is offered as tools:[{name, description, input_schema}], with tool_choice
 * {"type":"none"} when @tools_final (the tools stay listed: the API rejects tool_use and
 * tool_result blocks in a request without tools). NULL only if jansson cannot allocate. */
char *anthropic_build_body(const char *model, const char *system, json_t *messages, int max_tokens,
                           const json_t *tools, bool tools_final);

/* Appends the tool rounds @turns (the neutral form of tool_turns.h, checked by
 * tool_turns_check()) to @messages, keeping the strict alternation: per round an assistant
 * turn with content [{type:"text", text}?, {type:"tool_use", id, name, input}...], then ONE
 * user turn with all the round's {type:"tool_result", tool_use_id, content, is_error}
 * blocks. A turn following one of the same role is merged into it (its text becomes a text
 * block). */
void anthropic_add_tool_turns(json_t *messages, const json_t *turns);

/* Parses one SSE event: @event is its `event:` name ("" if none; the data's "type" wins).
 * message_start reports usage.input_tokens, content_block_delta/text_delta carries text,
 * content_block_start of a tool_use block starts a tool call (tool_index = the block's
 * index, with its id and name) and content_block_delta/input_json_delta carries a piece of
 * its arguments (partial_json), message_delta reports usage.output_tokens (its stop_reason,
 * "end_turn" or "tool_use", needs nothing), message_stop ends the answer; ping and other
 * events are ignored. Returns 0; FC_EINVAL with a reason for malformed input (a tool block
 * whose index is not an integer in 0..63, or whose id, name or partial_json is not a
 * string); FC_EDEP with the provider's message for an `error` event; or @fn's non-zero rc. */
int anthropic_parse_event(const char *event, const char *data, size_t len, provider_delta_fn fn,
                          void *ud, char *errbuf, unsigned errlen);

#endif
