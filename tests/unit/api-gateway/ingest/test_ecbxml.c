/* Unit tests for ecbxml.c: the ECB reference-rate XML, daily and historical files. */
#include "test.h"
#include "err.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/ingest/ecbxml.h"

#include <stdio.h>
#include <stdlib.h>

#define ENV_OPEN "<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\">"
#define ENV_CLOSE "</gesmes:Envelope>"

/* The rates a parse reported, as "YYYY-MM-DD CUR rate;" lines. */
struct seen {
    char text[4096];
    size_t len;
    int n;
};

static int collect(void *ctx, int64_t day, const char *currency, const char *rate)
{
    struct seen *s = ctx;
    char d[16];

    finance_day_text(day, d, sizeof(d));
    s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s %s %s;", d, currency,
                               rate);
    s->n++;
    return 0;
}

static int parse(const char *xml, struct seen *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    return ecbxml_parse(xml, strlen(xml), collect, s, err, errlen);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;

    if (!f)
        return NULL;
    buf = calloc(1, 1 << 16);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

static void test_fixtures(void)
{
    struct seen s = {0};
    char err[160];
    size_t len;
    char *xml = slurp("tests/fixtures/ecb/eurofxref-daily.xml", &len);

    CHECK(xml != NULL);
    if (!xml)
        return;
    CHECK_EQ_INT(ecbxml_parse(xml, len, collect, &s, err, sizeof(err)), 5);
    CHECK_EQ_STR(s.text, "2026-11-20 USD 1.0800;2026-11-20 JPY 162.50;2026-11-20 GBP 0.85000;"
                         "2026-11-20 CHF 0.9400;2026-11-20 SEK 11.4500;");
    free(xml);
    xml = slurp("tests/fixtures/ecb/eurofxref-hist.xml", &len);
    CHECK(xml != NULL);
    if (!xml)
        return;
    memset(&s, 0, sizeof(s));
    CHECK_EQ_INT(ecbxml_parse(xml, len, collect, &s, err, sizeof(err)), 10);
    CHECK(strstr(s.text, "2007-12-31 USD 1.4721;") != NULL && strstr(s.text, "CYP") == NULL);
    CHECK(strncmp(s.text, "2026-11-13 USD 1.0600;2026-11-13 JPY 160.00;", 44) == 0);
    CHECK(strstr(s.text, "2026-10-30 CHF 0.9250;") != NULL);
    free(xml);
}

static void test_quotes_comments_and_other_elements(void)
{
    struct seen s;
    char err[160];

    CHECK_EQ_INT(parse("<?xml version='1.0'?><!-- a <Cube> in a comment -->" ENV_OPEN
                       "<gesmes:subject>x</gesmes:subject><Cube><Cube time = '2026-01-02' >"
                       "<Cube currency=\"USD\" rate='1.1'/><Cube currency='JPY' rate=\"150\" />"
                       "</Cube></Cube>" ENV_CLOSE,
                       &s, err, sizeof(err)),
                 2);
    CHECK_EQ_STR(s.text, "2026-01-02 USD 1.1;2026-01-02 JPY 150;");
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "",
        "<html><body>not rates</body></html>",
        /* no Envelope */
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='1.1'/></Cube></Cube>",
        /* no rate */
        ENV_OPEN "<Cube><Cube time='2026-01-02'></Cube></Cube>" ENV_CLOSE,
        /* not a real date */
        ENV_OPEN
        "<Cube><Cube time='2026-02-30'><Cube currency='USD' rate='1.1'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='yesterday'><Cube currency='USD' rate='1.1'/></Cube></Cube>" ENV_CLOSE,
        /* unknown code, lower case, EUR itself */
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='XYZ' rate='1.1'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='usd' rate='1.1'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='EUR' rate='1'/></Cube></Cube>" ENV_CLOSE,
        /* zero, negative, exponent, two dots, empty, NaN */
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='0.000'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='-1.1'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='1e3'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='1.1.1'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate=''/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='NaN'/></Cube></Cube>" ENV_CLOSE,
        /* a rate without its day */
        ENV_OPEN "<Cube><Cube currency='USD' rate='1.1'/></Cube>" ENV_CLOSE,
        /* broken markup */
        ENV_OPEN "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='1.1",
        ENV_OPEN
        "<Cube><Cube time=2026-01-02><Cube currency='USD' rate='1.1'/></Cube></Cube>" ENV_CLOSE,
        ENV_OPEN "</Cube>" ENV_CLOSE,
    };
    struct seen s;
    char err[160];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i], &s, err, sizeof(err));

        CHECK_EQ_INT(rc, FC_EINVAL);
        CHECK(err[0] != '\0');
        CHECK_EQ_INT(s.n, 0);
        if (rc != FC_EINVAL)
            fprintf(stderr, "  accepted bad input #%zu\n", i);
    }
}

/* The historical file's retired currencies are skipped, not refused; other unknown codes are. */
static void test_retired_skipped(void)
{
    struct seen s;
    char err[160];

    CHECK_EQ_INT(parse(ENV_OPEN "<Cube><Cube time='2001-01-02'><Cube currency='CYP' rate='0.5758'/>"
                                "<Cube currency='USD' rate='0.9423'/><Cube currency='TRL' "
                                "rate='629180'/></Cube></Cube>" ENV_CLOSE,
                       &s, err, sizeof(err)),
                 1);
    CHECK_EQ_STR(s.text, "2001-01-02 USD 0.9423;");
    CHECK_EQ_INT(parse(ENV_OPEN "<Cube><Cube time='2001-01-02'><Cube currency='CYP' rate='x'/>"
                                "<Cube currency='USD' rate='0.9423'/></Cube></Cube>" ENV_CLOSE,
                       &s, err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(parse(ENV_OPEN "<Cube><Cube time='2001-01-02'><Cube currency='CYP' rate='0.5758'/>"
                                "</Cube></Cube>" ENV_CLOSE,
                       &s, err, sizeof(err)),
                 FC_EINVAL);
}

/* A bad rate late in the file: nothing before it reaches the callback. */
static void test_all_or_nothing(void)
{
    struct seen s;
    char err[160];

    CHECK_EQ_INT(parse(ENV_OPEN "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='1.1'/>"
                                "</Cube>\n<Cube time='2026-01-01'>\n<Cube currency='GBP' "
                                "rate='x'/></Cube></Cube>" ENV_CLOSE,
                       &s, err, sizeof(err)),
                 FC_EINVAL);
    CHECK_EQ_INT(s.n, 0);
    CHECK(strncmp(err, "line 3:", 7) == 0);
}

static int stop(void *ctx, int64_t day, const char *currency, const char *rate)
{
    (void)ctx;
    (void)day;
    (void)currency;
    (void)rate;
    return FC_EIO;
}

static void test_callback_stops(void)
{
    const char *xml = ENV_OPEN
        "<Cube><Cube time='2026-01-02'><Cube currency='USD' rate='1.1'/></Cube></Cube>" ENV_CLOSE;
    char err[160];

    CHECK_EQ_INT(ecbxml_parse(xml, strlen(xml), stop, NULL, err, sizeof(err)), FC_EIO);
    CHECK_EQ_INT(ecbxml_parse(NULL, 0, stop, NULL, err, sizeof(err)), FC_EINVAL);
}

static void test_rate_valid(void)
{
    CHECK(ecbxml_rate_valid("1"));
    CHECK(ecbxml_rate_valid("0.5"));
    CHECK(ecbxml_rate_valid("162.50"));
    CHECK(ecbxml_rate_valid(".5"));
    CHECK(!ecbxml_rate_valid("0"));
    CHECK(!ecbxml_rate_valid("."));
    CHECK(!ecbxml_rate_valid("+1"));
    CHECK(!ecbxml_rate_valid("1 "));
    CHECK(!ecbxml_rate_valid("1234567890123456789012345"));
}

TEST_MAIN(test_fixtures, test_quotes_comments_and_other_elements, test_refused,
          test_retired_skipped, test_all_or_nothing, test_callback_stops, test_rate_valid)
