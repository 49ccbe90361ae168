/* provider.h - the provider chain: which providers FINCHAT_LLM_CHAIN names and how each is
 * configured, the prompt layout they share, the HTTP request to each, and the decoding of
 * their streamed responses into provider deltas.
 *
 * Providers: `openai` (OPENAI_*, or GROQ_* when OPENAI_API_KEY is unset), `anthropic`,
 * `ollama` (native /api/chat), `local` (the OpenAI protocol at FINCHAT_LOCAL_URL) and
 * `analyst` (offline, always configured). A provider without its key or URL is kept in the
 * chain as unconfigured, so /status can show it, and is skipped.
 *
 * Prompt layout, for every HTTP provider: the system role holds gen_request.system only;
 * the user's data goes in a user turn of its own ("Here is my financial data ..."), answered
 * by a short assistant acknowledgement; then the history; then the question; then the tool
 * rounds of this answer (gen_request.tool_turns) in the provider's wire format, with the
 * round's tools (gen_request.tools, tools_final) offered in its own shape.
 *
 * Everything here runs on the engine thread; nothing blocks. */
#ifndef FINCHAT_PROVIDER_H
#define FINCHAT_PROVIDER_H

#include "config.h"
#include "llm-worker/engine/engine.h"
#include "llm-worker/providers/breaker.h"
#include "llm-worker/providers/ollama.h"
#include "llm-worker/providers/provider_delta.h"
#include "llm-worker/providers/sse_parse.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define PROVIDER_NAME_MAX 16
#define PROVIDER_MAX 8
#define PROVIDER_CONTEXT_INTRO "Here is my financial data. Answer my questions from it.\n\n"
#define PROVIDER_CONTEXT_ACK "Thanks, I have your financial data and will answer from it."

enum provider_kind { PROVIDER_OPENAI, PROVIDER_ANTHROPIC, PROVIDER_OLLAMA, PROVIDER_ANALYST };

struct provider {
    char name[PROVIDER_NAME_MAX];
    enum provider_kind kind;
    bool configured;
    char *url;     /* the full endpoint URL; NULL for the analyst or when unconfigured */
    char *api_key; /* NULL when the endpoint takes none */
    char *model;
    int ctx_tokens;     /* the model's context window; prompts are fitted to it */
    int first_token_ms; /* its time-to-first-token timeout; 0: the engine's */
    bool tools;         /* it is offered the tools (FINCHAT_TOOLS, and not `local`) */
    struct breaker breaker;
    /* Outcomes since start, for /metrics: answers completed, attempts failed, retries, hand-
     * overs after streaming (resets), and generations that skipped an open circuit. */
    uint64_t answers, failures, retries, resets, skipped;
};

/* Builds the chain named by @cfg->llm_chain into a newly allocated array (*@out of *@n,
 * release with provider_chain_free()). Returns 0, or FC_EINVAL with a reason in @errbuf for
 * an empty chain, an unknown or repeated name, or more than PROVIDER_MAX names. */
int provider_chain_new(const struct fc_config *cfg, struct provider **out, int *n, char *errbuf,
                       unsigned errlen);
void provider_chain_free(struct provider *chain, int n);

/* Returns the conversation turns of @req as a new JSON array of {role, content}: the
 * context turn and its acknowledgement (when there is context), the history (user and
 * assistant turns with text), and the question; not the tool rounds, which each protocol
 * appends in its own format (openai_add_tool_turns() and its kin). With @system, a system turn
 * holding req->system comes first (OpenAI, Ollama). With @alternate, consecutive turns of one role
 * are merged and a leading assistant turn is dropped (Anthropic). Caller decrefs. */
json_t *provider_messages(const struct gen_request *req, bool system, bool alternate);

/* The HTTP request of one attempt. */
struct provider_http {
    char *body;                 /* JSON text */
    struct curl_slist *headers; /* content type, auth, version, traceparent */
    int prompt_tokens;          /* the fitted prompt's estimate (provider_fit()) */
    bool fitted;                /* context or history were cut to fit the window */
};

/* Tokens kept free for the answer when a request names no max_tokens. */
#define PROVIDER_ANSWER_ROOM 512

/* A request fitted to a context window: points into the original request, except for the
 * context text and history it had to cut, which it owns. */
struct provider_fit {
    struct gen_request req;
    char *context_text; /* owned when cut, else NULL */
    json_t *history;    /* a new reference */
    int prompt_tokens;  /* estimate of what is sent, by provider_estimate_tokens() */
    bool cut;           /* context or history were cut */
};

/* Tokens of @s as estimated for fitting a prompt: one per three bytes, rounded up, plus a
 * turn's framing. Deliberately high: small models' tokenizers cut figures and the compact
 * context text finer than English prose. */
int provider_estimate_tokens(const char *s);

/* Fits @req to a window of @ctx_tokens with room for the answer (req->max_tokens, else
 * PROVIDER_ANSWER_ROOM): the system rules, the question, the tool rounds (req->tool_turns,
 * part of the current question) and the offered tools are kept whole and counted; the history
 * loses its oldest turns first, but keeps at most a quarter of what is left; the context is
 * rendered again within the rest (its most important sections first, prompt.h). A question
 * too long for the window leaves no context and no history; the provider then answers or
 * fails on its own. Release with provider_fit_release(). */
void provider_fit(struct provider_fit *f, const struct gen_request *req, int ctx_tokens);
void provider_fit_release(struct provider_fit *f);

/* Builds the request of @p for @req, fitted to the provider's context window
 * (provider_fit()), with req->tools and req->tool_turns in the provider's format. Returns 0,
 * or FC_EINVAL (logged) when req->tool_turns fails tool_turns_check() or the body cannot be
 * built. Release with
 * provider_http_release() either way. */
int provider_http_build(const struct provider *p, const struct gen_request *req,
                        struct provider_http *out);
void provider_http_release(struct provider_http *h);

/* Decodes one response body: SSE for OpenAI and Anthropic, NDJSON for Ollama. */
struct provider_stream {
    enum provider_kind kind;
    struct sse_parser sse;
    struct ollama_stream nd;
    provider_delta_fn fn;
    void *ud;
    char err[256]; /* why the last feed failed */
};

void provider_stream_init(struct provider_stream *s, enum provider_kind kind, provider_delta_fn fn,
                          void *ud);
void provider_stream_release(struct provider_stream *s);
/* Feeds body bytes; deltas go to the callback. Returns 0; FC_EINVAL (malformed), FC_EDEP (an
 * upstream error message), FC_ETOOBIG, or the callback's rc, with a reason in s->err. */
int provider_stream_feed(struct provider_stream *s, const char *buf, size_t len);
/* Ends the body (a last line or event without its terminator counts). Returns like feed. */
int provider_stream_finish(struct provider_stream *s);

/* Writes the message of an error response body (any provider's JSON error shape, else the
 * start of the text, control characters replaced) into @out. */
void provider_error_body(const char *body, size_t len, char *out, unsigned outlen);

/* True when @tp is a well-formed W3C traceparent (safe to forward as a header). */
bool provider_traceparent_ok(const char *tp);

#endif
