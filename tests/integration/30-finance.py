#!/usr/bin/env python3
"""30-finance.py - the finance API of SPEC §4 through real HTTP, with proto/API.md shapes.

Covers every finance endpoint for the demo user and for fresh users: dashboard figures equal
the sums of the transactions they summarise (computed from GET /transactions and, separately,
in PostgreSQL); balances equal the sums of their accounts' transactions; filters and sorts of
GET /transactions; POST /transactions with fraud scoring (duplicate, night, amount rules) and
alerts; PATCH; alerts resolve (and 409 on a second resolve); analytics, health score,
forecast, simulate (checked against the rounding rule computed here), budgets, goals.
Hostile cases: SQL metacharacters and Unicode in q, another user's ids answer 404, bad fields
answer 400 invalid_field naming the field and change nothing in PostgreSQL (row counts, sums
and budgets compared before and after).

Environment: FINCHAT_URL (http://127.0.0.1:8080), FINCHAT_PG_URL. Needs python3 and psql."""
import datetime

from finlib import (all_transactions, check, done, get, is_error, login, new_account,
                    new_user, psql, psql_one, request, snapshot)

TXN_KEYS = {"id", "account_id", "account_name", "posted_at", "amount_minor", "currency",
            "merchant", "description", "category", "type", "note", "fraud_score"}
ACCOUNT_KEYS = {"id", "name", "type", "institution", "balance_minor", "currency", "mask",
                "balance_base_minor"}
ALERT_KEYS = {"id", "transaction_id", "score", "level", "reasons", "status", "created_at",
              "resolved_at", "transaction"}
HEALTH_KEYS = ["savings_consistency", "debt_ratio", "spending_discipline", "emergency_fund",
               "investments", "subscription_efficiency"]
HEALTH_MAX = [20, 20, 20, 20, 10, 10]

now = datetime.datetime.now(datetime.timezone.utc)
month_first = now.date().replace(day=1)
next_month = (month_first + datetime.timedelta(days=32)).replace(day=1)
month_last = next_month - datetime.timedelta(days=1)
this_month = month_first.strftime("%Y-%m")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the demo user --------------------------------------------------------------------------

demo = login()
demo_id = psql_one("SELECT id FROM users WHERE lower(email) = 'demo@finchat.dev'")

r = get("/api/v1/accounts", demo)
accounts = r.json()["items"] if r.status == 200 else []
check(r.status == 200 and len(accounts) >= 4 and all(set(a) == ACCOUNT_KEYS for a in accounts)
      and all(is_int(a["balance_minor"]) for a in accounts), "GET /accounts: Account shape",
      r.body[:200])
types = {a["type"] for a in accounts}
check({"checking", "savings", "credit", "investment"} <= types, "demo has all four account types")
rows = psql("SELECT a.id, a.balance_minor, coalesce(sum(t.amount_minor), 0) FROM accounts a"
            " LEFT JOIN transactions t ON t.account_id = a.id WHERE a.user_id = :'a1'"
            " GROUP BY a.id, a.balance_minor", demo_id)
check(rows and all(x[1] == x[2] for x in rows), "every demo balance equals the sum of its transactions",
      str(rows))

r = get("/api/v1/dashboard", demo)
d = r.json() or {}
check(r.status == 200 and {"currency", "net_worth_minor", "accounts", "month", "cashflow",
                           "top_categories", "recent_transactions", "fraud_alerts",
                           "health_score", "briefing"} <= set(d), "GET /dashboard shape",
      r.body[:300])
check(d.get("net_worth_minor") == sum(a["balance_minor"] for a in d.get("accounts", [])),
      "dashboard net worth = sum of account balances")
check(d.get("month", {}).get("month") == this_month, "dashboard month is the current UTC month")
check(len(d.get("cashflow", [])) == 6 and d["cashflow"][-1]["month"] == this_month
      and [c["month"] for c in d["cashflow"]] == sorted(c["month"] for c in d["cashflow"]),
      "dashboard cashflow: 6 months, oldest first, ending this month")
check(all(c["net_minor"] == c["income_minor"] - c["expenses_minor"] for c in d.get("cashflow", [])),
      "cashflow net = income - expenses")
check(len(d.get("recent_transactions", [])) == 10
      and all(set(t) == TXN_KEYS for t in d["recent_transactions"]),
      "dashboard has 10 recent transactions in the Transaction shape")
check(isinstance(d.get("briefing"), dict) and d["briefing"].get("text"), "demo has a cached briefing")
check(all(set(a) >= ALERT_KEYS and a["status"] == "open" for a in d.get("fraud_alerts", [])),
      "dashboard fraud alerts are open FraudAlerts")
every = get("/api/v1/insights/fraud-alerts", demo, status="all").json()["items"]
levels = {a["level"] for a in every}
check(len(every) >= 3 and "high" in levels and "review" in levels
      and any(a["score"] >= 50 and any("23:00" in x for x in a["reasons"]) for a in every)
      and any(any("duplicate" in x for x in a["reasons"]) for a in every),
      "the planted anomalies raised alerts: night purchase and duplicate (high), outlier (review)",
      str([(a["score"], a["level"]) for a in every]))
hs = d.get("health_score", {})
check([p["key"] for p in hs.get("parts", [])] == HEALTH_KEYS
      and [p["max_points"] for p in hs["parts"]] == HEALTH_MAX
      and hs["score"] == sum(p["points"] for p in hs["parts"]) and 0 <= hs["score"] <= 100
      and all(p["reason"] and 0 <= p["points"] <= p["max_points"] for p in hs["parts"]),
      "health score: six parts with value, points and reason", str(hs)[:300])

# Dashboard figures against the transactions they summarise, through the API ...
month_items, _ = all_transactions(demo, **{"from": month_first.isoformat(), "to": month_last.isoformat()})
inc = sum(t["amount_minor"] for t in month_items if t["type"] == "income")
exp = -sum(t["amount_minor"] for t in month_items if t["type"] == "expense")
check(d["month"]["income_minor"] == inc and d["month"]["expenses_minor"] == exp,
      "dashboard income/expenses = sums of this month's listed transactions",
      f"{d['month']} vs {inc}/{exp}")
cats = {}
for t in month_items:
    if t["type"] == "expense":
        cats[t["category"]] = cats.get(t["category"], 0) - t["amount_minor"]
check(all(cats.get(c["category"]) == c["amount_minor"] for c in d["top_categories"])
      and [c["amount_minor"] for c in d["top_categories"]] == sorted(cats.values(), reverse=True)[:5],
      "top categories = the largest category sums of this month", str(d["top_categories"]))
# ... and in PostgreSQL.
for c in d["cashflow"]:
    row = psql("SELECT coalesce(sum(amount_minor) FILTER (WHERE type = 'income'), 0),"
               " coalesce(-sum(amount_minor) FILTER (WHERE type = 'expense'), 0)"
               " FROM transactions WHERE user_id = :'a1'"
               " AND to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM') = :'a2'", demo_id, c["month"])[0]
    if not check([int(row[0]), int(row[1])] == [c["income_minor"], c["expenses_minor"]],
                 f"cashflow {c['month']} = SQL sums", f"{row} vs {c}"):
        break
sav = d["month"]["savings_rate_pct"]
check(inc == 0 or abs(sav - round((inc - exp) * 100 / inc, 1)) < 0.051, "savings rate = (income - expenses) / income")
check(len(d["fraud_alerts"]) == int(psql_one(
    "SELECT count(*) FROM fraud_alerts WHERE user_id = :'a1' AND status = 'open'", demo_id)),
    "dashboard lists every open alert")

# ---- fresh users A and B ----------------------------------------------------------------------

tok_a, uid_a = new_user("a")
tok_b, uid_b = new_user("b")
acct_a = new_account(tok_a, "A Checking", "checking", 250000)
card_a = new_account(tok_a, "A Card", "credit", 0)
acct_b = new_account(tok_b, "B Checking", "checking", 100000)
r = get("/api/v1/accounts", tok_a)
check(r.status == 200 and {a["id"] for a in r.json()["items"]} == {acct_a, card_a}
      and [a["balance_minor"] for a in r.json()["items"] if a["id"] == acct_a] == [250000],
      "POST /accounts: new accounts listed with the opening balance")
r = get("/api/v1/dashboard", tok_b)
check(r.status == 200 and r.json()["net_worth_minor"] == 100000 and r.json()["briefing"] is None
      and r.json()["month"]["income_minor"] == 0, "a new user's dashboard: opening balance, no briefing")


def post_txn(token, **body):
    return request("POST", "/api/v1/transactions", body, token=token)


# Known transactions for A this month: the dashboard must add them up exactly.
base = now.replace(hour=12, minute=0, second=0, microsecond=0)
if base > now:
    base -= datetime.timedelta(days=1)
day1 = max(base - datetime.timedelta(days=2), datetime.datetime.combine(
    month_first, datetime.time(12, 0), datetime.timezone.utc))
made = []
plan = [(acct_a, 500000, "Employer Inc", "income"), (acct_a, -120000, "Landlord", "housing"),
        (card_a, -4550, "Grocer", "groceries"), (card_a, -2599, "Cafe Uno", "dining"),
        (card_a, -3100, "Grocer", "groceries"), (acct_a, -900, "Bus", "transport")]
for i, (acct, amt, merchant, cat) in enumerate(plan):
    when = day1 + datetime.timedelta(minutes=17 * i)
    r = post_txn(tok_a, account_id=acct, amount_minor=amt, merchant=merchant, category=cat,
                 posted_at=ts(min(when, now)))
    made.append(r)
check(all(r.status == 201 for r in made), "POST /transactions: 201 for each", str([r.status for r in made]))
t0 = made[0].json() or {}
check(set(t0.get("transaction", {})) == TXN_KEYS and set(t0.get("fraud", {})) >= {"score", "reasons", "alert_id"},
      "POST /transactions body: transaction + fraud", str(t0)[:200])
check(t0["transaction"]["type"] == "income" and made[1].json()["transaction"]["type"] == "expense",
      "type follows the sign of amount_minor")
r = get("/api/v1/dashboard", tok_a)
da = r.json()
exp_income = 500000
exp_exp = 120000 + 4550 + 2599 + 3100 + 900
check(da["month"]["income_minor"] == exp_income and da["month"]["expenses_minor"] == exp_exp,
      "A's dashboard month = the sums of the posted transactions", str(da["month"]))
check(da["net_worth_minor"] == 250000 + sum(p[1] for p in plan), "A's net worth moved by every amount")
check(da["month"]["savings_rate_pct"] == round((exp_income - exp_exp) * 100 / exp_income, 1),
      "A's savings rate")
check([(c["category"], c["amount_minor"]) for c in da["top_categories"]][:2]
      == [("housing", 120000), ("groceries", 7650)], "A's top categories", str(da["top_categories"]))
check(abs(sum(c["share_pct"] for c in da["top_categories"]) - 100) < 0.5, "category shares add to 100 %")
bal = {x[0]: int(x[1]) for x in psql("SELECT id, balance_minor FROM accounts WHERE user_id = :'a1'", uid_a)}
check(bal == {acct_a: 250000 + 500000 - 120000 - 900, card_a: -4550 - 2599 - 3100},
      "balances updated in the same transaction as the inserts", str(bal))

# Fraud: a duplicate within minutes (+30, +20 when under 3 min) and a night purchase.
r1 = post_txn(tok_a, account_id=card_a, amount_minor=-4242, merchant="Dup Shop", category="shopping")
r2 = post_txn(tok_a, account_id=card_a, amount_minor=-4242, merchant="Dup Shop", category="shopping")
f2 = r2.json()["fraud"] if r2.status == 201 else {}
check(f2.get("score", 0) >= 50 and f2.get("level") == "high" and f2.get("alert_id")
      and any("duplicate" in x for x in f2.get("reasons", [])),
      "a repeated charge within minutes is a high-risk alert with a reason", str(f2))
night = (now - datetime.timedelta(days=1)).replace(hour=3, minute=7, second=0, microsecond=0)
r3 = post_txn(tok_a, account_id=card_a, amount_minor=-1500, merchant="Night Owl Diner",
              category="dining", posted_at=ts(night))
f3 = r3.json()["fraud"] if r3.status == 201 else {}
check(r3.status == 201 and f3.get("score") == 25 and f3.get("alert_id") is None
      and "03:07" in " ".join(f3.get("reasons", [])), "night-time rule alone scores 25, no alert", str(f3))
r4 = post_txn(tok_a, account_id=card_a, amount_minor=-99999, merchant="Grocer", category="groceries",
              posted_at=ts(now - datetime.timedelta(minutes=1)))
f4 = r4.json()["fraud"] if r4.status == 201 else {}
check(f4.get("score", 0) >= 40 and f4.get("level") in ("review", "high")
      and any("average" in x for x in f4.get("reasons", [])), "amount > 3.5x the merchant average is flagged", str(f4))
al = get("/api/v1/insights/fraud-alerts", tok_a).json()["items"]
check({f2.get("alert_id"), f4.get("alert_id")} <= {a["id"] for a in al}
      and all(a["status"] == "open" and set(a) >= ALERT_KEYS for a in al),
      "GET /insights/fraud-alerts lists the new open alerts")
check(int(psql_one("SELECT count(*) FROM fraud_alerts WHERE user_id = :'a1' AND level = 'review'", uid_a)) >= 1
      or f4.get("level") == "high", "a score from 30 is logged as a review alert")

# PATCH and resolve.
tid = made[3].json()["transaction"]["id"]
r = request("PATCH", f"/api/v1/transactions/{tid}", {"category": "Restaurants", "note": "with Sam ☕"}, token=tok_a)
check(r.status == 200 and r.json()["transaction"]["category"] == "restaurants"
      and r.json()["transaction"]["note"] == "with Sam ☕", "PATCH /transactions/{id} sets category and note")
aid = f2.get("alert_id")
r = request("POST", f"/api/v1/insights/fraud-alerts/{aid}/resolve", {"resolution": "fraud"}, token=tok_a)
check(r.status == 200 and r.json()["alert"]["status"] == "resolved" and r.json()["alert"]["resolved_at"],
      "resolve an alert")
r = request("POST", f"/api/v1/insights/fraud-alerts/{aid}/resolve", {}, token=tok_a)
check(is_error(r, 409, "conflict"), "resolving twice is 409 conflict")
r = get("/api/v1/insights/fraud-alerts", tok_a, status="resolved")
check(r.status == 200 and [a["id"] for a in r.json()["items"]] == [aid], "status=resolved filter")

# ---- GET /transactions filters and sorts (A's known data) ----------------------------------

items, _ = all_transactions(tok_a)
check(len(items) == int(psql_one("SELECT count(*) FROM transactions WHERE user_id = :'a1'", uid_a)),
      "every transaction is listed once")
for sort, key, rev in [("date_desc", "posted_at", True), ("date_asc", "posted_at", False),
                       ("amount_desc", "amount_minor", True), ("amount_asc", "amount_minor", False)]:
    got, _ = all_transactions(tok_a, limit=3, sort=sort)
    vals = [t[key] for t in got]
    check(vals == sorted(vals, reverse=rev) and len(got) == len(items), f"sort={sort} across pages")
got, _ = all_transactions(tok_a, type="income")
check(got and all(t["type"] == "income" for t in got), "type filter")
got, _ = all_transactions(tok_a, category="groceries")
check(len(got) == 3 and all(t["category"] == "groceries" for t in got), "category filter")
got, _ = all_transactions(tok_a, account_id=card_a)
check(got and all(t["account_id"] == card_a for t in got), "account_id filter")
got, _ = all_transactions(tok_a, min_minor=4000, max_minor=5000)
check(sorted(abs(t["amount_minor"]) for t in got) == [4242, 4242, 4550], "min/max compare magnitudes",
      str([t["amount_minor"] for t in got]))
got, _ = all_transactions(tok_a, q="gRoCeR")
check(len(got) == 3 and all(t["merchant"] == "Grocer" for t in got), "q is a case-insensitive substring")
got, _ = all_transactions(tok_a, **{"from": night.date().isoformat(), "to": night.date().isoformat()})
check(any(t["merchant"] == "Night Owl Diner" for t in got)
      and all(t["posted_at"].startswith(night.date().isoformat()) for t in got), "from/to are inclusive UTC dates")

# Hostile q: metacharacters match literally; Unicode round-trips; nothing breaks.
weird = ["100% Pure_Juice\\Bar", "O'Brien's; DROP TABLE transactions;--", "Café ☕ 東京 🍣", "שלום"]
for m in weird:
    post_txn(tok_a, account_id=acct_a, amount_minor=-101, merchant=m, category="misc")
for q, want in [("%", ["100% Pure_Juice\\Bar"]), ("_", ["100% Pure_Juice\\Bar"]),
                ("\\", ["100% Pure_Juice\\Bar"]), ("s; DROP TABLE", ["O'Brien's; DROP TABLE transactions;--"]),
                ("café ☕", ["Café ☕ 東京 🍣"]), ("🍣", ["Café ☕ 東京 🍣"]), ("שלו", ["שלום"]),
                ("' OR '1'='1", []), ("%%%%", [])]:
    r = get("/api/v1/transactions", tok_a, q=q, limit=200)
    got = sorted(t["merchant"] for t in r.json()["items"]) if r.status == 200 else None
    check(got == sorted(want), f"q={q!r} matches literally", str(got))
check(psql_one("SELECT to_regclass('transactions') IS NOT NULL") == "t", "the transactions table survived")
r = request("GET", "/api/v1/transactions?q=%FF%FE", token=tok_a)
check(is_error(r, 400, "invalid_field") and "q" in r.json()["error"]["message"], "invalid UTF-8 in q is 400")
r = get("/api/v1/transactions", tok_a, q="x" * 201)
check(is_error(r, 400, "invalid_field"), "an over-long q is 400")

# ---- another user's ids are 404, and change nothing ---------------------------------------

before_a = snapshot(uid_a)
before_demo = snapshot(demo_id)
demo_txn = get("/api/v1/transactions", demo, limit=1).json()["items"][0]
demo_alert = get("/api/v1/insights/fraud-alerts", demo, status="all").json()["items"][0]
demo_acct = accounts[0]["id"]
cases = [
    ("GET", f"/api/v1/transactions?account_id={demo_acct}", None),
    ("PATCH", f"/api/v1/transactions/{demo_txn['id']}", {"note": "mine now"}),
    ("POST", f"/api/v1/insights/fraud-alerts/{demo_alert['id']}/resolve", {"resolution": "legitimate"}),
    ("POST", "/api/v1/transactions", {"account_id": demo_acct, "amount_minor": -100, "merchant": "x"}),
]
for method, path, body in cases:
    r = request(method, path, body, token=tok_b)
    check(is_error(r, 404, "not_found"), f"user B: {method} {path.split('?')[0]} on the demo user's id is 404")
r = request("POST", f"/api/v1/imports?account_id={demo_acct}", raw=b"date,description,amount\n2026-01-01,x,-1\n",
            ctype="text/csv", token=tok_b)
check(is_error(r, 404, "not_found"), "user B: import into the demo user's account is 404")
check(snapshot(demo_id) == before_demo and psql_one(
    "SELECT note FROM transactions WHERE id = :'a1'", demo_txn["id"]) == demo_txn["note"]
    and psql_one("SELECT status FROM fraud_alerts WHERE id = :'a1'", demo_alert["id"]) == demo_alert["status"],
    "the demo user's rows are untouched")
r = request("PATCH", "/api/v1/transactions/00000000-0000-4000-8000-000000000000", {"note": "x"}, token=tok_a)
check(is_error(r, 404, "not_found"), "unknown transaction id is 404")
r = request("PATCH", "/api/v1/transactions/1%20OR%201=1", {"note": "x"}, token=tok_a)
check(is_error(r, 404, "not_found"), "a malformed id is 404")
check(snapshot(uid_a) == before_a, "user A unchanged by B's attempts")

# ---- bad fields are 400 invalid_field naming the field, and nothing changes -----------------

before_a = snapshot(uid_a)
bad_posts = [
    ({"account_id": "nope", "amount_minor": -1, "merchant": "m"}, "account_id"),
    ({"account_id": acct_a, "amount_minor": 0, "merchant": "m"}, "amount_minor"),
    ({"account_id": acct_a, "amount_minor": 12.5, "merchant": "m"}, "amount_minor"),
    ({"account_id": acct_a, "amount_minor": "-100", "merchant": "m"}, "amount_minor"),
    ({"account_id": acct_a, "amount_minor": 10 ** 16, "merchant": "m"}, "amount_minor"),
    ({"account_id": acct_a, "amount_minor": -1}, "merchant"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "   "}, "merchant"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "x" * 121}, "merchant"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "bell\u0007"}, "merchant"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "category": 7}, "category"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "posted_at": "2026-13-01"}, "posted_at"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "posted_at": "2999-01-01T00:00:00Z"}, "posted_at"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "currency": "usd"}, "currency"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "currency": "EUR"}, "currency"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "type": "income"}, "type"),
    ({"account_id": acct_a, "amount_minor": -1, "merchant": "m", "description": "d" * 501}, "description"),
]
for body, field in bad_posts:
    r = post_txn(tok_a, **body)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"],
          f"POST /transactions: bad {field} is 400 naming it", r.body[:160])
r = request("POST", "/api/v1/transactions", raw=b"[1,2]", ctype="application/json", token=tok_a)
check(r.status == 400, "a non-object body is 400")
for body, field in [({"category": ""}, "category"), ({"note": 5}, "note"), ({}, "category")]:
    r = request("PATCH", f"/api/v1/transactions/{tid}", body, token=tok_a)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"],
          f"PATCH: bad {field} is 400", r.body[:160])
for q, field in [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "ten"}, "limit"),
                 ({"sort": "random"}, "sort"), ({"type": "gift"}, "type"), ({"from": "2026-02-30"}, "from"),
                 ({"to": "yesterday"}, "to"), ({"min_minor": -1}, "min_minor"),
                 ({"min_minor": 5, "max_minor": 4}, "min_minor"), ({"account_id": "abc"}, "account_id"),
                 ({"cursor": "not-a-cursor"}, "cursor"), ({"from": "2026-02-02", "to": "2026-02-01"}, "from")]:
    r = get("/api/v1/transactions", tok_a, **q)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"],
          f"GET /transactions: bad {field} is 400", r.body[:160])
page = get("/api/v1/transactions", tok_a, limit=2, sort="date_desc").json()
r = get("/api/v1/transactions", tok_a, limit=2, sort="amount_asc", cursor=page["next_cursor"])
check(is_error(r, 400, "invalid_field"), "a cursor of another sort order is 400")
for body, field in [({"items": "x"}, "items"), ({"items": [{"category": "a", "limit_minor": -5}]}, "limit_minor"),
                    ({"items": [{"category": "a", "limit_minor": 1}, {"category": "A", "limit_minor": 2}]}, "category"),
                    ({"items": [{"limit_minor": 1}]}, "category"), ({"items": [{"category": "a", "limit_minor": 1.5}]}, "limit_minor")]:
    r = request("PUT", "/api/v1/budgets", body, token=tok_a)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"],
          f"PUT /budgets: bad {field} is 400", r.body[:160])
for body, field in [({"savings_rate": 101}, "savings_rate"), ({"months": 0}, "months"), ({"months": 601}, "months"),
                    ({"annual_return_pct": 51}, "annual_return_pct"), ({"expense_change_pct": -101}, "expense_change_pct"),
                    ({"monthly_extra_minor": 1.5}, "monthly_extra_minor")]:
    r = request("POST", "/api/v1/simulate", body, token=tok_a)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"],
          f"POST /simulate: bad {field} is 400", r.body[:160])
for path, q, field in [("/api/v1/forecast", {"months": 61}, "months"), ("/api/v1/analytics/cashflow", {"months": 0}, "months"),
                       ("/api/v1/analytics/networth", {"months": "x"}, "months"),
                       ("/api/v1/analytics/categories", {"from": "2026-1-1"}, "from"),
                       ("/api/v1/insights/fraud-alerts", {"status": "closed"}, "status")]:
    r = get(path, tok_a, **q)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"], f"GET {path}: bad {field} is 400")
r = request("POST", f"/api/v1/insights/fraud-alerts/{f4.get('alert_id')}/resolve", {"resolution": "maybe"}, token=tok_a)
check(is_error(r, 400, "invalid_field") and "resolution" in r.json()["error"]["message"], "resolve: bad resolution is 400")
for body, field in [({"name": "x", "type": "bitcoin"}, "type"), ({"type": "checking"}, "name"),
                    ({"name": "x", "type": "checking", "opening_balance_minor": "5"}, "opening_balance_minor"),
                    # Only ISO 4217 codes of proto/currencies.json: their minor units are known.
                    ({"name": "x", "type": "checking", "currency": "XYZ"}, "currency"),
                    ({"name": "x", "type": "checking", "currency": "HRK"}, "currency"),
                    ({"name": "x", "type": "checking", "currency": "usd"}, "currency")]:
    r = request("POST", "/api/v1/accounts", body, token=tok_a)
    check(is_error(r, 400, "invalid_field") and field in r.json()["error"]["message"], f"POST /accounts: bad {field} is 400")
check(snapshot(uid_a) == before_a, "no refused request changed anything in PostgreSQL")

# ---- analytics, insights, forecast, simulate, budgets, goals --------------------------------

r = get("/api/v1/analytics/cashflow", demo, months=3)
check(r.status == 200 and len(r.json()["items"]) == 3 and r.json()["items"][-1]["month"] == this_month,
      "cashflow?months=3")
r = get("/api/v1/analytics/categories", tok_a, **{"from": month_first.isoformat(), "to": month_last.isoformat()})
j = r.json() or {}
check(r.status == 200 and j["total_minor"] == sum(i["amount_minor"] for i in j["items"])
      and all(set(i) == {"category", "amount_minor", "count", "share_pct"} for i in j["items"])
      and {i["category"]: i["count"] for i in j["items"]}.get("groceries") == 3,
      "categories: totals, counts and shares", r.body[:200])
r = get("/api/v1/analytics/networth", demo, months=6)
nw = r.json()["items"] if r.status == 200 else []
check(len(nw) == 6 and nw[-1]["net_worth_minor"] == d["net_worth_minor"], "networth ends at today's net worth")
r = get("/api/v1/analytics/subscriptions", demo)
subs = r.json() if r.status == 200 else {}
names = {s["merchant"] for s in subs.get("items", [])}
check({"Netflix", "Spotify"} <= names and "Parkside Apartments" not in names
      and subs["monthly_total_minor"] == sum(s["amount_minor"] for s in subs["items"])
      and all(s["cadence"] == "monthly" and s["annual_minor"] == 12 * s["amount_minor"] and s["count"] >= 3
              for s in subs["items"]), "subscriptions: recurring merchants, bills excluded", str(names))
r = get("/api/v1/insights/health-score", demo)
check(r.status == 200 and r.json() == d["health_score"], "health-score endpoint = dashboard health score")
r = get("/api/v1/forecast", demo, months=12)
f = r.json() or {}
sc = f.get("scenarios", {})
check(r.status == 200 and all(len(sc.get(k, [])) == 12 for k in ("conservative", "expected", "optimistic"))
      and all(c["balance_minor"] <= e["balance_minor"] <= o["balance_minor"]
              for c, e, o in zip(sc["conservative"], sc["expected"], sc["optimistic"]))
      and f["start_balance_minor"] == d["net_worth_minor"], "forecast: three ordered 12-month scenarios from net worth")
check(sc["expected"][0]["balance_minor"] == f["start_balance_minor"] + f["monthly_net_minor"]["expected"]
      and sc["expected"][11]["balance_minor"] == f["start_balance_minor"] + 12 * f["monthly_net_minor"]["expected"],
      "forecast: expected = start + months x average monthly net")


def simulate_here(start, income, expenses, rate_bp, change_bp, ret_bp, extra, months):
    def rnd(n, dd):
        q, rem = divmod(abs(n), dd)
        q += 1 if 2 * rem >= dd else 0
        return q if n >= 0 else -q
    contrib = rnd(income * rate_bp, 10000) + extra - rnd(expenses * change_bp, 10000)
    bal, series = start, []
    for _ in range(months):
        bal += rnd(bal * ret_bp, 120000)
        bal += contrib
        series.append(bal)
    return contrib, series


body = {"savings_rate": 15, "monthly_extra_minor": 12345, "expense_change_pct": -7.5,
        "annual_return_pct": 6.25, "months": 36, "start_minor": 1000003}
r = request("POST", "/api/v1/simulate", body, token=demo)
s = r.json() or {}
if check(r.status == 200 and len(s.get("series", [])) == 36, "POST /simulate", r.body[:200]):
    base_inc, base_exp = s["baseline"]["income_minor"], s["baseline"]["expenses_minor"]
    contrib, series = simulate_here(1000003, base_inc, base_exp, 1500, -750, 625, 12345, 36)
    check(s["monthly_contribution_minor"] == contrib and [p["balance_minor"] for p in s["series"]] == series,
          "simulate: monthly compounding with half-away rounding matches the rule, to the cent")
    check(s["final_minor"] == series[-1] and s["total_contributions_minor"] == 36 * contrib
          and s["total_growth_minor"] == series[-1] - 1000003 - 36 * contrib, "simulate totals")

spent_g = int(psql_one("SELECT coalesce(-sum(amount_minor), 0) FROM transactions WHERE user_id = :'a1'"
                       " AND category = 'groceries' AND type = 'expense'"
                       " AND posted_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
                       uid_a))
r = request("PUT", "/api/v1/budgets", {"items": [{"category": "Groceries", "limit_minor": spent_g * 10 // 9},
                                                   {"category": "misc", "limit_minor": 1},
                                                   {"category": "transport", "limit_minor": 100000}]}, token=tok_a)
b = {i["category"]: i for i in r.json()["items"]} if r.status == 200 else {}
check(b.get("groceries", {}).get("spent_minor") == spent_g and b["groceries"]["status"] == "warning"
      and b["misc"]["status"] == "exceeded" and b["transport"]["status"] == "ok"
      and r.json()["month"] == this_month, "PUT /budgets: spent this month, 80 % warning, 100 % exceeded", str(b))
r2 = get("/api/v1/budgets", tok_a)
check(r2.status == 200 and r2.json() == r.json(), "GET /budgets = the PUT answer")
check(psql("SELECT category, limit_minor FROM budgets WHERE user_id = :'a1' ORDER BY 1", uid_a)
      == [["groceries", str(spent_g * 10 // 9)], ["misc", "1"], ["transport", "100000"]],
      "PUT /budgets replaced the set in PostgreSQL")
r = get("/api/v1/goals", demo)
g = r.json()["items"] if r.status == 200 else []
check(len(g) >= 3 and all(set(x) >= {"id", "name", "target_minor", "current_minor", "target_date"} for x in g),
      "GET /goals shape")
r = get("/api/v1/goals", tok_b)
check(r.status == 200 and r.json()["items"] == [], "a new user has no goals")
r = get("/api/v1/dashboard", "not-a-token")
check(r.status == 401, "finance routes need authentication")
done()
