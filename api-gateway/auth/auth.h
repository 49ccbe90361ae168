/* auth.h - accounts and credentials: the auth_routes table (register, login, refresh-token
 * rotation, logout, /me, personal API keys) and auth_authenticate(), the check the server
 * runs before every route that is not ROUTE_PUBLIC.
 *
 * Credentials (proto/API.md, SPEC §4 and §9):
 * - Access token: an HS256 JWT (jwt_token.h), valid cfg->access_ttl seconds, presented as
 *   "Authorization: Bearer <jwt>" or, from browsers, in the HttpOnly finchat_session cookie.
 * - Refresh token: 32 random bytes, base64url (43 characters), stored only as its SHA-256.
 *   Each refresh rotates it within its family; presenting a rotated or revoked token again
 *   revokes the whole family (all sessions descended from that login) and is audited.
 * - CSRF: cookie-authenticated requests other than GET/HEAD/OPTIONS must send X-CSRF-Token
 *   equal to the finchat_csrf cookie (double submit, compared in constant time). The same rule
 *   covers /auth/refresh and /auth/logout when the refresh token comes from its cookie.
 * - API key: "fc_" + 43 base64url characters, stored only as its SHA-256, shown once.
 *   Accepted only on routes flagged ROUTE_APIKEY (GET /me, the OpenAI-compatible facade ...);
 *   elsewhere a Bearer fc_ key gets 403. Keys cannot manage keys, so a leaked key cannot
 *   mint more.
 *
 * Nothing here logs a password, token, key or hash. Failed logins, refresh-token reuse, key
 * creation and revocation go to audit_log with the client IP. */
#ifndef FINCHAT_AUTH_H
#define FINCHAT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "api-gateway/http/api.h"

#define AUTH_EMAIL_MAX 254 /* RFC 5321 path limit */
#define AUTH_NAME_MAX 100  /* characters (code points) of a user or key name */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256
#define AUTH_MAX_API_KEYS 100 /* active keys per user */

/* POST /api/v1/auth/register, /login, /refresh, /logout; GET /api/v1/me; POST, GET
 * /api/v1/api-keys and DELETE /api/v1/api-keys/{id}. NULL-terminated. */
extern const struct api_route auth_routes[];

/* Authenticates a request for a route with @route_flags (api.h ROUTE_*). @authorization,
 * @cookie and @csrf_header are the raw Authorization, Cookie and X-CSRF-Token header values
 * (each NULL when absent). Order: an Authorization header decides alone (Bearer JWT, or
 * Bearer fc_ API key on ROUTE_APIKEY routes, or on ROUTE_TOOLTOKEN routes a request's tool
 * token, whose sub is the user); without one, the finchat_session cookie, plus
 * the CSRF rule for unsafe methods. The user must still exist.
 * On success sets req->user_id and returns 0. Otherwise fills @resp with 401 unauthorized
 * (with a "WWW-Authenticate: Bearer" header), 403 forbidden (CSRF, or an API key where none is
 * accepted) or 500/503, and returns the matching negative FC_E* code.
 * @locality pool thread (uses req->pg; updates api_keys.last_used_at at most once a minute). */
int auth_authenticate(struct api_req *req, const char *authorization, const char *cookie,
                      const char *csrf_header, int route_flags, struct api_resp *resp);

/* Returns the credential of an Authorization value "Bearer <credential>" (scheme
 * case-insensitive, one credential without spaces), pointing into @authorization, or NULL. */
const char *auth_bearer(const char *authorization);

/* Validates @in as an email address (ASCII only: local@domain with a dotted domain, at most
 * AUTH_EMAIL_MAX characters after trimming surrounding spaces) and writes it lower-cased into
 * @out (@outlen bytes). Returns 0, or FC_EINVAL (then @out is unspecified). */
int auth_email_normalize(const char *in, char *out, size_t outlen);

/* Double-submit check: true when both tokens are present, at least 16 characters, and equal
 * (compared in constant time for equal lengths). */
bool auth_csrf_valid(const char *cookie_token, const char *header_token);

#endif
