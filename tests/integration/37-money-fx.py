#!/usr/bin/env python3
"""37-money-fx.py - currencies (SPEC §15) through real HTTP: exchange rates and totals in the
user's base currency.

PUT /fx-rates and POST /fx-rates/import (the ECB daily and historical fixtures of
tests/fixtures/ecb/) store rates that GET /fx-rates answers as of a date (the latest on or
before it). A USD user with USD, EUR and JPY accounts sees each balance converted
(balance_base_minor), net worth on the dashboard, in GET /analytics/networth (each month-end at
that day's rate) and in the assistant's context document, spending by category and the
transactions' summary in USD, all computed here from the rates the test wrote (EUR->JPY->USD
as a cross rate through EUR, JPY having no minor unit). An ISK account (no ISK rate anywhere)
is not added to any total and is named in missing_rates. Bad codes, rates, dates and XML answer
400 invalid_field with the error shape and change nothing (fx_rates and the user's
data_version compared before and after).

Environment: FINCHAT_URL, FINCHAT_PG_URL, FINCHAT_MONGO_URL. Needs python3 and psql."""
import datetime
import os
from decimal import ROUND_HALF_UP, Decimal, getcontext

from finlib import check, context, done, get, is_error, new_user, psql, psql_one, request

getcontext().prec = 40
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def fixture(name):
    with open(os.path.join(ROOT, "tests/fixtures/ecb", name), "rb") as f:
        return f.read()


def rnd(x):
    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fx_state():
    return psql("SELECT count(*), coalesce(max(updated_at)::text, ''),"
                " coalesce(sum(rate), 0)::text FROM fx_rates")


tok, uid = new_user("fx")
now = datetime.datetime.now(datetime.timezone.utc)
today = now.date()
month_end = today.replace(day=1) - datetime.timedelta(days=1)  # last day of the previous month
earlier = now - datetime.timedelta(days=40)                    # always before month_end

# ---- rates: PUT, GET as of a date ----
R_OLD = {"USD": "1.2", "JPY": "155"}  # the day of the earlier transaction
R_END = {"USD": "1.25", "JPY": "150"}
R_NOW = {"USD": "1.1", "JPY": "160"}
r = request("PUT", "/api/v1/fx-rates", {"date": earlier.date().isoformat(), "base": "EUR",
                                         "rates": {k: float(v) for k, v in R_OLD.items()}}, token=tok)
check(r.status == 200, "PUT /fx-rates stores the rates of 40 days ago", r.body[:200])
r = request("PUT", "/api/v1/fx-rates", {"date": month_end.isoformat(), "base": "EUR",
                                         "rates": {k: float(v) for k, v in R_END.items()}}, token=tok)
check(r.status == 200 and r.json().get("stored") == 2, "PUT /fx-rates stores the month-end rates",
      r.body[:200])
r = request("PUT", "/api/v1/fx-rates", {"date": today.isoformat(), "base": "EUR",
                                         "rates": {k: float(v) for k, v in R_NOW.items()}}, token=tok)
check(r.status == 200 and r.json().get("stored") == 2, "PUT /fx-rates stores today's rates")
g = get("/api/v1/fx-rates", tok, date=month_end.isoformat(), base="EUR").json() or {}
check(g.get("rates", {}).get("USD") == 1.25 and g.get("days", {}).get("USD") == month_end.isoformat(),
      "GET /fx-rates as of the month's end: that day's rate", str(g)[:300])
g = get("/api/v1/fx-rates", tok, date=(today + datetime.timedelta(days=3)).isoformat()).json() or {}
check(g.get("base") == "EUR" and g.get("rates", {}).get("JPY") == 160.0,
      "GET /fx-rates after today: the latest rate on or before the date (base EUR by default)")

# ---- ECB imports ----
r = request("POST", "/api/v1/fx-rates/import", token=tok, raw=fixture("eurofxref-daily.xml"),
            ctype="application/xml")
check(r.status == 200 and r.json() == {"stored": 5, "from": "2026-11-20", "to": "2026-11-20"},
      "import eurofxref-daily.xml: 5 rates of one day", r.body[:200])
r = request("POST", "/api/v1/fx-rates/import", token=tok, raw=fixture("eurofxref-hist.xml"),
            ctype="text/xml")
check(r.status == 200 and r.json() == {"stored": 10, "from": "2007-12-31", "to": "2026-11-13"},
      "import eurofxref-hist.xml: 10 rates over four days, the retired CYP and SKK skipped", r.body[:200])
check(psql_one("SELECT count(*) FROM fx_rates WHERE quote IN ('CYP', 'SKK')") == "0",
      "no rate stored for a retired currency")
g = get("/api/v1/fx-rates", tok, date="2026-11-10").json() or {}
check(g.get("rates", {}).get("CHF") == 0.93 and g.get("days", {}).get("CHF") == "2026-11-06",
      "an imported rate is answered for the days after it, until the next one", str(g)[:300])
check(psql_one("SELECT rate::text FROM fx_rates WHERE base = 'EUR' AND quote = 'JPY'"
               " AND day = '2026-11-06'") == "159.25", "the ECB rate is stored exactly (numeric)")

# ---- a USD user with USD, EUR and JPY accounts ----
def account(name, currency, opening):
    r = request("POST", "/api/v1/accounts", {"name": name, "type": "checking", "currency": currency,
                                             "opening_balance_minor": opening}, token=tok)
    check(r.status == 201 and r.json()["account"]["currency"] == currency,
          f"POST /accounts in {currency}", r.body[:200])
    return r.json()["account"]["id"]


def txn(acct, amount, when, category):
    r = request("POST", "/api/v1/transactions", {"account_id": acct, "amount_minor": amount,
                                                 "merchant": "FX test " + category, "category": category,
                                                 "posted_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
                token=tok)
    check(r.status == 201 and r.json()["transaction"]["currency"] in ("EUR", "JPY"),
          f"transaction of {amount} in the account's currency", r.body[:200])


usd = account("Dollars", "USD", 100000)
eur = account("Euros", "EUR", 0)
jpy = account("Yen", "JPY", 10000)
txn(eur, 50000, earlier, "salary")
txn(eur, 20000, now - datetime.timedelta(minutes=2), "salary")
txn(eur, -3000, now - datetime.timedelta(minutes=1), "dining")

eur_usd_now = Decimal(R_NOW["USD"])
jpy_usd_now = Decimal(R_NOW["USD"]) / (Decimal(R_NOW["JPY"]) / 100)  # USD cents per yen
eur_base = rnd(67000 * eur_usd_now)
jpy_base = rnd(10000 * jpy_usd_now)
net_worth = 100000 + eur_base + jpy_base

accts = {a["id"]: a for a in get("/api/v1/accounts", tok).json()["items"]}
check(accts[eur]["balance_minor"] == 67000 and accts[eur]["currency"] == "EUR"
      and accts[eur]["balance_base_minor"] == eur_base,
      "the EUR account keeps its own currency; its balance in USD at today's rate",
      f"{accts[eur]} want {eur_base}")
check(accts[jpy]["balance_base_minor"] == jpy_base and accts[usd]["balance_base_minor"] == 100000,
      "JPY converts through EUR with its own minor units; USD stays as it is",
      f"{accts[jpy]} want {jpy_base}")
d = get("/api/v1/dashboard", tok).json()
check(d["currency"] == "USD" and d["net_worth_minor"] == net_worth and d["missing_rates"] == [],
      "dashboard: net worth converted at today's rate, no missing rate",
      f"{d['net_worth_minor']} want {net_worth}, missing {d.get('missing_rates')}")
nw = get("/api/v1/analytics/networth", tok, months=2).json()
want_end = rnd(50000 * Decimal(R_END["USD"]))  # only the EUR income existed then
check([i["net_worth_minor"] for i in nw["items"]] == [want_end, net_worth]
      and nw["currency"] == "USD" and nw["missing_rates"] == [],
      "net worth history: last month's end at that day's rate, this month at today's",
      f"{nw} want {[want_end, net_worth]}")
cats = get("/api/v1/analytics/categories", tok, period="this_month").json()
dining = {i["category"]: i["amount_minor"] for i in cats["items"]}.get("dining")
check(dining == rnd(3000 * eur_usd_now) and cats["missing_rates"] == [],
      "spending by category in USD at the day's rate", str(cats)[:300])
cf = get("/api/v1/analytics/cashflow", tok, months=3).json()
month = {i["month"]: i["income_minor"] for i in cf["items"]}.get(earlier.strftime("%Y-%m"))
check(month == rnd(50000 * Decimal(R_OLD["USD"])) and cf["missing_rates"] == [],
      "cash flow: the income of 40 days ago in USD at that day's rate", str(cf)[:400])
s = get("/api/v1/transactions", tok, period="this_month", summary="true").json()["summary"]
check(s["currency"] == "USD" and s["expenses_minor"] == rnd(3000 * eur_usd_now),
      "the transactions' summary in USD", str(s))
ctx = context(uid) or {}
check(ctx.get("currency") == "USD" and ctx.get("net_worth_minor") == net_worth
      and ctx.get("missing_rates") == [], "the context document: base currency, converted net worth",
      str({k: ctx.get(k) for k in ("currency", "net_worth_minor", "missing_rates")}))

# ---- a currency without any rate ----
isk = account("Kronur", "ISK", 5000)
accts = {a["id"]: a for a in get("/api/v1/accounts", tok).json()["items"]}
body = get("/api/v1/accounts", tok).json()
check(accts[isk]["balance_base_minor"] is None and body["missing_rates"] == ["ISK"],
      "an account without a rate: balance_base_minor null, missing_rates [ISK]", str(body)[:300])
d = get("/api/v1/dashboard", tok).json()
check(d["net_worth_minor"] == net_worth and d["missing_rates"] == ["ISK"],
      "dashboard: the ISK balance is not added as dollars, missing_rates says ISK",
      f"{d['net_worth_minor']} {d.get('missing_rates')}")
nw = get("/api/v1/analytics/networth", tok, months=2).json()
check(nw["items"][-1]["net_worth_minor"] == net_worth and nw["missing_rates"] == ["ISK"],
      "net worth history names the missing rate too", str(nw))
ctx = context(uid) or {}
check(ctx.get("net_worth_minor") == net_worth and ctx.get("missing_rates") == ["ISK"],
      "the context document names the missing rate", str(ctx.get("missing_rates")))

# ---- bad input: 400 invalid_field, nothing written ----
before, version = fx_state(), psql_one("SELECT data_version FROM users WHERE id = :'a1'", uid)
day = today.isoformat()
bad_puts = [
    {"date": day, "base": "XXX", "rates": {"USD": 1.1}},
    {"date": day, "base": "eur", "rates": {"USD": 1.1}},
    {"date": day, "base": "EUR", "rates": {"usd": 1.1}},
    {"date": day, "base": "EUR", "rates": {"EUR": 1.0}},
    {"date": day, "base": "EUR", "rates": {"USD": 0}},
    {"date": day, "base": "EUR", "rates": {"USD": -1.1}},
    {"date": day, "base": "EUR", "rates": {"USD": "1.1"}},
    {"date": day, "base": "EUR", "rates": {"USD": 1e12}},
    {"date": day, "base": "EUR", "rates": {"USD": 1.1, "GBP": None}},
    {"date": day, "base": "EUR", "rates": {}},
    {"date": day, "base": "EUR"},
    {"date": "2026-02-30", "base": "EUR", "rates": {"USD": 1.1}},
    {"date": "yesterday", "base": "EUR", "rates": {"USD": 1.1}},
    {"base": "EUR", "rates": {"USD": 1.1}},
]
for b in bad_puts:
    r = request("PUT", "/api/v1/fx-rates", b, token=tok)
    check(is_error(r, 400, "invalid_field"), f"PUT /fx-rates {b} -> 400 invalid_field", r.body[:200])
bad_xml = [b"", b"date,rate\n2026-01-01,1.1\n",
           fixture("eurofxref-daily.xml").replace(b"rate='0.85000'", b"rate='-0.85'"),
           fixture("eurofxref-hist.xml").replace(b'currency="CHF" rate="0.9250"', b'currency="ZZZ" rate="0.9250"'),
           fixture("eurofxref-hist.xml").replace(b"2026-10-30", b"2026-13-30"),
           fixture("eurofxref-hist.xml")[:400]]
for x in bad_xml:
    r = request("POST", "/api/v1/fx-rates/import", token=tok, raw=x, ctype="application/xml")
    check(is_error(r, 400, "invalid_field"), f"import of bad XML ({x[:30]!r}...) -> 400 invalid_field",
          r.body[:200])
r = request("GET", "/api/v1/fx-rates?date=2026-02-30", token=tok)
check(is_error(r, 400, "invalid_field"), "GET /fx-rates with a date that does not exist -> 400")
r = request("GET", "/api/v1/fx-rates?base=ABC", token=tok)
check(is_error(r, 400, "invalid_field"), "GET /fx-rates with an unknown base -> 400")
check(fx_state() == before and psql_one("SELECT data_version FROM users WHERE id = :'a1'", uid) == version,
      "refused requests changed no rate and no total")
r = request("PUT", "/api/v1/fx-rates", {"date": day, "base": "EUR", "rates": {"USD": 1.1}})
check(r.status == 401, "writing rates needs a signed-in user")
done()
