/* plaid.c - Plaid HTTP calls over libcurl; their answers are read by plaid_map.c. */
#include "api-gateway/ingest/plaid.h"

#include "err.h"
#include "log.h"
#include "strbuf.h"
#include "xmalloc.h"

#include <curl/curl.h>
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
        err->http_status = 0;
        snprintf(err->code, sizeof(err->code), "unreachable");
        snprintf(err->message, sizeof(err->message), "the bank connection service is unreachable");
        goto out;
    }
    rc = plaid_map_answer(status, b.text.buf, b.text.len, out, err);
    if (rc)
        log_warn("plaid %s: HTTP %ld %s", path, status, err->code);
out:
    strbuf_release(&b.text);
    free(txt);
    free(url);
    json_decref(req);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}
