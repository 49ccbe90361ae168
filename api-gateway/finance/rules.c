/* rules.c - categorisation rules: folding, the matcher and loading (see rules.h). */
#include "api-gateway/finance/rules.h"

#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"
#include "api-gateway/db/sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rules_init(struct rules *rs)
{
    memset(rs, 0, sizeof(*rs));
}

void rules_release(struct rules *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].merchant);
        free(rs->v[i].category);
    }
    free(rs->v);
    rules_init(rs);
}

void rules_add(struct rules *rs, const struct rule *r)
{
    struct rule *d;

    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 8;
        rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
    }
    d = &rs->v[rs->n++];
    *d = *r;
    d->merchant = rules_fold(r->merchant);
    d->category = xstrdup(r->category);
}

/* The lower-case letter of capital @cp (see rules_fold()), else @cp. */
static int32_t fold_cp(int32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7))
        return cp + 32;
    if (cp == 0x178)
        return 0xFF;
    if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
        (cp >= 0x14A && cp <= 0x177))
        return cp % 2 == 0 ? cp + 1 : cp;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return cp % 2 == 1 ? cp + 1 : cp;
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
        return cp + 32;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 32;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 80;
    return cp;
}

char *rules_fold(const char *s)
{
    size_t len = strlen(s), start = strspn(s, " "), end = len;
    struct strbuf sb;

    while (end > start && s[end - 1] == ' ')
        end--;
    strbuf_init(&sb, end - start + 1);
    for (size_t i = start; i < end;) {
        int32_t cp;
        int n = utf8_decode(s + i, end - i, &cp);
        char out[4];

        if (n <= 0) { /* not UTF-8: the byte as it is */
            strbuf_addch(&sb, (unsigned char)s[i]);
            i++;
            continue;
        }
        strbuf_add(&sb, out, utf8_encode(fold_cp(cp), out));
        i += (size_t)n;
    }
    return strbuf_detach(&sb, NULL);
}

static bool matches(const struct rule *r, const char *folded, uint64_t mag, const char *account_id)
{
    if (r->min_minor >= 0 && mag < (uint64_t)r->min_minor)
        return false;
    if (r->max_minor >= 0 && mag > (uint64_t)r->max_minor)
        return false;
    if (r->account_id[0] && (!account_id || strcasecmp(r->account_id, account_id) != 0))
        return false;
    return r->match == RULE_EQUALS ? strcmp(folded, r->merchant) == 0
                                   : strstr(folded, r->merchant) != NULL;
}

/* True when @a is more specific than @b (rules.h's order). */
static bool beats(const struct rule *a, const struct rule *b)
{
    bool a_amt = a->min_minor >= 0 || a->max_minor >= 0;
    bool b_amt = b->min_minor >= 0 || b->max_minor >= 0;
    size_t alen = strlen(a->merchant), blen = strlen(b->merchant);

    if (a->match != b->match)
        return a->match == RULE_EQUALS;
    if (!a->account_id[0] != !b->account_id[0])
        return a->account_id[0] != '\0';
    if (a_amt != b_amt)
        return a_amt;
    if (a->match == RULE_CONTAINS && alen != blen)
        return alen > blen;
    return a->seq > b->seq;
}

const struct rule *rules_match(const struct rules *rs, const char *merchant, int64_t amount_minor,
                               const char *account_id)
{
    const struct rule *best = NULL;
    uint64_t mag;
    char *folded;

    if (!rs || rs->n == 0 || !merchant)
        return NULL;
    mag = amount_minor < 0 ? 0 - (uint64_t)amount_minor : (uint64_t)amount_minor;
    folded = rules_fold(merchant);
    for (size_t i = 0; i < rs->n; i++)
        if (matches(&rs->v[i], folded, mag, account_id) && (!best || beats(&rs->v[i], best)))
            best = &rs->v[i];
    free(folded);
    return best;
}

bool rules_applies_to(const char *type)
{
    return !type || strcmp(type, "transfer") != 0;
}

int rules_load(PGconn *pg, const char *user_id, const char *rule_id, struct rules *rs)
{
    const char *vals[2] = {user_id, rule_id};
    PGresult *res;
    int rc;

    rc = sql_query(pg,
                   "SELECT id, match, merchant, category, coalesce(min_minor, -1),"
                   " coalesce(max_minor, -1), coalesce(account_id::text, ''), seq"
                   " FROM categorization_rules WHERE user_id = $1::uuid"
                   " AND ($2::uuid IS NULL OR id = $2::uuid) ORDER BY seq",
                   2, vals, &res);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(res); i++) {
        struct rule r;

        memset(&r, 0, sizeof(r));
        snprintf(r.id, sizeof(r.id), "%s", PQgetvalue(res, i, 0));
        r.match = strcmp(PQgetvalue(res, i, 1), "equals") == 0 ? RULE_EQUALS : RULE_CONTAINS;
        r.merchant = PQgetvalue(res, i, 2);
        r.category = PQgetvalue(res, i, 3);
        r.min_minor = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        r.max_minor = strtoll(PQgetvalue(res, i, 5), NULL, 10);
        snprintf(r.account_id, sizeof(r.account_id), "%s", PQgetvalue(res, i, 6));
        r.seq = strtoll(PQgetvalue(res, i, 7), NULL, 10);
        rules_add(rs, &r);
    }
    PQclear(res);
    return 0;
}
