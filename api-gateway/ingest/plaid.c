/* plaid.c - Plaid HTTP calls and JSON mapping. */
#include "api-gateway/ingest/plaid.h"

#include "err.h"
#include "log.h"
#include "strbuf.h"
#include "xmalloc.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BODY_MAX (8 * 1024 * 1024)

bool plaid_configured(const struct fc_config *cfg)
{
    return *cfg->plaid_client_id && *cfg->plaid_secret;
}

/* A response body being received; too_big once it would pass BODY_MAX. */
struct body {
    struct strbuf text;
    bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct body *b = ud;
    size_t n = size * nmemb;

    if (b->text.len + n > BODY_MAX) {
        b->too_big = true;
        return 0;
    }
    strbuf_add(&b->text, ptr, n);
    return n;
}

static void set_err(struct plaid_err *err, int status, const char *code, const char *msg)
{
    err->http_status = status;
    snprintf(err->code, sizeof(err->code), "%s", code);
    snprintf(err->message, sizeof(err->message), "%s", msg);
}

int plaid_call(const struct fc_config *cfg, const char *path, json_t *body, json_t **out,
               struct plaid_err *err)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct body b = {STRBUF_INIT, false};
    json_t *req = json_deep_copy(body);
    char *url = xasprintf("%s%s", cfg->plaid_base_url, path), *txt;
    long status = 0;
    CURLcode cc;
    int rc = FC_EDEP;

    *out = NULL;
    json_object_set_new(req, "client_id", json_string(cfg->plaid_client_id));
    json_object_set_new(req, "secret", json_string(cfg->plaid_secret));
    txt = json_dumps(req, JSON_COMPACT);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Plaid-Version: 2020-09-14");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, txt);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        log_warn("plaid %s: %s", path, curl_easy_strerror(cc));
        set_err(err, 0, "unreachable", "the bank connection service is unreachable");
        goto out;
    }
    *out = b.text.len ? json_loadb(b.text.buf, b.text.len, 0, NULL) : NULL;
    if (status >= 200 && status < 300 && json_is_object(*out)) {
        rc = 0;
        goto out;
    }
    {
        const char *code = json_string_value(json_object_get(*out, "error_code"));
        const char *disp = json_string_value(json_object_get(*out, "display_message"));
        const char *msg = json_string_value(json_object_get(*out, "error_message"));

        set_err(err, (int)status, code ? code : "bad_response",
                disp  ? disp
                : msg ? msg
                      : "the bank connection service failed");
        log_warn("plaid %s: HTTP %ld %s", path, status, err->code);
        rc = status >= 400 && status < 500 && code ? FC_EINVAL : FC_EDEP;
        json_decref(*out);
        *out = NULL;
    }
out:
    strbuf_release(&b.text);
    free(txt);
    free(url);
    json_decref(req);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

int plaid_amount_minor(json_t *v, int64_t *out)
{
    double d;

    if (!json_is_number(v))
        return FC_EINVAL;
    d = json_number_value(v);
    /* Plaid sends decimal major units; round to the cent once, then stay in integers. */
    if (!isfinite(d) || fabs(d) > 1e11)
        return FC_EINVAL;
    *out = (int64_t)llround(d * 100.0);
    return 0;
}

static void copy_str(char *dst, size_t cap, json_t *v, const char *def)
{
    const char *s = json_string_value(v);

    snprintf(dst, cap, "%s", s && *s ? s : def);
}

const char *plaid_account_type(const char *type, const char *subtype)
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
    if (!id || !*id || strlen(id) >= sizeof(out->id) || !acct || !*acct ||
        strlen(acct) >= sizeof(out->account_id) || !date || strlen(date) != 10 ||
        plaid_amount_minor(json_object_get(t, "amount"), &amt) != 0)
        return FC_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? date[i] != '-' : (date[i] < '0' || date[i] > '9'))
            return FC_EINVAL;
    snprintf(out->id, sizeof(out->id), "%s", id);
    snprintf(out->account_id, sizeof(out->account_id), "%s", acct);
    memcpy(out->date, date, 11);
    out->amount_minor = -amt;
    copy_str(out->currency, sizeof(out->currency), json_object_get(t, "iso_currency_code"), "USD");
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
