/* api.c - helpers handlers use to read requests and build responses (see api.h). */
#include "api-gateway/http/api.h"

#include "err.h"
#include "log.h"
#include "xmalloc.h"
#include "api-gateway/db/dbpool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *api_query(const struct api_req *req, const char *key)
{
    for (int i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, key) == 0)
            return req->query[i].val;
    return NULL;
}

int api_query_int(const struct api_req *req, struct api_resp *resp, const char *key, int64_t def,
                  int64_t lo, int64_t hi, int64_t *out)
{
    const char *v = api_query(req, key);
    char *end;
    long long n;

    if (!v || !*v) {
        *out = def;
        return 0;
    }
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return api_error(resp, 400, "invalid_field", "%s must be an integer between %lld and %lld",
                         key, (long long)lo, (long long)hi);
    *out = n;
    return 0;
}

int api_json(struct api_resp *resp, int status, json_t *body)
{
    resp->status = status;
    json_decref(resp->body);
    resp->body = body;
    return 0;
}

static int status_code(int status)
{
    switch (status) {
    case 400:
    case 413:
    case 415:
        return FC_EINVAL;
    case 401:
        return FC_EAUTH;
    case 403:
        return FC_EPERM;
    case 404:
        return FC_ENOTFOUND;
    case 409:
        return FC_ECONFLICT;
    case 422:
        return FC_EREJECT;
    case 429:
        return FC_ERATE;
    case 503:
        return FC_EDEP;
    default:
        return FC_EIO;
    }
}

int api_error(struct api_resp *resp, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    resp->status = status;
    json_decref(resp->body);
    resp->body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    return status_code(status);
}

void api_header(struct api_resp *resp, const char *line)
{
    if (resp->nheaders < (int)(sizeof(resp->headers) / sizeof(resp->headers[0])))
        resp->headers[resp->nheaders++] = xstrdup(line);
}

int api_pg_fail(struct api_req *req, struct api_resp *resp, int rc)
{
    log_emit(LOG_ERROR, req->request_id, NULL, NULL, "request failed: database %s", err_name(rc));
    if (rc == FC_EDEP)
        return api_error(resp, 503, "dependency_down", "the database is unavailable");
    return api_error(resp, 500, "internal", "internal error");
}
