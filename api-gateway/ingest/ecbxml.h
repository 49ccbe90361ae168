/* ecbxml.h - the European Central Bank's euro foreign exchange reference rates, read from
 * their XML: the daily file (eurofxref-daily.xml, one day) and the historical one
 * (eurofxref-hist.xml, every day since 1999), both
 *
 *   <gesmes:Envelope ...><Cube><Cube time="2026-12-04">
 *     <Cube currency="USD" rate="1.0812"/> ...
 *   </Cube></Cube></gesmes:Envelope>
 *
 * Every rate is 1 EUR = rate units of the currency. This is where those bytes, user input,
 * are read: pure (no I/O, no state, any thread), unit-tested (tests/unit/ingest/test_ecbxml.c)
 * and fuzzed (tests/fuzz/fuzz_ecbxml.c). Storing the rates is fx_api.h's. */
#ifndef FINCHAT_ECBXML_H
#define FINCHAT_ECBXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest rate text accepted, NUL excluded. */
#define ECBXML_RATE_MAX 24

/* Called once per rate, in file order: epoch day @day, ISO 4217 @currency (in
 * common/money.h's table, never "EUR"), @rate a positive decimal text ("1.0812": digits, at
 * most one '.', not zero, at most ECBXML_RATE_MAX characters). A non-zero return stops the
 * parse and is returned by ecbxml_parse(). */
typedef int (*ecbxml_rate_fn)(void *ctx, int64_t day, const char *currency, const char *rate);

/* Reads the @len bytes of @xml (not NUL-terminated). The document must be a
 * gesmes:Envelope; each <Cube currency= rate=> must sit inside a <Cube time=> holding a real
 * date (YYYY-MM-DD); comments, the XML declaration and other elements are skipped, and so
 * are the rates of the retired currencies of the historical file (CYP, EEK, HRK, LTL, LVL, MTL,
 * ROL, SIT, SKK, TRL: no longer in ISO 4217's table), after their rate is checked. The
 * whole file is checked before @fn sees anything, so a bad file stores nothing.
 * Returns the number of rates (>= 1) after calling @fn for each, or FC_EINVAL with the
 * reason (and its line) in @err (@errlen bytes) when the file is not such a document, has
 * no rate, or holds a bad date, currency or rate; or @fn's non-zero return. */
int ecbxml_parse(const char *xml, size_t len, ecbxml_rate_fn fn, void *ctx, char *err,
                 size_t errlen);

/* True when @s is a rate text ecbxml_parse() accepts (see ecbxml_rate_fn). */
bool ecbxml_rate_valid(const char *s);

#endif
