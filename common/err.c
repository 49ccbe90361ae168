/* err.c - descriptions of the project's error codes. */
#include "err.h"

static const struct {
    const char *name;
    const char *text;
} errs[] = {
    {"ok", "success"},
    {"invalid", "invalid input"},
    {"not_found", "not found"},
    {"conflict", "conflict"},
    {"unauthorized", "authentication required or failed"},
    {"forbidden", "not allowed"},
    {"too_large", "input too large"},
    {"dependency_down", "a dependency is unavailable"},
    {"timeout", "timed out"},
    {"io_error", "operating-system call failed"},
    {"rate_limited", "rate limit exceeded"},
    {"rejected", "content rejected"},
    {"canceled", "canceled"},
};

const char *err_str(int code)
{
    if (code > 0 || code < FC_ERR_MIN)
        return "unknown error";
    return errs[-code].text;
}

const char *err_name(int code)
{
    if (code > 0 || code < FC_ERR_MIN)
        return "unknown";
    return errs[-code].name;
}
