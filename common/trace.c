/* trace.c - traceparent validation and child spans. */
#include "trace.h"

#include "clock.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

void trace_random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char buf[32];

    if (nbytes > sizeof(buf))
        nbytes = sizeof(buf);
    if (getrandom(buf, nbytes, 0) != (ssize_t)nbytes) {
        uint64_t x = (uint64_t)clock_mono_ns() ^ ((uint64_t)getpid() << 32);

        for (size_t i = 0; i < nbytes; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

bool trace_valid(const char *tp)
{
    return tp && strlen(tp) == TRACEPARENT_LEN && strncmp(tp, "00-", 3) == 0 && tp[35] == '-' &&
           tp[52] == '-' && is_hex(tp + 3, 32) && is_hex(tp + 36, 16) && is_hex(tp + 53, 2) &&
           strspn(tp + 3, "0") < 32 && strspn(tp + 36, "0") < 16;
}

void trace_child(const char *parent, char *out, size_t outlen, char *trace_id)
{
    char trace[33], span[17];

    if (trace_valid(parent)) {
        memcpy(trace, parent + 3, 32);
        trace[32] = '\0';
    } else {
        trace_random_hex(trace, 16);
    }
    trace_random_hex(span, 8);
    snprintf(out, outlen, "00-%s-%s-01", trace, span);
    if (trace_id)
        memcpy(trace_id, trace, 33);
}
