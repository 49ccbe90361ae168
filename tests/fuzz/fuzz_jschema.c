/* fuzz_jschema.c - libFuzzer target for the tool argument checks (common/jschema.c through
 * common/toolcat.c).
 *
 * The input is JSON text, read as the arguments of a call to every tool of the catalogue.
 * Each check must return 0 or FC_EINVAL, with an empty message on success and a non-empty,
 * valid UTF-8 one on failure that a small buffer cuts without splitting a character and
 * with the same verdict; arguments that pass carry periods period_parse() reads; and every
 * call's label is valid UTF-8 within its buffer. Built and run by tests/fuzz/run.sh. */
#include "err.h"
#include "jschema.h"
#include "period.h"
#include "toolcat.h"
#include "utf8.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(int rc, const char *err, size_t room)
{
    size_t len = strnlen(err, room);

    if (len >= room || !utf8_valid(err, len) || (rc == 0) != (len == 0))
        abort();
}

/* Arguments that pass hold periods and months that period_parse() reads. */
static void check_periods(const json_t *args)
{
    static const char *const keys[] = {"period", "month"};
    struct period p;

    for (size_t i = 0; i < 2; i++) {
        const char *v = json_string_value(json_object_get(args, keys[i]));

        if (v && period_parse(v, 20000, &p) != 0)
            abort();
    }
}

static void check_tool(const char *name, const json_t *args)
{
    const json_t *schema = json_object_get(toolcat_get(name), "parameters");
    char err[256], small[7], label[48];
    int rc = toolcat_validate(name, args, err, sizeof(err));
    int direct = jschema_validate(schema, args, small, sizeof(small));

    if (rc != 0 && rc != FC_EINVAL)
        abort();
    check_message(rc, err, sizeof(err));
    /* The schema alone is never stricter than the tool, and agrees on a failure it finds. */
    if (direct != 0 && direct != FC_EINVAL)
        abort();
    if (direct && !rc)
        abort();
    check_message(direct, small, sizeof(small));
    if (rc == 0)
        check_periods(args);
    toolcat_label(name, args, label, sizeof(label));
    if (strnlen(label, sizeof(label)) >= sizeof(label) || !utf8_valid(label, strlen(label)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *args = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    if (!args)
        return 0;
    for (int i = 0; i < toolcat_count(); i++)
        check_tool(toolcat_name(i), args);
    json_decref(args);
    return 0;
}
