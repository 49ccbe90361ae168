/* fuzz_plaid.c - libFuzzer target for reading Plaid's answers (api-gateway/ingest/plaid_map.c).
 *
 * The first input byte picks the HTTP status (200, 400, 500 ...), the rest is the body. An
 * answer is either a JSON object (0) or an error with a code and a message (FC_EINVAL only
 * for a 4xx). Every transaction of "added" and "modified" and every account of "accounts"
 * is mapped as the sync does; what maps must hold a date, a type and a currency of ours.
 * Built and run by tests/fuzz/run.sh. */
#include "err.h"
#include "api-gateway/ingest/plaid_map.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = {200, 201, 204, 400, 401, 404, 429, 500, 502, 0};

static void check_txn(json_t *t)
{
    struct plaid_txn p;
    static const char *const types[] = {"income", "expense", "transfer"};
    bool typed = false;

    if (plaid_map_txn(t, &p) != 0)
        return;
    if (!p.id[0] || !p.account_id[0] || strlen(p.date) != 10 || p.date[4] != '-' ||
        p.date[7] != '-' || strlen(p.currency) > 3 || !p.merchant[0] || !p.category[0])
        abort();
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        typed = typed || strcmp(p.type, types[i]) == 0;
    if (!typed)
        abort();
}

static void check_accounts(json_t *accounts)
{
    static const char *const ours[] = {"checking", "savings", "credit", "investment"};
    size_t i;
    json_t *a;

    json_array_foreach(accounts, i, a)
    {
        const char *type = plaid_map_account_type(json_string_value(json_object_get(a, "type")),
                                                  json_string_value(json_object_get(a, "subtype")));
        bool known = false;
        int64_t minor;

        for (size_t k = 0; k < sizeof(ours) / sizeof(ours[0]); k++)
            known = known || strcmp(type, ours[k]) == 0;
        if (!known)
            abort();
        if (plaid_map_amount(json_object_get(json_object_get(a, "balances"), "current"), "USD",
                             &minor) == 0 &&
            (minor > 10000000000000LL || minor < -10000000000000LL))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct plaid_err err;
    json_t *out, *t;
    long status;
    size_t i;
    int rc;

    if (size == 0)
        return 0;
    status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
    rc = plaid_map_answer(status, size > 1 ? (const char *)data + 1 : NULL, size - 1, &out, &err);
    if (rc != 0) {
        if (out || (rc != FC_EDEP && rc != FC_EINVAL) || (rc == FC_EINVAL && status / 100 != 4) ||
            !err.code[0] || strnlen(err.code, sizeof(err.code)) == sizeof(err.code) ||
            strnlen(err.message, sizeof(err.message)) == sizeof(err.message))
            abort();
        return 0;
    }
    if (!json_is_object(out) || status / 100 != 2)
        abort();
    json_array_foreach(json_object_get(out, "added"), i, t) check_txn(t);
    json_array_foreach(json_object_get(out, "modified"), i, t) check_txn(t);
    check_accounts(json_object_get(out, "accounts"));
    json_decref(out);
    return 0;
}
