/* utf8.h - the one UTF-8 module of finchat: validation, decoding and encoding of one code
 * point, counting, cutting at a character boundary, text that arrives in pieces (provider
 * tokens) and repair of invalid bytes.
 *
 * Valid UTF-8 here is RFC 3629's: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF. U+0000 is a valid code point (utf8_sanitize() replaces it all the same).
 * Pure functions; safe from any thread. */
#ifndef FINCHAT_UTF8_H
#define FINCHAT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER, which stands in for bytes that are not UTF-8. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"
/* utf8_decode() of a valid beginning cut short by the end of the input. */
#define UTF8_INCOMPLETE (-1)

/* Decodes the code point at @s (@len bytes available). Returns its length in bytes (1..4)
 * and sets *@cp (may be NULL); returns 0 when the bytes at @s can never be valid UTF-8 (a
 * stray continuation byte, a bad lead byte, an overlong form, a surrogate, a value above
 * U+10FFFF), and UTF8_INCOMPLETE when they are a valid beginning that @len cuts short
 * (@len 0 included). *@cp is untouched unless the return is positive. */
int utf8_decode(const char *s, size_t len, int32_t *cp);
/* Writes the UTF-8 encoding of @cp into @out (room for 4 bytes, no NUL added). Returns the
 * byte count (1..4), or 0 when @cp is not a Unicode scalar value (negative, a surrogate,
 * above U+10FFFF). */
size_t utf8_encode(int32_t cp, char out[4]);

/* True when the @len bytes of @s are valid UTF-8 (NUL bytes included, as U+0000). */
bool utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8 @s of @len bytes (in invalid text: the bytes that are
 * not continuation bytes). */
size_t utf8_count(const char *s, size_t len);
/* Returns the byte length of the first @ncp code points of valid UTF-8 @s (@len bytes), or
 * @len when it holds fewer. */
size_t utf8_advance(const char *s, size_t len, size_t ncp);
/* Returns the longest length <= @max at which valid UTF-8 @s (@len bytes) can be cut without
 * splitting a character: @len when @len <= @max. In invalid text it never returns more than
 * @max and never stops inside a valid sequence. */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* Copies into @out (@outlen bytes, NUL included) as much of UTF-8 @s (@len bytes) as fits
 * without splitting a character (utf8_cut()), and a NUL. Returns the bytes copied. Nothing
 * is written when @outlen is 0. */
size_t utf8_copy(char *out, size_t outlen, const char *s, size_t len);

/* For text that arrives in pieces: returns the length of the longest prefix of @s (@len
 * bytes) that does not end inside a multi-byte character. The rest, its incomplete tail (at
 * most 3 bytes), should wait for the next piece. Bytes that can never become valid UTF-8 are
 * not held back (utf8_sanitize() replaces them). */
size_t utf8_complete(const char *s, size_t len);
/* Returns a NUL-terminated copy of @len bytes of @s in which every byte sequence that is not
 * valid UTF-8, and every NUL, is replaced by U+FFFD (one per invalid byte). *@outlen (may be
 * NULL) receives its length. Caller frees. */
char *utf8_sanitize(const char *s, size_t len, size_t *outlen);

#endif
