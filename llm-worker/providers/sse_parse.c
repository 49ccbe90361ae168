/* sse_parse.c - incremental text/event-stream framing. */
#include "llm-worker/providers/sse_parse.h"

#include "err.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

void sse_parse_init(struct sse_parser *p, size_t max_bytes)
{
    memset(p, 0, sizeof(*p));
    p->max = max_bytes ? max_bytes : SSE_DEFAULT_MAX;
}

void sse_parse_release(struct sse_parser *p)
{
    free(p->line);
    free(p->data);
    p->line = p->data = NULL;
    p->line_len = p->line_cap = p->data_len = p->data_cap = 0;
}

/* Appends @n bytes to a growable buffer, keeping room for a NUL. */
static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 256;

        while (ncap < *len + n + 1)
            ncap *= 2;
        *buf = xrealloc(*buf, ncap);
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static int dispatch(struct sse_parser *p, sse_event_fn fn, void *ud)
{
    struct sse_event ev;
    int rc;

    if (!p->has_data) {
        p->event[0] = '\0';
        return 0;
    }
    if (p->data_len > 0 && p->data[p->data_len - 1] == '\n')
        p->data_len--;
    p->data[p->data_len] = '\0';
    ev.event = p->event;
    ev.data = p->data;
    ev.data_len = p->data_len;
    rc = fn(ud, &ev);
    p->data_len = 0;
    p->has_data = false;
    p->event[0] = '\0';
    return rc;
}

/* Interprets one complete line (without its line end). */
static int process_line(struct sse_parser *p, const char *s, size_t n, sse_event_fn fn, void *ud)
{
    const char *colon, *value;
    size_t flen, vlen;

    if (!p->started) {
        p->started = true;
        if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            n -= 3;
        }
    }
    if (n == 0)
        return dispatch(p, fn, ud);
    if (s[0] == ':')
        return 0;
    colon = memchr(s, ':', n);
    flen = colon ? (size_t)(colon - s) : n;
    value = colon ? colon + 1 : s + n;
    vlen = (size_t)(s + n - value);
    if (vlen > 0 && value[0] == ' ') {
        value++;
        vlen--;
    }
    if (flen == 4 && memcmp(s, "data", 4) == 0) {
        if (p->data_len + vlen + 1 > p->max)
            return p->failed = FC_ETOOBIG;
        append(&p->data, &p->data_len, &p->data_cap, value, vlen);
        append(&p->data, &p->data_len, &p->data_cap, "\n", 1);
        p->has_data = true;
    } else if (flen == 5 && memcmp(s, "event", 5) == 0) {
        if (vlen >= sizeof(p->event))
            vlen = sizeof(p->event) - 1;
        memcpy(p->event, value, vlen);
        p->event[vlen] = '\0';
    }
    /* id, retry and unknown fields do not matter to a one-shot upstream stream. */
    return 0;
}

int sse_parse_feed(struct sse_parser *p, const char *buf, size_t len, sse_event_fn fn, void *ud)
{
    size_t i = 0;
    int rc;

    if (p->failed)
        return p->failed;
    while (i < len) {
        size_t j = i;

        if (p->cr_pending) {
            p->cr_pending = false;
            if (buf[i] == '\n') {
                i++;
                continue;
            }
        }
        while (j < len && buf[j] != '\n' && buf[j] != '\r')
            j++;
        if (p->line_len + (j - i) + p->data_len > p->max)
            return p->failed = FC_ETOOBIG;
        if (j == len) {
            append(&p->line, &p->line_len, &p->line_cap, buf + i, j - i);
            break;
        }
        if (p->line_len == 0) {
            rc = process_line(p, buf + i, j - i, fn, ud);
        } else {
            append(&p->line, &p->line_len, &p->line_cap, buf + i, j - i);
            rc = process_line(p, p->line, p->line_len, fn, ud);
            p->line_len = 0;
        }
        if (rc)
            return rc;
        if (buf[j] == '\r') {
            if (j + 1 < len && buf[j + 1] == '\n')
                j++;
            else if (j + 1 == len)
                p->cr_pending = true;
        }
        i = j + 1;
    }
    return 0;
}

int sse_parse_finish(struct sse_parser *p, sse_event_fn fn, void *ud)
{
    int rc;

    if (p->failed)
        return p->failed;
    if (p->line_len > 0) {
        rc = process_line(p, p->line, p->line_len, fn, ud);
        p->line_len = 0;
        if (rc)
            return rc;
    }
    return dispatch(p, fn, ud);
}
