/* fuzz_ecbxml.c - libFuzzer target for the ECB reference-rate XML reader
 * (api-gateway/ingest/ecbxml.c).
 *
 * Any input must parse or be refused as a whole with a reason; every rate reported must be a
 * known ISO 4217 code other than EUR with a valid rate text on a real day, and their count
 * must be what the parse returns. Built and run by tests/fuzz/run.sh. */
#include "money.h"
#include "api-gateway/ingest/ecbxml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_rate(void *ctx, int64_t day, const char *currency, const char *rate)
{
    int *n = ctx;

    if (!money_currency_find(currency) || strcmp(currency, "EUR") == 0 ||
        !ecbxml_rate_valid(rate) || day < -25567 || day > 84000)
        abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    int seen = 0;
    int n = ecbxml_parse((const char *)data, size, check_rate, &seen, err, sizeof(err));

    if (n < 0) {
        if (!err[0] || seen != 0)
            abort();
        return 0;
    }
    if (n == 0 || n != seen)
        abort();
    return 0;
}
