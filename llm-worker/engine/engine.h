/* engine.h - the generation engine: runs many answers at once for one worker thread.
 *
 * Contract between the worker core (Kafka, offsets, MongoDB) and the providers.
 * The engine owns a libcurl multi handle, the provider chain with its circuit breakers,
 * and timers (analyst pacing, timeouts, retry backoff). Everything here runs on the
 * worker's single engine thread (@locality engine thread): callbacks are invoked from
 * inside engine_step() and must not block.
 *
 * For each generation the engine walks FINCHAT_LLM_CHAIN: it skips unconfigured providers
 * and open circuits, retries with jittered backoff only before the first token, and, when a
 * provider fails after tokens were delivered, calls on_reset() and continues with the next
 * provider from scratch. The analyst provider is last and always answers. */
#ifndef FINCHAT_ENGINE_H
#define FINCHAT_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct engine;
struct gen;
struct gen_tool_event;

struct gen_usage {
    int prompt_tokens;
    int completion_tokens;
};

/* One tool call of a generation, as the sink sees it (SPEC §14). Valid during the call. */
struct gen_tool_event {
    const char *id;       /* the call's id, unique within the generation */
    const char *name;     /* the tool's name (as asked: maybe not a known tool) */
    const json_t *args;   /* the arguments object ({} when the model's were not an object) */
    const char *label;    /* what is looked up, in words ("spending by category, March 2025") */
    const char *status;   /* "running", "ok" or "error" */
    int ms;               /* how long it took (0 while running) */
    int round;            /* the model round that asked for it, 1..ENGINE_ROUNDS_MAX */
    const json_t *result; /* with ok: the tool's result; with error: {"error","hint"}; else NULL */
};

/* Model rounds of one answer at most; the last one offers no tools (SPEC §14). */
#define ENGINE_ROUNDS_MAX 8

/* Callbacks for one generation; @ud is the caller's pointer. Strings are valid only
 * during the call. After on_done() the generation is freed by the engine. */
struct gen_sink {
    /* A provider started answering: called just before its first token, so once per
     * provider that streams anything (again after an on_reset()). */
    void (*on_start)(void *ud, const char *provider, const char *model);
    /* A piece of answer text (UTF-8, may be any length >= 1). */
    void (*on_token)(void *ud, const char *text, size_t len);
    /* The answer so far is void; a new provider starts over. */
    void (*on_reset)(void *ud, const char *reason);
    /* Finished: rc 0, or a negative FC_E* code with a message. @usage is never NULL: on
     * failure it counts what was spent (prompt estimate, tokens streamed). */
    void (*on_done)(void *ud, int rc, const struct gen_usage *usage, const char *errmsg);
    /* A tool call started (status "running") or ended ("ok" or "error", with @result); may be
     * NULL when the caller does not care. An on_reset() voids the calls before it too. */
    void (*on_tool)(void *ud, const struct gen_tool_event *ev);
    void *ud;
};

struct gen_request {
    const char *request_id;
    const char *traceparent;  /* W3C traceparent forwarded to HTTP providers, may be NULL */
    const char *system;       /* system rules only: never user data */
    json_t *context;          /* the user's contexts document (borrowed), may be NULL */
    const char *context_text; /* the token-budgeted context rendered for the prompt */
    json_t *history;          /* [{role:"user"|"assistant", content}] oldest first (borrowed) */
    const char *user_text;    /* the question */
    int max_tokens;
    int64_t deadline_ms;    /* absolute, clock_mono_ms() scale */
    const char *tool_token; /* the request's tool capability (chatmsg.h); NULL: no tools */
    /* Set by the engine for each model round (callers of engine_start() leave them NULL):
     * @tools, the tools offered in this round as [{name, description, parameters}]
     * (toolcat.h), NULL when the round offers none; @tool_turns, the tool rounds so far, to
     * follow the question, in this provider-neutral form:
     *   {"role":"assistant", "content":"text said before the calls, maybe empty",
     *    "calls":[{"id", "name", "arguments":{..}, "arguments_text":"as the model sent it"}]}
     *   {"role":"tool", "id":"<call id>", "name", "content":"<JSON text>", "is_error":bool}
     * A call whose arguments were not a JSON object has "arguments":{} and its text as sent;
     * its tool turn is an error. Each provider maps this to its own wire format. */
    json_t *tools;
    json_t *tool_turns;
    /* The last round (ENGINE_ROUNDS_MAX): @tools are listed only so that the earlier calls
     * in @tool_turns stay valid, and the model must answer in text: OpenAI and Anthropic
     * get tool_choice "none", Ollama gets no tools. */
    bool tools_final;
};

/* Creates an engine from @cfg; NULL with @errbuf filled on failure. */
struct engine *engine_new(const struct fc_config *cfg, char *errbuf, unsigned errlen);
void engine_free(struct engine *e);

/* Starts a generation; the sink is called from later engine_step() calls, never from here.
 * The engine copies @req's strings and takes references on its JSON (jansson's reference
 * counts are atomic), so the caller may release them once this returns. Returns a handle
 * valid until on_done() ran, or NULL for a missing sink callback. */
struct gen *engine_start(struct engine *e, const struct gen_request *req, struct gen_sink sink);
/* Stops a generation: on_done() follows with FC_ECANCELED. */
void engine_cancel(struct engine *e, struct gen *g);
/* Ends generation @g at once without calling its sink again (@g is invalid afterwards): for
 * an answer whose caller learned it must not be given after all. Not from a sink callback. */
void engine_abort(struct engine *e, struct gen *g);

/* Runs ready I/O and timers, waiting at most @timeout_ms (and less if a timer is due) for
 * I/O on the curl handles or on @extra_fd (-1 for none; e.g. the Kafka queue's wake-up fd).
 * Returns the number of generations still in flight. */
int engine_step(struct engine *e, int timeout_ms, int extra_fd);
int engine_inflight(const struct engine *e);

/* Appends provider state for /status and /metrics: [{name,configured,circuit}], each also
 * with model and the counters answers, failures, retries, resets, skipped. Caller owns. */
json_t *engine_provider_status(const struct engine *e);

#endif
