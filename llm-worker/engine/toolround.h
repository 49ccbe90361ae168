/* toolround.h - the tool calls of one model round: gathered from the provider's deltas, then
 * turned into what the engine does next (SPEC §14).
 *
 * A round streams answer text and tool-call pieces (provider_delta.h). When it ends, each
 * call becomes a plan: run it, or answer it at once with an error for the model (an unknown
 * tool, arguments that are not a JSON object, arguments the tool's schema refuses). The
 * round also becomes the assistant turn of engine.h's provider-neutral tool-turn form, and
 * each outcome becomes a tool turn. Malformed input never crashes anything: every limit
 * below gives an error, never a cut. Pure, no I/O (@locality engine thread). */
#ifndef FINCHAT_TOOLROUND_H
#define FINCHAT_TOOLROUND_H

#include "strbuf.h"
#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>
#include <stdbool.h>

#define TOOLROUND_CALLS_MAX 16      /* calls one round may make */
#define TOOLROUND_ARGS_MAX 65536    /* bytes of one call's arguments */
#define TOOLROUND_CONTENT_MAX 49152 /* bytes of one tool result sent back to the model */
#define TOOLROUND_ID_MAX 64         /* bytes of a call id */
#define TOOLROUND_NAME_MAX 64       /* bytes of a tool name */

struct toolround_call {
    int index; /* the provider's index of the call */
    struct strbuf id, name, args;
};

struct toolround {
    struct toolround_call calls[TOOLROUND_CALLS_MAX];
    int n;
    struct strbuf text; /* the round's answer text */
};

/* What the engine does with one call of a finished round. */
struct toolround_plan {
    char id[TOOLROUND_ID_MAX + 1];
    char name[TOOLROUND_NAME_MAX + 1]; /* a snake_case name, "invalid_name" when it was not */
    json_t *args;                      /* the arguments object ({} when not one), owned */
    json_t *error; /* NULL: run the call; else {"error","hint"} to send back at once, owned */
};

void toolround_init(struct toolround *r);
/* Frees what @r holds and leaves it empty, ready for the next round. */
void toolround_release(struct toolround *r);

void toolround_add_text(struct toolround *r, const char *s, size_t len);
/* Adds the tool-call piece of @d (d->tool_index >= 0). Returns 0, or FC_ETOOBIG with the
 * reason in @err for a call beyond TOOLROUND_CALLS_MAX or arguments beyond
 * TOOLROUND_ARGS_MAX bytes (ids and names are cut at their maximum instead). */
int toolround_add_piece(struct toolround *r, const struct provider_delta *d, char *err,
                        unsigned errlen);

/* Ends round @round (1..): fills @plans[0 .. r->n - 1] in the calls' order and returns the
 * assistant turn {"role":"assistant","content","calls":[{id,name,arguments,arguments_text}]}
 * (new reference). Calls without an id (Ollama sends none) get "call_<round>_<i>", and a
 * repeated id gets a suffix, so ids are unique within the answer. The tool catalogue
 * (toolcat.h) decides what runs. Release each plan with toolround_plan_release(). */
/* Adds a whole call at once (the analyst's, or a test's): @index, @id and @name may be NULL
 * where the call has none, @args is its arguments' JSON text. Returns as
 * toolround_add_piece(). */
int toolround_add_call(struct toolround *r, int index, const char *id, const char *name,
                       const char *args, char *err, unsigned errlen);

json_t *toolround_finish(struct toolround *r, int round, struct toolround_plan *plans);
void toolround_plan_release(struct toolround_plan *p);

/* The tool turn of a call's outcome: {"role":"tool","id","name","content","is_error"},
 * content being @result as compact JSON text (new reference). A result beyond
 * TOOLROUND_CONTENT_MAX bytes is replaced by an error that asks for less. */
json_t *toolround_result_turn(const char *id, const char *name, const json_t *result,
                              bool is_error);

/* The {"error": @msg, "hint": @hint} value of a failed call (new reference). */
json_t *toolround_error(const char *msg, const char *hint);

#endif
