#!/usr/bin/env python3
"""A Plaid API test double speaking Plaid's wire format (JSON POST bodies with client_id and
secret; errors as {error_type, error_code, error_message, display_message, request_id} with
HTTP 400/500), for the endpoints finchat uses:

  /sandbox/public_token/create  (as Plaid's sandbox: gives a public token without Link)
  /link/token/create  /item/public_token/exchange  /accounts/get  /transactions/sync

/transactions/sync pages through `added` with `count`, `has_more` and `next_cursor`, and later
calls return only what changed since the cursor (added/modified/removed). Test controls (not
Plaid): POST /__admin/add {transactions:[...]}, /__admin/modify, /__admin/remove
{transaction_ids}, /__admin/fail {endpoint, error_code, status, times} to inject failures such
as TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION or a 500, GET /__requests.

Usage: server.py --port N [--client-id ID --secret S]
"""
import argparse
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "items": {},  # access_token -> {"item_id", "log": [(version, kind, txn or id)]}
    "public": {},  # public_token -> access_token
    "fail": {},  # endpoint -> [status, code, times]
    "requests": [],
}

ACCOUNTS = [
    {"account_id": "acc-chk", "name": "Plaid Checking", "mask": "0000", "type": "depository", "subtype": "checking",
     "balances": {"current": 1234.56, "available": 1200.00, "iso_currency_code": "USD"}},
    {"account_id": "acc-sav", "name": "Plaid Saving", "mask": "1111", "type": "depository", "subtype": "savings",
     "balances": {"current": 5000.00, "available": 5000.00, "iso_currency_code": "USD"}},
    {"account_id": "acc-cc", "name": "Plaid Credit Card", "mask": "3333", "type": "credit", "subtype": "credit card",
     "balances": {"current": 410.25, "available": None, "iso_currency_code": "USD"}},
]


def txn(i, amount, name, date, primary="FOOD_AND_DRINK", account="acc-chk"):
    return {"transaction_id": f"tx-{i:04d}", "account_id": account, "amount": amount, "iso_currency_code": "USD",
            "date": date, "name": name, "merchant_name": name, "pending": False,
            "personal_finance_category": {"primary": primary, "detailed": primary + "_OTHER"}}


def initial_transactions():
    out = []
    for i in range(1, 31):
        day = 1 + (i % 27)
        if i % 10 == 0:
            out.append(txn(i, -2500.00, "ACME Payroll", f"2026-10-{day:02d}", "INCOME"))
        else:
            out.append(txn(i, round(4.5 + i * 1.25, 2), f"Plaid Merchant {i % 7}", f"2026-10-{day:02d}"))
    return out


def error(status, code, message, etype="INVALID_INPUT"):
    return status, {"error_type": etype, "error_code": code, "error_message": message,
                    "display_message": None, "request_id": uuid.uuid4().hex[:12]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__requests":
            with LOCK:
                self.send(200, STATE["requests"])
        else:
            self.send(*error(404, "NOT_FOUND", "not found"))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self.send(*error(400, "INVALID_BODY", "body is not JSON", "INVALID_REQUEST"))
        path = self.path
        if path.startswith("/__admin/"):
            return self.admin(path[9:], body)
        with LOCK:
            STATE["requests"].append({"path": path, "body": {k: v for k, v in body.items() if k != "secret"}})
            f = STATE["fail"].get(path)
            if f and f[2] > 0:
                f[2] -= 1
                return self.send(*error(f[0], f[1], "injected failure", "API_ERROR" if f[0] >= 500 else "TRANSACTIONS_ERROR"))
        if body.get("client_id") != ARGS.client_id or body.get("secret") != ARGS.secret:
            return self.send(*error(400, "INVALID_API_KEYS", "invalid client_id or secret provided", "INVALID_INPUT"))
        handler = {
            "/link/token/create": self.link_token,
            "/sandbox/public_token/create": self.sandbox_public_token,
            "/item/public_token/exchange": self.exchange,
            "/accounts/get": self.accounts,
            "/transactions/sync": self.sync,
        }.get(path)
        if not handler:
            return self.send(*error(404, "UNKNOWN_ENDPOINT", "unknown endpoint", "INVALID_REQUEST"))
        handler(body)

    def link_token(self, body):
        if not body.get("user", {}).get("client_user_id"):
            return self.send(*error(400, "INVALID_FIELD", "user.client_user_id is required"))
        self.send(200, {"link_token": "link-sandbox-" + uuid.uuid4().hex, "expiration": "2026-12-31T00:00:00Z",
                        "request_id": uuid.uuid4().hex[:12]})

    def sandbox_public_token(self, body):
        access = "access-sandbox-" + uuid.uuid4().hex
        public = "public-sandbox-" + uuid.uuid4().hex
        with LOCK:
            log = [(i + 1, "added", t) for i, t in enumerate(initial_transactions())]
            STATE["items"][access] = {"item_id": "item-" + uuid.uuid4().hex[:10], "log": log}
            STATE["public"][public] = access
        self.send(200, {"public_token": public, "request_id": uuid.uuid4().hex[:12]})

    def exchange(self, body):
        with LOCK:
            access = STATE["public"].pop(body.get("public_token"), None)
        if not access:
            return self.send(*error(400, "INVALID_PUBLIC_TOKEN", "provided public token is in an invalid format"))
        self.send(200, {"access_token": access, "item_id": STATE["items"][access]["item_id"],
                        "request_id": uuid.uuid4().hex[:12]})

    def item(self, body):
        with LOCK:
            it = STATE["items"].get(body.get("access_token"))
        if not it:
            self.send(*error(400, "INVALID_ACCESS_TOKEN", "provided access token is in an invalid format"))
        return it

    def accounts(self, body):
        it = self.item(body)
        if it:
            self.send(200, {"accounts": ACCOUNTS, "item": {"item_id": it["item_id"]}, "request_id": uuid.uuid4().hex[:12]})

    def sync(self, body):
        it = self.item(body)
        if not it:
            return
        cursor = body.get("cursor") or ""
        count = max(1, min(500, int(body.get("count") or 100)))
        try:
            since = int(cursor) if cursor else 0
        except ValueError:
            return self.send(*error(400, "INVALID_FIELD", "cursor is invalid"))
        with LOCK:
            entries = [e for e in it["log"] if e[0] > since]
        page = entries[:count]
        added = [e[2] for e in page if e[1] == "added"]
        modified = [e[2] for e in page if e[1] == "modified"]
        removed = [{"transaction_id": e[2]} for e in page if e[1] == "removed"]
        nxt = str(page[-1][0]) if page else cursor
        self.send(200, {"added": added, "modified": modified, "removed": removed, "next_cursor": nxt,
                        "has_more": len(entries) > count, "request_id": uuid.uuid4().hex[:12]})

    def admin(self, what, body):
        with LOCK:
            if what == "fail":
                STATE["fail"][body["endpoint"]] = [int(body.get("status", 400)), body["error_code"], int(body.get("times", 1))]
            else:
                for it in STATE["items"].values():
                    v = it["log"][-1][0] if it["log"] else 0
                    if what == "add":
                        for t in body["transactions"]:
                            v += 1
                            it["log"].append((v, "added", t))
                    elif what == "modify":
                        for t in body["transactions"]:
                            v += 1
                            it["log"].append((v, "modified", t))
                    elif what == "remove":
                        for tid in body["transaction_ids"]:
                            v += 1
                            it["log"].append((v, "removed", tid))
        self.send(200, {"ok": True})


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--client-id", default="test-client")
    ap.add_argument("--secret", default="test-secret")
    ARGS = ap.parse_args()
    ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler).serve_forever()
