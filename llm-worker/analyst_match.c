/* analyst_match.c - keyword, category-name and number matching in questions. */
#include "analyst_match.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#define MAX_WORDS 64
#define NUMBER_MAX 1000000000000LL /* larger numbers in a question are ignored */

/* True when @needle occurs in @q starting at a word boundary (a prefix or phrase match). */
bool analyst_match_has(const char *q, const char *needle)
{
    for (const char *p = strstr(q, needle); p; p = strstr(p + 1, needle))
        if (p == q || !isalnum((unsigned char)p[-1]))
            return true;
    return false;
}

/* True when @w occurs in @q as a whole word. */
bool analyst_match_word(const char *q, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = strstr(q, w); p; p = strstr(p + 1, w))
        if ((p == q || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return true;
    return false;
}

bool analyst_match_any(const char *q, const char *const *needles)
{
    for (; *needles; needles++)
        if (analyst_match_has(q, *needles))
            return true;
    return false;
}

bool analyst_match_digit(const char *q)
{
    return strpbrk(q, "0123456789") != NULL;
}

/* Splits @s into lower-case alphabetic words of at most 31 characters. */
static size_t words_of(const char *s, char words[][32], size_t max)
{
    size_t n = 0;

    while (*s && n < max) {
        size_t len = 0;

        while (*s && !isalpha((unsigned char)*s))
            s++;
        while (isalpha((unsigned char)*s)) {
            if (len < 31)
                words[n][len++] = (char)tolower((unsigned char)*s);
            s++;
        }
        if (len) {
            words[n][len] = '\0';
            n++;
        }
    }
    return n;
}

/* Question words that never name a category by themselves. */
static bool is_stop_word(const char *w)
{
    static const char *const stop[] = {
        "month",    "monthly",    "spend",   "spending", "spent",   "money",  "total",
        "budget",   "budgets",    "expense", "expenses", "savings", "saving", "income",
        "category", "categories", "which",   "where",    "about",   "there",  "their",
        "would",    "could",      "should",  "every",    "doing",   "going",  "cutting",
        "percent",  "dollars",    "other",   "thing",    "things",  "much",   "more",
        "less",     "what",       "this",    "last",     "year",    "week",   "weekly",
        "reduce",   "spending",   "cancel",  NULL};

    for (const char *const *p = stop; *p; p++)
        if (strcmp(*p, w) == 0)
            return true;
    return false;
}

/* Everyday words for common category names. */
static const char *const aliases[][2] = {
    {"restaurant", "dining"},    {"eating", "dining"},
    {"takeout", "dining"},       {"food", "dining"},
    {"grocery", "groceries"},    {"supermarket", "groceries"},
    {"gas", "transport"},        {"fuel", "transport"},
    {"uber", "transport"},       {"commute", "transport"},
    {"rent", "housing"},         {"mortgage", "housing"},
    {"movies", "entertainment"}, {"streaming", "entertainment"},
    {"flights", "travel"},       {"electricity", "utilities"},
    {"internet", "utilities"},   {"doctor", "health"},
    {"pharmacy", "health"},      {"clothes", "shopping"},
    {"amazon", "shopping"},      {"coffee", "dining"},
};

/* True when question word @qw names category word @cw: the same word, the same first five
 * letters for longer words, or an everyday alias. */
static bool word_matches(const char *qw, const char *cw)
{
    size_t ql = strlen(qw), cl = strlen(cw);

    if (ql < 3 || cl < 3 || is_stop_word(qw))
        return false;
    if (strcmp(qw, cw) == 0)
        return true;
    if (ql >= 5 && cl >= 5 && strncmp(qw, cw, 5) == 0)
        return true;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strncmp(qw, aliases[i][0], strlen(aliases[i][0])) == 0 &&
            strncmp(cw, aliases[i][1], 5) == 0)
            return true;
    return false;
}

bool analyst_match_name(const char *q, const char *name)
{
    char qw[MAX_WORDS][32], cw[8][32];
    size_t nq = words_of(q, qw, MAX_WORDS), nc = words_of(name, cw, 8);

    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < nc; j++)
            if (word_matches(qw[i], cw[j]))
                return true;
    return false;
}

/* Parses the numbers of a what-if question: a percentage (tenths, 0..1000) and an amount in
 * minor units ("$500", "500 dollars", "$1,250.50", "$2k", or a bare number with "more",
 * "extra" or "save"). Exact integer parsing; false for what is absent. */
void analyst_match_numbers(const char *q, int64_t *pct_tenths, int64_t *amount)
{
    *pct_tenths = -1;
    *amount = -1;
    for (const char *p = q; *p; p++) {
        int64_t whole = 0, frac = 0;
        int fd = 0;
        const char *s = p, *e;
        bool dollar;

        if (!isdigit((unsigned char)*p) ||
            (p > q && (isdigit((unsigned char)p[-1]) || p[-1] == ',' || p[-1] == '.')))
            continue;
        dollar = p > q && p[-1] == '$';
        for (e = s; isdigit((unsigned char)*e) || (*e == ',' && isdigit((unsigned char)e[1])); e++)
            if (*e != ',' && whole <= NUMBER_MAX)
                whole = whole * 10 + (*e - '0');
        if (*e == '.' && isdigit((unsigned char)e[1]))
            for (e++; isdigit((unsigned char)*e); e++)
                if (fd < 2) {
                    frac = frac * 10 + (*e - '0');
                    fd++;
                }
        if (fd == 1)
            frac *= 10;
        while (*e == ' ')
            e++;
        if (whole > NUMBER_MAX) {
            p = e - 1; /* not a figure anyone means: ignored */
            continue;
        }
        if (*e == '%' || strncmp(e, "percent", 7) == 0 || strncmp(e, "pct", 3) == 0) {
            if (*pct_tenths < 0 && whole <= 100)
                *pct_tenths = whole * 10 + frac / 10;
        } else if (dollar || strncmp(e, "dollar", 6) == 0 || strncmp(e, "buck", 4) == 0 ||
                   ((*e == 'k' || *e == 'K') && !isalpha((unsigned char)e[1])) ||
                   analyst_match_has(q, "more") || analyst_match_has(q, "extra") ||
                   analyst_match_has(q, "save")) {
            if (*amount < 0) {
                *amount = whole * 100 + frac;
                if ((*e == 'k' || *e == 'K') && !isalpha((unsigned char)e[1]))
                    *amount *= 1000;
            }
        }
        p = e > p ? e - 1 : p;
    }
}
