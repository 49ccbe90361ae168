/* fuzz_ofx.c - libFuzzer target for the OFX statement parser, SGML and XML dialects
 * (api-gateway/ingest/importer.c).
 *
 * Any input must parse or be refused as a whole; accepted rows must carry valid UTF-8 text
 * without control characters, a non-zero amount within IMPORT_AMOUNT_MAX, an "ofx:" dedupe
 * id and a line number inside the input. Built and run by tests/fuzz/run.sh. */
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
    struct import_result r;
    char err[160];
    int lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (importer_parse_ofx((const char *)data, size, &r, err, sizeof(err)) != 0) {
        if (!err[0])
            abort();
        return 0;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        const struct import_row *row = &r.rows[i];

        check_text(row->description);
        check_text(row->merchant);
        check_text(row->external_id);
        if (!row->description[0] || !row->merchant[0] || row->amount_minor == 0 ||
            row->amount_minor > IMPORT_AMOUNT_MAX || row->amount_minor < -IMPORT_AMOUNT_MAX ||
            row->line < 1 || row->line > lines || strncmp(row->external_id, "ofx:", 4) != 0)
            abort();
    }
    for (size_t i = 0; i < r.nrejects; i++)
        if (r.rejects[i].line < 1 || r.rejects[i].line > lines || !r.rejects[i].reason[0])
            abort();
    importer_result_release(&r);
    return 0;
}
