/* ecbxml.c - the ECB reference-rate XML reader (see ecbxml.h). */
#include "api-gateway/ingest/ecbxml.h"

#include "err.h"
#include "money.h"
#include "api-gateway/finance/finance_calc.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 64
#define VALUE_MAX_LEN 64

/* Currencies of the ECB's historical series that were replaced (by the euro, or redenominated:
 * ROL, TRL) and are no longer in ISO 4217's table: their rates are read and skipped. */
static const char *const retired[] = {"CYP", "EEK", "HRK", "LTL", "LVL",
                                      "MTL", "ROL", "SIT", "SKK", "TRL"};

static bool is_retired(const char *code)
{
    for (size_t i = 0; i < sizeof(retired) / sizeof(retired[0]); i++)
        if (strcmp(code, retired[i]) == 0)
            return true;
    return false;
}

/* One reading of the document. */
struct scan {
    const char *p, *end;
    int line;
    bool envelope;  /* a gesmes:Envelope start tag was seen */
    int depth;      /* open <Cube> elements */
    int time_depth; /* depth of the open <Cube time=>, 0 when none */
    int64_t day;
    int nrates;
    ecbxml_rate_fn fn; /* NULL on the checking pass */
    void *ctx;
    char *err;
    size_t errlen;
};

/* One start tag's attributes of interest. */
struct tag {
    char name[NAME_MAX_LEN];
    char time[VALUE_MAX_LEN], currency[VALUE_MAX_LEN], rate[VALUE_MAX_LEN];
    bool self_closing;
};

static int fail(struct scan *s, const char *why)
{
    snprintf(s->err, s->errlen, "line %d: %s", s->line, why);
    return FC_EINVAL;
}

static void advance(struct scan *s, size_t n)
{
    for (size_t i = 0; i < n && s->p < s->end; i++, s->p++)
        s->line += *s->p == '\n';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_space(struct scan *s)
{
    while (s->p < s->end && is_space(*s->p))
        advance(s, 1);
}

/* Moves past the first @close after the cursor; false when there is none. */
static bool skip_past(struct scan *s, const char *close)
{
    size_t n = strlen(close);

    while ((size_t)(s->end - s->p) >= n) {
        if (memcmp(s->p, close, n) == 0) {
            advance(s, n);
            return true;
        }
        advance(s, 1);
    }
    return false;
}

/* Reads a name (letters, digits, ':', '_', '-', '.') into @out. */
static int read_name(struct scan *s, char out[NAME_MAX_LEN])
{
    size_t n = 0;

    while (s->p < s->end && !is_space(*s->p) && *s->p != '>' && *s->p != '/' && *s->p != '=') {
        char c = *s->p;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ':' || c == '_' || c == '-' || c == '.'))
            return fail(s, "bad character in a tag");
        if (n + 1 >= NAME_MAX_LEN)
            return fail(s, "name too long");
        out[n++] = c;
        advance(s, 1);
    }
    out[n] = '\0';
    return n ? 0 : fail(s, "missing name");
}

/* Reads ="value" or ='value' into @out (empty when @out is NULL: the value is skipped). */
static int read_value(struct scan *s, char *out)
{
    char q;
    size_t n = 0;

    skip_space(s);
    if (s->p >= s->end || *s->p != '=')
        return fail(s, "attribute without a value");
    advance(s, 1);
    skip_space(s);
    if (s->p >= s->end || (*s->p != '"' && *s->p != '\''))
        return fail(s, "attribute value not quoted");
    q = *s->p;
    advance(s, 1);
    while (s->p < s->end && *s->p != q) {
        if (*s->p == '<')
            return fail(s, "'<' in an attribute value");
        if (out) {
            if (n + 1 >= VALUE_MAX_LEN)
                return fail(s, "attribute value too long");
            out[n++] = *s->p;
        }
        advance(s, 1);
    }
    if (s->p >= s->end)
        return fail(s, "unterminated attribute value");
    advance(s, 1);
    if (out)
        out[n] = '\0';
    return 0;
}

/* Reads a start tag after its '<' up to and past its '>'. */
static int read_tag(struct scan *s, struct tag *t)
{
    int rc = read_name(s, t->name);

    while (!rc) {
        char attr[NAME_MAX_LEN];
        char *out = NULL;

        skip_space(s);
        if (s->p >= s->end)
            return fail(s, "unterminated tag");
        if (*s->p == '>') {
            advance(s, 1);
            return 0;
        }
        if (*s->p == '/') {
            advance(s, 1);
            if (s->p >= s->end || *s->p != '>')
                return fail(s, "'/' not followed by '>'");
            advance(s, 1);
            t->self_closing = true;
            return 0;
        }
        rc = read_name(s, attr);
        if (rc)
            return rc;
        if (strcmp(attr, "time") == 0)
            out = t->time;
        else if (strcmp(attr, "currency") == 0)
            out = t->currency;
        else if (strcmp(attr, "rate") == 0)
            out = t->rate;
        rc = read_value(s, out);
    }
    return rc;
}

bool ecbxml_rate_valid(const char *s)
{
    size_t n = strlen(s), dots = 0, digits = 0;
    bool nonzero = false;

    if (n == 0 || n > ECBXML_RATE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            dots++;
        } else if (s[i] >= '0' && s[i] <= '9') {
            digits++;
            nonzero |= s[i] != '0';
        } else {
            return false;
        }
    }
    return dots <= 1 && digits > 0 && nonzero;
}

/* A <Cube> start tag: opens a day or is one rate of the open day. */
static int on_cube(struct scan *s, const struct tag *t)
{
    if (t->time[0]) {
        if (s->time_depth)
            return fail(s, "a Cube time= inside another");
        if (finance_parse_date(t->time, &s->day) != 0)
            return fail(s, "time is not a real YYYY-MM-DD date");
        if (!t->self_closing)
            s->time_depth = s->depth;
        return 0;
    }
    if (!t->currency[0] && !t->rate[0])
        return 0;
    if (!s->time_depth)
        return fail(s, "a rate outside a Cube time=");
    if (!ecbxml_rate_valid(t->rate))
        return fail(s, "rate is not a positive decimal");
    if (is_retired(t->currency))
        return 0;
    if (!money_currency_find(t->currency) || strcmp(t->currency, "EUR") == 0)
        return fail(s, "currency is not an ISO 4217 code other than EUR");
    s->nrates++;
    return s->fn ? s->fn(s->ctx, s->day, t->currency, t->rate) : 0;
}

/* Handles the markup after a '<'. */
static int on_markup(struct scan *s)
{
    struct tag t = {0};
    int rc;

    if (s->p < s->end && (*s->p == '?' || *s->p == '!')) {
        bool comment = s->end - s->p >= 3 && memcmp(s->p, "!--", 3) == 0;

        if (!skip_past(s, comment ? "-->" : *s->p == '?' ? "?>" : ">"))
            return fail(s, "unterminated declaration or comment");
        return 0;
    }
    if (s->p < s->end && *s->p == '/') {
        advance(s, 1);
        rc = read_name(s, t.name);
        if (!rc && !skip_past(s, ">"))
            rc = fail(s, "unterminated end tag");
        if (!rc && strcmp(t.name, "Cube") == 0) {
            if (s->depth == 0)
                return fail(s, "</Cube> without a <Cube>");
            if (s->time_depth == s->depth)
                s->time_depth = 0;
            s->depth--;
        }
        return rc;
    }
    rc = read_tag(s, &t);
    if (rc)
        return rc;
    if (strcmp(t.name, "gesmes:Envelope") == 0)
        s->envelope = true;
    if (strcmp(t.name, "Cube") != 0)
        return 0;
    if (!s->envelope)
        return fail(s, "a Cube outside a gesmes:Envelope");
    if (!t.self_closing)
        s->depth++;
    return on_cube(s, &t);
}

static int scan(const char *xml, size_t len, ecbxml_rate_fn fn, void *ctx, char *err, size_t errlen)
{
    struct scan s = {
        .p = xml, .end = xml + len, .line = 1, .fn = fn, .ctx = ctx, .err = err, .errlen = errlen};
    int rc = 0;

    while (!rc && s.p < s.end) {
        if (*s.p == '<') {
            advance(&s, 1);
            rc = on_markup(&s);
        } else if (*s.p == '\0') {
            rc = fail(&s, "NUL byte");
        } else {
            advance(&s, 1);
        }
    }
    if (rc)
        return rc;
    if (!s.envelope)
        return fail(&s, "not an ECB reference-rate file (no gesmes:Envelope)");
    if (s.nrates == 0)
        return fail(&s, "no rate in the file");
    return s.nrates;
}

int ecbxml_parse(const char *xml, size_t len, ecbxml_rate_fn fn, void *ctx, char *err,
                 size_t errlen)
{
    int n;

    if (errlen)
        err[0] = '\0';
    if (!xml)
        len = 0;
    n = scan(xml, len, NULL, NULL, err, errlen);
    if (n < 0 || !fn)
        return n;
    return scan(xml, len, fn, ctx, err, errlen);
}
