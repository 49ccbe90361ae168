/* sse.c - text/event-stream framing. */
#include "api-gateway/http/sse.h"

#include <string.h>

void sse_append_event(struct strbuf *out, int64_t id, const char *event, const char *data,
                      size_t data_len)
{
    size_t start = 0;

    if (id >= 0)
        strbuf_addf(out, "id: %lld\n", (long long)id);
    if (event) {
        strbuf_addstr(out, "event: ");
        strbuf_add(out, event, strcspn(event, "\r\n"));
        strbuf_addch(out, '\n');
    }
    for (size_t i = 0; i <= data_len; i++) {
        if (i == data_len || data[i] == '\n' || data[i] == '\r') {
            strbuf_addstr(out, "data: ");
            strbuf_add(out, data + start, i - start);
            strbuf_addch(out, '\n');
            if (i + 1 < data_len && data[i] == '\r' && data[i + 1] == '\n')
                i++;
            start = i + 1;
        }
    }
    strbuf_addch(out, '\n');
}

int64_t sse_parse_last_event_id(const char *s)
{
    int64_t v = 0;

    if (!s || !*s || strlen(s) > 18)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}
