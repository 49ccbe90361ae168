/* strbuf.c - the growable byte string (see strbuf.h). */
#include "strbuf.h"

#include "xmalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRBUF_MIN_ALLOC 64

/* Written by no one: strbuf_setlen() skips the write for unallocated buffers. */
char strbuf_slopbuf[1];

/* A caller's bug (or a size that cannot exist): says which, then aborts like xmalloc. */
static _Noreturn void fatal(const char *what)
{
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"strbuf: %s\"}\n", what);
    abort();
}

void strbuf_init(struct strbuf *sb, size_t hint)
{
    sb->alloc = 0;
    sb->len = 0;
    sb->buf = strbuf_slopbuf;
    if (hint)
        strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
    if (sb->alloc)
        free(sb->buf);
    strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *sz)
{
    char *s;

    strbuf_grow(sb, 0);
    s = sb->buf;
    if (sz)
        *sz = sb->len;
    strbuf_init(sb, 0);
    return s;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t need, nalloc;
    bool fresh = sb->alloc == 0;

    if (extra > SIZE_MAX - 1 - sb->len)
        fatal("size overflow");
    need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return;
    nalloc = sb->alloc < STRBUF_MIN_ALLOC ? STRBUF_MIN_ALLOC : sb->alloc;
    while (nalloc < need)
        nalloc = nalloc > SIZE_MAX / 2 ? need : nalloc * 2;
    sb->buf = xrealloc(fresh ? NULL : sb->buf, nalloc);
    sb->alloc = nalloc;
    if (fresh)
        sb->buf[sb->len] = '\0';
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
    if (sb->alloc == 0) {
        /* Only 0 fits, and the shared empty string already ends there. */
        if (len != 0)
            fatal("setlen beyond the allocation");
        return;
    }
    if (len >= sb->alloc)
        fatal("setlen beyond the allocation");
    sb->len = len;
    sb->buf[len] = '\0';
}

void strbuf_reset(struct strbuf *sb)
{
    strbuf_setlen(sb, 0);
}

size_t strbuf_avail(const struct strbuf *sb)
{
    return sb->alloc ? sb->alloc - sb->len - 1 : 0;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    if (len == 0)
        return;
    strbuf_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    strbuf_setlen(sb, sb->len + len);
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
    strbuf_grow(sb, 1);
    sb->buf[sb->len] = (char)c;
    strbuf_setlen(sb, sb->len + 1);
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    /* First try the room already there; most appends fit and format once. */
    if (strbuf_avail(sb) < 64)
        strbuf_grow(sb, 64);
    va_copy(cp, ap);
    n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
    va_end(cp);
    if (n < 0) {
        sb->buf[sb->len] = '\0';
        return;
    }
    if ((size_t)n > strbuf_avail(sb)) {
        strbuf_grow(sb, (size_t)n);
        va_copy(cp, ap);
        n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
        va_end(cp);
    }
    strbuf_setlen(sb, sb->len + (size_t)n);
}
