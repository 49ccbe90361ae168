/* query.c - query-string splitting and form decoding. */
#include "api-gateway/http/query.h"

#include "xmalloc.h"

#include <stdlib.h>

/* The value of hex digit @c, or -1. */
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *query_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

int query_parse(const char *q, size_t len, struct query_kv *out, int max)
{
    size_t i = 0;
    int n = 0;

    while (i < len && n < max) {
        size_t end = i, eq;

        while (end < len && q[end] != '&')
            end++;
        eq = i;
        while (eq < end && q[eq] != '=')
            eq++;
        if (end > i) {
            out[n].key = query_decode(q + i, eq - i);
            out[n].val = eq < end ? query_decode(q + eq + 1, end - eq - 1) : xstrdup("");
            n++;
        }
        i = end + 1;
    }
    return n;
}

void query_release(struct query_kv *kv, int n)
{
    for (int i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].val);
    }
}
