/* fuzz_screen.c - libFuzzer target for chat input cleaning and screening
 * (api-gateway/chat/screen.c).
 *
 * Cleans the input and screens both the raw bytes and the cleaned text. Checks that cleaning
 * is idempotent, leaves no control character, counts code points right, and that screening
 * answers 0 or FC_EREJECT with a rule name. */
#include "err.h"
#include "api-gateway/chat/screen.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_screen(const char *text)
{
    const char *rule = "unset";
    int rc = screen_text(text, &rule);

    if (rc == 0 && rule != NULL)
        abort();
    if (rc != 0 && (rc != FC_EREJECT || rule == NULL || rule[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *raw = malloc(size + 1);
    char *clean, *again;
    size_t n = 0, n2 = 0, cps = 0;

    if (!raw)
        return 0;
    memcpy(raw, data, size);
    raw[size] = '\0';
    clean = screen_clean((const char *)data, size, &n);
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
            abort();
        cps += (*p & 0xc0) != 0x80;
    }
    if (cps != n)
        abort();
    again = screen_clean(clean, strlen(clean), &n2);
    if (strcmp(clean, again) != 0 || n2 != n)
        abort();
    check_screen(raw);
    check_screen(clean);
    free(again);
    free(clean);
    free(raw);
    return 0;
}
