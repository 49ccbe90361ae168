/* router.c - segment-by-segment matching of route patterns. */
#include "api-gateway/http/router.h"

#include "xmalloc.h"

#include <string.h>

/* Matches one pattern; on success stores the captures. */
static bool match_one(const char *pat, const char *path, size_t len, char **params, int *nparams)
{
    const char *p = path, *end = path + len;
    int n = 0;

    while (*pat) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            const char *seg_end = memchr(p, '/', (size_t)(end - p));

            if (!seg_end)
                seg_end = end;
            if (!close || seg_end == p || n >= API_MAX_PARAMS)
                goto fail;
            params[n++] = xstrndup(p, (size_t)(seg_end - p));
            p = seg_end;
            pat = close + 1;
        } else {
            if (p >= end || *p != *pat)
                goto fail;
            p++;
            pat++;
        }
    }
    if (p != end)
        goto fail;
    *nparams = n;
    return true;
fail:
    while (n > 0)
        free(params[--n]);
    return false;
}

int router_match(const struct api_route *const *tables, const char *method, const char *path,
                 size_t len, const struct api_route **out, char **params, int *nparams)
{
    int result = ROUTER_NOT_FOUND;

    for (; *tables; tables++) {
        for (const struct api_route *r = *tables; r->method; r++) {
            char *caps[API_MAX_PARAMS];
            int n = 0;

            if (!match_one(r->pattern, path, len, caps, &n))
                continue;
            if (strcmp(r->method, method) != 0) {
                while (n > 0)
                    free(caps[--n]);
                result = ROUTER_METHOD_NOT_ALLOWED;
                continue;
            }
            memcpy(params, caps, sizeof(caps[0]) * (size_t)n);
            *nparams = n;
            *out = r;
            return ROUTER_MATCH;
        }
    }
    return result;
}

size_t router_allowed(const struct api_route *const *tables, const char *path, size_t len,
                      char *buf, size_t size)
{
    size_t used = 0;

    if (size == 0)
        return 0;
    buf[0] = '\0';
    for (; *tables; tables++) {
        for (const struct api_route *r = *tables; r->method; r++) {
            char *caps[API_MAX_PARAMS];
            int n = 0;
            int w;

            if (!match_one(r->pattern, path, len, caps, &n))
                continue;
            while (n > 0)
                free(caps[--n]);
            if (strstr(buf, r->method)) /* the tables may list a method twice */
                continue;
            w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", r->method);
            if (w < 0 || (size_t)w >= size - used) {
                buf[used] = '\0';
                return used;
            }
            used += (size_t)w;
        }
    }
    return used;
}
