"""75-analyst-questions: the offline analyst answers ordinary questions with the right figure.

Through the whole pipeline (gateway, Kafka, a worker whose chain ends in the analyst with the
assistant's tools), as the demo user: 150 questions in varied wordings (calendar periods, named
months with and without a year, quarters, day ranges in unambiguous date formats, counted
spans, merchants, misspelt merchants, categories and their everyday names, accounts, metrics,
typos, lower case, no question mark). Each question's expected figure is computed at test time
from the REST API (the user's transactions, accounts, budgets, net worth and subscriptions),
in the user's calendar (UTC), and the answer read from the SSE stream to its final event must
hold it. Questions the data cannot answer, or with a date that reads both ways, must get no
money figure at all. Prints "analyst questions: N/150 right" and fails below
FINCHAT_ANALYST_MIN_RIGHT (150)."""
import datetime as dt
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fclib import URL, auth, check, done, login, request  # noqa: E402

H = auth(login())
TODAY = dt.datetime.now(dt.timezone.utc).date()
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


# ---- money and percentages as finchat writes them (common/money.h, analyst_fmt.h) ----

def money(minor):
    sign = "-" if minor < 0 else ""
    v = abs(minor)
    return f"{sign}${v // 100:,}.{v % 100:02d}"


def pct(num, den):
    neg = (num < 0) != (den < 0) and num != 0
    n, d = abs(num), abs(den)
    tenths = (n * 10000 // d + 5) // 10
    if tenths == 0:
        neg = False
    return f"{'-' if neg else ''}{tenths // 10}.{tenths % 10}%"


# ---- the user's data from the REST API ----

def get(path):
    r = request("GET", path, headers=H)
    if r.status != 200:
        raise SystemExit(f"not ok - GET {path}: {r.status} {r.body[:200]!r}")
    return r.json()


def all_transactions():
    out, cursor = [], None
    while True:
        q = {"limit": 200}
        if cursor:
            q["cursor"] = cursor
        page = get("/api/v1/transactions?" + urllib.parse.urlencode(q))
        out += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return out


TX = all_transactions()
for t in TX:
    t["day"] = dt.datetime.fromisoformat(t["posted_at"].replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()
ACCOUNTS = get("/api/v1/accounts")["items"]


def select(frm, to, typ="expense", merchant=None, category=None, account=None):
    rows = [t for t in TX if frm <= t["day"] <= to and (typ is None or t["type"] == typ)]
    if merchant:
        rows = [t for t in rows if merchant.lower() in (t.get("merchant") or "").lower()]
    if category:
        rows = [t for t in rows if t.get("category") == category]
    if account:
        rows = [t for t in rows if t["account_id"] == account]
    return rows


def spent(p, **kw):
    return -sum(t["amount_minor"] for t in select(*p, **kw))


def received(p, **kw):
    return sum(t["amount_minor"] for t in select(*p, typ="income", **kw))


# ---- periods in the user's calendar ----

def month(y, m):
    first = dt.date(y, m, 1)
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def months_ago(k):
    idx = TODAY.year * 12 + TODAY.month - 1 - k
    return idx // 12, idx % 12 + 1


def mname(k):
    return MONTHS[months_ago(k)[1] - 1]


def mp(k):
    return month(*months_ago(k))


THIS_MONTH = (TODAY.replace(day=1), TODAY)
LAST_MONTH = mp(1)
WEEK_START = TODAY - dt.timedelta(days=TODAY.weekday())
THIS_WEEK = (WEEK_START, TODAY)
LAST_WEEK = (WEEK_START - dt.timedelta(days=7), WEEK_START - dt.timedelta(days=1))


def last_days(n):
    return (TODAY - dt.timedelta(days=n - 1), TODAY)


def whole_months(n):
    return (mp(n)[0], mp(1)[1])


def quarter(y, q):
    return (dt.date(y, 3 * q - 2, 1), month(y, 3 * q)[1])


LASTQ = (TODAY.month - 1) // 3
LAST_QUARTER = quarter(TODAY.year, LASTQ) if LASTQ else quarter(TODAY.year - 1, 4)
LQ_LABEL = (TODAY.year, LASTQ) if LASTQ else (TODAY.year - 1, 4)
THIS_YEAR = (dt.date(TODAY.year, 1, 1), TODAY)


def day_words(d):
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


# ---- the questions: (wording, expected figures, all of which the answer must hold) ----

Q = []


def ask_for(text, *figures):
    Q.append((text, [f for f in figures], False))


def ask_nothing(text):
    Q.append((text, [], True))


def acct(kind):
    return next(a for a in ACCOUNTS if a["type"] == kind)


# The questions of the issue.
ask_for(f"how much money came in during {mname(2)}?", money(received(mp(2))))
ask_for(f"What did I spend at Target in {mname(2)}?", money(spent(mp(2), merchant="Target")))
ask_for("spending on health in the past two weeks", money(spent(last_days(14), category="health")))
ask_for(f"How much did I spend on utilities in {mname(4)}?", money(spent(mp(4), category="utilities")))
inc, exp = received(mp(2)), spent(mp(2))
ask_for(f"savings rate in {mname(2)}", pct(inc - exp, inc))
budgets = get("/api/v1/budgets")["items"]
coffee = next((b for b in budgets if b["category"] == "coffee"), None)
if coffee:
    ask_for("how much can I still spend on coffee this month",
            money(max(coffee["limit_minor"] - coffee["spent_minor"], 0))
            if coffee["spent_minor"] <= coffee["limit_minor"] else money(coffee["spent_minor"] - coffee["limit_minor"]))

# Spending by category, month by month, in different wordings.
cat_words = [("groceries", "groceries"), ("dining", "dining"), ("restaurants", "dining"),
             ("eating out", "dining"), ("coffee", "coffee"), ("transport", "transport"),
             ("gas", "transport"), ("shopping", "shopping"), ("health", "health"),
             ("pharmacy", "health"), ("rent", "housing"), ("housing", "housing"),
             ("utilities", "utilities"), ("electricity", "utilities"), ("subscriptions", "subscriptions"),
             ("travel", "travel")]
forms = ["How much did I spend on {w} in {m}?", "how much on {w} in {m}", "{w} spending {m} {y}",
         "what did i spend on {w} during {m}", "How much went to {w} in {m}?"]
for i, (w, cat) in enumerate(cat_words):
    k = 1 + i % 6
    y, m = months_ago(k)
    f = forms[i % len(forms)]
    ask_for(f.format(w=w, m=MONTHS[m - 1] if i % 3 else MONTHS[m - 1].lower(), y=y), money(spent(mp(k), category=cat)))
for w, cat in [("groceries", "groceries"), ("dining", "dining"), ("coffee", "coffee"), ("transport", "transport")]:
    ask_for(f"how much did I spend on {w} last month", money(spent(LAST_MONTH, category=cat)))
    ask_for(f"{w} this month", money(spent(THIS_MONTH, category=cat)))
    ask_for(f"what have I spent on {w} in the last 30 days?", money(spent(last_days(30), category=cat)))
ask_for(f"How much did I spend on food in {mname(1)}?", money(spent(mp(1), category="groceries")),
        money(spent(mp(1), category="dining")))

# Merchants, exact and misspelt.
merchants = ["Target", "Amazon", "Whole Foods", "Trader Joe", "Chipotle", "Uber Eats", "Shell",
             "Blue Bottle", "Netflix", "Spotify", "Safeway", "CVS", "Sweetgreen", "Planet Fitness"]
mforms = ["What did I spend at {n} in {m}?", "how much at {n} in {m}", "spent at {n} {m} {y}",
          "How much did I pay {n} in {m}?"]
for i, n in enumerate(merchants):
    k = 1 + i % 5
    y, m = months_ago(k)
    ask_for(mforms[i % len(mforms)].format(n=n if i % 2 else n.lower(), m=MONTHS[m - 1], y=y),
            money(spent(mp(k), merchant=n)))
for typo, real in [("targte", "Target"), ("amazn", "Amazon"), ("chipolte", "Chipotle"), ("safewy", "Safeway"),
                   ("netflx", "Netflix")]:
    ask_for(f"what did i spend at {typo} in {mname(1)}", money(spent(mp(1), merchant=real)))
for n in ["Amazon", "Uber", "Whole Foods", "Target"]:
    ask_for(f"how much have I spent at {n} this year", money(spent(THIS_YEAR, merchant=n)))
    ask_for(f"{n} spending over the last 90 days", money(spent(last_days(90), merchant=n)))
ask_for(f"how many times did I go to Chipotle in {mname(1)}", f"**{len(select(*mp(1), merchant='Chipotle'))}**")
ask_for(f"how many purchases at Blue Bottle in {mname(2)}?", f"**{len(select(*mp(2), merchant='Blue Bottle'))}**")
rows = select(*mp(1), merchant="Whole Foods")
if rows:
    tot = -sum(t["amount_minor"] for t in rows)
    ask_for(f"average purchase at whole foods in {mname(1)}", money((tot + len(rows) // 2) // len(rows)))

# Periods.
ask_for("What did I spend today?", money(spent((TODAY, TODAY))))
ask_for("how much did i spend yesterday", money(spent((TODAY - dt.timedelta(days=1),) * 2)))
ask_for("spending this week", money(spent(THIS_WEEK)))
ask_for("How much did I spend last week?", money(spent(LAST_WEEK)))
ask_for("how much have I spent this month", money(spent(THIS_MONTH)))
ask_for("what did I spend last month", money(spent(LAST_MONTH)))
ask_for("total spending the previous month", money(spent(LAST_MONTH)))
ask_for("How much did I spend in the last 30 days?", money(spent(last_days(30))))
ask_for("spending over the past 7 days", money(spent(last_days(7))))
ask_for("what did I spend in the last 3 months", money(spent(whole_months(3))))
ask_for("how much did i spend in the past 6 months", money(spent(whole_months(6))))
ask_for("spending this year", money(spent(THIS_YEAR)))
ask_for("how much did I spend year to date", money(spent(THIS_YEAR)))
ask_for(f"how much did I spend last quarter", money(spent(LAST_QUARTER)))
ask_for(f"spending in Q{LQ_LABEL[1]} {LQ_LABEL[0]}", money(spent(quarter(*LQ_LABEL))))
for k in range(1, 7):
    y, m = months_ago(k)
    ask_for(f"what did I spend in {MONTHS[m - 1]} {y}", money(spent(mp(k))))
    ask_for(f"spent in {y}-{m:02d}", money(spent(mp(k))))
y, m = months_ago(2)
d1, d2 = dt.date(y, m, 1), dt.date(y, m, 15)
ask_for(f"how much did I spend between {d1.isoformat()} and {d2.isoformat()}", money(spent((d1, d2))))
ask_for(f"spending between {d1.day} {MONTHS[m - 1]} and {d2.day} {MONTHS[m - 1]}", money(spent((d1, d2))))
ask_for(f"spending from {MONTHS[m - 1]} 1st to {MONTHS[m - 1]} 15th", money(spent((d1, d2))))
ask_for(f"how much have I spent since {d1.isoformat()}", money(spent((d1, TODAY))))
ask_for(f"spent since {MONTHS[m - 1]}", money(spent((d1, TODAY))))
d = dt.date(y, m, 14)
ask_for(f"what did I spend on {d.day:02d}.{d.month:02d}.{d.year}", money(spent((d, d))))
ask_for(f"what did I spend on {d.day}/{d.month:02d}/{d.year}", money(spent((d, d))))
ask_for(f"what did I spend on {d.month:02d}/{d.day}/{d.year}", money(spent((d, d))))
ask_for(f"what did I spend on {d.isoformat()}", money(spent((d, d))))
ask_for(f"spending on {MONTHS[m - 1]} 14th", money(spent((d, d))))
ask_for(f"ausgaben im {['januar','februar','märz','april','mai','juni','juli','august','september','oktober','november','dezember'][m - 1]} {y}", money(spent(mp(2))))
ask_for(f"gastos en {['enero','febrero','marzo','abril','mayo','junio','julio','agosto','septiembre','octubre','noviembre','diciembre'][m - 1]} {y}", money(spent(mp(2))))

# Income, net, savings rate.
for k in range(1, 5):
    inc, exp = received(mp(k)), spent(mp(k))
    ask_for(f"what was my income in {mname(k)}", money(inc))
    ask_for(f"savings rate {mname(k)}", pct(inc - exp, inc))
    ask_for(f"how much did i save in {mname(k)}?", money(inc - exp))
ask_for("how much did I earn last month?", money(received(LAST_MONTH)))
ask_for("how much did I get paid this year", money(received(THIS_YEAR)))
ask_for("income over the last 90 days", money(received(last_days(90))))
inc, exp = received(THIS_YEAR), spent(THIS_YEAR)
ask_for("what's my savings rate this year", pct(inc - exp, inc))

# Largest and smallest.
for k in (1, 2):
    rows = select(*mp(k))
    if rows:
        ask_for(f"biggest purchase in {mname(k)}", money(max(-t["amount_minor"] for t in rows)))
        ask_for(f"what was my smallest expense in {mname(k)}?", money(min(-t["amount_minor"] for t in rows)))
rows = select(*last_days(30))
if rows:
    ask_for("largest expenses in the last 30 days", money(max(-t["amount_minor"] for t in rows)))

# Accounts, net worth, budgets, subscriptions, categories, trend, comparisons.
ask_for("what's the balance of my checking account", money(acct("checking")["balance_minor"]))
ask_for("How much is in my savings account?", money(acct("savings")["balance_minor"]))
ask_for("credit card balance", money(acct("credit")["balance_minor"]))
ask_for("show my account balances", *[money(a["balance_minor"]) for a in ACCOUNTS])
ask_for(f"how much did I spend on my credit card in {mname(1)}",
        money(spent(mp(1), account=acct("credit")["id"])))
nw = get("/api/v1/analytics/networth?months=12")["items"]
ask_for("What's my net worth?", money(nw[-1]["net_worth_minor"]))
ask_for("net worth", money(nw[-1]["net_worth_minor"]))
for b in budgets[:4]:
    left = b["limit_minor"] - b["spent_minor"]
    ask_for(f"how much of my {b['category']} budget is left", money(left if left >= 0 else -left))
subs = get("/api/v1/analytics/subscriptions")
ask_for("what are my subscriptions", money(subs["monthly_total_minor"]))
ask_for("how much do I pay in subscriptions a month?", money(subs["monthly_total_minor"]))
ask_for(f"spending by category in {mname(1)}", money(spent(mp(1))))
ask_for(f"where did my money go in {mname(2)}", money(spent(mp(2))))
cf = get("/api/v1/analytics/cashflow?months=6")["items"]
ask_for("spending trend", money(cf[-2]["expenses_minor"]))
ask_for(f"compare my spending in {mname(1)} and {mname(2)}", money(spent(mp(1))), money(spent(mp(2))))
ask_for("this month vs last month spending", money(spent(THIS_MONTH)), money(spent(LAST_MONTH)))
ask_for(f"compare groceries in {mname(2)} with {mname(3)}", money(spent(mp(2), category="groceries")),
        money(spent(mp(3), category="groceries")))

# Typos, lower case, no question mark.
ask_for(f"hw mch did i spnd on groceries in {mname(1).lower()}", money(spent(mp(1), category="groceries")))
ask_for(f"HOW MUCH DID I SPEND ON DINING IN {mname(2).upper()}", money(spent(mp(2), category="dining")))
ask_for(f"how much did i spedn on restaurnts in {mname(3)}", money(spent(mp(3), category="dining")))
ask_for(f"utilites {mname(1)}", money(spent(mp(1), category="utilities")))
ask_for("whats my net wroth", money(nw[-1]["net_worth_minor"]))

# Other wordings: other languages, weekends, seasons, a bank's card, monthly trends, changes.
ask_for(f"combien ai-je dépensé en {['janvier','février','mars','avril','mai','juin','juillet','août','septembre','octobre','novembre','décembre'][months_ago(1)[1] - 1]}",
        money(spent(mp(1))))
ask_for(f"¿cuánto gasté en {['enero','febrero','marzo','abril','mayo','junio','julio','agosto','septiembre','octubre','noviembre','diciembre'][months_ago(2)[1] - 1]}?",
        money(spent(mp(2))))
SAT = TODAY - dt.timedelta(days=(TODAY.weekday() - 5) if TODAY.weekday() >= 5 else TODAY.weekday() + 2)
ask_for("How much did I spend on the weekend?", money(spent((SAT, min(SAT + dt.timedelta(days=1), TODAY)))))
credit = acct("credit")
ask_for(f"how much did I spend on my {credit['institution']} card in {mname(1)}",
        money(spent(mp(1), account=credit["id"])))
ask_for("how much do i spend on coffee per month", money(spent(mp(1), category="coffee")),
        money(spent(mp(2), category="coffee")))
ask_for(f"Did my utilities bill go up?", money(spent(THIS_MONTH, category="utilities")),
        money(spent(LAST_MONTH, category="utilities")))
ask_for(f"Did I spend more in {mname(1)} than {mname(2)}?", money(spent(mp(1))), money(spent(mp(2))))
ask_for("how much is in my brokerage account", money(acct("investment")["balance_minor"]))
ask_for("What are my top spending categories this year?", money(spent(THIS_YEAR)))
ask_for("what was my largest purchase ever", money(max(-t["amount_minor"] for t in TX if t["type"] == "expense")))

# Nothing to answer with a figure.
ask_nothing("what will the weather be tomorrow")
ask_nothing(f"what did I spend on 03/04/{TODAY.year}")
ask_nothing(f"How much did I spend at Zzyzx Motors in {mname(1)}?")


# ---- asking ----

def sse_answer(rid):
    """Reads the stream of @rid to its final event: (text, final data)."""
    import http.client
    u = urllib.parse.urlsplit(URL)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    c.request("GET", f"/api/v1/streams/{rid}", headers=H)
    r = c.getresponse()
    text, cur, final = "", {}, None
    while True:
        line = r.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            cur["event"] = line[7:]
        elif line.startswith("data: "):
            cur["data"] = json.loads(line[6:])
        elif line == "" and "event" in cur:
            ev, d = cur["event"], cur.get("data") or {}
            cur = {}
            if ev == "reset":
                text = ""
            elif ev == "token":
                text += d.get("text", "")
            elif ev in ("final", "error"):
                final = dict(d, event=ev)
                break
    c.close()
    return text, final


def ask(conv, text):
    for _ in range(60):
        r = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": text}, headers=H)
        if r.status == 202:
            return sse_answer(r.json()["request_id"])
        if r.status == 429:
            time.sleep(int(r.header("retry-after") or 3))
            continue
        return f"(HTTP {r.status} {r.body[:200]!r})", None
    return "(rate limited)", None


def main():
    right, verified, checked = 0, 0, 0
    conv = None
    for i, (text, figures, none_expected) in enumerate(Q):
        if i % 20 == 0:
            conv = request("POST", "/api/v1/conversations", {"title": f"analyst questions {i}"}, headers=H).json()["id"]
        answer, final = ask(conv, text)
        if none_expected:
            good = final is not None and final.get("event") == "final" and "$" not in answer
        else:
            good = final is not None and final.get("event") == "final" and all(f in answer for f in figures)
        right += good
        checks = (final or {}).get("checks")
        if isinstance(checks, dict) and checks.get("figures"):
            checked += 1
            verified += not checks.get("unverified")
        check(good, f"{text!r}", f"want {figures} in {answer[:400]!r}")

    print(f"analyst questions: {right}/{len(Q)} right", flush=True)
    if checked:
        print(f"# answers whose figures all verified: {verified}/{checked}", flush=True)
    check(len(Q) >= 150, f"at least 150 questions ({len(Q)})")
    check(right >= int(os.environ.get("FINCHAT_ANALYST_MIN_RIGHT", "150")),
          f"analyst questions right: {right}/{len(Q)}")
    done()


if __name__ == "__main__":
    main()
