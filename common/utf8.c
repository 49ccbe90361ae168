/* utf8.c - UTF-8 decoding, validation, boundaries, counting and repair (see utf8.h). */
#include "utf8.h"

#include "xmalloc.h"

#include <string.h>

static bool is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

int utf8_decode(const char *s, size_t len, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xbf, c;
    int32_t v;
    int n;

    if (len == 0)
        return UTF8_INCOMPLETE;
    c = u[0];
    if (c < 0x80) {
        n = 1;
        v = c;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0; /* a continuation byte, an overlong lead (C0, C1) or above U+13FFFF */
    }
    /* The second byte's range rules out what the lead byte alone cannot. */
    if (c == 0xe0)
        lo = 0xa0; /* overlong 3-byte form */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong 4-byte form */
    else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    for (int i = 1; i < n; i++) {
        if ((size_t)i >= len)
            return UTF8_INCOMPLETE;
        if (u[i] < lo || u[i] > hi)
            return 0;
        v = (v << 6) | (u[i] & 0x3f);
        lo = 0x80;
        hi = 0xbf;
    }
    if (cp)
        *cp = v;
    return n;
}

size_t utf8_encode(int32_t cp, char out[4])
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        int n = utf8_decode(s + i, len - i, NULL);

        if (n <= 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (!is_cont((unsigned char)s[i]))
            n++;
    return n;
}

size_t utf8_advance(const char *s, size_t len, size_t ncp)
{
    size_t i = 0;

    for (; i < len && ncp > 0; ncp--) {
        i++;
        while (i < len && is_cont((unsigned char)s[i]))
            i++;
    }
    return i;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
    size_t cut = max;

    if (len <= max)
        return len;
    /* Back off over at most 3 continuation bytes to the lead byte of the character that
     * @max would split; only when that character really is one (invalid bytes are cut
     * anywhere). */
    while (cut > 0 && max - cut < 3 && is_cont((unsigned char)s[cut]))
        cut--;
    if (cut < max && utf8_decode(s + cut, len - cut, NULL) > (int)(max - cut))
        return cut;
    return max;
}

size_t utf8_copy(char *out, size_t outlen, const char *s, size_t len)
{
    size_t n;

    if (outlen == 0)
        return 0;
    n = utf8_cut(s, len, outlen - 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

size_t utf8_complete(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        int n = utf8_decode(s + i, len - i, NULL);

        if (n == UTF8_INCOMPLETE)
            return i;
        i += n > 0 ? (size_t)n : 1;
    }
    return len;
}

char *utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
    char *out = xmalloc(len * 3 + 1);
    size_t i = 0, o = 0;

    while (i < len) {
        int n = utf8_decode(s + i, len - i, NULL);

        if (n > 0 && s[i] != '\0') {
            memcpy(out + o, s + i, (size_t)n);
            o += (size_t)n;
            i += (size_t)n;
        } else {
            memcpy(out + o, UTF8_REPLACEMENT, 3);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    if (outlen)
        *outlen = o;
    return out;
}
