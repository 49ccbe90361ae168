/* router.h - matches "METHOD /path" against route tables with {param} segments.
 * Pure: no I/O, no allocation except the captured parameters. Thread-safe. */
#ifndef FINCHAT_ROUTER_H
#define FINCHAT_ROUTER_H

#include "api-gateway/http/api.h"

#include <stddef.h>

enum { ROUTER_NOT_FOUND = 0, ROUTER_MATCH = 1, ROUTER_METHOD_NOT_ALLOWED = 2 };

/* Looks @path (length @len, no query) up in the NULL-terminated @tables. On ROUTER_MATCH
 * sets *@out and copies up to API_MAX_PARAMS captured segments into @params (caller frees
 * each) with their count in *@nparams. A {param} matches one non-empty segment. */
int router_match(const struct api_route *const *tables, const char *method, const char *path,
                 size_t len, const struct api_route **out, char **params, int *nparams);

/* Writes the methods the routes matching @path allow, "GET, POST", into @buf (NUL-terminated,
 * cut at a whole method when @size is short); returns its length (0: no route matches). */
size_t router_allowed(const struct api_route *const *tables, const char *path, size_t len,
                      char *buf, size_t size);

#endif
