/* toolrun.h - one tool call executed by the gateway, over the engine's libcurl multi.
 *
 * The worker holds no database credentials: a tool runs in the gateway, which computes it
 * with the REST API's own handlers for the user the request's tool token names (SPEC §14).
 * A call is `POST <FINCHAT_GATEWAY_URL>/api/v1/tools/<name>` with the arguments as the body
 * and `Authorization: Bearer <tool token>`; the gateway answers 200 {"tool","result"} or an
 * error in the API's error shape (with a "hint"). The transfer runs on the engine's multi
 * beside the generations, so a slow tool never blocks another answer; its time is capped by
 * FINCHAT_TOOL_TIMEOUT_MS and the answer's deadline. @locality engine thread. */
#ifndef FINCHAT_TOOLRUN_H
#define FINCHAT_TOOLRUN_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TOOLRUN_BODY_MAX (1 << 20) /* bytes of a gateway answer read */
#define TOOLRUN_TAG 0x746f6f6cU    /* first member of struct toolrun ("tool") */

struct toolrun {
    unsigned tag; /* TOOLRUN_TAG: tells a tool transfer from a generation's (CURLOPT_PRIVATE) */
    CURL *easy;
    struct curl_slist *headers;
    char *body; /* the request body */
    char *resp; /* the answer read so far */
    size_t resp_len;
    bool too_big; /* the answer went beyond TOOLRUN_BODY_MAX */
    void *owner;  /* the caller's, e.g. the generation */
    int slot;     /* the caller's, e.g. the call's index in its round */
};

/* Starts the call of tool @name (a catalogue name: snake_case) with @args on @multi.
 * @traceparent may be NULL. Returns the call, or NULL when it cannot even be started
 * (nothing is then in flight). */
struct toolrun *toolrun_start(CURLM *multi, const char *gateway_url, const char *token,
                              const char *traceparent, const char *name, const json_t *args,
                              long timeout_ms, void *owner, int slot);

/* Ends a call libcurl reported done with @res, or one abandoned (@res CURLE_ABORTED_BY_CALLBACK
 * then): removes and frees it. Returns the result for the model (new reference) and sets
 * *@ok: the tool's "result" when the gateway answered 200, else {"error","hint"} telling
 * what failed. */
json_t *toolrun_finish(CURLM *multi, struct toolrun *t, CURLcode res, bool *ok);

/* Frees a call without a result (the answer was canceled or ended). */
void toolrun_abort(CURLM *multi, struct toolrun *t);

/* Pure: reads the gateway's answer @body (@len bytes) of HTTP status @status. Returns the
 * result (new reference) and sets *@ok as toolrun_finish() does. */
json_t *toolrun_read_answer(long status, const char *body, size_t len, bool *ok);

#endif
