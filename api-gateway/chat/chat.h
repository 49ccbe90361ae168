/* chat.h - the chat API (SPEC §4 Chat, §8; shapes in proto/API.md): conversations, their
 * messages, answer streams and cancel — and the one path by which a question enters the
 * pipeline, shared by the chat routes and the OpenAI-compatible facade (facade.h).
 *
 * Storage: conversations and chat_requests rows in PostgreSQL, message documents in the
 * MongoDB collection `messages` (user messages written here, assistant messages by the
 * worker; the document is a contract in proto/MONGO.md). A question is accepted only once Kafka
 * holds its request: everything before the produce is undone or marked failed when the produce
 * fails, so a client never gets a 202 for a request no worker will see.
 *
 * Handlers follow api.h (@locality pool thread); chat_routes[] below lists them. */
#ifndef FINCHAT_CHAT_H
#define FINCHAT_CHAT_H

#include "chatmsg.h"
#include "mongo.h"
#include "api-gateway/http/api.h"

#include <mongoc/mongoc.h>
#include <stddef.h>
#include <stdint.h>

/* What chat_post() accepted. */
struct chat_posted {
    char request_id[40];
    char message_id[40];  /* the user message the answer is for */
    int32_t partition;    /* reply partition of finchat.chat.chunks */
    int64_t first_offset; /* lower bound of the first chunk's offset, -1 unknown */
};

/* Cleans @text (@len bytes; control characters out, trimmed), checks its length and screens
 * it for prompt injection (screen.h). On success returns 0 with the cleaned text in *@out
 * (caller frees). Otherwise fills @resp and returns the negative code: 400 invalid_field
 * (naming @field) when empty or longer than CHAT_TEXT_MAX code points; 422 prompt_rejected
 * after an audit_log row ('prompt_rejected', with the rule name, never the text). */
int chat_prepare_text(struct api_req *req, struct api_resp *resp, const char *field,
                      const char *text, size_t len, char **out);

/* How a question is posted; zeroed (or a NULL pointer) for an ordinary question. */
struct chat_post_opts {
    const char *regenerate_of; /* a stored user message id: answer it again */
    /* The earlier turns the client sent (the facade; prepared like the question, within
     * CHAT_HISTORY_MAX / CHAT_HISTORY_BYTES): with @client_history the worker takes the
     * prompt's history from these @nhistory turns, maybe none, not from the stored ones. */
    bool client_history;
    const struct chat_turn *history;
    int nhistory;
    int max_tokens; /* 1..CHAT_MAX_TOKENS, 0 for the default */
};

/* POST, GET /api/v1/conversations; PATCH, DELETE /api/v1/conversations/{id}; GET, POST
 * /api/v1/conversations/{id}/messages; POST /api/v1/conversations/{id}/regenerate; GET
 * /api/v1/streams/{request_id} and POST /api/v1/streams/{request_id}/cancel.
 * NULL-terminated. */
extern const struct api_route chat_routes[];

#define CHAT_MAX_TOKENS 8192 /* what a request may ask for (proto: options.max_tokens) */

/* Accepts the prepared question @text in conversation @conversation_id (a lower-case UUID) of
 * req->user_id and hands it to the workers: checks the conversation (404), the per-user chat
 * rate (429 rate_limited) and daily token budget (429 budget_exceeded), each with
 * Retry-After; stores the user message — or, when @opts->regenerate_of is a message id,
 * answers that stored message again (409 conflict while an answer to it is being written);
 * records the chat_requests row, updates the conversation, opens the live stream and
 * produces the request to Kafka (503 dependency_down when any store or Kafka fails, with
 * nothing left half-accepted). @opts may be NULL. Returns 0 and fills @out, or fills @resp
 * and returns the negative code. */
int chat_post(struct api_req *req, struct api_resp *resp, const char *conversation_id,
              const char *text, const struct chat_post_opts *opts, struct chat_posted *out);

#endif
