/* trace.h - W3C trace context (traceparent) for requests crossing browser → gateway →
 * Kafka → worker → provider: parse, validate, and derive a child with a new span id.
 * Pure apart from randomness; thread-safe. */
#ifndef FINCHAT_TRACE_H
#define FINCHAT_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#define TRACEPARENT_LEN 55 /* "00-" 32 hex "-" 16 hex "-" 2 hex */

/* True when @tp is a well-formed version-00 traceparent with non-zero ids. */
bool trace_valid(const char *tp);
/* Writes a traceparent for a new span into @out (>= TRACEPARENT_LEN + 1 bytes): the trace
 * id of @parent when it is valid, else a fresh one. @trace_id (>= 33 bytes, may be NULL)
 * receives the trace id. */
void trace_child(const char *parent, char *out, size_t outlen, char *trace_id);
/* Fills @out with 2 * @nbytes random lower-case hex digits and a NUL (@nbytes <= 32). */
void trace_random_hex(char *out, size_t nbytes);

#endif
