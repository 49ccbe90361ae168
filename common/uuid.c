/* uuid.c - UUID validation, normalisation and version 4 generation (see uuid.h). */
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

static bool is_hyphen_at(int i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

/* Checks the shape; with @lower_only, upper-case hex letters fail too. */
static bool check(const char *s, bool lower_only)
{
    if (!s)
        return false;
    /* A short @s fails at its NUL, which is neither '-' nor a hex digit. */
    for (int i = 0; i < UUID_STR_LEN - 1; i++) {
        char c = s[i];
        bool ok;

        if (is_hyphen_at(i))
            ok = c == '-';
        else
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                 (!lower_only && c >= 'A' && c <= 'F');
        if (!ok)
            return false;
    }
    return s[UUID_STR_LEN - 1] == '\0';
}

bool uuid_valid(const char *s)
{
    return check(s, false);
}

bool uuid_canonical(const char *s)
{
    return check(s, true);
}

bool uuid_normalize(const char *in, char out[UUID_STR_LEN])
{
    if (!uuid_valid(in))
        return false;
    for (int i = 0; i < UUID_STR_LEN - 1; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'F' ? in[i] - 'A' + 'a' : in[i]);
    out[UUID_STR_LEN - 1] = '\0';
    return true;
}

void uuid_generate(char out[UUID_STR_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t got = 0;
    int o = 0;

    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"getrandom failed\"}\n");
            abort();
        }
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    for (int i = 0; i < 16; i++) {
        if (is_hyphen_at(o))
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}
