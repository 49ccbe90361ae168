/* question.c - reading what a question asks, over which period and about what. */
#include "llm-worker/analyst/question.h"

#include "clock.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKS 96
#define TOKLEN 32

/* The question as words: lower-cased, punctuation dropped except inside numbers and dates. */
struct toks {
    char t[TOKS][TOKLEN];
    bool used[TOKS]; /* read as part of a period, category or account */
    int n;
    char pad[TOKS * (TOKLEN + 1) + 2]; /* " w1 w2 ... " */
};

/* ---- words and typos ---- */

/* Words the reader knows, which a typo one letter off (five letters or more) is read as. */
static const char *const vocab[] = {
    "spend",       "spent",          "spending",      "expenses",      "expense",
    "income",      "earned",         "received",      "budget",        "budgets",
    "balance",     "balances",       "subscriptions", "subscription",  "groceries",
    "grocery",     "restaurants",    "restaurant",    "dining",        "utilities",
    "transport",   "transportation", "shopping",      "entertainment", "travel",
    "coffee",      "housing",        "savings",       "checking",      "average",
    "largest",     "biggest",        "smallest",      "compare",       "yesterday",
    "quarter",     "purchases",      "purchase",      "transactions",  "transaction",
    "month",       "months",         "weeks",         "today",         "january",
    "february",    "april",          "august",        "september",     "october",
    "november",    "december",       "between",       "since",         "salary",
    "electricity", "pharmacy",       "medical",       "previous",      "much",
    "worth",       "remaining",      "trend",         "breakdown",     "categories",
    "category",    "paycheck",       "money",         "during",        "about",
    "account",     "accounts",       "brokerage",     "investment",    "insurance",
    "flights",     "hotels",         "internet",      "fortnight",     "weekend",
    NULL};

/* Common short typos and spellings, and what they stand for. */
static const char *const typos[][2] = {
    {"spnd", "spend"},
    {"spnt", "spent"},
    {"spen", "spend"},
    {"spendt", "spent"},
    {"helth", "health"},
    {"hw", "how"},
    {"mch", "much"},
    {"u", "you"},
    {"ive", "i have"},
    {"im", "i am"},
    {"didnt", "did not"},
    {"whats", "what is"},
    {"wat", "what"},
    {"thru", "through"},
    {"til", "until"},
    {"till", "until"},
    {"yday", "yesterday"},
    {"yest", "yesterday"},
    {"mon", "month"},
    {"mo", "month"},
    {"mth", "month"},
    {"wk", "week"},
    {"yr", "year"},
    {"yrs", "years"},
    {"txns", "transactions"},
    {"txn", "transaction"},
    {"subs", "subscriptions"},
    {"groc", "groceries"},
    {"restos", "restaurants"},
    {"avg", "average"},
    {"vs", "versus"},
    {"ytd", "year to date"},
    {"bal", "balance"},
    {"recieved", "received"},
    {"utils", "utilities"},
};

int aq_distance(const char *a, const char *b, int cap)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    int d[TOKLEN + 1][TOKLEN + 1];

    if (la > TOKLEN || lb > TOKLEN || abs(la - lb) > cap)
        return cap + 1;
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = a[i - 1] == b[j - 1] ? 0 : 1, v = d[i - 1][j - 1] + c;

            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

static bool all_alpha(const char *w)
{
    for (; *w; w++)
        if (!isalpha((unsigned char)*w))
            return false;
    return true;
}

/* The word @w stands for: itself, a known spelling, or the known word one letter off. */
static const char *corrected(const char *w)
{
    size_t len = strlen(w);

    for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++)
        if (strcmp(w, typos[i][0]) == 0)
            return typos[i][1];
    if (len < 5 || !all_alpha(w))
        return w;
    for (const char *const *v = vocab; *v; v++)
        if (strcmp(w, *v) == 0)
            return w;
    for (const char *const *v = vocab; *v; v++)
        if (aq_distance(w, *v, 1) <= 1)
            return *v;
    return w;
}

static void add_tok(struct toks *t, const char *w)
{
    /* A correction may be two words ("ive" -> "i have"). */
    char buf[TOKLEN * 2];
    char *save = NULL;

    snprintf(buf, sizeof(buf), "%s", corrected(w));
    for (char *p = strtok_r(buf, " ", &save); p && t->n < TOKS; p = strtok_r(NULL, " ", &save))
        snprintf(t->t[t->n++], TOKLEN, "%s", p);
}

/* Splits @q into words: letters, digits and non-ASCII bytes, with '-', '.', '/' and ':' kept
 * between digits ("2026-03-15", "15.03.2026") and '$' and '%' as words of their own. */
static void tokenize(const char *q, struct toks *t)
{
    char w[TOKLEN];
    size_t len = 0;
    struct strbuf b = STRBUF_INIT;

    memset(t, 0, sizeof(*t));
    for (const char *p = q;; p++) {
        unsigned char c = (unsigned char)*p;
        bool digit_before = len > 0 && isdigit((unsigned char)p[-1]);
        bool keep =
            isalnum(c) || c >= 0x80 ||
            ((c == '-' || c == '/' || c == ':') && digit_before &&
             (isdigit((unsigned char)p[1]) || (c == '-' && (p[1] == 'q' || p[1] == 'Q')))) ||
            (c == '.' && len > 0 && (digit_before || p[-1] == '.') &&
             (isdigit((unsigned char)p[1]) || p[1] == '.'));

        if (c == '\'' && len > 0 && isalpha((unsigned char)p[1]))
            continue; /* "joe's" -> "joes", "what's" -> "whats" */
        if (keep && len + 1 < TOKLEN) {
            w[len++] = (char)tolower(c);
            continue;
        }
        if (keep)
            continue; /* an overlong word is cut */
        if (len) {
            w[len] = '\0';
            add_tok(t, w);
            len = 0;
        }
        if ((c == '$' || c == '%') && t->n < TOKS)
            snprintf(t->t[t->n++], TOKLEN, "%c", c);
        if (!c)
            break;
    }
    strbuf_addch(&b, ' ');
    for (int i = 0; i < t->n; i++) {
        strbuf_addstr(&b, t->t[i]);
        strbuf_addch(&b, ' ');
    }
    snprintf(t->pad, sizeof(t->pad), "%s", b.buf);
    strbuf_release(&b);
}

/* True when the words of @phrase occur in the question (" phrase " whole words). */
static bool has(const struct toks *t, const char *phrase)
{
    char k[128];

    snprintf(k, sizeof(k), " %s ", phrase);
    return strstr(t->pad, k) != NULL;
}

/* True when a word of the question starts with @prefix. */
static bool has_prefix(const struct toks *t, const char *prefix)
{
    char k[64];

    snprintf(k, sizeof(k), " %s", prefix);
    return strstr(t->pad, k) != NULL;
}

static bool any(const struct toks *t, const char *const *phrases)
{
    for (; *phrases; phrases++)
        if (has(t, *phrases))
            return true;
    return false;
}

static bool any_prefix(const struct toks *t, const char *const *prefixes)
{
    for (; *prefixes; prefixes++)
        if (has_prefix(t, *prefixes))
            return true;
    return false;
}

/* The index of the first token of @phrase (whole words), or -1. */
static int find(const struct toks *t, const char *phrase)
{
    char words[8][TOKLEN], buf[128];
    int n = 0;
    char *save = NULL;

    snprintf(buf, sizeof(buf), "%s", phrase);
    for (char *p = strtok_r(buf, " ", &save); p && n < 8; p = strtok_r(NULL, " ", &save))
        snprintf(words[n++], TOKLEN, "%s", p);
    for (int i = 0; i + n <= t->n; i++) {
        int k = 0;

        while (k < n && strcmp(t->t[i + k], words[k]) == 0)
            k++;
        if (k == n && n > 0)
            return i;
    }
    return -1;
}

static void use(struct toks *t, int from, int n)
{
    for (int i = from; i < from + n && i < t->n; i++)
        t->used[i] = true;
}

/* ---- calendar ---- */

static const char *const month_words[][12] = {
    {"january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"},
    {"janvier", "f\xc3\xa9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\xc3\xbbt",
     "septembre", "octobre", "novembre",
     "d\xc3\xa9"
     "cembre"},
    {"januar", "februar", "m\xc3\xa4rz", "april", "mai", "juni", "juli", "august", "september",
     "oktober", "november", "dezember"},
    {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
     "octubre", "noviembre", "diciembre"},
};

static const char *const month_out[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};

/* The month (1..12) word @w names: a full name in one of the languages, its first three
 * letters ("oct"), or "sept"; 0 otherwise. "may", "mars", "mai" only when @sure. */
static int month_of(const char *w, bool sure)
{
    size_t len = strlen(w);

    for (size_t l = 0; l < sizeof(month_words) / sizeof(month_words[0]); l++)
        for (int m = 0; m < 12; m++)
            if (strcmp(w, month_words[l][m]) == 0)
                return (m == 4 || strcmp(w, "mars") == 0) && !sure ? 0 : m + 1;
    if ((len == 3 || (len == 4 && strcmp(w, "sept") == 0)) && strcmp(w, "may") != 0 &&
        strcmp(w, "mar") != 0)
        for (int m = 0; m < 12; m++)
            if (strncmp(w, month_words[0][m], len) == 0)
                return m + 1;
    if (strcmp(w, "mar") == 0 && sure)
        return 3;
    return 0;
}

static int64_t month_first(int y, int m)
{
    return clock_days_from_civil(y, m, 1);
}

static int64_t month_last(int y, int m)
{
    return m == 12 ? clock_days_from_civil(y + 1, 1, 1) - 1
                   : clock_days_from_civil(y, m + 1, 1) - 1;
}

static void civil(int64_t day, int *y, int *m, int *d)
{
    clock_civil_from_days(day, y, m, d);
}

/* "15 Mar 2026", or "15 Mar" when @year is false. */
static void day_words(char *out, size_t len, int64_t day, bool year)
{
    int y, m, d;

    civil(day, &y, &m, &d);
    if (year)
        snprintf(out, len, "%d %.3s %d", d, month_out[m - 1], y);
    else
        snprintf(out, len, "%d %.3s", d, month_out[m - 1]);
}

void aq_period_month(struct aq_period *p, int y, int m)
{
    memset(p, 0, sizeof(*p));
    p->set = true;
    p->from = month_first(y, m);
    p->to = month_last(y, m);
    p->year = y;
    p->month = m;
    snprintf(p->arg, sizeof(p->arg), "%04d-%02d", y, m);
    snprintf(p->label, sizeof(p->label), "%s %d", month_out[m - 1], y);
}

void aq_period_days(struct aq_period *p, int64_t from, int64_t to, const char *words)
{
    char a[32], b[32], dates[72];
    int y1, m1, d1, y2, m2, d2;

    memset(p, 0, sizeof(*p));
    p->set = true;
    p->from = from;
    p->to = to;
    civil(from, &y1, &m1, &d1);
    civil(to, &y2, &m2, &d2);
    if (from == to) {
        snprintf(p->arg, sizeof(p->arg), "%04d-%02d-%02d", y1, m1, d1);
        day_words(dates, sizeof(dates), from, true);
    } else {
        snprintf(p->arg, sizeof(p->arg), "%04d-%02d-%02d..%04d-%02d-%02d", y1, m1, d1, y2, m2, d2);
        day_words(a, sizeof(a), from, y1 != y2);
        day_words(b, sizeof(b), to, true);
        snprintf(dates, sizeof(dates), "%s to %s", a, b);
    }
    if (words)
        snprintf(p->label, sizeof(p->label), "%s (%s)", words, dates);
    else
        snprintf(p->label, sizeof(p->label), "%s", dates);
}

/* A tool word period ("this_month") with its label. */
static void word_period(struct aq_period *p, const char *arg, int64_t from, int64_t to,
                        const char *words)
{
    aq_period_days(p, from, to, words);
    snprintf(p->arg, sizeof(p->arg), "%s", arg);
}

static void quarter_period(struct aq_period *p, int y, int q)
{
    aq_period_days(p, month_first(y, 3 * q - 2), month_last(y, 3 * q), NULL);
    snprintf(p->arg, sizeof(p->arg), "%04d-Q%d", y, q);
    snprintf(p->label, sizeof(p->label), "Q%d %d", q, y);
}

static void year_period(struct aq_period *p, int y)
{
    aq_period_days(p, clock_days_from_civil(y, 1, 1), clock_days_from_civil(y, 12, 31), NULL);
    snprintf(p->arg, sizeof(p->arg), "%04d", y);
    snprintf(p->label, sizeof(p->label), "%d", y);
}

/* ---- numbers and dates in words ---- */

/* The number word @w is (digits, "two", "15th"), else -1. */
static int number_of(const char *w)
{
    static const char *const words[] = {"zero", "one",    "two",    "three", "four",
                                        "five", "six",    "seven",  "eight", "nine",
                                        "ten",  "eleven", "twelve", NULL};
    char *end;
    long v;

    for (int i = 0; words[i]; i++)
        if (strcmp(w, words[i]) == 0)
            return i;
    if (strcmp(w, "thirty") == 0)
        return 30;
    if (strcmp(w, "sixty") == 0)
        return 60;
    if (strcmp(w, "ninety") == 0)
        return 90;
    if (strcmp(w, "fourteen") == 0)
        return 14;
    if (!isdigit((unsigned char)*w))
        return -1;
    v = strtol(w, &end, 10);
    if (*end && strcmp(end, "st") && strcmp(end, "nd") && strcmp(end, "rd") && strcmp(end, "th") &&
        strcmp(end, "er") && strcmp(end, "."))
        return -1;
    return v >= 0 && v <= 100000 ? (int)v : -1;
}

static bool valid_day(int y, int m, int d)
{
    int yy, mm, dd;

    if (y < 1970 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    clock_civil_from_days(clock_days_from_civil(y, m, d), &yy, &mm, &dd);
    return mm == m && dd == d;
}

/* The latest day @m/@d up to @today (no year given). */
static int64_t latest_day(int m, int d, int64_t today)
{
    int y, tm, td;

    civil(today, &y, &tm, &td);
    if (m > tm || (m == tm && d > td))
        y--;
    if (!valid_day(y, m, d))
        return -1;
    return clock_days_from_civil(y, m, d);
}

/* The year of the month @m named without one: this year's, or last year's when it is still
 * to come. */
static int latest_year(int m, int64_t today)
{
    int y, tm, td;

    civil(today, &y, &tm, &td);
    return m > tm ? y - 1 : y;
}

static int year_of(const char *w)
{
    int v = number_of(w);

    return strlen(w) == 4 && v >= 1970 && v <= 2100 ? v : 0;
}

/* What a date at token @i is: one day, a whole month ("since October") or nothing. */
struct when {
    int64_t from, to; /* the day, or the month's first and last */
    int n;            /* tokens read; 0: none */
};

/* Reads a numeric date token: YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY, DD-MM-YYYY, and DD/MM/YYYY or
 * MM/DD/YYYY when only one reading is a date. Sets @amb for a swappable one. */
static bool numeric_date(const char *w, int64_t *day, bool *amb)
{
    int a, b, c;
    char s1, s2, rest;

    if (sscanf(w, "%4d%c%2d%c%2d%c", &a, &s1, &b, &s2, &c, &rest) == 5 && strlen(w) == 10 &&
        s1 == s2 && (s1 == '-' || s1 == '/') && valid_day(a, b, c)) {
        *day = clock_days_from_civil(a, b, c);
        return true;
    }
    if (sscanf(w, "%2d%c%2d%c%4d%c", &a, &s1, &b, &s2, &c, &rest) == 5 && s1 == s2 && c >= 1970) {
        bool dm = valid_day(c, b, a), md = valid_day(c, a, b);

        if ((s1 == '.' || s1 == '-') && dm) { /* 15.03.2026: day first */
            *day = clock_days_from_civil(c, b, a);
            return true;
        }
        if (s1 == '/' && dm && md && a != b) {
            *amb = true;
            return false;
        }
        if (s1 == '/' && (dm || md)) {
            *day = dm ? clock_days_from_civil(c, b, a) : clock_days_from_civil(c, a, b);
            return true;
        }
    }
    return false;
}

/* A day or month at token @i: "2026-03-15", "15 march [2026]", "march 15th[, 2026]", "the
 * 15th of march", "march [2026]", "2026-03". */
static struct when when_at(struct toks *t, int i, int64_t today, bool *amb)
{
    struct when w = {0};
    int n, m, y = 0, k = i;
    int64_t day;

    if (i >= t->n)
        return w;
    if (numeric_date(t->t[i], &day, amb)) {
        w.from = w.to = day;
        w.n = 1;
        return w;
    }
    if (sscanf(t->t[i], "%4d-%2d", &y, &m) == 2 && strlen(t->t[i]) == 7 && y >= 1970 && y <= 2100 &&
        m >= 1 && m <= 12) {
        w.from = month_first(y, m);
        w.to = month_last(y, m);
        w.n = 1;
        return w;
    }
    if (strcmp(t->t[k], "the") == 0)
        k++;
    n = k < t->n ? number_of(t->t[k]) : -1;
    if (n >= 1 && n <= 31 && k + 1 < t->n) { /* 15 march, the 15th of march */
        int j = k + 1 + (strcmp(t->t[k + 1], "of") == 0 || strcmp(t->t[k + 1], "de") == 0);

        if (j < t->n && (m = month_of(t->t[j], true)) != 0) {
            y = j + 1 < t->n ? year_of(t->t[j + 1]) : 0;
            day = y ? (valid_day(y, m, n) ? clock_days_from_civil(y, m, n) : -1)
                    : latest_day(m, n, today);
            if (day >= 0) {
                w.from = w.to = day;
                w.n = j - i + 1 + (y != 0);
            }
            return w;
        }
        return w;
    }
    if ((m = month_of(t->t[i], true)) != 0) {
        n = i + 1 < t->n ? number_of(t->t[i + 1]) : -1;
        if (n >= 1 && n <= 31 && !year_of(t->t[i + 1])) { /* march 15th [2026] */
            y = i + 2 < t->n ? year_of(t->t[i + 2]) : 0;
            day = y ? (valid_day(y, m, n) ? clock_days_from_civil(y, m, n) : -1)
                    : latest_day(m, n, today);
            if (day >= 0) {
                w.from = w.to = day;
                w.n = 2 + (y != 0);
            }
            return w;
        }
        y = i + 1 < t->n ? year_of(t->t[i + 1]) : 0;
        if (!y)
            y = latest_year(m, today);
        w.from = month_first(y, m);
        w.to = month_last(y, m);
        w.n = 1 + (i + 1 < t->n && year_of(t->t[i + 1]) != 0);
        return w;
    }
    return w;
}

/* ---- periods ---- */

/* Reads "[the] last|past|previous N days|weeks|months|years" and "past week|month|year" at
 * @i. */
static int counted_at(struct toks *t, int i, int64_t today, struct aq_period *p)
{
    int k = i, n, ty, tm, td;
    const char *u;
    char words[64];

    if (strcmp(t->t[k], "the") == 0)
        k++;
    if (k + 1 >= t->n || (strcmp(t->t[k], "last") && strcmp(t->t[k], "past") &&
                          strcmp(t->t[k], "previous") && strcmp(t->t[k], "recent")))
        return 0;
    n = number_of(t->t[k + 1]);
    if (n < 0 && strcmp(t->t[k + 1], "couple") == 0 && k + 2 < t->n &&
        strcmp(t->t[k + 2], "of") == 0) {
        n = 2;
        k++;
    } else if (n < 0 && strcmp(t->t[k + 1], "few") == 0) {
        n = 3;
    }
    if (n < 0) {
        if (strcmp(t->t[k], "past") != 0)
            return 0;
        n = 1, k--; /* "past week", "past month" */
    }
    if (k + 2 >= t->n)
        return 0;
    u = t->t[k + 2];
    civil(today, &ty, &tm, &td);
    if (n >= 1 && n <= 730 &&
        (strncmp(u, "day", 3) == 0 || strncmp(u, "week", 4) == 0 || strcmp(u, "fortnight") == 0)) {
        int days = u[0] == 'd' ? n : u[0] == 'w' ? n * 7 : n * 14;

        if (days == 1)
            snprintf(words, sizeof(words), "today");
        else
            snprintf(words, sizeof(words), "the last %d days", days);
        aq_period_days(p, today - days + 1, today, words);
        return k + 3 - i;
    }
    if (n >= 1 && n <= 72 && strncmp(u, "hour", 4) == 0) {
        int days = (n + 23) / 24;

        if (days == 1)
            snprintf(words, sizeof(words), "today");
        else
            snprintf(words, sizeof(words), "the last %d days", days);
        aq_period_days(p, today - days + 1, today, words);
        return k + 3 - i;
    }
    if (n == 1 && strncmp(u, "month", 5) == 0) {
        aq_period_days(p, today - 29, today, "the last 30 days");
        return k + 3 - i;
    }
    if (n >= 1 && n <= 5 && strncmp(u, "year", 4) == 0)
        n *= 12, u = "months";
    if (n >= 2 && n <= 60 && strncmp(u, "month", 5) == 0) {
        int idx = ty * 12 + (tm - 1) - n; /* the first of the n whole months */
        char a[24];

        aq_period_days(p, month_first(idx / 12, idx % 12 + 1), month_first(ty, tm) - 1, NULL);
        snprintf(a, sizeof(a), "%s %d", month_out[idx % 12], idx / 12);
        snprintf(p->label, sizeof(p->label), "the last %d whole months (%s to %s %d)", n, a,
                 month_out[(tm + 10) % 12], tm == 1 ? ty - 1 : ty);
        return k + 3 - i;
    }
    return 0;
}

/* A calendar word period at @i: today, yesterday, this|last|previous week|month|quarter|year,
 * year to date. */
static int calendar_at(struct toks *t, int i, int64_t today, struct aq_period *p)
{
    int y, m, d, wd = (int)(((today + 3) % 7 + 7) % 7), q;
    const char *a = t->t[i], *b = i + 1 < t->n ? t->t[i + 1] : "";
    bool this = !strcmp(a, "this") || !strcmp(a, "current"),
         last = !strcmp(a, "last") || !strcmp(a, "previous");

    civil(today, &y, &m, &d);
    q = (m - 1) / 3 + 1;
    if (!strcmp(a, "today")) {
        word_period(p, "today", today, today, "today");
        return 1;
    }
    if (!strcmp(a, "yesterday")) {
        word_period(p, "yesterday", today - 1, today - 1, "yesterday");
        return 1;
    }
    if (!strcmp(a, "day") && !strcmp(b, "before") && i + 2 < t->n &&
        !strcmp(t->t[i + 2], "yesterday")) {
        aq_period_days(p, today - 2, today - 2, NULL);
        return 3;
    }
    for (int k = 0; k < 7; k++) {
        static const char *const days[] = {"monday", "tuesday",  "wednesday", "thursday",
                                           "friday", "saturday", "sunday"};
        static const char *const plural_days[] = {"mondays", "tuesdays",  "wednesdays", "thursdays",
                                                  "fridays", "saturdays", "sundays"};
        int64_t day;

        if (strcmp(a, days[k]) != 0 || !strcmp(b, "s") || !strcmp(a, plural_days[k]))
            continue;
        /* The latest such day up to today; "last Tuesday" is before today. */
        day = today - ((wd - k + 7) % 7);
        if (i > 0 && !strcmp(t->t[i - 1], "last") && day == today)
            day -= 7;
        aq_period_days(p, day, day, NULL);
        return 1;
    }
    if (!strcmp(a, "weekend") && i > 0 &&
        (!strcmp(t->t[i - 1], "the") || !strcmp(t->t[i - 1], "this") ||
         !strcmp(t->t[i - 1], "last"))) {
        /* The latest Saturday and Sunday: this one when today is one of them. */
        int64_t sat = wd >= 5 ? today - (wd - 5) : today - wd - 2;

        if (!strcmp(t->t[i - 1], "last") && wd >= 5)
            sat -= 7;
        aq_period_days(p, sat, sat + 1 > today ? today : sat + 1,
                       today - sat < 7 ? "this weekend" : "last weekend");
        return 1;
    }
    if (!strcmp(a, "ever") || (!strcmp(a, "all") && !strcmp(b, "time"))) {
        aq_period_days(p, clock_days_from_civil(1970, 1, 1), today, NULL);
        snprintf(p->label, sizeof(p->label), "all your history");
        return !strcmp(a, "ever") ? 1 : 2;
    }
    for (int k = 0; k < 5; k++) {
        static const char *const seasons[] = {"spring", "summer", "fall", "autumn", "winter"};
        static const int starts[] = {3, 6, 9, 9, 12};
        int sy;

        if (strcmp(a, seasons[k]) != 0)
            continue;
        /* The latest season that has begun: its three months, up to today. */
        sy = m >= starts[k] ? y : y - 1;
        if (starts[k] == 12 && m < 3)
            sy = y - 1;
        if (i > 0 && !strcmp(t->t[i - 1], "last") && month_first(sy, starts[k]) <= today &&
            today - month_first(sy, starts[k]) < 92)
            sy--; /* "last winter" in December: the one before this one */
        {
            int64_t from = month_first(sy, starts[k]);
            int ey = starts[k] + 2 > 12 ? sy + 1 : sy, em = (starts[k] + 1) % 12 + 1;
            int64_t to = month_last(ey, em);
            char w[32];

            snprintf(w, sizeof(w), "%s %d", seasons[k], sy);
            aq_period_days(p, from, to > today ? today : to, w);
        }
        return 1;
    }
    if (!strcmp(a, "year") && !strcmp(b, "to") && i + 2 < t->n && !strcmp(t->t[i + 2], "date")) {
        word_period(p, "this_year", clock_days_from_civil(y, 1, 1), today, "this year so far");
        return 3;
    }
    if (!this && !last)
        return 0;
    if (!strcmp(b, "week")) {
        if (this)
            word_period(p, "this_week", today - wd, today, "this week");
        else
            word_period(p, "last_week", today - wd - 7, today - wd - 1, "last week");
        return 2;
    }
    if (!strcmp(b, "month")) {
        if (this) {
            word_period(p, "this_month", month_first(y, m), today, "this month");
            snprintf(p->label, sizeof(p->label), "this month (%s %d, to the %d%s)",
                     month_out[m - 1], y, d,
                     d % 10 == 1 && d != 11   ? "st"
                     : d % 10 == 2 && d != 12 ? "nd"
                     : d % 10 == 3 && d != 13 ? "rd"
                                              : "th");
            p->year = y, p->month = m;
        } else {
            int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;

            aq_period_month(p, py, pm);
            snprintf(p->arg, sizeof(p->arg), "last_month");
            snprintf(p->label, sizeof(p->label), "last month (%s %d)", month_out[pm - 1], py);
        }
        return 2;
    }
    if (!strcmp(b, "quarter")) {
        int yy = this || q > 1 ? y : y - 1, qq = this ? q : q > 1 ? q - 1 : 4;

        quarter_period(p, yy, qq);
        snprintf(p->arg, sizeof(p->arg), "%s", this ? "this_quarter" : "last_quarter");
        if (this)
            p->to = today;
        snprintf(p->label, sizeof(p->label), "%s quarter (Q%d %d)", this ? "this" : "last", qq, yy);
        return 2;
    }
    if (!strcmp(b, "year")) {
        if (this) {
            word_period(p, "this_year", clock_days_from_civil(y, 1, 1), today, NULL);
            snprintf(p->label, sizeof(p->label), "this year (%d so far)", y);
        } else {
            year_period(p, y - 1);
            snprintf(p->arg, sizeof(p->arg), "last_year");
            snprintf(p->label, sizeof(p->label), "last year (%d)", y - 1);
        }
        return 2;
    }
    return 0;
}

/* A quarter at @i: "q3 [2025]", "2026-q3", "[the] third quarter [of 2025]". */
static int quarter_at(struct toks *t, int i, int64_t today, struct aq_period *p)
{
    static const char *const ord[] = {"first", "second", "third", "fourth",
                                      "1st",   "2nd",    "3rd",   "4th"};
    int y, m, d, q = 0, n = 0, yy = 0;
    const char *w = t->t[i];

    civil(today, &y, &m, &d);
    if (strlen(w) == 7 && sscanf(w, "%4d-q%1d", &yy, &q) == 2 && q >= 1 && q <= 4 && yy >= 1970 &&
        yy <= 2100) {
        quarter_period(p, yy, q);
        return 1;
    }
    if (w[0] == 'q' && w[1] >= '1' && w[1] <= '4' && !w[2]) {
        q = w[1] - '0';
        n = 1;
    } else {
        int k = i + (strcmp(w, "the") == 0);

        for (int j = 0; j < 8 && k + 1 < t->n; j++)
            if (!strcmp(t->t[k], ord[j]) && !strcmp(t->t[k + 1], "quarter"))
                q = j % 4 + 1, n = k + 2 - i;
    }
    if (!q)
        return 0;
    if (i + n < t->n && !strcmp(t->t[i + n], "of"))
        n++;
    if (i + n < t->n && (yy = year_of(t->t[i + n])) != 0)
        n++;
    else if (i + n + 1 < t->n && !strcmp(t->t[i + n], "last") && !strcmp(t->t[i + n + 1], "year"))
        yy = y - 1, n += 2;
    else if (i + n + 1 < t->n && !strcmp(t->t[i + n], "this") && !strcmp(t->t[i + n + 1], "year"))
        yy = y, n += 2;
    else
        yy = q > (m - 1) / 3 + 1 ? y - 1 : y;
    quarter_period(p, yy, q);
    return n;
}

/* A month at @i: "october [2026]", "oct", "march last year", "2026-10". "may" and "mars"
 * only after in, for, during, of, since or before a year. */
static int month_at(struct toks *t, int i, int64_t today, struct aq_period *p)
{
    static const char *const lead[] = {"in", "for",     "during", "of",     "since", "and", "from",
                                       "to", "between", "vs",     "versus", "en",    "im",  NULL};
    const char *w = t->t[i];
    bool sure = false;
    int m, y = 0, n = 1, ty, tm, td;

    if (strlen(w) == 7 && sscanf(w, "%4d-%2d", &y, &m) == 2 && y >= 1970 && y <= 2100 && m >= 1 &&
        m <= 12 && w[4] == '-') {
        aq_period_month(p, y, m);
        return 1;
    }
    for (const char *const *l = lead; *l && i > 0; l++)
        sure = sure || !strcmp(t->t[i - 1], *l);
    if (i + 1 < t->n && year_of(t->t[i + 1]))
        sure = true;
    if (!(m = month_of(w, sure)))
        return 0;
    civil(today, &ty, &tm, &td);
    if (i + 1 < t->n && (y = year_of(t->t[i + 1])) != 0)
        n = 2;
    else if (i + 2 < t->n && !strcmp(t->t[i + 1], "last") && !strcmp(t->t[i + 2], "year"))
        y = ty - 1, n = 3;
    else if (i + 2 < t->n && !strcmp(t->t[i + 1], "this") && !strcmp(t->t[i + 2], "year"))
        y = ty, n = 3;
    else
        y = latest_year(m, today);
    aq_period_month(p, y, m);
    if (y == ty && m == tm) {
        p->to = today;
        snprintf(p->label, sizeof(p->label), "%s %d (to date)", month_out[m - 1], y);
    }
    return n;
}

/* A date range at @i: "between A and B", "from A to|until|through B", "since A", "A..B". */
static int range_at(struct toks *t, int i, int64_t today, struct aq_period *p, bool *amb)
{
    const char *w = t->t[i];
    struct when a, b;
    int64_t d1, d2;
    bool a1 = false;

    if (strstr(w, "..")) {
        char l[TOKLEN], r[TOKLEN];
        const char *dots = strstr(w, "..");

        snprintf(l, sizeof(l), "%.*s", (int)(dots - w), w);
        snprintf(r, sizeof(r), "%s", dots + 2);
        if (numeric_date(l, &d1, &a1) && numeric_date(r, &d2, &a1) && d1 <= d2) {
            aq_period_days(p, d1, d2, NULL);
            return 1;
        }
        return 0;
    }
    if (!strcmp(w, "since") || !strcmp(w, "after")) {
        a = when_at(t, i + 1, today, amb);
        if (!a.n || a.from > today)
            return 0;
        {
            char d[32], e[32];

            aq_period_days(p, a.from, today, NULL);
            day_words(d, sizeof(d), a.from, true);
            day_words(e, sizeof(e), today, true);
            snprintf(p->label, sizeof(p->label), "since %s (to %s)", d, e);
        }
        return 1 + a.n;
    }
    if (strcmp(w, "between") && strcmp(w, "from"))
        return 0;
    a = when_at(t, i + 1, today, amb);
    if (!a.n || i + 1 + a.n >= t->n)
        return 0;
    w = t->t[i + 1 + a.n];
    if (strcmp(w, "and") && strcmp(w, "to") && strcmp(w, "until") && strcmp(w, "through") &&
        strcmp(w, "-"))
        return 0;
    b = when_at(t, i + 2 + a.n, today, amb);
    if (!b.n)
        return 0;
    if (b.to < a.from) {
        /* "from November to February": the end is in the next year */
        int y, m, d;

        civil(b.to, &y, &m, &d);
        if (b.from == month_first(y, m) && b.to == month_last(y, m))
            b.to = month_last(y + 1, m);
        if (b.to < a.from)
            return 0;
    }
    aq_period_days(p, a.from, b.to, NULL);
    return 2 + a.n + b.n;
}

/* A single day at @i ("on 2026-03-15", "15 March", "March 15th"): a month alone is read by
 * month_at. */
static int day_at(struct toks *t, int i, int64_t today, struct aq_period *p, bool *amb)
{
    struct when w = when_at(t, i, today, amb);

    if (!w.n || w.from != w.to)
        return 0;
    aq_period_days(p, w.from, w.to, NULL);
    return w.n;
}

static int year_at(struct toks *t, int i, struct aq_period *p)
{
    int y = year_of(t->t[i]);

    if (!y || (i > 0 && !strcmp(t->t[i - 1], "$")))
        return 0;
    year_period(p, y);
    return 1;
}

/* The period starting at token @i, its token count in the return (0: none). */
static int period_at(struct toks *t, int i, int64_t today, struct aq_period *p, bool *amb)
{
    int n;

    if ((n = range_at(t, i, today, p, amb)) || (n = counted_at(t, i, today, p)) ||
        (n = calendar_at(t, i, today, p)) || (n = quarter_at(t, i, today, p)) ||
        (n = day_at(t, i, today, p, amb)) || (n = month_at(t, i, today, p)) ||
        (n = year_at(t, i, p)))
        return n;
    return 0;
}

static void read_periods(struct toks *t, int64_t today, struct analyst_question *out)
{
    bool amb = false;

    for (int i = 0; i < t->n; i++) {
        struct aq_period p;
        int n;

        if (t->used[i])
            continue;
        n = period_at(t, i, today, &p, &amb);
        if (amb && !out->ambiguous[0]) {
            snprintf(out->ambiguous, sizeof(out->ambiguous), "%s",
                     t->t[i + (i + 1 < t->n && strchr(t->t[i + 1], '/'))]);
            for (int k = i; k < t->n && k <= i + 2; k++)
                if (strchr(t->t[k], '/'))
                    snprintf(out->ambiguous, sizeof(out->ambiguous), "%s", t->t[k]);
        }
        amb = false;
        if (!n)
            continue;
        if (!out->period.set)
            out->period = p;
        else if (!out->period2.set)
            out->period2 = p;
        use(t, i, n);
        i += n - 1;
    }
}

/* ---- categories, merchants, accounts ---- */

struct synonym {
    const char *phrase, *cat, *cat2;
};

/* Everyday words for the categories of the data, longest phrases first where they overlap. */
static const struct synonym synonyms[] = {
    {"eating out", "dining", NULL},
    {"eat out", "dining", NULL},
    {"fast food", "dining", NULL},
    {"food delivery", "dining", NULL},
    {"take out", "dining", NULL},
    {"coffee shops", "coffee", NULL},
    {"coffee shop", "coffee", NULL},
    {"power bill", "utilities", NULL},
    {"phone bill", "utilities", NULL},
    {"water bill", "utilities", NULL},
    {"health care", "health", NULL},
    {"personal care", "personal care", NULL},
    {"food", "groceries", "dining"},
    {"groceries", "groceries", NULL},
    {"grocery", "groceries", NULL},
    {"supermarket", "groceries", NULL},
    {"supermarkets", "groceries", NULL},
    {"dining", "dining", NULL},
    {"restaurants", "dining", NULL},
    {"restaurant", "dining", NULL},
    {"takeout", "dining", NULL},
    {"takeaway", "dining", NULL},
    {"dinners", "dining", NULL},
    {"dinner", "dining", NULL},
    {"lunch", "dining", NULL},
    {"lunches", "dining", NULL},
    {"coffee", "coffee", NULL},
    {"coffees", "coffee", NULL},
    {"cafe", "coffee", NULL},
    {"cafes", "coffee", NULL},
    {"caf\xc3\xa9", "coffee", NULL},
    {"transport", "transport", NULL},
    {"transportation", "transport", NULL},
    {"gas", "transport", NULL},
    {"fuel", "transport", NULL},
    {"petrol", "transport", NULL},
    {"rides", "transport", NULL},
    {"taxi", "transport", NULL},
    {"taxis", "transport", NULL},
    {"cabs", "transport", NULL},
    {"commute", "transport", NULL},
    {"commuting", "transport", NULL},
    {"parking", "transport", NULL},
    {"shopping", "shopping", NULL},
    {"clothes", "shopping", NULL},
    {"clothing", "shopping", NULL},
    {"health", "health", NULL},
    {"healthcare", "health", NULL},
    {"medical", "health", NULL},
    {"medicine", "health", NULL},
    {"pharmacy", "health", NULL},
    {"doctor", "health", NULL},
    {"doctors", "health", NULL},
    {"fitness", "health", NULL},
    {"gym", "health", NULL},
    {"rent", "housing", NULL},
    {"housing", "housing", NULL},
    {"mortgage", "housing", NULL},
    {"utilities", "utilities", NULL},
    {"utility", "utilities", NULL},
    {"electricity", "utilities", NULL},
    {"electric", "utilities", NULL},
    {"internet", "utilities", NULL},
    {"bills", "utilities", NULL},
    {"subscriptions", "subscriptions", NULL},
    {"subscription", "subscriptions", NULL},
    {"streaming", "subscriptions", NULL},
    {"travel", "travel", NULL},
    {"travels", "travel", NULL},
    {"traveling", "travel", NULL},
    {"travelling", "travel", NULL},
    {"flights", "travel", NULL},
    {"flight", "travel", NULL},
    {"airfare", "travel", NULL},
    {"hotels", "travel", NULL},
    {"hotel", "travel", NULL},
    {"vacation", "travel", NULL},
    {"vacations", "travel", NULL},
    {"trips", "travel", NULL},
    {"entertainment", "entertainment", NULL},
    {"movies", "entertainment", NULL},
    {"education", "education", NULL},
    {"insurance", "insurance", NULL},
    {"gifts", "gifts", NULL},
    {"donations", "charity", NULL},
    {"charity", "charity", NULL},
};

/* Fills the category the question names: a synonym, else one of the user's own category
 * names (the context document's top categories and budgets). */
static void read_category(struct toks *t, const json_t *ctx, struct analyst_question *out)
{
    static const char *const lists[] = {"top_categories_this_month", "top_categories_last_month",
                                        "top_categories", "budgets", NULL};

    if (has(t, "health score") || has(t, "financial health") || has(t, "financially healthy"))
        return;
    for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
        int k = find(t, synonyms[i].phrase);

        if (k < 0 || t->used[k])
            continue;
        use(t, k, strchr(synonyms[i].phrase, ' ') ? 2 : 1);
        if (out->category[0]) {
            /* A second category: "groceries and dining". */
            if (!out->category2[0] && strcmp(out->category, synonyms[i].cat) != 0)
                snprintf(out->category2, sizeof(out->category2), "%s", synonyms[i].cat);
            continue;
        }
        snprintf(out->category, sizeof(out->category), "%s", synonyms[i].cat);
        if (synonyms[i].cat2)
            snprintf(out->category2, sizeof(out->category2), "%s", synonyms[i].cat2);
    }
    if (out->category[0])
        return;
    for (const char *const *l = lists; *l; l++) {
        const json_t *arr = analyst_doc_list(ctx, *l);

        for (size_t i = 0; i < json_array_size(arr); i++) {
            const char *c = analyst_doc_str(json_array_get(arr, i), "category");
            char low[AQ_NAME_MAX];
            int k;

            if (!c || strlen(c) >= sizeof(low))
                continue;
            for (size_t j = 0; j <= strlen(c); j++)
                low[j] = (char)tolower((unsigned char)c[j]);
            if (strcmp(low, "income") == 0 || strcmp(low, "transfer") == 0)
                continue;
            if ((k = find(t, low)) >= 0 && !t->used[k]) {
                snprintf(out->category, sizeof(out->category), "%s", low);
                use(t, k, 1);
                return;
            }
        }
    }
}

/* Words that are never (part of) a merchant's name in a question. */
static bool stop_word(const char *w)
{
    static const char *const stop[] = {
        "i",         "me",       "my",           "mine",        "we",         "our",
        "you",       "your",     "the",          "a",           "an",         "this",
        "that",      "these",    "those",        "last",        "past",       "previous",
        "next",      "in",       "on",           "at",          "for",        "from",
        "to",        "with",     "by",           "of",          "during",     "since",
        "between",   "and",      "or",           "vs",          "versus",     "how",
        "much",      "many",     "what",         "whats",       "did",        "do",
        "does",      "is",       "are",          "was",         "were",       "have",
        "has",       "had",      "spend",        "spent",       "spending",   "pay",
        "paid",      "cost",     "money",        "total",       "all",        "so",
        "far",       "month",    "months",       "week",        "weeks",      "year",
        "years",     "day",      "days",         "today",       "yesterday",  "quarter",
        "purchases", "purchase", "transactions", "transaction", "expenses",   "expense",
        "income",    "there",    "it",           "time",        "times",      "same",
        "period",    "date",     "average",      "per",         "each",       "every",
        "please",    "can",      "could",        "would",       "tell",       "show",
        "give",      "list",     "am",           "be",          "been",       "about",
        "total",     "overall",  "altogether",   "so",          "far",        "now",
        "then",      "than",     "more",         "less",        "most",       "least",
        "compared",  "compare",  "go",           "went",        "get",        "got",
        "make",      "made",     "buy",          "bought",      "shop",       "shopped",
        "store",     "stores",   "merchant",     "merchants",   "place",      "places",
        "account",   "card",     "bank",         "there",       "here",       "over",
        "under",     "until",    "through",      "up",          "date",       "spends",
        "charges",   "charged",  "budget",       "left",        "still",      "remaining",
        "biggest",   "largest",  "smallest",     "visits",      "visit",      "trips",
        "orders",    "order",    "average",      "typical",     "usually",    "normally",
        "typically", "recent",   "latest",       "today",       "in",         "entire",
        "$",         "%",        "dollars",      "usd",         "not",        "no",
        "any",       "some",     "only",         "just",        "out",        "stuff",
        "top",       "monthly",  "weekly",       "daily",       "categories", "category",
        "hello",     "hi",       "hey",          "thanks",      "thank",      "ok",
        "things",    "thing",    "other",        "else",        "too",        "also",
        "vs",        NULL};

    if (isdigit((unsigned char)w[0]))
        return true;
    for (const char *const *s = stop; *s; s++)
        if (!strcmp(w, *s))
            return true;
    for (size_t l = 0; l < sizeof(month_words) / sizeof(month_words[0]); l++)
        for (int m = 0; m < 12; m++)
            if (!strcmp(w, month_words[l][m]))
                return true;
    return false;
}

/* Lower-cased letters and digits of @s (apostrophes and punctuation dropped). */
static void squash(const char *s, char *out, size_t len)
{
    size_t n = 0;

    for (; *s && n + 1 < len; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = '\0';
}

/* A merchant of the context document's lists named in the question, by its whole name or its
 * first word of four letters or more. */
static bool known_merchant(struct toks *t, const json_t *ctx, struct analyst_question *out)
{
    static const char *const lists[] = {"recent_transactions", "largest_expenses_this_month",
                                        "subscriptions", "fraud_alerts", NULL};
    char sq[TOKS * TOKLEN];

    squash(t->pad, sq, sizeof(sq));
    for (const char *const *l = lists; *l; l++) {
        const json_t *arr = analyst_doc_list(ctx, *l);

        for (size_t i = 0; i < json_array_size(arr); i++) {
            const json_t *e = json_array_get(arr, i);
            const char *m = analyst_doc_str(e, "merchant");
            char first[AQ_NAME_MAX], name[AQ_NAME_MAX];
            int k;

            if (!m && json_is_object(json_object_get(e, "transaction")))
                m = analyst_doc_str(json_object_get(e, "transaction"), "merchant");
            if (!m || strlen(m) >= sizeof(name))
                continue;
            snprintf(first, sizeof(first), "%.*s", (int)strcspn(m, " "), m);
            squash(first, first, sizeof(first));
            squash(m, name, sizeof(name));
            /* The whole name: "uber" is not "Uber Eats". */
            if (strlen(first) < 4 || stop_word(first) || (k = find(t, first)) < 0 || t->used[k] ||
                !strstr(sq, name))
                continue;
            snprintf(out->merchant, sizeof(out->merchant), "%s", m);
            use(t, k, 1);
            return true;
        }
    }
    return false;
}

/* The merchant after "at", "from", "with", "on", "to" or "for": up to three words that are
 * not question words and were not read as a period, category or account. */
static void read_merchant(struct toks *t, const json_t *ctx, struct analyst_question *out)
{
    static const char *const preps[] = {"at",  "from", "with", "on",   "to",   "for",  "chez",
                                        "bei", "en",   "pay",  "paid", "much", "many", NULL};

    if (known_merchant(t, ctx, out))
        return;
    for (int i = 0; i + 1 < t->n; i++) {
        bool prep = false;
        struct strbuf b = STRBUF_INIT;
        int k;

        for (const char *const *p = preps; *p; p++)
            prep = prep || !strcmp(t->t[i], *p);
        if (!prep)
            continue;
        while (i + 1 < t->n && (!strcmp(t->t[i + 1], "my") || !strcmp(t->t[i + 1], "the") ||
                                !strcmp(t->t[i + 1], "a") || !strcmp(t->t[i + 1], "our")))
            i++; /* "on my dog", "at the local bistro" */
        for (k = i + 1; k < t->n && k <= i + 3 && !t->used[k] && !stop_word(t->t[k]); k++) {
            if (b.len)
                strbuf_addch(&b, ' ');
            strbuf_addstr(&b, t->t[k]);
        }
        if (b.len >= 2 && b.len < AQ_NAME_MAX) {
            snprintf(out->merchant, sizeof(out->merchant), "%s", b.buf);
            use(t, i + 1, k - i - 1);
            strbuf_release(&b);
            return;
        }
        strbuf_release(&b);
    }
    for (int i = 1; i < t->n; i++) { /* "amazon spending", "whole foods purchases" */
        static const char *const nouns[] = {"spending", "purchases", "expenses", "charges",
                                            "orders",   "bill",      "costs",    NULL};
        bool noun = false;
        int k = i;

        for (const char *const *p = nouns; *p; p++)
            noun = noun || !strcmp(t->t[i], *p);
        while (noun && k > 0 && k > i - 3 && !t->used[k - 1] && !stop_word(t->t[k - 1]))
            k--;
        if (noun && k < i) {
            struct strbuf b = STRBUF_INIT;

            for (int j = k; j < i; j++) {
                if (b.len)
                    strbuf_addch(&b, ' ');
                strbuf_addstr(&b, t->t[j]);
            }
            if (b.len >= 2 && b.len < AQ_NAME_MAX) {
                snprintf(out->merchant, sizeof(out->merchant), "%s", b.buf);
                use(t, k, i - k);
            }
            strbuf_release(&b);
            return;
        }
    }
}

/* An account by type, name or institution: "checking", "savings account", "credit card",
 * "brokerage", or a word of the name or institution of an account in the context document. */
static void read_account(struct toks *t, const json_t *ctx, struct analyst_question *out)
{
    static const char *const types[][2] = {
        {"checking account", "checking"}, {"checking", "checking"},
        {"savings account", "savings"},   {"credit card", "credit"},
        {"brokerage", "investment"},      {"investment account", "investment"},
        {"current account", "checking"},  {"savings accounts", "savings"},
    };
    const json_t *accts = analyst_doc_list(ctx, "accounts");

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int k = find(t, types[i][0]);

        if (k >= 0 && !t->used[k]) {
            snprintf(out->account, sizeof(out->account), "%s", types[i][1]);
            use(t, k, strchr(types[i][0], ' ') ? 2 : 1);
            return;
        }
    }
    for (size_t i = 0; i < json_array_size(accts); i++) {
        const json_t *a = json_array_get(accts, i);
        const char *fields[] = {analyst_doc_str(a, "institution"), analyst_doc_str(a, "name")};

        for (int f = 0; f < 2; f++) {
            char buf[AQ_NAME_MAX], *save = NULL;

            if (!fields[f])
                continue;
            snprintf(buf, sizeof(buf), "%s", fields[f]);
            for (char *w = strtok_r(buf, " -", &save); w; w = strtok_r(NULL, " -", &save)) {
                char low[AQ_NAME_MAX];
                int k;

                squash(w, low, sizeof(low));
                if (strlen(low) < 4 || stop_word(low) || !strcmp(low, "savings") ||
                    !strcmp(low, "bank") || (k = find(t, low)) < 0 || t->used[k])
                    continue;
                snprintf(out->account, sizeof(out->account), "%s", low);
                use(t, k, 1);
                return;
            }
        }
    }
}

/* ---- what is asked ---- */

static enum aq_metric read_metric(const struct toks *t, struct analyst_question *out)
{
    static const char *const rate[] = {"savings rate",
                                       "saving rate",
                                       "save rate",
                                       "rate of saving",
                                       "rate of savings",
                                       "percent of my income",
                                       "percentage of my income",
                                       "share of my income",
                                       NULL};
    static const char *const worth[] = {"net worth", "worth", "wealth", NULL};
    static const char *const balance[] = {"balance",
                                          "balances",
                                          "how much money do i have",
                                          "how much do i have",
                                          "how much is in",
                                          "how much is on",
                                          "how much in my",
                                          "money is in",
                                          "do i have",
                                          "what is in my",
                                          "debt",
                                          "cash do i",
                                          "money in my",
                                          "have in my",
                                          "is there in",
                                          "how much have i got",
                                          "in my account",
                                          "owe",
                                          NULL};
    static const char *const budget[] = {
        "budget",   "budgets", "left to spend", "still spend",  "can i spend", "remaining",
        "left for", "left in", "over budget",   "under budget", NULL};
    static const char *const subs[] = {"subscri", "recurring", NULL};
    static const char *const compare[] = {"compare",
                                          "compared",
                                          "versus",
                                          "comparison",
                                          "more than",
                                          "less than",
                                          "difference between",
                                          "change from",
                                          "up or down",
                                          "go up",
                                          "went up",
                                          "gone up",
                                          "go down",
                                          "went down",
                                          "increase",
                                          "increased",
                                          "decrease",
                                          "decreased",
                                          NULL};
    static const char *const trend[] = {
        "trend",     "trending", "over time",        "month by month", "each month", "every month",
        "per month", "monthly",  "month over month", "history",        NULL};
    static const char *const count[] = {"how many",  "number of", "count",
                                        "how often", "times",     NULL};
    static const char *const avg[] = {"average",    "avg",  "typical", "typically",
                                      "on average", "mean", "usually", NULL};
    static const char *const big[] = {"largest",  "biggest", "most expensive", "highest", "top",
                                      "priciest", "largest", "major",          "big",     NULL};
    static const char *const small[] = {"smallest",        "cheapest", "lowest",
                                        "least expensive", "tiniest",  NULL};
    static const char *const cats[] = {"breakdown",
                                       "by category",
                                       "categories",
                                       "where did my money",
                                       "where does my money",
                                       "where is my money",
                                       "what did i spend on",
                                       "what do i spend on",
                                       "money go",
                                       NULL};
    static const char *const list[] = {
        "show me",        "list", "which transactions", "what transactions", "what purchases",
        "what did i buy", NULL};
    static const char *const income[] = {
        "income",     "earn",      "earned",     "earnings",      "came in", "come in",
        "received",   "receive",   "got paid",   "get paid",      "paid me", "salary",
        "paycheck",   "paychecks", "deposits",   "deposited",     "inflow",  "inflows",
        "did i make", "did i get", "have i got", "did i receive", "i got",   "money in",
        "revenue",    "wages",     NULL};
    static const char *const net[] = {"net",        "cash flow",    "cashflow",        "left over",
                                      "leftover",   "surplus",      "deficit",         "in and out",
                                      "did i save", "have i saved", "did i put aside", NULL};
    static const char *const spend[] = {"spend",         "spent",        "spending",
                                        "spends",        "expense",      "expenses",
                                        "cost",          "costs",        "pay",
                                        "paid",          "purchase",     "purchases",
                                        "buy",           "bought",       "charges",
                                        "charged",       "outflow",      "outgoing",
                                        "shell out",     "drop",         "dropped",
                                        "go out",        "went out",     "outgoings",
                                        "gastos",        "ausgaben",     "d\xc3\xa9penses",
                                        "bill",          "bills",        "went to",
                                        "gone to",       "goes to",      "d\xc3\xa9pens\xc3\xa9",
                                        "depense",       "gast\xc3\xa9", "gaste",
                                        "gastado",       "ausgegeben",   "combien",
                                        "cu\xc3\xa1nto", "wie viel",     NULL};

    if (any(t, rate))
        return AQ_SAVINGS_RATE;
    if (any(t, worth))
        return AQ_NET_WORTH;
    if (any(t, budget))
        return AQ_BUDGET;
    if (any_prefix(t, subs) && !out->merchant[0] &&
        !(any(t, spend) && out->period.set && strcmp(out->category, "subscriptions") == 0))
        return AQ_SUBSCRIPTIONS;
    if (has_prefix(t, "categor") && !out->category[0] && !out->merchant[0] && !out->account[0] &&
        !any(t, budget))
        return AQ_CATEGORIES;
    if (any(t, small))
        return AQ_SMALLEST;
    if (any(t, big) && !has(t, "how much"))
        return AQ_LARGEST;
    if (any(t, balance) && !any(t, spend))
        return AQ_BALANCE;
    if (any(t, compare) ||
        (out->period2.set && (has(t, "and") || has(t, "versus") || has(t, "to") || has(t, "with") ||
                              has(t, "than") || has(t, "or"))))
        return out->period2.set || any(t, compare) ? AQ_COMPARE : AQ_SPENT;
    if (any(t, avg))
        return AQ_AVERAGE;
    if (any(t, count))
        return AQ_COUNT;
    if (any(t, cats) && !out->category[0] && !out->merchant[0] && !out->account[0])
        return AQ_CATEGORIES;
    if (any(t, trend))
        return AQ_TREND;
    if (any(t, net))
        return AQ_NET;
    if (any(t, income)) {
        out->flow = AQ_FLOW_INCOME;
        return AQ_RECEIVED;
    }
    if (any(t, list))
        return AQ_LIST;
    if (any(t, spend) || has(t, "how much"))
        return AQ_SPENT;
    if (out->category[0] || out->merchant[0] || out->account[0]) {
        out->metric_guessed = true;
        return AQ_SPENT;
    }
    return AQ_NONE;
}

enum aq_metric analyst_question_read(const char *question, const json_t *ctx, int64_t today,
                                     struct analyst_question *out)
{
    struct toks *t = calloc(1, sizeof(*t));

    memset(out, 0, sizeof(*out));
    if (!t)
        return AQ_NONE;
    tokenize(question ? question : "", t);
    read_periods(t, today, out);
    read_account(t, ctx, out);
    read_category(t, ctx, out);
    if (!(has(t, "savings rate") || has(t, "net worth")))
        read_merchant(t, ctx, out);
    out->metric = read_metric(t, out);
    if (out->metric == AQ_NONE && out->period.set && !out->merchant[0] && !out->category[0] &&
        !out->account[0]) {
        /* "amazon last month": a bare name with a period is taken as a merchant's spending
         * (the answer says so, and that it found no such merchant when there is none). */
        struct strbuf b = STRBUF_INIT;

        for (int i = 0; i < t->n && b.len < 40; i++) {
            if (t->used[i] || stop_word(t->t[i]) || !isalpha((unsigned char)t->t[i][0])) {
                if (b.len)
                    break;
                continue;
            }
            if (b.len)
                strbuf_addch(&b, ' ');
            strbuf_addstr(&b, t->t[i]);
        }
        if (b.len >= 3 && b.len < AQ_NAME_MAX) {
            snprintf(out->merchant, sizeof(out->merchant), "%s", b.buf);
            out->metric = AQ_SPENT;
            out->metric_guessed = true;
        }
        strbuf_release(&b);
    }
    if (out->metric == AQ_COMPARE && !out->period2.set && out->category2[0] &&
        !(has(t, "go up") || has(t, "went up") || has(t, "gone up") || has_prefix(t, "increas") ||
          has_prefix(t, "decreas") || has(t, "go down") || has(t, "went down")))
        out->metric = AQ_SPENT; /* "shopping vs groceries": two categories, one period */
    if (out->metric == AQ_BALANCE && !out->account[0]) {
        /* "how much do I have in savings", "credit card debt" */
        if (has(t, "savings"))
            snprintf(out->account, sizeof(out->account), "savings");
        else if (has(t, "checking"))
            snprintf(out->account, sizeof(out->account), "checking");
        else if (has(t, "card") || has(t, "debt"))
            snprintf(out->account, sizeof(out->account), "credit");
    }
    if (out->metric == AQ_SUBSCRIPTIONS && !strcmp(out->category, "subscriptions"))
        out->category[0] = '\0';
    if (out->metric == AQ_SUBSCRIPTIONS)
        out->changes = has(t, "went up") || has(t, "go up") || has(t, "gone up") ||
                       has_prefix(t, "increas") || has(t, "price") || has(t, "prices") ||
                       has_prefix(t, "chang") || has(t, "new") || has(t, "more expensive") ||
                       has(t, "raised");
    if (out->metric == AQ_AVERAGE &&
        (has(t, "monthly") || has(t, "per month") || has(t, "a month") || has(t, "each month"))) {
        out->metric = AQ_TREND;
        out->per_month = true;
    }
    if (has_prefix(t, "transfer") || has(t, "moved")) {
        out->flow = AQ_FLOW_TRANSFER;
        if (out->metric == AQ_SPENT || out->metric == AQ_RECEIVED || out->metric == AQ_NET)
            out->metric = AQ_LIST;
        if (!strcmp(out->account, "savings") || !strcmp(out->merchant, "savings")) {
            snprintf(out->merchant, sizeof(out->merchant), "savings");
            out->account[0] = '\0';
        }
    }
    {
        static const char *const income_words[][2] = {
            {"interest", "interest"}, {"salary", "salary"}, {"paycheck", "salary"},
            {"paychecks", "salary"},  {"wages", "salary"},  {"dividends", "dividend"},
            {"dividend", "dividend"}, {"refund", "refund"}, {"refunds", "refund"},
        };

        for (size_t i = 0; i < sizeof(income_words) / sizeof(income_words[0]); i++)
            if (has(t, income_words[i][0]) && out->metric != AQ_NONE &&
                (!out->merchant[0] || !strcmp(out->merchant, income_words[i][0]))) {
                out->merchant[0] = '\0';
                snprintf(out->text, sizeof(out->text), "%s", income_words[i][1]);
                if (out->metric == AQ_SPENT)
                    out->metric = AQ_RECEIVED;
                out->flow = AQ_FLOW_INCOME;
                break;
            }
    }
    if (out->metric == AQ_TREND) {
        out->months = out->per_month ? 7 : 6;
        if (out->period.set && out->period.from < out->period.to) {
            int y1, m1, d1, y2, m2, d2;

            civil(out->period.from, &y1, &m1, &d1);
            civil(out->period.to, &y2, &m2, &d2);
            out->months = (y2 * 12 + m2) - (y1 * 12 + m1) + 1;
        }
        if (out->months < 2)
            out->months = 2;
        if (out->months > 24)
            out->months = 24;
    }
    if (has(t, "expenses") || has(t, "expense"))
        out->flow = out->flow == AQ_FLOW_ANY ? AQ_FLOW_EXPENSE : out->flow;
    free(t);
    return out->metric;
}

const char *aq_metric_name(enum aq_metric m)
{
    static const char *const names[] = {
        "none",      "spent",   "received",      "net",     "savings_rate", "count",
        "average",   "largest", "smallest",      "list",    "categories",   "balance",
        "net_worth", "budget",  "subscriptions", "compare", "trend",
    };

    return (size_t)m < sizeof(names) / sizeof(names[0]) ? names[m] : "none";
}
