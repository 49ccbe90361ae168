/* utf8.h - UTF-8 helpers for text that arrives in pieces (provider tokens): where a piece
 * can be cut without splitting a character, repair of invalid bytes, counting characters.
 * Pure functions; safe from any thread. */
#ifndef FINCHAT_UTF8_H
#define FINCHAT_UTF8_H

#include <stddef.h>

/* Returns the length of the longest prefix of @s (@len bytes) that does not end inside a
 * multi-byte character; the rest (at most 3 bytes) should wait for the next piece. Bytes
 * that can never become valid UTF-8 are not held back (utf8_sanitize() replaces them). */
size_t utf8_complete(const char *s, size_t len);
/* Returns a NUL-terminated copy of @len bytes of @s in which every byte sequence that is not
 * valid UTF-8 (including overlong forms, surrogates and NUL) is replaced by U+FFFD.
 * *@outlen (may be NULL) receives its length. Caller frees. */
char *utf8_sanitize(const char *s, size_t len, size_t *outlen);
/* Number of code points in valid UTF-8 @s of @len bytes. */
size_t utf8_count(const char *s, size_t len);

#endif
