/* cookies.h - reads one cookie out of a Cookie request header and builds Set-Cookie lines
 * (RFC 6265). Pure functions of their arguments: no I/O, no global state, any thread.
 *
 * The parser is lenient the way browsers are (optional spaces, pairs without '=' skipped,
 * a quoted value unquoted) and never reads past the NUL of its input. The builder is
 * strict: it refuses names, values and paths that would need quoting or could inject
 * attributes, so a Set-Cookie line can never carry more than what the caller meant. */
#ifndef FINCHAT_COOKIES_H
#define FINCHAT_COOKIES_H

#include <stdbool.h>
#include <stddef.h>

/* The cookies of a finchat session (proto/API.md). */
#define COOKIE_SESSION "finchat_session" /* access JWT, HttpOnly, Path=/ */
#define COOKIE_REFRESH "finchat_refresh" /* refresh token, HttpOnly, Path=/api/v1/auth */
#define COOKIE_CSRF "finchat_csrf"       /* double-submit token, readable by scripts, Path=/ */

/* Flags of cookies_set_line(). Every cookie is SameSite=Strict. */
#define COOKIE_HTTPONLY 0x1
#define COOKIE_SECURE 0x2

/* Finds the first cookie called @name (case-sensitive) in the Cookie header value @header
 * and copies its value, without surrounding double quotes, into @out (@outlen bytes,
 * always NUL-terminated when @outlen > 0).
 * Returns the value's length (0 for an empty value), FC_ENOTFOUND when @header is NULL or
 * has no such cookie, FC_ETOOBIG when the value does not fit (then @out is ""). */
int cookies_get(const char *header, const char *name, char *out, size_t outlen);

/* Builds "Set-Cookie: <name>=<value>; Path=<path>[; HttpOnly]; SameSite=Strict;
 * Max-Age=<max_age>[; Secure]", ready for api_header(). @value may be "" (with @max_age 0 that
 * clears a cookie). Returns a new string the caller frees, or NULL when @name is not an RFC 6265
 * token,
 * @value has a character outside cookie-octet, @path is not an absolute path of visible
 * characters without ';', or @max_age is negative. */
char *cookies_set_line(const char *name, const char *value, const char *path, long max_age,
                       unsigned flags);

/* True when @s is a non-empty RFC 6265 cookie name (an RFC 7230 token). */
bool cookies_name_valid(const char *s);
/* True when every character of @s is a cookie-octet (empty is valid). */
bool cookies_value_valid(const char *s);

#endif
