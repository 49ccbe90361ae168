/* analyst_match.c - keyword, category-name and number matching in questions. */
#include "llm-worker/analyst/analyst_match.h"

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

static const char *const month_names[] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};

/* The month (1..12) the word of @len letters at @w names, else 0: a full name, or its first
 * three letters, or "sept". Sets *@full for a full name. */
static int month_of_word(const char *w, size_t len, bool *full)
{
    for (int m = 0; m < 12; m++) {
        size_t n = strlen(month_names[m]);

        if (len > n || strncmp(w, month_names[m], len) != 0)
            continue;
        *full = len == n;
        if (*full || len == 3 || (len == 4 && m == 8))
            return m + 1;
    }
    return 0;
}

/* The word before @p in @q (letters only): its start, and its length in *@len. */
static const char *word_before(const char *q, const char *p, size_t *len)
{
    const char *e = p, *b;

    while (e > q && !isalnum((unsigned char)e[-1]))
        e--;
    for (b = e; b > q && isalpha((unsigned char)b[-1]); b--)
        ;
    *len = (size_t)(e - b);
    return b;
}

/* True when the word before @p in @q is one of the NULL-terminated @words. */
static bool word_before_is(const char *q, const char *p, const char *const *words)
{
    size_t len;
    const char *b = word_before(q, p, &len);

    for (; *words; words++)
        if (len == strlen(*words) && strncmp(b, *words, len) == 0)
            return true;
    return false;
}

/* True when the word before @p in @q names a month: a number there is a year ("march 2026"). */
static bool month_before(const char *q, const char *p)
{
    size_t len;
    const char *b = word_before(q, p, &len);
    bool full;

    return len > 0 && month_of_word(b, len, &full) != 0;
}

/* Parses the numbers of a what-if question: a percentage (tenths, 0..1000) and an amount in
 * minor units ("$500", "500 dollars", "$1,250.50", "$2k"; else a bare number with "more",
 * "extra", "save" or "afford", unless it is a month's year). Exact integer parsing; -1 for
 * what is absent. */
void analyst_match_numbers(const char *q, int64_t *pct_tenths, int64_t *amount)
{
    static const char *const bare_words[] = {"more", "extra", "save", "afford", NULL};
    bool bare_ok = analyst_match_any(q, bare_words), bare = false;

    *pct_tenths = -1;
    *amount = -1;
    for (const char *p = q; *p; p++) {
        int64_t whole = 0, frac = 0;
        int fd = 0;
        const char *s = p, *e;
        bool dollar, kilo, marked;

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
        kilo = (*e == 'k' || *e == 'K') && !isalpha((unsigned char)e[1]);
        marked = dollar || kilo || strncmp(e, "dollar", 6) == 0 || strncmp(e, "buck", 4) == 0;
        if (*e == '%' || strncmp(e, "percent", 7) == 0 || strncmp(e, "pct", 3) == 0) {
            if (*pct_tenths < 0 && whole <= 100)
                *pct_tenths = whole * 10 + frac / 10;
        } else if (marked ? *amount < 0 || bare : *amount < 0 && bare_ok && !month_before(q, p)) {
            /* The first marked amount wins over a bare number seen before it. */
            *amount = (whole * 100 + frac) * (kilo ? 1000 : 1);
            bare = !marked;
        }
        p = e > p ? e - 1 : p;
    }
}

/* ---- periods ---- */

/* The year (1900..2999) written right after @e ("may 2026", "oct. 2026"), else 0. */
static int year_after(const char *e)
{
    int y = 0;

    while (*e == ' ' || *e == '.' || *e == ',')
        e++;
    for (int i = 0; i < 4; i++, e++) {
        if (!isdigit((unsigned char)*e))
            return 0;
        y = y * 10 + (*e - '0');
    }
    return y >= 1900 && y <= 2999 && !isalnum((unsigned char)*e) ? y : 0;
}

/* The month @q names (1..12) with the year after it in *@year (0 when none), else 0. */
static int named_month(const char *q, int *year)
{
    static const char *const lead[] = {"in", "for", "during", "of", NULL};

    for (const char *p = q; *p; p++) {
        size_t len = 0;
        bool full = false;
        int m;

        if (!isalpha((unsigned char)*p) || (p > q && isalnum((unsigned char)p[-1])))
            continue;
        while (isalpha((unsigned char)p[len]))
            len++;
        m = month_of_word(p, len, &full);
        *year = m ? year_after(p + len) : 0;
        if (m && ((full && m != 5) || *year || word_before_is(q, p, lead)))
            return m;
        p += len - 1;
    }
    *year = 0;
    return 0;
}

struct period_phrase {
    const char *phrase;
    enum analyst_period_kind kind;
};

/* The kind of the first phrase of @t (ended by a NULL phrase) that @q says as whole words. */
static enum analyst_period_kind phrase_kind(const char *q, const struct period_phrase *t)
{
    for (; t->phrase; t++)
        if (analyst_match_word(q, t->phrase))
            return t->kind;
    return ANALYST_PERIOD_NONE;
}

/* The number @p starts with, in digits (up to 3) or as a word, with its end in *@end;
 * 0 when there is none. */
static int count_at(const char *p, const char **end)
{
    static const struct {
        const char *word;
        int n;
    } words[] = {{"one", 1},         {"two", 2},       {"three", 3},   {"four", 4},
                 {"five", 5},        {"six", 6},       {"seven", 7},   {"eight", 8},
                 {"nine", 9},        {"ten", 10},      {"eleven", 11}, {"twelve", 12},
                 {"fourteen", 14},   {"thirty", 30},   {"sixty", 60},  {"ninety", 90},
                 {"a couple of", 2}, {"couple of", 2}, {"a few", 3},   {"few", 3}};
    int n = 0, digits = 0;

    while (isdigit((unsigned char)p[digits]) && digits < 4)
        n = n * 10 + (p[digits++] - '0');
    if (digits > 0) {
        *end = p + digits;
        return digits <= 3 && !isalnum((unsigned char)p[digits]) ? n : 0;
    }
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t len = strlen(words[i].word);

        if (strncmp(p, words[i].word, len) == 0 && !isalnum((unsigned char)p[len])) {
            *end = p + len;
            return words[i].n;
        }
    }
    return 0;
}

/* Fills @out from "last|past|previous N days|weeks|months|years" or "past day|week|month|
 * year" in @q; false when @q says no such span (or one out of range; a plain "last week",
 * "last month" or "previous year" is a calendar period). */
static bool counted_span(const char *q, struct analyst_period *out)
{
    static const char *const leads[] = {"last ", "past ", "previous ", NULL};

    for (const char *const *l = leads; *l; l++) {
        for (const char *p = strstr(q, *l); p; p = strstr(p + 1, *l)) {
            const char *u = p + strlen(*l), *e = u;
            int n = 0, days = 0, months = 0;

            if (p > q && isalnum((unsigned char)p[-1]))
                continue;
            n = count_at(u, &e);
            if (n > 0) {
                while (*e == ' ' || *e == '-')
                    e++;
            } else if (strcmp(*l, "past ") == 0) {
                n = 1; /* "past month", "past year" */
                e = u;
            } else {
                continue; /* "last month", "previous year": the calendar's */
            }
            if (strncmp(e, "fortnight", 9) == 0 && n == 1)
                days = 14;
            else if (strncmp(e, "day", 3) == 0)
                days = n;
            else if (strncmp(e, "week", 4) == 0)
                days = n * 7;
            else if (strncmp(e, "month", 5) == 0)
                months = n;
            else if (strncmp(e, "year", 4) == 0)
                months = n * 12;
            else
                continue;
            if (months == 1) /* "past month", "last 1 month": the last 30 days */
                days = 30, months = 0;
            if (days == 7) {
                out->kind = ANALYST_PERIOD_PAST_WEEK;
                return true;
            }
            if (days >= 1 && days <= 366) {
                out->kind = days == 1 ? ANALYST_PERIOD_TODAY : ANALYST_PERIOD_DAYS;
                out->count = days;
                return true;
            }
            if (months >= 2 && months <= 24) {
                out->kind = ANALYST_PERIOD_MONTHS;
                out->count = months;
                return true;
            }
        }
    }
    return false;
}

/* A year by number after "in", "for", "during" or "of" ("in 2025"), else 0. */
static int year_named(const char *q)
{
    static const char *const lead[] = {"in", "for", "during", "of", NULL};

    for (const char *p = q; *p; p++) {
        int y;

        if (!isdigit((unsigned char)*p) || (p > q && isalnum((unsigned char)p[-1])))
            continue;
        y = year_after(p);
        if (y && word_before_is(q, p, lead) && !(p > q && (p[-1] == '$')))
            return y;
    }
    return 0;
}

bool analyst_match_period(const char *q, struct analyst_period *out)
{
    static const struct period_phrase days[] = {
        {"today", ANALYST_PERIOD_TODAY},
        {"yesterday", ANALYST_PERIOD_YESTERDAY},
        {"past 7 days", ANALYST_PERIOD_PAST_WEEK},
        {"last 7 days", ANALYST_PERIOD_PAST_WEEK},
        {"past seven days", ANALYST_PERIOD_PAST_WEEK},
        {"last seven days", ANALYST_PERIOD_PAST_WEEK},
        {"past week", ANALYST_PERIOD_PAST_WEEK},
        {"last week", ANALYST_PERIOD_LAST_WEEK},
        {"previous week", ANALYST_PERIOD_LAST_WEEK},
        {"this week", ANALYST_PERIOD_THIS_WEEK},
        {NULL, ANALYST_PERIOD_NONE},
    };
    static const struct period_phrase years[] = {
        {"this year", ANALYST_PERIOD_THIS_YEAR},
        {"year to date", ANALYST_PERIOD_THIS_YEAR},
        {"last year", ANALYST_PERIOD_LAST_YEAR},
        {"previous year", ANALYST_PERIOD_LAST_YEAR},
        {NULL, ANALYST_PERIOD_NONE},
    };

    memset(out, 0, sizeof(*out));
    if (counted_span(q, out))
        return true;
    out->kind = phrase_kind(q, days);
    if (out->kind == ANALYST_PERIOD_NONE) {
        out->month = named_month(q, &out->year);
        out->kind = out->month ? ANALYST_PERIOD_MONTH : phrase_kind(q, years);
    }
    if (out->kind == ANALYST_PERIOD_NONE && (out->year = year_named(q)) != 0)
        out->kind = ANALYST_PERIOD_YEAR;
    return out->kind != ANALYST_PERIOD_NONE;
}
