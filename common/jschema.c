/* jschema.c - checks a JSON value against the JSON Schema subset of jschema.h. */
#include "jschema.h"

#include "err.h"
#include "strbuf.h"
#include "utf8.h"

#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the place of a problem ("filter.items[3]"); a longer one is cut. */
#define PATH_MAX_BYTES 160

struct check {
    char *err;
    unsigned errlen;
};

/* Writes "@path: <fmt ...>" into the error buffer ("(arguments)" for the value itself, and
 * "schema" for a fault of the schema). Returns FC_EINVAL. */
static int __attribute__((format(printf, 3, 4)))
fail(struct check *c, const char *path, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    strbuf_addstr(&sb, *path ? path : "(arguments)");
    strbuf_addstr(&sb, ": ");
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    if (c->err)
        utf8_copy(c->err, c->errlen, sb.buf, sb.len);
    strbuf_release(&sb);
    return FC_EINVAL;
}

/* A fault of the schema: "schema: <what> at <place>". Returns FC_EINVAL. */
static int bad_schema(struct check *c, const char *what, const char *path)
{
    return fail(c, "schema", "%s at %s", what, *path ? path : "(arguments)");
}

/* Writes a place ("period", "filter.month", "tags[2]") into @out (PATH_MAX_BYTES), cut at a
 * character boundary. */
static void __attribute__((format(printf, 2, 3))) place(char *out, const char *fmt, ...)
{
    char buf[PATH_MAX_BYTES * 2];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    n = n < 0 ? 0 : n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1;
    utf8_copy(out, PATH_MAX_BYTES, buf, (size_t)n);
}

static const struct {
    const char *name, *phrase;
} types[] = {
    {"object", "an object"},   {"array", "an array"},  {"string", "a string"},
    {"integer", "an integer"}, {"number", "a number"}, {"boolean", "a boolean"},
    {"null", "null"},
};

/* True when @v is a number without a fractional part (6, 6.0). */
static bool integral(const json_t *v)
{
    double d;

    if (json_is_integer(v))
        return true;
    if (!json_is_real(v))
        return false;
    d = json_real_value(v);
    return isfinite(d) && floor(d) == d;
}

/* Sets *@ok to whether @v is of the type named @name; returns -1 for an unknown name. */
static int type_is(const char *name, const json_t *v, bool *ok)
{
    if (strcmp(name, "object") == 0)
        *ok = json_is_object(v);
    else if (strcmp(name, "array") == 0)
        *ok = json_is_array(v);
    else if (strcmp(name, "string") == 0)
        *ok = json_is_string(v);
    else if (strcmp(name, "integer") == 0)
        *ok = integral(v);
    else if (strcmp(name, "number") == 0)
        *ok = json_is_number(v);
    else if (strcmp(name, "boolean") == 0)
        *ok = json_is_boolean(v);
    else if (strcmp(name, "null") == 0)
        *ok = json_is_null(v);
    else
        return -1;
    return 0;
}

static const char *type_phrase(const char *name)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(types[i].name, name) == 0)
            return types[i].phrase;
    return name;
}

/* The "type" keyword: a name or an array of names. */
static int check_type(struct check *c, const json_t *t, const json_t *v, const char *path)
{
    struct strbuf want = STRBUF_INIT;
    size_t n = json_is_array(t) ? json_array_size(t) : 1;
    bool ok = false;
    int rc = 0;

    for (size_t i = 0; i < n && !ok; i++) {
        const json_t *name = json_is_array(t) ? json_array_get(t, i) : t;

        if (!json_is_string(name) || type_is(json_string_value(name), v, &ok) < 0) {
            strbuf_release(&want);
            return bad_schema(c, "bad type", path);
        }
        strbuf_addstr(&want, i ? " or " : "");
        strbuf_addstr(&want, type_phrase(json_string_value(name)));
    }
    if (n == 0)
        rc = bad_schema(c, "empty type", path);
    else if (!ok)
        rc = fail(c, path, "must be %s", want.buf);
    strbuf_release(&want);
    return rc;
}

/* Appends @v as text to @sb: a string as it is, anything else as compact JSON. */
static void add_value(struct strbuf *sb, const json_t *v)
{
    char *text;

    if (json_is_string(v)) {
        strbuf_addstr(sb, json_string_value(v));
        return;
    }
    text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    strbuf_addstr(sb, text ? text : "?");
    free(text);
}

static int check_enum(struct check *c, const json_t *e, const json_t *v, const char *path)
{
    struct strbuf list = STRBUF_INIT;
    size_t i;
    const json_t *opt;
    int rc;

    if (!json_is_array(e) || json_array_size(e) == 0)
        return bad_schema(c, "bad enum", path);
    json_array_foreach(e, i, opt)
    {
        if (json_equal(opt, v))
            return 0;
    }
    json_array_foreach(e, i, opt)
    {
        strbuf_addstr(&list, i ? ", " : "");
        add_value(&list, opt);
    }
    rc = fail(c, path, "must be one of %s", list.buf);
    strbuf_release(&list);
    return rc;
}

static int check_const(struct check *c, const json_t *k, const json_t *v, const char *path)
{
    struct strbuf want = STRBUF_INIT;
    int rc;

    if (json_equal(k, v))
        return 0;
    add_value(&want, k);
    rc = fail(c, path, "must be %s", want.buf);
    strbuf_release(&want);
    return rc;
}

/* Reads the count keyword @key of @s into *@n: 1 when given, 0 when absent, -1 when it is not
 * a non-negative integer. */
static int count_of(const json_t *s, const char *key, json_int_t *n)
{
    const json_t *k = json_object_get(s, key);

    if (!k)
        return 0;
    if (!json_is_integer(k) || json_integer_value(k) < 0)
        return -1;
    *n = json_integer_value(k);
    return 1;
}

static int check_pattern(struct check *c, const json_t *p, const json_t *v, const char *path)
{
    const char *s = json_string_value(v);
    regex_t re;
    int rc;

    if (!json_is_string(p) || regcomp(&re, json_string_value(p), REG_EXTENDED | REG_NOSUB))
        return bad_schema(c, "bad pattern", path);
    rc = strlen(s) == json_string_length(v) ? regexec(&re, s, 0, NULL, 0) : REG_NOMATCH;
    regfree(&re);
    return rc == 0 ? 0 : fail(c, path, "does not match the expected form");
}

static int check_string(struct check *c, const json_t *s, const json_t *v, const char *path)
{
    size_t len = utf8_count(json_string_value(v), json_string_length(v));
    const json_t *p = json_object_get(s, "pattern");
    json_int_t n;
    int got;

    got = count_of(s, "minLength", &n);
    if (got < 0)
        return bad_schema(c, "bad minLength", path);
    if (got && len < (size_t)n)
        return fail(c, path, "must be at least %lld character%s long", (long long)n,
                    n == 1 ? "" : "s");
    got = count_of(s, "maxLength", &n);
    if (got < 0)
        return bad_schema(c, "bad maxLength", path);
    if (got && len > (size_t)n)
        return fail(c, path, "must be at most %lld character%s long", (long long)n,
                    n == 1 ? "" : "s");
    return p ? check_pattern(c, p, v, path) : 0;
}

/* Compares two numbers: exactly when both are integers, as doubles otherwise. */
static int compare(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);

        return (x > y) - (x < y);
    }
    return (json_number_value(a) > json_number_value(b)) -
           (json_number_value(a) < json_number_value(b));
}

/* Checks one of minimum (@sign -1: @v must not be below it) and maximum (@sign 1). */
static int check_bound(struct check *c, const json_t *s, const json_t *v, const char *path,
                       const char *key, int sign)
{
    const json_t *b = json_object_get(s, key);

    if (!b)
        return 0;
    if (!json_is_number(b))
        return bad_schema(c, "bad minimum or maximum", path);
    if (compare(v, b) != sign)
        return 0;
    if (json_is_integer(b))
        return fail(c, path, "must be at %s %lld", sign < 0 ? "least" : "most",
                    (long long)json_integer_value(b));
    return fail(c, path, "must be at %s %.15g", sign < 0 ? "least" : "most", json_real_value(b));
}

static int check(struct check *c, const json_t *s, const json_t *v, const char *path);

static int check_array(struct check *c, const json_t *s, const json_t *v, const char *path)
{
    const json_t *items = json_object_get(s, "items");
    char sub[PATH_MAX_BYTES];
    json_int_t n;
    int got = count_of(s, "maxItems", &n);
    size_t i;
    const json_t *item;

    if (got < 0)
        return bad_schema(c, "bad maxItems", path);
    if (got && json_array_size(v) > (size_t)n)
        return fail(c, path, "must have at most %lld item%s", (long long)n, n == 1 ? "" : "s");
    if (!items)
        return 0;
    json_array_foreach(v, i, item)
    {
        int rc;

        place(sub, "%s[%zu]", path, i);
        rc = check(c, items, item, sub);
        if (rc)
            return rc;
    }
    return 0;
}

static int check_required(struct check *c, const json_t *req, const json_t *v, const char *path)
{
    char sub[PATH_MAX_BYTES];
    size_t i;
    const json_t *name;

    if (!json_is_array(req))
        return bad_schema(c, "bad required", path);
    json_array_foreach(req, i, name)
    {
        if (!json_is_string(name))
            return bad_schema(c, "bad required", path);
        if (!json_object_get(v, json_string_value(name))) {
            place(sub, "%s%s%s", path, *path ? "." : "", json_string_value(name));
            return fail(c, sub, "is required");
        }
    }
    return 0;
}

/* Members first, in the value's order (each against its property schema, or else
 * additionalProperties), then the required ones that are missing. */
static int check_object(struct check *c, const json_t *s, const json_t *v, const char *path)
{
    const json_t *props = json_object_get(s, "properties");
    const json_t *extra = json_object_get(s, "additionalProperties");
    const json_t *req = json_object_get(s, "required");
    char sub[PATH_MAX_BYTES];
    const char *key;
    const json_t *member;

    if (props && !json_is_object(props))
        return bad_schema(c, "bad properties", path);
    json_object_foreach((json_t *)v, key, member)
    {
        const json_t *ms = props ? json_object_get(props, key) : NULL;
        int rc;

        place(sub, "%s%s%s", path, *path ? "." : "", key);
        if (!ms && json_is_false(extra))
            return fail(c, sub, "unknown argument");
        ms = ms ? ms : extra;
        rc = ms ? check(c, ms, member, sub) : 0;
        if (rc)
            return rc;
    }
    return req ? check_required(c, req, v, path) : 0;
}

/* Checks @v at @path against schema @s: its type, then the keywords of @v's kind. */
static int check(struct check *c, const json_t *s, const json_t *v, const char *path)
{
    const json_t *k;
    int rc;

    if (json_is_true(s))
        return 0;
    if (json_is_false(s))
        return fail(c, path, "not allowed");
    if (!json_is_object(s))
        return bad_schema(c, "not a schema", path);
    if (json_object_get(s, "$ref"))
        return bad_schema(c, "$ref not inlined", path);
    k = json_object_get(s, "type");
    rc = k ? check_type(c, k, v, path) : 0;
    if (!rc && json_object_get(s, "enum"))
        rc = check_enum(c, json_object_get(s, "enum"), v, path);
    if (!rc && json_object_get(s, "const"))
        rc = check_const(c, json_object_get(s, "const"), v, path);
    if (rc)
        return rc;
    if (json_is_string(v))
        return check_string(c, s, v, path);
    if (json_is_number(v)) {
        rc = check_bound(c, s, v, path, "minimum", -1);
        return rc ? rc : check_bound(c, s, v, path, "maximum", 1);
    }
    if (json_is_array(v))
        return check_array(c, s, v, path);
    if (json_is_object(v))
        return check_object(c, s, v, path);
    return 0;
}

int jschema_validate(const json_t *schema, const json_t *value, char *err, unsigned errlen)
{
    struct check c = {err, errlen};

    if (err && errlen)
        err[0] = '\0';
    if (!schema)
        return fail(&c, "schema", "missing");
    if (!value)
        return fail(&c, "", "missing");
    return check(&c, schema, value, "");
}
