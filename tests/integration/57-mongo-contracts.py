#!/usr/bin/env python3
"""57-mongo-contracts.py - the MongoDB documents the running services write follow their
contracts (proto/MONGO.md, proto/mongo.*.schema.json).

Through the stack's gateway and workers, the documents are read back from the store (FerretDB
locally) as relaxed Extended JSON and validated against the schemas:
- contexts: the demo user's (every section filled) and a fresh user's, before and after a
  finance write; data_version is the user's users.data_version;
- messages: the user messages the gateway wrote and the assistant messages the workers wrote
  for two answered questions, a regenerated one and a canceled one;
- histories: the conversation's document after each answer, with the turns in messages;
- workers: the status documents of the running workers, whose providers the gateway shows.

Environment: FINCHAT_URL, FINCHAT_PG_URL, FINCHAT_MONGO_URL. Needs pymongo and jsonschema
(tests/integration/lib/worker-env.sh provides them)."""
import http.client
import json
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "proto"))
import check_golden  # noqa: E402
import finlib  # noqa: E402
import pymongo  # noqa: E402
from bson import json_util  # noqa: E402
from finlib import check, done, login, new_account, new_user, psql_one, request  # noqa: E402

MONGO_URL = os.environ.get("FINCHAT_MONGO_URL", "mongodb://127.0.0.1:27018/finchat")
db = pymongo.MongoClient(MONGO_URL, serverSelectionTimeoutMS=5000).get_default_database("finchat")
VALIDATORS = {c: check_golden.validator_for(f"mongo.{c}")
              for c in ("contexts", "messages", "histories", "workers")}


def relaxed(doc):
    """@doc as relaxed Extended JSON parsed back: the form the schemas describe."""
    return json.loads(json_util.dumps(doc, json_options=json_util.RELAXED_JSON_OPTIONS))


def valid(coll, doc, what):
    """Checks that @doc (a document of @coll as pymongo returned it) validates."""
    problems = check_golden.problems(VALIDATORS[coll], relaxed(doc)) if doc else ["no document"]
    check(not problems, f"{coll}: {what} validates", "; ".join(problems[:3]))
    return relaxed(doc) if doc else {}


def H(token):
    return {"Authorization": "Bearer " + token}


def answer(rid, statuses=("complete",), timeout=60):
    """Waits until the assistant message of request @rid has one of @statuses; returns it."""
    end = time.time() + timeout
    while time.time() < end:
        m = db.messages.find_one({"request_id": rid, "role": "assistant"})
        if m and m.get("status") in statuses:
            return m
        time.sleep(0.2)
    return None


def history(conv, last_id, timeout=10):
    """The conversation's histories document once its newest item is @last_id: the worker
    records the turn right after it stores the answer."""
    end = time.time() + timeout
    while True:
        h = db.histories.find_one({"_id": conv})
        if (h and h.get("items") and h["items"][-1].get("_id") == last_id) or time.time() > end:
            return h
        time.sleep(0.1)


def ask(token, conv, text):
    r = request("POST", f"/api/v1/conversations/{conv}/messages", {"text": text}, headers=H(token))
    if r.status != 202:
        raise SystemExit(f"not ok - POST message: {r.status} {r.body[:200]!r}")
    return r.json()


def ask_and_cancel(token, conv, text):
    """Posts @text, cancels after the first token of its stream, reads the stream to its end;
    returns the request id."""
    rid = ask(token, conv, text)["request_id"]
    u = urllib.parse.urlsplit(finlib.URL)
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    c.request("GET", f"/api/v1/streams/{rid}", headers=H(token))
    resp, canceled = c.getresponse(), False
    while True:
        line = resp.readline().decode("utf-8")
        if not line or line.startswith("event: final") or line.startswith("event: error"):
            break
        if line.startswith("event: token") and not canceled:
            request("POST", f"/api/v1/streams/{rid}/cancel", {}, headers=H(token))
            canceled = True
    c.close()
    return rid


# ---- contexts -----------------------------------------------------------------------
demo = login()
demo_id = psql_one("SELECT id FROM users WHERE lower(email) = 'demo@finchat.dev'")
c = valid("contexts", db.contexts.find_one({"_id": demo_id}), "the demo user's document")
check(all(c.get(k) for k in ("accounts", "fraud_alerts", "goals", "holdings", "recent_transactions"))
      and c.get("subscriptions", {}).get("items") and c.get("budgets", {}).get("items"),
      "contexts: the demo document has every list filled (so every item shape was checked)")

tok, uid = new_user("mongo-contracts")
acct = new_account(tok, "Everyday", "checking", 250000)
c = valid("contexts", db.contexts.find_one({"_id": uid}), "a new user's document")
r = request("POST", "/api/v1/transactions", {"account_id": acct, "amount_minor": -4599,
                                             "merchant": "Fresh Market", "category": "groceries"},
            token=tok)
check(r.status == 201, "a transaction is added", f"{r.status}")
c = valid("contexts", db.contexts.find_one({"_id": uid}), "the document after a finance write")
version = psql_one("SELECT data_version FROM users WHERE id = :'a1'::uuid", uid)
check(str(c.get("data_version")) == version and c.get("user_id") == uid == c.get("_id"),
      "contexts: _id and user_id are the user, data_version is users.data_version",
      f"{c.get('data_version')} vs {version}")
check(any(t.get("merchant") == "Fresh Market" for t in c.get("recent_transactions", [])),
      "contexts: the new transaction is in the document")

# ---- messages and histories -------------------------------------------------------------
conv = request("POST", "/api/v1/conversations", {"title": "contracts"}, headers=H(tok)).json()["id"]
asked = []
for q in ("What is my net worth?", "How much did I spend on groceries this month?"):
    p = ask(tok, conv, q)
    asked.append(p)
    m = answer(p["request_id"])
    check(m is not None, f"answered: {q}")
    hist = valid("histories", history(conv, m and m["_id"]), f"the history after {q!r}")
    check(len(hist.get("items", [])) == 2 * len(asked) and hist.get("user_id") == uid,
          "histories: the conversation's turns so far, owned by the user",
          f"{len(hist.get('items', []))} items")

# Regenerate the last answer: the same question answered again, the earlier answer replaced.
r = request("POST", f"/api/v1/conversations/{conv}/regenerate", {}, headers=H(tok))
check(r.status == 202, "regenerate accepted", f"{r.status} {r.body[:200]!r}")
regen = r.json() if r.status == 202 else {}
m = answer(regen.get("request_id"))
check(m is not None, "the regenerated answer is complete")
hist = valid("histories", history(conv, m and m["_id"]), "the history after a regenerate")
items = hist.get("items", [])
check(len(items) == 4 and items[-1].get("reply_to") == asked[-1]["message_id"]
      and [i["role"] for i in items] == ["user", "assistant"] * 2,
      "histories: a regenerate replaces the earlier answer", json.dumps([i.get("role") for i in items]))

rid = ask_and_cancel(tok, conv, "Give me a full overview of my finances: accounts, budgets, "
                                "subscriptions, goals, alerts and the forecast.")
m = answer(rid, ("canceled", "complete", "error"))
check(m is not None and m.get("status") == "canceled",
      "a canceled answer is stored as canceled", str(m and m.get("status")))

docs = list(db.messages.find({"conversation_id": conv}))
users = [d for d in docs if d.get("role") == "user"]
assistants = [d for d in docs if d.get("role") == "assistant"]
check(len(users) == 3 and len(assistants) == 4,
      "messages: 3 questions (a regenerate asks none) and 4 answers", f"{len(users)} {len(assistants)}")
for d in users:
    valid("messages", d, f"user message {d['_id'][:8]} (gateway)")
for d in assistants:
    valid("messages", d, f"assistant message {d['_id'][:8]} (worker, {d.get('status')})")
ids = {d["_id"] for d in docs}
check(all(i["_id"] in ids for i in items), "histories: every item is a message of messages")

# The gateway's conversation view reads what the gateway and the workers wrote.
view = {m["id"]: m for m in request("GET", f"/api/v1/conversations/{conv}/messages",
                                    headers=H(tok)).json().get("items", [])}
check(all(view.get(d["_id"], {}).get("text") == d["text"]
          and view[d["_id"]].get("status") == d["status"]
          and view[d["_id"]].get("attempt") == d.get("attempt")
          and view[d["_id"]].get("provider") == d.get("provider")
          and view[d["_id"]].get("usage", {}).get("completion_tokens")
          == d.get("usage", {}).get("completion_tokens", 0) for d in assistants),
      "GET /messages shows each assistant message as stored")

# ---- workers ----------------------------------------------------------------------------
recent = [w for w in db.workers.find() if w.get("updated_ms", 0) > time.time() * 1000 - 60000]
check(len(recent) >= 1, "workers: the running workers have a status document", f"{len(recent)}")
for w in recent:
    valid("workers", w, f"status of {w['_id']}")
newest = max(recent, key=lambda w: w.get("updated_ms", 0)) if recent else {}
status = request("GET", "/api/v1/status").json()
check([(p["name"], p["configured"]) for p in status.get("providers", [])]
      == [(p["name"], p["configured"]) for p in newest.get("providers", [])],
      "GET /api/v1/status shows the providers of the newest worker document")

done()
