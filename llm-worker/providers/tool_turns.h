/* tool_turns.h - the provider-neutral tool rounds of a request (gen_request.tool_turns and
 * gen_request.tools, engine.h), checked once, for the protocols that map them to their wire
 * formats (openai.h, anthropic.h, ollama.h).
 *
 * The neutral form, oldest first:
 *   {"role":"assistant", "content":"text said before the calls, maybe empty",
 *    "calls":[{"id", "name", "arguments":{..}, "arguments_text":"as the model sent it"}]}
 *   {"role":"tool", "id":"<call id>", "name", "content":"<JSON text>", "is_error":bool}
 * A round is one assistant turn followed by one tool turn per call, in any order.
 * Pure: no I/O, no globals, any thread. */
#ifndef FINCHAT_TOOL_TURNS_H
#define FINCHAT_TOOL_TURNS_H

#include <jansson.h>
#include <stdbool.h>

/* Calls of one assistant turn at most (the stream parsers' highest tool_index + 1). */
#define TOOL_TURNS_CALLS_MAX 64

/* Checks that @turns (NULL or an array) has the neutral form: every member an object of a
 * known role with its fields of the right types ("content" may be absent or null in an
 * assistant turn, a call's "arguments_text" absent, "is_error" absent in a tool
 * turn), 1..TOOL_TURNS_CALLS_MAX calls with distinct non-empty ids in an assistant turn, each tool
 * turn answering a call of the assistant turn before it, and each call answered exactly once before
 * the next assistant turn and by the end. Returns 0, or FC_EINVAL with a reason in @errbuf. */
int tool_turns_check(const json_t *turns, char *errbuf, unsigned errlen);

/* The text an assistant turn said before its calls ("" when none); NULL for other turns. */
const char *tool_turns_text(const json_t *turn);

/* True when @turn is a tool (result) turn, false for an assistant turn. */
bool tool_turns_is_result(const json_t *turn);

/* The shapes in which the protocols offer tools. */
enum tool_turns_shape {
    TOOL_TURNS_FUNCTION,     /* OpenAI, Ollama: {type:"function", function:{name, description,
                              * parameters}} */
    TOOL_TURNS_INPUT_SCHEMA, /* Anthropic: {name, description, input_schema} */
};

/* Returns @tools ([{name, description, parameters}]) as a new array in @shape; members without
 * a string name are left out, a missing schema becomes {"type":"object"}. Caller decrefs. */
json_t *tool_turns_offer(const json_t *tools, enum tool_turns_shape shape);

/* Makes the wire form of one turn or call (a new reference). */
typedef json_t *(*tool_turns_map_fn)(const json_t *turn);

/* Returns a new array of what @call makes of each call of the assistant turn @turn. */
json_t *tool_turns_calls(const json_t *turn, tool_turns_map_fn call);

/* Appends to @messages, for each turn of @turns (checked), what @assistant or @result makes
 * of it: one message a turn (OpenAI, Ollama). */
void tool_turns_append(json_t *messages, const json_t *turns, tool_turns_map_fn assistant,
                       tool_turns_map_fn result);

#endif
