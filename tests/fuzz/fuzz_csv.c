/* fuzz_csv.c - libFuzzer target for the CSV statement parser (api-gateway/ingest/importer.c).
 *
 * Any input must parse or be refused as a whole; accepted rows must carry valid UTF-8 text
 * without control characters, a non-zero amount within IMPORT_AMOUNT_MAX, a real date, a
 * "csv:" dedupe id, and line numbers that never decrease and never pass the input's line
 * count. Parsing the same bytes twice must give the same ids. Built and run by
 * tests/fuzz/run.sh. */
#include "utf8.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/ingest/importer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
    if (!utf8_valid(s, strlen(s)) || finance_has_ctrl(s))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct import_result a, b;
    char err[160];
    int lines = 1, last = 0;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || data[i] == '\r';
    if (importer_parse_csv((const char *)data, size, &a, err, sizeof(err)) != 0) {
        if (!err[0])
            abort();
        return 0;
    }
    if (importer_parse_csv((const char *)data, size, &b, err, sizeof(err)) != 0 ||
        a.nrows != b.nrows || a.nrejects != b.nrejects)
        abort();
    for (size_t i = 0; i < a.nrows; i++) {
        const struct import_row *r = &a.rows[i];

        check_text(r->description);
        check_text(r->merchant);
        if (r->category)
            check_text(r->category);
        if (!r->description[0] || !r->merchant[0] || r->amount_minor == 0 ||
            r->amount_minor > IMPORT_AMOUNT_MAX || r->amount_minor < -IMPORT_AMOUNT_MAX ||
            r->line < 2 || r->line > lines || r->line < last ||
            strncmp(r->external_id, "csv:", 4) != 0 ||
            strcmp(r->external_id, b.rows[i].external_id) != 0)
            abort();
        last = r->line;
    }
    for (size_t i = 0; i < a.nrejects; i++)
        if (a.rejects[i].line < 2 || a.rejects[i].line > lines || !a.rejects[i].reason[0])
            abort();
    importer_result_release(&a);
    importer_result_release(&b);
    return 0;
}
