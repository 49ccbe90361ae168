/* cookies.c - Cookie header parsing and Set-Cookie building (see cookies.h). */
#include "api-gateway/http/cookies.h"

#include "err.h"
#include "xmalloc.h"

#include <string.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet: visible ASCII except '"', ',', ';' and '\'. */
static bool is_cookie_octet(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

bool cookies_name_valid(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

bool cookies_value_valid(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if (!is_cookie_octet((unsigned char)*s))
            return false;
    return true;
}

static bool path_valid(const char *s)
{
    if (!s || *s != '/')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e || *s == ';')
            return false;
    return true;
}

int cookies_get(const char *header, const char *name, char *out, size_t outlen)
{
    const char *p = header;
    size_t nlen;

    if (outlen)
        out[0] = '\0';
    if (!header || !name || !*name)
        return FC_ENOTFOUND;
    nlen = strlen(name);
    while (*p) {
        const char *k, *kend, *v, *vend;
        size_t vlen;

        while (is_ows(*p) || *p == ';')
            p++;
        if (!*p)
            break;
        k = p;
        while (*p && *p != ';' && *p != '=')
            p++;
        kend = p;
        while (kend > k && is_ows(kend[-1]))
            kend--;
        if (*p != '=')
            continue; /* a pair without '=' names nothing */
        v = ++p;
        while (*p && *p != ';')
            p++;
        vend = p;
        while (v < vend && is_ows(*v))
            v++;
        while (vend > v && is_ows(vend[-1]))
            vend--;
        if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
            v++;
            vend--;
        }
        if ((size_t)(kend - k) != nlen || memcmp(k, name, nlen) != 0)
            continue;
        vlen = (size_t)(vend - v);
        if (vlen >= outlen || vlen > (size_t)0x7fffffff)
            return FC_ETOOBIG;
        memcpy(out, v, vlen);
        out[vlen] = '\0';
        return (int)vlen;
    }
    return FC_ENOTFOUND;
}

char *cookies_set_line(const char *name, const char *value, const char *path, long max_age,
                       unsigned flags)
{
    if (!cookies_name_valid(name) || !cookies_value_valid(value) || !path_valid(path) ||
        max_age < 0)
        return NULL;
    return xasprintf("Set-Cookie: %s=%s; Path=%s%s; SameSite=Strict; Max-Age=%ld%s", name, value,
                     path, (flags & COOKIE_HTTPONLY) ? "; HttpOnly" : "", max_age,
                     (flags & COOKIE_SECURE) ? "; Secure" : "");
}
