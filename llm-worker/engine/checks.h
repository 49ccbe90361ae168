/* checks.h - checked figures (SPEC §14): finds every money amount and percentage in an
 * assistant's answer and matches each against the data that answer used (tool results and the
 * user's context document), so the client can mark the figures nothing backs.
 *
 * Figures in the answer
 *   - Money: a number with a currency before or after it, at most one space (U+0020, U+00A0 or
 *     U+202F) between: a symbol of the currency table (common/money.h: "$", "€", "£", "¥",
 *     "CA$", ...) or an ISO 4217 code of that table ("$1,234.50", "USD 1,234.50", "1234.5 USD",
 *     "1.500 KWD", "12,50 €", "¥1200"). A sign ("-", "+", U+2212) may stand before the currency
 *     or the number ("-$12", "$-12", "-12 USD").
 *   - Percentages: a number then "%", at most one space between ("12.3%", "12 %", "-4.5%").
 *   - Numbers: digits with "," or "." between digit groups. Decimal mark: when both "." and ","
 *     appear, the last one is the decimal mark and the other groups thousands ("1,234.50",
 *     "1.234,50"); a lone "," followed by exactly three digits groups thousands ("$1,234" is
 *     1234), followed by one or two digits it is a decimal comma ("€12,50", "3,5%"); a lone "."
 *     is a decimal point ("1.234" is 1.234, never 1234); several of one mark group thousands
 *     ("1.234.567 €"). Any other shape ("1,2345", "12,34,567") is not a figure.
 *   - Not figures: numbers without a currency or "%" (counts, days, years, dates such as
 *     2026-10-01, "3 purchases", "October 2026"); a figure touching a letter, digit or "_"
 *     on either side ("abc$12", "$12k", "$12M", "12%ile"; only plain forms count); anything in
 *     a whitespace-delimited token that contains "://" or starts with "www." (URLs); exponent
 *     forms ("1e308%").
 *
 * Values in @sources (the first CHECKS_MAX_SOURCES sources, each walked recursively to depth 64
 * for at most CHECKS_MAX_VALUES values, so a huge tool result cannot crowd out the context)
 *   - Money: a number under a key ending in "_minor", in minor units of the currency named by
 *     the nearest "currency" string of its own object or an enclosing one (ISO 4217 minor
 *     units from common/money.h; 2 when there is none or it is unknown): 1200 JPY is ¥1200,
 *     1500 KWD is 1.500 KWD.
 *   - Plain numbers: every other number, as given (keys ending "_pct", "pct", "score", "rate",
 *     counts, ...). A number in [-1, 1] under a key containing "rate" but not ending in "pct"
 *     also counts as the percentage it is a fraction of (0.23 is 23%).
 *   - Figures written in source strings (e.g. a fraud alert's reason "average of $62.29",
 *     "4.7% of annual income"), found by the same rules as in the answer: money as money, a
 *     percentage as a plain number. A source may be a bare JSON string: the engine can pass
 *     the user's question that way, so amounts the user named ("can I afford a $2,000
 *     vacation?") verify when the answer repeats them.
 *   - Derived values, from pairs of money values (pairs are what analysts and models state):
 *       differences ||a| - |b|| of two siblings in one object (income - expenses,
 *       limit - spent, target - current) or of two values under the same key in one source
 *       (this_month vs last_month expenses_minor, two months of a cashflow, two categories);
 *       ratios min / max * 100 of two siblings, the part of the whole (spent of limit,
 *       expenses of income);
 *       percentage changes ||a| - |b|| / |b| * 100, either way round, of two periods of one
 *       series: the same key in two objects that each have a "month" member and sit in the
 *       same array or object (months of a cashflow, this_month vs last_month);
 *       the change of such a series across zero, |a - b| with signs (net worth from -$12.34
 *       to $44,292.18 grew by $44,304.52).
 *     And the average per item of a money value whose object has an integer "count" above 1
 *     ({count, expenses_minor} of a search summary: "an average purchase of $107.07").
 *     Each group (an object's money members; one key's values in a source) contributes its
 *     first CHECKS_GROUP_MAX values in document order, and at most CHECKS_MAX_PAIRS pairs of
 *     one source are used, so a huge source costs bounded time. Sums and other averages are
 *     not derived, nor anything across two sources.
 *     Why so narrow: every derived value is one more number a wrong figure can hit by chance.
 *     Against the golden demo context, random "$1,234.56" figures verify 0 times in 2,000,
 *     whole dollars 1.6%, one-decimal percentages 12% and whole percentages 58% (the data is
 *     full of small numbers: counts, points, shares), so a whole percentage is a weak check.
 *
 * Matching: a money figure matches a money value (base or derived), a percentage matches a
 * plain value (base or derived), both by magnitude: signs are ignored because prose gives the
 * direction in words ("spent $12", "down 4.5%"). The currency is not compared (a figure's
 * currency is a formatting choice; many values have no currency next to them). A figure shown
 * with d decimals matches a value v when v rounded half away from zero to d decimals equals the
 * figure: "$1,235" matches 1234.50, "$1,234.5" matches 1234.5, "12%" matches 12.4 but not
 * 12.6. Exact arithmetic (integers and ratios of integers, no floating point in the decision).
 * A figure with more than 18 significant digits or 18 decimals is counted but never verified.
 *
 * Pure: no I/O, no globals written; any thread. Time is linear in the answer's and the
 * sources' length plus O(P log P) for the bounded value set. */
#ifndef FINCHAT_CHECKS_H
#define FINCHAT_CHECKS_H

#include <jansson.h>

/* Bounds of the value set (see above), per source. */
#define CHECKS_MAX_SOURCES 32
#define CHECKS_MAX_VALUES 2000
#define CHECKS_GROUP_MAX 32
#define CHECKS_MAX_PAIRS 4096
/* At most this many figures are listed in "unverified" (all are counted). */
#define CHECKS_MAX_LISTED 100
/* A listed figure is its text as written, trimmed, cut to at most this many bytes at a
 * character boundary. */
#define CHECKS_TEXT_MAX 64

/* Returns {"figures":N, "verified":M, "unverified":["$12.00", ...]} (new reference) for
 * @answer (UTF-8 text, may be any length; NULL counts as "") against @sources: a JSON array of
 * JSON values — tool results (the REST API bodies, see proto/API.md) and the context document
 * (proto/mongo.contexts.schema.json, golden examples in proto/golden/mongo/). @sources may be
 * NULL or not an array: then it is taken as the one source it is (NULL as none). N counts
 * every figure of the answer, M those matched; "unverified" lists the others in answer order
 * (at most CHECKS_MAX_LISTED), each valid UTF-8 even when @answer is not. Never fails. */
json_t *checks_run(const char *answer, const json_t *sources);

#endif
