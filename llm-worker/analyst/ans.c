/* ans.c - one answer being written by the analyst and the sentences every composer shares: money in
 * the answer's currency, bold figures, "I don't have ... yet", the top categories,
 * spent-against-income. */
#include "llm-worker/analyst/ans.h"

#include "clock.h"
#include "llm-worker/analyst/analyst_doc.h"
#include "llm-worker/analyst/analyst_fmt.h"
#include "llm-worker/analyst/analyst_match.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shared sentences ---- */

void ans_money(struct ans *a, int64_t v)
{
    fmt_add_money(&a->out, v, a->cur);
}

void ans_bold_money(struct ans *a, int64_t v)
{
    strbuf_addstr(&a->out, "**");
    ans_money(a, v);
    strbuf_addstr(&a->out, "**");
}

void ans_missing(struct ans *a, const char *what)
{
    strbuf_addf(&a->out,
                "I don't have %s in your data yet. Once your accounts are linked or a statement "
                "is imported, I can answer that with your real numbers.",
                what);
}

/* "Dining ($320.00), Groceries ($410.00) and Transport ($95.00)" for the top @k categories. */
void ans_top_categories(struct ans *a, size_t k)
{
    struct analyst_row rows[ANALYST_ROWS];
    size_t n = analyst_doc_rows(analyst_doc_list(a->ctx, "top_categories"), "amount_minor",
                                analyst_doc_category_keys, rows, ANALYST_ROWS);

    if (n > k)
        n = k;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strbuf_addstr(&a->out, i + 1 == n ? " and " : ", ");
        strbuf_addf(&a->out, "%s (", rows[i].key ? rows[i].key : "Uncategorized");
        ans_money(a, rows[i].amount);
        strbuf_addstr(&a->out, ")");
    }
}

/* Months needed to put aside @remaining at @per_month, rounded up. */
int64_t ans_months_to(int64_t remaining, int64_t per_month)
{
    if (per_month <= 0)
        return -1; /* never: callers check first */
    return (remaining + per_month - 1) / per_month;
}

/* " you spent **$4,000.00** against income of $5,200.00, a savings rate of 23.1%"; the
 * income part only when there was some. */
void ans_spent_against(struct ans *a, int64_t expenses, int64_t income)
{
    strbuf_addstr(&a->out, " you spent ");
    ans_bold_money(a, expenses);
    if (income > 0) {
        strbuf_addstr(&a->out, " against income of ");
        ans_money(a, income);
        strbuf_addstr(&a->out, ", a savings rate of ");
        fmt_add_pct(&a->out, income - expenses, income);
    }
}

/* Appends " The biggest categories were A ($1.00), B ($2.00) and C ($3.00)." for the first
 * three of @rows (largest first); nothing when there are none. */
void ans_biggest_categories(struct ans *a, const struct analyst_row *rows, size_t n)
{
    for (size_t i = 0; i < n && i < 3; i++) {
        strbuf_addf(&a->out, "%s%s (",
                    i == 0                 ? " The biggest categories were "
                    : i + 1 == n || i == 2 ? " and "
                                           : ", ",
                    rows[i].key ? rows[i].key : "Uncategorized");
        ans_money(a, rows[i].amount);
        strbuf_addstr(&a->out, i + 1 == n || i == 2 ? ")." : ")");
    }
}

/* Appends "Last month (May 2025)", the month as section @lm (`last_month`) names it. */
void ans_last_month_out(struct ans *a, const json_t *lm)
{
    const char *m = analyst_doc_str(lm, "month");

    strbuf_addstr(&a->out, "Last month");
    if (m) {
        strbuf_addstr(&a->out, " (");
        fmt_add_month(&a->out, m);
        strbuf_addstr(&a->out, ")");
    }
}
