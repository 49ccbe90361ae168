/* sse.c - text/event-stream framing. */
#include "api-gateway/http/sse.h"

#include "xmalloc.h"

#include <stdio.h>
#include <string.h>

static void put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 256;

        while (*len + n + 1 > ncap)
            ncap *= 2;
        *buf = xrealloc(*buf, ncap);
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

void sse_append_event(char **buf, size_t *len, size_t *cap, int64_t id, const char *event,
                      const char *data, size_t data_len)
{
    char line[64];
    size_t start = 0;

    if (id >= 0) {
        int n = snprintf(line, sizeof(line), "id: %lld\n", (long long)id);

        put(buf, len, cap, line, (size_t)n);
    }
    if (event) {
        put(buf, len, cap, "event: ", 7);
        put(buf, len, cap, event, strcspn(event, "\r\n"));
        put(buf, len, cap, "\n", 1);
    }
    for (size_t i = 0; i <= data_len; i++) {
        if (i == data_len || data[i] == '\n' || data[i] == '\r') {
            put(buf, len, cap, "data: ", 6);
            put(buf, len, cap, data + start, i - start);
            put(buf, len, cap, "\n", 1);
            if (i + 1 < data_len && data[i] == '\r' && data[i + 1] == '\n')
                i++;
            start = i + 1;
        }
    }
    put(buf, len, cap, "\n", 1);
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
