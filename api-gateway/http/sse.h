/* sse.h - Server-Sent Events framing: renders one event as text/event-stream bytes.
 * Pure; data containing newlines becomes several `data:` lines, as the SSE spec requires,
 * and a carriage return in event names or data is treated as a line break. */
#ifndef FINCHAT_SSE_H
#define FINCHAT_SSE_H

#include "strbuf.h"

#include <stddef.h>
#include <stdint.h>

/* Appends "id: <id>\nevent: <event>\ndata: ...\n\n" to @out. @id < 0 omits the id line,
 * @event NULL omits the event line. */
void sse_append_event(struct strbuf *out, int64_t id, const char *event, const char *data,
                      size_t data_len);
/* Parses a Last-Event-ID value (the header, or ?last_event_id=), network input: 1 to 18
 * decimal digits and nothing else (no sign, space or suffix). Returns the id, or -1 for
 * NULL or anything else. */
int64_t sse_parse_last_event_id(const char *s);

#endif
