/* jwt_token.h - access tokens: HS256 JSON Web Tokens signed and checked with libjwt.
 *
 * A token carries header {alg:"HS256",typ:"JWT",kid} and claims sub (user UUID), iss, aud,
 * iat, nbf, exp and jti. It is signed with cfg->jwt_secret under cfg->jwt_kid. During a key
 * rotation, tokens whose kid is cfg->jwt_prev_kid verify with cfg->jwt_prev_secret.
 *
 * Verification inspects the header before any signature work: the algorithm is pinned to
 * HS256 (so "none", HS384/512, RS256 ... are refused and an RSA public key can never be used
 * as an HMAC secret), unknown header parameters marked critical are refused, and the key is
 * chosen by kid alone (an unknown kid is refused). Then libjwt checks the signature and the
 * claims are checked here, with JWT_TOKEN_LEEWAY_S of clock skew allowed on exp/nbf/iat.
 * An access token has no "typ" claim; a token carrying one (a tool capability, tool_token.h,
 * signed with the same key) is never accepted as an access token.
 *
 * Pure functions of their arguments (no global state): any thread. */
#ifndef FINCHAT_JWT_TOKEN_H
#define FINCHAT_JWT_TOKEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

#define JWT_TOKEN_LEEWAY_S 10
#define JWT_TOKEN_MAX_LEN 4096 /* longer strings are refused unread */

struct jwt_claims {
    char sub[40]; /* user UUID */
    char jti[40];
    char kid[64];
    int64_t iat;
    int64_t nbf;
    int64_t exp;
};

/* Signs an access token for user @sub, issued at @now and valid for cfg->access_ttl seconds,
 * with the current key. Returns a new NUL-terminated token the caller frees with free(), or
 * NULL when @sub is not a UUID, the key is empty, or libjwt fails. */
char *jwt_token_issue(const struct fc_config *cfg, const char *sub, time_t now);

/* Signs the claims object @claims (borrowed) as an HS256 token under the current key and
 * kid: the building block of jwt_token_issue() and of other signed tokens (tool_token.h).
 * Returns a new token (free()), or NULL when the key is empty or libjwt fails. */
char *jwt_token_sign(const struct fc_config *cfg, const json_t *claims);

/* Checks the header rules and the signature of @token, not its claims. Returns 0 with the
 * claims object in *@claims (a new reference, caller decrefs), or FC_EAUTH (*@claims NULL).
 * The caller checks the claims of its kind of token. */
int jwt_token_decode(const struct fc_config *cfg, const char *token, json_t **claims);

/* Verifies @token at time @now (see the header comment for the rules). Returns 0 and fills
 * @out (may be NULL), or FC_EAUTH for any token that is not valid at @now. Never logs the
 * token. */
int jwt_token_verify(const struct fc_config *cfg, const char *token, time_t now,
                     struct jwt_claims *out);

#endif
