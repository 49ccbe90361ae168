/* tool_token.h - the capability a chat request carries for its tool calls (SPEC §14).
 *
 * When the gateway publishes a question to Kafka it mints a tool token: an HS256 JWT signed
 * with the gateway's access-token key (jwt_token.h) whose claims are
 *   {"typ":"tool", "sub":<user id>, "rid":<request id>, "iss", "aud", "iat", "exp"}
 * with exp the request's deadline plus TOOL_TOKEN_GRACE_S. The worker presents it as
 * "Authorization: Bearer <token>" to POST /api/v1/tools/{name}, the only route that accepts
 * it (ROUTE_TOOLTOKEN, api.h); the user whose data a tool reads is the token's sub, never an
 * argument. Access-token verification refuses it (it has a "typ"), and this verification
 * refuses access tokens (no "typ":"tool").
 *
 * Pure functions of their arguments: any thread. */
#ifndef FINCHAT_TOOL_TOKEN_H
#define FINCHAT_TOOL_TOKEN_H

#include <stdint.h>
#include <time.h>

#include "config.h"

#define TOOL_TOKEN_GRACE_S 60 /* validity past the request's deadline */

struct tool_claims {
    char sub[40]; /* user UUID */
    char rid[40]; /* request UUID */
    int64_t exp;  /* Unix seconds */
};

/* Mints the tool token of request @rid of user @sub, expiring at @deadline_ms (Unix ms)
 * rounded up to a second, plus TOOL_TOKEN_GRACE_S. Returns a new token (free()), or NULL
 * when @sub or @rid is not a UUID or the key is missing. */
char *tool_token_mint(const struct fc_config *cfg, const char *sub, const char *rid,
                      int64_t deadline_ms, time_t now);

/* Verifies @token at @now: signature and header rules of jwt_token.h, typ "tool", iss and
 * aud of @cfg, sub and rid UUIDs, not expired (exp > @now - JWT_TOKEN_LEEWAY_S), not issued
 * in the future. Returns 0 and fills @out (may be NULL), or FC_EAUTH. Never logs the token. */
int tool_token_verify(const struct fc_config *cfg, const char *token, time_t now,
                      struct tool_claims *out);

#endif
