/* toolrun.c - a tool call to the gateway on the engine's curl multi. */
#include "llm-worker/engine/toolrun.h"

#include "xmalloc.h"
#include "llm-worker/engine/toolround.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct toolrun *t = ud;
    size_t n = size * nmemb;

    if (t->resp_len + n > TOOLRUN_BODY_MAX) {
        t->too_big = true;
        return 0; /* aborts the transfer */
    }
    t->resp = xrealloc(t->resp, t->resp_len + n + 1);
    memcpy(t->resp + t->resp_len, ptr, n);
    t->resp_len += n;
    t->resp[t->resp_len] = '\0';
    return n;
}

static void toolrun_free(struct toolrun *t)
{
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->body);
    free(t->resp);
    free(t);
}

struct toolrun *toolrun_start(CURLM *multi, const char *gateway_url, const char *token,
                              const char *traceparent, const char *name, const json_t *args,
                              long timeout_ms, void *owner, int slot)
{
    struct toolrun *t = xcalloc(1, sizeof(*t));
    size_t ulen = strlen(gateway_url);
    char *url, *auth;

    t->tag = TOOLRUN_TAG;
    t->owner = owner;
    t->slot = slot;
    t->body = json_dumps(args, JSON_COMPACT);
    t->easy = curl_easy_init();
    if (!t->body || !t->easy) {
        toolrun_free(t);
        return NULL;
    }
    while (ulen > 0 && gateway_url[ulen - 1] == '/')
        ulen--;
    url = xasprintf("%.*s/api/v1/tools/%s", (int)ulen, gateway_url, name);
    auth = xasprintf("Authorization: Bearer %s", token);
    t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
    t->headers = curl_slist_append(t->headers, auth);
    if (traceparent) {
        char tp[128];

        snprintf(tp, sizeof(tp), "traceparent: %s", traceparent);
        t->headers = curl_slist_append(t->headers, tp);
    }
    free(auth);
    curl_easy_setopt(t->easy, CURLOPT_URL, url);
    free(url); /* libcurl copies the URL */
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(t->body));
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "finchat-worker/1 (tools)");
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
    curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
    curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(t->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    if (curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
        toolrun_free(t);
        return NULL;
    }
    return t;
}

json_t *toolrun_read_answer(long status, const char *body, size_t len, bool *ok)
{
    json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *err = json_object_get(doc, "error"), *result = json_object_get(doc, "result");
    json_t *out;
    char msg[400];

    *ok = false;
    if (status == 200 && result) {
        *ok = true;
        out = json_incref(result);
    } else if (json_is_object(err) && json_is_string(json_object_get(err, "message"))) {
        const char *hint = json_string_value(json_object_get(err, "hint"));
        const char *code = json_string_value(json_object_get(err, "code"));

        snprintf(msg, sizeof(msg), "%s%s%s", code ? code : "", code ? ": " : "",
                 json_string_value(json_object_get(err, "message")));
        out = toolround_error(msg, hint ? hint : "");
    } else if (status == 401 || status == 403) {
        out = toolround_error("the lookup was not authorised",
                              "answer from the data you were given, and say so");
    } else {
        snprintf(msg, sizeof(msg), "the lookup failed (HTTP %ld)", status);
        out = toolround_error(msg, "try again once, or answer from the data you were given");
    }
    json_decref(doc);
    return out;
}

json_t *toolrun_finish(CURLM *multi, struct toolrun *t, CURLcode res, bool *ok)
{
    long status = 0;
    json_t *out;

    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(multi, t->easy);
    if (t->too_big) {
        *ok = false;
        out = toolround_error("the result is too large to read",
                              "ask for less: a smaller limit, a shorter period or more filters");
    } else if (res != CURLE_OK) {
        char msg[300];

        *ok = false;
        snprintf(msg, sizeof(msg), "the lookup failed: %s", curl_easy_strerror(res));
        out = toolround_error(msg, "answer from the data you were given, and say so");
    } else {
        out = toolrun_read_answer(status, t->resp, t->resp_len, ok);
    }
    toolrun_free(t);
    return out;
}

void toolrun_abort(CURLM *multi, struct toolrun *t)
{
    if (!t)
        return;
    curl_multi_remove_handle(multi, t->easy);
    toolrun_free(t);
}
