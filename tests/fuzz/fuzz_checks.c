/* fuzz_checks.c - libFuzzer target for the checked figures (llm-worker/engine/checks.c): the
 * answer is model output, text nobody vouches for. The input is the answer, checked against
 * fixed sources (a context document in miniature and a categories result); when it holds a
 * NUL, "answer\0sources-json", the JSON after the NUL (any value, parsed or not) is checked as
 * the sources as well, to reach the walk of the sources. The result must always be
 * an object whose counts agree: verified <= figures, the unverified list holds exactly the
 * unmatched figures up to CHECKS_MAX_LISTED, each a non-empty string of at most
 * CHECKS_TEXT_MAX bytes. Built and run by tests/fuzz/run.sh. */
#include "llm-worker/engine/checks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sources_json[] =
    "[{\"currency\":\"USD\",\"net_worth_minor\":4430452,"
    "\"this_month\":{\"income_minor\":325000,\"expenses_minor\":534361,\"savings_rate_pct\":-64.4},"
    "\"last_month\":{\"income_minor\":650908,\"expenses_minor\":332367,\"savings_rate_pct\":48.9},"
    "\"accounts\":[{\"name\":\"Yen\",\"balance_minor\":120000,\"currency\":\"JPY\"},"
    "{\"name\":\"Dinar\",\"balance_minor\":1500,\"currency\":\"KWD\"}],"
    "\"reasons\":[\"Amount $1,899.99 is 30.5x your average of $62.29; 4.7% of income.\"],"
    "\"rate\":0.23,\"health_score\":{\"score\":88}},"
    "{\"total_minor\":534361,\"items\":["
    "{\"category\":\"shopping\",\"amount_minor\":322791,\"count\":3,\"share_pct\":60.4},"
    "{\"category\":\"housing\",\"amount_minor\":185000,\"count\":1,\"share_pct\":34.6}]}]";

/* Checks @answer against @sources and aborts when the result's counts disagree. */
static void check_one(const char *answer, const json_t *sources)
{
    json_t *r = checks_run(answer, sources), *u, *s;
    json_int_t figures, verified;
    size_t i, want;

    figures = json_integer_value(json_object_get(r, "figures"));
    verified = json_integer_value(json_object_get(r, "verified"));
    u = json_object_get(r, "unverified");
    if (!json_is_array(u) || verified < 0 || verified > figures)
        abort();
    want = (size_t)(figures - verified);
    if (json_array_size(u) != (want < CHECKS_MAX_LISTED ? want : CHECKS_MAX_LISTED))
        abort();
    json_array_foreach(u, i, s)
    {
        size_t n = json_string_length(s);

        if (!json_is_string(s) || n == 0 || n > CHECKS_TEXT_MAX)
            abort();
    }
    json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *sources;
    char *answer = malloc(size + 1);
    const char *nul = memchr(data, '\0', size);
    json_t *other = NULL;

    if (!sources)
        sources = json_loads(sources_json, 0, NULL);
    if (!sources)
        abort();
    memcpy(answer, data, size);
    answer[size] = '\0';
    check_one(answer, sources);
    if (nul) {
        other = json_loadb(nul + 1, size - (size_t)(nul - (const char *)data) - 1, JSON_DECODE_ANY,
                           NULL);
        check_one(answer, other);
        json_decref(other);
    }
    free(answer);
    return 0;
}
