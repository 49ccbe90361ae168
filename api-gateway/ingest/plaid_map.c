/* plaid_map.c - Plaid's JSON answers read into our shapes. */
#include "api-gateway/ingest/plaid_map.h"

#include "err.h"
#include "money.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void set_err(struct plaid_err *err, int status, const char *code, const char *msg)
{
    err->http_status = status;
    snprintf(err->code, sizeof(err->code), "%s", code);
    snprintf(err->message, sizeof(err->message), "%s", msg);
}

int plaid_map_answer(long status, const char *body, size_t len, json_t **out, struct plaid_err *err)
{
    json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
    const char *code, *disp, *msg;

    *out = NULL;
    if (status >= 200 && status < 300 && json_is_object(j)) {
        *out = j;
        return 0;
    }
    code = json_string_value(json_object_get(j, "error_code"));
    disp = json_string_value(json_object_get(j, "display_message"));
    msg = json_string_value(json_object_get(j, "error_message"));
    /* An empty string says nothing: treated as missing (err->code is never empty). */
    if (code && !*code)
        code = NULL;
    if (disp && !*disp)
        disp = NULL;
    if (msg && !*msg)
        msg = NULL;
    set_err(err, (int)status, code ? code : "bad_response",
            disp  ? disp
            : msg ? msg
                  : "the bank connection service failed");
    json_decref(j);
    return status >= 400 && status < 500 && code ? FC_EINVAL : FC_EDEP;
}

int plaid_map_amount(json_t *v, const char *currency, int64_t *out)
{
    int units = money_minor_units(currency);
    double d;

    if (!json_is_number(v) || units < 0)
        return FC_EINVAL;
    d = json_number_value(v);
    /* Plaid sends decimal major units; round to the minor unit once, then stay in integers. */
    if (!isfinite(d) || fabs(d) > 1e11)
        return FC_EINVAL;
    *out = (int64_t)llround(d * pow(10, units));
    return 0;
}

static void copy_str(char *dst, size_t cap, json_t *v, const char *def)
{
    const char *s = json_string_value(v);

    snprintf(dst, cap, "%s", s && *s ? s : def);
}

const char *plaid_map_account_type(const char *type, const char *subtype)
{
    if (type && strcmp(type, "credit") == 0)
        return "credit";
    if (type && strcmp(type, "investment") == 0)
        return "investment";
    if (subtype && (strcmp(subtype, "savings") == 0 || strcmp(subtype, "money market") == 0 ||
                    strcmp(subtype, "cd") == 0))
        return "savings";
    return "checking";
}

int plaid_map_txn(json_t *t, struct plaid_txn *out)
{
    const char *id = json_string_value(json_object_get(t, "transaction_id"));
    const char *acct = json_string_value(json_object_get(t, "account_id"));
    const char *date = json_string_value(json_object_get(t, "date"));
    json_t *pfc = json_object_get(t, "personal_finance_category");
    const char *primary = json_string_value(json_object_get(pfc, "primary"));
    int64_t amt;

    memset(out, 0, sizeof(*out));
    if (primary && !*primary)
        primary = NULL; /* an empty category says nothing: uncategorized */
    copy_str(out->currency, sizeof(out->currency), json_object_get(t, "iso_currency_code"), "USD");
    if (!id || !*id || strlen(id) >= sizeof(out->id) || !acct || !*acct ||
        strlen(acct) >= sizeof(out->account_id) || !date || strlen(date) != 10 ||
        plaid_map_amount(json_object_get(t, "amount"), out->currency, &amt) != 0)
        return FC_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? date[i] != '-' : (date[i] < '0' || date[i] > '9'))
            return FC_EINVAL;
    snprintf(out->id, sizeof(out->id), "%s", id);
    snprintf(out->account_id, sizeof(out->account_id), "%s", acct);
    memcpy(out->date, date, 11);
    out->amount_minor = -amt;
    copy_str(out->merchant, sizeof(out->merchant), json_object_get(t, "merchant_name"), "");
    if (!out->merchant[0])
        copy_str(out->merchant, sizeof(out->merchant), json_object_get(t, "name"), "Unknown");
    if (primary && strcmp(primary, "INCOME") == 0)
        snprintf(out->type, sizeof(out->type), "income");
    else if (primary &&
             (strcmp(primary, "TRANSFER_IN") == 0 || strcmp(primary, "TRANSFER_OUT") == 0))
        snprintf(out->type, sizeof(out->type), "transfer");
    else
        snprintf(out->type, sizeof(out->type), "%s", amt < 0 ? "income" : "expense");
    if (primary) {
        size_t n = 0;

        for (const char *p = primary; *p && n + 1 < sizeof(out->category); p++)
            out->category[n++] = (char)(*p == '_' ? ' ' : (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        out->category[n] = '\0';
    } else {
        snprintf(out->category, sizeof(out->category), "uncategorized");
    }
    return 0;
}
