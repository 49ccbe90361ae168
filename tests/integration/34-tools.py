#!/usr/bin/env python3
"""34-tools.py - the assistant's tools through the gateway (SPEC §14), against the running stack.

For every tool of proto/tools.json, POST /api/v1/tools/{name} answers exactly the body of the
REST route that computes it for the same question, for the demo user and for a fresh user
with data made here. The REST extensions the tools need: merchant (LIKE wildcards taken
literally), period (echoed with its dates and label; refused with from/to), summary=true
over every matching row, not only the page; budgets of a given month. Errors: unknown tool,
bad arguments (with a hint), another user's account id (nothing of theirs comes back).
The tool token: read from the finchat.chat.requests message a chat question produced (kcat),
it reads only its user's data, a tampered one is 401, and it is refused on every other route.
Its expiry (deadline + 60 s) is checked by tests/unit/api-gateway/auth/test_tool_token.c, so
this test does not wait three minutes for it.

Environment: FINCHAT_URL, FINCHAT_PG_URL, FINCHAT_KAFKA_BROKERS. Needs python3, psql, kcat."""
import base64
import datetime
import http.client
import json
import os
import subprocess
import time
import urllib.parse

from finlib import URL, all_transactions, check, done, get, is_error, login, new_account, new_user, request
from fclib import Gateway

BROKERS = os.environ.get("FINCHAT_KAFKA_BROKERS", "127.0.0.1:19092")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOGUE = json.load(open(os.path.join(ROOT, "proto", "tools.json")))["tools"]

today = datetime.datetime.now(datetime.timezone.utc).date()
last_month = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")


def tool(name, args, token):
    return request("POST", f"/api/v1/tools/{name}", args, token=token)


def questions(account_id):
    """(tool, arguments, REST path) for every tool; simulate's arguments are also its body."""
    def tx(**q):
        return "/api/v1/transactions?" + urllib.parse.urlencode({**q, "summary": "true"})
    return [
        ("get_accounts", {}, "/api/v1/accounts"),
        ("search_transactions", {}, tx()),
        ("search_transactions", {"merchant": "Target", "period": "last_90_days", "limit": 5},
         tx(merchant="Target", period="last_90_days", limit=5)),
        ("search_transactions", {"q": "grocer", "type": "expense", "sort": "amount_asc", "limit": 3},
         tx(q="grocer", type="expense", sort="amount_asc", limit=3)),
        ("search_transactions", {"account_id": account_id, "min_minor": 1000, "max_minor": 500000,
                                 "period": "this_year"},
         tx(account_id=account_id, min_minor=1000, max_minor=500000, period="this_year")),
        ("search_transactions", {"category": "groceries", "period": last_month},
         tx(category="groceries", period=last_month)),
        ("spending_by_category", {}, "/api/v1/analytics/categories"),
        ("spending_by_category", {"period": "last_month"}, "/api/v1/analytics/categories?period=last_month"),
        ("spending_by_category", {"period": "last_30_days"}, "/api/v1/analytics/categories?period=last_30_days"),
        ("cashflow", {}, "/api/v1/analytics/cashflow"),
        ("cashflow", {"months": 12}, "/api/v1/analytics/cashflow?months=12"),
        ("net_worth_history", {"months": 3}, "/api/v1/analytics/networth?months=3"),
        ("get_budgets", {}, "/api/v1/budgets"),
        ("get_budgets", {"month": last_month}, f"/api/v1/budgets?month={last_month}"),
        ("get_subscriptions", {}, "/api/v1/analytics/subscriptions"),
        ("get_fraud_alerts", {}, "/api/v1/insights/fraud-alerts"),
        ("get_fraud_alerts", {"status": "all"}, "/api/v1/insights/fraud-alerts?status=all"),
        ("get_health_score", {}, "/api/v1/insights/health-score"),
        ("forecast", {"months": 3}, "/api/v1/forecast?months=3"),
        ("simulate", {"savings_rate": 15.5, "expense_change_pct": -10, "annual_return_pct": 4,
                      "monthly_extra_minor": 2500, "months": 36}, "/api/v1/simulate"),
    ]


def same_as_rest(who, token, account_id):
    for name, args, path in questions(account_id):
        t = tool(name, args, token)
        r = (request("POST", path, args, token=token) if name == "simulate" else get(path, token))
        got = t.json() or {}
        check(t.status == 200 and r.status == 200 and got.get("tool") == name
              and got.get("result") == r.json(),
              f"{who}: {name} {json.dumps(args)} equals {'POST' if name == 'simulate' else 'GET'} {path.split('?')[0]}",
              f"{t.status} {t.body[:300]!r} / {r.status} {r.body[:300]!r}")
    check({q[0] for q in questions(account_id)} == {c["name"] for c in CATALOGUE},
          f"{who}: every tool of proto/tools.json was asked")


def summary_of(items):
    inc = sum(t["amount_minor"] for t in items if t["type"] == "income")
    exp = -sum(t["amount_minor"] for t in items if t["type"] == "expense")
    return {"count": len(items), "income_minor": inc, "expenses_minor": exp, "net_minor": inc - exp}


def b64json(seg):
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def kafka_request(request_id, timeout=30):
    """The finchat.chat.requests message of @request_id, read back with kcat."""
    end = time.time() + timeout
    while time.time() < end:
        out = subprocess.run(["kcat", "-C", "-b", BROKERS, "-t", "finchat.chat.requests", "-o", "-300",
                              "-e", "-q", "-f", "%s\n"], capture_output=True, text=True, timeout=60).stdout
        for line in out.splitlines():
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("request_id") == request_id:
                return m
        time.sleep(0.5)
    return None


def ask(token, text):
    """Posts a chat question for @token's user; returns (request id, its Kafka message)."""
    conv = request("POST", "/api/v1/conversations", {"title": "tools test"}, token=token).json()["id"]
    r = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": text}, token=token)
    rid = (r.json() or {}).get("request_id") if r.status == 202 else None
    return rid, (kafka_request(rid) if rid else None)


def burst(token, n, source, url):
    """The statuses of @n get_accounts calls with @token to @url, all from the address @source."""
    u = urllib.parse.urlsplit(url)
    out = []
    for _ in range(n):
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30, source_address=(source, 0))
        conn.request("POST", "/api/v1/tools/get_accounts", body=b"{}",
                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        out.append(conn.getresponse().status)
        conn.close()
    return out


# ---- the catalogue ----------------------------------------------------------------------------

demo = login()
demo_id = get("/api/v1/me", demo).json()["user"]["id"]
r = get("/api/v1/tools", demo)
items = (r.json() or {}).get("items", [])
check(r.status == 200 and [t["name"] for t in items] == [c["name"] for c in CATALOGUE]
      and all(t["parameters"]["type"] == "object" and t["description"] for t in items),
      "GET /api/v1/tools lists the 11 tools of proto/tools.json in order", r.body[:200])
check(all("$ref" not in json.dumps(t["parameters"]) for t in items), "the listed schemas have no $ref left")

# ---- the demo user: every tool equals its REST answer -----------------------------------------

demo_accounts = get("/api/v1/accounts", demo).json()["items"]
same_as_rest("demo", demo, demo_accounts[0]["id"])

r = tool("search_transactions", {"period": "last_90_days", "limit": 5}, demo)
res = (r.json() or {}).get("result", {})
every, _ = all_transactions(demo, period="last_90_days")
want = summary_of(every)
check(r.status == 200 and len(res.get("items", [])) == 5 and res.get("next_cursor")
      and {k: res["summary"][k] for k in want} == want and res["summary"]["currency"] == "USD"
      and res["summary"]["count"] > 5,
      "search_transactions: the summary counts every match, not only the page of 5",
      f"{res.get('summary')} vs {want}")
p = res.get("period", {})
check(p.get("to") == today.isoformat() and p.get("from") == (today - datetime.timedelta(days=89)).isoformat()
      and p.get("label"), "search_transactions: the period echoed with its dates and label", str(p))

# ---- a fresh user with data of their own ------------------------------------------------------

fresh, fresh_id = new_user("tools")
acct = new_account(fresh, "Tools Checking", opening=120000)
card = new_account(fresh, "Tools Card", type_="credit")
made = [(acct, -4210, "Corner Grocer", "groceries"), (acct, -1999, "Target", "shopping"),
        (card, -2650, "TARGET Store 12", "shopping"), (acct, -875, "100% Juice Bar", "dining"),
        (acct, -640, "Under_score Deli", "dining"), (acct, 310000, "Payroll", "income")]
for account, amount, merchant, category in made:
    r = request("POST", "/api/v1/transactions", {"account_id": account, "amount_minor": amount,
                                                 "merchant": merchant, "category": category}, token=fresh)
    check(r.status == 201, f"fresh user: transaction at {merchant} created", r.body[:200])
request("PUT", "/api/v1/budgets", {"items": [{"category": "dining", "limit_minor": 1000},
                                             {"category": "groceries", "limit_minor": 50000}]}, token=fresh)
same_as_rest("fresh user", fresh, acct)


def merchants(args):
    r = tool("search_transactions", args, fresh)
    return sorted(t["merchant"] for t in (r.json() or {}).get("result", {}).get("items", []))


check(merchants({"merchant": "target"}) == ["TARGET Store 12", "Target"],
      "merchant contains, case-insensitive, across accounts", str(merchants({"merchant": "target"})))
check(merchants({"merchant": "%"}) == ["100% Juice Bar"], "merchant: % is a literal character",
      str(merchants({"merchant": "%"})))
check(merchants({"merchant": "_"}) == ["Under_score Deli"], "merchant: _ is a literal character",
      str(merchants({"merchant": "_"})))
check(merchants({"merchant": "' OR 1=1 --"}) == [], "merchant: SQL metacharacters find nothing")
r = tool("search_transactions", {"merchant": "target"}, fresh)
s = (r.json() or {}).get("result", {}).get("summary")
check(s == {"count": 2, "income_minor": 0, "expenses_minor": 4649, "net_minor": -4649, "currency": "USD"},
      "fresh user: the summary of the Target purchases", str(s))
r = tool("get_budgets", {}, fresh)
b = {i["category"]: i["spent_minor"] for i in (r.json() or {}).get("result", {}).get("items", [])}
check(b == {"dining": 1515, "groceries": 4210}, "fresh user: budgets spent this month", str(b))
r = tool("get_budgets", {"month": last_month}, fresh)
res = (r.json() or {}).get("result", {})
check(r.status == 200 and res.get("month") == last_month
      and all(i["spent_minor"] == 0 for i in res.get("items", [])) and len(res.get("items", [])) == 2,
      "fresh user: last month's budgets, nothing spent then", r.body[:300])

# ---- the REST extensions ----------------------------------------------------------------------

r = get("/api/v1/transactions", demo, period="last_month", **{"from": "2026-01-01"})
check(is_error(r, 400, "invalid_field") and "period" in r.json()["error"]["message"],
      "GET /transactions: period with from is 400", r.body[:200])
r = get("/api/v1/analytics/categories", demo, period="last_month", to="2026-01-31")
check(is_error(r, 400, "invalid_field"), "GET /analytics/categories: period with to is 400")
for bad in ("next_week", "2026-13", "2026-02-30", "2026-03-05..2026-03-01", "1969"):
    r = get("/api/v1/transactions", demo, period=bad)
    check(is_error(r, 400, "invalid_field"), f"GET /transactions?period={bad} is 400", r.body[:200])
r = get("/api/v1/transactions", demo, summary="yes")
check(is_error(r, 400, "invalid_field"), "GET /transactions?summary=yes is 400")
r = get("/api/v1/transactions", demo, limit=3)
check(r.status == 200 and "summary" not in r.json() and "period" not in r.json(),
      "GET /transactions without summary or period: the body is as before")
for bad in ("2026-13", "2026-1", "202611", "last_month"):
    r = get("/api/v1/budgets", demo, month=bad)
    check(is_error(r, 400, "invalid_field"), f"GET /budgets?month={bad} is 400", r.body[:200])
r = get("/api/v1/analytics/categories", demo, period="2026-10")
check(r.status == 200 and r.json().get("period") == {"from": "2026-10-01", "to": "2026-10-31", "label": "October 2026"},
      "GET /analytics/categories?period=2026-10 echoes October 2026", r.body[-200:])
r2 = get("/api/v1/analytics/categories", demo, **{"from": "2026-10-01", "to": "2026-10-31"})
check(r2.status == 200 and r2.json()["items"] == r.json()["items"]
      and r2.json()["total_minor"] == r.json()["total_minor"],
      "categories: period 2026-10 equals from/to of October")
r = get("/api/v1/budgets", demo, month="2026-02")
check(r.status == 200 and r.json().get("month") == "2026-02"
      and r.json().get("period", {}).get("to") == "2026-02-28", "GET /budgets?month=2026-02 covers February",
      r.body[:200])

# ---- errors -----------------------------------------------------------------------------------

r = tool("drop_tables", {}, demo)
e = (r.json() or {}).get("error", {})
check(is_error(r, 404, "unknown_tool") and "get_accounts" in e.get("hint", ""),
      "an unknown tool is 404 unknown_tool with a hint listing the tools", r.body[:300])
r = tool("search_transactions", {"limit": 500}, demo)
e = (r.json() or {}).get("error", {})
check(is_error(r, 400, "invalid_arguments") and "limit" in e["message"] and "merchant" in e.get("hint", ""),
      "bad arguments: 400 invalid_arguments naming the argument, with a hint", r.body[:300])
r = tool("get_accounts", {"user_id": fresh_id}, demo)
check(is_error(r, 400, "invalid_arguments"), "a user_id argument is refused, not obeyed", r.body[:200])
r = tool("cashflow", [3], demo)
check(is_error(r, 400, "invalid_arguments"), "arguments that are not an object are 400")
r = request("POST", "/api/v1/tools/cashflow", raw=b"{\"months\":", ctype="application/json", token=demo)
check(is_error(r, 400, "invalid_json"), "malformed JSON is 400 invalid_json")
r = request("POST", "/api/v1/tools/cashflow", raw=b"", token=demo)
check(r.status == 200 and len(r.json()["result"]["items"]) == 6, "an empty body means no arguments")

# ---- another user's ids -------------------------------------------------------------------------

r = tool("search_transactions", {"account_id": demo_accounts[0]["id"]}, fresh)
e = (r.json() or {}).get("error", {})
check(is_error(r, 404, "not_found") and "items" not in r.json() and e.get("hint"),
      "another user's account id: 404 with a hint, none of their rows", r.body[:300])
r = tool("search_transactions", {"limit": 200}, fresh)
ids = {t["account_id"] for t in r.json()["result"]["items"]}
check(ids == {acct, card}, "a user's search finds only that user's accounts", str(ids))

# ---- API keys -----------------------------------------------------------------------------------

key = request("POST", "/api/v1/api-keys", {"name": "tools test"}, token=fresh).json()["key"]
r = tool("get_accounts", {}, key)
check(r.status == 200 and {a["id"] for a in r.json()["result"]["items"]} == {acct, card},
      "an API key calls the tools as its user", r.body[:200])

# ---- the tool token of a chat request -----------------------------------------------------------

rid, msg = ask(fresh, "How much did I spend at Target?")
tt = (msg or {}).get("tool_token")
check(bool(tt), "the chat request on Kafka carries a tool token")
if tt:
    claims = b64json(tt.split(".")[1])
    check(claims.get("typ") == "tool" and claims.get("sub") == fresh_id and claims.get("rid") == rid
          and claims.get("exp") == (msg["deadline_ms"] + 999) // 1000 + 60,
          "its claims: typ tool, the user, the request, exp = deadline + 60 s", str(claims))
    r = tool("get_accounts", {}, tt)
    check(r.status == 200 and {a["id"] for a in r.json()["result"]["items"]} == {acct, card},
          "the tool token reads its user's accounts")
    r = tool("search_transactions", {"merchant": "target"}, tt)
    check(r.status == 200 and r.json()["result"] == get("/api/v1/transactions", fresh, merchant="target",
                                                        summary="true").json(),
          "the tool token's search equals its user's REST answer")
    r = tool("search_transactions", {"account_id": demo_accounts[0]["id"]}, tt)
    check(is_error(r, 404, "not_found"), "the tool token cannot reach the demo user's account")
    head, body, sig = tt.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": demo_id}).encode()).decode().rstrip("=")
    for bad, what in ((f"{head}.{body}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BA'}", "a tampered signature"),
                      (f"{head}.{forged}.{sig}", "its claims changed to the demo user")):
        r = tool("get_accounts", {}, bad)
        check(is_error(r, 401, "unauthorized") and "bearer" in (r.header("www-authenticate") or "").lower(),
              f"{what} is 401", r.body[:200])
    for method, path, body in (("GET", "/api/v1/accounts", None), ("GET", "/api/v1/tools", None),
                               ("GET", "/api/v1/me", None), ("GET", "/api/v1/transactions", None),
                               ("POST", "/api/v1/api-keys", {"name": "x"}),
                               ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                               ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]})):
        r = request(method, path, body, token=tt)
        check(is_error(r, 401, "unauthorized"), f"the tool token is refused on {method} {path}", r.body[:200])
    # The workers make every user's tool calls from a few addresses: a call with a tool token is
    # counted per chat request, not against the address (a session's calls still are).
    # On a gateway of the test's own with a low per-address limit: `make test` runs the stack's
    # gateway with the limits raised.
    if urllib.parse.urlsplit(URL).hostname.startswith("127."):
        gw = Gateway(FINCHAT_RATE_LIMIT=60)
        statuses = burst(fresh, 100, "127.0.99.7", gw.url)
        limit = statuses.index(429) if 429 in statuses else None
        check(limit is not None, "a session's calls from one address meet the per-address limit",
              f"{len(statuses)} calls, none 429")
        rid2, msg2 = ask(fresh, "What did I spend on dining?")
        tt2 = (msg2 or {}).get("tool_token")
        n = (limit or 60) * 3 // 4
        statuses = burst(tt, n, "127.0.99.8", gw.url) + burst(tt2 or "", n, "127.0.99.8", gw.url)
        gw.stop()
        check(tt2 and statuses.count(200) == len(statuses),
              f"{len(statuses)} tool-token calls of two answers from one address all pass (limit {limit})",
              str({x: statuses.count(x) for x in set(statuses)}))
    else:
        print("ok - tool-token calls are limited per answer, not per address # SKIP needs a loopback stack")
done()
