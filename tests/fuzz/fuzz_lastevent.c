/* fuzz_lastevent.c - libFuzzer target for Last-Event-ID parsing and SSE framing
 * (api-gateway/http/sse.c).
 *
 * The input is a Last-Event-ID value. An accepted one must be 1..18 digits whose number
 * prints back as the value without its leading zeros. The input is also framed as an
 * event's data under the id it gave (or none): every line of the frame must start with
 * "id: ", "event: " or "data: ", hold no CR, and the frame end with a blank line; the id
 * line must parse back to the same id. Built and run by tests/fuzz/run.sh. */
#include "strbuf.h"
#include "api-gateway/http/sse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the accepted id @v against the text @s it came from. */
static void check_id(const char *s, int64_t v)
{
    char back[32];
    const char *digits = s;

    if (strlen(s) < 1 || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        abort();
    while (digits[0] == '0' && digits[1])
        digits++;
    snprintf(back, sizeof(back), "%lld", (long long)v);
    if (strcmp(back, digits) != 0)
        abort();
}

/* Checks one framed event in @buf (@len bytes) with id @id. */
static void check_frame(const char *buf, size_t len, int64_t id)
{
    const char *p = buf, *end = buf + len;

    if (len < 2 || memchr(buf, '\r', len) || buf[len - 1] != '\n' || buf[len - 2] != '\n')
        abort();
    while (p < end - 1) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        if (strncmp(p, "data: ", 6) != 0 && strncmp(p, "event: ", 7) != 0) {
            char idtext[32];
            size_t n = (size_t)(nl - p) - 4;

            if (strncmp(p, "id: ", 4) != 0 || n >= sizeof(idtext))
                abort();
            memcpy(idtext, p + 4, n);
            idtext[n] = '\0';
            if (sse_parse_last_event_id(idtext) != id)
                abort();
        }
        p = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct strbuf out = STRBUF_INIT;
    int64_t v;

    memcpy(s, data, size);
    s[size] = '\0';
    v = sse_parse_last_event_id(s);
    if (v >= 0)
        check_id(s, v);
    else if (v != -1)
        abort();
    sse_append_event(&out, v, "token", s, size);
    check_frame(out.buf, out.len, v);
    strbuf_release(&out);
    free(s);
    return 0;
}
