"""56-chat-context-cache: workers reuse a user's context document only while it is current.

Through the stack's gateway and workers (analyst provider), as the demo user, in one
conversation (one request partition, so one worker):
- every request carries the header context-version = the user's users.data_version, and the
  stored context document names the same data_version;
- asking the same question twice gives the same answer, and the second start takes the
  document from the worker's cache (finchat_worker_context_cache_hits_total grows);
- after a finance write (which bumps data_version and rebuilds the document), the next answer
  has the new figures: the cached document is not used for the new version;
- a document built on an earlier UTC day (users.context_day) is rebuilt when a question
  comes, once: the version is bumped, the request names the new one, the document is of
  today; the next question changes nothing;
- "how much did I spend in the last 30 days?" is answered with the document's 30-day total;
- a user without data has no context document: their requests carry context-version "none"
  and the worker answers without reading MongoDB for one (its context cache is not even
  asked); once they add an account the next request names their data_version and the
  answer has the account's balance."""
import json
import os
import re
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from fclib import auth, check, done, login, request  # noqa: E402
from finlib import psql_one  # noqa: E402
from worker_itest import REQUESTS, follow_from_end, mongo  # noqa: E402

# deploy/local/services.sh puts worker N's metrics on FINCHAT_WORKER_HEALTH_BASE + N.
BASE = int(os.environ.get("FINCHAT_WORKER_HEALTH_BASE", "18090")) + 1
Q = "What is my net worth?"


def hits(what="hits"):
    total = 0
    for port in (BASE, BASE + 1):
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        except OSError:
            continue
        m = re.search(r"^finchat_worker_context_cache_%s_total (\d+)" % what, text, re.M)
        total += int(m.group(1)) if m else 0
    return total


def lookups():
    """Context cache hits + misses of both workers, once their status snapshot (taken every
    second, which /metrics shows) includes every lookup made before this call."""
    time.sleep(1.5)
    return hits("hits") + hits("misses")


def header_of(reqs, rid):
    """The context-version header of request @rid as Kafka holds it."""
    end = time.time() + 10
    while time.time() < end:
        m = reqs.get(end - time.time())
        if m and m["headers"].get("request-id") == rid:
            return m["headers"].get("context-version")
    return None


def ask(conv, H, q=Q):
    """Posts @q and returns (request_id, the answer text)."""
    rid = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": q}, headers=H).json()["request_id"]
    for _ in range(150):
        items = request("GET", f"/api/v1/conversations/{conv}/messages", headers=H).json()["items"]
        for m in items:
            if m["role"] == "assistant" and m.get("request_id") == rid and m.get("status") == "complete":
                return rid, m["text"]
        time.sleep(0.2)
    return rid, None


def net_worth(text):
    m = re.search(r"net worth is \*\*(-?\$[\d,]+\.\d\d)\*\*", text or "")
    return m.group(1) if m else None


H = auth(login())
uid = request("GET", "/api/v1/me", headers=H).json()["user"]["id"]
conv = request("POST", "/api/v1/conversations", {"title": "context cache"}, headers=H).json()["id"]
reqs = follow_from_end(REQUESTS)
try:
    before = hits()
    rid1, a1 = ask(conv, H)
    rid2, a2 = ask(conv, H)
    check(a1 and a1 == a2 and net_worth(a1), "the same question twice: the same answer", f"{a1!r} {a2!r}")
    check(hits() >= before + 1, "the second answer took the context document from the worker's cache",
          f"hits {before} -> {hits()}")

    version = psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", uid)
    headers = {}
    end = time.time() + 10
    while time.time() < end and len(headers) < 2:
        m = reqs.get(end - time.time())
        if m and m["headers"].get("request-id") in (rid1, rid2):
            headers[m["headers"]["request-id"]] = m["headers"].get("context-version")
    check(headers.get(rid1) == version and headers.get(rid2) == version,
          "each request carries context-version = the user's data_version", f"{headers} vs {version}")
    doc = mongo().contexts.find_one({"_id": uid})
    check(doc and str(doc.get("data_version")) == version, "the context document names the same data_version",
          str(doc and doc.get("data_version")))

    acct = [a for a in request("GET", "/api/v1/accounts", headers=H).json()["items"] if a["type"] == "checking"][0]
    r = request("POST", "/api/v1/transactions", {"account_id": acct["id"], "amount_minor": -123456,
                                                 "merchant": "Context Cache Probe"}, headers=H)
    check(r.status == 201, "a finance write is accepted", f"{r.status}")
    newer = psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", uid)
    _, a3 = ask(conv, H)
    old, new = net_worth(a1), net_worth(a3)

    def cents(s):
        return int(s.replace("$", "").replace(",", "").replace(".", "")) if s else None
    check(int(newer) > int(version) and old and new and cents(old) - cents(new) == 123456,
          "after the write the answer has the new net worth (no stale cached document)", f"{old} -> {new}")

    # A document of yesterday: the next question has it rebuilt first, once.
    psql_one("UPDATE users SET context_day = context_day - 1 WHERE id = :'a1'::uuid RETURNING 1", uid)
    v0 = int(psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", uid))
    rid4, a4 = ask(conv, H)
    v1 = int(psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", uid))
    today = psql_one("SELECT context_day = (now() AT TIME ZONE 'UTC')::date FROM users WHERE id = :'a1'::uuid", uid)
    doc = mongo().contexts.find_one({"_id": uid}) or {}
    hdr = None
    end = time.time() + 10
    while time.time() < end and hdr is None:
        m = reqs.get(end - time.time())
        if m and m["headers"].get("request-id") == rid4:
            hdr = m["headers"].get("context-version")
    check(v1 == v0 + 1 and today == "t" and doc.get("data_version") == v1 and hdr == str(v1),
          "a document of an earlier day is rebuilt before the answer, under a new version",
          f"{v0} -> {v1}, today {today}, doc {doc.get('data_version')}, header {hdr}")
    check(a4 and net_worth(a4) == new, "the answer from the rebuilt document has the same figures", f"{a4!r}")
    ask(conv, H)
    check(int(psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", uid)) == v1,
          "the next question of the day rebuilds nothing")

    # "The last 30 days" is answered with the 30-day total, not this month's: from the
    # document's own 30-day figures, or (the analyst with tools) from a search of those days.
    l30 = (mongo().contexts.find_one({"_id": uid}) or {}).get("last_30_days") or {}
    _, a5 = ask(conv, H, "How much did I spend in the last 30 days?")
    spent = re.search(r"(?:\(the past 30 days\)|the last 30 days \([^)]*\),) you spent "
                      r"\*\*\$([\d,]+\.\d\d)\*\*", a5 or "")
    check(spent and int(spent.group(1).replace(",", "").replace(".", "")) == l30.get("expenses_minor"),
          "'the last 30 days' is answered with the 30-day total", f"{a5!r} vs {l30.get('expenses_minor')}")

    # A user without data: no document to read, and the request says so.
    email = f"ctx-none-{uuid.uuid4().hex[:10]}@example.com"
    request("POST", "/api/v1/auth/register", {"email": email, "password": "Correct-Horse-9", "name": "New"})
    NH = auth(login(email, "Correct-Horse-9"))
    nuid = request("GET", "/api/v1/me", headers=NH).json()["user"]["id"]
    nconv = request("POST", "/api/v1/conversations", {"title": "no data"}, headers=NH).json()["id"]
    check(mongo().contexts.find_one({"_id": nuid}) is None, "a new user has no context document")
    looked = lookups()
    nrid, na = ask(nconv, NH)
    check(header_of(reqs, nrid) == "none", "their request carries context-version: none")
    check(na is not None and net_worth(na) in (None, "$0.00"),
          "it is answered from their own (empty) data", repr(na))
    after = lookups()
    check(after == looked, "the worker did not look for a context document (its cache was not asked)",
          f"{looked} -> {after}")
    r = request("POST", "/api/v1/accounts", {"name": "First Account", "type": "checking",
                                            "opening_balance_minor": 987654}, headers=NH)
    check(r.status == 201, "they add an account", f"{r.status}")
    nver = psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", nuid)
    nrid2, na2 = ask(nconv, NH)
    check(header_of(reqs, nrid2) == nver, "the next request names their data_version", f"{nver}")
    check(net_worth(na2) == "$9,876.54", "and the answer has the account's balance", repr(na2))
finally:
    reqs.close()
done()
