/* jsonlimit.h - a pre-parse guard for request bodies: rejects JSON nested deeper than a limit
 * before the parser sees it, so a hostile body cannot exhaust the stack or the CPU.
 * Pure; strings and escapes are honoured, so brackets inside strings do not count. */
#ifndef FINCHAT_JSONLIMIT_H
#define FINCHAT_JSONLIMIT_H

#include <stdbool.h>
#include <stddef.h>

/* True when the nesting of objects and arrays in @buf never exceeds @max_depth. */
bool json_depth_ok(const char *buf, size_t len, int max_depth);

#endif
