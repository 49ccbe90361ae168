/* fuzz_cookies.c - libFuzzer target for the Cookie parser and Set-Cookie builder
 * (api-gateway/http/cookies.c).
 *
 * The first input byte picks the output buffer size and the cookie name looked up; the rest
 * is the Cookie header. A found value must fit, be NUL-terminated at its length and hold no
 * ';'. The rest is also offered to the builder as a value: an accepted value must come back
 * unchanged through the parser and the line must hold no CR, LF or NUL. Built and run by
 * tests/fuzz/run.sh. */
#include "api-gateway/http/cookies.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {COOKIE_SESSION, COOKIE_REFRESH, COOKIE_CSRF, "a"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[300], back[300];
    size_t outlen;
    const char *name;
    char *hdr, *line;
    int n;

    if (size == 0)
        return 0;
    outlen = (size_t)(data[0] >> 2) * 4 + 1; /* 1..253 */
    name = names[data[0] & 3];
    hdr = malloc(size);
    memcpy(hdr, data + 1, size - 1);
    hdr[size - 1] = '\0';

    n = cookies_get(hdr, name, out, outlen);
    if (n >= 0 && ((size_t)n >= outlen || strlen(out) != (size_t)n || strchr(out, ';')))
        abort();

    line = cookies_set_line(name, hdr, "/", 60, data[0] & 3);
    if (line) {
        const char *pair = line + strlen("Set-Cookie: ");

        if (strpbrk(line, "\r\n"))
            abort();
        n = cookies_get(pair, name, back, sizeof(back));
        if (strlen(hdr) < sizeof(back) && (n < 0 || strcmp(back, hdr) != 0))
            abort();
        free(line);
    }
    free(hdr);
    return 0;
}
