/* rules.h - the user's categorisation rules (SPEC §15): which rule gives a transaction its
 * category, and the loading of a user's rules from PostgreSQL (migration 010).
 *
 * A rule names a merchant text, how it matches (equals or contains), a category and,
 * optionally, an amount range and an account. It matches a transaction when:
 *   - the transaction's merchant, case-folded (rules_fold()) and trimmed of spaces, equals
 *     (RULE_EQUALS) or contains (RULE_CONTAINS) the rule's merchant, folded the same way;
 *   - the amount's magnitude |amount_minor| lies within [min_minor, max_minor], where a bound
 *     that is absent (-1) does not limit;
 *   - the rule names no account, or the transaction's account.
 *
 * When several rules match, the most specific wins, compared in this order:
 *   1. equals before contains;
 *   2. a rule bound to an account before one for any account;
 *   3. a rule with an amount bound before one without;
 *   4. (contains) the longer merchant text before the shorter ("amazon prime" over "amazon");
 *   5. the newest rule (the highest seq) before older ones.
 *
 * Where rules apply (the callers' contract, documented in proto/API.md): to every new
 * transaction, whatever its source, unless it is a transfer (an opening balance, an OFX
 * XFER, a Plaid transfer) or the user chose its category in POST /transactions. A category
 * a bank or a file suggests (a CSV category column, Plaid's category) is only a default a
 * rule overrides. A rule whose category is "transfer" makes the transaction a transfer.
 * POST /rules/{id}/apply recategorises the user's past non-transfer transactions the same
 * way, through rules_match() on a set of that one rule.
 *
 * The matcher and folding are pure and thread-safe; rules_load() runs on the caller's
 * connection (@locality pool thread, like sql.h). */
#ifndef FINCHAT_RULES_H
#define FINCHAT_RULES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_match { RULE_EQUALS, RULE_CONTAINS };

/* One rule. Strings are owned by the set that holds the rule. */
struct rule {
    char id[37];
    enum rule_match match;
    char *merchant;               /* as rules_fold() returns it */
    char *category;               /* normalised (lower-case, trimmed) */
    int64_t min_minor, max_minor; /* magnitudes; -1 when absent */
    char account_id[37];          /* "" for any account */
    int64_t seq;                  /* creation order: higher is newer */
};

/* A set of rules (embedded: rules_init() / rules_release()). */
struct rules {
    struct rule *v;
    size_t n, cap;
};

void rules_init(struct rules *rs);
/* Frees the rules' strings and the array; the set is empty (and reusable) afterwards. */
void rules_release(struct rules *rs);

/* Adds a copy of @r to @rs: its merchant is folded with rules_fold(), its category copied as
 * it is. */
void rules_add(struct rules *rs, const struct rule *r);

/* Returns a copy of @s (UTF-8) with leading and trailing spaces removed and letters folded to
 * lower case: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals (the simple
 * one-to-one mappings); other characters are kept as they are, bytes that are not UTF-8
 * too. Caller frees. */
char *rules_fold(const char *s);

/* The rule of @rs that wins (see above) for a transaction of @merchant, @amount_minor
 * (signed) and @account_id (a UUID, or NULL/"" when unknown: then only rules for any
 * account match); NULL when none matches. */
const struct rule *rules_match(const struct rules *rs, const char *merchant, int64_t amount_minor,
                               const char *account_id);

/* True when a rule may recategorise a new transaction of type @type: every type but
 * "transfer" (see above). */
bool rules_applies_to(const char *type);

/* Loads @user_id's rules into @rs (appended), oldest first; with @rule_id, only that rule
 * (none when it is not the user's). Returns 0 or the negative code of sql.h (@rs then holds
 * what it held before). */
int rules_load(PGconn *pg, const char *user_id, const char *rule_id, struct rules *rs);

#endif
