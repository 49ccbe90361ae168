/* fuzz_utf8.c - libFuzzer target for the UTF-8 module (common/utf8.c).
 *
 * Walks the input with utf8_decode() and checks every other function against that walk:
 * utf8_valid() agrees with it; each decoded code point encodes back to the same bytes;
 * utf8_sanitize() gives valid UTF-8 without NUL and leaves valid NUL-free text as it is;
 * utf8_complete() holds back only an incomplete beginning of at most 3 bytes; utf8_cut()
 * never passes its limit and, in valid text, cuts on a boundary at most 3 bytes early;
 * utf8_count() and utf8_advance() agree with the number of code points. */
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes all of @s; returns whether it is valid and its code points in *@ncp. */
static bool walk(const char *s, size_t len, size_t *ncp, bool *has_nul)
{
    size_t i = 0;

    *ncp = 0;
    *has_nul = false;
    while (i < len) {
        int32_t cp;
        char enc[4];
        int n = utf8_decode(s + i, len - i, &cp);

        if (n <= 0)
            return false;
        if (utf8_encode(cp, enc) != (size_t)n || memcmp(enc, s + i, (size_t)n) != 0)
            abort();
        *has_nul |= cp == 0;
        i += (size_t)n;
        (*ncp)++;
    }
    return true;
}

static void check_sanitize(const char *s, size_t len, bool valid, bool has_nul)
{
    size_t clen, ncp;
    bool nul;
    char *clean = utf8_sanitize(s, len, &clen);

    if (strlen(clean) != clen || !walk(clean, clen, &ncp, &nul) || nul)
        abort();
    if (valid && !has_nul && (clen != len || memcmp(clean, s, len) != 0))
        abort();
    free(clean);
}

static void check_cuts(const char *s, size_t len, bool valid, size_t ncp)
{
    size_t done = utf8_complete(s, len);

    if (done > len || len - done > 3)
        abort();
    if (done < len && utf8_decode(s + done, len - done, NULL) != UTF8_INCOMPLETE)
        abort();
    for (size_t max = 0; max <= len + 1; max += 1 + max / 4) {
        size_t cut = utf8_cut(s, len, max);

        if (cut > max || cut > len || (len <= max && cut != len))
            abort();
        if (valid && (max - cut > 3 || !utf8_valid(s, cut)))
            abort();
    }
    if (!valid)
        return;
    if (utf8_count(s, len) != ncp || utf8_advance(s, len, ncp) != len)
        abort();
    for (size_t k = 0; k <= ncp; k += 1 + k / 4) {
        size_t adv = utf8_advance(s, len, k);

        if (utf8_count(s, adv) != k || !utf8_valid(s, adv))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t ncp;
    bool has_nul;
    bool valid = walk(s, size, &ncp, &has_nul);

    if (utf8_valid(s, size) != valid)
        abort();
    check_sanitize(s, size, valid, has_nul);
    check_cuts(s, size, valid, ncp);
    return 0;
}
