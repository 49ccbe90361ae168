/* ollama.h - Ollama's native /api/chat protocol: request body and NDJSON stream.
 *
 * The stream is one JSON object per line: {"message":{"content":"..."},"done":false} while
 * answering, then {"done":true,"prompt_eval_count":N,"eval_count":M}, or {"error":"..."}.
 * Pure: no I/O, no globals; a stream belongs to one thread. */
#ifndef FINCHAT_OLLAMA_H
#define FINCHAT_OLLAMA_H

#include "strbuf.h"
#include "llm-worker/providers/provider_delta.h"

#include <jansson.h>
#include <stddef.h>

#define OLLAMA_LINE_MAX (1024 * 1024)

/* Returns the JSON body of a streaming POST {OLLAMA_URL}/api/chat (caller frees): @model,
 * @messages (borrowed; the system message first), options.num_predict when @max_tokens > 0
 * and options.num_ctx (the context window the prompt was fitted to) when @num_ctx > 0.
 * NULL only if jansson cannot allocate. */
char *ollama_build_body(const char *model, json_t *messages, int max_tokens, int num_ctx);

/* Parses one NDJSON line (without its newline; blank lines are ignored). Returns 0;
 * FC_EINVAL with a reason for malformed input; FC_EDEP with the provider's message for an
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
