/* cursor.c - page cursors as base64url of "<sort>.<key>.<uuid>". */
#include "api-gateway/http/cursor.h"

#include "err.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;

        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = b64[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
}

/* Decodes unpadded base64url @in into @out of @cap bytes (NUL-terminated); returns the
 * length, or -1 for a bad character, a bad length or too long an input. */
static int b64url_decode(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in), o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(b64, in[i]);

        if (!p)
            return -1;
        acc = (acc << 6) | (unsigned)(p - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= cap)
                return -1;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return (int)o;
}

void cursor_encode(int sort, int64_t key, const char *id, char *out, size_t len)
{
    char raw[96];
    int n = snprintf(raw, sizeof(raw), "%d.%lld.%s", sort, (long long)key, id);

    if (len < (size_t)(n + 2) / 3 * 4 + 1) {
        if (len)
            out[0] = '\0';
        return;
    }
    b64url_encode((const unsigned char *)raw, (size_t)n, out);
}

int cursor_decode(const char *s, int sort, struct cursor *c)
{
    char raw[96], *end;
    const char *p;
    long long key;

    if (strlen(s) > CURSOR_MAX || b64url_decode(s, raw, sizeof(raw)) < 0)
        return FC_EINVAL;
    if (sort < 0 || sort > 9 || raw[0] != (char)('0' + sort) || raw[1] != '.')
        return FC_EINVAL;
    p = raw + 2;
    if (!((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')))
        return FC_EINVAL;
    errno = 0;
    key = strtoll(p, &end, 10);
    if (errno || *end != '.' || !uuid_valid(end + 1))
        return FC_EINVAL;
    c->sort = sort;
    c->key = key;
    snprintf(c->id, sizeof(c->id), "%s", end + 1);
    return 0;
}
