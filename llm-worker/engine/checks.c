/* checks.c - checked figures: money amounts and percentages of an answer matched against the
 * values of its sources (the rules are in checks.h). */
#include "checks.h"

#include "money.h"
#include "utf8.h"
#include "xmalloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define MAX_DIGITS 18 /* significant digits and decimals a figure may have to be matched */
#define MAX_DEPTH 64

enum kind { K_MONEY, K_PCT };

/* One figure found in text: the magnitude x / 10^d, and where it was written. */
struct figure {
    enum kind kind;
    bool exact; /* false when the number has too many digits to be matched */
    uint64_t x;
    int d;
    size_t start, end;
};

typedef void figure_fn(void *arg, const char *s, const struct figure *f);

static const uint64_t pow10_tab[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* ---- Scanning text for figures ---- */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_word(unsigned char c)
{
    return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool at(const char *s, size_t len, size_t p, const char *lit)
{
    size_t n = strlen(lit);

    return n <= len - p && memcmp(s + p, lit, n) == 0;
}

/* Length of a sign at @p ("-", "+", U+2212), or 0. */
static size_t sign_len(const char *s, size_t len, size_t p)
{
    if (p < len && (s[p] == '-' || s[p] == '+'))
        return 1;
    return at(s, len, p, "\xe2\x88\x92") ? 3 : 0;
}

/* Length of one space at @p (U+0020, U+00A0, U+202F), or 0. */
static size_t space_len(const char *s, size_t len, size_t p)
{
    if (p < len && s[p] == ' ')
        return 1;
    if (at(s, len, p, "\xc2\xa0"))
        return 2;
    return at(s, len, p, "\xe2\x80\xaf") ? 3 : 0;
}

/* Length of a currency at @p: an ISO 4217 code of the table not followed by a letter or "_"
 * ("USD 12", "USD12"), or the longest symbol of the table; 0 when there is none. */
static size_t currency_len(const char *s, size_t len, size_t p)
{
    size_t best = 0;

    if (len - p >= 3 && is_upper((unsigned char)s[p]) && is_upper((unsigned char)s[p + 1]) &&
        is_upper((unsigned char)s[p + 2]) &&
        (len - p == 3 || !is_word((unsigned char)s[p + 3]) || is_digit((unsigned char)s[p + 3]))) {
        char code[4] = {s[p], s[p + 1], s[p + 2], '\0'};

        if (money_currency_find(code))
            return 3;
    }
    if (p >= len || !(s[p] == '$' || is_upper((unsigned char)s[p]) || (unsigned char)s[p] >= 0x80))
        return 0;
    for (size_t i = 0; i < money_ncurrencies; i++) {
        const char *sym = money_currencies[i].symbol;
        size_t n;

        if (!sym || sym[0] != s[p])
            continue;
        n = strlen(sym);
        if (n > best && at(s, len, p, sym))
            best = n;
    }
    return best;
}

/* Checks that in @run (digits and marks) the digit groups after each thousands mark @g before
 * index @dec_at (the decimal mark, or the run's length) have exactly three digits, the first
 * group one to three and not starting with 0. */
static bool groups_ok(const char *run, char g, size_t dec_at)
{
    size_t digits = 0;
    bool first = true;

    for (size_t i = 0; i < dec_at; i++) {
        if (run[i] != g) {
            digits++;
            continue;
        }
        if (first ? (digits < 1 || digits > 3 || run[0] == '0') : digits != 3)
            return false;
        first = false;
        digits = 0;
    }
    return first || digits == 3;
}

/* Reads the number at @p into @f (x, d, exact). Returns its end, or @p when there is none or
 * its marks fit no rule of checks.h. */
static size_t parse_number(const char *s, size_t len, size_t p, struct figure *f)
{
    size_t e = p, ncomma = 0, ndot = 0, last = 0, dec_at, sig = 0;
    char g = 0;

    while (e < len &&
           (is_digit((unsigned char)s[e]) || ((s[e] == ',' || s[e] == '.') && e > p &&
                                              e + 1 < len && is_digit((unsigned char)s[e + 1])))) {
        if (s[e] == ',' || s[e] == '.') {
            ncomma += s[e] == ',';
            ndot += s[e] == '.';
            last = e;
        }
        e++;
    }
    if (e == p)
        return p;
    dec_at = e - p;
    if (ncomma && ndot) {
        if ((s[last] == ',' ? ncomma : ndot) != 1)
            return p;
        dec_at = last - p;
        g = s[last] == ',' ? '.' : ',';
    } else if (ndot == 1) {
        dec_at = last - p;
    } else if (ncomma == 1 && e - last - 1 != 3) {
        if (e - last - 1 > 2)
            return p;
        dec_at = last - p;
    } else if (ncomma || ndot) {
        g = ncomma ? ',' : '.';
    }
    if (g && !groups_ok(s + p, g, dec_at))
        return p;
    f->x = 0;
    f->d = dec_at < e - p ? (int)(e - p - dec_at - 1) : 0;
    f->exact = f->d <= MAX_DIGITS;
    for (size_t i = p; i < e; i++) {
        if (!is_digit((unsigned char)s[i]))
            continue;
        if (sig == 0 && s[i] == '0')
            continue;
        if (++sig > MAX_DIGITS) {
            f->exact = false;
            continue;
        }
        f->x = f->x * 10 + (uint64_t)(s[i] - '0');
    }
    return e;
}

/* True when a figure may start at @i: nothing word-like touches it on the left, nor a "."
 * (".5%" is not 5%), nor a "," after a digit (a mark after a digit continues a number). */
static bool starts_word(const char *s, size_t i)
{
    unsigned char c;

    if (i == 0)
        return true;
    c = (unsigned char)s[i - 1];
    if (is_word(c) || c == '.')
        return false;
    return !(c == ',' && i >= 2 && is_digit((unsigned char)s[i - 2]));
}

/* Reads the figure starting at @i into @f. Returns false when there is none. */
static bool figure_at(const char *s, size_t len, size_t i, struct figure *f)
{
    size_t p = i, n = sign_len(s, len, i), cur, sp;
    bool had_sign = n > 0;

    p += n;
    cur = currency_len(s, len, p);
    if (cur) {
        p += cur;
        p += space_len(s, len, p);
        if (!had_sign)
            p += sign_len(s, len, p);
        n = parse_number(s, len, p, f);
        if (n == p || (n < len && (is_word((unsigned char)s[n]) || s[n] == '%')))
            return false;
        f->kind = K_MONEY;
        f->end = n;
    } else {
        n = parse_number(s, len, p, f);
        if (n == p)
            return false;
        sp = n + space_len(s, len, n);
        if (sp < len && s[sp] == '%') {
            f->kind = K_PCT;
            f->end = sp + 1;
        } else if ((cur = currency_len(s, len, sp)) != 0) {
            f->kind = K_MONEY;
            f->end = sp + cur;
        } else {
            return false;
        }
        if (f->end < len && is_word((unsigned char)s[f->end]))
            return false;
    }
    f->start = i;
    return true;
}

/* Length of the whitespace-delimited token at @i when it is a URL, else 0. */
static size_t url_len(const char *s, size_t len, size_t i)
{
    size_t e = i;

    while (e < len && !is_ws((unsigned char)s[e]))
        e++;
    if (at(s, len, i, "www.") || memmem(s + i, e - i, "://", 3))
        return e - i;
    return 0;
}

/* Calls @fn for every figure of @s (@len bytes), in order. */
static void scan_text(const char *s, size_t len, figure_fn *fn, void *arg)
{
    size_t i = 0, url_end = 0;

    while (i < len) {
        struct figure f;

        if ((i == 0 || is_ws((unsigned char)s[i - 1])) && i >= url_end)
            url_end = i + url_len(s, len, i);
        if (i >= url_end && !is_ws((unsigned char)s[i]) && starts_word(s, i) &&
            figure_at(s, len, i, &f)) {
            fn(arg, s, &f);
            i = f.end;
            continue;
        }
        i++;
    }
}

/* ---- Values ---- */

/* A magnitude n / den (den > 0); approx orders them. */
struct val {
    uint64_t n, den;
    double approx;
};

struct vset {
    struct val *v;
    size_t n, cap;
};

/* A money value of a source, kept for the derived pairs: a / 10^scale. */
struct base {
    uint64_t a;
    int scale;
    const json_t *parent; /* the object holding it */
    const json_t *holder; /* the array or object holding @parent (NULL at the top) */
    const char *key;
    size_t order;
    bool dated; /* @parent has a "month": the value is one period of a series */
    bool neg;   /* the value is negative (net worth, a net that went below zero) */
};

/* The values of all sources; the counts and bases are those of the source being walked. */
struct walk {
    struct vset money, plain;
    struct base *bases;
    size_t nbases, cbases, nvalues, npairs;
};

static void vset_add(struct vset *vs, uint64_t n, uint64_t den)
{
    if (vs->n == vs->cap) {
        vs->cap = vs->cap ? vs->cap * 2 : 64;
        vs->v = xrealloc(vs->v, vs->cap * sizeof(*vs->v));
    }
    vs->v[vs->n].n = n;
    vs->v[vs->n].den = den;
    vs->v[vs->n].approx = (double)n / (double)den;
    vs->n++;
}

static int val_cmp(const void *pa, const void *pb)
{
    const struct val *a = pa, *b = pb;

    return (a->approx > b->approx) - (a->approx < b->approx);
}

static bool val_same(const struct val *a, const struct val *b)
{
    return (u128)a->n * b->den == (u128)b->n * a->den;
}

/* Sorts @vs and drops neighbours of equal value. */
static void vset_finish(struct vset *vs)
{
    size_t k = 0;

    if (vs->n == 0)
        return;
    qsort(vs->v, vs->n, sizeof(*vs->v), val_cmp);
    for (size_t i = 1; i < vs->n; i++)
        if (!val_same(&vs->v[k], &vs->v[i]))
            vs->v[++k] = vs->v[i];
    vs->n = k + 1;
}

/* True when n / den rounded half away from zero to d decimals is x / 10^d. */
static bool rounds_to(uint64_t n, uint64_t den, uint64_t x, int d)
{
    u128 lhs = (u128)2 * n * pow10_tab[d];

    if (x == 0)
        return lhs < den;
    return ((u128)2 * x - 1) * den <= lhs && lhs < ((u128)2 * x + 1) * den;
}

/* True when a value of @vs matches figure @f. */
static bool vset_match(const struct vset *vs, const struct figure *f)
{
    double scale = (double)pow10_tab[f->d];
    double lo = ((double)f->x - 0.5) / scale, hi = ((double)f->x + 0.5) / scale;
    size_t a = 0, b = vs->n;

    lo -= fabs(lo) * 1e-9 + 1e-300;
    hi += fabs(hi) * 1e-9;
    while (a < b) {
        size_t m = a + (b - a) / 2;

        if (vs->v[m].approx < lo)
            a = m + 1;
        else
            b = m;
    }
    for (; a < vs->n && vs->v[a].approx <= hi; a++)
        if (rounds_to(vs->v[a].n, vs->v[a].den, f->x, f->d))
            return true;
    return false;
}

/* Reads the magnitude of JSON number @v as n / 10^*scale. False when it is not finite or does
 * not fit. */
static bool number_decimal(const json_t *v, uint64_t *n, int *scale)
{
    char buf[64], *e;
    double r;
    long ex;
    int frac = 0;

    *scale = 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        *n = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
        return true;
    }
    r = fabs(json_real_value(v));
    if (!isfinite(r) || r >= 1e18)
        return false;
    snprintf(buf, sizeof(buf), "%.15e", r); /* d.ddddddddddddddde±XX */
    *n = 0;
    for (e = buf; *e && *e != 'e'; e++)
        if (is_digit((unsigned char)*e)) {
            *n = *n * 10 + (uint64_t)(*e - '0');
            frac++;
        }
    ex = strtol(e + 1, NULL, 10) - (frac - 1); /* value = n * 10^ex */
    while (ex < 0 && *n % 10 == 0 && *n) {
        *n /= 10;
        ex++;
    }
    if (*n == 0)
        return true;
    if (ex >= 0) {
        /* r < 1e18 and at most 16 digits, so this fits. */
        *n *= pow10_tab[ex];
        return true;
    }
    if (ex < -MAX_DIGITS)
        return false;
    *scale = (int)-ex;
    return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void add_money(struct walk *w, uint64_t a, int scale)
{
    if (scale <= MAX_DIGITS)
        vset_add(&w->money, a, pow10_tab[scale]);
}

static void add_plain(struct walk *w, uint64_t a, int scale)
{
    if (scale <= MAX_DIGITS)
        vset_add(&w->plain, a, pow10_tab[scale]);
}

/* A money total with its count beside it ({count, expenses_minor} of a search summary,
 * {amount_minor, count} of a category) also stands for its average per item. */
static void add_average(struct walk *w, uint64_t a, int scale, const json_t *parent)
{
    const json_t *c = json_object_get(parent, "count");
    json_int_t count = json_is_integer(c) ? json_integer_value(c) : 0;
    uint64_t den;

    if (count > 1 && scale <= MAX_DIGITS &&
        !__builtin_mul_overflow(pow10_tab[scale], (uint64_t)count, &den))
        vset_add(&w->money, a, den);
}

/* A figure written in a source string is a value of its kind. */
static void on_source_figure(void *arg, const char *s, const struct figure *f)
{
    struct walk *w = arg;

    (void)s;
    if (!f->exact || w->nvalues >= CHECKS_MAX_VALUES)
        return;
    w->nvalues++;
    if (f->kind == K_MONEY)
        add_money(w, f->x, f->d);
    else
        add_plain(w, f->x, f->d);
}

/* Records number @v found under @key (NULL in an array) of @parent (itself in @holder), money
 * being in minor units of @exp decimals. */
static void walk_number(struct walk *w, const json_t *v, const char *key, const json_t *parent,
                        const json_t *holder, int exp)
{
    uint64_t n;
    int scale;

    if (w->nvalues >= CHECKS_MAX_VALUES || !number_decimal(v, &n, &scale))
        return;
    w->nvalues++;
    if (key && has_suffix(key, "_minor")) {
        if (scale + exp > MAX_DIGITS)
            return;
        add_money(w, n, scale + exp);
        add_average(w, n, scale + exp, parent);
        if (w->nbases == w->cbases) {
            w->cbases = w->cbases ? w->cbases * 2 : 64;
            w->bases = xrealloc(w->bases, w->cbases * sizeof(*w->bases));
        }
        w->bases[w->nbases] = (struct base){n,
                                            scale + exp,
                                            parent,
                                            holder,
                                            key,
                                            w->nbases,
                                            json_object_get(parent, "month") != NULL,
                                            json_number_value(v) < 0};
        w->nbases++;
        return;
    }
    add_plain(w, n, scale);
    /* A fraction under a rate key is also the percentage it stands for. */
    if (key && strstr(key, "rate") && !has_suffix(key, "pct") && n <= pow10_tab[scale]) {
        if (scale >= 2)
            add_plain(w, n, scale - 2);
        else
            add_plain(w, n * pow10_tab[2 - scale], 0);
    }
}

static void walk_value(struct walk *w, const json_t *v, const char *key, const json_t *parent,
                       const json_t *holder, int exp, int depth);

/* Walks the members of @obj, which @holder holds. */
static void walk_object(struct walk *w, const json_t *obj, const json_t *holder, int exp, int depth)
{
    const json_t *cur = json_object_get(obj, "currency");
    const char *k;
    json_t *v;

    if (json_is_string(cur) && money_minor_units(json_string_value(cur)) >= 0)
        exp = money_minor_units(json_string_value(cur));
    json_object_foreach((json_t *)obj, k, v) walk_value(w, v, k, obj, holder, exp, depth + 1);
}

/* Walks @v, found under @key (NULL in an array) of container @parent, which @holder holds. */
static void walk_value(struct walk *w, const json_t *v, const char *key, const json_t *parent,
                       const json_t *holder, int exp, int depth)
{
    size_t i;
    json_t *e;

    if (depth > MAX_DEPTH || w->nvalues >= CHECKS_MAX_VALUES)
        return;
    switch (json_typeof(v)) {
    case JSON_INTEGER:
    case JSON_REAL:
        walk_number(w, v, key, parent, holder, exp);
        break;
    case JSON_STRING:
        scan_text(json_string_value(v), json_string_length(v), on_source_figure, w);
        break;
    case JSON_OBJECT:
        walk_object(w, v, parent, exp, depth);
        break;
    case JSON_ARRAY:
        json_array_foreach(v, i, e) walk_value(w, e, NULL, v, parent, exp, depth + 1);
        break;
    default:
        break;
    }
}

/* ---- Derived values ---- */

enum { PAIR_SIBLINGS, PAIR_SAME_KEY };

/* Adds the values derived from bases @a and @b of one group. */
static void derive_pair(struct walk *w, const struct base *a, const struct base *b, int how)
{
    int s = a->scale > b->scale ? a->scale : b->scale;
    uint64_t A, B, diff, h;

    if (__builtin_mul_overflow(a->a, pow10_tab[s - a->scale], &A) ||
        __builtin_mul_overflow(b->a, pow10_tab[s - b->scale], &B))
        return;
    diff = A > B ? A - B : B - A;
    add_money(w, diff, s);
    /* Across zero, a series' change is the sum of the magnitudes (-$12 to $44,292: $44,304). */
    if (how == PAIR_SAME_KEY && a->dated && b->dated && a->holder == b->holder &&
        a->neg != b->neg && !__builtin_add_overflow(A, B, &h))
        add_money(w, h, s);
    if (how == PAIR_SAME_KEY) {
        /* Percentage change between two periods of one series, either way: diff / B and
         * diff / A. */
        if (!a->dated || !b->dated || a->holder != b->holder ||
            __builtin_mul_overflow(diff, 100, &h))
            return;
        if (B)
            vset_add(&w->plain, h, B);
        if (A)
            vset_add(&w->plain, h, A);
        return;
    }
    /* Ratio of siblings, the part of the whole: min / max as a percentage. */
    if (A > B && !__builtin_mul_overflow(B, 100, &h))
        vset_add(&w->plain, h, A);
    else if (B > A && !__builtin_mul_overflow(A, 100, &h))
        vset_add(&w->plain, h, B);
}

/* Orders bases by group (@how), then in document order. */
static int group_cmp(const struct base *a, const struct base *b, int how)
{
    if (how == PAIR_SAME_KEY)
        return strcmp(a->key, b->key);
    if (a->parent != b->parent)
        return (uintptr_t)a->parent < (uintptr_t)b->parent ? -1 : 1;
    return 0;
}

static int by_parent(const void *pa, const void *pb)
{
    const struct base *a = pa, *b = pb;
    int c = group_cmp(a, b, PAIR_SIBLINGS);

    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static int by_key(const void *pa, const void *pb)
{
    const struct base *a = pa, *b = pb;
    int c = group_cmp(a, b, PAIR_SAME_KEY);

    return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* Sorts the bases into groups of kind @how and derives the pairs of each group's first
 * CHECKS_GROUP_MAX values, within the pair budget. */
static void derive_groups(struct walk *w, int how)
{
    size_t g = 0;

    if (w->nbases < 2)
        return;
    qsort(w->bases, w->nbases, sizeof(*w->bases), how == PAIR_SIBLINGS ? by_parent : by_key);
    while (g < w->nbases) {
        size_t e = g + 1, top;

        while (e < w->nbases && group_cmp(&w->bases[g], &w->bases[e], how) == 0)
            e++;
        top = e - g > CHECKS_GROUP_MAX ? g + CHECKS_GROUP_MAX : e;
        for (size_t i = g; i < top; i++)
            for (size_t j = i + 1; j < top; j++) {
                if (w->npairs >= CHECKS_MAX_PAIRS)
                    return;
                w->npairs++;
                derive_pair(w, &w->bases[i], &w->bases[j], how);
            }
        g = e;
    }
}

/* ---- The check ---- */

struct result {
    const struct walk *w;
    json_int_t figures, verified;
    json_t *unverified;
};

static void on_answer_figure(void *arg, const char *s, const struct figure *f)
{
    struct result *r = arg;
    const struct vset *vs = f->kind == K_MONEY ? &r->w->money : &r->w->plain;
    size_t len;
    json_t *text;

    r->figures++;
    if (f->exact && vset_match(vs, f)) {
        r->verified++;
        return;
    }
    if (json_array_size(r->unverified) >= CHECKS_MAX_LISTED)
        return;
    len = utf8_cut(s + f->start, f->end - f->start, CHECKS_TEXT_MAX);
    text = json_stringn(s + f->start, len);
    if (text)
        json_array_append_new(r->unverified, text);
}

/* Adds the values of source @v and those derived from its money values. */
static void walk_source(struct walk *w, const json_t *v)
{
    w->nbases = w->nvalues = w->npairs = 0;
    walk_value(w, v, NULL, NULL, NULL, 2, 0);
    derive_groups(w, PAIR_SIBLINGS);
    derive_groups(w, PAIR_SAME_KEY);
}

json_t *checks_run(const char *answer, const json_t *sources)
{
    struct walk w = {0};
    struct result r = {&w, 0, 0, json_array()};
    size_t i;
    json_t *v;

    if (json_is_array(sources)) {
        json_array_foreach(sources, i, v)
        {
            if (i >= CHECKS_MAX_SOURCES)
                break;
            walk_source(&w, v);
        }
    } else if (sources) {
        walk_source(&w, sources);
    }
    vset_finish(&w.money);
    vset_finish(&w.plain);
    if (answer)
        scan_text(answer, strlen(answer), on_answer_figure, &r);
    free(w.money.v);
    free(w.plain.v);
    free(w.bases);
    return json_pack("{s:I, s:I, s:o}", "figures", r.figures, "verified", r.verified, "unverified",
                     r.unverified);
}
