"""finlib.py - helpers shared by the finance integration tests (30-*.py .. 39-*.py).

Builds on fclib (TAP output, Resp, demo credentials, addresses). Adds: requests that leave
from a loopback address of their own every few dozen calls (so the per-IP rate limits of a
default stack are not what a test measures), fresh users with accounts, psql queries, and
paging through GET /transactions."""
import http.client
import importlib.util
import json
import os
import subprocess
import urllib.parse
import uuid

import fclib
from fclib import PG_URL, URL, Resp, check, done, is_error  # noqa: F401  (re-exported)

_host = urllib.parse.urlsplit(URL).hostname or "127.0.0.1"
_loopback = _host.startswith("127.") or _host == "localhost"
_calls = 0
_octet = 0


def _source():
    """A fresh 127.0.x.y source every 40 requests against a loopback gateway."""
    global _calls, _octet
    if not _loopback:
        return None
    if _calls % 40 == 0:
        _octet += 1
    _calls += 1
    return ("127.0.%d.%d" % (40 + _octet // 250, 1 + _octet % 250), 0)


def request(method, path, body=None, token=None, headers=None, raw=None, ctype=None, timeout=60):
    u = urllib.parse.urlsplit(URL)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    if ctype:
        h["Content-Type"] = ctype
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout,
                                      source_address=_source())
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return Resp(r.status, hdrs, payload)


def get(path, token, **query):
    q = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    return request("GET", path + ("?" + q if q else ""), token=token)


def login(email=fclib.DEMO[0], password=fclib.DEMO[1]):
    r = request("POST", "/api/v1/auth/login", {"email": email, "password": password})
    if r.status != 200:
        raise SystemExit(f"not ok - login as {email}: {r.status} {r.body[:200]!r}")
    return r.json()["access_token"]


def new_user(tag):
    """Registers a fresh user and returns (token, user_id)."""
    email = f"fin-{tag}-{uuid.uuid4().hex[:12]}@example.test"
    pw = "Sup3r-secret-pass"
    r = request("POST", "/api/v1/auth/register", {"email": email, "password": pw, "name": tag})
    if r.status != 201:
        raise SystemExit(f"not ok - register {email}: {r.status} {r.body[:200]!r}")
    token = login(email, pw)
    return token, r.json()["user"]["id"]


def new_account(token, name="Checking", type_="checking", opening=0):
    r = request("POST", "/api/v1/accounts",
                {"name": name, "type": type_, "institution": "Test Bank",
                 "opening_balance_minor": opening}, token=token)
    if r.status != 201:
        raise SystemExit(f"not ok - create account: {r.status} {r.body[:200]!r}")
    return r.json()["account"]["id"]


def psql(sql, *args):
    """Runs @sql with psql variables :'a1', :'a2', ... bound to @args; returns rows of fields."""
    cmd = ["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", PG_URL]
    for i, a in enumerate(args, 1):
        cmd += ["-v", f"a{i}={a}"]
    out = subprocess.run(cmd, input=sql, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def psql_one(sql, *args):
    rows = psql(sql, *args)
    return rows[0][0] if rows and rows[0] else None


def all_transactions(token, limit=200, **filters):
    """Every page of GET /transactions; returns (items, pages) or raises on a non-200."""
    items, cursor, pages = [], None, 0
    while True:
        r = get("/api/v1/transactions", token, limit=limit, cursor=cursor, **filters)
        if r.status != 200:
            raise AssertionError(f"GET /transactions {filters}: {r.status} {r.body[:200]!r}")
        j = r.json()
        items += j["items"]
        pages += 1
        cursor = j["next_cursor"]
        if not cursor:
            return items, pages


def snapshot(user_id):
    """Row counts and balances of one user's finance data, to prove a refused request
    changed nothing."""
    return psql(
        "SELECT (SELECT count(*) FROM transactions WHERE user_id = :'a1'),"
        " (SELECT coalesce(sum(amount_minor), 0) FROM transactions WHERE user_id = :'a1'),"
        " (SELECT count(*) FROM fraud_alerts WHERE user_id = :'a1'),"
        " (SELECT count(*) FROM fraud_alerts WHERE user_id = :'a1' AND status = 'open'),"
        " (SELECT coalesce(sum(balance_minor), 0) FROM accounts WHERE user_id = :'a1'),"
        " (SELECT count(*) FROM accounts WHERE user_id = :'a1'),"
        " (SELECT coalesce(string_agg(category || '=' || limit_minor, ',' ORDER BY category), '')"
        "   FROM budgets WHERE user_id = :'a1'),"
        " (SELECT coalesce(string_agg(category || note, ',' ORDER BY id), '')"
        "   FROM transactions WHERE user_id = :'a1')",
        user_id)[0]


def context(user_id):
    """The user's assistant context document from MongoDB (FINCHAT_MONGO_URL), read with the
    stack's own wire-protocol client (deploy/local/mongo-ping.py); None when there is none."""
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    spec = importlib.util.spec_from_file_location("mongo_ping", os.path.join(root, "deploy/local/mongo-ping.py"))
    mongo_ping = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mongo_ping)
    u = urllib.parse.urlsplit(os.environ.get("FINCHAT_MONGO_URL", "mongodb://127.0.0.1:27018/finchat"))
    conn = mongo_ping.Conn(f"{u.hostname or '127.0.0.1'}:{u.port or 27017}", 5)
    try:
        r = conn.command({"find": "contexts", "filter": {"_id": user_id}, "$db": u.path.strip("/") or "finchat"})
    finally:
        conn.close()
    batch = r.get("cursor", {}).get("firstBatch", [])
    return batch[0] if batch else None
