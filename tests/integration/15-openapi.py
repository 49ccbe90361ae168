"""15-openapi: the server against proto/openapi.yaml. Every documented route is called with
real ids of the demo user; the answer's status must be documented for that operation and its
JSON must match the documented schema (types, required fields, enums, nullability, refs)."""
import json
import os
import uuid

import yaml

from fclib import check, done, request, login, auth

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = yaml.safe_load(open(os.path.join(ROOT, "proto/openapi.yaml")))
schemas = spec["components"]["schemas"]
token = login()
H = auth(token)


def resolve(s):
    while isinstance(s, dict) and "$ref" in s:
        s = schemas[s["$ref"].split("/")[-1]]
    return s


def validate(v, s, path="$"):
    s = resolve(s)
    if not s:
        return None
    if v is None:
        return None if s.get("nullable") else f"{path}: null not allowed"
    t = s.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t in types and not isinstance(v, types[t]):
        return f"{path}: expected {t}, got {type(v).__name__}"
    if t == "integer" and (not isinstance(v, int) or isinstance(v, bool)):
        return f"{path}: expected integer, got {v!r}"
    if t == "number" and (not isinstance(v, (int, float)) or isinstance(v, bool)):
        return f"{path}: expected number, got {v!r}"
    if "enum" in s and v not in s["enum"]:
        return f"{path}: {v!r} not in {s['enum']}"
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                return f"{path}: missing {k}"
        for k, sub in s.get("properties", {}).items():
            if k in v:
                err = validate(v[k], sub, f"{path}.{k}")
                if err:
                    return err
    if isinstance(v, list) and "items" in s:
        for i, item in enumerate(v[:20]):
            err = validate(item, s["items"], f"{path}[{i}]")
            if err:
                return err
    return None


# Real ids to substitute for path parameters.
accounts = request("GET", "/api/v1/accounts", headers=H).json()["items"]
txns = request("GET", "/api/v1/transactions?limit=5", headers=H).json()["items"]
alerts = request("GET", "/api/v1/insights/fraud-alerts?status=open", headers=H).json()["items"] or \
    request("GET", "/api/v1/insights/fraud-alerts?status=all", headers=H).json()["items"]
conv = request("POST", "/api/v1/conversations", {"title": "openapi check"}, headers=H).json()
key = request("POST", "/api/v1/api-keys", {"name": "openapi check"}, headers=H).json()
rule = request("POST", "/api/v1/rules", {"merchant": "OpenAPI rule check", "category": "openapi"}, headers=H).json()

bodies = {
    ("post", "/api/v1/auth/register"): {"email": f"oa-{uuid.uuid4().hex[:8]}@example.com", "password": "CorrectHorse42!", "name": "OA"},
    ("post", "/api/v1/auth/login"): {"email": "demo@finchat.dev", "password": "DemoPass2026!"},
    ("post", "/api/v1/api-keys"): {"name": "openapi check 2"},
    ("post", "/api/v1/transactions"): {"account_id": accounts[0]["id"], "amount_minor": -1234, "merchant": "OpenAPI Cafe", "category": "dining"},
    ("patch", "/api/v1/transactions/{id}"): {"note": "checked by the OpenAPI test"},
    ("post", "/api/v1/rules"): {"merchant": "OpenAPI rule check 2", "match": "contains", "category": "openapi", "min_minor": 0, "max_minor": 100},
    ("post", "/api/v1/simulate"): {"savings_rate": 20, "monthly_extra_minor": 10000, "expense_change_pct": -5, "annual_return_pct": 6, "months": 24},
    ("put", "/api/v1/budgets"): None,  # filled from GET below
    ("post", "/api/v1/conversations"): {"title": "openapi"},
    ("post", "/api/v1/accounts"): {"name": "OpenAPI Wallet", "type": "checking", "opening_balance_minor": 1000},
    ("post", "/api/v1/plaid/exchange"): {"public_token": "public-sandbox-none"},
    ("patch", "/api/v1/conversations/{id}"): {"title": "renamed by openapi check"},
    ("post", "/api/v1/conversations/{id}/messages"): {"text": "How much did I spend this month?"},
    ("post", "/v1/chat/completions"): {"model": "finchat", "messages": [{"role": "user", "content": "What is my net worth?"}]},
    ("post", "/api/v1/tools/{name}"): {"period": "last_month"},
    ("post", "/mcp"): {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    ("put", "/api/v1/fx-rates"): {"date": "2001-01-02", "base": "EUR", "rates": {"USD": 0.9423}},
}
budgets = request("GET", "/api/v1/budgets", headers=H).json()
bodies[("put", "/api/v1/budgets")] = {"items": [{"category": b["category"], "limit_minor": b["limit_minor"]} for b in budgets["items"]]}

posted = request("POST", f"/api/v1/conversations/{conv['id']}/messages", {"text": "What is my savings rate?"}, headers=H).json()


def fill(path, method):
    p = path
    if "/api-keys/{id}" in p:
        p = p.replace("{id}", key["id"])
    elif "/rules/{id}" in p:
        p = p.replace("{id}", rule["id"])
    elif "/transactions/{id}" in p:
        p = p.replace("{id}", txns[0]["id"])
    elif "/fraud-alerts/{id}" in p:
        p = p.replace("{id}", alerts[0]["id"] if alerts else str(uuid.uuid4()))
    elif "/conversations/{id}" in p:
        p = p.replace("{id}", conv["id"])
    p = p.replace("{request_id}", posted["request_id"])
    p = p.replace("{name}", "spending_by_category")
    return p


order = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 9}
ops = sorted(((path, m, op) for path, item in spec["paths"].items() for m, op in item.items()),
             key=lambda x: (order.get(x[1], 5), x[0]))
for path, method, op in ops:
    if path == "/api/v1/auth/logout":
        continue  # would revoke the session the rest of the check uses; covered by 20-auth
    url = fill(path, method)
    headers = dict(H)
    body = bodies.get((method, path))
    if path in ("/v1/chat/completions", "/mcp"):
        headers = {"Authorization": "Bearer " + key["key"]}
    if path == "/api/v1/imports":
        url += "?account_id=" + accounts[0]["id"]
        headers["Content-Type"] = "text/csv"
        body = "date,description,amount\n2026-01-05,OpenAPI import check,-12.34\n"
    if path == "/api/v1/fx-rates/import":
        headers["Content-Type"] = "application/xml"
        with open(os.path.join(ROOT, "tests/fixtures/ecb/eurofxref-daily.xml")) as f:
            body = f.read()
    if path == "/api/v1/auth/refresh":
        body = {"refresh_token": request("POST", "/api/v1/auth/login", bodies[("post", "/api/v1/auth/login")]).json()["refresh_token"]}
    if path == "/api/v1/streams/{request_id}":
        r = request("GET", url, headers=headers, timeout=60)
        check(r.status == 200 and (r.header("content-type") or "").startswith("text/event-stream") and b"event: final" in r.body,
              f"GET {path}: SSE stream to the final event", str(r.status))
        continue
    r = request(method.upper(), url, body, headers=headers, timeout=60)
    documented = op.get("responses", {})
    check(str(r.status) in documented, f"{method.upper()} {path}: status {r.status} is documented",
          r.body[:200].decode(errors="replace"))
    resp = documented.get(str(r.status), {})
    if "$ref" in resp:
        resp = spec["components"]["responses"][resp["$ref"].split("/")[-1]]
    content = resp.get("content", {})
    if "application/json" in content and r.status != 204:
        err = validate(r.json(), content["application/json"]["schema"])
        check(err is None, f"{method.upper()} {path}: body matches the schema", err or "")
done()
