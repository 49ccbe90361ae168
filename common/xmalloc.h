/* xmalloc.h - allocation that aborts on out-of-memory, so callers never check for NULL. */
#ifndef FINCHAT_XMALLOC_H
#define FINCHAT_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* Each returns usable memory or aborts the process with a message on stderr.
 * xmalloc(0) returns a unique non-NULL pointer. Caller frees with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup(@s), or NULL when @s is NULL. */
char *xstrdup_or_null(const char *s);

/* Formats into a freshly allocated string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
