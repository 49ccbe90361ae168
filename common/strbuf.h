/* strbuf.h - a growable byte string, modelled on git's strbuf: growth and NUL-termination
 * live here and nowhere else.
 *
 * Invariants, true after every call below:
 *  - @buf points to @len bytes followed by a NUL, so it is always a C string (the bytes may
 *    themselves contain NULs; @len is the length that counts);
 *  - @alloc is the size of the heap block behind @buf, or 0 while nothing was allocated, in
 *    which case @buf points to a shared, read-only empty string (never write through it and
 *    never free it: use strbuf_release() or strbuf_detach()).
 * A struct strbuf is initialised with STRBUF_INIT or strbuf_init(). An all-zero struct (a
 * field of an xcalloc'd object) is accepted too by every function here, but its @buf stays
 * NULL until the first addition. Out of memory aborts the process (xmalloc). The functions
 * touch only the strbuf they are given: safe from any thread that owns it. */
#ifndef FINCHAT_STRBUF_H
#define FINCHAT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    size_t alloc;
    size_t len;
    char *buf;
};

/* The shared empty string of unallocated buffers; read-only in practice. */
extern char strbuf_slopbuf[];
#define STRBUF_INIT                                                                                \
    {                                                                                              \
        .alloc = 0, .len = 0, .buf = strbuf_slopbuf                                                \
    }

/* Initialises @sb as empty, with room for @hint bytes allocated when @hint > 0. */
void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the memory of @sb and leaves it empty and initialised, ready for reuse. */
void strbuf_release(struct strbuf *sb);
/* Returns the string of @sb (NUL-terminated, never NULL; the caller frees it) and its length
 * in *@sz when @sz is not NULL; @sb is left empty and initialised. */
char *strbuf_detach(struct strbuf *sb, size_t *sz);
/* Makes room for @extra more bytes (plus the NUL) without changing the contents; aborts when
 * the size would overflow. Use strbuf_avail() and strbuf_setlen() to write in place. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Sets the length to @len, which must be at most the length or strbuf_avail() allows, and
 * writes the NUL after it. */
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Empties @sb and keeps its memory for reuse. */
void strbuf_reset(struct strbuf *sb);

/* Bytes that can be written after @buf + @len without growing (the NUL not counted). */
size_t strbuf_avail(const struct strbuf *sb);

/* Appends @len bytes of @data, which may contain NULs and may not point into @sb. */
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
/* Appends the C string @s. */
void strbuf_addstr(struct strbuf *sb, const char *s);
/* Appends the byte @c. */
void strbuf_addch(struct strbuf *sb, int c);
/* Appends printf(@fmt, ...) of any length; an encoding error (EILSEQ) appends nothing. */
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
