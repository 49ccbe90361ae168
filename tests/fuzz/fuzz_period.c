/* fuzz_period.c - libFuzzer target for the period reader (common/period.c).
 *
 * The first input byte picks "today" (a mid-month Sunday, a leap day, the first and the last
 * day allowed), the rest is the period text. A period read must be a non-empty span inside
 * 1969..2100 with a label; relative words must end by today; the verdict and the label must
 * not depend on today; and the verdict must agree with the catalogue's period schema (the
 * pattern of proto/tools.json and the checks of toolcat_validate()), so that the two can
 * never disagree on what a period is. Built and run by tests/fuzz/run.sh. */
#include "clock.h"
#include "err.h"
#include "period.h"
#include "toolcat.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(const struct period *p, int64_t today, const char *text)
{
    size_t len = strnlen(p->label, sizeof(p->label));

    if (p->from_day > p->to_day || len == 0 || len >= sizeof(p->label))
        abort();
    if (p->from_day < clock_days_from_civil(1969, 1, 1) ||
        p->to_day > clock_days_from_civil(2100, 12, 31))
        abort();
    /* Words (they start with a letter) are relative and never reach past today. */
    if (text[0] >= 'a' && text[0] <= 'z' && p->to_day > today)
        abort();
}

/* The period schema of the catalogue accepts @text exactly when period_parse() does. */
static void check_schema(const char *text, int rc)
{
    json_t *args = json_pack("{s:s}", "period", text);
    int vrc;

    if (!args) /* not UTF-8 */
        return;
    vrc = toolcat_validate("spending_by_category", args, NULL, 0);
    if ((vrc == 0) != (rc == 0))
        abort();
    json_decref(args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int64_t days[] = {clock_days_from_civil(2026, 3, 15), clock_days_from_civil(2024, 2, 29),
                            clock_days_from_civil(1970, 1, 1), clock_days_from_civil(2100, 12, 31)};
    struct period p, q;
    int64_t today, other;
    char *text;
    int rc;

    if (size == 0)
        return 0;
    today = days[data[0] % 4];
    other = days[(data[0] + 1) % 4];
    text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    rc = period_parse(text, today, &p);
    if (rc != 0 && rc != FC_EINVAL)
        abort();
    if (rc == 0)
        check_span(&p, today, text);
    if ((period_parse(text, other, &q) == 0) != (rc == 0))
        abort();
    if (rc == 0 && strcmp(p.label, q.label) != 0)
        abort();
    check_schema(text, rc);
    free(text);
    return 0;
}
