/* query.h - the query string of a request URL ("a=1&b=x%20y") as decoded key/value pairs.
 *
 * Pure: no I/O and no state, so any thread may call it; it reads network input, so it is
 * unit-tested and fuzzed (tests/fuzz/fuzz_query.c). Decoding follows HTML forms
 * (application/x-www-form-urlencoded): '+' is a space and %XX a byte; a '%' not followed by
 * two hex digits stays as it is. Bytes are not checked for UTF-8: handlers validate values. */
#ifndef FINCHAT_QUERY_H
#define FINCHAT_QUERY_H

#include <stddef.h>

struct query_kv {
    char *key; /* decoded, NUL-terminated */
    char *val; /* decoded, NUL-terminated; "" for a component without '=' */
};

/* Decodes the @n bytes at @s. Returns a new NUL-terminated string of at most @n bytes
 * (caller frees). A decoded %00 ends the string as C sees it. */
char *query_decode(const char *s, size_t n);

/* Splits the @len bytes of @q (what follows the '?') at '&' and each component at its
 * first '=', decoding both halves into @out, in order. Empty components ("a=1&&b=2") are
 * skipped; components beyond @max are ignored. Returns the number of pairs filled; the
 * caller releases them with query_release(). */
int query_parse(const char *q, size_t len, struct query_kv *out, int max);

/* Frees the @n pairs of @kv that query_parse() filled (the array itself is the caller's). */
void query_release(struct query_kv *kv, int n);

#endif
