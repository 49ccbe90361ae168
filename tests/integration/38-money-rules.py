#!/usr/bin/env python3
"""38-money-rules.py - categorisation rules (SPEC §15): GET/POST /rules, DELETE /rules/{id},
POST /rules/{id}/apply.

A rule categorises every new transaction whatever its source: a CSV import (over the file's
own category), a Plaid sync (over Plaid's category; through a private gateway on the Plaid
test double, tests/plaidmock), a manual one whose client chose no category (a chosen one
is kept); transfers are never recategorised. The most specific rule wins (equals before
contains, an amount range, an account, then the newest). Applying a rule recategorises past
transactions and answers how many; the data version follows. Bad rules are 400
invalid_field (400 invalid_json for a body that is not an object) and write nothing; another
user's rule or account is 404, and a user's rules never touch another user's transactions.

Environment: FINCHAT_URL, FINCHAT_PG_URL. Needs python3 and psql."""

import fclib
from finlib import (all_transactions, check, done, get, is_error, new_account, new_user, psql_one,
                    request)


tok, uid = new_user("rules")
acct = new_account(tok, "Rules Checking", "checking", 100000)
acct2 = new_account(tok, "Rules Savings", "savings", 0)
tok_b, uid_b = new_user("rules-b")
acct_b = new_account(tok_b, "B", "checking", 0)


def add_rule(body, token=tok):
    return request("POST", "/api/v1/rules", body, token=token)


def nrules(user):
    return int(psql_one("SELECT count(*) FROM categorization_rules WHERE user_id = :'a1'", user))


def manual(merchant, amount, account=acct, token=tok, **extra):
    r = request("POST", "/api/v1/transactions",
                dict({"account_id": account, "merchant": merchant, "amount_minor": amount}, **extra),
                token=token)
    if r.status != 201:
        raise AssertionError(f"POST /transactions: {r.status} {r.body[:200]!r}")
    return r.json()["transaction"]


def by_desc(token, account):
    return {t["description"]: t for t in all_transactions(token, account_id=account)[0]}


def data_version(user):
    return int(psql_one("SELECT data_version FROM users WHERE id = :'a1'", user))


# ---- creating and listing ----
r = get("/api/v1/rules", tok)
check(r.status == 200 and r.json() == {"items": []}, "a new user has no rules", r.body[:200])
v0 = data_version(uid)
r = add_rule({"merchant": "  coffee ", "match": "contains", "category": " Dining Out "})
j = r.json() or {}
check(r.status == 201 and j.get("merchant") == "coffee" and j.get("match") == "contains"
      and j.get("category") == "dining out" and j.get("min_minor") is None
      and j.get("max_minor") is None and j.get("account_id") is None and j.get("id"),
      "POST /rules: 201, merchant trimmed, category normalised like the transactions API",
      r.body[:300])
r_coffee = j.get("id")
check(data_version(uid) > v0, "a rules write bumps the data version")
r = add_rule({"merchant": "Coffee Bean", "match": "equals", "category": "treats",
              "min_minor": 500, "max_minor": 1000})
j = r.json() or {}
check(r.status == 201 and (j.get("min_minor"), j.get("max_minor")) == (500, 1000),
      "a rule with an amount range", r.body[:300])
r = add_rule({"merchant": "Tea Shop", "category": "tea"})
check(r.status == 201 and r.json()["match"] == "equals", "match defaults to equals", r.body[:200])
r = get("/api/v1/rules", tok)
items = (r.json() or {}).get("items", [])
check(r.status == 200 and [i["merchant"] for i in items] == ["coffee", "Coffee Bean", "Tea Shop"]
      and all(i["created_at"].endswith("Z") for i in items),
      "GET /rules lists them oldest first", r.body[:400])

# ---- bad rules: 400, nothing written ----
before = (nrules(uid), data_version(uid))
bad = [
    ({"category": "x"}, "merchant"),
    ({"merchant": "   ", "category": "x"}, "merchant"),
    ({"merchant": 5, "category": "x"}, "merchant"),
    ({"merchant": "a" * 121, "category": "x"}, "merchant"),
    ({"merchant": "a\u0007b", "category": "x"}, "merchant"),
    ({"merchant": "a", "match": "regex", "category": "x"}, "match"),
    ({"merchant": "a"}, "category"),
    ({"merchant": "a", "category": ""}, "category"),
    ({"merchant": "a", "category": "x" * 65}, "category"),
    ({"merchant": "a", "category": "x", "min_minor": -1}, "min_minor"),
    ({"merchant": "a", "category": "x", "min_minor": 1.5}, "min_minor"),
    ({"merchant": "a", "category": "x", "max_minor": "10"}, "max_minor"),
    ({"merchant": "a", "category": "x", "max_minor": 10000000000001}, "max_minor"),
    ({"merchant": "a", "category": "x", "min_minor": 10, "max_minor": 5}, "min_minor"),
    ({"merchant": "a", "category": "x", "account_id": "not-a-uuid"}, "account_id"),
    ({"merchant": "a", "category": "x", "account_id": 7}, "account_id"),
]
for body, field in bad:
    r = add_rule(body)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"],
          f"bad rule {body!r:.60}: 400 invalid_field naming {field}", r.body[:200])
r = request("POST", "/api/v1/rules", raw=b"[1]", ctype="application/json", token=tok)
check(is_error(r, 400, "invalid_json"), "a body that is not an object: 400 invalid_json", r.body[:200])
r = add_rule({"merchant": "a", "category": "x", "account_id": acct_b})
check(is_error(r, 404, "not_found"), "another user's account_id: 404 not_found", r.body[:200])
r = add_rule({"merchant": "a", "category": "x", "account_id": "00000000-0000-4000-8000-000000000000"})
check(is_error(r, 404, "not_found"), "an unknown account_id: 404 not_found", r.body[:200])
check((nrules(uid), data_version(uid)) == before, "refused rules wrote nothing",
      f"{(nrules(uid), data_version(uid))} vs {before}")

# ---- a CSV import takes the rules ----
csv = ("date,description,amount,category\n"
       "2026-03-01,Blue Bottle Coffee,-4.00,\n"
       "2026-03-02,Coffee Bean,-7.00,\n"
       "2026-03-03,Coffee Bean,-20.00,\n"
       "2026-03-04,Coffee Corner,-3.00,misc\n"
       "2026-03-05,Grocer,-10.00,Groceries\n"
       "2026-03-06,Coffee fund,-50.00,transfer\n").encode()
r = request("POST", f"/api/v1/imports?account_id={acct}", raw=csv, ctype="text/csv", token=tok)
check(r.status == 200 and (r.json() or {}).get("added") == 6, "CSV import of 6 rows", r.body[:200])
t = by_desc(tok, acct)
got = {d: (t[d]["category"], t[d]["type"]) for d in
       ("Blue Bottle Coffee", "Coffee Bean", "Coffee Corner", "Grocer", "Coffee fund") if d in t}
check(got.get("Blue Bottle Coffee") == ("dining out", "expense"),
      "CSV: a contains rule categorises a new row", str(got))
check(got.get("Coffee Corner") == ("dining out", "expense"),
      "CSV: a rule overrides the file's own category", str(got))
check(got.get("Grocer") == ("groceries", "expense"), "CSV: no rule, the file's category stays", str(got))
check(got.get("Coffee fund") == ("transfer", "transfer"), "CSV: a transfer is never recategorised", str(got))
beans = sorted((x["amount_minor"], x["category"]) for x in all_transactions(tok, account_id=acct)[0]
               if x["description"] == "Coffee Bean")
check(beans == [(-2000, "dining out"), (-700, "treats")],
      "CSV: equals + amount range wins inside its range (magnitude 700), contains outside it",
      str(beans))

# ---- manual transactions ----
m = manual("Coffee Lab", -350)
check((m["category"], m["type"]) == ("dining out", "expense"),
      "manual without a category: the rule applies", str(m))
m = manual("Coffee Lab", -350, category="Work")
check(m["category"] == "work", "manual with a category the client chose: kept", str(m))
m = manual("Coffee Lab", 300)
check((m["category"], m["type"]) == ("dining out", "income"),
      "manual refund without a category: the rule applies, the type follows the sign", str(m))
m = manual("Coffee Lab", -350, type="transfer")
check((m["category"], m["type"]) == ("uncategorized", "transfer"),
      "manual transfer: no rule applies", str(m))
m = manual("Nothing Matches", -350)
check(m["category"] == "uncategorized", "manual without a matching rule: uncategorized", str(m))

# ---- which rule wins: the newest of equally specific ones; deleting it falls back ----
r = add_rule({"merchant": "TEA SHOP", "category": "drinks"})
newer = (r.json() or {}).get("id")
check(manual("tea shop", -200)["category"] == "drinks", "of two equal rules the newest wins")
r = add_rule({"merchant": "tea", "match": "contains", "category": "tea-acct", "account_id": acct2})
check(r.status == 201 and r.json()["account_id"] == acct2, "a rule bound to an account", r.body[:200])
check(manual("Tea Shop", -200)["category"] == "drinks" and
      manual("Tea Shop", -200, account=acct2)["category"] == "drinks" and
      manual("Tea House", -200, account=acct2)["category"] == "tea-acct" and
      manual("Tea House", -200)["category"] == "uncategorized",
      "equals beats an account-bound contains; the account rule applies on its account only")
r = request("DELETE", f"/api/v1/rules/{newer}", token=tok)
check(r.status == 204 and not r.body, "DELETE /rules/{id}: 204", r.body[:200])
check(manual("Tea Shop", -200)["category"] == "tea", "after the delete the older rule applies")
r = request("DELETE", f"/api/v1/rules/{newer}", token=tok)
check(is_error(r, 404, "not_found"), "deleting it again: 404")

# ---- applying a rule to past transactions ----
for merchant, account in (("Gym Co", acct), ("GYM CO", acct), ("Gym Co Monthly", acct),
                          ("Gym Co", acct2)):
    manual(merchant, -3000, account=account, category="misc")
manual("Gym Co", -3000, type="transfer", category="transfer")
r = add_rule({"merchant": "gym co", "category": "Fitness", "account_id": acct})
gym = (r.json() or {}).get("id")
v1 = data_version(uid)
r = request("POST", f"/api/v1/rules/{gym}/apply", token=tok)
check(r.status == 200 and r.json() == {"updated": 2},
      "apply: the two matching past transactions (equals, that account) are updated", r.body[:200])
cats = sorted((x["merchant"], x["account_id"] == acct, x["category"])
              for x in all_transactions(tok, q="gym")[0])
check(cats == sorted([("Gym Co", True, "fitness"), ("GYM CO", True, "fitness"),
                      ("Gym Co Monthly", True, "misc"), ("Gym Co", False, "misc"),
                      ("Gym Co", True, "transfer")]),
      "apply: non-matching rows and the transfer are left alone", str(cats))
check(data_version(uid) > v1, "apply that changed data bumps the data version")
r = get("/api/v1/analytics/categories", tok)
check(r.status == 200, "categories analytics still answer after apply", r.body[:200])
v2 = data_version(uid)
r = request("POST", f"/api/v1/rules/{gym}/apply", token=tok)
check(r.status == 200 and r.json() == {"updated": 0}, "apply again: nothing left to update", r.body[:200])
check(data_version(uid) == v2, "an apply that changed nothing leaves the data version")
r = request("POST", f"/api/v1/rules/{r_coffee}/apply", token=tok)
j = r.json() or {}
# "Coffee Lab" with "work" (1) and "Coffee Bean" -700 "treats" (1) are recategorised; the
# rest already are dining out, "Coffee fund" is a transfer.
check(r.status == 200 and j.get("updated") == 2,
      "apply a contains rule: overrides earlier categories, counts only changed rows", r.body[:200])

# ---- isolation between users ----
r = add_rule({"merchant": "Blue Bottle Coffee", "category": "b-coffee"}, token=tok_b)
rule_b = (r.json() or {}).get("id")
check(r.status == 201, "user B creates a rule", r.body[:200])
check(all(i["id"] != rule_b for i in get("/api/v1/rules", tok).json()["items"]),
      "A does not see B's rule")
r = request("DELETE", f"/api/v1/rules/{rule_b}", token=tok)
check(is_error(r, 404, "not_found"), "DELETE another user's rule: 404", r.body[:200])
r = request("POST", f"/api/v1/rules/{rule_b}/apply", token=tok)
check(is_error(r, 404, "not_found"), "apply another user's rule: 404", r.body[:200])
for bad_id in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
    check(is_error(request("DELETE", f"/api/v1/rules/{bad_id}", token=tok), 404, "not_found") and
          is_error(request("POST", f"/api/v1/rules/{bad_id}/apply", token=tok), 404, "not_found"),
          f"rule id {bad_id}: 404 for delete and apply")
check(nrules(uid_b) == 1, "B's rule is still there")
before_a = psql_one("SELECT string_agg(category, ',' ORDER BY id) FROM transactions WHERE user_id = :'a1'", uid)
r = request("POST", f"/api/v1/rules/{rule_b}/apply", token=tok_b)
check(r.status == 200 and r.json() == {"updated": 0}, "B's apply touches none of A's transactions",
      r.body[:200])
check(psql_one("SELECT string_agg(category, ',' ORDER BY id) FROM transactions WHERE user_id = :'a1'", uid)
      == before_a, "A's categories unchanged by B")
m = manual("Coffee Lab", -100, account=acct_b, token=tok_b)
check(m["category"] == "uncategorized", "A's rules do not categorise B's transactions", str(m))
r = request("GET", "/api/v1/rules")
check(r.status == 401, "GET /rules without a token: 401", str(r.status))

# ---- a Plaid sync takes the rules (private gateway on the Plaid test double) ----
plaid = fclib.PlaidGateway()
mock_url, gw_url = plaid.mock_url, plaid.url
try:
    tok_p, uid_p = new_user("rules-plaid")
    H = fclib.auth(tok_p)
    pub = fclib.request("POST", "/sandbox/public_token/create",
                        {"client_id": "test-client", "secret": "test-secret",
                         "institution_id": "ins_109508", "initial_products": ["transactions"]},
                        url=mock_url).json()["public_token"]
    r = fclib.request("POST", "/api/v1/plaid/exchange", {"public_token": pub}, headers=H, url=gw_url)
    check(r.status == 201, "Plaid: bank linked", r.body[:200])
    accts = {a["name"]: a["id"] for a in get("/api/v1/accounts", tok_p).json()["items"]}
    check(add_rule({"merchant": "plaid merchant 3", "category": "Coffee Shops"}, token=tok_p).status == 201
          and add_rule({"merchant": "merchant 5", "match": "contains", "category": "card only",
                        "account_id": accts.get("Plaid Credit Card")}, token=tok_p).status == 201
          and add_rule({"merchant": "ACME", "match": "contains", "category": "salary"},
                       token=tok_p).status == 201,
          "Plaid: rules created")
    r = fclib.request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url, timeout=60)
    check(r.status == 200 and (r.json() or {}).get("added") == 30, "Plaid: sync adds 30", r.body[:200])
    rows = {x["merchant"]: set() for x in all_transactions(tok_p)[0]}
    for x in all_transactions(tok_p)[0]:
        rows[x["merchant"]].add((x["category"], x["type"]))
    check(rows.get("Plaid Merchant 3") == {("coffee shops", "expense")},
          "Plaid: a synced transaction takes the rule's category over Plaid's", str(rows))
    check(rows.get("Plaid Merchant 5") == {("food and drink", "expense")},
          "Plaid: a rule bound to another account does not apply", str(rows))
    check(rows.get("Plaid Merchant 1") == {("food and drink", "expense")},
          "Plaid: without a rule Plaid's category stays", str(rows))
    check(rows.get("ACME Payroll") == {("salary", "income")},
          "Plaid: a rule on income keeps it income", str(rows))
    fclib.request("POST", "/__admin/add", {"transactions": [
        {"transaction_id": "tx-9101", "account_id": "acc-cc", "amount": 12.0, "iso_currency_code": "USD",
         "date": "2026-11-02", "name": "Plaid Merchant 5", "merchant_name": "Plaid Merchant 5",
         "personal_finance_category": {"primary": "GENERAL_MERCHANDISE"}}]}, url=mock_url)
    r = fclib.request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url, timeout=60)
    cat = psql_one("SELECT category FROM transactions WHERE user_id = :'a1' AND external_id = 'tx-9101'", uid_p)
    check(r.status == 200 and cat == "card only",
          "Plaid: a later sync on the rule's account takes the account-bound rule", f"{r.body[:200]!r} {cat}")
finally:
    plaid.stop()
done()
