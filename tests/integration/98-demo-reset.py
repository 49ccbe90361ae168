"""98-demo-reset: `finchatctl seed-demo --reset` gives back the demo as on first start.

`make test` runs it last, so the demo a newcomer opens after the tests shows no test rows.
Here: a transaction and a conversation are added to the demo user; after the reset the demo
logs in with the same password, the old token is refused (the user is new), neither the
transaction nor the conversation is there, the dashboard answers, and two resets in a row
give the same number of transactions (the seed is deterministic)."""
import os
import subprocess
import uuid

from fclib import auth, check, done, login, request
from finlib import psql_one

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CTL = os.environ.get("FINCHAT_CTL") or os.path.join(ROOT, "build/bin/finchatctl")


def reset():
    return subprocess.run([CTL, "seed-demo", "--reset"], capture_output=True, text=True, cwd=ROOT)


def demo_rows():
    return psql_one("SELECT count(*) FROM transactions t JOIN users u ON u.id = t.user_id "
                    "WHERE u.email = 'demo@finchat.dev'")


H = auth(login())
probe = "Reset Probe " + uuid.uuid4().hex[:8]
acct = request("GET", "/api/v1/accounts", headers=H).json()["items"][0]["id"]
r = request("POST", "/api/v1/transactions", {"account_id": acct, "amount_minor": -4242, "merchant": probe}, headers=H)
check(r.status == 201, "a test transaction is added to the demo user", f"{r.status} {r.body[:200]!r}")
request("POST", "/api/v1/conversations", {"title": probe}, headers=H)

out = reset()
check(out.returncode == 0, "finchatctl seed-demo --reset succeeds", out.stderr[-300:])
H2 = auth(login())
check(request("GET", "/api/v1/me", headers=H).status == 401, "the old demo session ends (the user is new)")
items = request("GET", "/api/v1/transactions", headers=H2, body=None).json()["items"]
found = request("GET", "/api/v1/transactions?q=" + probe.replace(" ", "%20"), headers=H2).json()["items"]
check(items and not found, "the test transaction is gone; the demo transactions are back", f"{len(items)} {found[:1]}")
check(request("GET", "/api/v1/conversations", headers=H2).json()["items"] == [], "no conversations are left")
check(request("GET", "/api/v1/dashboard", headers=H2).status == 200, "the dashboard answers for the new demo user")
first = demo_rows()
out = reset()
check(out.returncode == 0 and demo_rows() == first and int(first) > 100,
      "a second reset gives the same transactions (deterministic seed)", f"{first} {demo_rows()}")
done()
