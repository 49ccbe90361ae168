/* sse_parse.h - incremental framing of a text/event-stream body (upstream LLM providers).
 *
 * Bytes arrive in arbitrary splits; the parser keeps the partial line and the event being
 * assembled, and calls back once per complete event. It follows the WHATWG EventSource
 * rules: lines end with CRLF, LF or CR (a CRLF split across two feeds is one line end);
 * "field: value" with one optional space after the colon; several `data:` lines join with
 * "\n"; lines starting with ':' are comments; `event:` names the event; a blank line
 * dispatches; an event without data is not dispatched; a UTF-8 BOM at the start is skipped.
 *
 * Pure: no I/O, no globals. Each parser belongs to one stream on one thread. */
#ifndef FINCHAT_SSE_PARSE_H
#define FINCHAT_SSE_PARSE_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

#define SSE_EVENT_NAME_MAX 64
#define SSE_DEFAULT_MAX (1024 * 1024)

/* One dispatched event. Strings are NUL-terminated and valid only during the callback;
 * @event is "" when the stream named none ("message" by the standard). */
struct sse_event {
    const char *event;
    const char *data;
    size_t data_len;
};

/* Called for each event; a non-zero return stops parsing and is returned by the feed. */
typedef int (*sse_event_fn)(void *ud, const struct sse_event *ev);

struct sse_parser {
    struct strbuf line; /* the partial line carried between feeds */
    struct strbuf data; /* the data of the event being assembled */
    char event[SSE_EVENT_NAME_MAX];
    bool has_data;
    bool cr_pending; /* the previous feed ended with CR: skip one leading LF */
    bool started;    /* the BOM check is done */
    int failed;      /* sticky error once a limit was exceeded */
    size_t max;      /* limit of one line plus the event's data, bytes */
};

/* Prepares @p; @max_bytes bounds one line plus one event's data (0 = SSE_DEFAULT_MAX). */
void sse_parse_init(struct sse_parser *p, size_t max_bytes);
/* Frees the buffers of @p; the struct may be initialised again. */
void sse_parse_release(struct sse_parser *p);

/* Feeds @len bytes. Returns 0, FC_ETOOBIG when a line or event exceeds the limit (the
 * parser then fails every later feed too), or the first non-zero value returned by @fn. */
int sse_parse_feed(struct sse_parser *p, const char *buf, size_t len, sse_event_fn fn, void *ud);

/* Ends the stream: a last line without its line end counts as complete and an event whose
 * blank line never came is dispatched (lenient with servers that close right after their
 * final `data:` line). Returns like sse_parse_feed(). */
int sse_parse_finish(struct sse_parser *p, sse_event_fn fn, void *ud);

#endif
