/* sse_parse.c - incremental text/event-stream framing. */
#include "llm-worker/providers/sse_parse.h"

#include "err.h"

#include <string.h>

void sse_parse_init(struct sse_parser *p, size_t max_bytes)
{
    memset(p, 0, sizeof(*p));
    strbuf_init(&p->line, 0);
    strbuf_init(&p->data, 0);
    p->max = max_bytes ? max_bytes : SSE_DEFAULT_MAX;
}

void sse_parse_release(struct sse_parser *p)
{
    strbuf_release(&p->line);
    strbuf_release(&p->data);
}

static int dispatch(struct sse_parser *p, sse_event_fn fn, void *ud)
{
    struct sse_event ev;
    int rc;

    if (!p->has_data) {
        p->event[0] = '\0';
        return 0;
    }
    if (p->data.len > 0 && p->data.buf[p->data.len - 1] == '\n')
        strbuf_setlen(&p->data, p->data.len - 1);
    ev.event = p->event;
    ev.data = p->data.buf;
    ev.data_len = p->data.len;
    rc = fn(ud, &ev);
    strbuf_reset(&p->data);
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
        if (p->data.len + vlen + 1 > p->max)
            return p->failed = FC_ETOOBIG;
        strbuf_add(&p->data, value, vlen);
        strbuf_addch(&p->data, '\n');
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
        if (p->line.len + (j - i) + p->data.len > p->max)
            return p->failed = FC_ETOOBIG;
        if (j == len) {
            strbuf_add(&p->line, buf + i, j - i);
            break;
        }
        if (p->line.len == 0) {
            rc = process_line(p, buf + i, j - i, fn, ud);
        } else {
            strbuf_add(&p->line, buf + i, j - i);
            rc = process_line(p, p->line.buf, p->line.len, fn, ud);
            strbuf_reset(&p->line);
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
    if (p->line.len > 0) {
        rc = process_line(p, p->line.buf, p->line.len, fn, ud);
        strbuf_reset(&p->line);
        if (rc)
            return rc;
    }
    return dispatch(p, fn, ud);
}
