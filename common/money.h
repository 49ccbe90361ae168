/* money.h - ISO 4217 currencies and money text: how many minor units a currency has, and one
 * formatter for an amount in integer minor units ("$1,234.56", "¥1,235", "1.500 KWD").
 *
 * The currency table is proto/currencies.json, turned into C at build time
 * (tools/gen-currencies.py writes build/gen/currencies.c); the web client imports the same
 * JSON and applies the same rules (web/lib/format.ts), and tests/fixtures/money-format.json
 * holds the cases both sides check. Pure: no I/O, no state; any thread. */
#ifndef FINCHAT_MONEY_H
#define FINCHAT_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One currency of the table. */
struct money_currency {
    const char *code;   /* "USD": three upper-case letters */
    int minor_units;    /* digits after the decimal mark: 0 (JPY), 2 (USD), 3 (KWD), 4 (CLF) */
    const char *symbol; /* the prefix written instead of the code ("$", "CA$"), or NULL */
};

/* The table, sorted by code; generated from proto/currencies.json. */
extern const struct money_currency money_currencies[];
extern const size_t money_ncurrencies;

/* Room for any text money_format() writes, NUL included. */
#define MONEY_TEXT_MAX 64

/* Flags of money_format(). */
enum {
    MONEY_CODE = 1 << 0,     /* "1,234.56 USD" even when the currency has a symbol */
    MONEY_NO_GROUP = 1 << 1, /* "1234.56": no thousands separators */
    MONEY_PLUS = 1 << 2,     /* "+$5.00": a plus sign before amounts above zero */
};

/* Returns the currency of ISO 4217 code @code (exact, upper case), or NULL when @code is NULL
 * or not in the table. Input validation uses this: an unknown code is rejected. */
const struct money_currency *money_currency_find(const char *code);

/* Returns the number of minor-unit digits of @code (0..4), or -1 when @code is unknown. */
int money_minor_units(const char *code);

/* Writes @minor minor units of @code as text into @buf of @len bytes, exactly (no floating
 * point; every int64_t, INT64_MIN included):
 *   - a minus sign for amounts below zero (a plus with MONEY_PLUS for amounts above it), then
 *     the symbol and the amount ("-$1,234.56", "€0.05", "¥1,235"), or, for a currency without
 *     a symbol or with MONEY_CODE, the amount then the code ("10.00 SEK", "-1.500 KWD");
 *   - the currency's own number of decimals, a "." decimal mark and "," every three digits
 *     (none with MONEY_NO_GROUP);
 *   - an unknown code is not guessed at: the amount is written in minor units and says so,
 *     "12,345 minor units of XYZ" (or "of an unknown currency" when @code is NULL or not three
 *     upper-case letters).
 * Returns the length of the whole text. When it does not fit in @len bytes, @buf gets the
 * empty string (a cut amount would be a wrong amount); MONEY_TEXT_MAX bytes always suffice. */
size_t money_format(int64_t minor, const char *code, unsigned flags, char *buf, size_t len);

#endif
