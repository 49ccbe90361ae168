#!/usr/bin/env python3
"""36-money-calendar.py - the user's calendar, base currency, refunds and transfers (SPEC §15).

Starts its own gateway (build/bin/finchat-gateway) on a free port, on the stack's stores,
with FINCHAT_TEST_NOW=2026-11-30T20:00:00-08:00: 20:00 in Los Angeles on 30 November, already
04:00 UTC on 1 December. The stack's own gateway keeps the real clock, so `make test` needs no
special start; only this private gateway has the injected time (it is refused in production).

- GET /me shows base_currency USD and timezone UTC for a new user; PATCH /me sets them, a
  change bumps data_version; an unknown zone, an unknown or lower-case currency, a non-string
  answer 400 invalid_field and change nothing (users row and data_version compared).
- The same transactions for a Los Angeles user and a UTC user: the LA user's "this month" is
  November (dashboard month, categories, budgets, transactions?period=this_month summary,
  cash flow's last bucket, the context document), the UTC user's is December.
- A refund (positive amount in a spending category) lowers that category's spending,
  total expenses and budgets' spent by its amount, and leaves income and the savings rate's
  income unchanged; a transfer between the user's own accounts changes neither income nor
  expenses anywhere.

Environment: FINCHAT_URL, FINCHAT_PG_URL, FINCHAT_MONGO_URL. Needs python3 and psql."""
import os
import subprocess

import finlib
from fclib import Gateway, free_port
from finlib import check, context, done, get, is_error, new_account, new_user, psql_one, request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEST_NOW = "2026-11-30T20:00:00-08:00"
LA = "America/Los_Angeles"



def me_row(uid):
    return psql_one("SELECT currency || ' ' || timezone || ' ' || data_version FROM users WHERE id = :'a1'", uid)


def post_txn(tok, acct, amount, category, posted_at, merchant):
    r = request("POST", "/api/v1/transactions",
                {"account_id": acct, "amount_minor": amount, "merchant": merchant,
                 "category": category, "posted_at": posted_at}, token=tok)
    if r.status != 201:
        raise SystemExit(f"not ok - POST /transactions {merchant}: {r.status} {r.body[:300]!r}")
    return r.json()["transaction"]


def figures(tok):
    """This month as the API shows it: dashboard month, groceries spending, budget, summary."""
    d = get("/api/v1/dashboard", tok).json()
    cats = get("/api/v1/analytics/categories", tok).json()
    b = get("/api/v1/budgets", tok).json()
    s = get("/api/v1/transactions", tok, period="this_month", summary="true").json()
    groceries = {i["category"]: i["amount_minor"] for i in cats["items"]}.get("groceries")
    spent = {i["category"]: i["spent_minor"] for i in b["items"]}.get("groceries")
    return {"month": d["month"]["month"], "income": d["month"]["income_minor"],
            "expenses": d["month"]["expenses_minor"], "rate": d["month"]["savings_rate_pct"],
            "groceries": groceries, "cat_total": cats["total_minor"], "budget_month": b["month"],
            "budget_spent": spent, "sum_income": s["summary"]["income_minor"],
            "sum_expenses": s["summary"]["expenses_minor"], "sum_count": s["summary"]["count"],
            "cashflow_last": d["cashflow"][-1]}


# ---- PATCH /me on the stack's gateway ---------------------------------------------------
tok_la, uid_la = new_user("cal-la")
tok_utc, uid_utc = new_user("cal-utc")
r = get("/api/v1/me", tok_la)
u = (r.json() or {}).get("user", {})
check(r.status == 200 and u.get("base_currency") == "USD" and u.get("timezone") == "UTC",
      "GET /me: a new user has base_currency USD and timezone UTC", r.body[:200])
before = me_row(uid_la)
r = request("PATCH", "/api/v1/me", {"timezone": LA}, token=tok_la)
u = (r.json() or {}).get("user", {})
check(r.status == 200 and u.get("timezone") == LA and u.get("base_currency") == "USD",
      "PATCH /me {timezone} answers the updated user", r.body[:200])
after = me_row(uid_la)
check(after.split()[1] == LA and int(after.split()[2]) == int(before.split()[2]) + 1,
      "PATCH /me stores the zone and bumps data_version", f"{before} -> {after}")
r = get("/api/v1/me", tok_la)
check(r.json()["user"]["timezone"] == LA, "GET /me shows the new zone")

bad = [({"timezone": "Mars/Olympus_Mons"}, "an unknown zone"),
       ({"timezone": "America/Los_Angeles'; DROP TABLE users;--"}, "SQL in the zone"),
       ({"timezone": ""}, "an empty zone"),
       ({"timezone": 5}, "a number as zone"),
       ({"base_currency": "XYZ"}, "an unknown currency"),
       ({"base_currency": "usd"}, "a lower-case currency"),
       ({"base_currency": "EUR", "timezone": "Nowhere/Town"}, "a good currency with a bad zone"),
       ({"base_currency": "ZZZ", "timezone": "Europe/Paris"}, "a good zone with a bad currency")]
for body, what in bad:
    r = request("PATCH", "/api/v1/me", body, token=tok_la)
    check(is_error(r, 400, "invalid_field"), f"PATCH /me with {what} is 400 invalid_field", r.body[:200])
    check(me_row(uid_la) == after, f"... and changes nothing ({what})")
r = request("PATCH", "/api/v1/me", "[1]", token=tok_la, ctype="application/json")
check(r.status == 400 and me_row(uid_la) == after, "PATCH /me with a non-object body is 400")
r = request("PATCH", "/api/v1/me", {"timezone": LA}, token=tok_la)
check(r.status == 200 and me_row(uid_la) == after, "PATCH /me with the same zone changes nothing (no bump)")
r = request("PATCH", "/api/v1/me", {"base_currency": "EUR"}, token=tok_utc)
check(r.status == 200 and r.json()["user"]["base_currency"] == "EUR" and r.json()["user"]["timezone"] == "UTC",
      "PATCH /me {base_currency: EUR}", r.body[:200])
r = request("PATCH", "/api/v1/me", {"base_currency": "USD"}, token=tok_utc)
check(r.status == 200 and r.json()["user"]["base_currency"] == "USD", "PATCH /me back to USD")
r = request("PATCH", "/api/v1/me", {"timezone": LA})
check(r.status == 401, "PATCH /me without a token is 401")

# ---- a private gateway at 20:00 in Los Angeles on 30 November -----------------------------
gateway = os.path.join(ROOT, "build/bin/finchat-gateway")
env = dict(os.environ, FINCHAT_HTTP_ADDR=f"127.0.0.1:{free_port()}", FINCHAT_TEST_NOW=TEST_NOW)
prod = subprocess.run([gateway], env=dict(env, FINCHAT_ENV="production", FINCHAT_JWT_SECRET="x" * 40,
                                          FINCHAT_DATA_KEY="ab" * 32),
                      capture_output=True, text=True, timeout=30)
check(prod.returncode != 0 and "FINCHAT_TEST_NOW" in prod.stderr,
      "the gateway refuses FINCHAT_TEST_NOW in production", prod.stderr[:200])
gw = Gateway(FINCHAT_TEST_NOW=TEST_NOW)
saved = finlib.URL
try:
    finlib.URL = gw.url
    users = {"la": (tok_la, uid_la), "utc": (tok_utc, uid_utc)}
    acct = {}
    for k, (tok, _) in users.items():
        chk = new_account(tok, "Checking", "checking", 0)
        sav = new_account(tok, "Savings", "savings", 0)
        acct[k] = (chk, sav)
        request("PUT", "/api/v1/budgets", {"items": [{"category": "groceries", "limit_minor": 10000}]}, token=tok)
        post_txn(tok, chk, 300000, "income", "2026-11-15T12:00:00Z", "Acme Payroll")
        post_txn(tok, chk, -2000, "groceries", "2026-11-10T12:00:00Z", "Corner Market")
        # 19:00 on 30 November in Los Angeles, 03:00 on 1 December in UTC.
        post_txn(tok, chk, -5000, "groceries", "2026-12-01T03:00:00Z", "Late Grocer")

    la, utc = figures(tok_la), figures(tok_utc)
    check(la["month"] == "2026-11", "Los Angeles at 20:00 on 30 November: this month is November", la["month"])
    check(utc["month"] == "2026-12", "UTC at the same instant: this month is December", utc["month"])
    check(la["income"] == 300000 and la["expenses"] == 7000,
          "LA's month: November's salary and both grocery runs", str(la))
    check(utc["income"] == 0 and utc["expenses"] == 5000, "UTC's month: only the 1 December purchase", str(utc))
    check(la["groceries"] == 7000 and utc["groceries"] == 5000, "categories of this month follow each calendar")
    check(la["budget_month"] == "2026-11" and la["budget_spent"] == 7000, "LA's budget month is November", str(la))
    check(utc["budget_month"] == "2026-12" and utc["budget_spent"] == 5000, "UTC's budget month is December", str(utc))
    check(la["sum_count"] == 3 and la["sum_expenses"] == 7000 and la["sum_income"] == 300000,
          "period=this_month summary is LA's November", str(la))
    check(utc["sum_count"] == 1 and utc["sum_expenses"] == 5000, "period=this_month summary is UTC's December", str(utc))
    check(la["cashflow_last"]["month"] == "2026-11" and utc["cashflow_last"]["month"] == "2026-12",
          "cash flow ends with each user's own month")
    r = get("/api/v1/transactions", tok_la, period="today")
    check(r.status == 200 and [t["merchant"] for t in r.json()["items"]] == ["Late Grocer"],
          "period=today is LA's 30 November", r.body[:300])
    ctx = context(uid_la) or {}
    check(ctx.get("this_month", {}).get("month") == "2026-11" and ctx["this_month"]["expenses_minor"] == 7000,
          "the LA user's context document: this month is November", str(ctx.get("this_month")))
    check(ctx.get("last_30_days", {}).get("to") == "2026-11-30", "the context's last 30 days end on LA's today",
          str(ctx.get("last_30_days", {}).get("to")))
    ctx = context(uid_utc) or {}
    check(ctx.get("this_month", {}).get("month") == "2026-12", "the UTC user's context: this month is December")

    # A refund: positive amount in a spending category.
    post_txn(tok_la, acct["la"][0], 1500, "groceries", "2026-11-20T12:00:00Z", "Corner Market refund")
    la2 = figures(tok_la)
    check(la2["groceries"] == la["groceries"] - 1500 and la2["cat_total"] == la["cat_total"] - 1500,
          "a refund lowers its category's spending and the categories' total", f"{la} -> {la2}")
    check(la2["expenses"] == la["expenses"] - 1500 and la2["sum_expenses"] == la["sum_expenses"] - 1500,
          "... and the month's expenses (dashboard and summary)")
    check(la2["budget_spent"] == la["budget_spent"] - 1500, "... and the budget's spent")
    check(la2["income"] == la["income"] and la2["sum_income"] == la["sum_income"],
          "a refund is not income", f"{la['income']} -> {la2['income']}")
    # 98.2 (one decimal); counting the refund as income would give 97.7.
    check(abs(la2["rate"] - 100.0 * (300000 - 5500) / 300000) <= 0.05,
          "the savings rate divides by income without the refund", str(la2["rate"]))
    check(la2["cashflow_last"]["income_minor"] == 300000 and la2["cashflow_last"]["expenses_minor"] == 5500,
          "cash flow: refund lowers expenses, income unchanged", str(la2["cashflow_last"]))

    # A transfer between the user's own accounts: neither income nor spending.
    chk, sav = acct["la"]
    post_txn(tok_la, chk, -40000, "transfer", "2026-11-21T12:00:00Z", "To savings")
    post_txn(tok_la, sav, 40000, "transfer", "2026-11-21T12:00:01Z", "From checking")
    la3 = figures(tok_la)
    same = {k: la3[k] == la2[k] for k in ("income", "expenses", "groceries", "cat_total", "budget_spent",
                                          "sum_income", "sum_expenses", "rate", "cashflow_last")}
    check(all(same.values()), "a transfer between own accounts changes neither income nor spending", str(same))
    check(la3["sum_count"] == la2["sum_count"] + 2, "... though both legs are listed")
    cats = get("/api/v1/analytics/categories", tok_la).json()
    check("transfer" not in [i["category"] for i in cats["items"]], "transfers are not a spending category")
finally:
    finlib.URL = saved
    gw.stop()
done()
