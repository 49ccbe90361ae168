/* money.c - ISO 4217 minor units and money text, read from the generated currency table
 * (build/gen/currencies.c, from proto/currencies.json). */
#include "money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_code(const void *key, const void *elem)
{
    const struct money_currency *c = elem;

    return strcmp(key, c->code);
}

const struct money_currency *money_currency_find(const char *code)
{
    if (!code)
        return NULL;
    return bsearch(code, money_currencies, money_ncurrencies, sizeof(money_currencies[0]), by_code);
}

int money_minor_units(const char *code)
{
    const struct money_currency *c = money_currency_find(code);

    return c ? c->minor_units : -1;
}

/* Writes @mag into @out (room for 40 bytes) with its last @decimals digits after a "." and,
 * when @group, a "," every three digits of the integer part: "1,234.56", "0.050". */
static void put_number(uint64_t mag, int decimals, bool group, char *out)
{
    char digits[24];
    int nd = 0;
    size_t n = 0;

    /* Digits of the magnitude, least significant first, padded to one integer digit. */
    do {
        digits[nd++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    while (nd < decimals + 1)
        digits[nd++] = '0';
    for (int i = nd - 1; i >= decimals; i--) {
        out[n++] = digits[i];
        if (group && i > decimals && (i - decimals) % 3 == 0)
            out[n++] = ',';
    }
    if (decimals) {
        out[n++] = '.';
        for (int i = decimals - 1; i >= 0; i--)
            out[n++] = digits[i];
    }
    out[n] = '\0';
}

/* True when @code looks like an ISO 4217 code: three upper-case ASCII letters. */
static bool code_shaped(const char *code)
{
    return code && strlen(code) == 3 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

size_t money_format(int64_t minor, const char *code, unsigned flags, char *buf, size_t len)
{
    const struct money_currency *c = money_currency_find(code);
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    const char *sign = minor < 0 ? "-" : (flags & MONEY_PLUS) && minor > 0 ? "+" : "";
    char num[40];
    int n;

    put_number(mag, c ? c->minor_units : 0, !(flags & MONEY_NO_GROUP), num);
    if (!c)
        n = snprintf(buf, len, "%s%s minor unit%s of %s", sign, num, mag == 1 ? "" : "s",
                     code_shaped(code) ? code : "an unknown currency");
    else if (c->symbol && !(flags & MONEY_CODE))
        n = snprintf(buf, len, "%s%s%s", sign, c->symbol, num);
    else
        n = snprintf(buf, len, "%s%s %s", sign, num, c->code);
    if (n < 0)
        n = 0;
    if ((size_t)n >= len && len > 0)
        buf[0] = '\0';
    return (size_t)n;
}
