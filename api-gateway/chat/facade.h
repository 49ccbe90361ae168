/* facade.h - the OpenAI-compatible endpoint POST /v1/chat/completions (SPEC §4), so any
 * OpenAI SDK can talk to finchat with a personal API key.
 *
 * The request's last user message is the question: it is cleaned, screened and posted
 * through chat_post() (chat.h) into the user's conversation titled "API", exactly like a
 * message of the chat API, and answered grounded in that user's data. The user and assistant
 * messages before it travel with the request as its history (screened too; the newest
 * CHAT_HISTORY_MAX turns within CHAT_HISTORY_BYTES), so each call is answered in the context
 * the client sent, as OpenAI's API is stateless, and never from earlier calls' turns stored
 * in that conversation. System and developer messages are not forwarded: user-supplied text
 * never goes in the system role, which holds finchat's own rules. The handler hands the stream to
 * the server in one of this module's two formats for the hub (struct hub_format): with
 * stream: true chat.completion.chunk events and `data: [DONE]`, else one chat.completion
 * object with usage, echoing the requested model (default "finchat"). max_tokens (or
 * max_completion_tokens) bounds the answer, 1..CHAT_MAX_TOKENS; n must be 1.
 *
 * Authentication is by API key (ROUTE_APIKEY), done by the server before the handler runs.
 * Errors keep finchat's error shape, whose error.message OpenAI clients show as is. */
#ifndef FINCHAT_FACADE_H
#define FINCHAT_FACADE_H

#include <stdbool.h>

#include "api-gateway/chat/hub.h"
#include "api-gateway/http/api.h"

#define FACADE_DEFAULT_MODEL "finchat"
#define FACADE_CONVERSATION_TITLE "API"

/* POST /v1/chat/completions. NULL-terminated. */
extern const struct api_route facade_routes[];

/* The hub format of an answer in OpenAI's API: chat.completion.chunk events and
 * `data: [DONE]` when @stream, else one chat.completion document (an OpenAI error object,
 * status 502, when the stream ended with an error). */
const struct hub_format *facade_format(bool stream);

#endif
