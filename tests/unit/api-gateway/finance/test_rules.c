/* Unit tests for rules.c: case folding, each condition of a rule, and which rule wins. */
#include "test.h"
#include "api-gateway/finance/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *A1 = "11111111-1111-4111-8111-111111111111";
static const char *A2 = "22222222-2222-4222-8222-222222222222";

static void add(struct rules *rs, enum rule_match m, const char *merchant, const char *category,
                int64_t lo, int64_t hi, const char *account, int64_t seq)
{
    struct rule r;

    memset(&r, 0, sizeof(r));
    r.match = m;
    r.merchant = (char *)merchant;
    r.category = (char *)category;
    r.min_minor = lo;
    r.max_minor = hi;
    snprintf(r.account_id, sizeof(r.account_id), "%s", account ? account : "");
    r.seq = seq;
    rules_add(rs, &r);
}

static const char *cat(const struct rules *rs, const char *merchant, int64_t amount,
                       const char *account)
{
    const struct rule *r = rules_match(rs, merchant, amount, account);

    return r ? r->category : "(none)";
}

static void test_fold(void)
{
    char *s = rules_fold("  STARBUCKS Coffee ");

    CHECK_EQ_STR(s, "starbucks coffee");
    free(s);
    s = rules_fold("CAFÉ ÅSA ŁÓDŹ ΑΘΗΝΑ МОСКВА Ÿ");
    CHECK_EQ_STR(s, "café åsa łódź αθηνα москва ÿ");
    free(s);
    s = rules_fold("\xff"
                   "AB"); /* not UTF-8: the byte kept, the rest folded */
    CHECK_EQ_STR(s, "\xff"
                    "ab");
    free(s);
    s = rules_fold("   ");
    CHECK_EQ_STR(s, "");
    free(s);
}

static void test_conditions(void)
{
    struct rules rs;

    rules_init(&rs);
    CHECK(rules_match(&rs, "Anything", -100, A1) == NULL); /* no rules */
    add(&rs, RULE_EQUALS, "Netflix", "subscriptions", -1, -1, NULL, 1);
    add(&rs, RULE_CONTAINS, "uber", "transport", 100, 5000, NULL, 2);
    add(&rs, RULE_CONTAINS, "shell", "fuel", -1, -1, A1, 3);

    CHECK_EQ_STR(cat(&rs, "NETFLIX", -1599, A1), "subscriptions");
    CHECK_EQ_STR(cat(&rs, " netflix ", -1599, NULL), "subscriptions");
    CHECK_EQ_STR(cat(&rs, "Netflix.com", -1599, A1), "(none)"); /* equals is not contains */
    /* amounts are magnitudes, bounds inclusive, either sign */
    CHECK_EQ_STR(cat(&rs, "UBER *TRIP", -100, A1), "transport");
    CHECK_EQ_STR(cat(&rs, "UBER *TRIP", -5000, A1), "transport");
    CHECK_EQ_STR(cat(&rs, "Uber refund", 2500, A1), "transport");
    CHECK_EQ_STR(cat(&rs, "UBER *TRIP", -99, A1), "(none)");
    CHECK_EQ_STR(cat(&rs, "UBER *TRIP", -5001, A1), "(none)");
    /* account: only that account; an unknown account matches rules for any account only */
    CHECK_EQ_STR(cat(&rs, "Shell Oil 123", -4000, A1), "fuel");
    CHECK_EQ_STR(cat(&rs, "Shell Oil 123", -4000, "11111111-1111-4111-8111-111111111111"), "fuel");
    CHECK_EQ_STR(cat(&rs, "SHELL OIL", -4000, "11111111-1111-4111-8111-111111111111"), "fuel");
    CHECK_EQ_STR(cat(&rs, "Shell Oil 123", -4000, A2), "(none)");
    CHECK_EQ_STR(cat(&rs, "Shell Oil 123", -4000, NULL), "(none)");
    CHECK_EQ_STR(cat(&rs, "Shell Oil 123", -4000, ""), "(none)");
    CHECK(rules_match(&rs, NULL, -1, A1) == NULL);
    rules_release(&rs);
    CHECK(rs.n == 0 && rs.v == NULL);
}

static void test_uppercase_account(void)
{
    struct rules rs;

    rules_init(&rs);
    add(&rs, RULE_EQUALS, "x", "c", -1, -1, A1, 1);
    CHECK_EQ_STR(cat(&rs, "X", -1, "11111111-1111-4111-8111-111111111111"), "c");
    rules_release(&rs);
    rules_init(&rs);
    add(&rs, RULE_EQUALS, "x", "c", -1, -1, "abcdef00-1111-4111-8111-111111111111", 1);
    CHECK_EQ_STR(cat(&rs, "X", -1, "ABCDEF00-1111-4111-8111-111111111111"), "c");
    rules_release(&rs);
}

/* Every step of rules.h's order, each against a rule that is better on all later steps. */
static void test_precedence(void)
{
    struct rules rs;

    /* 1. equals beats contains, even an account-bound, bounded, newer contains */
    rules_init(&rs);
    add(&rs, RULE_EQUALS, "amazon", "shopping", -1, -1, NULL, 1);
    add(&rs, RULE_CONTAINS, "amazon", "books", 0, 100000, A1, 2);
    CHECK_EQ_STR(cat(&rs, "Amazon", -500, A1), "shopping");
    CHECK_EQ_STR(cat(&rs, "Amazon Books", -500, A1), "books"); /* equals does not match */
    rules_release(&rs);

    /* 2. account-bound beats any-account, even a bounded newer one */
    rules_init(&rs);
    add(&rs, RULE_CONTAINS, "amazon", "work", -1, -1, A1, 1);
    add(&rs, RULE_CONTAINS, "amazon", "shopping", 0, 100000, NULL, 2);
    CHECK_EQ_STR(cat(&rs, "AMAZON MKTP", -500, A1), "work");
    CHECK_EQ_STR(cat(&rs, "AMAZON MKTP", -500, A2), "shopping");
    rules_release(&rs);

    /* 3. an amount bound beats none, even a longer newer text */
    rules_init(&rs);
    add(&rs, RULE_CONTAINS, "amazon", "big purchases", 10000, -1, NULL, 1);
    add(&rs, RULE_CONTAINS, "amazon mktp", "shopping", -1, -1, NULL, 2);
    CHECK_EQ_STR(cat(&rs, "AMAZON MKTP", -20000, A1), "big purchases");
    CHECK_EQ_STR(cat(&rs, "AMAZON MKTP", -500, A1), "shopping");
    rules_release(&rs);

    /* 4. (contains) the longer text beats the shorter, even when older */
    rules_init(&rs);
    add(&rs, RULE_CONTAINS, "amazon prime", "subscriptions", -1, -1, NULL, 1);
    add(&rs, RULE_CONTAINS, "amazon", "shopping", -1, -1, NULL, 2);
    CHECK_EQ_STR(cat(&rs, "Amazon Prime*1A2B", -1499, NULL), "subscriptions");
    CHECK_EQ_STR(cat(&rs, "Amazon.com", -1499, NULL), "shopping");
    rules_release(&rs);

    /* 5. otherwise the newest, whatever the order in the set */
    rules_init(&rs);
    add(&rs, RULE_EQUALS, "tesco", "new", -1, -1, NULL, 9);
    add(&rs, RULE_EQUALS, "tesco", "old", -1, -1, NULL, 3);
    add(&rs, RULE_EQUALS, "TESCO", "middle", -1, -1, NULL, 5);
    CHECK_EQ_STR(cat(&rs, "Tesco", -1, NULL), "new");
    rules_release(&rs);
}

static void test_applies_to(void)
{
    CHECK(rules_applies_to("expense"));
    CHECK(rules_applies_to("income"));
    CHECK(!rules_applies_to("transfer"));
}

TEST_MAIN(test_fold, test_conditions, test_uppercase_account, test_precedence, test_applies_to)
